"""The probe that explains visits the search left out, tested on hand-made routes."""

from __future__ import annotations

from solver import BreakRule, UnassignedReason
from solver.reasons import probe_dropped
from tests.solver.conftest import H, day, line_matrix, therapist, visit, window

R = UnassignedReason
MATRICES = {"car": line_matrix(8).durations_s.tolist()}


def test_a_cheap_place_the_search_missed_is_said_so() -> None:
    """The visit fits between two stops for a ten-minute detour."""
    problem = day([therapist()], [visit("a", 1), visit("b", 3), visit("left", 2)])
    a, b, left = problem.visits
    result = probe_dropped(problem, left, [0], [[a, b]], MATRICES)
    assert result.reason == R.NOT_WORTH_PENALTY
    assert "did not get there" in result.message


def test_a_full_route_is_capacity() -> None:
    problem = day([therapist(max_visits=2)], [visit("a", 1), visit("b", 3), visit("left", 2)])
    a, b, left = problem.visits
    result = probe_dropped(problem, left, [0], [[a, b]], MATRICES)
    assert result.reason == R.CAPACITY
    assert "t1" in result.message


def test_a_window_taken_by_other_visits_is_capacity() -> None:
    """Two fixed visits hold 10:00-11:00; the left-over must start at 10:15, which an
    empty day would reach: the therapist's time is full, the window is not unreachable."""
    visits = [
        visit("a", 1, minutes=60, windows=(window(10, 10),)),
        visit("left", 1, windows=(window(10.25, 10.25),)),
    ]
    problem = day([therapist()], visits)
    a, left = problem.visits
    result = probe_dropped(problem, left, [0], [[a]], MATRICES)
    assert result.reason == R.CAPACITY
    assert "t1" in result.message


def test_a_pinned_visit_that_does_not_fit_is_pin_infeasible() -> None:
    """The same full hour, with the left-over pinned to the one therapist."""
    visits = [
        visit("a", 1, minutes=60, windows=(window(10, 10),)),
        visit("left", 1, windows=(window(10.25, 10.25),), pinned_therapist="t1"),
    ]
    problem = day([therapist()], visits)
    a, left = problem.visits
    result = probe_dropped(problem, left, [0], [[a]], MATRICES)
    assert result.reason == R.PIN_INFEASIBLE
    assert "pinned to t1" in result.message


def test_a_window_no_day_reaches_is_unreachable(lunch: BreakRule) -> None:
    """The 12:00-12:30 window leaves no room for a lunch that must end by 13:30 in a
    shift that ends at 13:00: even an empty day cannot take it."""
    left = visit("left", 0, minutes=60, windows=(window(12, 12.5),))
    problem = day([therapist(shift_end_s=13 * H, break_rule=lunch)], [left])
    result = probe_dropped(problem, problem.visits[0], [0], [[]], MATRICES)
    assert result.reason == R.WINDOW_UNREACHABLE
