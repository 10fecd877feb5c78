"""The time limit bounds the whole solve: every phase gets what is left of one deadline.

No test here races a real clock: they inject one (``Params.clock``) that stands still, is
moved by hand, or jumps past the limit after a given number of readings.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from solver import Params, Priority, Problem, Route, UnassignedReason, solve
from solver.budget import (
    CHAIN_MAX_SHARE,
    CHAIN_S_PER_LEFT_OUT,
    MIN_SEARCH_S,
    POST_SEARCH_MAX_SHARE,
    POST_SEARCH_S_PER_TRY,
    Deadline,
    post_search_reserve_s,
    search_deadline,
    search_time_left_s,
)
from solver.check import check_solution
from solver.construct import construct_routes
from solver.outcome import explain_dropped, pre_check
from solver.repair import insert_left_out
from solver.whole_day import NO_TIME_TO_SEARCH
from tests.solver.conftest import day, replanned, solve_checked, therapist, visit

UNTRIED = "the time limit ended before it could be tried"


class HandClock:
    """A clock that only moves when the test moves it."""

    def __init__(self) -> None:
        self.now_s = 0.0

    def __call__(self) -> float:
        return self.now_s


class JumpingClock:
    """Reads 0 for the first ``readings`` times, then a time far past any limit."""

    def __init__(self, readings: int) -> None:
        self.left = readings

    def __call__(self) -> float:
        self.left -= 1
        return 0.0 if self.left >= 0 else 1e9


@pytest.fixture
def crowded() -> Problem:
    """Two therapists of three visits each, seven visits: the construction leaves one out,
    and every visit may go to either therapist."""
    visits = [visit(f"v{i}", 1 + i % 6) for i in range(7)]
    return day([therapist("t1", max_visits=3), therapist("t2", home=7, max_visits=3)], visits)


def test_the_search_gets_what_the_set_up_left_less_the_reserve() -> None:
    """A 10 s limit, 4 s of set-up: the search may run to 10 s less the reserve, and a
    phase that starts later gets only what is left then."""
    clock = HandClock()
    deadline = Deadline.after(10.0, clock)
    clock.now_s = 4.0
    until = search_deadline(deadline, left_out=20, therapist_count=10)
    reserve_s = 20 * 10 * POST_SEARCH_S_PER_TRY + min(
        CHAIN_MAX_SHARE * 10.0, 20 * CHAIN_S_PER_LEFT_OUT
    )
    assert search_time_left_s(until) == pytest.approx(6.0 - reserve_s)
    assert deadline.remaining_s() == pytest.approx(6.0)
    clock.now_s = until.end_s - MIN_SEARCH_S / 2
    assert search_time_left_s(until) is None  # less than MIN_SEARCH_S: not worth searching
    assert not deadline.passed()
    clock.now_s = 10.0
    assert deadline.passed()


def test_the_reserve_grows_with_the_tries_up_to_a_share_of_the_limit() -> None:
    """Many left-out visits on many routes never take more than a share of the limit."""
    few = 50 * POST_SEARCH_S_PER_TRY + 10 * CHAIN_S_PER_LEFT_OUT
    assert post_search_reserve_s(60.0, 10, 5) == pytest.approx(few)
    most = 60.0 * (POST_SEARCH_MAX_SHARE + CHAIN_MAX_SHARE)
    assert post_search_reserve_s(60.0, 5000, 500) == pytest.approx(most)


def test_a_limit_below_the_set_up_gives_the_constructions_plan(crowded: Problem) -> None:
    """The clock passes the limit right after the solve starts: no search, no repair; the
    plan is our construction's, it passes the checker, and the left-out visit says that
    the time ran out rather than guessing why."""
    clock = JumpingClock(readings=1)
    solution = solve(crowded, Params(time_limit_s=1.0, clock=clock))
    assert check_solution(crowded, solution) == []
    assert solution.stats.strategy == f"OWN_INSERTION only ({NO_TIME_TO_SEARCH})"
    _, visits, candidates = pre_check(crowded)
    constructed = construct_routes(crowded, visits, candidates)
    orders = {
        r.therapist_id: tuple(s.visit_id for s in r.stops) for r in solution.routes if r.stops
    }
    assert orders == constructed
    assert solution.planned_count == 6
    (left_out,) = solution.unassigned
    assert left_out.reason == UnassignedReason.TIME_LIMIT
    assert left_out.message.startswith(UNTRIED)


def test_a_re_plan_with_no_time_keeps_the_current_plan(crowded: Problem) -> None:
    """A visit is booked during the day and the re-plan's limit passes at once: the plan
    is the current one (its warm start), checked, and the new visit is left out."""
    base = solve_checked(crowded)
    booked = replace(crowded, visits=(*crowded.visits, visit("new", 3)))
    again_day = replanned(booked, base, now_h=8.5)
    solution = solve(again_day, Params(time_limit_s=1.0, clock=JumpingClock(readings=1)))
    assert check_solution(again_day, solution) == []
    assert f"WARM_START only ({NO_TIME_TO_SEARCH})" in solution.stats.strategy
    routed = {s.visit_id for r in solution.routes for s in r.stops}
    assert routed == {s.visit_id for r in base.routes for s in r.stops}


def test_the_probe_explains_the_most_important_visits_first() -> None:
    """Three left-out visits and time for one probe: the must visit gets its exact reason,
    the other two say the time ran out; the pinned visit (one route) is still probed."""
    visits = [
        visit("low", 1, priority=Priority.LOW),
        visit("must", 2, priority=Priority.MUST),
        visit("normal", 3),
        visit("pinned", 4, pinned_therapist="t1"),
    ]
    problem = day([therapist("t1"), therapist("t2", home=7)], visits)
    _, routable, candidates = pre_check(problem)
    routes = tuple(Route(t.id) for t in problem.therapists)
    # One reading makes the deadline, one lets the must visit through, then it has passed.
    deadline = Deadline.after(1.0, JumpingClock(readings=2))
    reasons = {
        u.visit_id: u for u in explain_dropped(problem, routable, candidates, routes, deadline)
    }
    assert not reasons["must"].message.startswith(UNTRIED)
    assert "did not get there" in reasons["must"].message  # an empty route takes it
    assert reasons["low"].message.startswith(UNTRIED)
    assert reasons["normal"].message.startswith(UNTRIED)
    assert not reasons["pinned"].message.startswith(UNTRIED)
    assert list(reasons) == ["low", "must", "normal", "pinned"]  # the visits' own order


def test_the_repair_inserts_in_priority_order_until_the_deadline() -> None:
    """Time to try one visit: the must visit is inserted, the normal one stays out."""
    visits = [visit("normal", 2), visit("must", 3, priority=Priority.MUST)]
    problem = day([therapist()], visits)
    _, routable, candidates = pre_check(problem)
    routes = (Route("t1"),)
    deadline = Deadline.after(1.0, JumpingClock(readings=2))
    (repaired,) = insert_left_out(problem, routable, candidates, routes, deadline)
    assert [s.visit_id for s in repaired.stops] == ["must"]
    untimed = Deadline.after(1.0, HandClock())
    (complete,) = insert_left_out(problem, routable, candidates, routes, untimed)
    assert sorted(s.visit_id for s in complete.stops) == ["must", "normal"]


def test_too_short_a_limit_for_or_tools_falls_back_to_the_construction(crowded: Problem) -> None:
    """A limit under the least worth a search, on a clock that stands still: OR-Tools is
    not asked, and the repair and the probe still run to the end."""
    params = Params(time_limit_s=MIN_SEARCH_S / 2, clock=HandClock())
    solution = solve(crowded, params)
    assert check_solution(crowded, solution) == []
    assert NO_TIME_TO_SEARCH in solution.stats.strategy
    assert all(not u.message.startswith(UNTRIED) for u in solution.unassigned)
    assert solution.planned_count == 6
    (left_out,) = solution.unassigned
    assert left_out.reason == UnassignedReason.CAPACITY


def test_neighbourhoods_with_no_time_keep_the_construction() -> None:
    """A day large enough for neighbourhoods (41 therapists, 401 visits, room for 369) and
    a limit that passes at once: no neighbourhood is tried, the plan is the construction's
    and passes the checker, and the visits left out say that the time ran out."""
    therapists = [therapist(f"t{i}", home=i % 8, max_visits=9) for i in range(41)]
    problem = day(therapists, [visit(f"v{i}", i % 8, minutes=20) for i in range(401)])
    solution = solve(problem, Params(time_limit_s=1.0, clock=JumpingClock(readings=1)))
    assert "0 of 0 neighbourhoods" in solution.stats.strategy
    assert check_solution(problem, solution) == []
    _, visits, candidates = pre_check(problem)
    constructed = construct_routes(problem, visits, candidates)
    orders = {
        r.therapist_id: tuple(s.visit_id for s in r.stops) for r in solution.routes if r.stops
    }
    assert orders == constructed
    assert solution.planned_count == 369
    assert all(u.message.startswith(UNTRIED) for u in solution.unassigned)
