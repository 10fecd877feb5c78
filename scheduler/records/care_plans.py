"""The clinic's care plans (episodes): list, read, create, update, delete.

An update changes only the fields given, and the plan is checked as it would be after it:
exactly one of ``visits_per_week`` and ``visits_total`` (giving one switches the plan to it),
``first_date`` <= ``last_date``, allowed ``weekdays`` (stored in week order), windows as the
visits' (merged; ``weekday_windows`` only on allowed weekdays), and a frequency that the
weekdays and ``min_days_between`` can give at all. The primary and preferred therapists are
the clinic's, and not ones the patient refuses. The discipline counts as a required skill.

Deleting a plan keeps its visits: they become bookings of no plan (``visits.care_plan_id``
is set null), as if booked by hand; stored day plans keep them.

``care_plan_faults`` and ``assign_care_plan`` are the checks and the setting that the CSV
import shares with the services.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from scheduler.errors import FieldError, InvalidRequest
from scheduler.models import CarePlan, CarePlanStatus, Patient, Priority, Therapist
from scheduler.records.inputs import UNSET, CarePlanFields
from scheduler.records.store import (
    DEFAULT_LIMIT,
    Kind,
    Page,
    create_record,
    delete_record,
    fetch_page,
    get_owned,
    owned_ids,
    owned_reference,
    set_columns,
    unique,
    update_record,
)
from scheduler.records.values import WEEKDAYS, date_fault
from scheduler.records.windows import stored_windows

if TYPE_CHECKING:
    from collections.abc import Collection

    from sqlalchemy.orm import Session

    from scheduler.models import Window

COLUMNS = (
    "external_id",
    "discipline",
    "duration_minutes",
    "first_date",
    "last_date",
    "min_days_between",
    "priority",
    "status",
)
PREFERRED = "preferred_therapist_ids"
KIND = Kind(CarePlan, "care plan")
WEEK_DAYS = 7
DAY_WINDOWS_EMPTY = "leave the day out to use windows on it"


@dataclass(frozen=True)
class Links:
    """The records that a care plan's fields name, found; None where a field is not given."""

    patient: Patient | None = None
    primary: Therapist | None = None
    preferred: list[Therapist] | None = None


def list_care_plans(
    session: Session,
    clinic_id: int,
    *,
    patient_id: int | None = None,
    status: CarePlanStatus | None = None,
    limit: int = DEFAULT_LIMIT,
    offset: int = 0,
) -> Page[CarePlan]:
    """The clinic's care plans by external id; every filter given must hold."""
    query = sa.select(CarePlan).where(CarePlan.clinic_id == clinic_id)
    if patient_id is not None:
        query = query.where(CarePlan.patient_id == patient_id)
    if status is not None:
        query = query.where(CarePlan.status == status)
    query = query.order_by(CarePlan.external_id, CarePlan.id)
    return fetch_page(session, query, limit, offset)


def get_care_plan(session: Session, clinic_id: int, care_plan_id: int) -> CarePlan:
    return get_owned(session, CarePlan, clinic_id, care_plan_id, KIND.noun)


def new_care_plan(clinic_id: int) -> CarePlan:
    """An unsaved care plan with the defaults that a create leaves (``active``)."""
    return CarePlan(
        clinic_id=clinic_id,
        skills=[],
        windows=[],
        weekday_windows={},
        min_days_between=0,
        priority=Priority.NORMAL,
        status=CarePlanStatus.ACTIVE,
        preferred_therapists=[],
    )


def create_care_plan(session: Session, clinic_id: int, fields: CarePlanFields) -> CarePlan:
    """A new care plan of a patient of the clinic; ``Conflict`` if the external id is taken."""
    plan = new_care_plan(clinic_id)
    return create_record(session, KIND, plan, fields, partial(_apply, session))


def update_care_plan(
    session: Session, clinic_id: int, care_plan_id: int, changes: CarePlanFields
) -> CarePlan:
    """Change the fields given in ``changes``; ``status`` ``ended`` closes the episode."""
    plan = get_care_plan(session, clinic_id, care_plan_id)
    return update_record(session, KIND, plan, changes, partial(_apply, session))


def delete_care_plan(session: Session, clinic_id: int, care_plan_id: int) -> None:
    """Delete the care plan; its visits stay, as bookings of no plan."""
    plan = get_care_plan(session, clinic_id, care_plan_id)
    delete_record(session, KIND, plan, 0, "")


