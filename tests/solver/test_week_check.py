"""The week checker: a valid hand-made week passes; each broken rule is reported on its own.

The week: Monday 2026-12-07 to Wednesday 2026-12-09. t1 (home at 0) does e1 on Monday and
Wednesday at 09:00; t2 (home at 1, off on Wednesday) does the booked visit b1 on Monday and
e2 on Tuesday at 08:10; e2's second visit is unplaced. Every time below comes from
``MINUTES`` by ``route``, which drives from stop to stop without waiting.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pytest

from solver.problem import Priority, Problem, Therapist, TimeWindow, TravelMatrix, Visit
from solver.solution import Route, Solution, SolveStatus, Stop, Unassigned, UnassignedReason
from solver.week.check import WeekViolation, WeekViolationKind, check_week
from solver.week.problem import Demand, Episode, WeekCap, WeekProblem
from solver.week.solution import Placed, Unplaced, WeekReason, WeekSolution

if TYPE_CHECKING:
    from collections.abc import Callable

# Driving minutes between the four locations: t1's home 0, t2's home 1, e1's patient 2,
# e2's patient (and b1's) 3.
MINUTES = [
    [0, 20, 10, 15],
    [20, 0, 15, 10],
    [10, 15, 0, 5],
    [15, 10, 5, 0],
]
MONDAY, TUESDAY, WEDNESDAY = "2026-12-07", "2026-12-08", "2026-12-09"


def at(clock: str) -> int:
    """Seconds after midnight of an ``HH:MM`` time."""
    hours, mins = clock.split(":")
    return int(hours) * 3600 + int(mins) * 60


def minutes(count: int) -> int:
    return count * 60


def one_window(start: str, end: str) -> tuple[TimeWindow, ...]:
    return (TimeWindow(at(start), at(end)),)


def route(therapist_id: str, home: int, leave: str, visits: list[tuple[str, int, int]]) -> Route:
    """The therapist leaves ``home`` at ``leave``, does ``visits`` (id, location, service
    minutes) each as soon as it arrives, and drives home; no break, no distances."""
    time_s, here = at(leave), home
    stops: list[Stop] = []
    for visit_id, location, service_minutes in visits:
        travel_s = minutes(MINUTES[here][location])
        time_s += travel_s
        end_s = time_s + minutes(service_minutes)
        stops.append(Stop(visit_id, time_s, time_s, end_s, travel_s, None, wait_s=0))
        time_s, here = end_s, location
    end_s = time_s + minutes(MINUTES[here][home])
    travel_s = sum(stop.travel_s for stop in stops) + minutes(MINUTES[here][home])
    return Route(
        therapist_id,
        tuple(stops),
        start_s=at(leave),
        end_s=end_s,
        travel_s=travel_s,
        distance_m=None,
        work_s=end_s - at(leave),
    )


def day_plan(*routes: Route, unassigned: tuple[str, ...] = ()) -> Solution:
    left_out = tuple(
        Unassigned(visit_id, UnassignedReason.CAPACITY, "no room") for visit_id in unassigned
    )
    status = SolveStatus.PARTIAL if unassigned else SolveStatus.COMPLETE
    return Solution(status, routes=routes, unassigned=left_out)


# --- fixtures ---------------------------------------------------------------------------


@pytest.fixture
def travel() -> TravelMatrix:
    """Four locations, travel times from ``MINUTES``, no distances."""
    durations = np.array([[minutes(m) for m in row] for row in MINUTES], dtype=np.int64)
    return TravelMatrix(durations_s=durations)


@pytest.fixture
def problem(travel: TravelMatrix) -> WeekProblem:
    """Three days, t2 off on Wednesday; e1 (PT, not on Tuesday, a day apart), e2 (any time,
    booked two days before the horizon), b1 booked on Monday; both therapists capped."""
    t1 = Therapist("t1", 0, 0, at("08:00"), at("16:00"), frozenset({"PT"}))
    t2 = Therapist("t2", 1, 1, at("08:00"), at("16:00"), frozenset({"PT"}))
    b1 = Visit("b1", 3, minutes(30), one_window("10:00", "11:00"))
    days = (
        Problem({"car": travel}, (t1, t2), (b1,), day_label=MONDAY),
        Problem({"car": travel}, (t1, t2), (), day_label=TUESDAY),
        Problem({"car": travel}, (t1,), (), day_label=WEDNESDAY),
    )
    morning = one_window("09:00", "12:00")
    e1 = Episode(
        "e1",
        location=2,
        service_s=minutes(45),
        windows=(morning, None, morning),
        demands=(Demand(0, 2, 2, "the week of 2026-12-07"),),
        required_skills=frozenset({"PT"}),
        priority=Priority.HIGH,
        min_days_between=1,
        primary_therapist="t1",
    )
    e2 = Episode(
        "e2",
        location=3,
        service_s=minutes(30),
        windows=((), (), ()),
        demands=(Demand(0, 2, 2, "the week of 2026-12-07"),),
        preferred_therapists=frozenset({"t2"}),
        booked_days=(-2,),
    )
    caps = (WeekCap("t1", 0, 2, minutes(180)), WeekCap("t2", 0, 2, minutes(120)))
    return WeekProblem(days, (e1, e2), caps)


@pytest.fixture
def week(problem: WeekProblem) -> WeekSolution:
    """t1 works 65 min on Monday and Wednesday, t2 50 min on Monday and Tuesday; its
    ``day_problems`` lack the episodes' visits, which the checker must not read."""
    days = (
        day_plan(
            route("t1", 0, "08:50", [("e1@2026-12-07", 2, 45)]),
            route("t2", 1, "09:50", [("b1", 3, 30)]),
        ),
        day_plan(Route("t1"), route("t2", 1, "08:00", [("e2@2026-12-08", 3, 30)])),
        day_plan(route("t1", 0, "08:50", [("e1@2026-12-09", 2, 45)])),
    )
    placed = (
        Placed("e1", 0, "e1@2026-12-07", "t1"),
        Placed("e2", 1, "e2@2026-12-08", "t2"),
        Placed("e1", 2, "e1@2026-12-09", "t1"),
    )
    unplaced = (Unplaced("e2", 0, WeekReason.WEEK_CAPACITY, "no route has room"),)
    return WeekSolution(problem.days, days, placed, unplaced)


