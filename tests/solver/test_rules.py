"""One satisfied / violated pair per rule family, on days of five visits or fewer."""

from __future__ import annotations

from dataclasses import replace

import pytest

from solver import (
    BreakRule,
    FirstSolution,
    ObjectiveWeights,
    Params,
    Priority,
    Problem,
    Progress,
    SolveStatus,
    UnassignedReason,
)
from tests.solver.conftest import (
    DETERMINISTIC,
    STEP_S,
    H,
    day,
    line_matrix,
    reason_of,
    route_of,
    solve_checked,
    therapist,
    visit,
    window,
)

R = UnassignedReason


def test_windows_decide_the_order() -> None:
    """Morning, midday and afternoon windows, listed out of order."""
    visits = [
        visit("pm", 1, windows=(window(14, 15),)),
        visit("am", 3, windows=(window(9, 10),)),
        visit("noon", 2, windows=(window(11, 12),)),
    ]
    assert route_of(solve_checked(day([therapist()], visits)), "t1") == ["am", "noon", "pm"]


def test_shortest_tour_along_a_line() -> None:
    """Three visits out along a line: any optimal tour drives out to 3 and back once."""
    problem = day([therapist()], [visit("far", 3), visit("near", 1), visit("mid", 2)])
    solution = solve_checked(problem)
    assert solution.status == SolveStatus.COMPLETE
    route = solution.routes[0]
    assert route.travel_s == 6 * STEP_S
    assert route.distance_m == 6 * 5000


def test_route_leaves_as_late_as_the_first_window_allows() -> None:
    """Leaving at 8:00 for a 10:00 visit would be waiting reported as work."""
    problem = day([therapist()], [visit("v1", 2, windows=(window(10, 10.5),))])
    route = solve_checked(problem).routes[0]
    assert route.start_s == 10 * H - 2 * STEP_S
    assert route.stops[0].start_s == 10 * H
    assert route.stops[0].wait_s == 0
    assert route.work_s == 30 * 60 + 4 * STEP_S


def test_window_is_kept_and_waiting_reported() -> None:
    """Two visits whose windows force a wait between them."""
    problem = day(
        [therapist()],
        [visit("a", 1, windows=(window(9, 9),)), visit("b", 2, windows=(window(11, 12),))],
    )
    route = solve_checked(problem).routes[0]
    first, second = route.stops
    assert first.start_s == 9 * H
    assert second.start_s == 11 * H
    assert second.arrival_s == 9 * H + 1800 + STEP_S
    assert second.wait_s == 11 * H - (9 * H + 1800 + STEP_S)


def test_second_window_is_used_when_the_first_cannot_be_reached() -> None:
    """The 08:00-08:05 window is forty minutes' drive away; 14:00-15:00 is not."""
    problem = day([therapist()], [visit("v1", 4, windows=(window(8, 8 + 5 / 60), window(14, 15)))])
    stop = solve_checked(problem).routes[0].stops[0]
    assert 14 * H <= stop.start_s <= 15 * H


def test_window_outside_every_shift_is_reported() -> None:
    problem = day([therapist()], [visit("v1", 1, windows=(window(18, 19),))])
    solution = solve_checked(problem)
    assert reason_of(solution, "v1") == R.OUTSIDE_ALL_SHIFTS
    assert "18:00-19:00" in solution.unassigned[0].message


def test_window_too_early_to_reach_is_unreachable() -> None:
    """Shift starts at 08:00 and the patient is forty minutes away; window ends 08:20."""
    problem = day([therapist()], [visit("v1", 4, windows=(window(8, 8 + 20 / 60),))])
    assert reason_of(solve_checked(problem), "v1") == R.WINDOW_UNREACHABLE


def test_fixed_start_is_kept_exactly() -> None:
    """A zero-length window fixes the start."""
    problem = day([therapist()], [visit("v1", 1, windows=(window(10.25, 10.25),))])
    assert solve_checked(problem).routes[0].stops[0].start_s == 10 * H + 900


