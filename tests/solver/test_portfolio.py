"""The portfolio: which searches run, and which plan is kept."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import pytest

from solver import Metaheuristic, Params, Solution, SolveStatus
from solver.portfolio import _best, portfolio
from solver.solution import CostBreakdown
from tests.solver.conftest import day, solve_checked, therapist, visit, window

if TYPE_CHECKING:
    from solver import Problem


def test_two_workers_run_gls_and_ils() -> None:
    choices = portfolio(Params(workers=2))
    assert [c.metaheuristic for c in choices] == [
        Metaheuristic.GUIDED_LOCAL_SEARCH,
        Metaheuristic.ITERATED_LOCAL_SEARCH,
    ]
    assert all(c.workers == 1 and c.on_progress is None for c in choices)


def test_a_warm_start_never_goes_to_ils() -> None:
    """OR-Tools' ILS cannot start from a plan; tabu search takes the second worker."""
    params = Params(
        workers=2, metaheuristic=Metaheuristic.ITERATED_LOCAL_SEARCH, warm_start={"t1": ("v1",)}
    )
    assert [c.metaheuristic for c in portfolio(params)] == [
        Metaheuristic.GUIDED_LOCAL_SEARCH,
        Metaheuristic.TABU_SEARCH,
    ]


def test_the_cheapest_plan_wins_and_a_failed_one_never() -> None:
    cheap = Solution(SolveStatus.PARTIAL, cost=CostBreakdown(objective=10))
    dear = Solution(SolveStatus.COMPLETE, cost=CostBreakdown(objective=20))
    failed = Solution(SolveStatus.FAILED, error="no plan")
    assert _best([dear, cheap, failed]) is cheap
    assert _best([failed]) is failed


@pytest.mark.slow
def test_portfolio_in_processes_gives_a_checked_plan() -> None:
    """Two spawned workers, each with its own metaheuristic, give a checked plan."""
    solution = solve_checked(_four_visits(), Params(time_limit_s=2, workers=2))
    assert solution.status == SolveStatus.COMPLETE


@pytest.mark.slow
def test_the_portfolio_returns_once_one_search_has_settled() -> None:
    """Ruin and recreate does not heed the stall count and would run to the limit; the
    guided local search stops after three solutions without improvement, and that ends
    the portfolio long before its limit (the stop is a count, the limit only a bound)."""
    params = Params(time_limit_s=600, workers=2, stall_solutions=3)
    started = time.monotonic()
    solution = solve_checked(_four_visits(), params)
    assert time.monotonic() - started < params.time_limit_s
    assert solution.stats.stopped_early
    assert "GUIDED_LOCAL_SEARCH" in solution.stats.strategy


def _four_visits() -> Problem:
    return day(
        [therapist()], [visit(f"v{i}", i, windows=(window(8 + i, 10 + i),)) for i in range(1, 5)]
    )