# --- helpers ----------------------------------------------------------------------------


def with_episode(problem: WeekProblem, episode_id: str, **changes: Any) -> WeekProblem:
    episodes = tuple(replace(e, **changes) if e.id == episode_id else e for e in problem.episodes)
    return replace(problem, episodes=episodes)


def with_day(week: WeekSolution, day: int, plan: Solution) -> WeekSolution:
    days = list(week.days)
    days[day] = plan
    return replace(week, days=tuple(days))


def with_placed(week: WeekSolution, index: int, **changes: Any) -> WeekSolution:
    placed = list(week.placed)
    placed[index] = replace(placed[index], **changes)
    return replace(week, placed=tuple(placed))


def placed_also(*extra: Placed) -> Callable[[WeekSolution], WeekSolution]:
    return lambda week: replace(week, placed=(*week.placed, *extra))


def unplaced_also(*extra: Unplaced) -> Callable[[WeekSolution], WeekSolution]:
    return lambda week: replace(week, unplaced=(*week.unplaced, *extra))


def only(kind: WeekViolationKind, violations: list[WeekViolation]) -> WeekViolation:
    """The one violation found, after asserting it is the only one and of ``kind``."""
    assert [v.kind for v in violations] == [kind], [v.message for v in violations]
    return violations[0]


# --- valid weeks ------------------------------------------------------------------------


def test_valid_week_has_no_violations(problem: WeekProblem, week: WeekSolution) -> None:
    assert check_week(problem, week) == []


def test_the_solvers_day_problems_are_not_read(problem: WeekProblem, week: WeekSolution) -> None:
    assert check_week(problem, replace(week, day_problems=())) == []


def test_overlapping_demands_each_hold(problem: WeekProblem, week: WeekSolution) -> None:
    """Monday alone asks for one of e1's two visits of the week: both spans are met."""
    demands = (Demand(0, 2, 2, "the week"), Demand(0, 0, 1, "Monday"))
    assert check_week(with_episode(problem, "e1", demands=demands), week) == []


def test_a_booked_visit_far_enough_apart_passes(problem: WeekProblem, week: WeekSolution) -> None:
    """e1 was booked two days before Monday: one day between, as it needs."""
    assert check_week(with_episode(problem, "e1", booked_days=(-2,)), week) == []


# --- a problem the valid week no longer fits --------------------------------------------

