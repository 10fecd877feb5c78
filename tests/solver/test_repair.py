"""The repair after the search and the fall-back to a warm start the search lost."""

from __future__ import annotations

from typing import TYPE_CHECKING

from solver import Params, Priority, Problem, Route, UnassignedReason
from solver.budget import MIN_SEARCH_S, Deadline
from solver.check import check_solution
from solver.outcome import explain_dropped, pre_check
from solver.repair import insert_left_out
from solver.solution import Solution, SolveStatus
from solver.timing import time_route
from solver.whole_day import solve_routes, solve_whole
from tests.solver.conftest import day, therapist, visit, window

if TYPE_CHECKING:
    from collections.abc import Mapping


def _routes(problem: Problem, orders: Mapping[str, tuple[str, ...]]) -> tuple[Route, ...]:
    by_id = {v.id: v for v in problem.visits}
    return tuple(
        time_route(problem, t, [by_id[v] for v in orders.get(t.id, ())]) for t in problem.therapists
    )


def _repaired(problem: Problem, orders: Mapping[str, tuple[str, ...]]) -> tuple[Route, ...]:
    _, visits, candidates = pre_check(problem)
    return insert_left_out(problem, visits, candidates, _routes(problem, orders))


def _orders(routes: tuple[Route, ...]) -> dict[str, list[str]]:
    return {r.therapist_id: [s.visit_id for s in r.stops] for r in routes}


def test_a_left_out_visit_that_fits_is_inserted_where_it_adds_least() -> None:
    """ "mid" lies between the two routed visits: no detour there."""
    problem = day([therapist()], [visit("a", 1), visit("mid", 2), visit("b", 3)])
    routes = _repaired(problem, {"t1": ("a", "b")})
    assert _orders(routes) == {"t1": ["a", "mid", "b"]}
    solution = Solution(SolveStatus.COMPLETE, routes)
    assert check_solution(problem, solution) == []


def test_must_is_repaired_before_normal_when_one_place_is_left() -> None:
    """One free place (max visits 2): the must visit takes it although it is farther."""
    visits = [
        visit("a", 1),
        visit("near", 1, priority=Priority.NORMAL),
        visit("far", 5, priority=Priority.MUST),
    ]
    problem = day([therapist(max_visits=2)], visits)
    routes = _repaired(problem, {"t1": ("a",)})
    assert sorted(_orders(routes)["t1"]) == ["a", "far"]


def test_a_visit_not_worth_its_detour_stays_out() -> None:
    """A low visit seven steps away costs 2 x 70 min of driving, over its 2-hour penalty."""
    problem = day([therapist()], [visit("a", 0), visit("far", 7, priority=Priority.LOW)])
    routes = _repaired(problem, {"t1": ("a",)})
    assert _orders(routes) == {"t1": ["a"]}
    _, visits, candidates = pre_check(problem)
    (unassigned,) = explain_dropped(problem, visits, candidates, routes)
    assert unassigned.reason == UnassignedReason.NOT_WORTH_PENALTY
    assert "more than its priority" in unassigned.message


def test_routes_with_nothing_to_insert_keep_their_times() -> None:
    """The repair re-times only the routes it changed."""
    problem = day(
        [therapist("t1"), therapist("t2", home=7)], [visit("a", 1), visit("b", 6), visit("c", 2)]
    )
    before = _routes(problem, {"t1": ("a",), "t2": ("b",)})
    _, visits, candidates = pre_check(problem)
    after = insert_left_out(problem, visits, candidates, before)
    assert after[1] is before[1]
    assert sorted(_orders(after)["t1"]) == ["a", "c"]


def test_a_warm_start_the_search_cannot_read_in_time_is_kept() -> None:
    """With no time to restore the start (too little to ask OR-Tools at all, which would
    return nothing), the region must still hold at least what the start gave it."""
    visits = [visit(f"v{i}", 1 + i % 6) for i in range(10)]
    problem = day([therapist("t1"), therapist("t2", home=7)], visits)
    warm = {"t1": ("v0", "v1", "v2", "v3", "v4"), "t2": ("v5", "v6", "v7", "v8", "v9")}
    routes = solve_routes(problem, Params(time_limit_s=1e-6, warm_start=warm))
    assert sum(len(r.stops) for r in routes) >= 10
    assert check_solution(problem, Solution(SolveStatus.COMPLETE, routes)) == []


def test_a_warm_start_route_that_breaks_a_window_is_emptied_then_repaired() -> None:
    """The start visits "late" after its window; the fall-back drops that route and the
    repair puts both visits back in an order that keeps the window. The clock stands
    still: too short a limit to search, yet the repair never runs out of time."""
    visits = [visit("early", 1, windows=(window(8, 9),)), visit("late", 4)]
    problem = day([therapist()], visits)
    _, routable, candidates = pre_check(problem)
    params = Params(
        time_limit_s=MIN_SEARCH_S / 2, warm_start={"t1": ("late", "early")}, clock=lambda: 0.0
    )
    deadline = Deadline.after(params.time_limit_s, params.clock)
    solution = solve_whole(problem, params, routable, candidates, [], deadline)
    assert check_solution(problem, solution) == []
    assert solution.planned_count == 2
