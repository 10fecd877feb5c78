"""Visits (bookings): a patient, a date, a duration, the windows for its start."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from api.schemas.fields import (
    Clock,
    DayMinutes,
    ExternalId,
    PatchBody,
    PlanDate,
    RecordId,
    Skills,
    bounded,
    omitted,
)
from scheduler.models import Priority, VisitStatus
from scheduler.records import inputs, limits


class Window(BaseModel):
    """A window for the *start* of the visit, both ends included; ``start`` may equal
    ``end`` (a fixed start)."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"start": "09:00", "end": "12:00"}]}
    )

    start: Clock
    end: Clock


def _not_empty(windows: list[Window]) -> list[Window]:
    if not windows:
        raise PydanticCustomError(
            "no_windows", "windows is empty; leave it out or send null to allow any time"
        )
    return windows


Windows = Annotated[
    list[Window],
    AfterValidator(_not_empty),
    bounded("windows", limits.MAX_WINDOWS),
    Field(
        max_length=limits.MAX_WINDOWS,
        description="Null or left out: any time in a shift. Stored sorted, overlaps merged.",
        json_schema_extra={"minItems": 1},
    ),
]
VISIT_EXAMPLE: dict[str, Any] = {
    "external_id": "v-2026-11-30-0042",
    "patient_id": 42,
    "date": "2026-11-30",
    "duration_minutes": 45,
    "windows": [{"start": "09:00", "end": "12:00"}],
    "skills": ["PT"],
    "priority": "normal",
    "pinned_therapist_id": None,
    "fixed_start": None,
    "care_plan_id": None,
}


class VisitCreate(BaseModel):
    """A new booking (status ``booked``); ``fixed_start`` must lie in a window."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [VISIT_EXAMPLE]})

    external_id: ExternalId
    patient_id: RecordId
    date: PlanDate
    duration_minutes: DayMinutes
    windows: Windows | None = None
    skills: Skills = Field(default_factory=list)
    priority: Priority = Priority.NORMAL
    pinned_therapist_id: RecordId | None = None
    fixed_start: Clock | None = None
    care_plan_id: RecordId | None = Field(
        default=None, description="The patient's care plan the visit is booked for."
    )

    def to_fields(self) -> inputs.VisitFields:
        return _fields(self)


class VisitUpdate(PatchBody):
    """Cancel a booking with ``{"status": "cancelled"}``."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"status": "cancelled"}, {"windows": None, "fixed_start": "10:30"}]
        }
    )

    external_id: ExternalId = omitted()
    patient_id: RecordId = omitted()
    date: PlanDate = omitted()
    duration_minutes: DayMinutes = omitted()
    windows: Windows | None = None
    skills: Skills = omitted()
    priority: Priority = omitted()
    pinned_therapist_id: RecordId | None = None
    fixed_start: Clock | None = None
    status: VisitStatus = omitted()
    care_plan_id: RecordId | None = None

    def to_fields(self) -> inputs.VisitFields:
        return _fields(self)


def _fields(body: VisitCreate | VisitUpdate) -> inputs.VisitFields:
    """The fields that ``body`` sent, for the record services."""
    windows = body.windows
    fields = inputs.VisitFields(
        external_id=body.external_id,
        patient_id=body.patient_id,
        date=body.date,
        duration_minutes=body.duration_minutes,
        windows=None if windows is None else [inputs.VisitWindow(w.start, w.end) for w in windows],
        skills=body.skills,
        priority=body.priority,
        pinned_therapist_id=body.pinned_therapist_id,
        fixed_start=body.fixed_start,
        status=body.status if isinstance(body, VisitUpdate) else inputs.UNSET,
        care_plan_id=body.care_plan_id,
    )
    return fields.keep(body.model_fields_set)


class VisitRead(BaseModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={"examples": [{"id": 311, **VISIT_EXAMPLE, "status": "booked"}]},
    )

    id: int
    external_id: str
    patient_id: int
    date: dt.date
    duration_minutes: int
    windows: list[Window] | None = Field(description="Null: any time in a shift.")
    skills: list[str]
    priority: Priority
    pinned_therapist_id: int | None
    fixed_start: Clock | None
    status: VisitStatus
    care_plan_id: int | None = Field(description="Null: booked by hand, for no care plan.")
    checked_in_at: dt.datetime | None
    checked_out_at: dt.datetime | None

    @field_validator("windows", mode="before")
    @classmethod
    def _none_for_any_time(cls, windows: Any) -> Any:
        return windows or None