def test_visit_too_long_for_any_shift() -> None:
    problem = day([therapist(shift_end_s=10 * H)], [visit("v1", 1, minutes=150)])
    assert reason_of(solve_checked(problem), "v1") == R.TOO_LONG_FOR_SHIFT


def test_route_ends_home_by_the_shift_end() -> None:
    """Two one-hour visits forty minutes out fit in 08:00-11:00 only one at a time."""
    problem = day(
        [therapist(shift_end_s=11 * H)], [visit("a", 4, minutes=60), visit("b", 4, minutes=60)]
    )
    solution = solve_checked(problem)
    assert solution.planned_count == 1
    assert solution.routes[0].end_s is not None
    assert solution.routes[0].end_s <= 11 * H


@pytest.mark.parametrize(
    ("skills", "expected"), [(frozenset({"OT"}), "t_ot"), (frozenset({"PT"}), "t_pt")]
)
def test_visit_goes_to_a_therapist_with_its_skill(skills: frozenset[str], expected: str) -> None:
    therapists = [
        therapist("t_pt", skills=frozenset({"PT"})),
        therapist("t_ot", skills=frozenset({"OT"})),
    ]
    solution = solve_checked(day(therapists, [visit("v1", 1, required_skills=skills)]))
    assert route_of(solution, expected) == ["v1"]


def test_visit_needing_a_missing_skill_is_explained() -> None:
    problem = day(
        [therapist(skills=frozenset({"PT"}))],
        [visit("v1", 1, required_skills=frozenset({"SLP"}))],
        day_label="2026-11-30",
    )
    solution = solve_checked(problem)
    assert reason_of(solution, "v1") == R.NO_QUALIFIED_THERAPIST
    assert solution.unassigned[0].message == "no therapist with skills SLP works on 2026-11-30"


def test_excluded_therapist_is_avoided_even_when_closer() -> None:
    therapists = [therapist("near", home=1), therapist("far", home=5)]
    problem = day(therapists, [visit("v1", 1, excluded_therapists=frozenset({"near"}))])
    assert route_of(solve_checked(problem), "far") == ["v1"]


def test_only_excluded_therapists_left() -> None:
    problem = day([therapist()], [visit("v1", 1, excluded_therapists=frozenset({"t1"}))])
    assert reason_of(solve_checked(problem), "v1") == R.THERAPIST_EXCLUDED


def test_pin_beats_distance() -> None:
    therapists = [therapist("near", home=1), therapist("far", home=5)]
    problem = day(therapists, [visit("v1", 1, pinned_therapist="far")])
    assert route_of(solve_checked(problem), "far") == ["v1"]


@pytest.mark.parametrize(
    ("pin", "fragment"),
    [("nobody", "does not work"), ("t1", "excluded")],
)
def test_pin_that_cannot_hold(pin: str, fragment: str) -> None:
    problem = day(
        [therapist()], [visit("v1", 1, pinned_therapist=pin, excluded_therapists=frozenset({"t1"}))]
    )
    solution = solve_checked(problem)
    assert reason_of(solution, "v1") == R.PIN_INFEASIBLE
    assert fragment in solution.unassigned[0].message


def test_pinned_visit_unreachable_for_its_therapist() -> None:
    """Pinned to a morning therapist, the visit's window is in the afternoon."""
    therapists = [therapist("am", shift_end_s=12 * H), therapist("pm", shift_start_s=12 * H)]
    problem = day(therapists, [visit("v1", 1, windows=(window(14, 15),), pinned_therapist="am")])
    assert reason_of(solve_checked(problem), "v1") == R.PIN_INFEASIBLE


def test_max_visits_caps_the_route() -> None:
    problem = day([therapist(max_visits=2)], [visit(f"v{i}", i) for i in (1, 2, 3)])
    solution = solve_checked(problem)
    assert solution.planned_count == 2
    assert [u.reason for u in solution.unassigned] == [R.CAPACITY]


def test_max_work_caps_the_route() -> None:
    """Each visit is 30 min plus a 20 min round trip; two fit in 1h40, three do not."""
    problem = day([therapist(max_work_s=100 * 60)], [visit(f"v{i}", 1) for i in (1, 2, 3)])
    solution = solve_checked(problem)
    assert solution.planned_count == 2
    assert solution.routes[0].work_s <= 100 * 60


