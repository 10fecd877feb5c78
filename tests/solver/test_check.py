"""The plan checker: valid hand-made plans pass; each broken rule is reported on its own.

The day: t1 (home at 0, breaks 30 min in 11:30-14:00) drives to v1 and v2 and splits the
drive between them around the break; t2 (home at 4, no break rule) does v3 and v4; t3 has
no work; v5 is unassigned. Every time below was worked out by hand from ``MINUTES``.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solver.check import Violation, ViolationKind, check_solution
from solver.problem import (
    BreakRule,
    ClockChange,
    Priority,
    Problem,
    Therapist,
    TimeWindow,
    TravelMatrix,
    Visit,
)
from solver.solution import (
    Route,
    Solution,
    SolveStatus,
    Stop,
    Unassigned,
    UnassignedReason,
)

if TYPE_CHECKING:
    from collections.abc import Callable

# Driving minutes between the five locations: t1's home 0, patients 1-3, t2's and t3's home 4.
MINUTES = [
    [0, 10, 20, 15, 30],
    [10, 0, 10, 20, 25],
    [20, 10, 0, 10, 15],
    [15, 20, 10, 0, 20],
    [30, 25, 15, 20, 0],
]
METRES_A_MINUTE = 800


def at(clock: str) -> int:
    """Seconds after midnight of an ``HH:MM`` time."""
    hours, mins = clock.split(":")
    return int(hours) * 3600 + int(mins) * 60


def minutes(count: int) -> int:
    return count * 60


def metres(drive_minutes: int) -> int:
    return drive_minutes * METRES_A_MINUTE


def stop(
    visit_id: str, arrival: str, start: str, end: str, drive_minutes: int, wait_minutes: int
) -> Stop:
    return Stop(
        visit_id=visit_id,
        arrival_s=at(arrival),
        start_s=at(start),
        end_s=at(end),
        travel_s=minutes(drive_minutes),
        distance_m=metres(drive_minutes),
        wait_s=minutes(wait_minutes),
    )


# --- fixtures ---------------------------------------------------------------------------


@pytest.fixture
def travel() -> TravelMatrix:
    """Five locations, travel times from ``MINUTES`` and 800 m for each minute of driving."""
    durations = np.array([[minutes(m) for m in row] for row in MINUTES], dtype=np.int64)
    distances = np.array([[metres(m) for m in row] for row in MINUTES], dtype=np.int64)
    return TravelMatrix(durations_s=durations, distances_m=distances)


def one_window(start: str, end: str) -> tuple[TimeWindow, ...]:
    return (TimeWindow(at(start), at(end)),)


@pytest.fixture
def problem(travel: TravelMatrix) -> Problem:
    """Three therapists, five visits; t1 has every limit set, t2 none, t3 stays home."""
    lunch = BreakRule(
        earliest_start_s=at("11:30"), latest_end_s=at("14:00"), duration_s=minutes(30)
    )
    t1 = Therapist(
        "t1",
        start_location=0,
        end_location=0,
        shift_start_s=at("08:00"),
        shift_end_s=at("16:00"),
        skills=frozenset({"PT"}),
        max_visits=3,
        max_work_s=minutes(8 * 60),
        break_rule=lunch,
        capacity=5,
    )
    t2 = Therapist("t2", 4, 4, at("08:00"), at("16:00"), frozenset({"PT", "OT"}))
    t3 = Therapist("t3", 4, 4, at("08:00"), at("16:00"), break_rule=lunch)
    pt, ot = frozenset({"PT"}), frozenset({"OT"})
    visits = (
        Visit("v1", 1, minutes(45), one_window("10:30", "11:00"), pt, load=1),
        Visit("v2", 2, minutes(60), one_window("12:00", "13:00"), pt, load=1),
        Visit("v3", 3, minutes(30), one_window("08:30", "09:00"), ot, pinned_therapist="t2"),
        Visit("v4", 2, minutes(30)),
        Visit("v5", 1, minutes(20), priority=Priority.LOW),
    )
    return Problem(travel={"car": travel}, therapists=(t1, t2, t3), visits=visits)


@pytest.fixture
def t2_route() -> Route:
    """t2 leaves at 08:00, waits 10 min at v3, goes on to v4 and drives home."""
    return Route(
        "t2",
        stops=(
            stop("v3", "08:20", "08:30", "09:00", drive_minutes=20, wait_minutes=10),
            stop("v4", "09:10", "09:10", "09:40", drive_minutes=10, wait_minutes=0),
        ),
        start_s=at("08:00"),
        end_s=at("09:55"),
        travel_s=minutes(45),
        distance_m=metres(45),
        work_s=minutes(115),
    )


@pytest.fixture
def plan(t2_route: Route) -> Solution:
    """t1 drives 5 min from v1, breaks 11:35-12:05, then drives the other 5 min to v2."""
    t1 = Route(
        "t1",
        stops=(
            stop("v1", "10:45", "10:45", "11:30", drive_minutes=10, wait_minutes=0),
            stop("v2", "12:10", "12:10", "13:10", drive_minutes=10, wait_minutes=0),
        ),
        start_s=at("10:35"),
        end_s=at("13:30"),
        break_start_s=at("11:35"),
        break_end_s=at("12:05"),
        travel_s=minutes(40),
        distance_m=metres(40),
        work_s=minutes(175 - 30),
    )
    return _solution(t1, t2_route, unassigned=("v5",))


@pytest.fixture
def plan_break_before_first(t2_route: Route) -> Solution:
    """t1 leaves at 11:20, breaks 11:30-12:00 on the way, reaches v2 at 12:10; v1 unassigned."""
    t1 = Route(
        "t1",
        stops=(stop("v2", "12:10", "12:10", "13:10", drive_minutes=20, wait_minutes=0),),
        start_s=at("11:20"),
        end_s=at("13:30"),
        break_start_s=at("11:30"),
        break_end_s=at("12:00"),
        travel_s=minutes(40),
        distance_m=metres(40),
        work_s=minutes(130 - 30),
    )
    return _solution(t1, t2_route, unassigned=("v1", "v5"))


@pytest.fixture
def plan_break_after_last(t2_route: Route) -> Solution:
    """t1 breaks 11:30-12:00 right after v1, then drives home; v2 unassigned."""
    t1 = Route(
        "t1",
        stops=(stop("v1", "10:45", "10:45", "11:30", drive_minutes=10, wait_minutes=0),),
        start_s=at("10:35"),
        end_s=at("12:10"),
        break_start_s=at("11:30"),
        break_end_s=at("12:00"),
        travel_s=minutes(20),
        distance_m=metres(20),
        work_s=minutes(95 - 30),
    )
    return _solution(t1, t2_route, unassigned=("v2", "v5"))


def _solution(*routes: Route, unassigned: tuple[str, ...]) -> Solution:
    """The plan with t3's empty route added and the given visits unassigned."""
    return Solution(
        status=SolveStatus.PARTIAL,
        routes=(*routes, Route("t3")),
        unassigned=tuple(
            Unassigned(visit_id, UnassignedReason.NOT_WORTH_PENALTY, "not worth it")
            for visit_id in unassigned
        ),
    )


