"""time_route: the times of a route in a given order, checked by the independent checker."""

from __future__ import annotations

import numpy as np
import pytest

from solver import (
    BreakRule,
    Metaheuristic,
    Params,
    Problem,
    Route,
    Solution,
    SolveStatus,
    Therapist,
    TimeWindow,
    TravelMatrix,
    Visit,
    solve,
)
from solver.check import ViolationKind, check_solution
from solver.timing import time_route

H = 3600


@pytest.fixture
def problem() -> Problem:
    """A line of five places 10 minutes apart; t1 lives at 0 and lunches 12:00-14:00."""
    positions = np.arange(5)
    steps = np.abs(positions[:, None] - positions[None, :]).astype(np.int64)
    matrix = TravelMatrix(durations_s=steps * 600, distances_m=steps * 4000)
    lunch = BreakRule(12 * H, 14 * H, 1800)
    therapists = (Therapist("t1", 0, 0, 8 * H, 17 * H, break_rule=lunch),)
    visits = (
        Visit("v1", 1, 3600, windows=(TimeWindow(9 * H, 10 * H),)),
        Visit("v2", 2, 3600, windows=(TimeWindow(10 * H, 11 * H + 1800),)),
        Visit(
            "v3", 3, 1800, windows=(TimeWindow(12 * H, 12 * H + 900), TimeWindow(14 * H, 15 * H))
        ),
        Visit("v4", 4, 2700),
    )
    return Problem({"car": matrix}, therapists, visits, day_label="2026-11-30")


def _faults(problem: Problem, route: Route) -> list[str]:
    solution = Solution(SolveStatus.COMPLETE, routes=(route,))
    return [violation.message for violation in check_solution(problem, solution)]


def test_a_route_gets_the_earliest_times_with_the_break(problem: Problem) -> None:
    """v3 makes its 12:00 window; lunch fits after it, before v4 (the earliest return)."""
    route = time_route(problem, problem.therapists[0], problem.visits)
    assert _faults(problem, route) == []
    assert [stop.start_s for stop in route.stops] == [9 * H, 10 * H + 600, 12 * H, 13 * H + 600]
    assert route.start_s == 9 * H - 600  # leaves home no earlier than needed
    assert (route.break_start_s, route.break_end_s) == (12 * H + 1800, 13 * H)
    assert route.stops[3].wait_s == 0
    assert route.end_s == 13 * H + 600 + 2700 + 2400
    assert route.travel_s == 4 * 600 + 2400
    assert route.distance_m == 8 * 4000
    assert route.work_s == route.end_s - route.start_s - 1800


def test_the_break_may_come_before_the_first_visit(problem: Problem) -> None:
    """An hour from 13:00-13:30 leaves no room for lunch (ends by 14:00) after it."""
    visit = Visit("v5", 3, 3600, windows=(TimeWindow(13 * H, 13 * H + 1800),))
    alone = Problem(problem.travel, problem.therapists, (visit,))
    route = time_route(alone, problem.therapists[0], [visit])
    assert _faults(alone, route) == []
    assert (route.start_s, route.break_start_s, route.stops[0].start_s) == (12 * H, 12 * H, 13 * H)
    assert route.stops[0].arrival_s == 13 * H


def test_a_visit_that_cannot_make_its_window_starts_late_and_the_checker_says_so(
    problem: Problem,
) -> None:
    therapist = problem.therapists[0]
    v1, v2, _, v4 = problem.visits
    route = time_route(problem, therapist, [v4, v2, v1])
    violations = check_solution(
        Problem(problem.travel, problem.therapists, (v1, v2, v4)),
        Solution(SolveStatus.COMPLETE, routes=(route,)),
    )
    assert [v.kind for v in violations] == [ViolationKind.WINDOW]
    assert violations[0].visit_id == "v1"


def test_an_empty_route_has_no_times(problem: Problem) -> None:
    assert time_route(problem, problem.therapists[0], []) == Route("t1")


def test_the_solvers_orders_time_without_faults(problem: Problem) -> None:
    """Whatever order the solver picks, timing it again breaks no rule."""
    two = Problem(
        problem.travel,
        (*problem.therapists, Therapist("t2", 4, 4, 8 * H, 12 * H)),
        problem.visits,
    )
    solution = solve(two, Params(metaheuristic=Metaheuristic.NONE, time_limit_s=60))
    assert solution.planned_count == 4
    by_id = {visit.id: visit for visit in two.visits}
    for therapist, solved in zip(two.therapists, solution.routes, strict=True):
        order = [by_id[stop.visit_id] for stop in solved.stops]
        route = time_route(two, therapist, order)
        alone = Problem(two.travel, (therapist,), tuple(order))
        assert check_solution(alone, Solution(SolveStatus.COMPLETE, routes=(route,))) == []
