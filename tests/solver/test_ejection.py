"""Ejection chains: a left-out visit placed where another stop makes way for it."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solver import Priority, Problem, Route
from solver.check import ViolationKind, check_solution
from solver.construct import construct_routes
from solver.ejection import place_by_chains
from solver.outcome import objective, pre_check
from solver.repair import insert_left_out
from solver.solution import Solution, SolveStatus
from solver.timing import time_route
from tests.solver.conftest import day, therapist, visit
from tests.solver.test_properties import problems

if TYPE_CHECKING:
    from collections.abc import Mapping

SLP = frozenset({"SLP"})


def _chained(problem: Problem, orders: Mapping[str, tuple[str, ...]]) -> dict[str, list[str]]:
    _, visits, candidates = pre_check(problem)
    routes = place_by_chains(problem, visits, candidates, orders)
    return {tid: list(route) for tid, route in routes.items()}


def _timed(problem: Problem, orders: Mapping[str, tuple[str, ...]]) -> tuple[Route, ...]:
    by_id = {v.id: v for v in problem.visits}
    return tuple(
        time_route(problem, t, [by_id[v] for v in orders.get(t.id, ())]) for t in problem.therapists
    )


def test_a_stop_moves_to_another_route_to_make_way() -> None:
    """Only t1 may do "slp"; t1's one place holds "any", which t2 can take."""
    problem = day(
        [therapist("t1", skills=SLP, max_visits=1), therapist("t2", home=4)],
        [visit("any", 2), visit("slp", 2, required_skills=SLP)],
    )
    assert _chained(problem, {"t1": ("any",)}) == {"t1": ["slp"], "t2": ["any"]}


def test_the_one_place_a_chain_makes_goes_to_the_must_visit() -> None:
    """One place for speech therapy, made by moving "any" to t2: the must visit ends up
    with it, though the normal one is nearer."""
    problem = day(
        [therapist("t1", skills=SLP, max_visits=1), therapist("t2", home=4, max_visits=1)],
        [
            visit("any", 2),
            visit("near", 1, required_skills=SLP),
            visit("must", 5, required_skills=SLP, priority=Priority.MUST),
        ],
    )
    assert _chained(problem, {"t1": ("any",)}) == {"t1": ["must"], "t2": ["any"]}


def test_a_chain_moves_a_stop_along_two_routes() -> None:
    """Only t1 may do "slp"; its "x" may go to t2 only if t2's "y" goes on to t3."""
    problem = day(
        [
            therapist("t1", skills=SLP | {"OT"}, max_visits=1),
            therapist("t2", home=3, skills=frozenset({"OT"}), max_visits=1),
            therapist("t3", home=6, skills=frozenset({"PT"})),
        ],
        [
            visit("slp", 1, required_skills=SLP),
            visit("x", 1, required_skills=frozenset({"OT"})),
            visit("y", 4),
        ],
    )
    chained = _chained(problem, {"t1": ("x",), "t2": ("y",)})
    assert chained == {"t1": ["slp"], "t2": ["x"], "t3": ["y"]}


def test_a_less_important_stop_is_left_out_for_a_more_important_visit() -> None:
    """One place, held by a low visit; a high one is left out and nobody else may take
    either."""
    problem = day(
        [therapist(max_visits=1)],
        [visit("low", 1, priority=Priority.LOW), visit("high", 2, priority=Priority.HIGH)],
    )
    assert _chained(problem, {"t1": ("low",)}) == {"t1": ["high"]}


def test_a_stop_as_important_as_the_visit_is_never_left_out_for_it() -> None:
    """The same place and two normal visits: swapping them would gain nothing."""
    problem = day([therapist(max_visits=1)], [visit("a", 1), visit("b", 2)])
    assert _chained(problem, {"t1": ("a",)}) == {"t1": ["a"]}


def test_no_chain_costs_more_than_the_visit_is_worth() -> None:
    """Making way sends "any" from t1 to t2 seven steps away and back: 140 min of driving
    for a low visit worth two hours."""
    problem = day(
        [therapist("t1", skills=SLP, max_visits=1), therapist("t2", home=7)],
        [visit("any", 0), visit("slp", 0, required_skills=SLP, priority=Priority.LOW)],
    )
    assert _chained(problem, {"t1": ("any",)}) == {"t1": ["any"]}


def test_the_repair_makes_no_chain_when_told_not_to() -> None:
    """A re-plan's locked prefixes: the repair only inserts directly."""
    problem = day(
        [therapist("t1", skills=SLP, max_visits=1), therapist("t2", home=4)],
        [visit("any", 2), visit("slp", 2, required_skills=SLP)],
    )
    _, visits, candidates = pre_check(problem)
    start = _timed(problem, {"t1": ("any",)})
    kept = insert_left_out(problem, visits, candidates, start, chains=False)
    chained = insert_left_out(problem, visits, candidates, start)
    assert [len(r.stops) for r in kept] == [1, 0]
    assert [len(r.stops) for r in chained] == [1, 1]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(), st.randoms(use_true_random=False))
def test_chains_never_raise_the_cost_nor_break_a_rule(problem: Problem, rng: object) -> None:
    """From a construction with some visits taken out again, the chains' routes pass the
    checker, hold every visit at most once and cost no more than their start."""
    _, visits, candidates = pre_check(problem)
    built = construct_routes(problem, visits, candidates)
    start = {
        tid: tuple(v for v in route if rng.random() < 0.7)  # type: ignore[attr-defined]
        for tid, route in built.items()
    }
    chained = place_by_chains(problem, visits, candidates, start)
    before, after = _timed(problem, start), _timed(problem, chained)
    violations = check_solution(problem, Solution(SolveStatus.COMPLETE, after))
    # Left-out visits carry no reason here: the probe gives them after the repair.
    assert [v for v in violations if v.kind != ViolationKind.MISSING_VISIT] == []
    routed = Counter(v for route in chained.values() for v in route)
    assert all(count == 1 for count in routed.values())

    def cost(routes: tuple[Route, ...]) -> int:
        on_routes = {s.visit_id for r in routes for s in r.stops}
        return objective(problem, routes, [v.id for v in visits if v.id not in on_routes])

    assert cost(after) <= cost(before)
