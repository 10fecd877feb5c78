"""The field values the record services take: one frozen dataclass a record.

A field left ``UNSET`` is not given: a create leaves the record's default, an update leaves
the stored value (PATCH). ``None`` is a value: it clears a nullable field. The values come
typed and range-checked (by the API's schemas); the services check what needs the stored
state or several fields at once.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, fields, replace
from typing import TYPE_CHECKING, ClassVar, Final, Self

from scheduler.errors import FieldError

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Collection, Mapping, Sequence

    from scheduler.models import CarePlanStatus, Priority, ShiftExceptionKind, VisitStatus


class Unset(enum.Enum):
    """The type of ``UNSET``: a field not given, unlike ``None`` (given, and empty)."""

    UNSET = "UNSET"

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Final = Unset.UNSET


@dataclass(frozen=True)
class RecordFields:
    """What every record's fields share: the external id, and the names a create needs."""

    REQUIRED: ClassVar[tuple[str, ...]] = ("external_id",)

    external_id: str | Unset = UNSET

    def given(self) -> dict[str, object]:
        """The fields given, by name."""
        values = {field.name: getattr(self, field.name) for field in fields(self)}
        return {name: value for name, value in values.items() if value is not UNSET}

    def keep(self, names: Collection[str]) -> Self:
        """These fields, the others ``UNSET``: what a request sent out of a whole body."""
        unsent = {field.name: UNSET for field in fields(self) if field.name not in names}
        return replace(self, **unsent)

    def missing(self) -> list[FieldError]:
        """A fault for each field a create needs that is not given (or None)."""
        given = self.given()
        return [
            FieldError(name, "a value is required")
            for name in self.REQUIRED
            if given.get(name) is None
        ]


@dataclass(frozen=True)
class TherapistBreak:
    """A lunch break of ``minutes``, taken between ``earliest`` and ``latest_end``."""

    earliest: dt.time
    latest_end: dt.time
    minutes: int


@dataclass(frozen=True)
class TherapistFields(RecordFields):
    """A therapist; ``break_`` None means no break. The discipline counts as a skill.
    ``max_week_minutes`` (the week's working-time cap) is at least ``max_work_minutes``
    (the day's) when both are set."""

    REQUIRED: ClassVar[tuple[str, ...]] = (
        "external_id",
        "name",
        "discipline",
        "home_lat",
        "home_lon",
    )

    name: str | Unset = UNSET
    email: str | Unset | None = UNSET
    phone: str | Unset | None = UNSET
    discipline: str | Unset = UNSET
    skills: Sequence[str] | Unset = UNSET
    home_lat: float | Unset = UNSET
    home_lon: float | Unset = UNSET
    travel_mode: str | Unset = UNSET
    max_visits: int | Unset | None = UNSET
    max_work_minutes: int | Unset | None = UNSET
    max_week_minutes: int | Unset | None = UNSET
    overtime_minutes: int | Unset = UNSET
    break_: TherapistBreak | Unset | None = UNSET


@dataclass(frozen=True)
class PatientFields(RecordFields):
    """A patient; the therapist ids name therapists of the clinic. Coordinates come both or
    neither."""

    REQUIRED: ClassVar[tuple[str, ...]] = ("external_id", "name", "address")

    name: str | Unset = UNSET
    address: str | Unset = UNSET
    lat: float | Unset | None = UNSET
    lon: float | Unset | None = UNSET
    phone: str | Unset | None = UNSET
    email: str | Unset | None = UNSET
    access_notes: str | Unset = UNSET
    required_skills: Sequence[str] | Unset = UNSET
    preferred_therapist_ids: Sequence[int] | Unset = UNSET
    excluded_therapist_ids: Sequence[int] | Unset = UNSET


@dataclass(frozen=True)
class VisitWindow:
    """A window for the start of a visit, both ends included."""

    start: dt.time
    end: dt.time


@dataclass(frozen=True)
class VisitFields(RecordFields):
    """A visit; ``windows`` None allows any time in a shift, and a fixed start must lie in
    one of them."""

    REQUIRED: ClassVar[tuple[str, ...]] = ("external_id", "patient_id", "date", "duration_minutes")

    patient_id: int | Unset = UNSET
    date: dt.date | Unset = UNSET
    duration_minutes: int | Unset = UNSET
    windows: Sequence[VisitWindow] | Unset | None = UNSET
    skills: Sequence[str] | Unset = UNSET
    priority: Priority | Unset = UNSET
    pinned_therapist_id: int | Unset | None = UNSET
    fixed_start: dt.time | Unset | None = UNSET
    status: VisitStatus | Unset = UNSET
    care_plan_id: int | Unset | None = UNSET


@dataclass(frozen=True)
class CarePlanFields(RecordFields):
    """A care plan; ``weekdays`` are names ``mon`` .. ``sun``. Giving one of
    ``visits_per_week`` and ``visits_total`` (not None) without the other clears the other.
    ``weekday_windows`` replace ``windows`` on the weekdays it names."""

    REQUIRED: ClassVar[tuple[str, ...]] = (
        "external_id",
        "patient_id",
        "discipline",
        "duration_minutes",
        "first_date",
        "last_date",
        "weekdays",
        "primary_therapist_id",
    )

    patient_id: int | Unset = UNSET
    discipline: str | Unset = UNSET
    skills: Sequence[str] | Unset = UNSET
    visits_per_week: int | Unset | None = UNSET
    visits_total: int | Unset | None = UNSET
    duration_minutes: int | Unset = UNSET
    first_date: dt.date | Unset = UNSET
    last_date: dt.date | Unset = UNSET
    weekdays: Sequence[str] | Unset = UNSET
    windows: Sequence[VisitWindow] | Unset | None = UNSET
    weekday_windows: Mapping[str, Sequence[VisitWindow]] | Unset = UNSET
    min_days_between: int | Unset = UNSET
    priority: Priority | Unset = UNSET
    primary_therapist_id: int | Unset = UNSET
    preferred_therapist_ids: Sequence[int] | Unset = UNSET
    status: CarePlanStatus | Unset = UNSET


@dataclass(frozen=True)
class WeeklyShift:
    """A regular shift: every ``weekday`` (0 = Monday) from ``start`` to ``end``."""

    weekday: int
    start: dt.time
    end: dt.time


@dataclass(frozen=True)
class ShiftExceptionFields:
    """A leave (``kind`` leave, no times) or a changed shift (``kind`` changed, ``start``
    before ``end``) on ``date``."""

    date: dt.date
    kind: ShiftExceptionKind
    start: dt.time | None = None
    end: dt.time | None = None