PROBLEM_FAULTS = [
    pytest.param(
        lambda p: with_episode(
            p, "e1", windows=(one_window("10:00", "11:00"), None, one_window("09:00", "12:00"))
        ),
        WeekViolationKind.DAY,
        (0, "e1", "e1@2026-12-07"),
        ["2026-12-07: visit e1@2026-12-07 starts at 09:00:00 on t1's route", "10:00-11:00"],
        id="day-rule-window",
    ),
    pytest.param(
        lambda p: with_episode(p, "e1", windows=(None, None, one_window("09:00", "12:00"))),
        WeekViolationKind.DAY_NOT_ALLOWED,
        (0, "e1", "e1@2026-12-07"),
        ["2026-12-07", "e1@2026-12-07", "t1", "a day the episode does not allow"],
        id="day-not-allowed",
    ),
    pytest.param(
        lambda p: with_episode(p, "e1", min_days_between=2),
        WeekViolationKind.SPACING,
        (2, "e1", "e1@2026-12-09"),
        ["2026-12-07 (placed) and 2026-12-09 (placed)", "2 day(s) apart", "at least 3"],
        id="spacing-placed",
    ),
    pytest.param(
        lambda p: with_episode(p, "e1", booked_days=(-1,)),
        WeekViolationKind.SPACING,
        (0, "e1", "e1@2026-12-07"),
        ["2026-12-06 (booked) and 2026-12-07 (placed)", "at least 2"],
        id="spacing-booked-before",
    ),
    pytest.param(
        lambda p: with_episode(p, "e2", booked_days=(1,)),
        WeekViolationKind.SPACING,
        (1, "e2", "e2@2026-12-08"),
        ["2026-12-08 (booked) and 2026-12-08 (placed)", "0 day(s) apart"],
        id="two-on-one-day",
    ),
    pytest.param(
        lambda p: with_episode(p, "e1", demands=(Demand(0, 2, 1, "the week"),)),
        WeekViolationKind.FREQUENCY,
        (None, "e1", None),
        ["e1's demand 0 (the week, from 2026-12-07 to 2026-12-09)", "asks for 1", "places 2"],
        id="frequency",
    ),
    pytest.param(
        lambda p: with_episode(
            p, "e1", demands=(Demand(0, 2, 2, "the week"), Demand(0, 2, 1, "the pace"))
        ),
        WeekViolationKind.FREQUENCY,
        (None, "e1", None),
        ["e1's demand 1 (the pace", "asks for 1", "places 2"],
        id="frequency-overlapping-demand",
    ),
    pytest.param(
        lambda p: replace(p, caps=(WeekCap("t1", 0, 2, minutes(120)),)),
        WeekViolationKind.WEEK_CAP,
        (None, None, None),
        [
            "t1 works 2 h 10 min from 2026-12-07 to 2026-12-09",
            "(2026-12-07 1 h 5 min, 2026-12-09 1 h 5 min)",
            "above the cap of 2 h",
        ],
        id="week-cap",
    ),
    pytest.param(
        lambda p: replace(p, caps=(WeekCap("t2", 0, 2, minutes(90)),)),
        WeekViolationKind.WEEK_CAP,
        (None, None, None),
        ["t2 works 1 h 40 min", "(2026-12-07 50 min, 2026-12-08 50 min)", "cap of 1 h 30 min"],
        id="week-cap-day-off",
    ),
]


@pytest.mark.parametrize(("change", "kind", "where", "fragments"), PROBLEM_FAULTS)
def test_problem_rule_is_reported(
    problem: WeekProblem,
    week: WeekSolution,
    change: Callable[[WeekProblem], WeekProblem],
    kind: WeekViolationKind,
    where: tuple[int | None, str | None, str | None],
    fragments: list[str],
) -> None:
    violation = only(kind, check_week(change(problem), week))

    assert (violation.day, violation.episode_id, violation.visit_id) == where
    for fragment in fragments:
        assert fragment in violation.message


# --- hand-made bad weeks ------------------------------------------------------------------


def e1_too_early_on_wednesday(week: WeekSolution) -> WeekSolution:
    """t1 leaves at 08:00 and starts e1 at 08:10, before its 09:00 window."""
    return with_day(week, 2, day_plan(route("t1", 0, "08:00", [("e1@2026-12-09", 2, 45)])))


def e2_unassigned_on_tuesday(week: WeekSolution) -> WeekSolution:
    """Tuesday's plan leaves e2 unassigned, though the week places it with t2."""
    return with_day(week, 1, day_plan(Route("t1"), Route("t2"), unassigned=("e2@2026-12-08",)))


