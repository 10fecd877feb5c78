"""The days the clocks change, in the problem JSON and the plan JSON: a 09:00 visit is at
09:00 on the wall clock, and a drive across the change lasts what it lasts (once)."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import pytest

from scheduler.day_json.plan import plan_to_json
from scheduler.day_json.problem import parse_problem
from scheduler.local_time import day_clock
from scheduler.models import Clinic
from scheduler.planning.replan import clinic_now_s
from solver import Metaheuristic, Params, solve
from solver.check import check_solution

H = 3600
CHANGE_DAYS = [
    pytest.param("2026-03-29", "Europe/Andorra", id="andorra-spring"),
    pytest.param("2026-10-25", "Europe/Andorra", id="andorra-autumn"),
    pytest.param("2026-03-08", "America/New_York", id="new-york-spring"),
    pytest.param("2026-11-01", "America/New_York", id="new-york-autumn"),
    pytest.param("2026-11-30", "Europe/Andorra", id="an-ordinary-day"),
]

Json = dict[str, Any]


def _day(date: str, zone: str, shift: tuple[str, str], visits: list[Json], legs_s: int) -> Json:
    """One therapist at home (location 0), patients at 1 and 2, ``legs_s`` between any two."""
    matrix = [[0 if i == j else legs_s for j in range(3)] for i in range(3)]
    return {
        "date": date,
        "timezone": zone,
        "locations": [
            {"id": "home", "lat": 42.5, "lon": 1.52},
            {"id": "p1", "lat": 42.51, "lon": 1.53},
            {"id": "p2", "lat": 42.52, "lon": 1.54},
        ],
        "matrix": {"durations_s": matrix},
        "therapists": [
            {"id": "t1", "start_location": "home", "shift": {"start": shift[0], "end": shift[1]}}
        ],
        "visits": visits,
        "options": {"time_limit_s": 5, "seed": 0},
    }


def _plan(data: Json) -> Json:
    parsed = parse_problem(copy.deepcopy(data))
    # Greedy descent stops at a local optimum by itself: nothing races the time limit.
    solution = solve(parsed.problem, Params(time_limit_s=60, metaheuristic=Metaheuristic.NONE))
    assert check_solution(parsed.problem, solution) == []
    return plan_to_json(parsed, solution)


@pytest.mark.parametrize(("date", "zone"), CHANGE_DAYS)
def test_a_nine_o_clock_visit_is_at_nine_on_the_wall_clock(date: str, zone: str) -> None:
    visit = {
        "id": "v1",
        "location": "p1",
        "duration_minutes": 45,
        "windows": [{"start": "09:00", "end": "09:00"}],
    }
    plan = _plan(_day(date, zone, ("08:00", "16:00"), [visit], 600))
    [route] = plan["routes"]
    [stop] = route["stops"]
    assert (stop["arrival"], stop["start"], stop["end"]) == ("09:00:00", "09:00:00", "09:45:00")
    assert (route["start"], route["end"]) == ("08:50:00", "09:55:00")
    assert route["work_s"] == 65 * 60
    parsed = parse_problem(_day(date, zone, ("08:00", "16:00"), [visit], 600))
    nine = parsed.problem.visits[0].windows[0].start_s
    assert (
        day_clock(dt.date.fromisoformat(date), zone)
        .instant(nine)
        .astimezone(day_clock(dt.date.fromisoformat(date), zone).zone)
        .strftime("%H:%M")
        == "09:00"
    )


def test_a_drive_across_the_spring_change_is_not_an_hour_of_waiting() -> None:
    """Andorra, 29 March: a visit ends at 01:40, the 40-minute drive arrives at 03:20 (an
    hour is skipped at 02:00), just in time for the next visit's 03:20 start."""
    visits = [
        {"id": "a", "location": "p1", "duration_minutes": 20, "windows": [_at("01:20")]},
        {"id": "b", "location": "p2", "duration_minutes": 20, "windows": [_at("03:20")]},
    ]
    plan = _plan(_day("2026-03-29", "Europe/Andorra", ("00:30", "06:00"), visits, 2400))
    [route] = plan["routes"]
    first, second = route["stops"]
    assert (first["start"], first["end"]) == ("01:20:00", "01:40:00")
    assert (second["arrival"], second["start"], second["wait_s"]) == ("03:20:00", "03:20:00", 0)
    assert second["travel_s"] == 2400
    # Out at 00:40, back at 04:20 on the wall: 2 h 40 min of work, the skipped hour not in it.
    assert (route["start"], route["end"]) == ("00:40:00", "04:20:00")
    assert route["travel_s"] == 3 * 2400
    assert route["work_s"] == 2 * H + 40 * 60


