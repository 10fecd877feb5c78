"""A therapist's weekly availability and the dates that differ from it."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.fields import Clock, PlanDate, bounded
from scheduler.models import ShiftExceptionKind
from scheduler.records import inputs, limits

Weekday = Annotated[int, Field(ge=0, le=6, description="0 = Monday ... 6 = Sunday.")]
WEEK_EXAMPLE: dict[str, Any] = {
    "shifts": [
        {"weekday": 0, "start": "08:00", "end": "16:30"},
        {"weekday": 2, "start": "08:00", "end": "12:00"},
        {"weekday": 2, "start": "13:00", "end": "17:00"},
    ]
}


class WeeklyShift(BaseModel):
    """A regular shift: every ``weekday`` from ``start`` to ``end``."""

    model_config = ConfigDict(
        extra="forbid",
        from_attributes=True,
        json_schema_extra={"examples": [{"weekday": 0, "start": "08:00", "end": "16:30"}]},
    )

    weekday: Weekday
    start: Clock
    end: Clock


class WeekUpdate(BaseModel):
    """The whole week; it replaces the stored one. Shifts of a day must not overlap."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [WEEK_EXAMPLE]})

    shifts: Annotated[
        list[WeeklyShift],
        Field(max_length=limits.MAX_WEEKLY_SHIFTS),
        bounded("weekly shifts", limits.MAX_WEEKLY_SHIFTS),
    ]

    def to_shifts(self) -> list[inputs.WeeklyShift]:
        return [inputs.WeeklyShift(s.weekday, s.start, s.end) for s in self.shifts]


class WeekRead(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [WEEK_EXAMPLE]})

    shifts: list[WeeklyShift]


class ShiftExceptionCreate(BaseModel):
    """A leave (no times) or a changed shift (``start`` and ``end``) on ``date``."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"date": "2026-12-24", "kind": "leave"},
                {"date": "2026-12-01", "kind": "changed", "start": "12:00", "end": "18:00"},
            ]
        },
    )

    date: PlanDate
    kind: ShiftExceptionKind
    start: Clock | None = None
    end: Clock | None = None

    def to_fields(self) -> inputs.ShiftExceptionFields:
        return inputs.ShiftExceptionFields(self.date, self.kind, self.start, self.end)


class ShiftExceptionRead(BaseModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": 4,
                    "therapist_id": 7,
                    "date": "2026-12-01",
                    "kind": "changed",
                    "start": "12:00",
                    "end": "18:00",
                }
            ]
        },
    )

    id: int
    therapist_id: int
    date: dt.date
    kind: ShiftExceptionKind
    start: Clock | None
    end: Clock | None