def _apply(session: Session, plan: CarePlan, fields: CarePlanFields) -> None:
    """Check ``fields`` against each other and the stored state, then set them."""
    links, errors = _links(session, plan, fields)
    errors += care_plan_faults(plan, fields, links)
    if errors:
        raise InvalidRequest(errors)
    assign_care_plan(plan, fields, links)


def _links(
    session: Session, plan: CarePlan, fields: CarePlanFields
) -> tuple[Links, list[FieldError]]:
    """The clinic's records that ``fields`` name, and a fault for each id that is not one."""
    found = partial(owned_reference, session, plan.clinic_id)
    patient, errors = found("patient_id", fields.patient_id, Patient, "patient")
    primary, faults = found(
        "primary_therapist_id", fields.primary_therapist_id, Therapist, "therapist"
    )
    errors += faults
    preferred = None
    if fields.preferred_therapist_ids is not UNSET:
        wanted = unique(fields.preferred_therapist_ids)
        by_id, faults = owned_ids(
            session, Therapist, plan.clinic_id, wanted, PREFERRED, "therapist"
        )
        errors += faults
        preferred = [by_id[therapist_id] for therapist_id in wanted if therapist_id in by_id]
    return Links(patient, primary, preferred), errors


def care_plan_faults(plan: CarePlan, fields: CarePlanFields, links: Links) -> list[FieldError]:
    """Each fault of ``plan`` as it would be with ``fields`` and ``links`` set on it."""
    errors = _date_errors(plan, fields)
    weekdays, faults = _weekdays(plan, fields)
    errors += faults
    errors += _frequency_errors(plan, fields, weekdays)
    errors += _window_errors(plan, fields, weekdays)
    errors += _therapist_errors(plan, links)
    return errors


def assign_care_plan(plan: CarePlan, fields: CarePlanFields, links: Links) -> None:
    """Set ``fields`` and ``links`` on ``plan``; ``care_plan_faults`` found none."""
    plan.visits_per_week, plan.visits_total = _frequency(plan, fields)
    set_columns(plan, fields, COLUMNS)
    if fields.skills is not UNSET:
        plan.skills = unique(fields.skills)
    if fields.weekdays is not UNSET:
        plan.weekdays = _in_week_order(fields.weekdays)
    if fields.windows is not UNSET:
        plan.windows = stored_windows(fields.windows)[0]
    if fields.weekday_windows is not UNSET:
        plan.weekday_windows = {
            day: stored_windows(fields.weekday_windows[day])[0]
            for day in _in_week_order(fields.weekday_windows)
        }
    if links.patient is not None:
        plan.patient = links.patient
    if links.primary is not None:
        plan.primary_therapist = links.primary
    if links.preferred is not None:
        plan.preferred_therapists = links.preferred


def _value(plan: CarePlan, fields: CarePlanFields, name: str) -> Any:
    """The field as the plan would hold it: the given value, else the stored one."""
    given = getattr(fields, name)
    return getattr(plan, name) if given is UNSET else given


def _date_errors(plan: CarePlan, fields: CarePlanFields) -> list[FieldError]:
    errors = [
        FieldError(name, fault)
        for name in ("first_date", "last_date")
        if isinstance(day := getattr(fields, name), dt.date) and (fault := date_fault(day))
    ]
    first, last = _value(plan, fields, "first_date"), _value(plan, fields, "last_date")
    if not errors and first is not None and last is not None and last < first:
        errors.append(FieldError("last_date", f"{last} is before first_date {first}"))
    return errors


def _in_week_order(days: Collection[str]) -> list[str]:
    return [day for day in WEEKDAYS if day in days]


def _weekdays(plan: CarePlan, fields: CarePlanFields) -> tuple[list[str], list[FieldError]]:
    """The allowed weekdays the plan would have (week order), and the faults of those given."""
    if fields.weekdays is UNSET:
        return list(plan.weekdays or []), []
    if not fields.weekdays:
        message = f"weekdays is empty; allow at least one of {', '.join(WEEKDAYS)}"
        return [], [FieldError("weekdays", message)]
    errors = [
        FieldError(f"weekdays[{index}]", f"{day!r} is not one of {', '.join(WEEKDAYS)}")
        for index, day in enumerate(fields.weekdays)
        if day not in WEEKDAYS
    ]
    # Unknown days leave the weekdays unknown: the checks that depend on them wait.
    return ([] if errors else _in_week_order(fields.weekdays)), errors


def _frequency(plan: CarePlan, fields: CarePlanFields) -> tuple[int | None, int | None]:
    """``visits_per_week`` and ``visits_total`` as the plan would hold them: giving one of
    them (not None) without the other switches the plan to it."""
    per_week, total = fields.visits_per_week, fields.visits_total
    if total is UNSET:
        total = None if isinstance(per_week, int) else plan.visits_total
    if per_week is UNSET:
        per_week = None if isinstance(total, int) else plan.visits_per_week
    return per_week, total


