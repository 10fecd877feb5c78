"""Care plans: a patient's episode of therapy, its frequency, days, windows and therapists."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from api.schemas.fields import (
    DayMinutes,
    Discipline,
    ExternalId,
    PatchBody,
    PlanDate,
    RecordId,
    Skills,
    omitted,
)
from api.schemas.patients import TherapistIds
from api.schemas.visits import Window, Windows
from scheduler.models import CarePlanStatus, Priority
from scheduler.records import inputs, limits

if TYPE_CHECKING:
    from scheduler.models import CarePlan

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
Weekdays = Annotated[
    list[Weekday],
    Field(min_length=1, max_length=7, description="The days a visit may fall on; not empty."),
]
VisitsPerWeek = Annotated[int, Field(ge=1, le=limits.MAX_VISITS_PER_WEEK)]
VisitsTotal = Annotated[int, Field(ge=1, le=limits.MAX_CARE_PLAN_VISITS)]
DaysBetween = Annotated[
    int,
    Field(
        ge=0,
        le=limits.MAX_DAYS_BETWEEN,
        description="Days without a visit between two visits: 1 = not two days running.",
    ),
]
DayWindows = Annotated[
    dict[Weekday, Windows],
    Field(description="Windows of their own on these allowed weekdays, instead of `windows`."),
]
CARE_PLAN_EXAMPLE: dict[str, Any] = {
    "external_id": "cp-0042-pt",
    "patient_id": 42,
    "discipline": "PT",
    "skills": [],
    "visits_per_week": 3,
    "visits_total": None,
    "duration_minutes": 45,
    "first_date": "2026-11-30",
    "last_date": "2026-12-27",
    "weekdays": ["mon", "wed", "fri"],
    "windows": [{"start": "08:00", "end": "12:00"}],
    "weekday_windows": {"fri": [{"start": "13:00", "end": "16:00"}]},
    "min_days_between": 1,
    "priority": "normal",
    "primary_therapist_id": 7,
    "preferred_therapist_ids": [9],
    "status": "active",
}


class CarePlanCreate(BaseModel):
    """Exactly one of `visits_per_week` and `visits_total`; `last_date` not before
    `first_date`."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [CARE_PLAN_EXAMPLE]})

    external_id: ExternalId
    patient_id: RecordId
    discipline: Discipline
    skills: Skills = Field(default_factory=list)
    visits_per_week: VisitsPerWeek | None = None
    visits_total: VisitsTotal | None = None
    duration_minutes: DayMinutes
    first_date: PlanDate
    last_date: PlanDate
    weekdays: Weekdays
    windows: Windows | None = None
    weekday_windows: DayWindows = Field(default_factory=dict)
    min_days_between: DaysBetween = 0
    priority: Priority = Priority.NORMAL
    primary_therapist_id: RecordId
    preferred_therapist_ids: TherapistIds = Field(default_factory=list)
    status: CarePlanStatus = CarePlanStatus.ACTIVE

    def to_fields(self) -> inputs.CarePlanFields:
        return _fields(self)


class CarePlanUpdate(PatchBody):
    """Sending one of `visits_per_week` and `visits_total` switches the plan to it."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"status": "on_hold"}, {"visits_total": 6}, {"windows": None}]
        }
    )

    external_id: ExternalId = omitted()
    patient_id: RecordId = omitted()
    discipline: Discipline = omitted()
    skills: Skills = omitted()
    visits_per_week: VisitsPerWeek | None = None
    visits_total: VisitsTotal | None = None
    duration_minutes: DayMinutes = omitted()
    first_date: PlanDate = omitted()
    last_date: PlanDate = omitted()
    weekdays: Weekdays = omitted()
    windows: Windows | None = None
    weekday_windows: DayWindows = omitted()
    min_days_between: DaysBetween = omitted()
    priority: Priority = omitted()
    primary_therapist_id: RecordId = omitted()
    preferred_therapist_ids: TherapistIds = omitted()
    status: CarePlanStatus = omitted()

    def to_fields(self) -> inputs.CarePlanFields:
        return _fields(self)


def _spans(windows: list[Window] | None) -> list[inputs.VisitWindow] | None:
    return None if windows is None else [inputs.VisitWindow(w.start, w.end) for w in windows]


def _fields(body: CarePlanCreate | CarePlanUpdate) -> inputs.CarePlanFields:
    """The fields that ``body`` sent, for the record services."""
    by_day = body.weekday_windows or {}
    fields = inputs.CarePlanFields(
        external_id=body.external_id,
        patient_id=body.patient_id,
        discipline=body.discipline,
        skills=body.skills,
        visits_per_week=body.visits_per_week,
        visits_total=body.visits_total,
        duration_minutes=body.duration_minutes,
        first_date=body.first_date,
        last_date=body.last_date,
        weekdays=body.weekdays,
        windows=_spans(body.windows),
        weekday_windows={day: _spans(spans) or [] for day, spans in by_day.items()},
        min_days_between=body.min_days_between,
        priority=body.priority,
        primary_therapist_id=body.primary_therapist_id,
        preferred_therapist_ids=body.preferred_therapist_ids,
        status=body.status,
    )
    return fields.keep(body.model_fields_set)


class CarePlanRead(BaseModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={"examples": [{"id": 12, **CARE_PLAN_EXAMPLE}]},
    )

    id: int
    external_id: str
    patient_id: int
    discipline: str
    skills: list[str]
    visits_per_week: int | None
    visits_total: int | None
    duration_minutes: int
    first_date: dt.date
    last_date: dt.date
    weekdays: list[str]
    windows: list[Window] | None = Field(description="Null: any time in a shift.")
    weekday_windows: dict[str, list[Window]]
    min_days_between: int
    priority: Priority
    primary_therapist_id: int | None = Field(
        description="Null only after the primary therapist was deleted: choose another."
    )
    preferred_therapist_ids: list[int]
    status: CarePlanStatus

    @field_validator("windows", mode="before")
    @classmethod
    def _none_for_any_time(cls, windows: Any) -> Any:
        return windows or None

    @classmethod
    def from_record(cls, plan: CarePlan) -> CarePlanRead:
        fields = {name: getattr(plan, name) for name in cls.model_fields if "_ids" not in name}
        preferred = [therapist.id for therapist in plan.preferred_therapists]
        return cls.model_validate({**fields, "preferred_therapist_ids": preferred})
