"""Re-planning a day from ``now``: keep what happened, move as little as possible.

The day is cut at ``now``. What is frozen (``solver.freeze``) stays; every other
visit is planned on a reduced day in which a therapist with frozen stops starts where and
when the last one ended, with what is left of its working time and visits; no visit
starts before ``now``; and each visit of the current plan carries its promise (therapist,
start within ``promised_s``), whose breaking costs (``solver.model.add_disruption``). The
search starts from the current plan. When the current plan still holds at its own times
and no visit is new, it is kept as it is, so a re-plan without an event changes nothing.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from solver.budget import Deadline
from solver.clock import format_hhmm
from solver.freeze import frozen_routes
from solver.outcome import explain_dropped, finish, pre_check
from solver.problem import Problem, Promise, TimeWindow
from solver.reasons import describe_windows
from solver.solution import Route, Solution, SolveStats, SolveStatus, Unassigned, UnassignedReason
from solver.timing import earliest_end, route_at_times, route_faults, time_route

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from solver.current_plan import FrozenRoute, Replan
    from solver.params import Params
    from solver.problem import BreakRule, Therapist, Visit


def solve_replan(
    problem: Problem, params: Params, solve_day: Callable[[Problem, Params], Solution]
) -> Solution:
    """Re-plan ``problem`` (whose ``replan`` is set) from its ``now``.

    Parameters
    ----------
    problem
        The day as it is now: events are already changes to it (an earlier shift end,
        a visit gone or added, a longer duration, check-in times in ``replan.actual``).
    params
        Search parameters; ``warm_start`` is replaced by the current plan, locked
        prefixes lose their frozen visits.
    solve_day
        Solves the reduced day (``solver.solve`` without the re-plan), in the time that
        the cut at ``now`` left of ``params.time_limit_s``.

    Returns
    -------
    Solution
        The whole day: frozen stops at their times, then the re-planned rest.
    """
    assert problem.replan is not None
    deadline = Deadline.after(params.time_limit_s, params.clock)
    replan = problem.replan
    frozen = frozen_routes(problem)
    reduced, too_late = reduced_day(problem, replan, frozen)
    current = current_routes(reduced, replan, frozen)
    if _current_stands(reduced, replan, current):
        strategy = "the current plan still holds"
        solution = with_reasons(reduced, current, SolveStats(strategy=strategy), deadline)
    else:
        reduced_params = _reduced_params(reduced, params, replan, frozen)
        solution = solve_day(reduced, replace(reduced_params, time_limit_s=deadline.remaining_s()))
    if solution.status == SolveStatus.FAILED:
        return solution
    routes = stitched(problem, solution.routes, frozen)
    frozen_count = sum(len(f.stops) for f in frozen.values())
    now = format_hhmm(problem.wall_s(replan.now_s))
    stats = replace(
        solution.stats,
        wall_s=deadline.elapsed_s(),
        strategy=f"re-plan from {now} ({frozen_count} stops frozen): " + solution.stats.strategy,
    )
    return finish(problem, routes, [*solution.unassigned, *too_late], stats)


# --- the reduced day -------------------------------------------------------------------


def reduced_day(
    problem: Problem, replan: Replan, frozen: Mapping[str, FrozenRoute]
) -> tuple[Problem, list[Unassigned]]:
    """The day after ``now`` without its frozen stops, and the visits it is too late for."""
    visits = {visit.id: visit for visit in problem.visits}
    frozen_ids = {vid for route in frozen.values() for vid in route.visit_ids}
    ends = (t.shift_end_s + t.overtime_max_s for t in problem.therapists)
    horizon_s = max(ends, default=replan.now_s)
    therapist_of, start_of = replan.current_therapist(), replan.current_start()
    kept: list[Visit] = []
    too_late: list[Unassigned] = []
    for visit in problem.visits:
        if visit.id in frozen_ids:
            continue
        windows = _windows_from(visit, replan.now_s, horizon_s)
        if not windows:
            too_late.append(_too_late(problem, visit, replan.now_s))
            continue
        promise = None
        if visit.id in therapist_of:
            start_s = start_of[visit.id]
            promise = Promise(
                therapist_of[visit.id], start_s - replan.promised_s, start_s + replan.promised_s
            )
        kept.append(replace(visit, windows=windows, promise=promise))
    therapists = tuple(
        _reduced_therapist(problem, therapist, frozen.get(therapist.id), visits)
        for therapist in problem.therapists
    )
    return replace(problem, therapists=therapists, visits=tuple(kept), replan=None), too_late


def _windows_from(visit: Visit, now_s: int, horizon_s: int) -> tuple[TimeWindow, ...]:
    """The visit's windows cut to start no earlier than ``now_s`` (empty: all passed)."""
    if not visit.windows:
        return (TimeWindow(now_s, max(now_s, horizon_s)),)
    return tuple(
        TimeWindow(max(w.start_s, now_s), w.end_s) for w in visit.windows if w.end_s >= now_s
    )


