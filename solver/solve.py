"""``solve(problem, params) -> Solution``: the one entry point.

It only dispatches: a re-plan (``solver.replan``) when the problem has one, a portfolio of
worker processes when ``params.workers > 1`` on a day searched whole, else one solve from
this process (a large day's neighbourhoods use the workers themselves). Imports point
down from here: solve -> replan, portfolio -> in_process -> neighbourhoods -> whole_day,
so no module imports one above it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from solver.in_process import by_neighbourhoods, solve_in_process
from solver.params import Params
from solver.portfolio import solve_portfolio
from solver.replan import solve_replan

if TYPE_CHECKING:
    from solver.problem import Problem
    from solver.solution import Solution


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
    if problem.replan is not None:
        return solve_replan(problem, params, _solve_day)
    return _solve_day(problem, params)


def _solve_day(problem: Problem, params: Params) -> Solution:
    if params.workers > 1 and not by_neighbourhoods(problem, params):
        return solve_portfolio(problem, params)
    return solve_in_process(problem, params)
