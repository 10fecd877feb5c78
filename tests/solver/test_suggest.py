"""Slot suggestions: feasible, ranked by what they add, never before now or among frozen stops."""

from __future__ import annotations

from dataclasses import replace

from solver import Priority, Problem, Solution
from solver.check import check_solution
from solver.suggest import suggest_slots, with_suggestion
from tests.solver.conftest import H, replanned, stops, visit, window


def test_suggestions_are_feasible_ranked_and_after_now(two_ends: Problem, base: Solution) -> None:
    day = replanned(two_ends, base, 10.5)
    new = visit("n1", 5, minutes=20, priority=Priority.HIGH)
    suggestions = suggest_slots(day, new, count=4)
    assert suggestions
    costs = [s.cost for s in suggestions]
    assert costs == sorted(costs)
    assert len({(s.therapist_id, s.position) for s in suggestions}) == len(suggestions)
    with_new = replace(day, visits=(*day.visits, new))
    for suggestion in suggestions:
        assert suggestion.start_s >= int(10.5 * H)
        plan = with_suggestion(day, new, suggestion.therapist_id, suggestion.position)
        assert check_solution(with_new, plan) == []
        assert stops(plan, "t1")[:2] == stops(base, "t1")[:2]


def test_the_cheapest_slot_is_next_to_the_visit(two_ends: Problem, base: Solution) -> None:
    """A visit at t2's place (6) is cheapest on t2, who is already there for w1."""
    day = replanned(two_ends, base, 10.5)
    best = suggest_slots(day, visit("n1", 6, minutes=20, windows=(window(11, 15),)))[0]
    assert best.therapist_id == "t2"
    assert best.added_travel_s == 0


def test_a_visit_whose_windows_closed_gets_no_suggestion(two_ends: Problem, base: Solution) -> None:
    day = replanned(two_ends, base, 10.5)
    assert suggest_slots(day, visit("n1", 5, windows=(window(9, 10),))) == []


def test_a_suggestion_that_moves_a_promised_start_says_so(
    two_ends: Problem, base: Solution
) -> None:
    """t1's afternoon is fixed (v3 at 11:00, v4 at 12:00): a one-hour visit between them on
    t1 pushes v4 beyond its 10-minute promise, which the suggestion names and prices."""
    relaxed = replace(
        two_ends,
        therapists=(two_ends.therapists[0],),
        visits=tuple(
            replace(v, windows=(window(9, 15),)) if v.id == "v4" else v
            for v in two_ends.visits
            if v.id != "w1"
        ),
    )
    only_t1 = replace(base, routes=tuple(r for r in base.routes if r.therapist_id == "t1"))
    day = replanned(relaxed, only_t1, 10.5, promised_s=600)
    new = visit("n1", 3, minutes=60, windows=(window(11, 12),))
    suggestions = suggest_slots(day, new)
    assert suggestions
    moved = [s for s in suggestions if "v4" in s.retimed]
    assert moved
    assert all(s.cost > s.added_travel_s for s in moved)
