"""``homevisit`` end to end: ``main([...])`` in process; each solve runs in a worker process."""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
from collections import Counter
from typing import TYPE_CHECKING, Any

import pytest

from scheduler.cli.main import main
from scheduler.cli.stateless import EXIT_INVALID_INPUT
from scheduler.day_json.generate import generate_day
from scheduler.day_json.problem import parse_problem
from solver import UnassignedReason

if TYPE_CHECKING:
    from pathlib import Path

Json = dict[str, Any]

CLOCK = re.compile(r"^\d{2}:[0-5]\d:[0-5]\d$")
REASONS = {
    "NO_QUALIFIED_THERAPIST",
    "THERAPIST_EXCLUDED",
    "PIN_INFEASIBLE",
    "OUTSIDE_ALL_SHIFTS",
    "WINDOW_UNREACHABLE",
    "TOO_LONG_FOR_SHIFT",
    "CAPACITY",
    "NOT_WORTH_PENALTY",
    "TIME_LIMIT",
}


def two_visits() -> Json:
    """One therapist, two visits whose windows fix their order: v1 in the morning, v2 after."""
    return {
        "date": "2026-11-30",
        "timezone": "Europe/London",
        "locations": [
            {"id": "home", "lat": 53.80, "lon": -1.55},
            {"id": "p1", "lat": 53.81, "lon": -1.56},
            {"id": "p2", "lat": 53.82, "lon": -1.54},
        ],
        "matrix": {"durations_s": [[0, 600, 900], [600, 0, 700], [900, 700, 0]]},
        "therapists": [
            {"id": "t1", "start_location": "home", "shift": {"start": "08:00", "end": "16:00"}}
        ],
        "visits": [
            {
                "id": "v2",
                "location": "p2",
                "duration_minutes": 30,
                "windows": [{"start": "13:00", "end": "14:00"}],
            },
            {
                "id": "v1",
                "location": "p1",
                "duration_minutes": 45,
                "windows": [{"start": "09:00", "end": "10:00"}],
            },
        ],
    }


