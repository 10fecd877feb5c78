"""The figures a coordinator judges a plan by, from any plan of a problem.

One definition for the plan JSON written from a solve and for stored plans, whose figures
are kept with the plan when it is solved or edited.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

    from solver.problem import Problem
    from solver.solution import Route


@dataclass(frozen=True)
class Kpis:
    """The plan JSON's ``kpis``: ``distance_m`` is None when the problem has no distances,
    ``utilisation`` is service time over work time."""

    visits_total: int
    visits_planned: int
    travel_s: int
    distance_m: int | None
    overtime_s: int
    preferred_hits: int
    preferred_misses: int
    utilisation: float
    waiting_s: int = 0

    def to_json(self) -> dict[str, int | float | None]:
        """The plan JSON's ``kpis`` object, as stored with each plan."""
        return dataclasses.asdict(self)


def has_distances(problem: Problem) -> bool:
    """Whether every travel matrix of the problem has distances."""
    return all(matrix.distances_m is not None for matrix in problem.travel.values())


def plan_kpis(problem: Problem, routes: Sequence[Route]) -> Kpis:
    """The KPIs of a plan of ``problem`` with these routes (unused ones count nothing).

    Parameters
    ----------
    problem
        The day the routes plan.
    routes
        The plan's routes, in any order; routes of therapists not in ``problem`` are left out.
    """
    shift_end_s = {therapist.id: therapist.shift_end_s for therapist in problem.therapists}
    # A stored route of a therapist no longer on shift is not part of this problem's plan.
    routes = [route for route in routes if route.therapist_id in shift_end_s]
    service_s = sum(stop.end_s - stop.start_s for route in routes for stop in route.stops)
    work_s = sum(route.work_s for route in routes)
    overtime_s = sum(
        max(0, route.end_s - shift_end_s[route.therapist_id])
        for route in routes
        if route.is_used and route.end_s is not None
    )
    hits, misses = _preference_counts(problem, routes)
    distance_m = sum(route.distance_m or 0 for route in routes)
    return Kpis(
        visits_total=len(problem.visits),
        visits_planned=sum(len(route.stops) for route in routes),
        travel_s=sum(route.travel_s for route in routes),
        distance_m=distance_m if has_distances(problem) else None,
        overtime_s=overtime_s,
        preferred_hits=hits,
        preferred_misses=misses,
        utilisation=round(service_s / work_s, 3) if work_s > 0 else 0.0,
        waiting_s=sum(stop.wait_s for route in routes for stop in route.stops),
    )


def _preference_counts(problem: Problem, routes: Sequence[Route]) -> tuple[int, int]:
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
