"""Re-planning a published plan from events (``POST /plans/{id}/replan``), and slot
suggestions for a new visit (``POST /plans/{id}/suggestions``)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.fields import Clock
from api.schemas.plans import PlanOptionsCreate
from api.schemas.visits import VisitCreate
from scheduler.local_time import DayClock
from scheduler.planning.replan import EventKind, ReplanEvent
from scheduler.planning.suggestions import SlotOption
from solver.clock import format_hhmmss, minute_of_day

MAX_EVENT_MINUTES = 600


class AddedVisit(VisitCreate):
    """The booking of an urgent visit; its date is the plan's."""

    date: dt.date | None = None  # type: ignore[assignment]


class ReplanEventCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        populate_by_name=True,
        json_schema_extra={
            "examples": [
                {"kind": "therapist_unavailable", "therapist_id": "t3", "from": "10:30"},
                {"kind": "visit_cancelled", "visit_id": "2026-12-02-v0052"},
                {"kind": "running_late", "therapist_id": "t1", "minutes": 40},
                {"kind": "visit_extended", "visit_id": "2026-12-02-v0011", "minutes": 15},
            ]
        },
    )

    kind: Literal[
        "therapist_unavailable", "visit_cancelled", "visit_added", "running_late", "visit_extended"
    ]
    therapist_id: str | None = Field(default=None, max_length=100, description="External id.")
    visit_id: str | None = Field(default=None, max_length=100, description="External id.")
    from_: Clock | None = Field(
        default=None, alias="from", description="therapist_unavailable: from when (default now)."
    )
    minutes: int | None = Field(default=None, ge=1, le=MAX_EVENT_MINUTES)
    visit: AddedVisit | None = Field(default=None, description="visit_added: the booking.")

    def to_event(self) -> ReplanEvent:
        return ReplanEvent(
            kind=EventKind(self.kind),
            therapist=self.therapist_id,
            visit=self.visit_id,
            from_s=None if self.from_ is None else minute_of_day(self.from_) * 60,
            minutes=self.minutes,
            new_visit=None if self.visit is None else self.visit.to_fields(),
        )


class ReplanCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "now": "10:30",
                    "events": [
                        {"kind": "therapist_unavailable", "therapist_id": "t3", "from": "10:30"}
                    ],
                }
            ]
        },
    )

    events: list[ReplanEventCreate] = Field(default_factory=list, max_length=200)
    now: Clock | None = Field(default=None, description="Default: the clinic's current time.")
    promised_minutes: int = Field(default=30, ge=0, le=240)
    options: PlanOptionsCreate = Field(default_factory=PlanOptionsCreate)


_URGENT: dict[str, Any] = {
    "external_id": "v-0107",
    "patient_id": 4,
    "duration_minutes": 30,
    "priority": "high",
}


class SuggestionsCreate(BaseModel):
    """A visit to place while the patient is on the phone."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"visit": _URGENT, "now": "10:30", "count": 5}]},
    )

    visit: AddedVisit
    now: Clock | None = Field(default=None, description="Default: the clinic's current time.")
    count: int = Field(default=5, ge=1, le=20)
    promised_minutes: int = Field(default=30, ge=0, le=240)


_SUGGESTION: dict[str, Any] = {
    "therapist_id": 3,
    "therapist_external_id": "t-ana",
    "therapist_name": "Ana Vidal",
    "position": 4,
    "start": "11:20:00",
    "added_travel_s": 412,
    "retimed": [],
    "cost": 412,
}


class SuggestionRead(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_SUGGESTION]})

    therapist_id: int
    therapist_external_id: str
    therapist_name: str
    position: int = Field(description="Where in the therapist's route (0: first stop).")
    start: str = Field(description="Local wall-clock time HH:MM:SS.")
    added_travel_s: int
    retimed: list[str] = Field(description="Visits moved beyond their promise (external ids).")
    cost: int

    @classmethod
    def from_option(cls, option: SlotOption, clock: DayClock) -> SuggestionRead:
        return cls(
            therapist_id=option.therapist_id,
            therapist_external_id=option.therapist_key,
            therapist_name=option.therapist_name,
            position=option.position,
            start=format_hhmmss(clock.wall_s(option.start_s)),
            added_travel_s=option.added_travel_s,
            retimed=list(option.retimed),
            cost=option.cost,
        )


class SuggestionsRead(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"suggestions": [_SUGGESTION]}]})

    suggestions: list[SuggestionRead]


class SuggestionAccept(BaseModel):
    """Book the visit where a suggestion put it: a new draft."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "visit": _URGENT,
                    "now": "10:30",
                    "therapist_external_id": "t-ana",
                    "position": 4,
                }
            ]
        },
    )

    visit: AddedVisit
    therapist_external_id: str = Field(max_length=100)
    position: int = Field(ge=0, le=1000)
    now: Clock | None = None
    promised_minutes: int = Field(default=30, ge=0, le=240)
