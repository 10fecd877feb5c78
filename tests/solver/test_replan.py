"""Re-planning from ``now``: frozen stops, events as changes to the day, disruption costs."""

from __future__ import annotations

from dataclasses import replace

import pytest

from solver import Priority, Problem, Solution
from solver.changes import ChangeKind, plan_changes
from solver.check import ViolationKind, check_solution
from solver.current_plan import ActualTimes, CurrentRoute, CurrentStop, Replan
from solver.freeze import frozen_routes
from tests.solver.conftest import (
    H,
    day,
    replanned,
    route_of,
    solve_checked,
    stops,
    therapist,
    visit,
    window,
)


def test_no_event_returns_the_current_plan_unchanged(two_ends: Problem, base: Solution) -> None:
    problem = replanned(two_ends, base, 10.5)
    solution = solve_checked(problem)
    assert solution.routes == base.routes
    assert "current plan still holds" in solution.stats.strategy
    assert plan_changes(problem, solution).changes == ()


def test_stops_started_before_now_are_frozen(two_ends: Problem, base: Solution) -> None:
    frozen = frozen_routes(replanned(two_ends, base, 10.5))
    assert frozen["t1"].visit_ids == ("v1", "v2")
    assert frozen["t1"].resume_s == 10 * H + 1800  # v2 ends at 10:30
    assert frozen["t2"].visit_ids == ("w1",)


def test_a_sick_therapists_unstarted_visits_go_elsewhere(two_ends: Problem, base: Solution) -> None:
    """t1 stops at 10:30, after v2: v3 and v4 move to t2; v1 and v2 stay as they were."""
    sick = replace(
        two_ends,
        therapists=(
            replace(two_ends.therapists[0], shift_end_s=int(10.5 * H)),
            two_ends.therapists[1],
        ),
    )
    problem = replanned(sick, base, 10.5)
    solution = solve_checked(problem)
    assert stops(solution, "t1") == stops(base, "t1")[:2]
    assert set(route_of(solution, "t2")) == {"w1", "v3", "v4"}
    changes = plan_changes(problem, solution)
    assert {(c.visit_id, c.kind) for c in changes.changes} == {
        ("v3", ChangeKind.MOVED),
        ("v4", ChangeKind.MOVED),
    }
    assert set(changes.therapists_to_tell) == {"t1", "t2"}
    # A patient is told of a new therapist only when the start moves beyond the promise.
    moved_s = {
        c.visit_id: abs(c.after.start_s - c.before.start_s)
        for c in changes.changes
        if c.after and c.before
    }
    assert set(changes.visits_to_tell) == {v for v, s in moved_s.items() if s > 1800}


def test_a_frozen_stop_past_the_new_shift_end_is_no_violation(
    two_ends: Problem, base: Solution
) -> None:
    """t1 stops at 10:15, during v2 (10:00-10:30): v2 is finished, then t1 drives home."""
    sick = replace(
        two_ends,
        therapists=(
            replace(two_ends.therapists[0], shift_end_s=int(10.25 * H)),
            two_ends.therapists[1],
        ),
    )
    problem = replanned(sick, base, 10.25)
    solution = solve_checked(problem)
    assert stops(solution, "t1") == stops(base, "t1")[:2]


def test_a_late_therapist_continues_from_the_actual_times(
    two_ends: Problem, base: Solution
) -> None:
    """At 9:50, t1 has been at v1 since 9:40 (40 minutes late): v1 ends at 10:10, so v2
    (planned 10:00, a 10-minute drive away) is retimed beyond a 10-minute promise."""
    actual = {"v1": ActualTimes(9 * H + 2400)}
    late = replace(
        two_ends,
        visits=tuple(
            replace(v, windows=(window(9, 12),)) if v.id in {"v2", "v3"} else v
            for v in two_ends.visits
        ),
    )
    problem = replanned(late, base, 9 + 50 / 60, actual=actual, promised_s=600)
    solution = solve_checked(problem)
    first, second = stops(solution, "t1")[:2]
    assert first == ("v1", 9 * H + 2400, 10 * H + 600)
    assert second[1] >= 10 * H + 1200
    changes = plan_changes(problem, solution)
    assert {c.visit_id: c.kind for c in changes.changes} == {"v2": ChangeKind.RETIMED}
    assert changes.visits_to_tell == ("v2",)


