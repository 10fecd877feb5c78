"""Manual edits of a draft plan: pin a visit, move a visit, lock a route.

An edit is applied as asked, even when it breaks a rule: the coordinator decides, the
result says what broke. The routes an edit changes get new times from
``solver.timing`` (the given order, each visit as early as it may start, the
break where it fits); the other routes keep theirs. Re-solving the day with the edit as a
warm start was the alternative, but the search would undo what the coordinator asked for
(drop the visit, reorder the route) rather than show its cost. Then the independent
checker runs over the whole plan; its findings are stored with the plan (a plan that
breaks a rule cannot be published) and returned, with the ones this edit introduced.

A re-planned draft is edited against its re-plan (``solver.replan.retime_route``): stops
frozen at its ``now`` keep their times, and an edit that moves one breaks a lock.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from scheduler.day_json.plan import changes_json
from scheduler.errors import Conflict, InvalidRequest, NotFound
from scheduler.models import Clinic, PlanRoute, Therapist, Visit
from scheduler.planning.build import build_day
from scheduler.planning.queries import conflict_on_lost_race, get_plan, lock_draft
from scheduler.planning.replan import replan_now_s, replan_of
from scheduler.planning.translate import (
    plan_solution,
    set_route_times,
    stop_rows,
    violations_json,
)
from scheduler.travel import GeodesicProvider
from solver.changes import plan_changes
from solver.check import check_solution
from solver.kpis import plan_kpis
from solver.replan import retime_route
from solver.solution import Route, Solution, SolveStatus
from solver.timing import route_faults

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlalchemy.orm import Session

    from scheduler.models import Plan
    from scheduler.planning.build import DayProblem
    from scheduler.travel import TravelTimeProvider
    from solver.check import Violation


@dataclass(frozen=True)
class EditResult:
    """The edited plan and what the independent checker says about it.

    ``violations``: every hard rule the plan breaks now, one sentence each; ``broken``:
    those the edit introduced (the others were broken before it).
    """

    plan: Plan
    violations: tuple[str, ...]
    broken: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.violations


@dataclass
class _Edit:
    """A draft being edited: the day's problem, each route's order, the locks."""

    plan: Plan
    day: DayProblem
    solution: Solution
    orders: dict[str, list[str]]
    before: list[Violation]

    def route_row(self, therapist_key: str) -> PlanRoute | None:
        return next((r for r in self.plan.routes if r.therapist.external_id == therapist_key), None)

    def visit_key(self, session: Session, visit_id: int) -> str:
        visit = session.get(Visit, visit_id)
        if visit is None or visit.clinic_id != self.plan.clinic_id:
            raise NotFound(f"visit {visit_id} not found")
        if visit.external_id not in self.day.visit_ids:
            message = f"visit {visit.external_id} is not in plan {self.plan.id}; plan the day again"
            raise InvalidRequest.single("visit_id", message)
        return visit.external_id

    def therapist_key(self, session: Session, therapist_id: int) -> str:
        therapist = session.get(Therapist, therapist_id)
        if therapist is None or therapist.clinic_id != self.plan.clinic_id:
            raise NotFound(f"therapist {therapist_id} not found")
        if therapist.external_id not in self.day.therapist_ids:
            day = self.plan.date.isoformat()
            message = f"therapist {therapist.external_id} is not on shift on {day}"
            raise InvalidRequest.single("therapist_id", message)
        return therapist.external_id

    def route_of(self, visit_key: str) -> str | None:
        return next((t for t, order in self.orders.items() if visit_key in order), None)

    def changeable(self, therapist_key: str | None) -> None:
        """Refuse to change a locked route, or one of a therapist no longer on shift."""
        if therapist_key is None:
            return
        if therapist_key in _locks(self.plan):
            raise Conflict(f"{therapist_key}'s route is locked; unlock it before changing it")
        if therapist_key not in self.day.therapist_ids:
            day = self.plan.date.isoformat()
            raise Conflict(f"{therapist_key} is no longer on shift on {day}; plan the day again")


def pin_visit(
    session: Session,
    clinic_id: int,
    plan_id: int,
    visit_id: int,
    therapist_id: int,
    provider: TravelTimeProvider | None = None,
    dry_run: bool = False,
) -> EditResult:
    """Pin a visit to a therapist, and put it on their route in the draft.

    The pin is the booking's (``Visit.pinned_therapist``): later plans keep it. A visit
    already on that therapist's route stays where it is; otherwise it goes where it
    breaks the fewest rules, then adds the least travel.

    Parameters
    ----------
    session
        The database session.
    clinic_id
        The caller's clinic: a plan of another clinic is not found.
    plan_id
        The draft.
    visit_id, therapist_id
        The visit and the therapist (database ids, of the plan's clinic).
    provider
        Travel times; ``GeodesicProvider()`` by default.
    dry_run
        Only say what the edit would break: nothing is stored.

    Returns
    -------
    EditResult
        The plan, its violations, and those the edit introduced.

    Raises
    ------
    NotFound
        Unknown plan, visit or therapist.
    Conflict
        The plan is not a draft, a route concerned is locked, or a concurrent change won.
    InvalidRequest
        The visit is not in the plan, or the therapist not on shift that day.
    """
    with conflict_on_lost_race(session, f"plan {plan_id} was changed at the same time"):
        edit = _open(session, clinic_id, plan_id, provider)
        visit_key = edit.visit_key(session, visit_id)
        therapist_key = edit.therapist_key(session, therapist_id)
        session.get_one(Visit, visit_id).pinned_therapist_id = therapist_id
        _pin_in_problem(edit, visit_key, therapist_key)
        changed: set[str] = set()
        if edit.route_of(visit_key) != therapist_key:
            changed = _relocate(
                edit,
                visit_key,
                therapist_key,
                lambda _: _best_position(edit, therapist_key, visit_key),
            )
        return _apply(session, edit, changed, dry_run)


def move_visit(
    session: Session,
    clinic_id: int,
    plan_id: int,
    visit_id: int,
    therapist_id: int,
    position: int,
    provider: TravelTimeProvider | None = None,
    dry_run: bool = False,
) -> EditResult:
    """Put a visit (routed or unassigned) on a therapist's route at ``position``.

    Parameters
    ----------
    session, clinic_id, plan_id, visit_id, therapist_id, provider, dry_run
        As for ``pin_visit``.
    position
        The visit's place in the route, from 0, once it has left its current place.

    Returns
    -------
    EditResult
        The plan, its violations, and those the edit introduced.

    Raises
    ------
    NotFound, Conflict
        As for ``pin_visit``.
    InvalidRequest
        The visit is not in the plan, the therapist not on shift, or the position is
        outside the route.
    """
    with conflict_on_lost_race(session, f"plan {plan_id} was changed at the same time"):
        edit = _open(session, clinic_id, plan_id, provider)
        visit_key = edit.visit_key(session, visit_id)
        therapist_key = edit.therapist_key(session, therapist_id)

        def checked_position(order: list[str]) -> int:
            if not 0 <= position <= len(order):
                message = (
                    f"position {position} is outside {therapist_key}'s route (0 to {len(order)})"
                )
                raise InvalidRequest.single("position", message)
            return position

        changed = _relocate(edit, visit_key, therapist_key, checked_position)
        return _apply(session, edit, changed, dry_run)


def lock_route(
    session: Session,
    clinic_id: int,
    plan_id: int,
    therapist_id: int,
    locked: bool = True,
    provider: TravelTimeProvider | None = None,
    dry_run: bool = False,
) -> EditResult:
    """Lock (or unlock) the order of a therapist's route in the draft.

    A locked route's visits cannot be moved or pinned away, nor others moved onto it;
    the checker verifies the order as a locked prefix. Times do not change.

    Parameters
    ----------
    session
        The database session.
    clinic_id
        The caller's clinic: a plan of another clinic is not found.
    plan_id
        The draft.
    therapist_id
        The therapist (database id).
    locked
        False unlocks.
    provider
        Travel times; ``GeodesicProvider()`` by default.
    dry_run
        Only say what the edit would break: nothing is stored.

    Returns
    -------
    EditResult
        The plan, its violations, and those the edit introduced (none, normally).

    Raises
    ------
    NotFound
        Unknown plan or therapist.
    Conflict
        The plan is not a draft, or a concurrent change won.
    InvalidRequest
        The plan has no route for the therapist.
    """
    with conflict_on_lost_race(session, f"plan {plan_id} was changed at the same time"):
        edit = _open(session, clinic_id, plan_id, provider)
        therapist = session.get(Therapist, therapist_id)
        row = None if therapist is None else edit.route_row(therapist.external_id)
        if therapist is None or therapist.clinic_id != edit.plan.clinic_id:
            raise NotFound(f"therapist {therapist_id} not found")
        if row is None:
            message = f"plan {plan_id} has no route for {therapist.external_id}"
            raise InvalidRequest.single("therapist_id", message)
        row.locked = locked
        return _apply(session, edit, set(), dry_run)


def _open(
    session: Session, clinic_id: int, plan_id: int, provider: TravelTimeProvider | None
) -> _Edit:
    plan = lock_draft(session, clinic_id, plan_id, "be edited")
    clinic = session.get_one(Clinic, plan.clinic_id)
    routed = [stop.visit_id for row in plan.routes for stop in row.stops]
    visit_ids = [*routed, *(item.visit_id for item in plan.unassigned)]
    day = build_day(session, clinic, plan.date, provider or GeodesicProvider(), visit_ids)
    day = _with_replan(session, plan, clinic, day)
    solution = plan_solution(plan)
    orders = {route.therapist_id: [s.visit_id for s in route.stops] for route in solution.routes}
    before = check_solution(day.problem, solution, _locks(plan))
    return _Edit(plan, day, solution, orders, before)


def _with_replan(session: Session, plan: Plan, clinic: Clinic, day: DayProblem) -> DayProblem:
    """A re-planned draft is edited against its re-plan: its frozen stops stay locks."""
    if not plan.replan or "from_plan" not in plan.replan:
        return day
    origin = get_plan(session, plan.clinic_id, int(plan.replan["from_plan"]))
    now_s = replan_now_s(plan.replan, day.clock)
    promised_s = int(plan.replan.get("promised_minutes", 30)) * 60
    replan = replan_of(origin, clinic, now_s, promised_s, day)
    return replace(day, problem=replace(day.problem, replan=replan))


def _locks(plan: Plan) -> dict[str, tuple[str, ...]]:
    return {
        row.therapist.external_id: tuple(stop.visit.external_id for stop in row.stops)
        for row in plan.routes
        if row.locked
    }


def _pin_in_problem(edit: _Edit, visit_key: str, therapist_key: str) -> None:
    problem = edit.day.problem
    visits = tuple(
        replace(v, pinned_therapist=therapist_key) if v.id == visit_key else v
        for v in problem.visits
    )
    edit.day = replace(edit.day, problem=replace(problem, visits=visits))


def _relocate(
    edit: _Edit, visit_key: str, therapist_key: str, position: Callable[[list[str]], int]
) -> set[str]:
    """Take the visit off its route (if any) and onto the therapist's at ``position(order)``
    of the order without it; the therapists whose routes changed."""
    source = edit.route_of(visit_key)
    edit.changeable(source)
    edit.changeable(therapist_key)
    _take_out(edit, visit_key)
    order = edit.orders.setdefault(therapist_key, [])
    order.insert(position(order), visit_key)
    return {therapist_key} | ({source} if source is not None else set())


def _take_out(edit: _Edit, visit_key: str) -> None:
    for order in edit.orders.values():
        if visit_key in order:
            order.remove(visit_key)


def _best_position(edit: _Edit, therapist_key: str, visit_key: str) -> int:
    """Where the visit breaks the fewest rules on the route, then adds the least travel."""
    problem = edit.day.problem
    therapist = next(t for t in problem.therapists if t.id == therapist_key)
    visits = {v.id: v for v in problem.visits}
    order = edit.orders.get(therapist_key, [])
    scores = []
    for position in range(len(order) + 1):
        keys = [*order[:position], visit_key, *order[position:]]
        trial = [visits[key] for key in keys]
        route = retime_route(problem, therapist, keys)
        scores.append((route_faults(problem, therapist, trial, route), route.travel_s, position))
    return min(scores)[2]


def _apply(session: Session, edit: _Edit, changed: set[str], dry_run: bool) -> EditResult:
    """Re-time the changed routes, check the plan, store it (unless a dry run), say what
    broke."""
    problem = edit.day.problem
    therapists = {t.id: t for t in problem.therapists}
    routes = {route.therapist_id: route for route in edit.solution.routes}
    for key in changed:
        routes[key] = retime_route(problem, therapists[key], edit.orders[key])
    routed = {stop.visit_id for route in routes.values() for stop in route.stops}
    unassigned = tuple(u for u in edit.solution.unassigned if u.visit_id not in routed)
    status = SolveStatus.PARTIAL if unassigned else SolveStatus.COMPLETE
    solution = Solution(status, routes=tuple(routes.values()), unassigned=unassigned)
    after = check_solution(problem, solution, _locks(edit.plan))
    _store(session, edit, [routes[key] for key in changed], routed)
    edit.plan.kpis = plan_kpis(problem, solution.routes).to_json()
    edit.plan.violations = violations_json(after)
    if problem.replan is not None and edit.plan.replan is not None:
        # The draft's changes are against the plan it re-plans: the edit changes them too.
        edit.plan.replan = edit.plan.replan | changes_json(
            edit.day.clock, plan_changes(problem, solution)
        )
    if dry_run:
        session.rollback()
    else:
        session.commit()
    known = {violation.message for violation in edit.before}
    return EditResult(
        edit.plan,
        tuple(v.message for v in after),
        tuple(v.message for v in after if v.message not in known),
    )


def _store(session: Session, edit: _Edit, routes: list[Route], routed: set[str]) -> None:
    """Replace the changed routes' stops; drop the unassigned rows of visits now routed."""
    for route in routes:
        row = edit.route_row(route.therapist_id)
        if row is None:
            therapist = session.get_one(Therapist, edit.day.therapist_ids[route.therapist_id])
            row = PlanRoute(therapist=therapist)
            edit.plan.routes.append(row)
        # Old stops go first: the new ones reuse their positions (a unique key).
        row.stops.clear()
        session.flush()
        set_route_times(row, route)
        row.stops.extend(stop_rows(route, edit.day.visit_ids))
    edit.plan.unassigned = [
        item for item in edit.plan.unassigned if item.visit.external_id not in routed
    ]
