"""The planning services: create a plan for a clinic and date, publish it, compare two.

Each service takes a ``Session``, owns its transaction (commits or rolls back) and raises
``NotFound``, ``Conflict`` or ``InvalidRequest`` (``scheduler.errors``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from scheduler.config import DEFAULT_PROMISED_MINUTES, DEFAULT_SOLVER_TIME_LIMIT_S
from scheduler.day_json.plan import changes_json
from scheduler.errors import Conflict, FieldError, InvalidRequest, NotFound
from scheduler.models import (
    Clinic,
    JobState,
    Patient,
    Plan,
    PlanJob,
    PlanRoute,
    PlanStatus,
    PlanStop,
    PlanUnassigned,
    Visit,
    VisitStatus,
)
from scheduler.notify import write_outbox
from scheduler.planning.build import DayProblem, build_day
from scheduler.planning.compare import PlanComparison, compare
from scheduler.planning.queries import (
    conflict_on_lost_race,
    get_plan,
    lock_draft,
    next_version,
    published_plan,
)
from scheduler.planning.translate import stats_json, store_solution, violations_json
from scheduler.planning.worker import solve_in_worker, violations_error
from scheduler.records.values import date_fault
from scheduler.travel import GeodesicProvider
from scheduler.travel.geocoding import ensure_coordinates
from solver.changes import plan_changes
from solver.check import check_solution
from solver.params import FirstSolution, Metaheuristic, Params
from solver.solution import Solution, SolveStatus

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Callable

    from sqlalchemy.orm import Session

    from scheduler.travel import TravelTimeProvider
    from scheduler.travel.geocoding import Geocoder
    from solver.check import Violation
    from solver.params import Progress


@dataclass(frozen=True)
class PlanOptions:
    """How to solve; stored with the plan as its ``parameters``.

    ``promised_minutes``: how far a visit may move before its patient is told when the plan
    is published (None: the installation's ``HOMEVISIT_PROMISED_MINUTES``).
    """

    time_limit_s: float = DEFAULT_SOLVER_TIME_LIMIT_S
    seed: int = 0
    workers: int = 1
    first_solution: FirstSolution = FirstSolution.AUTO
    metaheuristic: Metaheuristic = Metaheuristic.GUIDED_LOCAL_SEARCH
    promised_minutes: int | None = None

    def faults(self) -> list[FieldError]:
        """What is wrong with these options (empty when they can be used)."""
        faults = []
        if not self.time_limit_s > 0:
            faults.append(
                FieldError("time_limit_s", f"must be positive, got {self.time_limit_s:g}")
            )
        if self.workers < 1:
            faults.append(FieldError("workers", f"must be at least 1, got {self.workers}"))
        if self.seed < 0:
            faults.append(FieldError("seed", f"must not be negative, got {self.seed}"))
        if self.promised_minutes is not None and self.promised_minutes < 0:
            message = f"must not be negative, got {self.promised_minutes}"
            faults.append(FieldError("promised_minutes", message))
        return faults

    def params(self) -> Params:
        """The solver's parameters."""
        return Params(
            time_limit_s=self.time_limit_s,
            seed=self.seed,
            workers=self.workers,
            first_solution=self.first_solution,
            metaheuristic=self.metaheuristic,
        )

    def as_json(self) -> dict[str, Any]:
        return {
            key: str(value) if isinstance(value, str) else value
            for key, value in asdict(self).items()
        }


def create_plan(
    session: Session,
    clinic_id: int,
    date: dt.date,
    options: PlanOptions,
    provider: TravelTimeProvider | None = None,
    on_tick: Callable[[float, Progress | None], None] | None = None,
    geocoder: Geocoder | None = None,
) -> Plan:
    """Plan the clinic's day: build the problem, solve it in a worker process, check it and
    store it as a new version.

    The plan is stored (status ``solving``) and committed before the search, so that no
    transaction stays open while it runs. A valid plan becomes a ``draft`` whose routes and
    unassigned visits hold every booked visit of the day once; a failed search, or a plan
    the independent checker rejects, becomes ``failed`` with the error and the violations.

    Parameters
    ----------
    session
        The database session.
    clinic_id
        The clinic.
    date
        The date to plan.
    options
        Time limit, seed, workers and strategies.
    provider
        Travel times; ``GeodesicProvider()`` by default.
    on_tick
        Called about every 0.2 s with the elapsed time and the best progress so far.
    geocoder
        Looks up the day's patients that have an address but no coordinates (results
        are cached); without one, such a patient is an ``InvalidRequest``.

    Returns
    -------
    Plan
        The stored plan, ``draft`` or ``failed``.

    Raises
    ------
    NotFound
        No such clinic.
    InvalidRequest
        Invalid options, or the day cannot be built (a patient without coordinates, ...).
    Conflict
        Another plan of the same day was created at the same moment (try again).
    """
    plan, day = start_plan(session, clinic_id, date, options, provider, geocoder)
    try:
        solution = solve_in_worker(day.problem, options.params(), on_tick)
    except RuntimeError as error:
        solution = Solution(SolveStatus.FAILED, error=f"the solver process failed: {error}")
    finish_plan(session, plan, day, solution)
    return plan


def start_plan(
    session: Session,
    clinic_id: int,
    date: dt.date,
    options: PlanOptions,
    provider: TravelTimeProvider | None = None,
    geocoder: Geocoder | None = None,
) -> tuple[Plan, DayProblem]:
    """Check the options, build the day and store a new plan version, ``solving``.

    The first half of ``create_plan``, for callers that run the search elsewhere (the API's
    job runner); ``finish_plan`` stores the result. Parameters and errors as ``create_plan``.
    """
    if faults := options.faults():
        raise InvalidRequest(faults, "invalid plan options")
    clinic = session.get(Clinic, clinic_id)
    if clinic is None:
        raise NotFound(f"clinic {clinic_id} not found")
    if geocoder is not None:
        geocode_patients(session, clinic, date, geocoder)
    day = build_day(session, clinic, date, provider or GeodesicProvider())
    return new_version(session, clinic, date, options), day


def geocode_patients(session: Session, clinic: Clinic, date: dt.date, geocoder: Geocoder) -> None:
    """Give every patient visited that day coordinates, reporting every failed lookup."""
    visited = sa.select(Visit.patient_id).where(Visit.clinic_id == clinic.id, Visit.date == date)
    missing = session.scalars(
        sa.select(Patient)
        .where(Patient.id.in_(visited))
        .where(sa.or_(Patient.lat.is_(None), Patient.lon.is_(None)))
        .order_by(Patient.external_id)
    )
    faults: list[FieldError] = []
    for patient in missing:
        try:
            ensure_coordinates(session, geocoder, patient)
        except InvalidRequest as error:
            faults += error.errors
    if faults:
        raise InvalidRequest(faults, "some patients could not be located")
    session.flush()


def new_version(session: Session, clinic: Clinic, date: dt.date, options: PlanOptions) -> Plan:
    """A new version of the day's plan, ``solving``, committed (``Conflict`` on a race;
    ``InvalidRequest`` for a date outside the service's range)."""
    if (fault := date_fault(date)) is not None:
        raise InvalidRequest.single("date", fault)
    plan = Plan(
        clinic_id=clinic.id,
        date=date,
        version=next_version(session, clinic.id, date),
        status=PlanStatus.SOLVING,
        parameters=options.as_json(),
    )
    message = f"another plan of {date.isoformat()} was started at the same time; try again"
    with conflict_on_lost_race(session, message):
        session.add(plan)
        session.commit()
    return plan


def finish_plan(session: Session, plan: Plan, day: DayProblem, solution: Solution) -> None:
    """Check the solution and store it in the ``solving`` plan: a ``draft`` when valid, else
    ``failed`` with the error and the checker's violations. Commits."""
    plan.progress = None
    violations: list[Violation] = []
    if solution.status != SolveStatus.FAILED:
        violations = check_solution(day.problem, solution)
    plan.solver_stats = stats_json(solution)
    if solution.status == SolveStatus.FAILED or violations:
        plan.status = PlanStatus.FAILED
        plan.error = solution.error or violations_error(violations)
        plan.violations = violations_json(violations)
    else:
        store_solution(plan, day, solution)
        plan.status = PlanStatus.DRAFT
        if day.problem.replan is not None:
            plan.replan = (plan.replan or {}) | changes_json(
                day.clock, plan_changes(day.problem, solution)
            )
    session.commit()


def publish_plan(
    session: Session,
    clinic_id: int,
    plan_id: int,
    promised_minutes: int = DEFAULT_PROMISED_MINUTES,
) -> Plan:
    """Publish a draft, atomically: the day's published plan (if any) becomes superseded,
    the visits on its routes become ``planned`` (visits it leaves out go back to ``booked``),
    and the messages to the therapists and patients affected are written to the outbox
    (``scheduler.notify.write_outbox``), all in one transaction.

    Two publishes of the same day that overlap in time: one wins, the other gets
    ``Conflict`` and writes nothing (the partial unique index on published plans, and
    SQLite's write lock, decide which).

    Parameters
    ----------
    session
        The database session.
    clinic_id
        The caller's clinic: a plan of another clinic is not found.
    plan_id
        The draft to publish.
    promised_minutes
        How far a visit may move before its patient is told, unless the plan's options
        set it (``HOMEVISIT_PROMISED_MINUTES`` is the installation's).

    Returns
    -------
    Plan
        The published plan.

    Raises
    ------
    NotFound
        No such plan (or another clinic's).
    Conflict
        The plan is not a draft, breaks a hard rule, or another publish of the same day won.
    """
    message = f"another plan of the same day was published at the same time as plan {plan_id}"
    with conflict_on_lost_race(session, message):
        plan = lock_draft(session, clinic_id, plan_id, "be published")
        if plan.violations:
            raise Conflict(
                f"plan {plan_id} breaks {len(plan.violations)} hard rules"
                f" ({plan.violations[0]['message']}, ...); fix them before publishing"
            )
        previous = published_plan(session, plan.clinic_id, plan.date)
        if previous is not None:
            previous.status = PlanStatus.SUPERSEDED
            session.flush()  # before the new one enters the unique index
        plan.status = PlanStatus.PUBLISHED
        session.flush()
        _mark_visits(session, plan.id)
        write_outbox(session, plan, previous, promised_minutes)
        session.commit()
    return plan


def _mark_visits(session: Session, plan_id: int) -> None:
    routed = (
        sa.select(PlanStop.visit_id)
        .join(PlanRoute, PlanStop.route_id == PlanRoute.id)
        .where(PlanRoute.plan_id == plan_id)
    )
    left_out = sa.select(PlanUnassigned.visit_id).where(PlanUnassigned.plan_id == plan_id)
    for visits, old, new in (
        (routed, VisitStatus.BOOKED, VisitStatus.PLANNED),
        (left_out, VisitStatus.PLANNED, VisitStatus.BOOKED),
    ):
        session.execute(
            sa.update(Visit)
            .where(Visit.id.in_(visits), Visit.status == old)
            .values(status=new)
            .execution_options(synchronize_session="fetch")
        )


def compare_plans(
    session: Session,
    clinic_id: int,
    a_id: int,
    b_id: int,
    shift_minutes: int = 15,
) -> PlanComparison:
    """What changes from plan ``a`` to plan ``b`` of the same clinic and date.

    Parameters
    ----------
    session
        The database session.
    clinic_id
        The caller's clinic: plans of other clinics are not found.
    a_id, b_id
        The earlier and the later plan.
    shift_minutes
        A visit whose start moves by more than this is ``shifted``.

    Returns
    -------
    PlanComparison
        Visits moved to another therapist, shifted, dropped and added; KPI deltas.

    Raises
    ------
    NotFound
        Either plan is unknown (or another clinic's).
    InvalidRequest
        The plans are of different clinics or dates.
    """
    a = get_plan(session, clinic_id, a_id)
    b = get_plan(session, clinic_id, b_id)
    return compare(a, b, shift_minutes)


def cancel_plan(session: Session, clinic_id: int, plan_id: int) -> Plan:
    """Cancel a solve (its worker stops within about a second); a draft or failed plan is
    cancelled too, so it cannot be published. ``Conflict`` for a published or superseded one.

    A job no worker has started yet is forgotten at once, so that it no longer takes a place
    in its clinic's share of the queue; a running one stops itself.
    """
    plan = get_plan(session, clinic_id, plan_id)
    if plan.status in (PlanStatus.PUBLISHED, PlanStatus.SUPERSEDED):
        raise Conflict(f"plan {plan_id} is {plan.status.value}; it can no longer be cancelled")
    if plan.status != PlanStatus.CANCELLED:
        plan.status = PlanStatus.CANCELLED
        plan.progress = None
        session.execute(
            sa.delete(PlanJob).where(PlanJob.plan_id == plan_id, PlanJob.state != JobState.RUNNING)
        )
        session.commit()
    return plan
