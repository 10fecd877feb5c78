"""The clinic's visits (bookings): list, read, create, update, delete.

An update changes only the fields given. Windows bound the start of the visit, both ends included
(DESIGN.md section 9): they are stored sorted, overlapping and touching ones merged, and a
fixed start must lie in one of them.

A visit that a stored plan refers to cannot be deleted (the plan keeps it): cancel it by
setting its status to ``cancelled`` instead.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

import sqlalchemy as sa

from scheduler.errors import FieldError, InvalidRequest
from scheduler.models import Patient, Therapist, Visit, VisitStatus, Window
from scheduler.records.inputs import UNSET, Unset, VisitFields, VisitWindow
from scheduler.records.store import (
    DEFAULT_LIMIT,
    Kind,
    Page,
    R,
    create_record,
    delete_record,
    fetch_page,
    get_owned,
    in_dates,
    owned_ids,
    plans_with_visits,
    set_columns,
    unique,
    update_record,
)
from scheduler.records.values import date_fault, in_windows
from solver.clock import format_hhmm, minute_of_day
from solver.problem import merged_windows

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Sequence

    from sqlalchemy.orm import Session

COLUMNS = (
    "external_id",
    "date",
    "duration_minutes",
    "priority",
    "fixed_start",
    "status",
)
KIND = Kind(Visit, "visit")


def list_visits(
    session: Session,
    clinic_id: int,
    *,
    date: dt.date | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    patient_id: int | None = None,
    status: VisitStatus | None = None,
    limit: int = DEFAULT_LIMIT,
    offset: int = 0,
) -> Page[Visit]:
    """The clinic's visits by date and external id; ``date_from`` and ``date_to`` are
    included, and every filter given must hold."""
    query = sa.select(Visit).where(Visit.clinic_id == clinic_id)
    query = in_dates(query, Visit.date, date_from, date_to)
    if date is not None:
        query = query.where(Visit.date == date)
    if patient_id is not None:
        query = query.where(Visit.patient_id == patient_id)
    if status is not None:
        query = query.where(Visit.status == status)
    query = query.order_by(Visit.date, Visit.external_id, Visit.id)
    return fetch_page(session, query, limit, offset)


def get_visit(session: Session, clinic_id: int, visit_id: int) -> Visit:
    return get_owned(session, Visit, clinic_id, visit_id, KIND.noun)


def create_visit(
    session: Session, clinic_id: int, fields: VisitFields, commit_now: bool = True
) -> Visit:
    """A new ``booked`` visit (unless ``status`` says otherwise); ``Conflict`` if the
    external id is taken. Unless ``commit_now``, the caller's transaction commits it."""
    visit = Visit(clinic_id=clinic_id, windows=[], skills=[], status=VisitStatus.BOOKED)
    return create_record(session, KIND, visit, fields, partial(_apply, session), commit_now)


def update_visit(session: Session, clinic_id: int, visit_id: int, changes: VisitFields) -> Visit:
    """Change the fields given in ``changes``; ``windows`` None allows any time in a shift."""
    visit = get_visit(session, clinic_id, visit_id)
    return update_record(session, KIND, visit, changes, partial(_apply, session))


def delete_visit(session: Session, clinic_id: int, visit_id: int) -> None:
    """Delete the visit; ``Conflict`` while a stored plan has it (cancel it instead)."""
    visit = get_visit(session, clinic_id, visit_id)
    plans = plans_with_visits(session, sa.select(sa.literal(visit.id)))
    delete_record(session, KIND, visit, plans, "it; set its status to cancelled instead")


def _apply(session: Session, visit: Visit, fields: VisitFields) -> None:
    """Check ``fields`` against each other and the stored state, then set them."""
    patient, errors = _reference(session, visit, "patient_id", fields.patient_id, Patient)
    pinned_id = fields.pinned_therapist_id
    pinned, faults = _reference(session, visit, "pinned_therapist_id", pinned_id, Therapist)
    errors += faults
    if not isinstance(fields.date, Unset) and (fault := date_fault(fields.date)) is not None:
        errors.append(FieldError("date", fault))
    windows = visit.windows
    if fields.windows is not UNSET:
        windows, faults = _windows(fields.windows)
        errors += faults
    fixed_start = visit.fixed_start if fields.fixed_start is UNSET else fields.fixed_start
    if fixed_start is not None and windows and not in_windows(fixed_start, windows):
        message = f"{fixed_start:%H:%M} is outside every one of the visit's windows"
        errors.append(FieldError("fixed_start", message))
    if errors:
        raise InvalidRequest(errors)
    set_columns(visit, fields, COLUMNS)
    if patient is not None:
        visit.patient = patient
    if pinned_id is not UNSET:
        visit.pinned_therapist = pinned
    visit.windows = windows
    if fields.skills is not UNSET:
        visit.skills = unique(fields.skills)


def _reference(
    session: Session, visit: Visit, name: str, record_id: int | Unset | None, model: type[R]
) -> tuple[R | None, list[FieldError]]:
    """The clinic's record that ``record_id`` names (None if not given) and its fault."""
    if record_id is None or record_id is UNSET:
        return None, []
    noun = model.__name__.lower()
    found, faults = owned_ids(session, model, visit.clinic_id, [record_id], name, noun)
    return found.get(record_id), [FieldError(name, fault.message) for fault in faults]


def _windows(spans: Sequence[VisitWindow] | None) -> tuple[list[Window], list[FieldError]]:
    """The windows to store (merged, as the planner reads them) and the faults found."""
    if spans is None:
        return [], []
    if not spans:
        message = "windows is empty; leave it out or send null to allow any time in a shift"
        return [], [FieldError("windows", message)]
    errors = [
        FieldError(
            f"windows[{index}].end",
            f"the window ends at {span.end:%H:%M} before it starts at {span.start:%H:%M}",
        )
        for index, span in enumerate(spans)
        if span.end < span.start
    ]
    # merged_windows is blind to units: these spans are minutes, whatever its fields say.
    merged = merged_windows((minute_of_day(span.start), minute_of_day(span.end)) for span in spans)
    windows: list[Window] = [
        {"start": format_hhmm(window.start_s * 60), "end": format_hhmm(window.end_s * 60)}
        for window in merged
    ]
    return windows, errors
