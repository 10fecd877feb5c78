"""The independent plan checker: recompute a plan from the problem and list every broken rule.

It shares no code with the model builder on purpose, so that a bug there cannot hide here.
Every time is recomputed from the problem's travel matrices; the solution's own figures are
only compared against the recomputed ones.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import TYPE_CHECKING

from solver import check_messages as say
from solver.check_route import RouteCheck, holds
from solver.freeze import frozen_routes
from solver.problem import BreakRule, TimeWindow

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from solver.check_route import Leg
    from solver.current_plan import FrozenRoute
    from solver.problem import Problem, Therapist, Visit
    from solver.solution import Route, Solution, Stop


class ViolationKind(StrEnum):
    """The rule a plan breaks."""

    WINDOW = "window"
    SHIFT = "shift"
    SKILL = "skill"
    EXCLUSION = "exclusion"
    NOT_ALLOWED = "not_allowed"
    PIN = "pin"
    BREAK = "break"
    MAX_VISITS = "max_visits"
    MAX_WORK = "max_work"
    CAPACITY = "capacity"
    TIMING = "timing"
    FIGURES = "figures"
    LOCK = "lock"
    DUPLICATE_VISIT = "duplicate_visit"
    MISSING_VISIT = "missing_visit"
    UNKNOWN_VISIT = "unknown_visit"
    UNKNOWN_THERAPIST = "unknown_therapist"


@dataclass(frozen=True)
class Violation:
    """One broken rule, with a sentence that names the therapist, the visit and the times."""

    kind: ViolationKind
    message: str
    therapist_id: str | None = None
    visit_id: str | None = None


def check_solution(
    problem: Problem,
    solution: Solution,
    locked_prefixes: Mapping[str, Sequence[str]] | None = None,
) -> list[Violation]:
    """List every hard rule the solution breaks, recomputing all times from the matrices.

    Parameters
    ----------
    problem
        The planning day the solution claims to solve.
    solution
        The plan to check: its routes, stops, breaks, figures and unassigned visits.
    locked_prefixes
        Therapist id to the visit ids that route must begin with, in order.

    Returns
    -------
    list[Violation]
        One entry per broken rule and place, in a stable order; empty for a valid plan.
    """
    therapists = {therapist.id: therapist for therapist in problem.therapists}
    visits = {visit.id: visit for visit in problem.visits}
    frozen = frozen_routes(problem)
    violations = _check_coverage(problem, solution)
    seen: set[str] = set()
    for route in solution.routes:
        therapist = therapists.get(route.therapist_id)
        if therapist is None:
            message = say.unknown_therapist(route.therapist_id)
            violations.append(_for(ViolationKind.UNKNOWN_THERAPIST, message, route))
            continue
        if route.therapist_id in seen:
            message = say.second_route(route.therapist_id)
            violations.append(_for(ViolationKind.UNKNOWN_THERAPIST, message, route))
        seen.add(route.therapist_id)
        done = frozen.get(therapist.id)
        if done is None:
            violations += _check_route(RouteCheck.build(problem, therapist, route, visits))
        else:
            violations += _check_frozen_route(problem, therapist, route, visits, done)
    if problem.replan is not None:
        violations += _check_replan(problem.replan.now_s, solution, frozen, problem.wall_s)
    violations += _check_locks(solution, locked_prefixes or {})
    return violations


# --- building a violation ------------------------------------------------------------


def _for(kind: ViolationKind, message: str, route: Route, visit_id: str | None = None) -> Violation:
    return Violation(kind, message, therapist_id=route.therapist_id, visit_id=visit_id)


# --- the rules --------------------------------------------------------------------------


def _check_route(check: RouteCheck) -> list[Violation]:
    if not check.route.stops:
        return _check_unused(check)
    rules = (
        _check_assignment,
        _check_windows,
        _check_shift,
        _check_limits,
        _check_break,
        _check_timing,
        _check_stop_figures,
        _check_route_figures,
    )
    return [violation for rule in rules for violation in rule(check)]


def _check_coverage(problem: Problem, solution: Solution) -> list[Violation]:
    """Every visit once over all routes and the unassigned list, and no other visit."""
    places: dict[str, list[str | None]] = defaultdict(list)  # a therapist id, None: unassigned
    for route in solution.routes:
        for stop in route.stops:
            places[stop.visit_id].append(route.therapist_id)
    for item in solution.unassigned:
        places[item.visit_id].append(None)
    known = {visit.id for visit in problem.visits}
    found: list[Violation] = []
    for visit_id, where in places.items():
        names = [say.place(tid) for tid in where]
        if visit_id not in known:
            message = say.unknown_visit(visit_id, names[0])
            found.append(Violation(ViolationKind.UNKNOWN_VISIT, message, where[0], visit_id))
        if len(where) > 1:
            message = say.duplicate_visit(visit_id, names)
            found.append(Violation(ViolationKind.DUPLICATE_VISIT, message, visit_id=visit_id))
    for visit in problem.visits:
        if visit.id not in places:
            message = say.missing_visit(visit.id)
            found.append(Violation(ViolationKind.MISSING_VISIT, message, visit_id=visit.id))
    return found


def _check_assignment(check: RouteCheck) -> list[Violation]:
    """Skills, exclusions, the allowed list and pins."""
    tid, route = check.therapist.id, check.route
    found: list[Violation] = []
    for _, visit in check.known_stops:
        if missing := visit.required_skills - check.therapist.skills:
            message = say.missing_skills(visit.id, tid, sorted(missing))
            found.append(_for(ViolationKind.SKILL, message, route, visit.id))
        if tid in visit.excluded_therapists:
            message = say.excluded(visit.id, tid)
            found.append(_for(ViolationKind.EXCLUSION, message, route, visit.id))
        if visit.allowed_therapists is not None and tid not in visit.allowed_therapists:
            message = say.not_allowed(visit.id, tid, sorted(visit.allowed_therapists))
            found.append(_for(ViolationKind.NOT_ALLOWED, message, route, visit.id))
        if visit.pinned_therapist is not None and visit.pinned_therapist != tid:
            message = say.pinned_elsewhere(visit.id, tid, visit.pinned_therapist)
            found.append(_for(ViolationKind.PIN, message, route, visit.id))
    return found


def _check_windows(check: RouteCheck) -> list[Violation]:
    found: list[Violation] = []
    for stop, visit in check.known_stops:
        if not visit.windows or any(w.start_s <= stop.start_s <= w.end_s for w in visit.windows):
            continue
        wall = check.wall_s
        spans = [TimeWindow(wall(w.start_s), wall(w.end_s)) for w in visit.windows]
        message = say.window_missed(visit.id, check.therapist.id, wall(stop.start_s), spans)
        found.append(_for(ViolationKind.WINDOW, message, check.route, visit.id))
    return found


def _check_shift(check: RouteCheck) -> list[Violation]:
    therapist, route, wall = check.therapist, check.route, check.wall_s
    tid = therapist.id
    if route.start_s is None or route.end_s is None:
        return [_for(ViolationKind.SHIFT, say.no_route_times(tid), route)]
    found: list[Violation] = []
    if route.start_s < therapist.shift_start_s:
        message = say.starts_before_shift(tid, wall(route.start_s), wall(therapist.shift_start_s))
        found.append(_for(ViolationKind.SHIFT, message, route))
    if route.end_s > therapist.shift_end_s + therapist.overtime_max_s:
        message = say.ends_after_shift(
            tid, wall(route.end_s), wall(therapist.shift_end_s), therapist.overtime_max_s
        )
        found.append(_for(ViolationKind.SHIFT, message, route))
    return found


def _check_limits(check: RouteCheck) -> list[Violation]:
    """Max visits, capacity and max work."""
    therapist, route = check.therapist, check.route
    tid = therapist.id
    found: list[Violation] = []
    if therapist.max_visits is not None and len(route.stops) > therapist.max_visits:
        message = say.too_many_visits(tid, len(route.stops), therapist.max_visits)
        found.append(_for(ViolationKind.MAX_VISITS, message, route))
    load = sum(visit.load for _, visit in check.known_stops)
    if therapist.capacity is not None and load > therapist.capacity:
        message = say.over_capacity(tid, load, therapist.capacity)
        found.append(_for(ViolationKind.CAPACITY, message, route))
    work_s = check.work_s
    if therapist.max_work_s is not None and work_s is not None and work_s > therapist.max_work_s:
        message = say.overworked(tid, work_s, check.work_phrase, therapist.max_work_s)
        found.append(_for(ViolationKind.MAX_WORK, message, route))
    return found


def _check_break(check: RouteCheck) -> list[Violation]:
    """The break's presence; where it falls is ``_check_break_placement``'s."""
    rule, route = check.therapist.break_rule, check.route
    tid = check.therapist.id
    reported = route.break_start_s is not None or route.break_end_s is not None
    if rule is None:
        if not reported:
            return []
        return [_for(ViolationKind.BREAK, say.break_without_rule(tid), route)]
    if route.break_start_s is None or route.break_end_s is None:
        wall = check.wall_s
        shown = BreakRule(wall(rule.earliest_start_s), wall(rule.latest_end_s), rule.duration_s)
        return [_for(ViolationKind.BREAK, say.no_break(tid, shown), route)]
    return _check_break_placement(check, rule, (route.break_start_s, route.break_end_s))


def _check_break_placement(
    check: RouteCheck, rule: BreakRule, span: tuple[int, int]
) -> list[Violation]:
    route, wall = check.route, check.wall_s
    start_s, end_s = span
    faults: list[tuple[str, str | None]] = []  # what is wrong, the visit concerned
    if end_s - start_s != rule.duration_s:
        faults.append((say.break_length(end_s - start_s, rule.duration_s), None))
    if start_s < rule.earliest_start_s:
        faults.append((say.break_starts_early(wall(rule.earliest_start_s)), None))
    if end_s > rule.latest_end_s:
        faults.append((say.break_ends_late(wall(rule.latest_end_s)), None))
    bounds_known = route.start_s is not None and route.end_s is not None
    if bounds_known and not holds(route.start_s, route.end_s, span):
        faults.append((say.BREAK_OUTSIDE_ROUTE, None))
    for stop in route.stops:
        if start_s < stop.end_s and stop.start_s < end_s:
            overlap = say.break_overlaps(stop.visit_id, wall(stop.start_s), wall(stop.end_s))
            faults.append((overlap, stop.visit_id))
    subject = say.break_subject(check.therapist.id, wall(start_s), wall(end_s))
    return [_for(ViolationKind.BREAK, f"{subject} {fault}", route, vid) for fault, vid in faults]


def _check_timing(check: RouteCheck) -> list[Violation]:
    """Service durations, and enough time on every leg for the drive (and the break)."""
    tid, route, wall = check.therapist.id, check.route, check.wall_s
    found: list[Violation] = []
    for stop, visit in check.known_stops:
        expected_s = stop.start_s + visit.service_s
        if stop.end_s != expected_s:
            times = (wall(stop.end_s), wall(stop.start_s), wall(expected_s))
            message = say.wrong_service_end(visit.id, tid, times, visit.service_s)
            found.append(_for(ViolationKind.TIMING, message, route, visit.id))
    for leg in check.legs:
        if leg.from_s is None or leg.to_s is None or leg.travel_s is None:
            continue
        earliest_s = leg.from_s + leg.travel_s + leg.break_s
        if leg.to_s >= earliest_s:
            continue
        if leg.stop is None:
            target, verb, vid = say.route_ends_at(tid, wall(leg.to_s)), "end", None
        else:
            vid = leg.stop.visit_id
            target, verb = say.visit_starts_at(vid, tid, wall(leg.to_s)), "start"
        leaving = (wall(leg.from_s), wall(earliest_s))
        message = say.leg_too_short(target, verb, leg.origin, leaving, leg.travel_s, leg.break_s)
        found.append(_for(ViolationKind.TIMING, message, route, vid))
    return found


def _check_stop_figures(check: RouteCheck) -> list[Violation]:
    found: list[Violation] = []
    for leg in check.legs:
        if leg.stop is not None and leg.travel_s is not None:
            found += _stop_figures(check, leg, leg.stop, leg.travel_s)
    return found


def _stop_figures(check: RouteCheck, leg: Leg, stop: Stop, travel_s: int) -> list[Violation]:
    where = f"visit {stop.visit_id} on {check.therapist.id}'s route"
    wrong: list[str] = []
    if stop.travel_s != travel_s:
        wrong.append(say.stop_travel(where, stop.travel_s, leg.origin, travel_s))
    if stop.distance_m != leg.distance_m:
        wrong.append(say.stop_distance(where, stop.distance_m, leg.origin, leg.distance_m))
    if leg.from_s is not None:
        wait_s = stop.start_s - leg.from_s - travel_s - leg.break_s
        if stop.wait_s != wait_s:
            wrong.append(say.stop_wait(where, stop.wait_s, wait_s, travel_s, leg.origin))
        earliest_s = leg.from_s + travel_s
        # An impossible leg is TIMING's to report; its arrival cannot be right either.
        if wait_s >= 0 and not earliest_s <= stop.arrival_s <= stop.start_s:
            wall = check.wall_s
            times = (wall(stop.arrival_s), wall(earliest_s), wall(stop.start_s))
            wrong.append(say.stop_arrival(where, *times))
    return [_for(ViolationKind.FIGURES, text, check.route, stop.visit_id) for text in wrong]


def _check_route_figures(check: RouteCheck) -> list[Violation]:
    """The route's totals: travel and distance including the leg back, and work."""
    tid, route = check.therapist.id, check.route
    wrong: list[str] = []
    travels = [leg.travel_s for leg in check.legs if leg.travel_s is not None]
    if len(travels) == len(check.legs):
        if route.travel_s != sum(travels):
            wrong.append(say.route_travel(tid, route.travel_s, sum(travels)))
        distance_m = sum(leg.distance_m or 0 for leg in check.legs) if check.has_distances else None
        if route.distance_m != distance_m:
            wrong.append(say.route_distance(tid, route.distance_m, distance_m))
    work_s = check.work_s
    if work_s is not None and route.work_s != work_s:
        wrong.append(say.route_work(tid, route.work_s, check.work_phrase, work_s))
    return [_for(ViolationKind.FIGURES, text, route) for text in wrong]


