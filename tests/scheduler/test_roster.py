"""format_roster: the terminal roster of a hand-built plan JSON, with ids only (``homevisit
solve``) and with the names of a stored plan's therapists and patients."""

from __future__ import annotations

from typing import Any

import pytest

from scheduler.day_json.roster import LINE_WIDTH, RosterNames, VisitNames, format_roster

Plan = dict[str, Any]


def stop(visit_id: str, start: str, end: str) -> dict[str, Any]:
    return {
        "visit_id": visit_id,
        "arrival": start,
        "start": start,
        "end": end,
        "travel_s": 600,
        "distance_m": 5000,
        "wait_s": 0,
    }


@pytest.fixture
def plan() -> Plan:
    """t1 does v1, v2, v3 with a break after v2; t2 is unused; v4 is unassigned."""
    return {
        "status": "partial",
        "error": None,
        "date": "2026-11-30",
        "timezone": "Europe/London",
        "routes": [
            {
                "therapist_id": "t1",
                "start": "08:50:00",
                "end": "14:40:00",
                "travel_s": 2400,
                "distance_m": 20000,
                "work_s": 19200,
                "break": {"start": "12:00:00", "end": "12:30:00"},
                "stops": [
                    stop("v1", "09:00:00", "10:00:00"),
                    stop("v2", "10:30:00", "11:30:00"),
                    stop("v3", "12:40:00", "13:40:00"),
                ],
            },
            {
                "therapist_id": "t2",
                "start": None,
                "end": None,
                "travel_s": 0,
                "distance_m": 0,
                "work_s": 0,
                "break": None,
                "stops": [],
            },
        ],
        "unassigned": [
            {
                "visit_id": "v4",
                "reason": "NO_QUALIFIED_THERAPIST",
                "message": "no therapist with skills SLP works on 2026-11-30",
            }
        ],
        "kpis": {
            "visits_total": 4,
            "visits_planned": 3,
            "travel_s": 2400,
            "distance_m": 20000,
            "overtime_s": 0,
            "preferred_hits": 1,
            "preferred_misses": 0,
            "utilisation": 0.562,
            "waiting_s": 900,
        },
        "solver": {
            "wall_s": 1.02,
            "first_solution_s": 0.01,
            "solutions_found": 3,
            "strategy": "PARALLEL_CHEAPEST_INSERTION + GUIDED_LOCAL_SEARCH",
        },
    }


LONG_ADDRESS = "Flat 4, Rosemary Court, 112 Harrogate Road, Chapel Allerton, Leeds LS7 4NZ"


@pytest.fixture
def names() -> RosterNames:
    """t1 and t2 named; v2's address is longer than a line; v3 is missing from the names."""
    return RosterNames(
        therapists={"t1": "Amira Hussain", "t2": "Tomasz Nowak"},
        visits={
            "v1": VisitNames("Margaret Wilson", "27 Cardigan Road, Leeds LS6"),
            "v2": VisitNames("Arthur Brooke", LONG_ADDRESS),
            "v4": VisitNames("Nasreen Akhtar", "15 Roundhay Road, Leeds LS8"),
        },
    )


def line_index(lines: list[str], fragment: str) -> int:
    """The index of the only line that contains ``fragment``."""
    found = [index for index, line in enumerate(lines) if fragment in line]
    assert len(found) == 1, (fragment, lines)
    return found[0]


def test_header_route_and_stops(plan: Plan) -> None:
    lines = format_roster(plan).splitlines()
    assert lines[0] == "Roster for 2026-11-30 (Europe/London), status partial"
    assert "t1: 08:50-14:40, 3 visits, work 320 min, travel 40 min" in lines
    first = lines[line_index(lines, " v1 ")]
    assert first.split() == ["1", "v1", "09:00", "09:00", "10:00", "10m", "0m"]


@pytest.mark.parametrize(
    ("break_start", "break_end", "after"),
    [
        ("08:55:00", "09:00:00", None),
        ("12:00:00", "12:30:00", "v2"),
        ("13:45:00", "14:15:00", "v3"),
    ],
    ids=["before-the-first-stop", "between-stops", "after-the-last-stop"],
)
def test_the_break_line_sits_between_the_right_stops(
    plan: Plan, break_start: str, break_end: str, after: str | None
) -> None:
    plan["routes"][0]["break"] = {"start": break_start, "end": break_end}
    lines = format_roster(plan).splitlines()
    pause = line_index(lines, "break")
    assert f"{break_start[:5]}-{break_end[:5]}" in lines[pause]
    order = ["v1", "v2", "v3"]
    stops = [line_index(lines, f" {visit_id} ") for visit_id in order]
    before = order.index(after) + 1 if after is not None else 0
    assert all(index < pause for index in stops[:before])
    assert all(pause < index for index in stops[before:])


def test_a_route_without_a_break_has_no_break_line(plan: Plan) -> None:
    plan["routes"][0]["break"] = None
    assert "break" not in format_roster(plan)


def test_an_unused_therapist_has_one_line(plan: Plan) -> None:
    lines = format_roster(plan).splitlines()
    assert "t2: no visits" in lines
    assert not any(line.startswith("t2:") and "visits," in line for line in lines)


def test_unassigned_visits_are_listed_with_reason_and_message(plan: Plan) -> None:
    lines = format_roster(plan).splitlines()
    heading = line_index(lines, "Unassigned (1):")
    entry = lines[heading + 1]
    assert entry.split()[:2] == ["v4", "NO_QUALIFIED_THERAPIST"]
    assert entry.endswith("no therapist with skills SLP works on 2026-11-30")