def write_json(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def clocks(plan: Json) -> list[str]:
    """Every time of day in the plan (routes, breaks, stops), nulls left out."""
    times: list[str | None] = []
    for route in plan["routes"]:
        times += [route["start"], route["end"]]
        if route["break"] is not None:
            times += [route["break"]["start"], route["break"]["end"]]
        for stop in route["stops"]:
            times += [stop["arrival"], stop["start"], stop["end"]]
    return [time for time in times if time is not None]


# --- generate ------------------------------------------------------------------------------


def test_generate_writes_a_valid_day_to_a_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "day.json"
    assert main(["generate", "--size", "small", "--seed", "7", "-o", str(output)]) == 0
    day = json.loads(output.read_text(encoding="utf-8"))
    assert day == generate_day("small", 7)
    assert len(parse_problem(day).problem.visits) == len(day["visits"])
    captured = capsys.readouterr()
    assert captured.out == ""
    assert str(output) in captured.err


def test_generate_writes_to_stdout_without_output(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["generate", "--seed", "3", "--date", "2027-01-04"]) == 0
    day = json.loads(capsys.readouterr().out)
    assert day == generate_day("small", 3, dt.date(2027, 1, 4))
    assert len(parse_problem(day).problem.therapists) == len(day["therapists"])


def test_generate_sets_the_day_in_a_town_and_makes_it_tight(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "valley.json"
    argv = ["generate", "--town", "andorra", "--tight", "--seed", "2", "-o", str(output)]
    assert main(argv) == 0
    day = json.loads(output.read_text(encoding="utf-8"))
    assert day == generate_day("small", 2, town="andorra", tight=True)
    assert day["timezone"] == "Europe/Andorra"
    assert "small tight andorra day" in capsys.readouterr().err


def test_generate_refuses_an_unknown_town(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["generate", "--town", "atlantis"])
    assert exit_info.value.code == 2
    assert "ryedale" in capsys.readouterr().err


# --- solve ---------------------------------------------------------------------------------


def test_solve_a_tiny_day(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The one fast end-to-end solve: file in, plan file and roster out, no progress line."""
    problem = write_json(tmp_path / "tiny.json", two_visits())
    output = tmp_path / "plan.json"
    assert main(["solve", str(problem), "-o", str(output), "--time-limit", "1"]) == 0
    plan = json.loads(output.read_text(encoding="utf-8"))
    assert plan["status"] == "complete"
    assert [stop["visit_id"] for stop in plan["routes"][0]["stops"]] == ["v1", "v2"]
    assert plan["routes"][0]["distance_m"] is None
    assert plan["unassigned"] == []
    assert all(CLOCK.match(time) for time in clocks(plan))
    captured = capsys.readouterr()
    assert "t1: " in captured.out
    assert "Every visit is planned." in captured.out
    assert "Planned 2 of 2 visits" in captured.out
    assert f"Plan written to {output}" in captured.out
    # capsys's stderr is not a terminal: no progress line.
    assert captured.err == ""


@pytest.mark.slow
def test_solve_a_generated_day(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    problem = tmp_path / "small.json"
    output = tmp_path / "small.plan.json"
    assert main(["generate", "--size", "small", "--seed", "1", "-o", str(problem)]) == 0
    capsys.readouterr()
    assert main(["solve", str(problem), "-o", str(output), "--time-limit", "2"]) == 0
    day = json.loads(problem.read_text(encoding="utf-8"))
    plan = json.loads(output.read_text(encoding="utf-8"))

    assert plan["status"] in ("complete", "partial")
    assert (plan["date"], plan["timezone"]) == (day["date"], day["timezone"])
    assert [route["therapist_id"] for route in plan["routes"]] == [
        therapist["id"] for therapist in day["therapists"]
    ]
    placed = Counter(stop["visit_id"] for route in plan["routes"] for stop in route["stops"])
    placed.update(item["visit_id"] for item in plan["unassigned"])
    assert placed == Counter(visit["id"] for visit in day["visits"])
    assert {item["reason"] for item in plan["unassigned"]} <= REASONS
    assert all(item["message"] for item in plan["unassigned"])
    assert all(CLOCK.match(time) for time in clocks(plan))
    for route in plan["routes"]:
        if not route["stops"]:
            assert (route["start"], route["end"], route["break"]) == (None, None, None)
    assert plan["kpis"]["visits_total"] == len(day["visits"])
    assert plan["kpis"]["visits_planned"] == sum(len(r["stops"]) for r in plan["routes"])
    assert plan["solver"]["solutions_found"] >= 1

    out = capsys.readouterr().out
    for route in plan["routes"]:
        if route["stops"]:
            assert f"{route['therapist_id']}: {route['start'][:5]}-" in out
    if plan["unassigned"]:
        assert f"Unassigned ({len(plan['unassigned'])}):" in out
    else:
        assert "Every visit is planned." in out
    assert f"Planned {plan['kpis']['visits_planned']} of {len(day['visits'])} visits" in out
    assert "Solver: " in out


@pytest.mark.slow
def test_solve_shows_progress_on_a_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    problem = write_json(tmp_path / "tiny.json", two_visits())
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    assert (
        main(["solve", str(problem), "-o", str(tmp_path / "plan.json"), "--time-limit", "1"]) == 0
    )
    err = capsys.readouterr().err
    assert "\rsolving " in err
    assert err.endswith("\n")


def test_every_reason_in_the_design_is_a_solver_reason() -> None:
    assert {reason.value for reason in UnassignedReason} == REASONS


# --- invalid input -------------------------------------------------------------------------


def test_a_problem_with_several_faults_exits_2_naming_each(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    day = two_visits()
    day["colour"] = "red"
    day["therapists"][0]["shift"]["end"] = "07:00"
    day["visits"][0]["location"] = "p9"
    day["visits"][1]["duration_minutes"] = -5
    problem = write_json(tmp_path / "faulty.json", day)
    output = tmp_path / "plan.json"
    assert main(["solve", str(problem), "-o", str(output)]) == EXIT_INVALID_INPUT
    err = capsys.readouterr().err
    assert f"{problem}: invalid problem" in err
    for path in (
        "colour",
        "therapists[0].shift.end",
        "visits[0].location",
        "visits[1].duration_minutes",
    ):
        assert f"  {path}: " in err
    assert not output.exists()


def test_a_missing_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nowhere.json"
    assert main(["solve", str(missing)]) == EXIT_INVALID_INPUT
    assert f"{missing}: cannot read the file" in capsys.readouterr().err


def test_malformed_json_exits_2_naming_line_and_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    problem = tmp_path / "broken.json"
    problem.write_text('{\n  "date": "2026-11-30",\n  "timezone" "UTC"\n}\n', encoding="utf-8")
    assert main(["solve", str(problem)]) == EXIT_INVALID_INPUT
    assert "line 3, column 14" in capsys.readouterr().err


# --- help ----------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["solve", "generate"])
def test_help_of_each_command_shows_an_example(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main([command, "--help"])
    assert exited.value.code == 0
    assert "example:" in capsys.readouterr().out
