"""Between the solver's ``Solution`` and the stored plan rows, both ways.

Solver ids are ``external_id``s; rows hold database ids (``DayProblem`` maps them). Stored
times are the solver's seconds from local midnight, so a plan reads back exactly.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scheduler.models import PlanRoute, PlanStop, PlanUnassigned
from solver.kpis import plan_kpis
from solver.solution import (
    Route,
    Solution,
    SolveStatus,
    Stop,
    Unassigned,
    UnassignedReason,
)

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from scheduler.models import Plan
    from scheduler.planning.build import DayProblem
    from solver.check import Violation

JsonObject = dict[str, Any]


def store_solution(plan: Plan, day: DayProblem, solution: Solution) -> None:
    """Routes (one per therapist on shift, unused ones empty), unassigned visits and KPIs."""
    routes = {route.therapist_id: route for route in solution.routes}
    plan.routes = [
        route_row(routes.get(t.id) or Route(t.id), day.therapist_ids[t.id], day.visit_ids)
        for t in day.problem.therapists
    ]
    plan.unassigned = [
        PlanUnassigned(
            visit_id=day.visit_ids[item.visit_id], reason=item.reason.value, message=item.message
        )
        for item in solution.unassigned
    ]
    plan.kpis = plan_kpis(day.problem, solution.routes).to_json()
    plan.solver_stats = stats_json(solution)


def route_row(route: Route, therapist_id: int, visit_ids: Mapping[str, int]) -> PlanRoute:
    """A new ``PlanRoute`` with its stops."""
    row = PlanRoute(therapist_id=therapist_id)
    set_route_times(row, route)
    row.stops = stop_rows(route, visit_ids)
    return row


def set_route_times(row: PlanRoute, route: Route) -> None:
    """Copy a route's times and totals (not its stops) onto a stored route."""
    row.start_s, row.end_s = route.start_s, route.end_s
    row.break_start_s, row.break_end_s = route.break_start_s, route.break_end_s
    row.travel_s, row.distance_m, row.work_s = route.travel_s, route.distance_m, route.work_s


def stop_rows(route: Route, visit_ids: Mapping[str, int]) -> list[PlanStop]:
    return [
        PlanStop(
            visit_id=visit_ids[stop.visit_id],
            position=position,
            arrival_s=stop.arrival_s,
            start_s=stop.start_s,
            end_s=stop.end_s,
            travel_s=stop.travel_s,
            distance_m=stop.distance_m,
            wait_s=stop.wait_s,
        )
        for position, stop in enumerate(route.stops)
    ]


def plan_solution(plan: Plan) -> Solution:
    """The stored plan as the solver's ``Solution`` (solver ids), for the checker and KPIs."""
    routes = tuple(
        Route(
            therapist_id=row.therapist.external_id,
            stops=tuple(_stop(stop) for stop in row.stops),
            start_s=row.start_s,
            end_s=row.end_s,
            break_start_s=row.break_start_s,
            break_end_s=row.break_end_s,
            travel_s=row.travel_s,
            distance_m=row.distance_m,
            work_s=row.work_s,
        )
        for row in plan.routes
    )
    unassigned = tuple(
        Unassigned(item.visit.external_id, UnassignedReason(item.reason), item.message)
        for item in plan.unassigned
    )
    status = SolveStatus.PARTIAL if unassigned else SolveStatus.COMPLETE
    return Solution(status, routes=routes, unassigned=unassigned)


def _stop(stop: PlanStop) -> Stop:
    return Stop(
        visit_id=stop.visit.external_id,
        arrival_s=stop.arrival_s,
        start_s=stop.start_s,
        end_s=stop.end_s,
        travel_s=stop.travel_s,
        distance_m=stop.distance_m,
        wait_s=stop.wait_s,
    )


def stats_json(solution: Solution) -> JsonObject:
    """The plan JSON's ``solver`` object, with the objective's value."""
    stats = solution.stats
    first_s = stats.first_solution_s
    return {
        "wall_s": round(stats.wall_s, 3),
        "first_solution_s": None if first_s is None else round(first_s, 3),
        "solutions_found": stats.solutions_found,
        "strategy": stats.strategy,
        "objective": solution.cost.objective,
    }


def violations_json(violations: Iterable[Violation]) -> list[JsonObject]:
    return [
        {
            "kind": violation.kind.value,
            "message": violation.message,
            "therapist_id": violation.therapist_id,
            "visit_id": violation.visit_id,
        }
        for violation in violations
    ]
