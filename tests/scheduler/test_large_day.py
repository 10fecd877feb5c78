"""A generated 600-visit day goes through the neighbourhood search and stays valid."""

from __future__ import annotations

from collections import Counter

import pytest

from scheduler.day_json.generate import generate_day
from scheduler.day_json.problem import parse_problem
from solver import Params, solve
from solver.check import check_solution


@pytest.mark.slow
def test_large_day_by_neighbourhoods_passes_the_checker() -> None:
    """80 therapists and 600 visits, two workers: five seconds give a valid, partial plan."""
    problem = parse_problem(generate_day("large", 3)).problem
    solution = solve(problem, Params(time_limit_s=5, workers=2))
    assert "neighbourhoods kept (2 workers" in solution.stats.strategy
    assert check_solution(problem, solution) == []
    seen = Counter(s.visit_id for r in solution.routes for s in r.stops)
    seen.update(u.visit_id for u in solution.unassigned)
    assert seen == Counter(v.id for v in problem.visits)
    assert solution.planned_count > len(problem.visits) // 2