WEEK_FAULTS = [
    pytest.param(
        e1_too_early_on_wednesday,
        WeekViolationKind.DAY,
        (2, "e1", "e1@2026-12-09"),
        ["2026-12-09: visit e1@2026-12-09 starts at 08:10:00", "09:00-12:00"],
        id="day-rule-window",
    ),
    pytest.param(
        lambda week: replace(week, days=week.days[:2]),
        WeekViolationKind.DAY_COUNT,
        (None, None, None),
        ["the week plan has 2 days, the problem 3"],
        id="day-count",
    ),
    pytest.param(
        e2_unassigned_on_tuesday,
        WeekViolationKind.NOT_ROUTED,
        (1, "e2", "e2@2026-12-08"),
        ["2026-12-08", "e2@2026-12-08 of episode e2 with t2, but no route of the day has it"],
        id="not-routed",
    ),
    pytest.param(
        lambda week: with_placed(week, 1, therapist_id="t1"),
        WeekViolationKind.WRONG_THERAPIST,
        (1, "e2", "e2@2026-12-08"),
        ["2026-12-08", "e2@2026-12-08 of episode e2 with t1, but it is on t2's route"],
        id="wrong-therapist",
    ),
    pytest.param(
        lambda week: with_placed(week, 1, visit_id="e2@tuesday"),
        WeekViolationKind.VISIT_ID,
        (1, "e2", "e2@tuesday"),
        [
            "2026-12-08",
            "e2@tuesday of episode e2 with t2, but the episode's visit that day is e2@2026-12-08",
        ],
        id="visit-id",
    ),
    pytest.param(
        placed_also(Placed("e9", 1, "e9@2026-12-08", "t1")),
        WeekViolationKind.UNKNOWN_EPISODE,
        (1, "e9", "e9@2026-12-08"),
        ["2026-12-08", "e9@2026-12-08 of episode e9 with t1, but the problem has no such episode"],
        id="unknown-episode-placed",
    ),
    pytest.param(
        placed_also(Placed("e2", 3, "e2@2026-12-10", "t1")),
        WeekViolationKind.OUTSIDE_HORIZON,
        (3, "e2", "e2@2026-12-10"),
        ["2026-12-10: the week places e2@2026-12-10", "on day 3, outside the 3-day horizon"],
        id="outside-horizon",
    ),
    pytest.param(
        placed_also(Placed("e1", 0, "e1@2026-12-07", "t1")),
        WeekViolationKind.DUPLICATE_PLACEMENT,
        (0, "e1", "e1@2026-12-07"),
        ["2026-12-07", "e1@2026-12-07 of episode e1 with t1 a second time"],
        id="placed-twice",
    ),
    pytest.param(
        lambda week: replace(week, unplaced=()),
        WeekViolationKind.UNACCOUNTED,
        (None, "e2", None),
        ["e2's demand 0", "asks for 2 visit(s), the week places 1 and leaves 0 unplaced"],
        id="unaccounted-fewer",
    ),
    pytest.param(
        lambda week: replace(week, unplaced=week.unplaced * 2),
        WeekViolationKind.UNACCOUNTED,
        (None, "e2", None),
        ["asks for 2 visit(s), the week places 1 and leaves 2 unplaced"],
        id="unaccounted-more",
    ),
    pytest.param(
        unplaced_also(Unplaced("e9", 0, WeekReason.WEEK_CAPACITY, "no room")),
        WeekViolationKind.UNKNOWN_EPISODE,
        (None, "e9", None),
        ["episode e9's demand 0 unplaced", "no such episode"],
        id="unknown-episode-unplaced",
    ),
    pytest.param(
        unplaced_also(Unplaced("e2", 1, WeekReason.WEEK_CAPACITY, "no room")),
        WeekViolationKind.UNKNOWN_DEMAND,
        (None, "e2", None),
        ["episode e2's demand 1 unplaced", "the episode has 1 demand(s)"],
        id="unknown-demand",
    ),
]


@pytest.mark.parametrize(("change", "kind", "where", "fragments"), WEEK_FAULTS)
def test_week_rule_is_reported(
    problem: WeekProblem,
    week: WeekSolution,
    change: Callable[[WeekSolution], WeekSolution],
    kind: WeekViolationKind,
    where: tuple[int | None, str | None, str | None],
    fragments: list[str],
) -> None:
    violation = only(kind, check_week(problem, change(week)))

    assert (violation.day, violation.episode_id, violation.visit_id) == where
    for fragment in fragments:
        assert fragment in violation.message


def test_an_episode_visit_routed_but_not_placed(problem: WeekProblem, week: WeekSolution) -> None:
    """Tuesday's route holds e2's visit, which the week neither places nor leaves out."""
    not_placed = replace(week, placed=(week.placed[0], week.placed[2]))

    violations = check_week(problem, not_placed)

    assert [v.kind for v in violations] == [WeekViolationKind.DAY, WeekViolationKind.UNACCOUNTED]
    assert (violations[0].day, violations[0].episode_id) == (1, "e2")
    assert "2026-12-08: the plan lists visit e2@2026-12-08 on t2's route" in violations[0].message
