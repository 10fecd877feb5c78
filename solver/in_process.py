"""One solve in this process: the pre-checks, then the whole day or its regions.

Large days with many therapists go region by region (``solver.decompose``); every other
day is one whole-day search (``solver.whole_day``). The portfolio runs this in each of
its worker processes.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from solver.budget import Deadline
from solver.decompose import region_count, solve_by_regions
from solver.outcome import explain_dropped, finish, pre_check
from solver.params import FirstSolution, Params, Progress
from solver.repair import insert_left_out
from solver.search import LARGE_DAY_VISITS
from solver.solution import Route, Solution, SolveStats
from solver.whole_day import SearchLog, solve_whole

if TYPE_CHECKING:
    from solver.problem import Problem, Visit
    from solver.solution import Unassigned


def solve_in_process(problem: Problem, params: Params) -> Solution:
    """Plan one day with one search process.

    Parameters
    ----------
    problem
        The day: travel matrices, therapists, visits, weights.
    params
        Search parameters; ``params.workers`` is not looked at. The time limit counts from
        this call and bounds everything up to the returned solution (``solver.budget``).

    Returns
    -------
    Solution
        One route per therapist (in the problem's order), every other visit unassigned
        with a reason. A search that finds nothing is ``SolveStatus.FAILED``.
    """
    deadline = Deadline.after(params.time_limit_s, params.clock)
    unassigned, visits, candidates = pre_check(problem)
    if not problem.therapists or not visits:
        routes = tuple(Route(t.id) for t in problem.therapists)
        stats = SolveStats(wall_s=deadline.elapsed_s(), strategy="pre-checks only")
        return finish(problem, routes, unassigned, stats)
    if _by_regions(problem, params, len(visits)):
        return _solve_by_regions(problem, params, visits, candidates, unassigned, deadline)
    return solve_whole(problem, params, visits, candidates, unassigned, deadline)


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
    deadline: Deadline,
) -> Solution:
    """Regions solved in turn (``solver.decompose``) until the search's share of the
    deadline, merged, left-overs inserted where they fit and the rest probed by the
    deadline."""
    log = SearchLog(deadline)
    counting = replace(params, on_progress=lambda p: _count_region_solution(log, params, p))
    by_therapist, construction_s = solve_by_regions(problem, counting, visits, candidates, deadline)
    routes = tuple(by_therapist[t.id] for t in problem.therapists)
    routes = insert_left_out(problem, visits, candidates, routes, deadline)
    unassigned += explain_dropped(problem, visits, candidates, routes, deadline)
    stats = SolveStats(
        deadline.elapsed_s(),
        construction_s,
        log.solutions_found,
        f"OWN_INSERTION + {region_count(problem)} regions, {params.metaheuristic.name}",
    )
    return finish(problem, routes, unassigned, stats)


def _count_region_solution(log: SearchLog, params: Params, progress: Progress) -> None:
    log.solutions_found = progress.solutions_found
    if params.on_progress is not None:
        params.on_progress(progress)
