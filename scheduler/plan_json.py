"""The plan JSON of DESIGN.md section 9, from a parsed problem and the solver's ``Solution``.

Times are ``HH:MM:SS`` from the local midnight of the plan's date (hours go past 23 when a
route runs past midnight); durations stay in seconds; distances are null when the problem
has no distances.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, overload

from solver.solution import Route

if TYPE_CHECKING:
    from scheduler.problem_json import ParsedProblem
    from solver.problem import Problem
    from solver.solution import Solution, Stop

JsonObject = dict[str, object]


def plan_to_json(parsed: ParsedProblem, solution: Solution) -> JsonObject:
    """The plan JSON: status, error, date, timezone, routes, unassigned, kpis, solver."""
    problem = parsed.problem
    with_distances = _has_distances(problem)
    routes = _routes_in_input_order(problem, solution)
    return {
        "status": solution.status.value,
        "error": solution.error,
        "date": parsed.date.isoformat(),
        "timezone": parsed.timezone,
        "routes": [_route_json(route, with_distances) for route in routes],
        "unassigned": [
            {"visit_id": item.visit_id, "reason": item.reason.value, "message": item.message}
            for item in solution.unassigned
        ],
        "kpis": _kpis(problem, routes, with_distances),
        "solver": {
            "wall_s": round(solution.stats.wall_s, 3),
            "first_solution_s": _round_or_none(solution.stats.first_solution_s),
            "solutions_found": solution.stats.solutions_found,
            "strategy": solution.stats.strategy,
        },
    }


def plan_kpis(problem: Problem, solution: Solution) -> JsonObject:
    """The ``kpis`` object of the plan JSON, for any plan of ``problem`` (stored plans too)."""
    routes = _routes_in_input_order(problem, solution)
    return _kpis(problem, routes, _has_distances(problem))


@overload
def format_clock(seconds: int) -> str: ...
@overload
def format_clock(seconds: int | None) -> str | None: ...
def format_clock(seconds: int | None) -> str | None:
    """``HH:MM:SS`` from midnight; hours past 23 on the next day; None stays None."""
    if seconds is None:
        return None
    sign = "-" if seconds < 0 else ""
    hours, rest = divmod(abs(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{sign}{hours:02d}:{minutes:02d}:{secs:02d}"


def _has_distances(problem: Problem) -> bool:
    return all(matrix.distances_m is not None for matrix in problem.travel.values())


def _round_or_none(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def _routes_in_input_order(problem: Problem, solution: Solution) -> list[Route]:
    """One route per therapist, in the problem's order; an empty one where none was given."""
    by_therapist = {route.therapist_id: route for route in solution.routes}
    return [
        by_therapist.get(therapist.id) or Route(therapist_id=therapist.id)
        for therapist in problem.therapists
    ]


def break_json(used: bool, start_s: int | None, end_s: int | None) -> JsonObject | None:
    """A used route's break as ``{"start", "end"}``, else None."""
    if not used or start_s is None or end_s is None:
        return None
    return {"start": format_clock(start_s), "end": format_clock(end_s)}


def _route_json(route: Route, with_distances: bool) -> JsonObject:
    used = route.is_used
    pause = break_json(used, route.break_start_s, route.break_end_s)
    return {
        "therapist_id": route.therapist_id,
        "start": format_clock(route.start_s) if used else None,
        "end": format_clock(route.end_s) if used else None,
        "travel_s": route.travel_s,
        "distance_m": (route.distance_m or 0) if with_distances else None,
        "work_s": route.work_s,
        "break": pause,
        "stops": [_stop_json(stop, with_distances) for stop in route.stops],
    }


def _stop_json(stop: Stop, with_distances: bool) -> JsonObject:
    return {
        "visit_id": stop.visit_id,
        "arrival": format_clock(stop.arrival_s),
        "start": format_clock(stop.start_s),
        "end": format_clock(stop.end_s),
        "travel_s": stop.travel_s,
        "distance_m": (stop.distance_m or 0) if with_distances else None,
        "wait_s": stop.wait_s,
    }


def _kpis(problem: Problem, routes: list[Route], with_distances: bool) -> JsonObject:
    shift_end_s = {therapist.id: therapist.shift_end_s for therapist in problem.therapists}
    service_s = sum(stop.end_s - stop.start_s for route in routes for stop in route.stops)
    work_s = sum(route.work_s for route in routes)
    overtime_s = sum(
        max(0, route.end_s - shift_end_s[route.therapist_id])
        for route in routes
        if route.is_used and route.end_s is not None
    )
    hits, misses = _preference_counts(problem, routes)
    return {
        "visits_total": len(problem.visits),
        "visits_planned": sum(len(route.stops) for route in routes),
        "travel_s": sum(route.travel_s for route in routes),
        "distance_m": sum(route.distance_m or 0 for route in routes) if with_distances else None,
        "overtime_s": overtime_s,
        "preferred_hits": hits,
        "preferred_misses": misses,
        "utilisation": round(service_s / work_s, 3) if work_s > 0 else 0.0,
    }


def _preference_counts(problem: Problem, routes: list[Route]) -> tuple[int, int]:
    """Planned visits with preferred therapists: done by one of them (hit) or not (miss)."""
    preferred = {visit.id: visit.preferred_therapists for visit in problem.visits}
    hits = misses = 0
    for route in routes:
        for stop in route.stops:
            wanted = preferred.get(stop.visit_id)
            if not wanted:
                continue
            if route.therapist_id in wanted:
                hits += 1
            else:
                misses += 1
    return hits, misses