def test_a_longer_visit_in_progress_ends_later(two_ends: Problem, base: Solution) -> None:
    """v2 (checked in at 10:00) now takes 60 minutes: it ends at 11:00 and v3 cannot start
    at 11:00 on t1, so it moves or is left out with a reason."""
    longer = replace(
        two_ends,
        visits=tuple(replace(v, service_s=3600) if v.id == "v2" else v for v in two_ends.visits),
    )
    actual = {"v2": ActualTimes(10 * H)}
    problem = replanned(longer, base, 10.5, actual=actual)
    solution = solve_checked(problem)
    assert stops(solution, "t1")[1] == ("v2", 10 * H, 11 * H)
    assert "v3" not in route_of(solution, "t1")
    kinds = {c.visit_id: c.kind for c in plan_changes(problem, solution).changes}
    assert kinds["v3"] in {ChangeKind.MOVED, ChangeKind.UNASSIGNED}


def test_a_cancelled_visit_is_removed_and_nothing_else_moves(
    two_ends: Problem, base: Solution
) -> None:
    cancelled = replace(two_ends, visits=tuple(v for v in two_ends.visits if v.id != "v3"))
    problem = replanned(cancelled, base, 10.5)
    solution = solve_checked(problem)
    assert route_of(solution, "t1") == ["v1", "v2", "v4"]
    changes = plan_changes(problem, solution).changes
    assert [(c.visit_id, c.kind) for c in changes] == [("v3", ChangeKind.REMOVED)]


def test_an_urgent_visit_is_added_after_now(two_ends: Problem, base: Solution) -> None:
    urgent = visit("u1", 5, priority=Priority.HIGH)
    problem = replanned(replace(two_ends, visits=(*two_ends.visits, urgent)), base, 10.5)
    solution = solve_checked(problem)
    placed = {s.visit_id: s.start_s for r in solution.routes for s in r.stops}
    assert placed["u1"] >= int(10.5 * H)
    assert stops(solution, "t1")[:2] == stops(base, "t1")[:2]
    changes = plan_changes(problem, solution).changes
    assert ("u1", ChangeKind.ADDED) in {(c.visit_id, c.kind) for c in changes}


def test_a_visit_whose_windows_closed_before_now_is_left_out_with_a_reason(
    two_ends: Problem, base: Solution
) -> None:
    missed = visit("m1", 4, windows=(window(9, 10),))
    problem = replanned(replace(two_ends, visits=(*two_ends.visits, missed)), base, 10.5)
    solution = solve_checked(problem)
    left = next(u for u in solution.unassigned if u.visit_id == "m1")
    assert left.reason == "WINDOW_UNREACHABLE"
    assert "10:30" in left.message


@pytest.fixture
def far_visit() -> Problem:
    """t1 (home 0) was given x at 6, next to t2's home (7): moving x to t2 saves 10 steps
    (100 minutes) of driving."""
    return day(
        [therapist("t1", home=0), therapist("t2", home=7)],
        [visit("x", 6, windows=(window(11, 15),)), visit("y", 1, windows=(window(9, 10),))],
    )


@pytest.mark.parametrize(("change_minutes", "x_goes_to"), [(0, "t2"), (60, "t2"), (180, "t1")])
def test_the_therapist_change_cost_trades_off_against_driving(
    far_visit: Problem, change_minutes: int, x_goes_to: str
) -> None:
    """A new visit makes the day re-plan; x moves only when the change costs less than
    the 100 minutes of driving it saves."""
    current = (
        CurrentRoute("t1", (CurrentStop("y", 9 * H), CurrentStop("x", 11 * H))),
        CurrentRoute("t2", ()),
    )
    weights = replace(far_visit.weights, therapist_change=change_minutes * 60)
    new = visit("z", 2, priority=Priority.HIGH, windows=(window(13, 14),))
    problem = replace(
        far_visit,
        visits=(*far_visit.visits, new),
        weights=weights,
        replan=Replan(int(9.5 * H), current),
    )
    solution = solve_checked(problem)
    assert "x" in route_of(solution, x_goes_to)


