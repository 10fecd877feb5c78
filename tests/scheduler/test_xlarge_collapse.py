"""The 2,000-visit day on which whole regions once came back with no route at all (when
large days were solved in fixed regions; they are now solved by neighbourhoods)."""

from __future__ import annotations

import gzip
import json

import pytest

from scheduler.day_json.problem import parse_problem
from solver import Params, Priority, UnassignedReason, solve
from solver.check import check_solution
from solver.construct import construct_routes
from solver.outcome import pre_check
from tests.shared_data import shared_data


@pytest.mark.slow
def test_a_short_limit_never_ends_with_less_than_the_construction() -> None:
    """Under a short limit only a few neighbourhoods are solved: the plan still holds at
    least as many visits as the construction gave, and no must visit is called not worth
    it."""
    path = shared_data("regression/xlarge_collapse.json.gz", "the regression day")
    with gzip.open(path) as file:
        problem = parse_problem(json.load(file)).problem
    _, visits, candidates = pre_check(problem)
    constructed = construct_routes(problem, visits, candidates)
    solution = solve(problem, Params(time_limit_s=8))
    assert check_solution(problem, solution) == []
    assert solution.planned_count >= sum(len(route) for route in constructed.values())
    assert "neighbourhoods kept" in solution.stats.strategy
    priority = {v.id: v.priority for v in problem.visits}
    dropped_must = [u for u in solution.unassigned if priority[u.visit_id] == Priority.MUST]
    assert all(u.reason != UnassignedReason.NOT_WORTH_PENALTY for u in dropped_must)