def test_break_splits_the_drive_between_two_visits(lunch: BreakRule) -> None:
    """Visits at 11:30 and 12:50 leave 50 min for a 20 min drive and the 30 min break."""
    problem = day(
        [therapist(break_rule=lunch)],
        [
            visit("a", 1, minutes=30, windows=(window(11.5, 11.5),)),
            visit("b", 3, minutes=30, windows=(window(12 + 50 / 60, 13),)),
        ],
    )
    route = solve_checked(problem).routes[0]
    assert route.break_start_s is not None
    assert route.break_end_s == route.break_start_s + 1800
    assert route.break_start_s >= 12 * H
    assert route.stops[1].start_s == 12 * H + 50 * 60
    assert route.stops[1].wait_s == 0
    assert route.work_s == route.end_s - route.start_s - 1800  # type: ignore[operator]


def test_break_that_leaves_no_room_drops_a_visit(lunch: BreakRule) -> None:
    """Back-to-back fixed visits across the whole break window: one has to go."""
    visits = [
        visit("a", 1, minutes=90, windows=(window(11.5, 11.5),)),
        visit("b", 1, minutes=90, windows=(window(13, 13),), priority=Priority.HIGH),
    ]
    solution = solve_checked(day([therapist(break_rule=lunch)], visits))
    assert route_of(solution, "t1") == ["b"]
    assert reason_of(solution, "a") == R.CAPACITY  # an empty day takes it: the day is full


def test_higher_priority_wins_a_clash() -> None:
    """Two fixed 10:00 visits and one therapist: the high one stays."""
    visits = [
        visit("normal", 1, windows=(window(10, 10),)),
        visit("high", 2, windows=(window(10, 10),), priority=Priority.HIGH),
    ]
    solution = solve_checked(day([therapist()], visits))
    assert route_of(solution, "t1") == ["high"]


def test_must_beats_high() -> None:
    visits = [
        visit("high", 1, windows=(window(10, 10),), priority=Priority.HIGH),
        visit("must", 6, windows=(window(10, 10),), priority=Priority.MUST),
    ]
    assert route_of(solve_checked(day([therapist()], visits)), "t1") == ["must"]


def test_low_priority_visit_far_away_is_not_worth_it() -> None:
    """A low visit needs a 2h20 round trip, more than its two-hour penalty."""
    problem = day([therapist()], [visit("low", 7, priority=Priority.LOW)])
    solution = solve_checked(problem)
    assert reason_of(solution, "low") == R.NOT_WORTH_PENALTY
    assert "low" in solution.unassigned[0].message


def test_preferred_therapist_gets_the_visit() -> None:
    """Both therapists live at the same place; only the preference decides."""
    therapists = [therapist("a"), therapist("b")]
    problem = day(therapists, [visit("v1", 2, preferred_therapists=frozenset({"b"}))])
    solution = solve_checked(problem)
    assert route_of(solution, "b") == ["v1"]
    assert solution.cost.preference_misses == 0


def test_preference_gives_way_to_a_hard_rule() -> None:
    """The preferred therapist lacks the skill: the visit is done, the miss is counted."""
    therapists = [therapist("a", skills=frozenset({"OT"})), therapist("b")]
    problem = day(
        therapists,
        [visit("v1", 2, preferred_therapists=frozenset({"b"}), required_skills=frozenset({"OT"}))],
    )
    solution = solve_checked(problem)
    assert route_of(solution, "a") == ["v1"]
    assert solution.cost.preference_misses == 1


def test_overtime_allowed_at_a_cost() -> None:
    """The visit ends at 16:30 and home is ten minutes away: 40 min past the 16:00 end."""
    visits = [visit("late", 1, windows=(window(15.5, 15.5),), minutes=60)]
    with_overtime = solve_checked(day([therapist(overtime_max_s=3600)], visits))
    assert with_overtime.cost.overtime_s == 40 * 60
    without = solve_checked(day([therapist()], visits))
    assert reason_of(without, "late") == R.WINDOW_UNREACHABLE


