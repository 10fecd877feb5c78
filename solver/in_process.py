"""One solve: the pre-checks, then the whole day or its neighbourhoods.

Large days with many therapists are improved a few nearby routes at a time
(``solver.neighbourhoods``, in ``params.workers`` processes); every other day is one
whole-day search (``solver.whole_day``), which the portfolio runs in each of its worker
processes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from solver.budget import Deadline, expected_left_out, search_deadline
from solver.construct import construct_routes
from solver.neighbourhoods import NEIGHBOURHOOD_ROUTES, improve_routes
from solver.outcome import explain_dropped, finish, pre_check
from solver.params import FirstSolution, Params
from solver.repair import insert_left_out, warm_start_routes
from solver.retime import leave_later
from solver.search import LARGE_DAY_VISITS
from solver.solution import Route, Solution, SolveStats
from solver.whole_day import solve_whole

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
    if by_neighbourhoods(problem, params):
        return _solve_by_neighbourhoods(problem, params, visits, candidates, unassigned, deadline)
    return solve_whole(problem, params, visits, candidates, unassigned, deadline)


def by_neighbourhoods(problem: Problem, params: Params) -> bool:
    """Whether the day is improved neighbourhood by neighbourhood, not searched whole.

    Measured on generated days (the solver issue's closing note): from 600 visits and 80
    therapists up, neighbourhoods plan more with less travel than one model of the day or
    fixed regions of it; on 180-visit days one whole-day search does better.
    """
    return (
        params.first_solution == FirstSolution.AUTO
        and params.warm_start is None
        and params.locked_prefixes is None
        and len(problem.visits) > LARGE_DAY_VISITS
        and len(problem.therapists) > NEIGHBOURHOOD_ROUTES
    )


def _solve_by_neighbourhoods(
    problem: Problem,
    params: Params,
    visits: list[Visit],
    candidates: list[tuple[int, ...]],
    unassigned: list[Unassigned],
    deadline: Deadline,
) -> Solution:
    """Our construction, improved neighbourhood by neighbourhood (``solver.neighbourhoods``)
    until the search's share of the deadline, left-overs inserted where they fit and the
    rest probed by the deadline."""
    start = construct_routes(problem, visits, candidates)
    construction_s = deadline.elapsed_s()
    left_out = expected_left_out(len(visits), sum(map(len, start.values())))
    until = search_deadline(deadline, left_out, len(problem.therapists))
    routes = warm_start_routes(problem, visits, start)
    outcome = improve_routes(problem, visits, candidates, routes, until, params)
    routes = insert_left_out(problem, visits, candidates, outcome.routes, deadline)
    unassigned += explain_dropped(problem, visits, candidates, routes, deadline)
    routes = leave_later(problem, routes)
    strategy = (
        f"OWN_INSERTION + {outcome.kept} of {outcome.tried} neighbourhoods kept "
        f"({params.workers} worker{'s' if params.workers > 1 else ''}"
        f"{', stopped: no improvement' if outcome.stopped_idle else ''})"
    )
    stats = SolveStats(deadline.elapsed_s(), construction_s, outcome.kept, strategy)
    return finish(problem, routes, unassigned, stats)
