"""The 2,000-visit day on which whole regions once came back with no route at all."""

from __future__ import annotations

import gzip
import json

import pytest

from scheduler.day_json.problem import parse_problem
from solver import Params, Priority, UnassignedReason, solve
from solver.check import check_solution
from solver.construct import construct_routes
from solver.decompose import region_count, therapist_regions
from solver.outcome import pre_check
from tests.shared_data import shared_data


@pytest.mark.slow
def test_no_region_ends_with_less_than_its_construction() -> None:
    """Under a short limit, regions get a second or less each: the plan still holds at
    least what the construction gave, every region has routes, no must visit is left out."""
    path = shared_data("regression/xlarge_collapse.json.gz", "the regression day")
    with gzip.open(path) as file:
        problem = parse_problem(json.load(file)).problem
    _, visits, candidates = pre_check(problem)
    constructed = construct_routes(problem, visits, candidates)
    solution = solve(problem, Params(time_limit_s=8))
    assert check_solution(problem, solution) == []
    assert solution.planned_count >= sum(len(route) for route in constructed.values())
    used = {r.therapist_id for r in solution.routes if r.stops}
    for region in therapist_regions(problem, region_count(problem)):
        assert used & {problem.therapists[i].id for i in region}
    priority = {v.id: v.priority for v in problem.visits}
    dropped_must = [u for u in solution.unassigned if priority[u.visit_id] == Priority.MUST]
    assert all(u.reason != UnassignedReason.NOT_WORTH_PENALTY for u in dropped_must)
