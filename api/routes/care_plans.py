"""Care plans (episodes) and their CSV upload; for admins and coordinators of the clinic."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from api.deps import ClockDep, SessionDep, SettingsDep, StaffUser
from api.params import CarePlanId, CsvFile, Limit, Offset, page_read, read_csv
from api.schemas.care_plan_suggestions import (
    CarePlanSuggestionRead,
    CarePlanSuggestionsCreate,
    CarePlanSuggestionsRead,
)
from api.schemas.care_plans import CarePlanCreate, CarePlanRead, CarePlanUpdate
from api.schemas.common import Page
from api.schemas.imports import ImportRead
from scheduler.exchange.upload import import_csv
from scheduler.models import CarePlanStatus
from scheduler.planning.care_plan_suggestions import suggest_care_plan_starts
from scheduler.records import care_plans
from scheduler.records.store import DEFAULT_LIMIT, MAX_ID
from scheduler.travel.select import travel_provider

router = APIRouter(prefix="/care-plans", tags=["care plans"])


@router.get("")
def list_care_plans(
    user: StaffUser,
    session: SessionDep,
    patient_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    status: Annotated[CarePlanStatus | None, Query()] = None,
    limit: Limit = DEFAULT_LIMIT,
    offset: Offset = 0,
) -> Page[CarePlanRead]:
    """The clinic's care plans by external id; every filter given must hold."""
    page = care_plans.list_care_plans(
        session, user.clinic_id, patient_id=patient_id, status=status, limit=limit, offset=offset
    )
    return page_read(page, CarePlanRead.from_record)


@router.post("", status_code=status.HTTP_201_CREATED)
def create_care_plan(body: CarePlanCreate, user: StaffUser, session: SessionDep) -> CarePlanRead:
    """Add a patient's episode; the patient and the therapists must be of the clinic."""
    plan = care_plans.create_care_plan(session, user.clinic_id, body.to_fields())
    return CarePlanRead.from_record(plan)


@router.post("/import")
def import_care_plans(file: CsvFile, user: StaffUser, session: SessionDep) -> ImportRead:
    """Create or update care plans from a CSV file: every row, or none and each fault listed."""
    report = import_csv(session, user.clinic_id, "care_plans", read_csv(file))
    return ImportRead.model_validate(report)


@router.post("/suggestions")
def suggest_care_plans(
    body: CarePlanSuggestionsCreate,
    user: StaffUser,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
) -> CarePlanSuggestionsRead:
    """The best few starts (first date, weekdays, therapist) of a referral's episode, priced
    on each date's routes; stores nothing."""
    starts = suggest_care_plan_starts(
        session,
        user.clinic_id,
        body.to_referral(),
        travel_provider(settings, session, user.clinic),
        clock(),
    )
    return CarePlanSuggestionsRead(
        suggestions=[CarePlanSuggestionRead.from_start(start) for start in starts]
    )


@router.get("/{care_plan_id}")
def get_care_plan(care_plan_id: CarePlanId, user: StaffUser, session: SessionDep) -> CarePlanRead:
    """One care plan."""
    return CarePlanRead.from_record(care_plans.get_care_plan(session, user.clinic_id, care_plan_id))


@router.patch("/{care_plan_id}")
def update_care_plan(
    care_plan_id: CarePlanId, body: CarePlanUpdate, user: StaffUser, session: SessionDep
) -> CarePlanRead:
    """Change the fields sent; `{"status": "ended"}` closes the episode."""
    plan = care_plans.update_care_plan(session, user.clinic_id, care_plan_id, body.to_fields())
    return CarePlanRead.from_record(plan)


@router.delete("/{care_plan_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_care_plan(care_plan_id: CarePlanId, user: StaffUser, session: SessionDep) -> None:
    """Delete a care plan; its visits stay, as bookings of no plan."""
    care_plans.delete_care_plan(session, user.clinic_id, care_plan_id)
