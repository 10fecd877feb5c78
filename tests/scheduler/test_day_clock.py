"""The planning day's clock (scheduler.local_time): wall-clock times and the solver's
elapsed seconds on the days the clocks change, and on the days they do not."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from scheduler.local_time import day_clock
from solver.clock import DAY_S
from solver.current_plan import ActualTimes, CurrentRoute, CurrentStop, Replan
from solver.problem import BreakRule, Problem, Therapist, TimeWindow, TravelMatrix, Visit

H = 3600
# (date, zone, hours in the day, the wall-clock hour that is skipped or repeated)
CHANGE_DAYS = [
    (dt.date(2026, 3, 29), "Europe/Andorra", 23, 2),
    (dt.date(2026, 10, 25), "Europe/Andorra", 25, 2),
    (dt.date(2026, 3, 8), "America/New_York", 23, 2),
    (dt.date(2026, 11, 1), "America/New_York", 25, 1),
]
DAYS = [pytest.param(date, zone, id=f"{zone}-{date}") for date, zone, _, _ in CHANGE_DAYS]


@pytest.mark.parametrize(("date", "zone", "hours", "changed_hour"), CHANGE_DAYS)
def test_nine_o_clock_is_nine_on_the_wall_and_the_day_is_as_long_as_it_lasts(
    date: dt.date, zone: str, hours: int, changed_hour: int
) -> None:
    clock = day_clock(date, zone)
    nine = clock.elapsed_s(9 * H)
    spring = hours == 23
    assert nine == (8 * H if spring else 10 * H)
    assert clock.wall_s(nine) == 9 * H
    assert clock.hhmm(nine) == "09:00"
    assert clock.instant(nine).astimezone(clock.zone).strftime("%Y-%m-%d %H:%M") == (
        f"{date.isoformat()} 09:00"
    )
    assert clock.day_s == hours * H
    # An hour of the day before the change is the same number on both axes.
    assert clock.elapsed_s((changed_hour - 1) * H) == (changed_hour - 1) * H


@pytest.mark.parametrize(("date", "zone"), DAYS)
def test_the_mapping_never_goes_backwards_and_reads_back(date: dt.date, zone: str) -> None:
    """Every minute of 48 hours: elapsed seconds never decrease, and every wall time that
    exists (not in the skipped hour) reads back as itself."""
    clock = day_clock(date, zone)
    previous = -1
    for wall_s in range(0, 2 * DAY_S, 60):
        elapsed = clock.elapsed_s(wall_s)
        assert elapsed >= previous
        previous = elapsed
        instant = clock.instant(elapsed)
        local = instant.astimezone(clock.zone).replace(tzinfo=None)
        wall = dt.datetime.combine(date, dt.time()) + dt.timedelta(seconds=wall_s)
        if local == wall:
            assert clock.wall_s(elapsed) == wall_s
        else:
            # Only a skipped time fails to exist; it is the moment of the change.
            assert clock.instant(elapsed - 1).astimezone(clock.zone).utcoffset() != (
                instant.astimezone(clock.zone).utcoffset()
            )


def test_a_skipped_time_is_the_moment_of_the_change() -> None:
    """02:30 on 29 March in Andorra does not exist: it is 03:00 CEST, the change itself."""
    clock = day_clock(dt.date(2026, 3, 29), "Europe/Andorra")
    assert clock.elapsed_s(2 * H + 1800) == 2 * H
    assert clock.elapsed_s(3 * H) == 2 * H
    assert clock.hhmm(clock.elapsed_s(2 * H + 1800)) == "03:00"
    assert clock.instant(2 * H) == dt.datetime(2026, 3, 29, 1, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("date", "zone", "wall_s", "utc"),
    [
        (dt.date(2026, 10, 25), "Europe/Andorra", 2 * H + 1800, dt.datetime(2026, 10, 25, 0, 30)),
        (dt.date(2026, 11, 1), "America/New_York", H + 1800, dt.datetime(2026, 11, 1, 5, 30)),
    ],
)
def test_a_repeated_time_is_the_first_of_the_two(
    date: dt.date, zone: str, wall_s: int, utc: dt.datetime
) -> None:
    """02:30 happens twice on 25 October in Andorra (CEST, then CET): the first is meant."""
    clock = day_clock(date, zone)
    elapsed = clock.elapsed_s(wall_s)
    assert clock.instant(elapsed) == utc.replace(tzinfo=dt.UTC)
    # The second one, an hour later, reads the same on the wall.
    assert clock.wall_s(elapsed + H) == wall_s


@pytest.mark.parametrize(("date", "zone"), DAYS)
def test_the_solver_s_message_clock_agrees_with_the_zone(date: dt.date, zone: str) -> None:
    """``Problem.wall_s`` (plain arithmetic on the changes) and the zone, minute by minute."""
    clock = day_clock(date, zone)
    problem = _problem(clock.problem)
    for elapsed in range(0, 2 * DAY_S - 2 * H, 60):
        assert problem.wall_s(elapsed) == clock.wall_s(elapsed)


def test_the_day_before_a_change_sees_it_after_midnight() -> None:
    """A route of Saturday 28 March that runs into Sunday crosses the change at 26:00."""
    clock = day_clock(dt.date(2026, 3, 28), "Europe/Andorra")
    assert not clock.regular
    assert clock.day_s == DAY_S
    assert clock.elapsed_s(9 * H) == 9 * H
    assert clock.elapsed_s(24 * H + 4 * H) == 27 * H


def test_a_day_without_a_change_is_the_identity() -> None:
    clock = day_clock(dt.date(2026, 11, 30), "Europe/Andorra")
    assert clock.regular
    assert clock.elapsed_s(9 * H) == clock.wall_s(9 * H) == 9 * H
    original = _problem(lambda problem: problem)
    assert clock.problem(original) is original


def test_real_instants_need_no_rule() -> None:
    clock = day_clock(dt.date(2026, 10, 25), "Europe/Andorra")
    check_in = dt.datetime(2026, 10, 25, 8, 5, 30)  # naive: UTC, as SQLite returns it
    assert clock.elapsed_of(check_in) == 10 * H + 5 * 60 + 30
    assert clock.hhmm(clock.elapsed_of(check_in)) == "09:05"
    assert clock.elapsed_of(clock.instant(12345)) == 12345


def test_a_problem_moves_onto_the_elapsed_axis() -> None:
    """Shifts, breaks, windows and a re-plan's times; durations stay as they are."""
    clock = day_clock(dt.date(2026, 3, 29), "Europe/Andorra")
    problem = _problem(clock.problem)
    therapist, visit = problem.therapists[0], problem.visits[0]
    assert (therapist.shift_start_s, therapist.shift_end_s) == (7 * H, 15 * H)
    assert therapist.break_rule == BreakRule(11 * H, 13 * H, 1800)
    assert therapist.max_work_s == 8 * H
    assert visit.windows == (TimeWindow(8 * H, 11 * H),)
    assert visit.service_s == 2700
    assert problem.replan is not None
    assert problem.replan.now_s == 9 * H
    assert problem.replan.routes[0].stops[0].start_s == 8 * H
    assert problem.replan.routes[0].start_s == 7 * H + 1800
    assert problem.replan.actual["v1"] == ActualTimes(8 * H + 600, None)
    assert problem.clock_changes == clock.changes


def _problem(convert: object) -> Problem:
    """One therapist 08:00-16:00 (lunch 12:00-14:00), one visit 09:00-12:00, a re-plan at
    10:00, all in wall-clock seconds, passed through ``convert``."""
    assert callable(convert)
    wall = Problem(
        travel={"car": TravelMatrix(np.zeros((2, 2), dtype=np.int64))},
        therapists=(
            Therapist(
                "t1",
                0,
                0,
                8 * H,
                16 * H,
                max_work_s=8 * H,
                break_rule=BreakRule(12 * H, 14 * H, 1800),
            ),
        ),
        visits=(Visit("v1", 1, 2700, windows=(TimeWindow(9 * H, 12 * H),)),),
        replan=Replan(
            now_s=10 * H,
            routes=(CurrentRoute("t1", (CurrentStop("v1", 9 * H),), start_s=8 * H + 1800),),
            actual={"v1": ActualTimes(9 * H + 600)},
        ),
    )
    converted = convert(wall)
    assert isinstance(converted, Problem)
    return converted
