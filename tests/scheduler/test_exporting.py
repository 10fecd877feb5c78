"""Exports of a stored plan (CSV, plan JSON, ICS, GeoJSON), each test on SQLite and PostgreSQL.

The plan is built from rows directly, not solved: t1 visits v1 then v2, t2 visits v3, t3 has
an empty route and v4 is unassigned.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from typing import TYPE_CHECKING

import pytest

from scheduler.day_json.roster import VisitNames, format_roster
from scheduler.errors import Conflict, NotFound
from scheduler.exchange.exporting import (
    CSV_COLUMNS,
    plan_csv,
    plan_geojson,
    plan_ics,
    plan_json,
    roster_names,
)
from scheduler.models import PlanRoute, PlanStatus, PlanStop, PlanUnassigned
from tests.scheduler.factories import add_clinic, add_patient, add_plan, add_therapist, add_visit

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from scheduler.models import Plan, Therapist, Visit

H = 3600
NOTES = (
    "Key safe by the back door; code 4711, ask at number 12 if it sticks.\n"
    "Dog in the kitchen. Parking: résidents only, use the side street past the bakery."
)


def stop(visit: Visit, position: int, start_s: int, wait_s: int = 0) -> PlanStop:
    return PlanStop(
        visit=visit,
        position=position,
        arrival_s=start_s - wait_s,
        start_s=start_s,
        end_s=start_s + visit.duration_minutes * 60,
        travel_s=900,
        distance_m=7500,
        wait_s=wait_s,
    )


def route(therapist: Therapist, stops: list[PlanStop]) -> PlanRoute:
    if not stops:
        return PlanRoute(therapist=therapist, travel_s=0, distance_m=0, work_s=0)
    return PlanRoute(
        therapist=therapist,
        start_s=stops[0].arrival_s - stops[0].travel_s,
        end_s=stops[-1].end_s + 900,
        break_start_s=12 * H,
        break_end_s=12 * H + 1800,
        travel_s=900 * (len(stops) + 1),
        distance_m=7500 * (len(stops) + 1),
        work_s=stops[-1].end_s + 900 - (stops[0].arrival_s - stops[0].travel_s) - 1800,
        stops=stops,
    )


def build_plan(session: Session, date: dt.date = dt.date(2026, 11, 30)) -> Plan:
    clinic = add_clinic(session)
    therapists = [add_therapist(session, clinic, f"t{number}") for number in (1, 2, 3)]
    therapists[0].name = "Núria Puig"
    visits = []
    for number in (1, 2, 3, 4):
        patient = add_patient(session, clinic, f"p{number}")
        patient.name = f"Patient {number}"
        patient.address = f"Carrer Major {number}, AD500 Andorra la Vella; 2n pis"
        patient.lat, patient.lon = 42.50 + number / 100, 1.52 + number / 100
        patient.phone = "+376 800 000"
        patient.access_notes = NOTES
        visit = add_visit(session, patient, f"v{number}")
        visit.date = date
        visits.append(visit)
    plan = add_plan(session, clinic, status=PlanStatus.PUBLISHED, date=date)
    plan.routes = [
        route(therapists[0], [stop(visits[0], 0, 9 * H), stop(visits[1], 1, 14 * H, wait_s=600)]),
        route(therapists[1], [stop(visits[2], 0, 10 * H + 1800)]),
        route(therapists[2], []),
    ]
    plan.unassigned = [
        PlanUnassigned(visit=visits[3], reason="CAPACITY", message="No room on any route.")
    ]
    plan.kpis = {"visits_total": 4, "visits_planned": 3, "travel_s": 4500}
    plan.solver_stats = {"wall_s": 1.5, "first_solution_s": 0.1, "solutions_found": 7}
    session.flush()
    return plan


@pytest.fixture
def plan(session: Session) -> Plan:
    """The published plan of the module docstring, in Europe/Andorra (UTC+1 in November)."""
    return build_plan(session)


def test_csv_has_one_row_per_stop(session: Session, plan: Plan) -> None:
    rows = list(csv.reader(io.StringIO(plan_csv(session, plan))))

    assert tuple(rows[0]) == CSV_COLUMNS
    assert rows[1:] == [
        [
            "Núria Puig",
            "1",
            "v1",
            "Patient 1",
            "Carrer Major 1, AD500 Andorra la Vella; 2n pis",
            "09:00:00",
            "09:00:00",
            "09:45:00",
            "15.0",
            "0.0",
        ],
        [
            "Núria Puig",
            "2",
            "v2",
            "Patient 2",
            "Carrer Major 2, AD500 Andorra la Vella; 2n pis",
            "13:50:00",
            "14:00:00",
            "14:45:00",
            "15.0",
            "10.0",
        ],
        [
            "Therapist t2",
            "1",
            "v3",
            "Patient 3",
            "Carrer Major 3, AD500 Andorra la Vella; 2n pis",
            "10:30:00",
            "10:30:00",
            "11:15:00",
            "15.0",
            "0.0",
        ],
    ]


def test_plan_json_has_every_visit_once(session: Session, plan: Plan) -> None:
    exported = plan_json(session, plan)

    routed = [stop["visit_id"] for route in exported["routes"] for stop in route["stops"]]
    left_out = [item["visit_id"] for item in exported["unassigned"]]
    assert sorted(routed + left_out) == ["v1", "v2", "v3", "v4"]
    assert exported["status"] == "partial"
    assert (exported["date"], exported["timezone"]) == ("2026-11-30", "Europe/Andorra")
    assert [route["therapist_id"] for route in exported["routes"]] == ["t1", "t2", "t3"]
    assert exported["kpis"] == plan.kpis
    assert exported["solver"] == plan.solver_stats
    json.dumps(exported)


def test_plan_json_routes_and_stops(session: Session, plan: Plan) -> None:
    used, _, unused = plan_json(session, plan)["routes"]

    assert used["start"] == "08:45:00"
    assert used["break"] == {"start": "12:00:00", "end": "12:30:00"}
    assert used["stops"][1] == {
        "visit_id": "v2",
        "arrival": "13:50:00",
        "start": "14:00:00",
        "end": "14:45:00",
        "travel_s": 900,
        "distance_m": 7500,
        "wait_s": 600,
    }
    assert (unused["start"], unused["end"], unused["break"], unused["stops"]) == (
        None,
        None,
        None,
        [],
    )


def test_plan_json_of_a_failed_plan(session: Session, plan: Plan) -> None:
    plan.status = PlanStatus.FAILED
    plan.error = "the checker found 1 violation"

    exported = plan_json(session, plan)

    assert (exported["status"], exported["error"]) == ("failed", "the checker found 1 violation")


def test_a_plan_still_solving_is_not_exported(session: Session, plan: Plan) -> None:
    plan.status = PlanStatus.SOLVING

    with pytest.raises(Conflict):
        plan_csv(session, plan)


def test_roster_names_name_the_therapists_and_patients_of_the_plan(
    session: Session, plan: Plan
) -> None:
    add_therapist(session, plan.clinic, "t9")
    elsewhere = add_visit(session, add_patient(session, plan.clinic, "p9"), "v9")
    elsewhere.date = plan.date

    names = roster_names(session, plan)

    assert names.therapists == {"t1": "Núria Puig", "t2": "Therapist t2", "t3": "Therapist t3"}
    assert sorted(names.visits) == ["v1", "v2", "v3", "v4"]
    assert names.visits["v4"] == VisitNames(
        "Patient 4", "Carrer Major 4, AD500 Andorra la Vella; 2n pis"
    )


def test_the_roster_of_a_stored_plan_names_therapists_and_patients(
    session: Session, plan: Plan
) -> None:
    """What ``homevisit plan`` and ``demo`` print; the address is cut to fit the line."""
    plan.kpis = {
        **(plan.kpis or {}),
        **dict.fromkeys(("distance_m", "overtime_s", "preferred_hits", "preferred_misses"), 0),
        "utilisation": 0.5,
    }
    plan.solver_stats = {**(plan.solver_stats or {}), "strategy": "LOCAL_CHEAPEST_INSERTION"}
    lines = format_roster(plan_json(session, plan), roster_names(session, plan)).splitlines()

    assert "Núria Puig (t1): 08:45-15:00, 2 visits, work 345 min, travel 45 min" in lines
    assert "Therapist t3 (t3): no visits" in lines
    first = next(line for line in lines if line.endswith("  v1"))
    assert "  Patient 1  Carrer Major 1, AD500 Andorra la Vella…  " in first
    unassigned = next(line for line in lines if "CAPACITY" in line)
    assert unassigned.split()[:3] == ["Patient", "4", "v4"]


def ics_lines(text: str) -> list[str]:
    """The physical lines, after checking every one ends with CRLF and fits 75 octets."""
    assert text.endswith("\r\n")
    physical = text[: -len("\r\n")].split("\r\n")
    assert not any("\n" in line or "\r" in line for line in physical)
    assert max(len(line.encode("utf-8")) for line in physical) <= 75
    return physical


def unfold(physical: list[str]) -> list[str]:
    lines: list[str] = []
    for line in physical:
        if line.startswith(" "):
            lines[-1] += line[1:]
        else:
            lines.append(line)
    return lines


def properties(lines: list[str], name: str) -> list[str]:
    return [line.split(":", 1)[1] for line in lines if line.split(":", 1)[0] == name]


def test_ics_structure(session: Session, plan: Plan) -> None:
    physical = ics_lines(plan_ics(session, plan, plan.routes[0].therapist))
    lines = unfold(physical)

    assert len(physical) > len(lines)  # long descriptions were folded
    stack: list[str] = []
    for line in lines:
        if line.startswith("BEGIN:"):
            stack.append(line.removeprefix("BEGIN:"))
        elif line.startswith("END:"):
            assert stack.pop() == line.removeprefix("END:")
    assert stack == []
    assert lines[0] == "BEGIN:VCALENDAR"
    assert lines[-1] == "END:VCALENDAR"
    assert "VERSION:2.0" in lines
    assert lines.count("BEGIN:VEVENT") == 2


def test_ics_times_are_the_local_times_in_utc(session: Session, plan: Plan) -> None:
    lines = unfold(ics_lines(plan_ics(session, plan, plan.routes[0].therapist)))

    # Andorra is UTC+1 in November: 09:00 local is 08:00 UTC.
    assert properties(lines, "DTSTART") == ["20261130T080000Z", "20261130T130000Z"]
    assert properties(lines, "DTEND") == ["20261130T084500Z", "20261130T134500Z"]
    assert properties(lines, "STATUS") == ["CONFIRMED", "CONFIRMED"]
    assert properties(lines, "SEQUENCE") == [str(plan.version)] * 2


def test_ics_times_in_summer(session: Session) -> None:
    plan = build_plan(session, dt.date(2027, 7, 5))

    lines = unfold(ics_lines(plan_ics(session, plan, plan.routes[1].therapist)))

    # UTC+2 in summer: 10:30 local is 08:30 UTC.
    assert properties(lines, "DTSTART") == ["20270705T083000Z"]


def test_ics_escapes_text_and_keeps_uids_stable(session: Session, plan: Plan) -> None:
    therapist = plan.routes[0].therapist
    first = plan_ics(session, plan, therapist)
    lines = unfold(ics_lines(first))

    assert properties(lines, "LOCATION")[0] == (
        "Carrer Major 1\\, AD500 Andorra la Vella\\; 2n pis"
    )
    description = properties(lines, "DESCRIPTION")[0]
    assert "Access: Key safe by the back door\\; code 4711\\, ask" in description
    assert "\\nDog in the kitchen." in description
    assert "résidents" in description
    uids = properties(lines, "UID")
    assert len(set(uids)) == 2
    assert plan_ics(session, plan, therapist) == first


def test_ics_of_a_therapist_without_visits_has_no_events(session: Session, plan: Plan) -> None:
    lines = unfold(ics_lines(plan_ics(session, plan, plan.routes[2].therapist)))

    assert "BEGIN:VEVENT" not in lines


def test_ics_of_another_clinics_therapist_is_refused(session: Session, plan: Plan) -> None:
    stranger = add_therapist(session, add_clinic(session, "Elsewhere"), "t1")

    with pytest.raises(NotFound):
        plan_ics(session, plan, stranger)


def test_geojson_routes_and_points(session: Session, plan: Plan) -> None:
    features = plan_geojson(session, plan)["features"]

    lines = [f for f in features if f["geometry"]["type"] == "LineString"]
    assert [line["properties"]["therapist_id"] for line in lines] == ["t1", "t2"]
    home = [1.521, 42.507]  # [lon, lat] of the factory's therapist home
    assert lines[0]["geometry"]["coordinates"] == [home, [1.53, 42.51], [1.54, 42.52], home]
    points = [f for f in features if f["geometry"]["type"] == "Point"]
    assert [(p["properties"]["kind"], p["properties"]["visit_id"]) for p in points] == [
        ("stop", "v1"),
        ("stop", "v2"),
        ("stop", "v3"),
        ("unassigned", "v4"),
    ]
    assert points[2]["geometry"]["coordinates"] == [1.55, 42.53]
    assert points[3]["properties"]["reason"] == "CAPACITY"
    json.dumps(plan_geojson(session, plan))