def _frequency_errors(
    plan: CarePlan, fields: CarePlanFields, weekdays: list[str]
) -> list[FieldError]:
    per_week, total = _frequency(plan, fields)
    if per_week is not None and total is not None:
        return [FieldError("visits_total", "give visits_per_week or visits_total, not both")]
    if per_week is None and total is None:
        return [FieldError("visits_per_week", "give visits_per_week or visits_total")]
    gap_days = _value(plan, fields, "min_days_between") or 0
    if per_week is not None and weekdays and per_week > len(weekdays):
        message = (
            f"{per_week} visits a week need {per_week} allowed weekdays (at most one visit "
            f"a day); weekdays allows {len(weekdays)}"
        )
        return [FieldError("visits_per_week", message)]
    if per_week is not None and (per_week - 1) * (gap_days + 1) >= WEEK_DAYS:
        most = 1 + (WEEK_DAYS - 1) // (gap_days + 1)
        message = (
            f"{per_week} visits a week cannot keep {gap_days} days between them; "
            f"at most {most} fit in a week"
        )
        return [FieldError("min_days_between", message)]
    if total is not None:
        return _total_errors(plan, fields, weekdays, total, gap_days)
    return []


def _total_errors(
    plan: CarePlan, fields: CarePlanFields, weekdays: list[str], total: int, gap_days: int
) -> list[FieldError]:
    """Whether ``total`` visits fit on the allowed days of the episode, spaced."""
    first, last = _value(plan, fields, "first_date"), _value(plan, fields, "last_date")
    if first is None or last is None or last < first or not weekdays:
        return []
    room = _most_visits(first, last, {WEEKDAYS.index(day) for day in weekdays}, gap_days)
    if total <= room:
        return []
    message = (
        f"{total} visits do not fit from {first} to {last} on {', '.join(weekdays)} with "
        f"{gap_days} days between them; at most {room} do"
    )
    return [FieldError("visits_total", message)]


def _most_visits(first: dt.date, last: dt.date, weekdays: set[int], gap_days: int) -> int:
    """The most visits on allowed days from ``first`` to ``last``, ``gap_days`` apart: the
    earliest allowed day each time is as good as any (a later one leaves less room)."""
    count, day = 0, first
    while day <= last:
        if day.weekday() in weekdays:
            count += 1
            day += dt.timedelta(days=gap_days + 1)
        else:
            day += dt.timedelta(days=1)
    return count


def _window_errors(plan: CarePlan, fields: CarePlanFields, weekdays: list[str]) -> list[FieldError]:
    errors: list[FieldError] = []
    if fields.windows is not UNSET:
        errors += stored_windows(fields.windows)[1]
    by_day: dict[str, Any] = dict(plan.weekday_windows or {})
    if fields.weekday_windows is not UNSET:
        by_day = dict(fields.weekday_windows)
        for day, spans in by_day.items():
            errors += stored_windows(spans, f"weekday_windows.{day}", DAY_WINDOWS_EMPTY)[1]
    allowed = ", ".join(weekdays)
    errors += [
        FieldError(
            f"weekday_windows.{day}", f"{day!r} is not one of the plan's weekdays ({allowed})"
        )
        for day in by_day
        if weekdays and day not in weekdays
    ]
    return errors


def _therapist_errors(plan: CarePlan, links: Links) -> list[FieldError]:
    """The primary and preferred therapists must not be ones the patient refuses."""
    patient = links.patient or plan.patient
    if patient is None:
        return []
    refused = {therapist.id for therapist in patient.excluded_therapists}
    primary = links.primary or plan.primary_therapist
    preferred = plan.preferred_therapists if links.preferred is None else links.preferred
    errors = []
    if primary is not None and primary.id in refused:
        message = f"the patient refuses therapist {primary.id} (excluded_therapist_ids)"
        errors.append(FieldError("primary_therapist_id", message))
    errors += [
        FieldError(
            f"{PREFERRED}[{index}]",
            f"the patient refuses therapist {therapist.id} (excluded_therapist_ids)",
        )
        for index, therapist in enumerate(preferred)
        if therapist.id in refused
    ]
    return errors


def day_windows(plan: CarePlan, weekday: str) -> list[Window]:
    """The windows of the plan's visits on ``weekday`` (empty: any time in a shift)."""
    return (plan.weekday_windows or {}).get(weekday, plan.windows)
