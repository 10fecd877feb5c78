"""The clinic's therapists: list, read, create, update, delete.

An update changes only the fields given. As in the CSV import, the discipline counts as one
of the skills.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa

from scheduler.errors import FieldError, InvalidRequest
from scheduler.models import Therapist
from scheduler.records import limits
from scheduler.records.inputs import UNSET, TherapistBreak, TherapistFields
from scheduler.records.store import (
    DEFAULT_LIMIT,
    Kind,
    Page,
    create_record,
    delete_record,
    fetch_page,
    get_owned,
    json_list_contains,
    plans_with_therapist,
    set_columns,
    text_search,
    unique,
    update_record,
)
from scheduler.travel import TRAVEL_MODES
from solver.clock import minute_of_day
from solver.problem import DEFAULT_TRAVEL_MODE

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

COLUMNS = (
    "external_id",
    "name",
    "email",
    "phone",
    "discipline",
    "skills",
    "home_lat",
    "home_lon",
    "travel_mode",
    "max_visits",
    "max_work_minutes",
    "max_week_minutes",
    "overtime_minutes",
)
KIND = Kind(Therapist, "therapist")


def list_therapists(
    session: Session,
    clinic_id: int,
    *,
    q: str | None = None,
    skill: str | None = None,
    discipline: str | None = None,
    limit: int = DEFAULT_LIMIT,
    offset: int = 0,
) -> Page[Therapist]:
    """The clinic's therapists by external id; ``q`` is a part of the name or external id
    (any case), ``skill`` one of the skills, ``discipline`` the discipline (any case)."""
    query = sa.select(Therapist).where(Therapist.clinic_id == clinic_id)
    if q:
        query = query.where(text_search(q, Therapist.name, Therapist.external_id))
    if skill:
        query = query.where(json_list_contains(session, Therapist.skills, skill))
    if discipline:
        query = query.where(sa.func.lower(Therapist.discipline) == discipline.lower())
    query = query.order_by(Therapist.external_id, Therapist.id)
    return fetch_page(session, query, limit, offset)


def get_therapist(session: Session, clinic_id: int, therapist_id: int) -> Therapist:
    return get_owned(session, Therapist, clinic_id, therapist_id, KIND.noun)


def create_therapist(session: Session, clinic_id: int, fields: TherapistFields) -> Therapist:
    """A new therapist of the clinic; ``Conflict`` if the external id is taken."""
    therapist = Therapist(
        clinic_id=clinic_id, skills=[], travel_mode=DEFAULT_TRAVEL_MODE, overtime_minutes=0
    )
    return create_record(session, KIND, therapist, fields, _apply)


def update_therapist(
    session: Session, clinic_id: int, therapist_id: int, changes: TherapistFields
) -> Therapist:
    """Change the fields given in ``changes``; a ``break_`` of None removes the break."""
    therapist = get_therapist(session, clinic_id, therapist_id)
    return update_record(session, KIND, therapist, changes, _apply)


def delete_therapist(session: Session, clinic_id: int, therapist_id: int) -> None:
    """Delete the therapist with their shifts; ``Conflict`` while a stored plan routes them.

    Patients forget them as preferred or excluded, visits pinned to them lose the pin, and
    their login (if any) stays without a therapist record.
    """
    therapist = get_therapist(session, clinic_id, therapist_id)
    plans = plans_with_therapist(session, therapist.id)
    delete_record(session, KIND, therapist, plans, "a route of theirs")


def _apply(therapist: Therapist, fields: TherapistFields) -> None:
    """Check ``fields`` against each other, then set them; nothing is set on a fault."""
    errors: list[FieldError] = []
    if fields.travel_mode is not UNSET and fields.travel_mode not in TRAVEL_MODES:
        modes = ", ".join(TRAVEL_MODES)
        errors.append(FieldError("travel_mode", f"{fields.travel_mode!r} is not one of {modes}"))
    if isinstance(fields.break_, TherapistBreak):
        errors += _break_errors(fields.break_)
    # The caps as they would be after the change: a PATCH may send only one of them.
    day_cap = fields.max_work_minutes
    week_cap = fields.max_week_minutes
    errors += week_cap_faults(
        therapist.max_work_minutes if day_cap is UNSET else day_cap,
        therapist.max_week_minutes if week_cap is UNSET else week_cap,
    )
    if errors:
        raise InvalidRequest(errors)
    set_columns(therapist, fields, COLUMNS)
    if fields.break_ is not UNSET:
        rule = fields.break_
        therapist.break_earliest = rule.earliest if rule else None
        therapist.break_latest_end = rule.latest_end if rule else None
        therapist.break_minutes = rule.minutes if rule else None
    therapist.skills = unique([therapist.discipline, *therapist.skills])


def week_cap_faults(max_work_minutes: int | None, max_week_minutes: int | None) -> list[FieldError]:
    """The week's working-time cap is 1 to ``WEEK_MINUTES`` (the API's schemas check that
    first, a script may not) and at least the day's when both are set: one below is a
    typing accident. The CSV import checks its rows with it too."""
    if max_week_minutes is None:
        return []
    if not 1 <= max_week_minutes <= limits.WEEK_MINUTES:
        message = f"{max_week_minutes} is not between 1 and {limits.WEEK_MINUTES}"
        return [FieldError("max_week_minutes", message)]
    if max_work_minutes is not None and max_week_minutes < max_work_minutes:
        message = (
            f"{max_week_minutes} is less than max_work_minutes ({max_work_minutes}):"
            " a week's cap must be at least one day's"
        )
        return [FieldError("max_week_minutes", message)]
    return []


def _break_errors(rule: TherapistBreak) -> list[FieldError]:
    """The break must fit between its earliest start and its latest end."""
    room = minute_of_day(rule.latest_end) - minute_of_day(rule.earliest)
    if rule.minutes <= room:
        return []
    message = (
        f"a {rule.minutes}-minute break does not fit between"
        f" {rule.earliest:%H:%M} and {rule.latest_end:%H:%M}"
    )
    return [FieldError("break.minutes", message)]
