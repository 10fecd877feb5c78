"""Tiny hand-built days for the solver tests.

Locations lie on a line, ten minutes' drive (5 km) apart per step, so every travel time
in a test can be worked out by hand: location ``i`` to ``j`` takes ``|i - j| * 600`` s.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
import pytest

from solver import (
    BreakRule,
    Metaheuristic,
    Params,
    Problem,
    Solution,
    Therapist,
    TimeWindow,
    TravelMatrix,
    Visit,
    solve,
)
from solver.check import check_solution
from solver.current_plan import Replan, current_routes_of

if TYPE_CHECKING:
    from collections.abc import Iterable

H = 3600
STEP_S = 600
STEP_M = 5000


def line_matrix(size: int, step_s: int = STEP_S) -> TravelMatrix:
    positions = np.arange(size)
    steps = np.abs(positions[:, None] - positions[None, :]).astype(np.int64)
    return TravelMatrix(steps * step_s, steps * STEP_M)


def day(
    therapists: Iterable[Therapist], visits: Iterable[Visit], size: int = 8, **kwargs: object
) -> Problem:
    return Problem({"car": line_matrix(size)}, tuple(therapists), tuple(visits), **kwargs)  # type: ignore[arg-type]


def therapist(id: str = "t1", home: int = 0, **kwargs: object) -> Therapist:
    fields: dict[str, object] = {"shift_start_s": 8 * H, "shift_end_s": 16 * H}
    fields.update(kwargs)
    return Therapist(id, home, home, **fields)  # type: ignore[arg-type]


def visit(id: str, location: int, minutes: int = 30, **kwargs: object) -> Visit:
    return Visit(id, location, minutes * 60, **kwargs)  # type: ignore[arg-type]


def window(start_h: float, end_h: float) -> TimeWindow:
    return TimeWindow(int(start_h * H), int(end_h * H))


# Greedy descent stops at a local optimum by itself: results never depend on the clock.
DETERMINISTIC = Params(time_limit_s=120, metaheuristic=Metaheuristic.NONE)


def solve_checked(problem: Problem, params: Params = DETERMINISTIC) -> Solution:
    """Solve and insist that the independent checker finds nothing wrong."""
    solution = solve(problem, params)
    violations = check_solution(problem, solution, params.locked_prefixes)
    assert violations == [], violations
    return solution


def route_of(solution: Solution, therapist_id: str) -> list[str]:
    route = next(r for r in solution.routes if r.therapist_id == therapist_id)
    return [stop.visit_id for stop in route.stops]


def reason_of(solution: Solution, visit_id: str) -> str:
    return next(u.reason for u in solution.unassigned if u.visit_id == visit_id)


@pytest.fixture
def lunch() -> BreakRule:
    """Thirty minutes to be taken between 12:00 and 13:30."""
    return BreakRule(12 * H, 13 * H + 1800, 1800)


# --- re-planning ------------------------------------------------------------------------


def replanned(problem: Problem, solution: Solution, now_h: float, **kwargs: object) -> Problem:
    """``problem`` re-planned from ``now_h`` against ``solution``."""
    replan = Replan(
        int(now_h * H),
        current_routes_of(solution.routes),
        unassigned=frozenset(u.visit_id for u in solution.unassigned),
        **kwargs,  # type: ignore[arg-type]
    )
    return replace(problem, replan=replan)


def stops(solution: Solution, therapist_id: str) -> list[tuple[str, int, int]]:
    route = next(r for r in solution.routes if r.therapist_id == therapist_id)
    return [(s.visit_id, s.start_s, s.end_s) for s in route.stops]


@pytest.fixture
def two_ends() -> Problem:
    """t1 lives at 0 and t2 at 7; t1's four visits run 9:00-12:30 along the line, t2 has one."""
    return day(
        [therapist("t1", home=0), therapist("t2", home=7)],
        [
            visit("v1", 1, windows=(window(9, 9),)),
            visit("v2", 2, windows=(window(10, 10),)),
            visit("v3", 3, windows=(window(11, 11),)),
            visit("v4", 2, windows=(window(12, 12),)),
            visit("w1", 6, windows=(window(9, 12),)),
        ],
    )


@pytest.fixture
def base(two_ends: Problem) -> Solution:
    solution = solve_checked(two_ends)
    assert route_of(solution, "t1") == ["v1", "v2", "v3", "v4"]
    return solution
