"""``solve(problem, params) -> Solution``: pre-checks, search, read-out, reasons."""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from solver.construct import construct_routes
from solver.decompose import region_count, solve_by_regions
from solver.extract import read_routes
from solver.model import RoutingModel, build_model
from solver.params import FirstSolution, Params, Progress
from solver.portfolio import solve_portfolio
from solver.reasons import eligibilities, probe_dropped
from solver.search import (
    LARGE_DAY_VISITS,
    first_solution_value,
    search_parameters,
    strategy_name,
)
from solver.solution import (
    CostBreakdown,
    Route,
    Solution,
    SolveStats,
    SolveStatus,
    Unassigned,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

    from ortools.constraint_solver import pywrapcp

    from solver.problem import Problem, Visit


@dataclass
class _SearchLog:
    """Filled by the at-solution callback while the search runs."""

    started: float
    first_solution_s: float | None = None
    solutions_found: int = 0
    best_cost: int | None = None
    warm_start_read: bool = False


def solve(problem: Problem, params: Params | None = None) -> Solution:
    """Plan one day.

    Parameters
    ----------
    problem
        The day: travel matrices, therapists, visits, weights.
    params
        Search parameters; defaults to ``Params()``.

    Returns
    -------
    Solution
        One route per therapist (in the problem's order), every other visit unassigned
        with a reason. A search that finds nothing is ``SolveStatus.FAILED``, not an error.
    """
    params = params or Params()
    if params.workers > 1:
        return solve_portfolio(problem, params)
    started = time.monotonic()
    unassigned, visits, candidates = _pre_check(problem)
    if not problem.therapists or not visits:
        routes = tuple(Route(t.id) for t in problem.therapists)
        stats = SolveStats(wall_s=time.monotonic() - started, strategy="pre-checks only")
        return _finish(problem, routes, unassigned, stats)
    if _by_regions(problem, params, len(visits)):
        return _solve_by_regions(problem, params, visits, candidates, unassigned, started)
    return _solve_whole(problem, params, visits, candidates, unassigned, started)


def solve_routes(problem: Problem, params: Params) -> tuple[Route, ...]:
    """``solve``'s routes without the reasons for left-out visits.

    Regions use it: their left-overs are explained once, against the whole day.
    """
    started = time.monotonic()
    _, visits, candidates = _pre_check(problem)
    if not problem.therapists or not visits:
        return tuple(Route(t.id) for t in problem.therapists)
    return _solve_whole(problem, params, visits, candidates, [], started, explain=False).routes


def _pre_check(
    problem: Problem,
) -> tuple[list[Unassigned], list[Visit], list[tuple[int, ...]]]:
    """The visits ruled out before the search, and the others with their therapists."""
    checks = eligibilities(problem)
    unassigned = [c.unassigned for c in checks if c.unassigned is not None]
    routable = [
        (v, c.candidates) for v, c in zip(problem.visits, checks, strict=True) if c.candidates
    ]
    return unassigned, [v for v, _ in routable], [c for _, c in routable]


def _solve_whole(
    problem: Problem,
    params: Params,
    visits: list[Visit],
    candidates: list[tuple[int, ...]],
    unassigned: list[Unassigned],
    started: float,
    explain: bool = True,
) -> Solution:
    model = build_model(problem, visits, candidates)
    search = search_parameters(params, len(visits))
    if params.warm_start is None and _needs_own_construction(params, len(visits)):
        params = replace(params, warm_start=construct_routes(problem, visits, candidates))
    log = _SearchLog(started)
    model.routing.AddAtSolutionCallback(lambda: _on_solution(model, log, params))
    assignment = _run_search(model, search, params, log)
    if assignment is None:
        assignment = _run_fallbacks(model, search, params, log)
    strategy = strategy_name(search, log.warm_start_read)
    if assignment is None:
        return Solution(
            SolveStatus.FAILED,
            routes=tuple(Route(t.id) for t in problem.therapists),
            stats=SolveStats(time.monotonic() - started, None, log.solutions_found, strategy),
            error="the search found no plan within the time limit",
        )
    routes = read_routes(model, assignment)
    if explain:
        unassigned += _probe_dropped(problem, visits, candidates, routes)
    stats = SolveStats(
        time.monotonic() - started, log.first_solution_s, log.solutions_found, strategy
    )
    return _finish(problem, routes, unassigned, stats)


def _by_regions(problem: Problem, params: Params, visit_count: int) -> bool:
    return (
        params.first_solution == FirstSolution.AUTO
        and params.warm_start is None
        and params.locked_prefixes is None
        and visit_count > LARGE_DAY_VISITS
        and region_count(problem) > 1
    )


def _solve_by_regions(
    problem: Problem,
    params: Params,
    visits: list[Visit],
    candidates: list[tuple[int, ...]],
    unassigned: list[Unassigned],
    started: float,
) -> Solution:
    """Regions solved in turn (``solver.decompose``), merged, left-overs probed."""
    log = _SearchLog(started)
    counting = replace(params, on_progress=lambda p: _count_region_solution(log, params, p))
    by_therapist, construction_s = solve_by_regions(problem, counting, visits, candidates)
    routes = tuple(by_therapist[t.id] for t in problem.therapists)
    unassigned += _probe_dropped(problem, visits, candidates, routes)
    stats = SolveStats(
        time.monotonic() - started,
        construction_s,
        log.solutions_found,
        f"OWN_INSERTION + {region_count(problem)} regions, {params.metaheuristic.name}",
    )
    return _finish(problem, routes, unassigned, stats)


def _run_search(
    model: RoutingModel,
    search: pywrapcp.DefaultRoutingSearchParameters,
    params: Params,
    log: _SearchLog,
) -> pywrapcp.Assignment | None:
    """Solve, from the warm start and with the locks when given.

    The model must be closed with our parameters before routes are read, or reading
    them closes it with the defaults.
    """
    routing = model.routing
    if not params.warm_start and not params.locked_prefixes:
        if search.use_iterated_local_search:
            # SolveWithParameters stops ILS after its first descent.
            return routing.SolveWithIteratedLocalSearch(search)
        return routing.SolveWithParameters(search)
    routing.CloseModelWithParameters(search)
    if params.locked_prefixes:
        routing.ApplyLocksToAllVehicles(_indices(model, params.locked_prefixes), False)
    if params.warm_start:
        initial = routing.ReadAssignmentFromRoutes(_indices(model, params.warm_start), True)
        if initial is not None:
            log.warm_start_read = True
            return routing.SolveFromAssignmentWithParameters(initial, search)
    return routing.SolveWithParameters(search)


# Parallel cheapest insertion sometimes builds nothing at all (seen on days whose visits
# all fit nowhere but one narrow slot); these always build something when every visit
# may be dropped.
FALLBACKS = (FirstSolution.LOCAL_CHEAPEST_INSERTION, FirstSolution.PATH_CHEAPEST_ARC)


def _run_fallbacks(
    model: RoutingModel,
    search: pywrapcp.DefaultRoutingSearchParameters,
    params: Params,
    log: _SearchLog,
) -> pywrapcp.Assignment | None:
    """Retry with other construction heuristics in the time that is left."""
    for first in FALLBACKS:
        remaining_s = params.time_limit_s - (time.monotonic() - log.started)
        if remaining_s <= 0:
            return None
        search.first_solution_strategy = first_solution_value(first)
        search.time_limit.FromMilliseconds(int(remaining_s * 1000))
        assignment = _run_search(model, search, params, log)
        if assignment is not None:
            return assignment
    return None


def _indices(model: RoutingModel, routes: Mapping[str, tuple[str, ...]]) -> list[list[int]]:
    node_of = {v.id: node for node, v in enumerate(model.visits)}
    return [
        [model.visit_index(node_of[v]) for v in routes.get(t.id, ()) if v in node_of]
        for t in model.therapists
    ]


def _on_solution(model: RoutingModel, log: _SearchLog, params: Params) -> None:
    """Count improving solutions only: the local search reports every accepted move."""
    cost = int(model.routing.CostVar().Max())
    if log.best_cost is not None and cost >= log.best_cost:
        return
    elapsed = time.monotonic() - log.started
    log.best_cost = cost
    log.solutions_found += 1
    if log.first_solution_s is None:
        log.first_solution_s = elapsed
    if params.on_progress is not None:
        params.on_progress(Progress(elapsed, cost, log.solutions_found))


def _needs_own_construction(params: Params, visit_count: int) -> bool:
    return params.first_solution == FirstSolution.OWN_INSERTION or (
        params.first_solution == FirstSolution.AUTO and visit_count > LARGE_DAY_VISITS
    )


def _count_region_solution(log: _SearchLog, params: Params, progress: Progress) -> None:
    log.solutions_found = progress.solutions_found
    if params.on_progress is not None:
        params.on_progress(progress)


def _probe_dropped(
    problem: Problem,
    visits: list[Visit],
    candidates: list[tuple[int, ...]],
    routes: tuple[Route, ...],
) -> list[Unassigned]:
    """Reasons for the visits that passed the pre-checks but are on no route."""
    matrices = {mode: travel.duration_rows for mode, travel in problem.travel.items()}
    by_id = {v.id: v for v in visits}
    route_visits = [[by_id[s.visit_id] for s in r.stops] for r in routes]
    routed = {s.visit_id for r in routes for s in r.stops}
    return [
        probe_dropped(problem, visit, allowed, route_visits, matrices)
        for visit, allowed in zip(visits, candidates, strict=True)
        if visit.id not in routed
    ]


def _finish(
    problem: Problem, routes: tuple[Route, ...], unassigned: list[Unassigned], stats: SolveStats
) -> Solution:
    order = {v.id: i for i, v in enumerate(problem.visits)}
    unassigned.sort(key=lambda u: order[u.visit_id])
    status = SolveStatus.PARTIAL if unassigned else SolveStatus.COMPLETE
    return Solution(
        status, routes, tuple(unassigned), cost_breakdown(problem, routes, unassigned), stats
    )


def cost_breakdown(
    problem: Problem, routes: tuple[Route, ...], unassigned: list[Unassigned]
) -> CostBreakdown:
    """The objective's parts, recomputed from the routes (not read from OR-Tools)."""
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
    dropped = sum(weights.drop_penalty[visits[u.visit_id].priority] for u in unassigned)
    used = sum(1 for r in routes if r.is_used)
    objective = (
        travel_s * weights.travel_per_s
        + (distance_m or 0) * weights.distance_per_m
        + overtime_s * weights.overtime_per_s
        + misses * weights.preference_miss
        + dropped
        + used * weights.therapist_fixed
    )
    return CostBreakdown(travel_s, distance_m, overtime_s, misses, dropped, objective)
