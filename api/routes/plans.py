"""Plans: start a solve (202), follow it, cancel it, edit the draft, publish, compare,
re-plan the published one from events."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response, status
from sqlalchemy.orm import Session

from api.deps import JobsDep, SessionDep, SettingsDep, StaffUser
from api.schemas.fields import PlanDate
from api.schemas.plan_edits import ComparisonRead, EditRead, LockCreate, MoveCreate, PinCreate
from api.schemas.plans import PlanCreate, PlanOptionsCreate, PlanRead, PlanSummaryRead
from api.schemas.replan import (
    ReplanCreate,
    SuggestionAccept,
    SuggestionRead,
    SuggestionsCreate,
    SuggestionsRead,
)
from scheduler.local_time import DayClock, day_clock
from scheduler.models import Clinic, Plan, PlanStatus
from scheduler.notify import notification_summary
from scheduler.planning import (
    EditResult,
    PlanOptions,
    compare_plans,
    get_plan,
    list_plans,
    lock_route,
    move_visit,
    pin_visit,
    publish_plan,
    start_plan,
)
from scheduler.planning.replan import clinic_now_s, start_replan
from scheduler.planning.service import cancel_plan
from scheduler.planning.suggestions import accept_suggestion, suggest_for_plan
from scheduler.records.store import MAX_ID
from scheduler.travel import TravelTimeProvider
from scheduler.travel.select import travel_provider
from solver.clock import minute_of_day

router = APIRouter(prefix="/plans", tags=["plans"])
PlanId = Annotated[int, Path(ge=1, le=MAX_ID)]


@router.post("", status_code=status.HTTP_202_ACCEPTED)
def create_plan(
    body: PlanCreate,
    user: StaffUser,
    session: SessionDep,
    settings: SettingsDep,
    jobs: JobsDep,
    response: Response,
) -> PlanRead:
    """Start solving the clinic's day as a new plan version; poll GET /plans/{id}."""
    options = _options(body.options, settings.solver_time_limit_s)
    provider = travel_provider(settings, session, user.clinic)
    plan, day = start_plan(session, user.clinic_id, body.date, options, provider)
    jobs.submit(session, plan, day, options.params())
    response.headers["Location"] = f"/plans/{plan.id}"
    return plan_read(session, user.clinic_id, plan.id)


def plan_read(session: Session, clinic_id: int, plan_id: int) -> PlanRead:
    """The stored plan with its routes and its outbox's summary."""
    plan = get_plan(session, clinic_id, plan_id)
    return PlanRead.from_record(plan, notification_summary(session, clinic_id, plan_id))


def _options(chosen: PlanOptionsCreate, default_limit_s: float) -> PlanOptions:
    return PlanOptions(
        time_limit_s=chosen.time_limit_s or default_limit_s,
        seed=chosen.seed,
        workers=chosen.workers,
        first_solution=chosen.first_solution,
        metaheuristic=chosen.metaheuristic,
        promised_minutes=chosen.promised_minutes,
    )


@router.get("")
def list_clinic_plans(
    user: StaffUser,
    session: SessionDep,
    date: PlanDate | None = None,
    plan_status: Annotated[PlanStatus | None, Query(alias="status")] = None,
) -> list[PlanSummaryRead]:
    """The clinic's plans, by date then version, optionally of one date or status."""
    plans = list_plans(session, user.clinic_id, date, plan_status)
    return [PlanSummaryRead.model_validate(plan) for plan in plans]


@router.get("/{plan_id}")
def read_plan(plan_id: PlanId, user: StaffUser, session: SessionDep) -> PlanRead:
    """A plan: progress while solving; routes, unassigned visits, KPIs, messages when done."""
    return plan_read(session, user.clinic_id, plan_id)


@router.delete("/{plan_id}")
def cancel(plan_id: PlanId, user: StaffUser, session: SessionDep, jobs: JobsDep) -> PlanSummaryRead:
    """Cancel a solve (it stops within about a second) or discard a draft."""
    plan = cancel_plan(session, user.clinic_id, plan_id)
    jobs.dispatch(user.clinic_id, session)  # the clinic's next waiting solve takes its place
    return PlanSummaryRead.model_validate(plan)


@router.post("/{plan_id}/publish")
def publish(
    plan_id: PlanId, user: StaffUser, session: SessionDep, settings: SettingsDep
) -> PlanRead:
    """Publish a draft (the day's published plan becomes superseded); tell those affected."""
    publish_plan(session, user.clinic_id, plan_id, settings.promised_minutes)
    return plan_read(session, user.clinic_id, plan_id)


@router.post("/{plan_id}/replan", status_code=status.HTTP_202_ACCEPTED)
def replan(
    plan_id: PlanId,
    body: ReplanCreate,
    user: StaffUser,
    session: SessionDep,
    settings: SettingsDep,
    jobs: JobsDep,
    response: Response,
) -> PlanRead:
    """Record the events and start re-planning the published plan from now as a new draft;
    poll GET /plans/{id}, whose ``replan`` lists the changes."""
    now_s = _now_s(user.clinic, get_plan(session, user.clinic_id, plan_id), body.now)
    options = _options(body.options, settings.solver_time_limit_s)
    plan, day = start_replan(
        session,
        user.clinic_id,
        plan_id,
        [event.to_event() for event in body.events],
        now_s,
        options,
        travel_provider(settings, session, user.clinic),
        promised_s=body.promised_minutes * 60,
    )
    jobs.submit(session, plan, day, options.params())
    response.headers["Location"] = f"/plans/{plan.id}"
    return plan_read(session, user.clinic_id, plan.id)