# --- helpers ----------------------------------------------------------------------------


def with_therapist(problem: Problem, therapist_id: str, **changes: Any) -> Problem:
    therapists = tuple(
        replace(t, **changes) if t.id == therapist_id else t for t in problem.therapists
    )
    return replace(problem, therapists=therapists)


def with_visit(problem: Problem, visit_id: str, **changes: Any) -> Problem:
    visits = tuple(replace(v, **changes) if v.id == visit_id else v for v in problem.visits)
    return replace(problem, visits=visits)


def with_route(solution: Solution, therapist_id: str, **changes: Any) -> Solution:
    routes = tuple(
        replace(r, **changes) if r.therapist_id == therapist_id else r for r in solution.routes
    )
    return replace(solution, routes=routes)


def with_stop(solution: Solution, therapist_id: str, index: int, **changes: Any) -> Solution:
    route = next(r for r in solution.routes if r.therapist_id == therapist_id)
    stops = list(route.stops)
    stops[index] = replace(stops[index], **changes)
    return with_route(solution, therapist_id, stops=tuple(stops))


def kinds_only(kind: ViolationKind, violations: list[Violation]) -> list[Violation]:
    """The violations found, after asserting there are some and all are of ``kind``."""
    assert violations, f"no {kind} violation found"
    assert {v.kind for v in violations} == {kind}, [v.message for v in violations]
    return violations


