"""Week plans: start planning the care plans over a horizon (202), follow it, cancel it,
publish its day plans all at once (each day also publishes on its own, under /plans)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response, status
from sqlalchemy.orm import Session

from api.deps import JobsDep, SessionDep, SettingsDep, StaffUser
from api.params import Limit, Offset, page_read
from api.schemas.common import Page
from api.schemas.weeks import WeekCreate, WeekRead, WeekSummaryRead
from scheduler.planning.week import (
    cancel_week,
    get_week,
    list_weeks,
    publish_week,
    start_week,
)
from scheduler.records.store import DEFAULT_LIMIT, MAX_ID
from scheduler.travel.select import travel_provider

router = APIRouter(prefix="/weeks", tags=["weeks"])
WeekId = Annotated[int, Path(ge=1, le=MAX_ID, description="The week plan's id.")]


@router.post("", status_code=status.HTTP_202_ACCEPTED)
def create_week(
    body: WeekCreate,
    user: StaffUser,
    session: SessionDep,
    settings: SettingsDep,
    jobs: JobsDep,
    response: Response,
) -> WeekRead:
    """Start planning the care plans' visits and the days of 1-4 weeks; poll GET /weeks/{id}."""
    options = body.to_options()
    provider = travel_provider(settings, session, user.clinic)
    week, days = start_week(session, user.clinic_id, body.first_date, options, provider)
    jobs.submit(session, week, days, options.params())
    response.headers["Location"] = f"/weeks/{week.id}"
    return _week_read(session, user.clinic_id, week.id)


def _week_read(session: Session, clinic_id: int, week_id: int) -> WeekRead:
    return WeekRead.from_record(get_week(session, clinic_id, week_id))


@router.get("")
def list_clinic_weeks(
    user: StaffUser, session: SessionDep, limit: Limit = DEFAULT_LIMIT, offset: Offset = 0
) -> Page[WeekSummaryRead]:
    """The clinic's week plans, newest first."""
    page = list_weeks(session, user.clinic_id, limit, offset)
    return page_read(page, WeekSummaryRead.model_validate)


@router.get("/{week_id}")
def read_week(week_id: WeekId, user: StaffUser, session: SessionDep) -> WeekRead:
    """A week plan: progress while solving; its day plans, unplaced visits and KPIs when done."""
    return _week_read(session, user.clinic_id, week_id)


@router.delete("/{week_id}")
def cancel(week_id: WeekId, user: StaffUser, session: SessionDep, jobs: JobsDep) -> WeekSummaryRead:
    """Cancel a week still solving (it stops within about a second); nothing is booked."""
    week = cancel_week(session, user.clinic_id, week_id)
    jobs.dispatch(user.clinic_id, session)  # the clinic's next waiting solve takes its place
    return WeekSummaryRead.model_validate(week)


@router.post("/{week_id}/publish")
def publish(
    week_id: WeekId, user: StaffUser, session: SessionDep, settings: SettingsDep
) -> WeekRead:
    """Publish every draft day plan of the week, day by day; 409 when none is left."""
    publish_week(session, user.clinic_id, week_id, settings.promised_minutes)
    return _week_read(session, user.clinic_id, week_id)