def _check_unused(check: RouteCheck) -> list[Violation]:
    """A route without stops has no times, no break and zero totals."""
    tid, route = check.therapist.id, check.route
    wrong: list[str] = []
    times = {
        "a start": route.start_s,
        "an end": route.end_s,
        "a break start": route.break_start_s,
        "a break end": route.break_end_s,
    }
    if reported := [name for name, value in times.items() if value is not None]:
        wrong.append(say.unused_times(tid, reported))
    if route.travel_s != 0 or route.work_s != 0 or route.distance_m not in (0, None):
        wrong.append(say.unused_totals(tid, route.travel_s, route.distance_m, route.work_s))
    return [_for(ViolationKind.FIGURES, text, route) for text in wrong]


def _check_locks(
    solution: Solution, locked_prefixes: Mapping[str, Sequence[str]]
) -> list[Violation]:
    first_route: dict[str, Route] = {}
    for route in solution.routes:
        first_route.setdefault(route.therapist_id, route)
    found: list[Violation] = []
    for tid, prefix in locked_prefixes.items():
        locked = list(prefix)
        locked_route = first_route.get(tid)
        begins = None
        if locked_route is not None:
            begins = [stop.visit_id for stop in locked_route.stops[: len(locked)]]
        if begins == locked or (begins is None and not locked):
            continue
        message = say.locked_prefix(tid, locked, begins)
        found.append(Violation(ViolationKind.LOCK, message, therapist_id=tid))
    return found


