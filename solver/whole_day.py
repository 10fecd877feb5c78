"""One OR-Tools search over a whole day (or a neighbourhood of it, given as a day of its own).

It builds the model, runs the search from a warm start or our construction where that
helps, falls back to other construction heuristics when the first finds nothing, and
reads the routes out. It imports nothing that solves: the neighbourhood and portfolio layers
above call it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from solver.budget import Deadline, expected_left_out, search_deadline, search_time_left_s
from solver.construct import construct_routes
from solver.extract import read_routes
from solver.model import RoutingModel, build_model
from solver.outcome import explain_dropped, finish, pre_check
from solver.params import FirstSolution, Params, Progress, stall_limit
from solver.repair import insert_left_out, warm_start_routes
from solver.retime import leave_later
from solver.search import (
    LARGE_DAY_VISITS,
    first_solution_value,
    search_parameters,
    strategy_name,
)
from solver.solution import Route, Solution, SolveStats, SolveStatus

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from ortools.constraint_solver import pywrapcp

    from solver.problem import Problem, Visit
    from solver.solution import Unassigned


# Branches after which a search has run out of moves: a day of one visit has no neighbour
# to try, and guided local search never stops by itself (it idles at about 1,500,000
# branches a second: such a day stops after 0.66 s). A search that still finds solutions
# adds few: 15,000 over a 600-visit day's 60 s search (280 improving solutions), 14,900 over
# a 180-visit day's 37 s, at most 28,100 in a neighbourhood, so this stops a search with no
# move to try, not a slow one. OR-Tools' own limit counts them without a call into Python: a
# Python check on every move (175,000 in a 0.47 s search) had made twelve 40-visit days
# 14-25 % slower (17 % in all), with the same plans.
IDLE_BRANCHES = 1_000_000


@dataclass
class SearchLog:
    """Filled by the at-solution callback while the search runs."""

    deadline: Deadline
    first_solution_s: float | None = None
    solutions_found: int = 0
    best_cost: int | None = None
    warm_start_read: bool = False
    stall_limit: int = 0
    since_best: int = 0
    idle: bool = False

    @property
    def stalled(self) -> bool:
        return self.idle or 0 < self.stall_limit <= self.since_best


def solve_routes(
    problem: Problem, params: Params, deadline: Deadline | None = None
) -> tuple[Route, ...]:
    """The whole-day search's routes without the reasons for left-out visits.

    Neighbourhoods use it: their left-overs are explained once, against the whole day.

    Parameters
    ----------
    problem
        The day, or one neighbourhood of it.
    params
        Search parameters (time limit, seed, metaheuristic, warm start).
    deadline
        When the routes are due, set-up included; None: ``params.time_limit_s`` from now.

    Returns
    -------
    tuple[Route, ...]
        One route per therapist, in the problem's order.
    """
    deadline = deadline or Deadline.after(params.time_limit_s, params.clock)
    _, visits, candidates = pre_check(problem)
    if not problem.therapists or not visits:
        return tuple(Route(t.id) for t in problem.therapists)
    return solve_whole(problem, params, visits, candidates, [], deadline, explain=False).routes


def solve_whole(
    problem: Problem,
    params: Params,
    visits: list[Visit],
    candidates: list[tuple[int, ...]],
    unassigned: list[Unassigned],
    deadline: Deadline,
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
    deadline
        When the solve is due (``solver.budget``): the search ends early enough to leave
        the repair and the probe their reserve, and both stop when it passes.
    explain
        Whether to insert the left-out visits that fit (``solver.repair``) and probe
        the rest for their reasons; neighbourhoods leave both to the whole day.

    Returns
    -------
    Solution
        ``SolveStatus.FAILED`` with empty routes when neither the search nor a
        construction gives a plan (with locked prefixes, which a construction ignores).
    """
    if params.warm_start is None and _needs_own_construction(params, len(visits)):
        params = replace(params, warm_start=construct_routes(problem, visits, candidates))
    until = deadline
    if explain:
        routed = None if params.warm_start is None else sum(map(len, params.warm_start.values()))
        left_out = expected_left_out(len(visits), routed)
        until = search_deadline(deadline, left_out, len(problem.therapists))
    log = SearchLog(deadline, stall_limit=stall_limit(params, len(visits)))
    routes, strategy = _searched_routes(problem, params, visits, candidates, until, log)
    if routes is None and not params.locked_prefixes:
        routes, strategy = _constructed_routes(problem, params, visits, candidates, strategy)
    if routes is None:
        return Solution(
            SolveStatus.FAILED,
            routes=tuple(Route(t.id) for t in problem.therapists),
            stats=SolveStats(deadline.elapsed_s(), None, log.solutions_found, strategy),
            error="the search found no plan within the time limit",
        )
    if explain:
        chains = _chains_allowed(params, visits)
        routes = insert_left_out(problem, visits, candidates, routes, deadline, chains)
        unassigned += explain_dropped(problem, visits, candidates, routes, deadline)
    routes = leave_later(problem, routes)
    stats = SolveStats(
        deadline.elapsed_s(), log.first_solution_s, log.solutions_found, strategy, log.stalled
    )
    return finish(problem, routes, unassigned, stats)


