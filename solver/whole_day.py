"""One OR-Tools search over a whole day (or one region of it, given as a day of its own).

It builds the model, runs the search from a warm start or our construction where that
helps, falls back to other construction heuristics when the first finds nothing, and
reads the routes out. It imports nothing that solves: the region and portfolio layers
above call it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from solver.construct import construct_routes
from solver.extract import read_routes
from solver.model import RoutingModel, build_model
from solver.outcome import explain_dropped, finish, pre_check
from solver.params import FirstSolution, Params, Progress, stall_limit
from solver.repair import insert_left_out, warm_start_routes
from solver.search import (
    LARGE_DAY_VISITS,
    first_solution_value,
    search_parameters,
    strategy_name,
)
from solver.solution import Route, Solution, SolveStats, SolveStatus

if TYPE_CHECKING:
    from collections.abc import Mapping

    from ortools.constraint_solver import pywrapcp

    from solver.problem import Problem, Visit
    from solver.solution import Unassigned


@dataclass
class SearchLog:
    """Filled by the at-solution callback while the search runs."""

    started: float
    first_solution_s: float | None = None
    solutions_found: int = 0
    best_cost: int | None = None
    warm_start_read: bool = False
    stall_limit: int = 0
    since_best: int = 0

    @property
    def stalled(self) -> bool:
        return 0 < self.stall_limit <= self.since_best


def solve_routes(problem: Problem, params: Params) -> tuple[Route, ...]:
    """The whole-day search's routes without the reasons for left-out visits.

    Regions use it: their left-overs are explained once, against the whole day.

    Parameters
    ----------
    problem
        The day, or one region of it.
    params
        Search parameters (time limit, seed, metaheuristic, warm start).

    Returns
    -------
    tuple[Route, ...]
        One route per therapist, in the problem's order.
    """
    started = time.monotonic()
    _, visits, candidates = pre_check(problem)
    if not problem.therapists or not visits:
        return tuple(Route(t.id) for t in problem.therapists)
    return solve_whole(problem, params, visits, candidates, [], started, explain=False).routes


def solve_whole(
    problem: Problem,
    params: Params,
    visits: list[Visit],
    candidates: list[tuple[int, ...]],
    unassigned: list[Unassigned],
    started: float,
    explain: bool = True,
) -> Solution:
    """Search the whole day in one routing model.

    Parameters
    ----------
    problem
        The planning day.
    params
        Search parameters.
    visits, candidates
        The visits that passed the pre-checks and their therapists' indices.
    unassigned
        The visits the pre-checks ruled out; the probed left-overs are added to it.
    started
        ``time.monotonic()`` when the solve began (the statistics count from it).
    explain
        Whether to insert the left-out visits that fit (``solver.repair``) and probe
        the rest for their reasons; regions leave both to the whole day.

    Returns
    -------
    Solution
        ``SolveStatus.FAILED`` with empty routes when the search finds nothing.
    """
    model = build_model(problem, visits, candidates)
    search = search_parameters(params, len(visits))
    if params.warm_start is None and _needs_own_construction(params, len(visits)):
        params = replace(params, warm_start=construct_routes(problem, visits, candidates))
    log = SearchLog(started, stall_limit=stall_limit(params, len(visits)))
    model.routing.AddAtSolutionCallback(lambda: _on_solution(model, log, params))
    model.routing.AddSearchMonitor(model.routing.solver().CustomLimit(lambda: log.stalled))
    assignment = _run_search(model, search, params, log)
    if assignment is None and not _closed_with_start(params):
        assignment = _run_fallbacks(model, search, params, log)
    strategy = strategy_name(search, log.warm_start_read)
    if log.stalled:
        strategy += f", stopped after {log.since_best} solutions without improvement"
    if assignment is not None:
        routes = read_routes(model, assignment)
    elif params.warm_start and not params.locked_prefixes:
        routes = warm_start_routes(problem, visits, params.warm_start)
        strategy = "WARM_START only (the search returned no plan in its time)"
    else:
        return Solution(
            SolveStatus.FAILED,
            routes=tuple(Route(t.id) for t in problem.therapists),
            stats=SolveStats(time.monotonic() - started, None, log.solutions_found, strategy),
            error="the search found no plan within the time limit",
        )
    if explain:
        routes = insert_left_out(problem, visits, candidates, routes)
        unassigned += explain_dropped(problem, visits, candidates, routes)
    stats = SolveStats(
        time.monotonic() - started, log.first_solution_s, log.solutions_found, strategy
    )
    return finish(problem, routes, unassigned, stats)


def _run_search(
    model: RoutingModel,
    search: pywrapcp.DefaultRoutingSearchParameters,
    params: Params,
    log: SearchLog,
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
        # Reading the start is a search under the same time limit; when it fails, the
        # caller keeps the start itself rather than a plan from scratch in what is left.
        initial = routing.ReadAssignmentFromRoutes(_indices(model, params.warm_start), True)
        if initial is None:
            return None
        log.warm_start_read = True
        return routing.SolveFromAssignmentWithParameters(initial, search)
    return routing.SolveWithParameters(search)


def _closed_with_start(params: Params) -> bool:
    """A warm start or locks close the model, whose construction can then not change
    (OR-Tools logs "Model already closed" and ignores the new strategy)."""
    return bool(params.warm_start or params.locked_prefixes)


# Parallel cheapest insertion sometimes builds nothing at all (seen on days whose visits
# all fit nowhere but one narrow slot); these always build something when every visit
# may be dropped.
FALLBACKS = (FirstSolution.LOCAL_CHEAPEST_INSERTION, FirstSolution.PATH_CHEAPEST_ARC)


def _run_fallbacks(
    model: RoutingModel,
    search: pywrapcp.DefaultRoutingSearchParameters,
    params: Params,
    log: SearchLog,
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


def _on_solution(model: RoutingModel, log: SearchLog, params: Params) -> None:
    """Count improving solutions, and the run of others since the last one (the stall)."""
    cost = int(model.routing.CostVar().Max())
    if log.best_cost is not None and cost >= log.best_cost:
        log.since_best += 1
        return
    log.since_best = 0
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
