"""The VROOM peer benchmark: its converted plans pass our checker, and its waiting figure.

The VROOM tests skip without pyvroom (the ``benchmark`` extra); the waiting figure needs
none. VROOM runs without a timeout here, so its answer does not depend on machine speed.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from benchmarks.peer import waiting_s
from benchmarks.vroom_peer import available_until, solve_with_vroom
from solver import BreakRule, Priority, Problem, Solution
from solver.check import check_solution
from solver.timing import time_route
from tests.solver.conftest import H, day, line_matrix, route_of, therapist, visit, window

LUNCH = BreakRule(12 * H, 13 * H + 1800, 1800)


@pytest.fixture
def vroom_installed() -> None:
    """Skip a test that runs VROOM when pyvroom is not installed."""
    pytest.importorskip("vroom", reason="pyvroom is not installed (the benchmark extra)")


@pytest.fixture
def skilled_day() -> Problem:
    """Two therapists with lunch; one visit only t2 may do (skill), one t2 may not (exclusion)."""
    return day(
        [
            therapist("t1", home=0, break_rule=LUNCH),
            therapist("t2", home=6, break_rule=LUNCH, skills=frozenset({"lymphedema"})),
        ],
        [
            visit("a", 1, windows=(window(9, 10),)),
            visit("b", 2),
            visit("c", 5, required_skills=frozenset({"lymphedema"})),
            visit("d", 6, excluded_therapists=frozenset({"t2"}), priority=Priority.HIGH),
            visit("e", 4, windows=(window(12, 12.5), window(14, 15))),
        ],
    )


def run_checked(problem: Problem) -> Solution:
    """Solve with VROOM and insist that our checker finds nothing wrong."""
    solution = solve_with_vroom(problem, time_limit_s=None)
    assert check_solution(problem, solution) == []
    return solution


@pytest.mark.usefixtures("vroom_installed")
def test_vroom_plan_passes_the_checker_and_keeps_skills(skilled_day: Problem) -> None:
    solution = run_checked(skilled_day)
    assert [r.therapist_id for r in solution.routes] == ["t1", "t2"]
    assert "c" in route_of(solution, "t2") or "c" in {u.visit_id for u in solution.unassigned}
    assert "c" not in route_of(solution, "t1")
    assert "d" not in route_of(solution, "t2")
    assert solution.planned_count == 5
    assert all(r.break_start_s is not None for r in solution.routes if r.is_used)


@pytest.mark.usefixtures("vroom_installed")
def test_vroom_leaves_out_the_visit_no_therapist_may_do(skilled_day: Problem) -> None:
    unqualified = visit("f", 3, required_skills=frozenset({"paediatric"}))
    solution = run_checked(replace(skilled_day, visits=(*skilled_day.visits, unqualified)))
    assert [u.visit_id for u in solution.unassigned] == ["f"]


@pytest.mark.usefixtures("vroom_installed")
def test_vroom_keeps_the_must_visit_when_only_one_fits() -> None:
    problem = day(
        [therapist()],
        [
            visit("low", 1, priority=Priority.LOW, windows=(window(9, 9),)),
            visit("must", 5, priority=Priority.MUST, windows=(window(9, 9),)),
        ],
    )
    solution = run_checked(problem)
    assert route_of(solution, "t1") == ["must"]
    assert [u.visit_id for u in solution.unassigned] == ["low"]


@pytest.mark.usefixtures("vroom_installed")
def test_vroom_drives_each_therapist_on_their_own_mode(skilled_day: Problem) -> None:
    cyclist = replace(skilled_day.therapists[0], travel_mode="bicycle")
    problem = replace(
        skilled_day,
        travel={**skilled_day.travel, "bicycle": line_matrix(8, step_s=1200)},
        therapists=(cyclist, skilled_day.therapists[1]),
    )
    run_checked(problem)  # the checker times t1's legs with the bicycle matrix


def test_a_vroom_shift_is_cut_to_max_work() -> None:
    cut = therapist(break_rule=LUNCH, max_work_s=6 * H, overtime_max_s=H)
    assert available_until(cut) == 14 * H + 1800
    assert available_until(replace(cut, max_work_s=None)) == 17 * H


def test_waiting_is_the_idle_time_between_arriving_and_starting() -> None:
    # a at 9:00 (30 min) then b, ten minutes on, not before 10:30: 50 minutes idle.
    problem = day(
        [therapist()],
        [visit("a", 1, windows=(window(9, 9.5),)), visit("b", 2, windows=(window(10.5, 11),))],
    )
    route = time_route(problem, problem.therapists[0], problem.visits)
    assert waiting_s(problem, route) == 50 * 60


def test_the_break_is_not_waiting() -> None:
    # a ends 9:30, lunch 12:00-12:30, b at 12:30 ten minutes on: 2 h 20 min idle.
    problem = day(
        [therapist(break_rule=LUNCH)],
        [visit("a", 1, windows=(window(9, 9.5),)), visit("b", 2, windows=(window(12.5, 13),))],
    )
    route = time_route(problem, problem.therapists[0], problem.visits)
    assert (route.break_start_s, route.break_end_s) == (12 * H, 12 * H + 1800)
    assert waiting_s(problem, route) == 2 * H + 20 * 60
