"""solve_in_worker: the same plan as an in-process solve, with progress relayed."""

from __future__ import annotations

import numpy as np
import pytest

from scheduler.planning.worker import checked, solve_in_worker
from solver import (
    Metaheuristic,
    Params,
    Problem,
    Progress,
    Route,
    Solution,
    SolveStatus,
    Stop,
    Therapist,
    TimeWindow,
    TravelMatrix,
    Visit,
    solve,
)

H = 3600
# Greedy descent stops at a local optimum by itself: the result never depends on the clock.
DETERMINISTIC = Params(metaheuristic=Metaheuristic.NONE, time_limit_s=60)


@pytest.fixture
def problem() -> Problem:
    """Two therapists at either end of a line of four places; v3 can only start after 13:00."""
    positions = np.arange(4)
    steps = np.abs(positions[:, None] - positions[None, :]).astype(np.int64)
    matrix = TravelMatrix(durations_s=steps * 600, distances_m=steps * 5000)
    therapists = (
        Therapist("t1", 0, 0, shift_start_s=8 * H, shift_end_s=16 * H),
        Therapist("t2", 3, 3, shift_start_s=8 * H, shift_end_s=16 * H),
    )
    visits = (
        Visit("v1", 1, 1800),
        Visit("v2", 2, 2700),
        Visit("v3", 3, 1800, windows=(TimeWindow(13 * H, 15 * H),)),
    )
    return Problem({"car": matrix}, therapists, visits, day_label="2026-11-30")


def test_the_worker_plans_what_an_in_process_solve_plans(problem: Problem) -> None:
    ticks: list[tuple[float, Progress | None]] = []
    in_worker = solve_in_worker(
        problem, DETERMINISTIC, lambda elapsed_s, best: ticks.append((elapsed_s, best))
    )
    in_process = solve(problem, DETERMINISTIC)
    assert in_worker.status == in_process.status
    assert in_worker.routes == in_process.routes
    assert in_worker.unassigned == in_process.unassigned
    assert in_worker.planned_count == 3
    # The search's first solution reaches the caller as a Progress before the result.
    assert any(isinstance(best, Progress) for _, best in ticks)


def test_a_plan_that_breaks_a_rule_comes_back_failed() -> None:
    """Hand the checker a plan whose only visit starts outside its window."""
    problem = Problem(
        {"car": TravelMatrix(np.zeros((2, 2), dtype=np.int64))},
        (Therapist("t1", 0, 0, 8 * 3600, 16 * 3600),),
        (Visit("v1", 1, 1800, (TimeWindow(9 * 3600, 10 * 3600),)),),
    )
    stop = Stop("v1", 12 * 3600, 12 * 3600, 12 * 3600 + 1800, 0, None, 0)
    route = Route("t1", (stop,), 12 * 3600, 12 * 3600 + 1800, None, None, 0, None, 1800)
    rejected = checked(problem, Solution(SolveStatus.COMPLETE, (route,)))
    assert rejected.status == SolveStatus.FAILED
    assert rejected.error is not None
    assert "v1" in rejected.error
    assert rejected.routes[0].stops == ()