def _searched_routes(
    problem: Problem,
    params: Params,
    visits: list[Visit],
    candidates: list[tuple[int, ...]],
    until: Deadline,
    log: SearchLog,
) -> tuple[tuple[Route, ...] | None, str]:
    """The search's routes (None when it found none, or had no time) and its strategy."""
    search = search_parameters(params, len(visits))
    if search_time_left_s(until) is None:
        return None, NO_TIME_TO_SEARCH
    model = build_model(problem, visits, candidates)
    model.routing.AddAtSolutionCallback(lambda: _on_solution(model, log, params))
    engine = model.routing.solver()
    if log.stall_limit > 0:  # 0: run to the time limit, as asked
        model.routing.AddSearchMonitor(engine.BranchesLimit(IDLE_BRANCHES))
    assignment = _run_search(model, search, params, log, until)
    log.idle = log.stall_limit > 0 and not log.stalled and engine.Branches() >= IDLE_BRANCHES
    if assignment is None and not _closed_with_start(params):
        assignment = _run_fallbacks(model, search, params, log, until)
    strategy = strategy_name(search, log.warm_start_read)
    if log.idle:
        strategy += ", stopped when no move was left to try"
    elif log.stalled:
        strategy += f", stopped after {log.since_best} solutions without improvement"
    return (None if assignment is None else read_routes(model, assignment)), strategy


NO_TIME_TO_SEARCH = "no time was left for the search after the set-up"


def _constructed_routes(
    problem: Problem,
    params: Params,
    visits: list[Visit],
    candidates: list[tuple[int, ...]],
    strategy: str,
) -> tuple[tuple[Route, ...], str]:
    """The warm start, or our construction, as timed routes: the plan when the search
    gave none (no time for it, or nothing found in its time)."""
    why = strategy if strategy == NO_TIME_TO_SEARCH else "the search returned no plan in its time"
    if params.warm_start:
        return warm_start_routes(problem, visits, params.warm_start), f"WARM_START only ({why})"
    constructed = construct_routes(problem, visits, candidates)
    return warm_start_routes(problem, visits, constructed), f"OWN_INSERTION only ({why})"


def _set_time_limit(search: pywrapcp.DefaultRoutingSearchParameters, until: Deadline) -> bool:
    """Give OR-Tools what is left before ``until``; False when too little is left."""
    left_s = search_time_left_s(until)
    if left_s is None:
        return False
    search.time_limit.FromMilliseconds(int(left_s * 1000))
    return True


def _run_search(
    model: RoutingModel,
    search: pywrapcp.DefaultRoutingSearchParameters,
    params: Params,
    log: SearchLog,
    until: Deadline,
) -> pywrapcp.Assignment | None:
    """Solve, from the warm start and with the locks when given, until ``until``.

    The model must be closed with our parameters before routes are read, or reading
    them closes it with the defaults. Each OR-Tools call is given what is left then, so
    the set-up and the reading of the start come out of the limit, not on top of it.
    """
    routing = model.routing
    if not _set_time_limit(search, until):
        return None
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
        if not _set_time_limit(search, until):
            return initial
        return routing.SolveFromAssignmentWithParameters(initial, search)
    if not _set_time_limit(search, until):
        return None
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
    until: Deadline,
) -> pywrapcp.Assignment | None:
    """Retry with other construction heuristics in the time that is left."""
    for first in FALLBACKS:
        if search_time_left_s(until) is None:
            return None
        search.first_solution_strategy = first_solution_value(first)
        assignment = _run_search(model, search, params, log, until)
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
        if log.stalled:
            # Ends the search as a limit would, without a Python check on every move.
            model.routing.solver().FinishCurrentSearch()
        return
    log.since_best = 0
    elapsed = log.deadline.elapsed_s()
    log.best_cost = cost
    log.solutions_found += 1
    if log.first_solution_s is None:
        log.first_solution_s = elapsed
    if params.on_progress is not None:
        params.on_progress(Progress(elapsed, cost, log.solutions_found))


def _chains_allowed(params: Params, visits: Sequence[Visit]) -> bool:
    """Ejection chains move stops between routes and in time: not past a locked prefix,
    and not in a re-plan, whose promised start times they do not price."""
    return not params.locked_prefixes and all(v.promise is None for v in visits)


def _needs_own_construction(params: Params, visit_count: int) -> bool:
    return params.first_solution == FirstSolution.OWN_INSERTION or (
        params.first_solution == FirstSolution.AUTO and visit_count > LARGE_DAY_VISITS
    )