def test_balance_spreads_the_work() -> None:
    """Four identical visits and two identical therapists."""
    visits = [visit(f"v{i}", 1) for i in range(4)]
    therapists = [therapist("a"), therapist("b")]
    balanced = solve_checked(day(therapists, visits, weights=ObjectiveWeights(balance_per_s=10)))
    assert sorted(len(route_of(balanced, t)) for t in ("a", "b")) == [2, 2]
    unbalanced = solve_checked(day(therapists, visits))
    assert sorted(len(route_of(unbalanced, t)) for t in ("a", "b")) == [0, 4]


def test_locked_prefix_is_kept() -> None:
    """Locking v3 first makes the route go out and back, though that costs more."""
    problem = day([therapist()], [visit("v1", 1), visit("v3", 3)])
    params = replace(DETERMINISTIC, locked_prefixes={"t1": ("v3",)})
    solution = solve_checked(problem, params)
    assert route_of(solution, "t1") == ["v3", "v1"]


def test_warm_start_is_where_the_search_starts() -> None:
    """Both orders cost the same, so the search keeps whichever it starts from."""
    problem = day([therapist()], [visit("v1", 1), visit("v2", 2)])
    assert route_of(solve_checked(problem), "t1") == ["v1", "v2"]
    params = replace(DETERMINISTIC, warm_start={"t1": ("v2", "v1")})
    solution = solve_checked(problem, params)
    assert route_of(solution, "t1") == ["v2", "v1"]
    assert solution.stats.strategy.startswith("WARM_START")


def test_no_therapists_leaves_everything_unassigned() -> None:
    solution = solve_checked(day([], [visit("v1", 1)]))
    assert solution.status == SolveStatus.PARTIAL
    assert reason_of(solution, "v1") == R.NO_QUALIFIED_THERAPIST


def test_no_visits_is_a_complete_empty_plan() -> None:
    solution = solve_checked(day([therapist()], []))
    assert solution.status == SolveStatus.COMPLETE
    assert solution.routes[0].stops == ()
    assert solution.routes[0].start_s is None


def test_progress_is_reported() -> None:
    seen: list[Progress] = []
    params = Params(
        time_limit_s=120, metaheuristic=DETERMINISTIC.metaheuristic, on_progress=seen.append
    )
    solution = solve_checked(day([therapist()], [visit("v1", 1), visit("v2", 2)]), params)
    assert seen
    assert seen[-1].solutions_found == solution.stats.solutions_found
    assert solution.stats.first_solution_s is not None


def test_construction_falls_back_when_the_first_heuristic_builds_nothing() -> None:
    """Parallel cheapest insertion returns no assignment on this day (OR-Tools 9.15)."""
    therapists = [
        therapist("t0", shift_start_s=12 * H, skills=frozenset({"PT"})),
        therapist("t1", shift_end_s=12 * H, skills=frozenset({"PT"})),
    ]
    must = Priority.MUST
    visits = [
        visit("v0", 0, priority=must, preferred_therapists=frozenset({"t0"})),
        visit("v1", 0, priority=must, pinned_therapist="t1"),
        visit("v2", 0, priority=must, windows=(window(7, 7), window(12.25, 12.25))),
        visit("v3", 0, priority=must, preferred_therapists=frozenset({"absent"})),
        visit("v4", 0, priority=must),
        visit("v5", 0, priority=must, windows=(window(11.5, 12.5),)),
    ]
    problem = Problem({"car": line_matrix(1)}, tuple(therapists), tuple(visits))
    params = replace(DETERMINISTIC, first_solution=FirstSolution.PARALLEL_CHEAPEST_INSERTION)
    solution = solve_checked(problem, params)
    assert solution.status == SolveStatus.COMPLETE


