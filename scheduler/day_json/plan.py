"""The plan JSON of DESIGN.md section 9, from a parsed problem and the solver's ``Solution``.

Times are ``HH:MM:SS`` on the wall clock of the plan's date in its zone (hours go past 23
when a route runs past midnight), turned from the solver's elapsed seconds by the day's
``DayClock``; durations stay in seconds; distances are null when the problem has no
distances.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from solver.changes import Changes, Placement, plan_changes
from solver.kpis import has_distances, plan_kpis
from solver.solution import Route, SolveStatus

if TYPE_CHECKING:
    from scheduler.day_json.problem import ParsedProblem
    from scheduler.local_time import DayClock
    from solver.problem import Problem
    from solver.solution import Solution

JsonObject = dict[str, object]


def plan_to_json(parsed: ParsedProblem, solution: Solution) -> JsonObject:
    """The plan JSON: status, error, date, timezone, routes, unassigned, kpis, solver; a
    re-plan adds ``changes`` and ``notify``."""
    problem, clock = parsed.problem, parsed.clock
    with_distances = has_distances(problem)
    routes = _routes_in_input_order(problem, solution)
    plan: JsonObject = {
        "status": solution.status.value,
        "error": solution.error,
        "date": parsed.date.isoformat(),
        "timezone": parsed.timezone,
        "routes": [_solved_route_json(clock, route, with_distances) for route in routes],
        "unassigned": [
            {"visit_id": item.visit_id, "reason": item.reason.value, "message": item.message}
            for item in solution.unassigned
        ],
        "kpis": plan_kpis(problem, routes).to_json(),
        "solver": {
            "wall_s": round(solution.stats.wall_s, 3),
            "first_solution_s": _round_or_none(solution.stats.first_solution_s),
            "solutions_found": solution.stats.solutions_found,
            "strategy": solution.stats.strategy,
        },
    }
    if problem.replan is not None and solution.status != SolveStatus.FAILED:
        plan |= changes_json(clock, plan_changes(problem, solution))
    return plan


def changes_json(clock: DayClock, changes: Changes) -> JsonObject:
    """``changes`` (one entry per changed visit) and ``notify`` (whom to tell)."""
    return {
        "changes": [
            {
                "visit_id": change.visit_id,
                "change": change.kind.value,
                "before": _placement_json(clock, change.before),
                "after": _placement_json(clock, change.after),
                "reason": None if change.reason is None else change.reason.value,
                "message": change.message,
            }
            for change in changes.changes
        ],
        "notify": {
            "therapists": list(changes.therapists_to_tell),
            "visits": list(changes.visits_to_tell),
        },
    }


def _placement_json(clock: DayClock, placement: Placement | None) -> JsonObject | None:
    if placement is None:
        return None
    return {"therapist_id": placement.therapist_id, "start": clock.hhmmss(placement.start_s)}


def _round_or_none(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def _routes_in_input_order(problem: Problem, solution: Solution) -> list[Route]:
    """One route per therapist, in the problem's order; an empty one where none was given."""
    by_therapist = {route.therapist_id: route for route in solution.routes}
    return [
        by_therapist.get(therapist.id) or Route(therapist_id=therapist.id)
        for therapist in problem.therapists
    ]


class StopTimes(Protocol):
    """A stop's figures, from a solve (``solver.Stop``) or from a stored plan (``PlanStop``)."""

    @property
    def arrival_s(self) -> int: ...
    @property
    def start_s(self) -> int: ...
    @property
    def end_s(self) -> int: ...
    @property
    def travel_s(self) -> int: ...
    @property
    def wait_s(self) -> int: ...


class RouteTimes(Protocol):
    """A route's figures, from a solve (``solver.Route``) or from a stored plan (``PlanRoute``)."""

    @property
    def start_s(self) -> int | None: ...
    @property
    def end_s(self) -> int | None: ...
    @property
    def break_start_s(self) -> int | None: ...
    @property
    def break_end_s(self) -> int | None: ...
    @property
    def travel_s(self) -> int: ...
    @property
    def work_s(self) -> int: ...


def break_json(
    clock: DayClock, used: bool, start_s: int | None, end_s: int | None
) -> JsonObject | None:
    """A used route's break as ``{"start", "end"}``, else None."""
    if not used or start_s is None or end_s is None:
        return None
    return {"start": clock.hhmmss(start_s), "end": clock.hhmmss(end_s)}


def route_json(
    clock: DayClock,
    therapist_id: str,
    route: RouteTimes,
    distance_m: int | None,
    stops: list[JsonObject],
) -> JsonObject:
    """One route of the plan JSON; an unused route (no stops) has null times and break."""
    used = bool(stops)
    return {
        "therapist_id": therapist_id,
        "start": clock.hhmmss(route.start_s) if used else None,
        "end": clock.hhmmss(route.end_s) if used else None,
        "travel_s": route.travel_s,
        "distance_m": distance_m,
        "work_s": route.work_s,
        "break": break_json(clock, used, route.break_start_s, route.break_end_s),
        "stops": stops,
    }


def stop_json(
    clock: DayClock, visit_id: str, stop: StopTimes, distance_m: int | None
) -> JsonObject:
    """One stop of the plan JSON."""
    return {
        "visit_id": visit_id,
        "arrival": clock.hhmmss(stop.arrival_s),
        "start": clock.hhmmss(stop.start_s),
        "end": clock.hhmmss(stop.end_s),
        "travel_s": stop.travel_s,
        "distance_m": distance_m,
        "wait_s": stop.wait_s,
    }


def _solved_route_json(clock: DayClock, route: Route, with_distances: bool) -> JsonObject:
    stops = [
        stop_json(clock, stop.visit_id, stop, (stop.distance_m or 0) if with_distances else None)
        for stop in route.stops
    ]
    distance_m = (route.distance_m or 0) if with_distances else None
    return route_json(clock, route.therapist_id, route, distance_m, stops)
