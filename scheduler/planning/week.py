"""Plan a clinic's horizon of days at once, and publish it.

``start_week`` builds the week (``week_build``) and stores a ``WeekPlan``, ``solving``;
``solver.week.solve_week`` then chooses the dates and therapists of the care plans' visits
and routes every day, in a worker process (a solve job in the API, as a day plan's);
``finish_week`` has the independent week checker verify the result and stores it in one
transaction: the visits placed as bookings of their care plan, one draft day plan per date
with routes, and on the ``WeekPlan`` the visits that got no date and the week's KPIs
(``done``). A result the checker rejects is not stored: nothing is booked, and the week is
``failed`` with what broke (that is a bug). ``plan_week`` does all three.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from scheduler.config import DEFAULT_PROMISED_MINUTES
from scheduler.errors import Conflict, FieldError, InvalidRequest, NotFound
from scheduler.models import (
    Clinic,
    JobState,
    Plan,
    PlanJob,
    PlanRoute,
    PlanStatus,
    PlanStop,
    Visit,
    VisitStatus,
    WeekPlan,
    WeekPlanStatus,
)
from scheduler.planning.build import DayProblem
from scheduler.planning.queries import conflict_on_lost_race, next_version
from scheduler.planning.service import publish_plan
from scheduler.planning.translate import store_solution
from scheduler.planning.week_build import WeekDays, build_week, horizon
from scheduler.planning.worker import solve_week_in_worker
from scheduler.records.store import DEFAULT_LIMIT, Page, fetch_page
from scheduler.records.values import date_fault
from scheduler.travel import GeodesicProvider
from solver.params import Params
from solver.week.check import check_week
from solver.week.kpis import week_kpis

if TYPE_CHECKING:
    import datetime as dt

    from sqlalchemy.orm import Session
    from sqlalchemy.orm.interfaces import ORMOption

    from scheduler.travel import TravelTimeProvider
    from solver.week.solution import Placed, Unplaced, WeekSolution

MAX_WEEKS = 4
DEFAULT_WEEK_TIME_LIMIT_S = 60.0
SHOWN_VIOLATIONS = 3
LOST_RACE = (
    "the records changed while the week was solving (another plan of one of its dates was"
    " stored at the same moment, or a care plan or patient was deleted); start again"
)


@dataclass(frozen=True)
class WeekOptions:
    """How many weeks from the first date, and how to solve; stored with the week."""

    weeks: int = 1
    time_limit_s: float = DEFAULT_WEEK_TIME_LIMIT_S
    seed: int = 0
    workers: int = 1

    def faults(self) -> list[FieldError]:
        faults = []
        if not 1 <= self.weeks <= MAX_WEEKS:
            message = f"must be 1 to {MAX_WEEKS}, got {self.weeks}"
            faults.append(FieldError("weeks", message))
        if not self.time_limit_s > 0:
            message = f"must be positive, got {self.time_limit_s:g}"
            faults.append(FieldError("time_limit_s", message))
        if self.workers < 1:
            faults.append(FieldError("workers", f"must be at least 1, got {self.workers}"))
        if self.seed < 0:
            faults.append(FieldError("seed", f"must not be negative, got {self.seed}"))
        return faults

    def params(self) -> Params:
        """The week solver's parameters."""
        return Params(time_limit_s=self.time_limit_s, seed=self.seed, workers=self.workers)


def plan_week(
    session: Session,
    clinic_id: int,
    first_date: dt.date,
    options: WeekOptions,
    provider: TravelTimeProvider | None = None,
) -> WeekPlan:
    """Plan ``options.weeks`` weeks from ``first_date``: book the care plans' visits and
    store a draft day plan for every date on which someone works or a visit is booked.

    ``start_week``, the search in a worker process, then ``finish_week``.

    Parameters
    ----------
    session
        The database session.
    clinic_id
        The clinic.
    first_date
        The horizon's first date (any weekday; weeks are counted Monday to Sunday).
    options
        Weeks, time limit, seed, workers.
    provider
        Travel times; ``GeodesicProvider()`` by default.

    Returns
    -------
    WeekPlan
        The stored week: ``done``, with its day plans (``plans``) and the visits without a
        date, or ``failed`` with the ``error`` (nothing booked).

    Raises
    ------
    NotFound
        No such clinic.
    InvalidRequest
        Invalid options or dates, or a patient without coordinates.
    """
    week, days = start_week(session, clinic_id, first_date, options, provider)
    try:
        solution = solve_week_in_worker(days.problem, options.params())
    except RuntimeError as error:
        fail_week(session, week, f"the solver process failed: {error}")
        return week
    finish_week(session, week, days, solution)
    return week


