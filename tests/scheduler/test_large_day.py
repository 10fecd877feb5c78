"""A generated 600-visit day goes through the region-by-region path and stays valid."""

from __future__ import annotations

from collections import Counter

import pytest

from scheduler.day_json.generate import generate_day
from scheduler.day_json.problem import parse_problem
from solver import Params, solve
from solver.check import check_solution
from solver.decompose import region_count


@pytest.mark.slow
def test_large_day_by_regions_passes_the_checker() -> None:
    """80 therapists make two regions; five seconds is enough for a valid, partial plan."""
    problem = parse_problem(generate_day("large", 3)).problem
    assert region_count(problem) == 2
    solution = solve(problem, Params(time_limit_s=5))
    assert "regions" in solution.stats.strategy
    assert check_solution(problem, solution) == []
    seen = Counter(s.visit_id for r in solution.routes for s in r.stops)
    seen.update(u.visit_id for u in solution.unassigned)
    assert seen == Counter(v.id for v in problem.visits)
    assert solution.planned_count > len(problem.visits) // 2
