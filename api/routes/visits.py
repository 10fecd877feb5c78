"""Visits (bookings) and the visits' CSV upload; for admins and coordinators of the clinic."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from api.deps import SessionDep, StaffUser
from api.params import CsvFile, Limit, Offset, VisitId, page_read, read_csv
from api.schemas.common import Page
from api.schemas.fields import PlanDate
from api.schemas.imports import ImportRead
from api.schemas.visits import VisitCreate, VisitRead, VisitUpdate
from scheduler.exchange.upload import import_csv
from scheduler.models import VisitStatus
from scheduler.records import visits
from scheduler.records.store import DEFAULT_LIMIT, MAX_ID

router = APIRouter(prefix="/visits", tags=["visits"])


@router.get("")
def list_visits(
    user: StaffUser,
    session: SessionDep,
    date: Annotated[PlanDate | None, Query(description="Visits on this date.")] = None,
    date_from: Annotated[PlanDate | None, Query(description="From this date on.")] = None,
    date_to: Annotated[PlanDate | None, Query(description="Up to this date, included.")] = None,
    patient_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    status: Annotated[VisitStatus | None, Query()] = None,
    limit: Limit = DEFAULT_LIMIT,
    offset: Offset = 0,
) -> Page[VisitRead]:
    """The clinic's visits by date and external id; every filter given must hold."""
    page = visits.list_visits(
        session,
        user.clinic_id,
        date=date,
        date_from=date_from,
        date_to=date_to,
        patient_id=patient_id,
        status=status,
        limit=limit,
        offset=offset,
    )
    return page_read(page, VisitRead.model_validate)


@router.post("", status_code=status.HTTP_201_CREATED)
def create_visit(body: VisitCreate, user: StaffUser, session: SessionDep) -> VisitRead:
    """Book a visit; the patient and a pinned therapist must be of the clinic."""
    return VisitRead.model_validate(visits.create_visit(session, user.clinic_id, body.to_fields()))


@router.post("/import")
def import_visits(file: CsvFile, user: StaffUser, session: SessionDep) -> ImportRead:
    """Create or update visits from a CSV file: every row, or none and each fault listed."""
    report = import_csv(session, user.clinic_id, "visits", read_csv(file))
    return ImportRead.model_validate(report)


@router.get("/{visit_id}")
def get_visit(visit_id: VisitId, user: StaffUser, session: SessionDep) -> VisitRead:
    """One visit."""
    return VisitRead.model_validate(visits.get_visit(session, user.clinic_id, visit_id))


@router.patch("/{visit_id}")
def update_visit(
    visit_id: VisitId, body: VisitUpdate, user: StaffUser, session: SessionDep
) -> VisitRead:
    """Change the fields sent; `{"status": "cancelled"}` cancels the booking."""
    visit = visits.update_visit(session, user.clinic_id, visit_id, body.to_fields())
    return VisitRead.model_validate(visit)


@router.delete("/{visit_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_visit(visit_id: VisitId, user: StaffUser, session: SessionDep) -> None:
    """Delete a booking; 409 while a stored plan has it (cancel it instead)."""
    visits.delete_visit(session, user.clinic_id, visit_id)