# --- valid plans ------------------------------------------------------------------------


@pytest.mark.parametrize("plan_name", ["plan", "plan_break_before_first", "plan_break_after_last"])
def test_valid_plan_has_no_violations(
    problem: Problem, plan_name: str, request: pytest.FixtureRequest
) -> None:
    assert check_solution(problem, request.getfixturevalue(plan_name)) == []


def without_distances(solution: Solution) -> Solution:
    routes = tuple(
        replace(
            route,
            distance_m=None,
            stops=tuple(replace(s, distance_m=None) for s in route.stops),
        )
        for route in solution.routes
    )
    return replace(solution, routes=routes)


def test_time_only_plan_has_no_distances(problem: Problem, plan: Solution) -> None:
    durations = problem.travel["car"].durations_s
    time_only = replace(problem, travel={"car": TravelMatrix(durations_s=durations)})

    assert check_solution(time_only, without_distances(plan)) == []
    violations = kinds_only(ViolationKind.FIGURES, check_solution(time_only, plan))
    assert "but the matrix gives no distance" in violations[0].message


def test_kept_locks_pass(problem: Problem, plan: Solution) -> None:
    locks = {"t1": ["v1"], "t2": ("v3", "v4"), "t3": ()}
    assert check_solution(problem, plan, locks) == []


# --- a problem the valid plan no longer fits --------------------------------------------

VISIT_FAULTS = [
    pytest.param(
        "v1",
        {"windows": one_window("09:00", "10:00")},
        ViolationKind.WINDOW,
        ["10:45:00", "outside its window 09:00-10:00"],
        id="window",
    ),
    pytest.param(
        "v2",
        {"windows": (*one_window("09:00", "10:00"), *one_window("14:00", "15:00"))},
        ViolationKind.WINDOW,
        ["12:10:00", "09:00-10:00, 14:00-15:00"],
        id="two-windows",
    ),
    pytest.param(
        "v2", {"required_skills": frozenset({"PT", "OT"})}, ViolationKind.SKILL, ["OT"], id="skill"
    ),
    pytest.param(
        "v2", {"excluded_therapists": frozenset({"t1"})}, ViolationKind.EXCLUSION, [], id="excluded"
    ),
    pytest.param(
        "v2",
        {"allowed_therapists": frozenset({"t2"})},
        ViolationKind.NOT_ALLOWED,
        ["only t2"],
        id="not-allowed",
    ),
    pytest.param("v1", {"pinned_therapist": "t2"}, ViolationKind.PIN, ["pinned to t2"], id="pin"),
]


@pytest.mark.parametrize(("visit_id", "changes", "kind", "fragments"), VISIT_FAULTS)
def test_visit_rule_is_reported(
    problem: Problem,
    plan: Solution,
    visit_id: str,
    changes: dict[str, Any],
    kind: ViolationKind,
    fragments: list[str],
) -> None:
    violations = check_solution(with_visit(problem, visit_id, **changes), plan)

    [violation] = kinds_only(kind, violations)
    assert (violation.therapist_id, violation.visit_id) == ("t1", visit_id)
    for fragment in [visit_id, "t1's route", *fragments]:
        assert fragment in violation.message