def start_week(
    session: Session,
    clinic_id: int,
    first_date: dt.date,
    options: WeekOptions,
    provider: TravelTimeProvider | None = None,
) -> tuple[WeekPlan, WeekDays]:
    """Check the options, build the week and store its ``WeekPlan``, ``solving``, committed.

    The first part of ``plan_week``, for callers that run the search elsewhere (the API's
    job runner); ``finish_week`` stores the result. Parameters and errors as ``plan_week``.
    """
    faults = options.faults()
    dates = horizon(first_date, options.weeks) if not faults else ()
    faults += [FieldError("first_date", f) for date in dates[:1] if (f := date_fault(date))]
    faults += [FieldError("first_date", f) for date in dates[-1:] if (f := date_fault(date))]
    if faults:
        raise InvalidRequest(faults, "invalid week options")
    clinic = session.get(Clinic, clinic_id)
    if clinic is None:
        raise NotFound(f"clinic {clinic_id} not found")
    days = build_week(session, clinic, dates, provider or GeodesicProvider())
    week = WeekPlan(
        clinic_id=clinic.id,
        first_date=dates[0],
        last_date=dates[-1],
        status=WeekPlanStatus.SOLVING,
        parameters=asdict(options),
    )
    session.add(week)
    session.commit()
    return week, days


def finish_week(session: Session, week: WeekPlan, days: WeekDays, solution: WeekSolution) -> None:
    """Check the solution and store it in the ``solving`` week: its visits booked, its day
    plans as drafts and its KPIs (``done``); else ``failed`` with what the checker found,
    or with why it could not be stored (records that changed meanwhile). Commits."""
    # Locked until the commit, as the job runner's ``take_result`` does: a cancel that came
    # first wins, and one that comes later waits for the result.
    query = sa.select(WeekPlan.status).where(WeekPlan.id == week.id).with_for_update()
    if session.scalar(query) != WeekPlanStatus.SOLVING:
        session.commit()
        session.refresh(week)
        return
    if violations := check_week(days.problem, solution):
        shown = "; ".join(v.message for v in violations[:SHOWN_VIOLATIONS])
        error = f"the week's plan breaks {len(violations)} rules ({shown}); please report it"
        fail_week(session, week, error)
        return
    try:
        with conflict_on_lost_race(session, LOST_RACE):
            _store(session, week, days, solution)
            session.commit()
    except Conflict as lost:
        fail_week(session, week, str(lost))


def fail_week(session: Session, week: WeekPlan, error: str) -> None:
    """The week fails with ``error``, if it is still solving (a cancel stays); commits."""
    session.execute(
        sa.update(WeekPlan)
        .where(WeekPlan.id == week.id, WeekPlan.status == WeekPlanStatus.SOLVING)
        .values(status=WeekPlanStatus.FAILED, error=error, progress=None)
    )
    session.commit()
    session.refresh(week)


def _store(session: Session, stored: WeekPlan, week: WeekDays, solution: WeekSolution) -> None:
    stored.status = WeekPlanStatus.DONE
    stored.progress = None
    stored.unplaced = [_unplaced_json(week, u) for u in solution.unplaced]
    stored.kpis = asdict(week_kpis(week.problem, solution))
    stored.solver_stats = asdict(solution.stats)
    booked = _book_visits(session, week, solution.placed)
    for d, date in enumerate(week.dates):
        problem = solution.day_problems[d]
        if not problem.therapists and not problem.visits:
            continue
        day = DayProblem(
            problem=problem,
            clinic_id=week.clinic_id,
            date=date,
            therapist_ids={t.id: week.therapist_ids[t.id] for t in problem.therapists},
            visit_ids={
                **week.visit_ids[d],
                **{p.visit_id: booked[p.visit_id] for p in solution.placed if p.day == d},
            },
            clock=week.clocks[d],
        )
        plan = Plan(
            clinic_id=week.clinic_id,
            date=date,
            version=next_version(session, week.clinic_id, date),
            status=PlanStatus.DRAFT,
            parameters={"week": True, **stored.parameters},
        )
        store_solution(plan, day, solution.days[d])
        stored.plans.append(plan)
    session.flush()


def _unplaced_json(week: WeekDays, unplaced: Unplaced) -> dict[str, Any]:
    episode = next(e for e in week.problem.episodes if e.id == unplaced.episode_id)
    return {
        "care_plan": unplaced.episode_id,
        "span": episode.demands[unplaced.demand].label,
        "reason": unplaced.reason.value,
        "message": unplaced.message,
    }