# --- re-planning -----------------------------------------------------------------------


def _check_frozen_route(
    problem: Problem,
    therapist: Therapist,
    route: Route,
    visits: Mapping[str, Visit],
    frozen: FrozenRoute,
) -> list[Violation]:
    """A route with frozen stops: the rules, except what the frozen part alone breaks.

    A frozen stop is never a violation (it happened). The day's limits are widened just
    enough for the frozen part: the shift starts by the route's start, the day ends no
    earlier than the drive home after it, and a break that cannot fit after it (or is not
    needed, nothing following it) is not required.
    """
    frozen_ids = set(frozen.visit_ids)
    location = therapist.start_location
    if frozen.resume_visit is not None and frozen.resume_visit in visits:
        location = visits[frozen.resume_visit].location
    home_by_s = frozen.resume_s + int(
        problem.matrix_for(therapist).durations_s[location, therapist.end_location]
    )
    frozen_break_s = 0 if frozen.break_span is None else frozen.break_span[1] - frozen.break_span[0]
    rule = therapist.break_rule
    unfrozen = any(stop.visit_id not in frozen_ids for stop in route.stops)
    if rule is not None and frozen.break_span is None:
        fits_after = max(rule.earliest_start_s, frozen.resume_s) + rule.duration_s <= min(
            rule.latest_end_s, therapist.shift_end_s
        )
        if not (unfrozen and fits_after):
            rule = None
    widened = replace(
        therapist,
        shift_start_s=min(therapist.shift_start_s, frozen.start_s),
        shift_end_s=max(therapist.shift_end_s, home_by_s - therapist.overtime_max_s),
        max_work_s=None
        if therapist.max_work_s is None
        else max(therapist.max_work_s, home_by_s - frozen.start_s - frozen_break_s),
        max_visits=None
        if therapist.max_visits is None
        else max(therapist.max_visits, len(frozen.stops)),
        break_rule=rule,
    )
    found = _check_route(RouteCheck.build(problem, widened, route, visits))
    found = [v for v in found if v.visit_id not in frozen_ids]
    return found + _check_frozen_stops(route, frozen, problem.wall_s)


