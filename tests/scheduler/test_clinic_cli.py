"""The coordinator's commands end to end, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from scheduler.cli.main import main
from scheduler.cli.stateless import EXIT_INVALID_INPUT

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _import_examples(capsys: pytest.CaptureFixture[str], url: str) -> None:
    for kind in ("therapists", "patients", "visits"):
        code, out, err = _run(
            capsys,
            "import",
            kind,
            str(EXAMPLES / f"{kind}.csv"),
            "--database-url",
            url,
            "--clinic",
            "Leeds",
            "--timezone",
            "Europe/London",
        )
        assert code == 0, err
        assert f"Leeds: {kind}:" in out


def _assert_roster_names(out: str) -> None:
    """The printed roster names the therapists, and every visit's patient: with the start of
    the address on a stop line, first on an unassigned line."""
    with (EXAMPLES / "patients.csv").open(newline="") as rows:
        patients = {row["external_id"]: row for row in csv.DictReader(rows)}
    with (EXAMPLES / "visits.csv").open(newline="") as rows:
        visits = {row["external_id"]: patients[row["patient"]] for row in csv.DictReader(rows)}
    assert "Amira Hussain (t001): " in out
    lines = out.splitlines()
    heading = next(
        number
        for number, line in enumerate(lines)
        if line.startswith("Unassigned") or line == "Every visit is planned."
    )
    stops = [line for line in lines[:heading] if line.split() and line.split()[-1] in visits]
    for line in stops:
        patient = visits[line.split()[-1]]
        assert f"  {patient['name']}  " in line
        assert f"  {patient['address'][:12]}" in line
    left_out = lines[heading + 1 : lines.index("", heading)]
    for line in left_out:
        visit_id = next(word for word in line.split() if word in visits)
        assert line.strip().startswith(f"{visits[visit_id]['name']}  {visit_id}")
    assert len(stops) + len(left_out) == len(visits)


@pytest.mark.slow
def test_import_plan_publish_compare_export(
    capsys: pytest.CaptureFixture[str], migrated: Engine, tmp_path: Path
) -> None:
    """The sample files through two plans of 2026-11-30 (one second of search each)."""
    url = migrated.url.render_as_string(hide_password=False)
    _import_examples(capsys, url)
    plan_args = ("plan", "--date", "2026-11-30", "--time-limit", "1", "--database-url", url)
    code, out, _ = _run(capsys, *plan_args)
    assert code == 0
    assert "Plan 1: version 1 of 2026-11-30, draft" in out
    _assert_roster_names(out)
    assert _run(capsys, "publish", "1", "--database-url", url)[0] == 0
    assert _run(capsys, *plan_args)[0] == 0
    code, out, _ = _run(capsys, "compare", "1", "2", "--database-url", url)
    assert code == 0
    assert out.startswith("Plan 1 -> plan 2")
    target = tmp_path / "plan.json"
    code, _, _ = _run(
        capsys, "export", "2", "--format", "json", "-o", str(target), "--database-url", url
    )
    plan = json.loads(target.read_text())
    routed = [stop["visit_id"] for route in plan["routes"] for stop in route["stops"]]
    left = [item["visit_id"] for item in plan["unassigned"]]
    assert sorted(routed + left) == sorted(set(routed + left))
    assert len(routed + left) == 15
    code, out, _ = _run(
        capsys, "export", "2", "--format", "ics", "--therapist", "t001", "--database-url", url
    )
    assert code == 0
    assert out.startswith("BEGIN:VCALENDAR\r\n")


def test_a_bad_csv_lists_every_bad_line_and_imports_nothing(
    capsys: pytest.CaptureFixture[str], migrated: Engine, tmp_path: Path
) -> None:
    url = migrated.url.render_as_string(hide_password=False)
    bad = tmp_path / "therapists.csv"
    lines = (EXAMPLES / "therapists.csv").read_text().splitlines()
    lines[1] = lines[1].replace("53.82712", "north")
    lines[2] = lines[2].replace(",car,", ",rocket,")
    bad.write_text("\n".join(lines) + "\n")
    code, out, err = _run(
        capsys,
        "import",
        "therapists",
        str(bad),
        "--database-url",
        url,
        "--clinic",
        "Leeds",
        "--timezone",
        "Europe/London",
    )
    assert code == EXIT_INVALID_INPUT
    assert "line 2, column home_lat" in err
    assert "line 3, column travel_mode" in err
    assert "created" not in out


def test_care_plans_import_beside_the_other_records(
    capsys: pytest.CaptureFixture[str], migrated: Engine, tmp_path: Path
) -> None:
    """After the records they name; a bad row imports none and names its column."""
    url = migrated.url.render_as_string(hide_password=False)
    _import_examples(capsys, url)
    args = ("--database-url", url, "--clinic", "Leeds")
    code, out, err = _run(capsys, "import", "care-plans", str(EXAMPLES / "care-plans.csv"), *args)
    assert code == 0, err
    assert out == "Leeds: care_plans: 5 created, 0 updated\n"
    bad = tmp_path / "care-plans.csv"
    lines = (EXAMPLES / "care-plans.csv").read_text().splitlines()
    lines[1] = lines[1].replace("2026-12-24", "2026-11-01")
    bad.write_text("\n".join(lines) + "\n")
    code, out, err = _run(capsys, "import", "care-plans", str(bad), *args)
    assert code == EXIT_INVALID_INPUT
    assert "line 2, column last_date: 2026-11-01 is before first_date 2026-11-30" in err
    assert out == ""


@pytest.mark.slow
def test_plan_week_books_the_care_plans_and_publish_week_publishes_it(
    capsys: pytest.CaptureFixture[str], migrated: Engine
) -> None:
    """The sample clinic's week of 2026-11-30: every day a draft, then all published."""
    url = migrated.url.render_as_string(hide_password=False)
    _import_examples(capsys, url)
    args = ("--database-url", url)
    plans = str(EXAMPLES / "care-plans.csv")
    assert _run(capsys, "import", "care-plans", plans, *args, "--clinic", "Leeds")[0] == 0
    code, out, err = _run(capsys, "plan-week", "--from", "2026-11-30", "--time-limit", "10", *args)
    assert code == 0, err
    assert out.startswith("Week plan 1: 2026-11-30 to 2026-12-06\n  2026-11-30 plan 1 (draft)")
    placed = next(line for line in out.splitlines() if line.startswith("Care-plan visits"))
    assert placed.split()[-3] == placed.split()[-1]
    code, out, _ = _run(capsys, "publish-week", "1", *args)
    assert code == 0
    assert "Plan 1 (2026-11-30, version 1) is published" in out
    assert "(draft)" not in out
    code, _, err = _run(capsys, "plan-week", "--from", "2026-11-30", "--weeks", "9", *args)
    assert code == EXIT_INVALID_INPUT
    assert "weeks: must be 1 to 4, got 9" in err


