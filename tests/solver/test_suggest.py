"""Slot suggestions: feasible, ranked by what they add, never before now or among frozen stops."""

from __future__ import annotations

from dataclasses import replace

from solver import Priority, Problem, Solution
from solver.check import check_solution
from solver.current_plan import Replan
from solver.suggest import cheapest_by_therapist, suggest_slots, with_suggestion
from tests.solver.conftest import STEP_S, H, replanned, stops, visit, window


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


def test_each_therapist_gets_its_cheapest_checked_place(two_ends: Problem, base: Solution) -> None:
    """A visit at 6 from 11:00: t2 is there for w1 (nothing added); t1 can only add it after
    v4 at 2, the drive 2 -> 6 -> 0 instead of 2 -> 0 (eight steps more)."""
    day = replanned(two_ends, base, 0)
    new = visit("n1", 6, minutes=20, windows=(window(11, 15),))
    best = cheapest_by_therapist(day, new)
    assert {key: s.added_travel_s for key, s in best.items()} == {"t1": 8 * STEP_S, "t2": 0}
    with_new = replace(day, visits=(*day.visits, new))
    for suggestion in best.values():
        plan = with_suggestion(day, new, suggestion.therapist_id, suggestion.position)
        assert check_solution(with_new, plan) == []


def test_an_empty_plan_places_the_visit_from_home(two_ends: Problem) -> None:
    """No routes yet: the drive from each home (0 and 7) to 3 and back."""
    empty = replace(two_ends, visits=(), replan=Replan(0, ()))
    best = cheapest_by_therapist(empty, visit("n1", 3))
    assert {key: s.added_travel_s for key, s in best.items()} == {
        "t1": 6 * STEP_S,
        "t2": 8 * STEP_S,
    }


def test_only_the_allowed_therapists_are_tried(two_ends: Problem, base: Solution) -> None:
    day = replanned(two_ends, base, 0)
    new = visit("n1", 3, allowed_therapists=frozenset({"t2"}))
    assert set(cheapest_by_therapist(day, new)) == {"t2"}


def test_a_therapist_without_room_gets_no_place(two_ends: Problem, base: Solution) -> None:
    """t1 is booked from 9:00: a two-hour visit at 5 that starts by 10:00 fits only t2,
    before w1."""
    day = replanned(two_ends, base, 0)
    new = visit("n1", 5, minutes=120, windows=(window(8, 10),))
    assert set(cheapest_by_therapist(day, new)) == {"t2"}