def test_a_complete_plan_says_every_visit_is_planned(plan: Plan) -> None:
    plan["status"] = "complete"
    plan["unassigned"] = []
    text = format_roster(plan)
    assert "Every visit is planned." in text
    assert "Unassigned" not in text


def test_kpi_and_solver_lines(plan: Plan) -> None:
    lines = format_roster(plan).splitlines()
    assert lines[-2] == (
        "Planned 3 of 4 visits; travel 0.7 h, 20.0 km; overtime 0 min; "
        "preferred therapist 1 hits, 0 misses; utilisation 56%; waiting 15 min"
    )
    assert lines[-1] == (
        "Solver: PARALLEL_CHEAPEST_INSERTION + GUIDED_LOCAL_SEARCH, 1.0 s, "
        "first plan after 0.01 s, 3 improving solutions"
    )


def test_without_distances_or_a_first_solution_the_kpis_say_less(plan: Plan) -> None:
    plan["kpis"]["distance_m"] = None
    plan["solver"]["first_solution_s"] = None
    lines = format_roster(plan).splitlines()
    assert "km" not in lines[-2]
    assert "first plan after -," in lines[-1]


def test_a_failed_plan_is_one_message(plan: Plan) -> None:
    plan.update(status="failed", error="the search found no plan in 2 s", routes=[])
    assert format_roster(plan) == "No plan: the search found no plan in 2 s"


def test_without_names_the_roster_shows_the_ids_as_before(plan: Plan) -> None:
    """The roster of ``homevisit solve``, whose problem JSON has no names."""
    lines = format_roster(plan).splitlines()
    assert lines[2:14] == [
        "t1: 08:50-14:40, 3 visits, work 320 min, travel 40 min",
        "   #  visit        arrive  start  end    travel  wait",
        "   1  v1           09:00   09:00  10:00     10m    0m",
        "   2  v2           10:30   10:30  11:30     10m    0m",
        "      break        12:00-12:30",
        "   3  v3           12:40   12:40  13:40     10m    0m",
        "",
        "t2: no visits",
        "",
        "Unassigned (1):",
        "  v4           NO_QUALIFIED_THERAPIST   no therapist with skills SLP works on 2026-11-30",
        "",
    ]


# --- with names ----------------------------------------------------------------------------


def test_with_names_a_route_is_headed_by_the_therapists_name_and_id(
    plan: Plan, names: RosterNames
) -> None:
    lines = format_roster(plan, names).splitlines()
    assert "Amira Hussain (t1): 08:50-14:40, 3 visits, work 320 min, travel 40 min" in lines
    assert "Tomasz Nowak (t2): no visits" in lines


def test_with_names_a_stop_shows_the_patient_the_address_and_the_visit_id(
    plan: Plan, names: RosterNames
) -> None:
    lines = format_roster(plan, names).splitlines()
    heading = lines[line_index(lines, "arrive")]
    assert heading.split() == [
        *("#", "arrive", "start", "end", "travel", "wait", "patient", "address", "visit")
    ]
    first = lines[line_index(lines, "Margaret Wilson")]
    assert first.split()[:6] == ["1", "09:00", "09:00", "10:00", "10m", "0m"]
    assert "  Margaret Wilson  27 Cardigan Road, Leeds LS6  " in first
    assert first.endswith("  v1")
    assert first.index("Margaret Wilson") == heading.index("patient")
    assert first.index("27 Cardigan") == heading.index("address")
    assert first.index("v1") == heading.index("visit")


def test_with_names_an_address_longer_than_the_line_is_cut_with_an_ellipsis(
    plan: Plan, names: RosterNames
) -> None:
    lines = format_roster(plan, names).splitlines()
    second = lines[line_index(lines, "Arthur Brooke")]
    assert len(second) <= LINE_WIDTH
    assert LONG_ADDRESS not in second
    shown = second.split("Arthur Brooke")[1].split("  v2")[0].strip()
    assert shown.endswith("…")
    assert LONG_ADDRESS.startswith(shown.removesuffix("…"))
    assert len(shown) > 15
    assert second.endswith("  v2")


def test_with_names_a_visit_without_names_shows_its_id(plan: Plan, names: RosterNames) -> None:
    lines = format_roster(plan, names).splitlines()
    third = lines[line_index(lines, "12:40")]
    assert third.split() == ["3", "12:40", "12:40", "13:40", "10m", "0m", "-", "-", "v3"]


def test_with_names_the_break_sits_under_the_start_column(plan: Plan, names: RosterNames) -> None:
    lines = format_roster(plan, names).splitlines()
    pause = line_index(lines, "break")
    assert line_index(lines, "Arthur Brooke") < pause < line_index(lines, "12:40")
    assert lines[pause].index("12:00-12:30") == lines[pause - 1].index("10:30   10:30") + 8


def test_with_names_an_unassigned_visit_names_the_patient(plan: Plan, names: RosterNames) -> None:
    lines = format_roster(plan, names).splitlines()
    entry = lines[line_index(lines, "Unassigned (1):") + 1]
    assert entry.split()[:4] == ["Nasreen", "Akhtar", "v4", "NO_QUALIFIED_THERAPIST"]
    assert entry.endswith("no therapist with skills SLP works on 2026-11-30")


def test_with_names_a_therapist_without_a_name_shows_the_id(plan: Plan, names: RosterNames) -> None:
    names = RosterNames(visits=names.visits)
    lines = format_roster(plan, names).splitlines()
    assert "t1: 08:50-14:40, 3 visits, work 320 min, travel 40 min" in lines
    assert "t2: no visits" in lines
