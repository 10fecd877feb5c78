"""The clinic's visits (bookings): list, read, create, update, delete.

An update changes only the fields given. Windows bound the start of the visit, both ends included
(DESIGN.md section 9): they are stored sorted, overlapping and touching ones merged, and a
fixed start must lie in one of them. A visit booked for a care plan names it
(``care_plan_id``), and the plan must be the visit's patient's; a visit of no plan is one
booked by hand.

A visit that a stored plan refers to cannot be deleted (the plan keeps it): cancel it by
setting its status to ``cancelled`` instead.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

import sqlalchemy as sa

from scheduler.errors import FieldError, InvalidRequest
from scheduler.models import CarePlan, Patient, Therapist, Visit, VisitStatus
from scheduler.records.inputs import UNSET, Unset, VisitFields
from scheduler.records.store import (
    DEFAULT_LIMIT,
    Kind,
    Page,
    create_record,
    delete_record,
    fetch_page,
    get_owned,
    in_dates,
    owned_reference,
    plans_with_visits,
    set_columns,
    unique,
    update_record,
)
from scheduler.records.values import date_fault, in_windows
from scheduler.records.windows import stored_windows

if TYPE_CHECKING:
    import datetime as dt

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
    found = partial(owned_reference, session, visit.clinic_id)
    patient, errors = found("patient_id", fields.patient_id, Patient, "patient")
    pinned_id = fields.pinned_therapist_id
    pinned, faults = found("pinned_therapist_id", pinned_id, Therapist, "therapist")
    errors += faults
    care_plan, faults = found("care_plan_id", fields.care_plan_id, CarePlan, "care plan")
    errors += faults or _care_plan_errors(visit, fields, patient, care_plan)
    if not isinstance(fields.date, Unset) and (fault := date_fault(fields.date)) is not None:
        errors.append(FieldError("date", fault))
    windows = visit.windows
    if fields.windows is not UNSET:
        windows, faults = stored_windows(fields.windows)
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
    if fields.care_plan_id is not UNSET:
        visit.care_plan = care_plan
    visit.windows = windows
    if fields.skills is not UNSET:
        visit.skills = unique(fields.skills)


def _care_plan_errors(
    visit: Visit, fields: VisitFields, patient: Patient | None, care_plan: CarePlan | None
) -> list[FieldError]:
    """A visit of a care plan is one of the plan's patient, whichever of the two changes."""
    if fields.care_plan_id is UNSET:
        care_plan = visit.care_plan
    patient_id = visit.patient_id if patient is None else patient.id
    if care_plan is None or patient_id is None or care_plan.patient_id == patient_id:
        return []
    message = (
        f"care plan {care_plan.id} is of patient {care_plan.patient_id}, not of the visit's "
        f"patient {patient_id}; send another care plan or null"
    )
    return [FieldError("care_plan_id", message)]
