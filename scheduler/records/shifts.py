"""A therapist's weekly availability and the dates that differ from it (leave, a changed
shift).

The week is replaced whole by a list of ``WeeklyShift``; a day may have several shifts (a
split shift) that must not overlap (touching is fine). A date has at most one exception:
adding a second one for the same date is a ``Conflict`` (delete the first to replace it), so
a request never silently overwrites a leave that someone else entered.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

import sqlalchemy as sa

from scheduler.errors import Conflict, FieldError, InvalidRequest, NotFound
from scheduler.models import ShiftException, ShiftExceptionKind, WeeklyAvailability
from scheduler.records.store import commit, get_by_id, in_dates
from scheduler.records.therapists import get_therapist
from scheduler.records.values import WEEKDAYS, date_fault

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Sequence

    from sqlalchemy.orm import Session

    from scheduler.records.inputs import ShiftExceptionFields, WeeklyShift


def get_availability(
    session: Session, clinic_id: int, therapist_id: int
) -> list[WeeklyAvailability]:
    """The therapist's regular shifts by weekday and start."""
    return list(get_therapist(session, clinic_id, therapist_id).availability)


def set_availability(
    session: Session, clinic_id: int, therapist_id: int, shifts: Sequence[WeeklyShift]
) -> list[WeeklyAvailability]:
    """Replace the therapist's week with ``shifts`` (an empty list: never available)."""
    therapist = get_therapist(session, clinic_id, therapist_id)
    errors = _week_errors(shifts)
    if errors:
        raise InvalidRequest(errors)
    therapist.availability = [
        WeeklyAvailability(weekday=shift.weekday, start=shift.start, end=shift.end)
        for shift in shifts
    ]
    commit(session, f"the availability of therapist {therapist.external_id!r}")
    return list(therapist.availability)


def _week_errors(shifts: Sequence[WeeklyShift]) -> list[FieldError]:
    """Each shift ends after it starts, on a weekday 0-6, and overlaps no other that day."""
    errors: list[FieldError] = []
    for index, shift in enumerate(shifts):
        if not 0 <= shift.weekday <= len(WEEKDAYS) - 1:
            errors.append(
                FieldError(f"shifts[{index}].weekday", "must be 0 (Monday) to 6 (Sunday)")
            )
        errors += _empty_shift(f"shifts[{index}].end", shift.start, shift.end)
    if errors:
        return errors
    order = sorted(range(len(shifts)), key=lambda i: (shifts[i].weekday, shifts[i].start))
    for earlier, later in itertools.pairwise(order):
        first, second = shifts[earlier], shifts[later]
        if first.weekday == second.weekday and second.start < first.end:
            day = WEEKDAYS[first.weekday]
            message = f"overlaps shifts[{earlier}] ({first.start:%H:%M}-{first.end:%H:%M}) on {day}"
            errors.append(FieldError(f"shifts[{later}].start", message))
    return errors


def list_exceptions(
    session: Session,
    clinic_id: int,
    therapist_id: int,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> list[ShiftException]:
    """The therapist's exceptions by date, from ``date_from`` to ``date_to`` (included)."""
    therapist = get_therapist(session, clinic_id, therapist_id)
    query = sa.select(ShiftException).where(ShiftException.therapist_id == therapist.id)
    query = in_dates(query, ShiftException.date, date_from, date_to)
    return list(session.scalars(query.order_by(ShiftException.date)))


def add_exception(
    session: Session, clinic_id: int, therapist_id: int, fields: ShiftExceptionFields
) -> ShiftException:
    """A leave (``kind`` leave, no times) or a changed shift (``kind`` changed, ``start``
    before ``end``) on ``date``; ``Conflict`` if the date has an exception already."""
    therapist = get_therapist(session, clinic_id, therapist_id)
    kind, date, start, end = fields.kind, fields.date, fields.start, fields.end
    errors = _exception_errors(kind, start, end)
    if (fault := date_fault(date)) is not None:
        errors.append(FieldError("date", fault))
    if errors:
        raise InvalidRequest(errors)
    taken = session.scalar(
        sa.select(ShiftException.id).where(
            ShiftException.therapist_id == therapist.id, ShiftException.date == date
        )
    )
    if taken is not None:
        raise Conflict(
            f"therapist {therapist.external_id!r} already has exception {taken} on {date};"
            " delete it first to replace it"
        )
    exception = ShiftException(therapist=therapist, date=date, kind=kind, start=start, end=end)
    session.add(exception)
    commit(session, f"the exception of therapist {therapist.external_id!r} on {date}")
    return exception


def _exception_errors(
    kind: ShiftExceptionKind, start: dt.time | None, end: dt.time | None
) -> list[FieldError]:
    if kind == ShiftExceptionKind.LEAVE:
        return [
            FieldError(name, "a leave has no times; leave it out, or use kind changed")
            for name, value in (("start", start), ("end", end))
            if value is not None
        ]
    errors = [
        FieldError(name, "a changed shift needs a start and an end")
        for name, value in (("start", start), ("end", end))
        if value is None
    ]
    if start is not None and end is not None:
        errors += _empty_shift("end", start, end)
    return errors


def _empty_shift(field: str, start: dt.time, end: dt.time) -> list[FieldError]:
    if start < end:
        return []
    return [FieldError(field, f"the shift ends at {end:%H:%M}, not after its start {start:%H:%M}")]


def delete_exception(
    session: Session, clinic_id: int, therapist_id: int, exception_id: int
) -> None:
    """Delete one of the therapist's exceptions: the weekly availability holds that date again."""
    therapist = get_therapist(session, clinic_id, therapist_id)
    exception = get_by_id(session, ShiftException, exception_id)
    if exception is None or exception.therapist_id != therapist.id:
        raise NotFound(f"shift exception {exception_id} of therapist {therapist_id} not found")
    session.delete(exception)
    commit(session, f"deleting exception {exception_id}")