# --- the checker holds the plan to the frozen stops -----------------------------------


def test_the_checker_reports_a_frozen_stop_that_moved(two_ends: Problem, base: Solution) -> None:
    problem = replanned(two_ends, base, 10.5)
    route = next(r for r in base.routes if r.therapist_id == "t1")
    moved = replace(route, stops=(route.stops[1], route.stops[0], *route.stops[2:]))
    broken = replace(base, routes=tuple(moved if r is route else r for r in base.routes))
    kinds = {v.kind for v in check_solution(problem, broken)}
    assert ViolationKind.LOCK in kinds


def test_the_checker_reports_an_unstarted_visit_placed_before_now(
    two_ends: Problem, base: Solution
) -> None:
    """At 9:30 v2 (10:00) had not started; a plan that says it starts at 10:00 while now is
    10:30 cannot be right when v2 was not frozen."""
    problem = replanned(two_ends, base, 10.5)
    replan = problem.replan
    assert replan is not None
    not_started = replace(
        replan,
        routes=tuple(
            replace(
                r,
                stops=tuple(
                    replace(s, start_s=11 * H) if s.visit_id == "v2" else s for s in r.stops
                ),
            )
            for r in replan.routes
        ),
    )
    violations = check_solution(replace(problem, replan=not_started), base)
    assert any(v.kind == ViolationKind.LOCK and v.visit_id == "v2" for v in violations)


def test_the_checker_forgives_a_frozen_stop_that_broke_its_window(
    two_ends: Problem, base: Solution
) -> None:
    """v1 (window 9:00 sharp) was done at 9:40 in reality: that happened, it is no fault."""
    actual = {"v1": ActualTimes(9 * H + 2400, 10 * H + 600)}
    relaxed = replace(
        two_ends,
        visits=tuple(
            replace(v, windows=(window(9, 12),)) if v.id in {"v2", "v3"} else v
            for v in two_ends.visits
        ),
    )
    problem = replanned(relaxed, base, 10.25, actual=actual)
    solution = solve_checked(problem)
    assert stops(solution, "t1")[0][1] == 9 * H + 2400


def test_a_day_without_therapists_left_leaves_every_unstarted_visit_out(
    two_ends: Problem, base: Solution
) -> None:
    """Both therapists are gone (the stored day then has none on shift): nothing is routed,
    every visit is unassigned with a reason, nothing fails."""
    problem = replanned(replace(two_ends, therapists=()), base, 10.5)
    solution = solve_checked(problem)
    assert solution.planned_count == 0
    assert {u.visit_id for u in solution.unassigned} == {v.id for v in two_ends.visits}


@pytest.mark.parametrize(("retime_per_s", "x_goes_to"), [(1, "t1"), (10, "t2")])
def test_the_retime_cost_trades_off_against_a_change_of_therapist(
    far_visit: Problem, retime_per_s: int, x_goes_to: str
) -> None:
    """x (an hour, at 1 next to t1's home, promised 11:00) must make room for a pinned must
    visit at 11:00 there: on t1 it starts 30 minutes beyond its promise either way; on t2
    it costs a change and 100 minutes' more driving. A cheap minute keeps it on t1."""
    current = (CurrentRoute("t1", (CurrentStop("x", 11 * H),)), CurrentRoute("t2", ()))
    visits = (
        visit("x", 1, minutes=60, windows=(window(9, 15),)),
        visit(
            "u",
            1,
            minutes=60,
            windows=(window(11, 11),),
            pinned_therapist="t1",
            priority=Priority.MUST,
        ),
    )
    problem = replace(
        far_visit,
        visits=visits,
        weights=replace(far_visit.weights, retime_per_s=retime_per_s),
        replan=Replan(int(9.5 * H), current),
    )
    solution = solve_checked(problem)
    assert "x" in route_of(solution, x_goes_to)