THERAPIST_FAULTS = [
    pytest.param(
        {"shift_start_s": at("11:00")},
        ViolationKind.SHIFT,
        ["starts at 10:35:00", "11:00"],
        id="starts-before-shift",
    ),
    pytest.param(
        {"shift_end_s": at("13:00")},
        ViolationKind.SHIFT,
        ["ends at 13:30:00", "13:00"],
        id="ends-after-shift",
    ),
    pytest.param(
        {"shift_end_s": at("13:00"), "overtime_max_s": minutes(20)},
        ViolationKind.SHIFT,
        ["13:30:00", "plus the 20 min of overtime"],
        id="ends-after-overtime",
    ),
    pytest.param(
        {"break_rule": BreakRule(at("11:30"), at("14:00"), minutes(45))},
        ViolationKind.BREAK,
        ["11:35:00-12:05:00", "lasts 30 min, not 45 min"],
        id="break-too-short",
    ),
    pytest.param(
        {"break_rule": BreakRule(at("11:40"), at("14:00"), minutes(30))},
        ViolationKind.BREAK,
        ["starts before 11:40"],
        id="break-too-early",
    ),
    pytest.param(
        {"break_rule": BreakRule(at("11:00"), at("12:00"), minutes(30))},
        ViolationKind.BREAK,
        ["ends after 12:00"],
        id="break-too-late",
    ),
    pytest.param(
        {"break_rule": None}, ViolationKind.BREAK, ["no break rule"], id="break-without-rule"
    ),
    pytest.param({"max_visits": 1}, ViolationKind.MAX_VISITS, ["2 visits"], id="max-visits"),
    pytest.param(
        {"max_work_s": minutes(120)},
        ViolationKind.MAX_WORK,
        ["works 2 h 25 min", "10:35:00-13:30:00 less a 30 min break", "2 h allowed"],
        id="max-work",
    ),
    pytest.param({"capacity": 1}, ViolationKind.CAPACITY, ["load of 2"], id="capacity"),
]


@pytest.mark.parametrize(("changes", "kind", "fragments"), THERAPIST_FAULTS)
def test_therapist_rule_is_reported(
    problem: Problem,
    plan: Solution,
    changes: dict[str, Any],
    kind: ViolationKind,
    fragments: list[str],
) -> None:
    violations = check_solution(with_therapist(problem, "t1", **changes), plan)

    [violation] = kinds_only(kind, violations)
    assert violation.therapist_id == "t1"
    for fragment in ["t1", *fragments]:
        assert fragment in violation.message


# --- hand-made bad plans ----------------------------------------------------------------


def break_overlapping_v2(plan: Solution) -> Solution:
    """The break moves onto v2; v2's wait grows by the 30 min the break no longer takes."""
    moved = with_route(plan, "t1", break_start_s=at("12:00"), break_end_s=at("12:30"))
    return with_stop(moved, "t1", 1, wait_s=minutes(30))


def break_after_route_end(plan: Solution) -> Solution:
    moved = with_route(plan, "t1", break_start_s=at("13:30"), break_end_s=at("14:00"))
    return with_stop(moved, "t1", 1, wait_s=minutes(30))


def no_break(plan: Solution) -> Solution:
    dropped = with_route(plan, "t1", break_start_s=None, break_end_s=None, work_s=minutes(175))
    return with_stop(dropped, "t1", 1, wait_s=minutes(30))


def break_for_t2(plan: Solution) -> Solution:
    """t2, who has no break rule, spends 10 of its 08:30 wait on a break."""
    with_break = with_route(
        plan, "t2", break_start_s=at("08:20"), break_end_s=at("08:30"), work_s=minutes(105)
    )
    return with_stop(with_break, "t2", 0, wait_s=0)


def v4_too_soon_after_v3(plan: Solution) -> Solution:
    """v4 starts 5 min early; its wait is the -5 min that makes the figures agree."""
    return with_stop(
        plan, "t2", 1, arrival_s=at("09:05"), start_s=at("09:05"), end_s=at("09:35"), wait_s=-300
    )


