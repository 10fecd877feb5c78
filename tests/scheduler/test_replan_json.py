"""The problem JSON's ``replan`` part, ``changes`` and ``notify`` in the plan JSON, and
``homevisit replan``."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

from scheduler.cli.main import main
from scheduler.cli.stateless import EXIT_INVALID_INPUT
from scheduler.day_json.plan import plan_to_json
from scheduler.day_json.problem import parse_problem
from scheduler.errors import InvalidRequest
from solver import Params, solve
from tests.scheduler.test_problem_json import DELETE, Edit, day_with_matrix, edited

if TYPE_CHECKING:
    from pathlib import Path

Json = dict[str, Any]


def with_replan(**replan: object) -> Json:
    """The test day of test_problem_json re-planned at 10:30: t1 did v1 (09:00-09:45)."""
    part: Json = {
        "now": "10:30",
        "current": {
            "routes": [
                {
                    "therapist_id": "t1",
                    "start": "08:50",
                    "stops": [{"visit_id": "v1", "start": "09:00"}],
                },
                {"therapist_id": "t2", "stops": [{"visit_id": "v2", "start": "11:00:00"}]},
            ]
        },
        "actual": {"v1": {"start": "09:05", "end": "09:55"}},
        "promised_minutes": 20,
    }
    part.update(replan)
    return day_with_matrix() | {"replan": part}


def test_the_replan_part_is_read() -> None:
    replan = parse_problem(with_replan()).problem.replan
    assert replan is not None
    assert replan.now_s == 10 * 3600 + 1800
    assert [r.therapist_id for r in replan.routes] == ["t1", "t2"]
    assert replan.routes[0].start_s == 8 * 3600 + 3000
    assert replan.routes[1].stops[0].start_s == 11 * 3600
    assert replan.actual["v1"].end_s == 9 * 3600 + 3300
    assert replan.promised_s == 20 * 60


def test_a_written_plan_is_accepted_as_current() -> None:
    """``homevisit replan`` passes the plan JSON as it is: its other fields are read past."""
    parsed = parse_problem(day_with_matrix())
    plan = plan_to_json(parsed, solve(parsed.problem, Params(time_limit_s=1, max_solutions=1)))
    replan = parse_problem(
        day_with_matrix() | {"replan": {"now": "10:00", "current": plan}}
    ).problem.replan
    assert replan is not None
    unassigned: list[dict[str, str]] = plan["unassigned"]  # type: ignore[assignment]
    assert replan.unassigned == {u["visit_id"] for u in unassigned}


def test_disruption_weights_come_from_the_options() -> None:
    data = edited(
        day_with_matrix(),
        (("options", "therapist_change_minutes"), 20),
        (("options", "retime_cost_per_minute"), 5),
    )
    weights = parse_problem(data).problem.weights
    assert (weights.therapist_change, weights.retime_per_s) == (1200, 5)


def test_in_a_replan_a_break_the_shift_no_longer_holds_is_not_asked_for() -> None:
    """t1 now stops at 10:30, before its 11:30-14:00 break window: no break, no fault."""
    data = edited(with_replan(), (("therapists", 0, "shift", "end"), "10:30"))
    assert parse_problem(data).problem.therapists[0].break_rule is None
    with pytest.raises(InvalidRequest):
        parse_problem(edited(day_with_matrix(), (("therapists", 0, "shift", "end"), "10:30")))


INVALID: list[tuple[list[Edit], str, str]] = [
    ([(("replan", "now"), "10h30")], "replan.now", "HH:MM"),
    ([(("replan", "current"), DELETE)], "replan.current", "missing"),
    (
        [(("replan", "current", "routes", 0, "therapist_id"), "t9")],
        "replan.current.routes[0].therapist_id",
        "unknown therapist",
    ),
    (
        [(("replan", "current", "routes", 1, "therapist_id"), "t1")],
        "replan.current.routes[1].therapist_id",
        "second route",
    ),
    (
        [(("replan", "current", "routes", 1, "stops", 0, "visit_id"), "v1")],
        "replan.current.routes[1].stops[0].visit_id",
        "twice",
    ),
    (
        [
            (("replan", "current", "routes", 1, "stops"), []),
            (("replan", "actual", "v2"), {"start": "10:00"}),
        ],
        "replan.actual.v2",
        "no current route",
    ),
    (
        [
            (("replan", "actual", "v1", "start"), "10:40"),
            (("replan", "actual", "v1", "end"), DELETE),
        ],
        "replan.actual.v1.start",
        "after now",
    ),
    (
        [(("replan", "actual", "v1", "end"), "09:00")],
        "replan.actual.v1.end",
        "ends before it starts",
    ),
    ([(("replan", "promised_minutes"), -5)], "replan.promised_minutes", "negative"),
    ([(("replan", "colour"), "red")], "replan.colour", "unknown field"),
    (
        [(("visits",), [{"id": "v2", "location": "p2", "duration_minutes": 0}])],
        "replan.current",
        "must stay in visits",
    ),
]


@pytest.mark.parametrize(
    ("edits", "path", "fragment"), INVALID, ids=[f"{c[1]}:{c[2]}" for c in INVALID]
)
def test_a_faulty_replan_is_reported_at_its_path(
    edits: list[Edit], path: str, fragment: str
) -> None:
    with pytest.raises(InvalidRequest) as caught:
        parse_problem(edited(with_replan(), *edits))
    assert [(e.field, fragment in e.message) for e in caught.value.errors] == [(path, True)], (
        caught.value.errors
    )


def _write(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_replan_without_an_event_writes_the_same_routes_and_no_change(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    problem = _write(tmp_path / "day.json", day_with_matrix())
    plan_path = tmp_path / "plan.json"
    assert main(["solve", str(problem), "-o", str(plan_path), "--time-limit", "1"]) == 0
    replan_path = tmp_path / "replan.json"
    args = ["replan", str(problem), "--current", str(plan_path), "--now", "10:30"]
    assert main([*args, "-o", str(replan_path)]) == 0
    plan, again = json.loads(plan_path.read_text()), json.loads(replan_path.read_text())
    assert again["routes"] == plan["routes"]
    assert again["changes"] == []
    assert again["notify"] == {"therapists": [], "visits": []}
    assert "re-plan from 10:30" in capsys.readouterr().out


def test_replan_after_a_cancellation_lists_the_change(tmp_path: Path) -> None:
    problem = _write(tmp_path / "day.json", day_with_matrix())
    plan_path = tmp_path / "plan.json"
    assert main(["solve", str(problem), "-o", str(plan_path), "--time-limit", "1"]) == 0
    planned = json.loads(plan_path.read_text())
    routed = [s["visit_id"] for r in planned["routes"] for s in r["stops"]]
    late = [s["visit_id"] for r in planned["routes"] for s in r["stops"] if s["start"] >= "08:00"]
    assert late, routed
    cancelled = late[-1]
    data = day_with_matrix()
    data["visits"] = [v for v in data["visits"] if v["id"] != cancelled]
    changed = _write(tmp_path / "changed.json", data)
    out = tmp_path / "replan.json"
    args = ["replan", str(changed), "--current", str(plan_path), "--now", "07:00", "-o", str(out)]
    assert main(args) == 0
    again = json.loads(out.read_text())
    assert [(c["visit_id"], c["change"]) for c in again["changes"]] == [(cancelled, "removed")]
    assert again["notify"]["visits"] == [cancelled]


def test_replan_with_a_bad_now_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    problem = _write(tmp_path / "day.json", day_with_matrix())
    plan = _write(tmp_path / "plan.json", {"routes": []})
    assert (
        main(["replan", str(problem), "--current", str(plan), "--now", "25:00"])
        == EXIT_INVALID_INPUT
    )
    assert "replan.now" in capsys.readouterr().err