@pytest.mark.parametrize("first", list(FirstSolution))
def test_every_construction_gives_a_checked_plan(first: FirstSolution, lunch: BreakRule) -> None:
    """Two therapists with lunch breaks and six visits with windows, whatever the start."""
    therapists = [therapist("a", break_rule=lunch), therapist("b", home=5, break_rule=lunch)]
    visits = [visit(f"v{i}", i, windows=(window(8 + i, 10 + i),)) for i in range(1, 7)]
    solution = solve_checked(day(therapists, visits), replace(DETERMINISTIC, first_solution=first))
    assert solution.status == SolveStatus.COMPLETE


def test_warm_start_is_read_when_preferences_are_priced() -> None:
    """Vehicle-dependent unary transits made OR-Tools reject every warm start."""
    therapists = [
        therapist("a", skills=frozenset({"PT"})),
        therapist("b", home=1, skills=frozenset({"PT", "L"})),
    ]
    visits = [
        visit(
            "v1", 2, required_skills=frozenset({"PT", "L"}), preferred_therapists=frozenset({"x"})
        ),
        visit("v2", 3, preferred_therapists=frozenset({"a"})),
    ]
    params = replace(DETERMINISTIC, warm_start={"a": ("v2",), "b": ("v1",)})
    solution = solve_checked(day(therapists, visits), params)
    assert solution.stats.strategy.startswith("WARM_START")


def _waiting_day(lunch: BreakRule, waiting_per_s: int) -> Problem:
    """t1 (lunch) and t2 live four steps apart; a fixed 09:00 visit near t1, a fixed 13:00
    one near t2, and one any time between them."""
    visits = [
        visit("morning", 1, windows=(window(9, 9),)),
        visit("afternoon", 3, windows=(window(13, 13),)),
        visit("any", 2),
    ]
    weights = ObjectiveWeights(waiting_per_s=waiting_per_s)
    return day(
        [therapist("t1", break_rule=lunch), therapist("t2", home=4)], visits, weights=weights
    )


def test_priced_waiting_keeps_a_day_from_idling(lunch: BreakRule) -> None:
    """One therapist could do all three for an hour's driving, idle from 09:30 to 13:00;
    with waiting priced like driving (waiting_per_s=1), two therapists drive an hour
    more and nobody waits."""
    solution = solve_checked(_waiting_day(lunch, 1))
    assert route_of(solution, "t2") == ["morning"]
    assert solution.cost.waiting_s == 0


def test_unpriced_waiting_gives_the_shortest_drive(lunch: BreakRule) -> None:
    """The same day with waiting free (the default): one route, the least travel, hours
    of waiting."""
    solution = solve_checked(_waiting_day(lunch, 0))
    assert route_of(solution, "t2") == []
    assert solution.cost.travel_s == 3600
    assert solution.cost.waiting_s == sum(s.wait_s for s in solution.routes[0].stops) > 2 * H


def test_a_search_that_stops_improving_stops_before_its_limit() -> None:
    """Guided local search never ends by itself; three solutions in a row without
    improvement end it (a count of solutions, not a race with the clock)."""
    problem = day([therapist()], [visit("a", 1), visit("b", 3), visit("c", 5)])
    params = Params(time_limit_s=600, stall_solutions=3)
    solution = solve_checked(problem, params)
    assert solution.stats.strategy.endswith("stopped after 3 solutions without improvement")
    assert solution.planned_count == 3


def test_a_search_with_no_move_left_stops_before_its_limit() -> None:
    """A day of one visit has no other solution, so no count of solutions ever ends it;
    a hundred thousand branches without one do (a count again, not the clock)."""
    problem = day([therapist()], [visit("a", 1)])
    solution = solve_checked(problem, Params(time_limit_s=600))
    assert solution.stats.stopped_early
    assert solution.stats.strategy.endswith("stopped when no move was left to try")
    assert solution.planned_count == 1


def test_no_stall_limit_runs_to_the_solution_limit() -> None:
    """With the stall limit off, only the solution limit ends the search."""
    problem = day([therapist()], [visit("a", 1), visit("b", 3), visit("c", 5)])
    params = Params(time_limit_s=600, stall_solutions=0, max_solutions=1)
    solution = solve_checked(problem, params)
    assert "stopped after" not in solution.stats.strategy
