"""Several searches at once, one per worker process; the best plan wins.

The routing search is single-threaded and holds the GIL, so a second core only helps
through a second process. Guided local search and ruin-and-recreate (ILS) win on
different days (measured on Solomon instances), so a two-worker portfolio runs both.
"""

from __future__ import annotations

import multiprocessing
import queue
import time
from dataclasses import replace
from typing import TYPE_CHECKING

from solver.in_process import solve_in_process
from solver.params import Metaheuristic, Params

if TYPE_CHECKING:
    from solver.problem import Problem
    from solver.solution import Solution

# ILS cannot start from a given plan in OR-Tools 9.15, so warm starts pair GLS with tabu.
FROM_SCRATCH = (Metaheuristic.GUIDED_LOCAL_SEARCH, Metaheuristic.ITERATED_LOCAL_SEARCH)
FROM_WARM_START = (Metaheuristic.GUIDED_LOCAL_SEARCH, Metaheuristic.TABU_SEARCH)


def portfolio(params: Params) -> list[Params]:
    """One parameter set per worker: the asked-for metaheuristic first, then the others."""
    warm = params.warm_start is not None or params.locked_prefixes is not None
    choices = FROM_WARM_START if warm else FROM_SCRATCH
    first = params.metaheuristic
    if warm and first == Metaheuristic.ITERATED_LOCAL_SEARCH:
        first = Metaheuristic.GUIDED_LOCAL_SEARCH
    order = [first, *(m for m in choices if m != first)]
    single = replace(params, workers=1, on_progress=None, clock=time.monotonic)
    return [replace(single, metaheuristic=m) for m in order[: params.workers]]


def _best(solutions: list[Solution]) -> Solution:
    """The lowest objective (drop penalties included); a failed search never wins."""
    usable = [s for s in solutions if s.error is None] or solutions
    return min(usable, key=lambda s: s.cost.objective)


def solve_portfolio(problem: Problem, params: Params) -> Solution:
    """Run ``params.workers`` searches in parallel processes and keep the best plan.

    Progress callbacks and injected clocks do not cross processes; the portfolio reports
    no progress, and its workers share one deadline on the system's clock, so that
    starting them comes out of the time limit too. As soon as one search stops early (no
    improvement for a while: the day has settled), the others are stopped and the best
    plan so far is returned; ruin-and-recreate would otherwise run to the limit, as it does
    not heed the stall count.
    """
    context = multiprocessing.get_context("spawn")
    choices = portfolio(params)
    until_s = time.time() + params.time_limit_s
    finished: queue.SimpleQueue[Solution | BaseException] = queue.SimpleQueue()
    solutions: list[Solution] = []
    # Leaving the pool's context terminates the searches still running.
    with context.Pool(len(choices)) as pool:
        for choice in choices:
            pool.apply_async(
                _solve_until,
                (problem, choice, until_s),
                callback=finished.put,
                error_callback=finished.put,
            )
        while len(solutions) < len(choices):
            outcome = finished.get()
            if isinstance(outcome, BaseException):
                raise outcome
            solutions.append(outcome)
            if outcome.stats.stopped_early:
                break
    return _best(solutions)


def _solve_until(problem: Problem, params: Params, until_s: float) -> Solution:
    """One worker's solve in what is left, once it has started, of the shared limit.

    ``time.time`` because monotonic clocks need not agree between processes.
    """
    return solve_in_process(problem, replace(params, time_limit_s=until_s - time.time()))
