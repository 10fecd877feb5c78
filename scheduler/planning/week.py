"""Plan a clinic's horizon of days at once, and publish it.

``plan_week`` builds the week (``week_build``), has ``solver.week.solve_week`` choose the
dates and therapists of the care plans' visits and route every day, has the independent
week checker verify the result, and stores it in one transaction: the visits placed as
bookings of their care plan, one draft day plan per date with routes, and a ``WeekPlan``
with the visits that got no date and the week's KPIs. A result the checker rejects is not
stored: nothing is booked, and ``InvalidRequest`` says what broke (that is a bug).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from scheduler.config import DEFAULT_PROMISED_MINUTES
from scheduler.errors import Conflict, FieldError, InvalidRequest, NotFound
from scheduler.models import Clinic, Plan, PlanStatus, Visit, VisitStatus, WeekPlan
from scheduler.planning.build import DayProblem
from scheduler.planning.queries import conflict_on_lost_race
from scheduler.planning.service import publish_plan
from scheduler.planning.translate import store_solution
from scheduler.planning.week_build import WeekDays, build_week, horizon
from scheduler.records.values import date_fault
from scheduler.travel import GeodesicProvider
from solver.params import Params
from solver.week.check import check_week
from solver.week.kpis import week_kpis
from solver.week.solve import solve_week

if TYPE_CHECKING:
    import datetime as dt

    from sqlalchemy.orm import Session

    from scheduler.travel import TravelTimeProvider
    from solver.week.solution import Placed, Unplaced, WeekSolution

MAX_WEEKS = 4
DEFAULT_WEEK_TIME_LIMIT_S = 60.0


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


def plan_week(
    session: Session,
    clinic_id: int,
    first_date: dt.date,
    options: WeekOptions,
    provider: TravelTimeProvider | None = None,
) -> WeekPlan:
    """Plan ``options.weeks`` weeks from ``first_date``: book the care plans' visits and
    store a draft day plan for every date on which someone works or a visit is booked.

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
        The stored week, with its day plans (``plans``) and the visits without a date.

    Raises
    ------
    NotFound
        No such clinic.
    InvalidRequest
        Invalid options or dates, a patient without coordinates, or a week the checker
        rejects.
    Conflict
        Another plan of one of the dates was stored at the same moment (try again).
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
    week = build_week(session, clinic, dates, provider or GeodesicProvider())
    params = Params(time_limit_s=options.time_limit_s, seed=options.seed, workers=options.workers)
    solution = solve_week(week.problem, params)
    if violations := check_week(week.problem, solution):
        shown = "; ".join(v.message for v in violations[:3])
        raise InvalidRequest.single(
            "week", f"the week's plan breaks {len(violations)} rules ({shown}); please report it"
        )
    message = "another plan of the same dates was stored at the same time; try again"
    with conflict_on_lost_race(session, message):
        stored = _store(session, week, solution, options)
        session.commit()
    return stored


def _store(
    session: Session, week: WeekDays, solution: WeekSolution, options: WeekOptions
) -> WeekPlan:
    stored = WeekPlan(
        clinic_id=week.clinic_id,
        first_date=week.dates[0],
        last_date=week.dates[-1],
        parameters=asdict(options),
        unplaced=[_unplaced_json(week, u) for u in solution.unplaced],
        kpis=asdict(week_kpis(week.problem, solution)),
        solver_stats=asdict(solution.stats),
    )
    session.add(stored)
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
            version=_next_version(session, week.clinic_id, date),
            status=PlanStatus.DRAFT,
            parameters={"week": True, **asdict(options)},
        )
        store_solution(plan, day, solution.days[d])
        stored.plans.append(plan)
    session.flush()
    return stored


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


def _next_version(session: Session, clinic_id: int, date: dt.date) -> int:
    latest = session.scalar(
        sa.select(sa.func.max(Plan.version)).where(Plan.clinic_id == clinic_id, Plan.date == date)
    )
    return (latest or 0) + 1


def get_week(session: Session, clinic_id: int, week_id: int) -> WeekPlan:
    """The clinic's week plan (``NotFound`` for another clinic's)."""
    week = session.get(WeekPlan, week_id)
    if week is None or week.clinic_id != clinic_id:
        raise NotFound(f"week plan {week_id} not found")
    return week


def publish_week(
    session: Session,
    clinic_id: int,
    week_id: int,
    promised_minutes: int = DEFAULT_PROMISED_MINUTES,
) -> list[Plan]:
    """Publish every day plan of the week that is still a draft, day by day (each as
    ``publish_plan``, atomically); the days already published or replaced stay as they
    are. ``Conflict`` when none is left to publish."""
    week = get_week(session, clinic_id, week_id)
    drafts = [plan.id for plan in week.plans if plan.status == PlanStatus.DRAFT]
    if not drafts:
        raise Conflict(f"week plan {week_id} has no draft day plan left to publish")
    return [publish_plan(session, clinic_id, plan_id, promised_minutes) for plan_id in drafts]