def test_a_drive_across_the_autumn_change_waits_for_the_repeated_hour() -> None:
    """Andorra, 25 October: a visit ends at 02:00 (summer time), the 90-minute drive arrives
    at 02:30 the second time (winter time), and the 03:00 visit starts half an hour later."""
    visits = [
        {"id": "a", "location": "p1", "duration_minutes": 20, "windows": [_at("01:40")]},
        {"id": "b", "location": "p2", "duration_minutes": 20, "windows": [_at("03:00")]},
    ]
    plan = _plan(_day("2026-10-25", "Europe/Andorra", ("00:00", "08:00"), visits, 5400))
    [route] = plan["routes"]
    first, second = route["stops"]
    assert (first["start"], first["end"]) == ("01:40:00", "02:00:00")
    assert (second["arrival"], second["start"]) == ("02:30:00", "03:00:00")
    assert (second["travel_s"], second["wait_s"]) == (5400, 1800)
    assert route["travel_s"] == 3 * 5400


def test_a_skipped_window_start_is_the_moment_of_the_change() -> None:
    """A window from 02:30 (which 29 March skips) opens at the change, 03:00 on the wall."""
    visits = [
        {"id": "a", "location": "p1", "duration_minutes": 20, "windows": [_span("02:30", "03:30")]}
    ]
    plan = _plan(_day("2026-03-29", "Europe/Andorra", ("00:00", "08:00"), visits, 600))
    [stop] = plan["routes"][0]["stops"]
    assert "03:00:00" <= stop["start"] <= "03:30:00"
    parsed = parse_problem(_day("2026-03-29", "Europe/Andorra", ("00:00", "08:00"), visits, 600))
    window = parsed.problem.visits[0].windows[0]
    assert (window.start_s, window.end_s) == (2 * H, 2 * H + 1800)


def test_a_repeated_window_time_is_the_first_one() -> None:
    """25 October: a visit fixed at 02:30 is at 02:30 summer time, the first of the two."""
    visits = [{"id": "a", "location": "p1", "duration_minutes": 20, "windows": [_at("02:30")]}]
    parsed = parse_problem(_day("2026-10-25", "Europe/Andorra", ("00:00", "08:00"), visits, 600))
    start_s = parsed.problem.visits[0].windows[0].start_s
    assert day_clock(dt.date(2026, 10, 25), "Europe/Andorra").instant(start_s) == dt.datetime(
        2026, 10, 25, 0, 30, tzinfo=dt.UTC
    )


def test_messages_name_the_wall_clock() -> None:
    """A window nobody can reach on 29 March is named as it was written, after the change."""
    visits = [{"id": "a", "location": "p1", "duration_minutes": 20, "windows": [_at("15:00")]}]
    plan = _plan(_day("2026-03-29", "Europe/Andorra", ("08:00", "12:00"), visits, 600))
    [item] = plan["unassigned"]
    assert "15:00-15:00" in item["message"]


def test_a_re_plan_of_a_change_day_reads_the_current_plan_on_the_wall_clock() -> None:
    """The current plan JSON's 09:00 stop is the solver's 08:00 on 29 March and stays 09:00."""
    visit = {"id": "v1", "location": "p1", "duration_minutes": 45}
    data = _day("2026-03-29", "Europe/Andorra", ("08:00", "16:00"), [visit], 600)
    data["replan"] = {
        "now": "09:30",
        "current": {
            "routes": [{"therapist_id": "t1", "stops": [{"visit_id": "v1", "start": "09:00"}]}]
        },
        "actual": {"v1": {"start": "09:05"}},
    }
    parsed = parse_problem(data)
    replan = parsed.problem.replan
    assert replan is not None
    assert (replan.now_s, replan.routes[0].stops[0].start_s) == (8 * H + 1800, 8 * H)
    assert replan.actual["v1"].start_s == 8 * H + 300
    plan = _plan(data)
    [stop] = plan["routes"][0]["stops"]
    assert stop["start"] == "09:05:00"
    assert "re-plan from 09:30" in plan["solver"]["strategy"]


def test_now_and_check_ins_are_real_instants_on_the_solver_s_axis() -> None:
    """At 02:30 winter time on 25 October (01:30 UTC), 3 h 30 min of the day have passed."""
    clinic = Clinic(name="c", timezone="Europe/Andorra")
    now = dt.datetime(2026, 10, 25, 1, 30, tzinfo=dt.UTC)
    assert clinic_now_s(clinic, dt.date(2026, 10, 25), now) == 3 * H + 1800
    assert clinic_now_s(clinic, dt.date(2026, 10, 24), now) == 24 * H
    assert clinic_now_s(clinic, dt.date(2026, 10, 25), now + dt.timedelta(days=1)) == 25 * H


def _at(clock: str) -> Json:
    return _span(clock, clock)


def _span(start: str, end: str) -> Json:
    return {"start": start, "end": end}
