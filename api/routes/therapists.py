"""Therapists, their weekly availability and their exceptions (leave, changed shifts), and
the therapists' CSV upload; for admins and coordinators of the clinic."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from api.deps import SessionDep, StaffUser
from api.params import (
    CsvFile,
    ExceptionId,
    Limit,
    Offset,
    Search,
    TherapistId,
    page_read,
    read_csv,
)
from api.schemas.common import Page
from api.schemas.fields import Discipline, PlanDate, Skill
from api.schemas.imports import ImportRead
from api.schemas.shifts import (
    ShiftExceptionCreate,
    ShiftExceptionRead,
    WeeklyShift,
    WeekRead,
    WeekUpdate,
)
from api.schemas.therapists import TherapistCreate, TherapistRead, TherapistUpdate
from scheduler.exchange.upload import import_csv
from scheduler.records import shifts, therapists
from scheduler.records.store import DEFAULT_LIMIT

router = APIRouter(prefix="/therapists", tags=["therapists"])


@router.get("")
def list_therapists(
    user: StaffUser,
    session: SessionDep,
    q: Search = None,
    skill: Annotated[Skill | None, Query(description="Therapists with this skill.")] = None,
    discipline: Annotated[Discipline | None, Query(description="In any case.")] = None,
    limit: Limit = DEFAULT_LIMIT,
    offset: Offset = 0,
) -> Page[TherapistRead]:
    """The clinic's therapists by external id, filtered and one page at a time."""
    page = therapists.list_therapists(
        session,
        user.clinic_id,
        q=q,
        skill=skill,
        discipline=discipline,
        limit=limit,
        offset=offset,
    )
    return page_read(page, TherapistRead.from_record)


@router.post("", status_code=status.HTTP_201_CREATED)
def create_therapist(body: TherapistCreate, user: StaffUser, session: SessionDep) -> TherapistRead:
    """Add a therapist; the external id must be new in the clinic."""
    therapist = therapists.create_therapist(session, user.clinic_id, body.to_fields())
    return TherapistRead.from_record(therapist)


@router.post("/import")
def import_therapists(file: CsvFile, user: StaffUser, session: SessionDep) -> ImportRead:
    """Create or update therapists from a CSV file: every row, or none and each fault listed."""
    report = import_csv(session, user.clinic_id, "therapists", read_csv(file))
    return ImportRead.model_validate(report)


@router.get("/{therapist_id}")
def get_therapist(therapist_id: TherapistId, user: StaffUser, session: SessionDep) -> TherapistRead:
    """One therapist."""
    return TherapistRead.from_record(
        therapists.get_therapist(session, user.clinic_id, therapist_id)
    )


@router.patch("/{therapist_id}")
def update_therapist(
    therapist_id: TherapistId, body: TherapistUpdate, user: StaffUser, session: SessionDep
) -> TherapistRead:
    """Change the fields sent; `"break": null` removes the break."""
    changes = body.to_fields()
    therapist = therapists.update_therapist(session, user.clinic_id, therapist_id, changes)
    return TherapistRead.from_record(therapist)


@router.delete("/{therapist_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_therapist(therapist_id: TherapistId, user: StaffUser, session: SessionDep) -> None:
    """Delete a therapist and their shifts; 409 while a stored plan has a route of theirs."""
    therapists.delete_therapist(session, user.clinic_id, therapist_id)


@router.get("/{therapist_id}/availability")
def get_availability(therapist_id: TherapistId, user: StaffUser, session: SessionDep) -> WeekRead:
    """The therapist's regular week."""
    week = shifts.get_availability(session, user.clinic_id, therapist_id)
    return WeekRead(shifts=[WeeklyShift.model_validate(shift) for shift in week])


@router.put("/{therapist_id}/availability")
def set_availability(
    therapist_id: TherapistId, body: WeekUpdate, user: StaffUser, session: SessionDep
) -> WeekRead:
    """Replace the therapist's regular week; shifts of one day must not overlap."""
    week = shifts.set_availability(session, user.clinic_id, therapist_id, body.to_shifts())
    return WeekRead(shifts=[WeeklyShift.model_validate(shift) for shift in week])


@router.get("/{therapist_id}/exceptions")
def list_exceptions(
    therapist_id: TherapistId,
    user: StaffUser,
    session: SessionDep,
    date_from: Annotated[PlanDate | None, Query(description="From this date on.")] = None,
    date_to: Annotated[PlanDate | None, Query(description="Up to this date, included.")] = None,
) -> list[ShiftExceptionRead]:
    """The therapist's leave and changed shifts by date."""
    found = shifts.list_exceptions(session, user.clinic_id, therapist_id, date_from, date_to)
    return [ShiftExceptionRead.model_validate(exception) for exception in found]


@router.post("/{therapist_id}/exceptions", status_code=status.HTTP_201_CREATED)
def add_exception(
    therapist_id: TherapistId, body: ShiftExceptionCreate, user: StaffUser, session: SessionDep
) -> ShiftExceptionRead:
    """Record a leave or a changed shift on a date; 409 if the date has one already."""
    exception = shifts.add_exception(session, user.clinic_id, therapist_id, body.to_fields())
    return ShiftExceptionRead.model_validate(exception)


@router.delete("/{therapist_id}/exceptions/{exception_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_exception(
    therapist_id: TherapistId, exception_id: ExceptionId, user: StaffUser, session: SessionDep
) -> None:
    """Remove an exception: the regular week holds that date again."""
    shifts.delete_exception(session, user.clinic_id, therapist_id, exception_id)