def _now_s(user_clinic: Clinic, plan: Plan, now: dt.time | None) -> int:
    """The request's ``now`` (wall clock), or the clinic's, on the solver's axis."""
    if now is None:
        return clinic_now_s(user_clinic, plan.date)
    return _clock(user_clinic, plan).elapsed_s(minute_of_day(now) * 60)


def _clock(user_clinic: Clinic, plan: Plan) -> DayClock:
    return day_clock(plan.date, user_clinic.timezone)


@router.post("/{plan_id}/suggestions")
def suggestions(
    plan_id: PlanId,
    body: SuggestionsCreate,
    user: StaffUser,
    session: SessionDep,
    settings: SettingsDep,
) -> SuggestionsRead:
    """The best places for a new visit in the plan from now, each checked; stores nothing."""
    plan = get_plan(session, user.clinic_id, plan_id)
    options = suggest_for_plan(
        session,
        user.clinic_id,
        plan_id,
        body.visit.to_fields(),
        _now_s(user.clinic, plan, body.now),
        body.count,
        travel_provider(settings, session, user.clinic),
        body.promised_minutes * 60,
    )
    clock = _clock(user.clinic, plan)
    return SuggestionsRead(suggestions=[SuggestionRead.from_option(o, clock) for o in options])


@router.post("/{plan_id}/suggestions/accept", status_code=status.HTTP_201_CREATED)
def accept(
    plan_id: PlanId,
    body: SuggestionAccept,
    user: StaffUser,
    session: SessionDep,
    settings: SettingsDep,
) -> PlanRead:
    """Book the visit at the chosen place: a new draft whose ``replan`` lists the changes."""
    plan = get_plan(session, user.clinic_id, plan_id)
    draft = accept_suggestion(
        session,
        user.clinic_id,
        plan_id,
        body.visit.to_fields(),
        body.therapist_external_id,
        body.position,
        _now_s(user.clinic, plan, body.now),
        travel_provider(settings, session, user.clinic),
        body.promised_minutes * 60,
    )
    return plan_read(session, user.clinic_id, draft.id)


@dataclass(frozen=True)
class DraftEdit:
    """A manual edit of one of the caller's plans, with the clinic's travel times."""

    session: Session
    plan_id: int
    clinic_id: int
    provider: TravelTimeProvider

    def read(self, result: EditResult, dry_run: bool) -> EditRead:
        plan = None if dry_run else plan_read(self.session, self.clinic_id, self.plan_id)
        return EditRead(
            ok=result.ok,
            dry_run=dry_run,
            violations=list(result.violations),
            broken=list(result.broken),
            plan=plan,
        )


def get_draft_edit(
    plan_id: PlanId, user: StaffUser, session: SessionDep, settings: SettingsDep
) -> DraftEdit:
    provider = travel_provider(settings, session, user.clinic)
    return DraftEdit(session, plan_id, user.clinic_id, provider)


DraftEditDep = Annotated[DraftEdit, Depends(get_draft_edit)]


@router.post("/{plan_id}/pin")
def pin(body: PinCreate, edit: DraftEditDep) -> EditRead:
    """Pin a visit to a therapist and put it on their route in the draft."""
    result = pin_visit(
        edit.session,
        edit.clinic_id,
        edit.plan_id,
        body.visit_id,
        body.therapist_id,
        edit.provider,
        dry_run=body.dry_run,
    )
    return edit.read(result, body.dry_run)


@router.post("/{plan_id}/move")
def move(body: MoveCreate, edit: DraftEditDep) -> EditRead:
    """Move a visit to a therapist's route at a position, in the draft."""
    result = move_visit(
        edit.session,
        edit.clinic_id,
        edit.plan_id,
        body.visit_id,
        body.therapist_id,
        body.position,
        edit.provider,
        dry_run=body.dry_run,
    )
    return edit.read(result, body.dry_run)


@router.post("/{plan_id}/lock")
def lock(body: LockCreate, edit: DraftEditDep) -> EditRead:
    """Lock (or unlock) the order of a therapist's route in the draft."""
    result = lock_route(
        edit.session,
        edit.clinic_id,
        edit.plan_id,
        body.therapist_id,
        body.locked,
        edit.provider,
        body.dry_run,
    )
    return edit.read(result, body.dry_run)


@router.get("/{plan_id}/compare")
def compare(
    plan_id: PlanId,
    user: StaffUser,
    session: SessionDep,
    with_plan: Annotated[int, Query(alias="with", ge=1, le=MAX_ID)],
    minutes: Annotated[int, Query(ge=0, le=1440)] = 15,
) -> ComparisonRead:
    """What changes from plan `with` (before) to this plan (after)."""
    comparison = compare_plans(session, user.clinic_id, with_plan, plan_id, minutes)
    clock = _clock(user.clinic, get_plan(session, user.clinic_id, plan_id))
    return ComparisonRead.from_comparison(comparison, clock)