def _too_late(problem: Problem, visit: Visit, now_s: int) -> Unassigned:
    message = (
        f"its {describe_windows(problem, visit)} window closed before the re-plan's time"
        f" {format_hhmm(problem.wall_s(now_s))}"
    )
    return Unassigned(visit.id, UnassignedReason.WINDOW_UNREACHABLE, message)


def _reduced_therapist(
    problem: Problem, therapist: Therapist, frozen: FrozenRoute | None, visits: Mapping[str, Visit]
) -> Therapist:
    """A therapist with frozen stops starts again where and when the last one ended.

    What it has left: its visits less the frozen ones, and its working time less the time
    since it set out (an end cap, so that a late departure from the last stop counts too).
    Its end never comes before the drive home, and a break that can no longer be taken
    (or was taken) is no longer asked for.
    """
    if frozen is None:
        return therapist
    location = therapist.start_location
    if frozen.resume_visit is not None:
        location = visits[frozen.resume_visit].location
    durations = problem.matrix_for(therapist).durations_s
    home_by_s = frozen.resume_s + int(durations[location, therapist.end_location])
    rule = therapist.break_rule if frozen.break_span is None else None
    latest_s, shift_end_s = _day_end(therapist, frozen, rule, home_by_s)
    if rule is not None:
        last_start_s = min(rule.latest_end_s, shift_end_s) - rule.duration_s
        if max(rule.earliest_start_s, frozen.resume_s) > last_start_s:
            rule = None
            latest_s, shift_end_s = _day_end(therapist, frozen, rule, home_by_s)
    max_visits = therapist.max_visits
    if max_visits is not None:
        max_visits = max(0, max_visits - len(frozen.stops))
    return replace(
        therapist,
        start_location=location,
        shift_start_s=frozen.resume_s,
        shift_end_s=shift_end_s,
        overtime_max_s=latest_s - shift_end_s,
        max_work_s=None,
        max_visits=max_visits,
        break_rule=rule,
    )


def _day_end(
    therapist: Therapist, frozen: FrozenRoute, rule: BreakRule | None, home_by_s: int
) -> tuple[int, int]:
    """The latest end (overtime included) and the regular end of the rest of the day.

    Max work becomes a cap on the end: the time since the therapist set out is spent.
    """
    latest_s = therapist.shift_end_s + therapist.overtime_max_s
    if therapist.max_work_s is not None:
        frozen_break_s = 0
        if frozen.break_span is not None:
            frozen_break_s = frozen.break_span[1] - frozen.break_span[0]
        worked_s = frozen.resume_s - frozen.start_s - frozen_break_s
        left_s = max(0, therapist.max_work_s - worked_s)
        latest_s = min(latest_s, frozen.resume_s + left_s + (rule.duration_s if rule else 0))
    latest_s = max(latest_s, home_by_s)
    return latest_s, min(therapist.shift_end_s, latest_s)


# --- the current plan on the reduced day -----------------------------------------------


def current_routes(
    reduced: Problem, replan: Replan, frozen: Mapping[str, FrozenRoute]
) -> tuple[Route, ...]:
    """The current plan's unfrozen stops at their own times, one route per therapist."""
    visits = {visit.id: visit for visit in reduced.visits}
    by_therapist = {route.therapist_id: route for route in replan.routes}
    routes = []
    for therapist in reduced.therapists:
        current = by_therapist.get(therapist.id)
        stops = [] if current is None else [s for s in current.stops if s.visit_id in visits]
        if current is None or not stops:
            routes.append(Route(therapist.id))
            continue
        timed = [
            (visits[s.visit_id], s.start_s, s.start_s + visits[s.visit_id].service_s) for s in stops
        ]
        start_s = current.start_s if therapist.id not in frozen else therapist.shift_start_s
        if start_s is None:
            first = timed[0][0]
            durations = reduced.matrix_for(therapist).durations_s
            start_s = timed[0][1] - int(durations[therapist.start_location, first.location])
        pause = None
        if current.break_start_s is not None and current.break_start_s >= replan.now_s:
            assert current.break_end_s is not None
            pause = (current.break_start_s, current.break_end_s)
        routes.append(route_at_times(reduced, therapist, timed, start_s, pause))
    return tuple(routes)