def _book_visits(session: Session, week: WeekDays, placed: tuple[Placed, ...]) -> dict[str, int]:
    """A booking of its care plan for every visit placed; the solver id -> database id."""
    wanted = [p.visit_id for p in placed]
    taken = set(
        session.scalars(
            sa.select(Visit.external_id).where(
                Visit.clinic_id == week.clinic_id, Visit.external_id.in_(wanted)
            )
        )
    )
    visits = {}
    for p in placed:
        plan = week.care_plans[p.episode_id]
        date = week.dates[p.day]
        visit = Visit(
            clinic_id=week.clinic_id,
            external_id=_free_id(p.visit_id, taken),
            patient_id=plan.patient_id,
            date=date,
            duration_minutes=plan.duration_minutes,
            windows=plan.windows_on(date),
            skills=list(plan.skills),
            priority=plan.priority,
            status=VisitStatus.BOOKED,
            care_plan_id=plan.care_plan_id,
        )
        session.add(visit)
        visits[p.visit_id] = visit
    session.flush()
    return {key: visit.id for key, visit in visits.items()}


def _free_id(wanted: str, taken: set[str]) -> str:
    """``wanted``, or with ``-2``, ``-3`` ... where a visit of the clinic already has it (a
    cancelled visit of the same plan and date, say)."""
    candidate, n = wanted, 1
    while candidate in taken:
        n += 1
        candidate = f"{wanted}-{n}"
    taken.add(candidate)
    return candidate


def get_week(session: Session, clinic_id: int, week_id: int) -> WeekPlan:
    """The clinic's week plan with its day plans (``NotFound`` for another clinic's)."""
    return _find_week(session, clinic_id, week_id, selectinload(WeekPlan.plans))


def get_week_routes(session: Session, clinic_id: int, week_id: int) -> WeekPlan:
    """``get_week`` with every day plan's routes loaded, down to each stop's visit, its
    patient and its care plan (what a picture of the whole week shows), in a fixed number
    of queries however many days and stops there are."""
    routes = selectinload(WeekPlan.plans).selectinload(Plan.routes)
    visits = routes.selectinload(PlanRoute.stops).selectinload(PlanStop.visit)
    return _find_week(
        session,
        clinic_id,
        week_id,
        routes.selectinload(PlanRoute.therapist),
        visits.selectinload(Visit.patient),
        visits.selectinload(Visit.care_plan),
    )


def _find_week(session: Session, clinic_id: int, week_id: int, *options: ORMOption) -> WeekPlan:
    query = sa.select(WeekPlan).where(WeekPlan.id == week_id).options(*options)
    week = session.scalars(query).first()
    if week is None or week.clinic_id != clinic_id:
        raise NotFound(f"week plan {week_id} not found")
    return week


def list_weeks(
    session: Session, clinic_id: int, limit: int = DEFAULT_LIMIT, offset: int = 0
) -> Page[WeekPlan]:
    """The clinic's week plans, newest first (``InvalidRequest`` for a bad page)."""
    query = (
        sa.select(WeekPlan)
        .where(WeekPlan.clinic_id == clinic_id)
        .order_by(WeekPlan.created_at.desc(), WeekPlan.id.desc())
    )
    return fetch_page(session, query, limit, offset)


def cancel_week(session: Session, clinic_id: int, week_id: int) -> WeekPlan:
    """Cancel a week that is solving (its worker stops within about a second; a job no
    worker started is forgotten at once, freeing its place in the clinic's share), as
    ``cancel_plan`` does a day's. A cancelled week stays so; ``Conflict`` for a week that
    is done (its day plans are drafts: discard or publish them) or failed."""
    week = get_week(session, clinic_id, week_id)
    if week.status in (WeekPlanStatus.DONE, WeekPlanStatus.FAILED):
        raise Conflict(
            f"week plan {week_id} is {week.status.value}; only a solving week can be cancelled"
        )
    if week.status == WeekPlanStatus.SOLVING:
        week.status = WeekPlanStatus.CANCELLED
        week.progress = None
        session.execute(
            sa.delete(PlanJob).where(
                PlanJob.week_plan_id == week_id, PlanJob.state != JobState.RUNNING
            )
        )
        session.commit()
    return week


def publish_week(
    session: Session,
    clinic_id: int,
    week_id: int,
    promised_minutes: int = DEFAULT_PROMISED_MINUTES,
) -> list[Plan]:
    """Publish every day plan of the week that is still a draft, day by day (each as
    ``publish_plan``, atomically); the days already published or replaced stay as they
    are. ``Conflict`` for a week not done, or when no draft is left to publish."""
    week = get_week(session, clinic_id, week_id)
    if week.status != WeekPlanStatus.DONE:
        raise Conflict(
            f"week plan {week_id} is {week.status.value}; only a done week can be published"
        )
    drafts = [plan.id for plan in week.plans if plan.status == PlanStatus.DRAFT]
    if not drafts:
        raise Conflict(f"week plan {week_id} has no draft day plan left to publish")
    return [publish_plan(session, clinic_id, plan_id, promised_minutes) for plan_id in drafts]
