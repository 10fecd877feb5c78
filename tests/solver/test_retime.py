"""Leaving home later: waiting the order does not force becomes time at home."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import HealthCheck, given, settings

from solver import BreakRule, Metaheuristic, Params, Problem, Route, TimeWindow, solve
from solver.check import check_solution
from solver.problem import Promise
from solver.retime import leave_later
from solver.solution import Solution, SolveStatus
from solver.timing import route_faults, time_route
from tests.solver.conftest import H, day, therapist, visit, window
from tests.solver.test_properties import problems

ALL_MORNING = window(8, 12)


def _early_then_fixed(first: TimeWindow = ALL_MORNING) -> Problem:
    """An hour's visit next door in window ``first``, then one two steps on fixed at
    13:00: timed earliest, the therapist waits hours before the second."""
    return day(
        [therapist()],
        [
            visit("a", 1, 60, windows=(first,)),
            visit("b", 3, 30, windows=(window(13, 13),)),
        ],
    )


def _earliest(problem: Problem) -> Route:
    """The order a, b timed earliest, as the search hands it over."""
    return time_route(problem, problem.therapists[0], problem.visits)


def _waiting_s(route: Route) -> int:
    return sum(stop.wait_s for stop in route.stops)


def test_a_wait_the_windows_allow_to_move_becomes_a_later_departure() -> None:
    problem = _early_then_fixed()
    early = _earliest(problem)
    (later,) = leave_later(problem, [early])
    assert _waiting_s(early) > 3 * H
    assert _waiting_s(later) == 0
    # a starts at 13:00 - 20 min drive - 60 min service, the therapist leaves 10 min before.
    assert [s.start_s for s in later.stops] == [11 * H + 2400, 13 * H]
    assert later.start_s == 11 * H + 1800
    assert (later.end_s, later.travel_s) == (early.end_s, early.travel_s)
    assert later.work_s == early.work_s - (later.start_s - (early.start_s or 0))
    assert route_faults(problem, problem.therapists[0], problem.visits, later) == 0


def test_a_wait_a_window_forces_stays() -> None:
    """a is fixed at 8:10, as early as it can be: no later departure, the wait stays."""
    problem = _early_then_fixed(TimeWindow(8 * H + 600, 8 * H + 600))
    early = _earliest(problem)
    (later,) = leave_later(problem, [early])
    assert later == early


def test_the_break_stays_in_its_gap_and_inside_its_rule(lunch: BreakRule) -> None:
    """Lunch (12:00-13:30) falls in the wait before b; leaving later keeps it there."""
    problem = replace(
        _early_then_fixed(),
        therapists=(therapist(break_rule=lunch),),
    )
    early = _earliest(problem)
    (later,) = leave_later(problem, [early])
    assert later.start_s is not None
    assert early.start_s is not None
    assert later.start_s > early.start_s
    assert later.break_start_s is not None
    assert later.break_end_s is not None
    assert lunch.earliest_start_s <= later.break_start_s
    assert later.break_end_s <= min(lunch.latest_end_s, later.stops[1].start_s)
    assert later.end_s == early.end_s
    assert route_faults(problem, problem.therapists[0], problem.visits, later) == 0


def test_a_promised_time_is_not_moved() -> None:
    """A re-plan told the patient of a when to expect the therapist: its route stays."""
    problem = _early_then_fixed()
    promised = replace(problem.visits[0], promise=Promise("t1", 8 * H, 9 * H))
    problem = replace(problem, visits=(promised, problem.visits[1]))
    early = _earliest(problem)
    assert leave_later(problem, [early]) == (early,)


def test_the_solver_hands_over_routes_that_leave_later() -> None:
    problem = _early_then_fixed()
    solution = solve(problem, Params(time_limit_s=60, metaheuristic=Metaheuristic.NONE))
    assert check_solution(problem, solution) == []
    assert solution.routes[0].start_s == 11 * H + 1800
    assert solution.cost.waiting_s == 0


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_leaving_later_keeps_every_rule_order_and_return(problem: Problem) -> None:
    """Random days: each solved order timed earliest, then moved. The checker finds no more
    faults, the order, travel and return stay, the departure only gets later."""
    solution = solve(problem, Params(time_limit_s=60, metaheuristic=Metaheuristic.NONE))
    visits = {v.id: v for v in problem.visits}
    therapists = {t.id: t for t in problem.therapists}
    early = tuple(
        time_route(problem, therapists[r.therapist_id], [visits[s.visit_id] for s in r.stops])
        for r in solution.routes
    )
    later = leave_later(problem, early)
    plans = [Solution(SolveStatus.PARTIAL, routes=routes) for routes in (early, later)]
    before, after = (check_solution(problem, plan) for plan in plans)
    assert len(after) <= len(before)
    for old, new in zip(early, later, strict=True):
        assert [s.visit_id for s in new.stops] == [s.visit_id for s in old.stops]
        assert (new.travel_s, new.distance_m) == (old.travel_s, old.distance_m)
        if old.stops:
            assert new.start_s is not None
            assert old.start_s is not None
            assert new.end_s is not None
            assert old.end_s is not None
            assert new.start_s >= old.start_s
            assert new.end_s <= old.end_s
            assert _waiting_s(new) <= _waiting_s(old)
