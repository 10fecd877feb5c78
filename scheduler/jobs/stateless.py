"""A stateless problem JSON solved on whichever machine runs this: the plan JSON back."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scheduler.day_json.plan import plan_to_json
from scheduler.day_json.problem import parse_problem
from scheduler.planning.worker import checked, solve_in_worker
from solver.solution import Solution, SolveStatus

if TYPE_CHECKING:
    from solver.params import Params


def solve_problem_json(problem: dict[str, Any], params: Params) -> dict[str, Any]:
    """Parse (``InvalidRequest`` names a bad field), solve in a child process, check."""
    parsed = parse_problem(problem)
    try:
        solution = checked(parsed.problem, solve_in_worker(parsed.problem, params))
    except RuntimeError as error:
        solution = Solution(SolveStatus.FAILED, error=f"the solver process failed: {error}")
    return plan_to_json(parsed, solution)