def v2_squeezed_after_break(plan: Solution) -> Solution:
    """v2 starts 5 min early: the gap no longer holds the drive and the break."""
    return with_stop(
        plan, "t1", 1, arrival_s=at("12:05"), start_s=at("12:05"), end_s=at("13:05"), wait_s=-300
    )


def extra_route(route: Route) -> Callable[[Solution], Solution]:
    return lambda plan: replace(plan, routes=(*plan.routes, route))


def unassigned_also(visit_id: str) -> Callable[[Solution], Solution]:
    extra = Unassigned(visit_id, UnassignedReason.NOT_WORTH_PENALTY, "not worth it")
    return lambda plan: replace(plan, unassigned=(*plan.unassigned, extra))


V5_BY_T9 = Route(
    "t9",
    stops=(stop("v5", "08:10", "08:10", "08:30", drive_minutes=10, wait_minutes=0),),
    start_s=at("08:00"),
    end_s=at("08:40"),
)

PLAN_FAULTS = [
    pytest.param(
        lambda plan: with_stop(plan, "t1", 1, end_s=at("13:00")),
        ViolationKind.TIMING,
        ["v2", "ends at 13:00:00", "lasts 1 h", "13:10:00"],
        id="stop-shorter-than-service",
    ),
    pytest.param(
        v4_too_soon_after_v3,
        ViolationKind.TIMING,
        ["v4 starts at 09:05:00 on t2's route", "leaving visit v3 at 09:00:00", "09:10:00"],
        id="drive-too-short",
    ),
    pytest.param(
        v2_squeezed_after_break,
        ViolationKind.TIMING,
        ["v2 starts at 12:05:00", "10 min of travel and the 30 min break", "12:10:00"],
        id="no-room-for-drive-and-break",
    ),
    pytest.param(
        lambda plan: with_route(plan, "t1", end_s=at("13:20"), work_s=minutes(135)),
        ViolationKind.TIMING,
        ["t1's route ends at 13:20:00", "cannot end before 13:30:00"],
        id="home-too-early",
    ),
    pytest.param(
        lambda plan: with_route(plan, "t1", start_s=None),
        ViolationKind.SHIFT,
        ["t1's route has visits but no start"],
        id="used-route-without-start",
    ),
    pytest.param(
        break_overlapping_v2,
        ViolationKind.BREAK,
        ["t1's break 12:00:00-12:30:00 overlaps visit v2 at 12:10:00-13:10:00"],
        id="break-overlaps-visit",
    ),
    pytest.param(
        break_after_route_end,
        ViolationKind.BREAK,
        ["t1's break 13:30:00-14:00:00 lies outside the route"],
        id="break-after-route",
    ),
    pytest.param(
        no_break, ViolationKind.BREAK, ["t1", "30 min break between 11:30 and 14:00"], id="no-break"
    ),
    pytest.param(break_for_t2, ViolationKind.BREAK, ["t2 has no break rule"], id="unwanted-break"),
    pytest.param(
        lambda plan: with_stop(plan, "t1", 0, travel_s=minutes(15)),
        ViolationKind.FIGURES,
        ["v1 on t1's route reports 15 min of travel from the start location", "gives 10 min"],
        id="stop-travel",
    ),
    pytest.param(
        lambda plan: with_stop(plan, "t1", 1, distance_m=1),
        ViolationKind.FIGURES,
        ["v2", "reports 1 m from visit v1", "gives 8000 m"],
        id="stop-distance",
    ),
    pytest.param(
        lambda plan: with_stop(plan, "t1", 1, wait_s=minutes(5)),
        ViolationKind.FIGURES,
        ["v2", "a wait of 5 min", "waits 0 s"],
        id="stop-wait",
    ),
    pytest.param(
        lambda plan: with_stop(plan, "t1", 1, arrival_s=at("12:15")),
        ViolationKind.FIGURES,
        ["v2", "arrival at 12:15:00"],
        id="arrival-after-start",
    ),
    pytest.param(
        lambda plan: with_stop(plan, "t2", 0, arrival_s=at("08:10")),
        ViolationKind.FIGURES,
        ["v3", "arrival at 08:10:00", "08:20:00"],
        id="arrival-before-drive",
    ),
    pytest.param(
        lambda plan: with_route(plan, "t1", travel_s=minutes(30)),
        ViolationKind.FIGURES,
        ["t1's route reports 30 min of travel", "add up to 40 min"],
        id="route-travel",
    ),
    pytest.param(
        lambda plan: with_route(plan, "t1", distance_m=None),
        ViolationKind.FIGURES,
        ["t1's route reports no distance", "add up to 32000 m"],
        id="route-distance",
    ),
    pytest.param(
        lambda plan: with_route(plan, "t1", work_s=minutes(175)),
        ViolationKind.FIGURES,
        ["t1's route reports 2 h 55 min of work", "is 2 h 25 min"],
        id="route-work",
    ),
    pytest.param(
        lambda plan: with_route(plan, "t3", start_s=at("08:00"), end_s=at("08:00")),
        ViolationKind.FIGURES,
        ["t3's route has no visits but reports a start and an end"],
        id="unused-route-times",
    ),
    pytest.param(
        lambda plan: with_route(plan, "t3", break_start_s=at("12:00"), break_end_s=at("12:30")),
        ViolationKind.FIGURES,
        ["t3", "a break start and a break end"],
        id="unused-route-break",
    ),
    pytest.param(
        lambda plan: with_route(plan, "t3", travel_s=60),
        ViolationKind.FIGURES,
        ["t3", "1 min of travel"],
        id="unused-route-travel",
    ),
    pytest.param(
        unassigned_also("v1"),
        ViolationKind.DUPLICATE_VISIT,
        ["v1 appears 2 times", "on t1's route, as unassigned"],
        id="duplicate",
    ),
    pytest.param(
        lambda plan: replace(plan, unassigned=()),
        ViolationKind.MISSING_VISIT,
        ["v5 is neither on a route nor listed as unassigned"],
        id="missing",
    ),
    pytest.param(
        unassigned_also("v9"),
        ViolationKind.UNKNOWN_VISIT,
        ["visit v9 as unassigned", "no such visit"],
        id="unknown-visit",
    ),
    pytest.param(
        extra_route(Route("t9")),
        ViolationKind.UNKNOWN_THERAPIST,
        ["route for t9"],
        id="unknown-therapist",
    ),
    pytest.param(
        lambda plan: replace(plan, routes=(*plan.routes, V5_BY_T9), unassigned=()),
        ViolationKind.UNKNOWN_THERAPIST,
        ["route for t9"],
        id="unknown-therapist-with-visits",
    ),
    pytest.param(
        extra_route(Route("t3")),
        ViolationKind.UNKNOWN_THERAPIST,
        ["more than one route for t3"],
        id="second-route",
    ),
]