def test_commands_refuse_a_database_that_is_behind(
    capsys: pytest.CaptureFixture[str], engine: Engine
) -> None:
    url = engine.url.render_as_string(hide_password=False)
    code, _, err = _run(capsys, "plan", "--date", "2026-11-30", "--database-url", url)
    assert code == 1
    assert "homevisit db upgrade" in err


def test_users_add_reads_the_password_from_stdin(
    capsys: pytest.CaptureFixture[str], migrated: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = migrated.url.render_as_string(hide_password=False)
    _import_examples(capsys, url)
    monkeypatch.setattr("sys.stdin", io.StringIO("a long passphrase\n"))
    code, out, _ = _run(
        capsys, "users", "add", "Ana@Example.org", "--role", "admin", "--database-url", url
    )
    assert code == 0
    assert out.strip() == "admin ana@example.org added to Leeds"


@pytest.mark.parametrize(
    "command", ["demo", "import", "plan", "publish", "compare", "export", "replan", "suggest"]
)
def test_every_command_has_help_with_an_example(
    capsys: pytest.CaptureFixture[str], command: str
) -> None:
    with pytest.raises(SystemExit):
        main([command, "--help"])
    assert "example:" in capsys.readouterr().out


@pytest.mark.slow
def test_replan_a_published_day_and_book_a_suggested_slot(
    capsys: pytest.CaptureFixture[str], migrated: Engine
) -> None:
    """The sample day published, t001 unavailable from 11:00: a draft with its changes.
    Suggesting on the old plan is refused (t001's record changed); once the re-plan is
    published, the best slot for a new visit of p002 is booked into another draft."""
    url = migrated.url.render_as_string(hide_password=False)
    _import_examples(capsys, url)
    plan_args = ("plan", "--date", "2026-11-30", "--time-limit", "1", "--database-url", url)
    assert _run(capsys, *plan_args)[0] == 0
    assert _run(capsys, "publish", "1", "--database-url", url)[0] == 0
    day = ("--date", "2026-11-30", "--now", "11:00", "--database-url", url)
    code, out, err = _run(
        capsys, "replan", *day, "--unavailable", "t001@11:00", "--time-limit", "1"
    )
    assert code == 0, err
    assert "Changes against plan 1 from 11:00:" in out
    assert "Plan 2: version 2 of 2026-11-30, draft" in out
    suggest = ("suggest", *day, "--patient", "p002", "--minutes", "20", "--accept", "1")
    code, _, err = _run(capsys, *suggest)
    assert code == 1
    assert "re-plan the day first" in err
    assert _run(capsys, "publish", "2", "--database-url", url)[0] == 0
    code, out, err = _run(capsys, *suggest)
    assert code == 0, err
    assert " 1  " in out
    assert "Plan 3: version 3 of 2026-11-30, draft" in out
    code, _, err = _run(capsys, "replan", *day, "--late", "t002:x")
    assert code == EXIT_INVALID_INPUT
    assert "--late" in err


@pytest.mark.parametrize("command", [["plan"], ["suggest", "--patient", "p1", "--minutes", "30"]])
def test_a_date_outside_the_range_is_invalid_input(
    capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    """Refused while the arguments are read, before any database is opened."""
    with pytest.raises(SystemExit) as raised:
        main([command[0], "--date", "9999-12-31", *command[1:]])
    assert raised.value.code == EXIT_INVALID_INPUT
    error = capsys.readouterr().err
    assert "argument --date: 9999-12-31 is outside the dates the service plans" in error
    assert "(from 2000-01-01 to 2099-12-31)" in error
