"""What every way of solving ends with: the pre-checks' split, the left-overs' reasons,
and the ``Solution`` with its cost recomputed from the routes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from solver.problem import Priority
from solver.reasons import eligibilities, probe_dropped, untried
from solver.solution import CostBreakdown, Solution, SolveStatus

# The order of the probe when time may run out: what matters most gets an exact reason.
PRIORITY_RANK = {Priority.MUST: 0, Priority.HIGH: 1, Priority.NORMAL: 2, Priority.LOW: 3}

if TYPE_CHECKING:
    from collections.abc import Sequence

    from solver.budget import Deadline
    from solver.problem import Problem, Visit
    from solver.solution import Route, SolveStats, Unassigned


def pre_check(
    problem: Problem,
) -> tuple[list[Unassigned], list[Visit], list[tuple[int, ...]]]:
    """The visits ruled out before the search, and the others with their therapists.

    Parameters
    ----------
    problem
        The planning day.

    Returns
    -------
    tuple
        The unassigned visits with their reasons, the routable visits, and for each
        routable visit the indices of the therapists that may do it.
    """
    checks = eligibilities(problem)
    unassigned = [c.unassigned for c in checks if c.unassigned is not None]
    routable = [
        (v, c.candidates) for v, c in zip(problem.visits, checks, strict=True) if c.candidates
    ]
    return unassigned, [v for v, _ in routable], [c for _, c in routable]


def explain_dropped(
    problem: Problem,
    visits: list[Visit],
    candidates: list[tuple[int, ...]],
    routes: tuple[Route, ...],
    deadline: Deadline | None = None,
) -> list[Unassigned]:
    """Reasons for the visits that passed the pre-checks but are on no route.

    Parameters
    ----------
    problem
        The planning day.
    visits, candidates
        The visits that passed the pre-checks and their therapists' indices.
    routes
        The plan's routes, one per therapist in the problem's order.
    deadline
        Visits are probed in priority order (every ``must`` first); once it has passed,
        a visit with one therapist (a pin: one route to try) is still probed, any other
        gets the reason that the time ran out (``solver.reasons.untried``). None probes
        every visit.

    Returns
    -------
    list[Unassigned]
        One entry per routable visit that is on no route, in the order of ``visits``.
    """
    matrices = {mode: travel.duration_rows for mode, travel in problem.travel.items()}
    # Every visit of the day: a kept route (a re-plan's) may hold one the pre-checks rule out.
    by_id = {v.id: v for v in problem.visits}
    route_visits = [[by_id[s.visit_id] for s in r.stops] for r in routes]
    routed = {s.visit_id for r in routes for s in r.stops}
    dropped = [i for i, visit in enumerate(visits) if visit.id not in routed]
    dropped.sort(key=lambda i: PRIORITY_RANK[visits[i].priority])
    reasons: dict[int, Unassigned] = {}
    for i in dropped:
        if len(candidates[i]) > 1 and deadline is not None and deadline.passed():
            reasons[i] = untried(visits[i])
        else:
            reasons[i] = probe_dropped(problem, visits[i], candidates[i], route_visits, matrices)
    return [reasons[i] for i in sorted(reasons)]


def finish(
    problem: Problem, routes: tuple[Route, ...], unassigned: list[Unassigned], stats: SolveStats
) -> Solution:
    """The solution of these routes, the unassigned visits in the problem's order.

    Parameters
    ----------
    problem
        The planning day.
    routes
        One route per therapist, in the problem's order.
    unassigned
        Every visit on no route, with its reason (sorted in place).
    stats
        The search's statistics.

    Returns
    -------
    Solution
        ``PARTIAL`` when a visit is left out, else ``COMPLETE``, with its cost breakdown.
    """
    order = {v.id: i for i, v in enumerate(problem.visits)}
    unassigned.sort(key=lambda u: order[u.visit_id])
    status = SolveStatus.PARTIAL if unassigned else SolveStatus.COMPLETE
    return Solution(
        status, routes, tuple(unassigned), cost_breakdown(problem, routes, unassigned), stats
    )


def cost_breakdown(
    problem: Problem, routes: tuple[Route, ...], unassigned: list[Unassigned]
) -> CostBreakdown:
    """The objective's parts, recomputed from the routes (not read from OR-Tools).

    Parameters
    ----------
    problem
        The planning day (its weights).
    routes
        The plan's routes.
    unassigned
        The visits on no route.

    Returns
    -------
    CostBreakdown
        Travel, distance, overtime, preference misses, drop penalties, the objective
        and waiting.
    """
    return _breakdown(problem, routes, [u.visit_id for u in unassigned])


def objective(problem: Problem, routes: tuple[Route, ...], dropped: Sequence[str]) -> int:
    """The objective of these routes with the ``dropped`` visit ids left out.

    Parameters
    ----------
    problem
        The planning day (or a part of it) that holds the routes' therapists and visits.
    routes
        The routes.
    dropped
        The ids of the visits on no route.

    Returns
    -------
    int
        ``cost_breakdown``'s objective, without building reasons for the left-out visits.
    """
    return _breakdown(problem, routes, dropped).objective


def _breakdown(
    problem: Problem, routes: tuple[Route, ...], dropped_ids: Sequence[str]
) -> CostBreakdown:
    weights = problem.weights
    therapists = {t.id: t for t in problem.therapists}
    visits = {v.id: v for v in problem.visits}
    travel_s = sum(r.travel_s for r in routes)
    distances = [r.distance_m for r in routes]
    distance_m = None if any(d is None for d in distances) else sum(d or 0 for d in distances)
    overtime_s = sum(
        max(0, r.end_s - therapists[r.therapist_id].shift_end_s)
        for r in routes
        if r.end_s is not None
    )
    misses = sum(
        1
        for r in routes
        for s in r.stops
        if visits[s.visit_id].preferred_therapists
        and r.therapist_id not in visits[s.visit_id].preferred_therapists
    )
    waiting_s = sum(s.wait_s for r in routes for s in r.stops)
    dropped = sum(weights.drop_cost(visits[v]) for v in dropped_ids)
    used = sum(1 for r in routes if r.is_used)
    objective = (
        travel_s * weights.travel_per_s
        + (distance_m or 0) * weights.distance_per_m
        + overtime_s * weights.overtime_per_s
        + waiting_s * weights.waiting_per_s
        + misses * weights.preference_miss
        + dropped
        + used * weights.therapist_fixed
    )
    return CostBreakdown(travel_s, distance_m, overtime_s, misses, dropped, objective, waiting_s)