def _current_stands(reduced: Problem, replan: Replan, routes: tuple[Route, ...]) -> bool:
    """No new visit, and every current route keeps every rule at its own times."""
    routed = {stop.visit_id for route in routes for stop in route.stops}
    if any(v.id not in routed and v.id not in replan.unassigned for v in reduced.visits):
        return False
    visits = {visit.id: visit for visit in reduced.visits}
    return all(
        route_faults(reduced, therapist, [visits[s.visit_id] for s in route.stops], route) == 0
        for therapist, route in zip(reduced.therapists, routes, strict=True)
        if route.stops
    )


def with_reasons(
    reduced: Problem,
    routes: tuple[Route, ...],
    stats: SolveStats,
    deadline: Deadline | None = None,
) -> Solution:
    """The solution of routes kept as they are, every visit on none explained (probed
    until ``deadline``, as ``solver.outcome.explain_dropped`` does).

    A kept route may hold a visit the pre-checks now rule out (a plan the records have
    outgrown); such a visit stays on its route, for the checker to judge.
    """
    ruled_out, visits, candidates = pre_check(reduced)
    routed = {stop.visit_id for route in routes for stop in route.stops}
    unassigned = [item for item in ruled_out if item.visit_id not in routed]
    unassigned += explain_dropped(reduced, visits, candidates, routes, deadline)
    return finish(reduced, routes, unassigned, stats)


def _reduced_params(
    reduced: Problem, params: Params, replan: Replan, frozen: Mapping[str, FrozenRoute]
) -> Params:
    """Start from the current plan, each route cut to what still fits its day."""
    visits = {visit.id: visit for visit in reduced.visits}
    warm: dict[str, tuple[str, ...]] = {}
    by_therapist = {route.therapist_id: route for route in replan.routes}
    for therapist in reduced.therapists:
        current = by_therapist.get(therapist.id)
        if current is None:
            continue
        durations = reduced.matrix_for(therapist).duration_rows
        kept: list[Visit] = []
        for stop in current.stops:
            visit = visits.get(stop.visit_id)
            if visit is not None and earliest_end(therapist, [*kept, visit], durations) is not None:
                kept.append(visit)
        if kept:
            warm[therapist.id] = tuple(visit.id for visit in kept)
    frozen_ids = {vid for route in frozen.values() for vid in route.visit_ids}
    locked = None
    if params.locked_prefixes:
        locked = {
            tid: tuple(vid for vid in prefix if vid not in frozen_ids)
            for tid, prefix in params.locked_prefixes.items()
        }
    return replace(params, warm_start=warm or None, locked_prefixes=locked)


# --- back to the whole day -------------------------------------------------------------


def stitched(
    problem: Problem, reduced_routes: tuple[Route, ...], frozen: Mapping[str, FrozenRoute]
) -> tuple[Route, ...]:
    """Frozen stops first, at their times, then the reduced day's route."""
    visits = {visit.id: visit for visit in problem.visits}
    routes = []
    for therapist, route in zip(problem.therapists, reduced_routes, strict=True):
        done = frozen.get(therapist.id)
        if done is None:
            routes.append(route)
            continue
        stops = [(visits[s.visit_id], s.start_s, s.end_s) for s in done.stops]
        stops += [(visits[s.visit_id], s.start_s, s.end_s) for s in route.stops]
        pause = done.break_span
        if pause is None and route.break_start_s is not None and route.break_end_s is not None:
            pause = (route.break_start_s, route.break_end_s)
        routes.append(route_at_times(problem, therapist, stops, done.start_s, pause))
    return tuple(routes)


def retime_route(problem: Problem, therapist: Therapist, visit_ids: Sequence[str]) -> Route:
    """A route in the given order, timed as ``solver.timing.time_route`` does; in a re-plan
    its frozen stops keep their times and the rest starts where the last one ended.

    A manual edit of a re-planned draft uses it: an order that moves a frozen stop keeps
    that stop's place in the order, and the checker reports the broken lock.
    """
    if problem.replan is None:
        visits = {v.id: v for v in problem.visits}
        return time_route(problem, therapist, [visits[v] for v in visit_ids])
    frozen = frozen_routes(problem)
    done = frozen.get(therapist.id)
    if done is None or list(visit_ids[: len(done.stops)]) != list(done.visit_ids):
        visits = {v.id: v for v in problem.visits}
        return time_route(problem, therapist, [visits[v] for v in visit_ids])
    reduced, _ = reduced_day(problem, problem.replan, frozen)
    index = next(i for i, t in enumerate(problem.therapists) if t.id == therapist.id)
    rest = {v.id: v for v in reduced.visits}
    order = [rest[v] for v in visit_ids[len(done.stops) :] if v in rest]
    routes = tuple(
        time_route(reduced, t, order) if i == index else Route(t.id)
        for i, t in enumerate(reduced.therapists)
    )
    return stitched(problem, routes, frozen)[index]