@pytest.mark.parametrize(("spoil", "kind", "fragments"), PLAN_FAULTS)
def test_bad_plan_is_reported(
    problem: Problem,
    plan: Solution,
    spoil: Callable[[Solution], Solution],
    kind: ViolationKind,
    fragments: list[str],
) -> None:
    [violation] = kinds_only(kind, check_solution(problem, spoil(plan)))
    for fragment in fragments:
        assert fragment in violation.message


LOCK_FAULTS = [
    pytest.param({"t1": ["v2"]}, ["t1's route", "locked visits v2", "begins with v1"], id="order"),
    pytest.param({"t1": ["v1", "v2", "v4"]}, ["v1, v2, v4", "begins with v1, v2"], id="longer"),
    pytest.param({"t3": ["v5"]}, ["t3's route", "begins with no visit"], id="empty-route"),
    pytest.param({"t9": ["v5"]}, ["t9's route", "no route for them"], id="no-route"),
]


@pytest.mark.parametrize(("locks", "fragments"), LOCK_FAULTS)
def test_broken_lock_is_reported(
    problem: Problem, plan: Solution, locks: dict[str, list[str]], fragments: list[str]
) -> None:
    [violation] = kinds_only(ViolationKind.LOCK, check_solution(problem, plan, locks))
    assert violation.therapist_id == next(iter(locks))
    for fragment in fragments:
        assert fragment in violation.message