def _check_frozen_stops(
    route: Route, frozen: FrozenRoute, wall: Callable[[int], int]
) -> list[Violation]:
    """The route begins with the frozen stops, at their times."""
    expected = [(s.visit_id, s.start_s, s.end_s) for s in frozen.stops]
    actual = [(s.visit_id, s.start_s, s.end_s) for s in route.stops[: len(expected)]]
    if actual == expected:
        return []
    message = say.frozen_changed(
        route.therapist_id, _on_wall(expected, wall), _on_wall(actual, wall)
    )
    return [_for(ViolationKind.LOCK, message, route)]


def _on_wall(
    stops: list[tuple[str, int, int]], wall: Callable[[int], int]
) -> list[tuple[str, int, int]]:
    return [(visit_id, wall(start_s), wall(end_s)) for visit_id, start_s, end_s in stops]


def _check_replan(
    now_s: int,
    solution: Solution,
    frozen: Mapping[str, FrozenRoute],
    wall: Callable[[int], int],
) -> list[Violation]:
    """Nothing that had not started by ``now`` starts before it; no frozen route is lost."""
    found: list[Violation] = []
    routed = {route.therapist_id for route in solution.routes}
    for tid, done in frozen.items():
        if tid not in routed and done.stops:
            stops = [(s.visit_id, s.start_s, s.end_s) for s in done.stops]
            message = say.frozen_changed(tid, _on_wall(stops, wall), [])
            found.append(Violation(ViolationKind.LOCK, message, therapist_id=tid))
    frozen_ids = {vid for done in frozen.values() for vid in done.visit_ids}
    for route in solution.routes:
        for stop in route.stops:
            if stop.visit_id not in frozen_ids and stop.start_s < now_s:
                message = say.starts_before_now(
                    stop.visit_id, route.therapist_id, wall(stop.start_s), wall(now_s)
                )
                found.append(_for(ViolationKind.LOCK, message, route, stop.visit_id))
    return found