def test_every_kind_has_a_bad_plan() -> None:
    tables = [VISIT_FAULTS, THERAPIST_FAULTS, PLAN_FAULTS]
    kinds = {case.values[-2] for table in tables for case in table} | {ViolationKind.LOCK}
    assert kinds == set(ViolationKind)


# --- several faults at once -------------------------------------------------------------


def test_every_broken_rule_is_listed(problem: Problem, plan: Solution) -> None:
    late_v1 = with_visit(problem, "v1", windows=one_window("09:00", "10:00"))
    strict = with_therapist(late_v1, "t1", max_visits=1)
    wrong_travel = with_route(plan, "t1", travel_s=0)

    kinds = [v.kind for v in check_solution(strict, wrong_travel)]

    assert sorted(kinds) == sorted(
        [ViolationKind.WINDOW, ViolationKind.MAX_VISITS, ViolationKind.FIGURES]
    )


def test_unknown_visit_on_a_route(problem: Problem, plan: Solution) -> None:
    """An unknown stop is reported, and the checks around it do not fail on it."""
    violations = check_solution(problem, with_stop(plan, "t2", 1, visit_id="v9"))

    assert {(v.kind, v.visit_id) for v in violations} == {
        (ViolationKind.UNKNOWN_VISIT, "v9"),
        (ViolationKind.MISSING_VISIT, "v4"),
    }
    assert "the plan lists visit v9 on t2's route" in violations[0].message


# --- robustness -------------------------------------------------------------------------

clock_times = st.integers(min_value=-3600, max_value=30 * 3600)
maybe_times = st.none() | clock_times
garbage_stops = st.builds(
    Stop,
    visit_id=st.sampled_from(["v1", "v2", "v3", "v4", "v5", "v9"]),
    arrival_s=clock_times,
    start_s=clock_times,
    end_s=clock_times,
    travel_s=clock_times,
    distance_m=maybe_times,
    wait_s=clock_times,
)
garbage_routes = st.builds(
    Route,
    therapist_id=st.sampled_from(["t1", "t2", "t3", "t9"]),
    stops=st.lists(garbage_stops, max_size=4).map(tuple),
    start_s=maybe_times,
    end_s=maybe_times,
    break_start_s=maybe_times,
    break_end_s=maybe_times,
    travel_s=clock_times,
    distance_m=maybe_times,
    work_s=clock_times,
)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(routes=st.lists(garbage_routes, max_size=4))
def test_any_plan_is_checked_without_error(problem: Problem, routes: list[Route]) -> None:
    """The checker runs on every solve: whatever a plan holds, it reports and never raises."""
    solution = Solution(status=SolveStatus.PARTIAL, routes=tuple(routes))

    violations = check_solution(problem, solution, {"t1": ["v1"]})

    assert all(isinstance(v.kind, ViolationKind) and v.message for v in violations)


def test_on_a_day_the_clocks_change_messages_show_the_wall_clock(
    problem: Problem, plan: Solution
) -> None:
    """With the clocks an hour ahead from 02:00 (the solver's seconds unchanged), the window
    missed and the start are named as the wall clock shows them: an hour later."""
    changed = replace(problem, clock_changes=(ClockChange(at("02:00"), 3600),))
    visits = tuple(
        replace(v, windows=one_window("09:00", "10:00")) if v.id == "v1" else v
        for v in changed.visits
    )
    [violation] = check_solution(replace(changed, visits=visits), plan)
    assert violation.kind == ViolationKind.WINDOW
    assert "starts at 11:45:00" in violation.message
    assert "outside its window 10:00-11:00" in violation.message
