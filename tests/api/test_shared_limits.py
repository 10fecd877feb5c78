"""The CSV upload refuses what the record routes refuse, with the same limit in the same words
(``scheduler/records/limits.py`` is the source of both)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest

from scheduler.records import limits
from tests.api.callers import Caller, caller
from tests.scheduler.factories import add_patient, add_therapist

if TYPE_CHECKING:
    from fastapi.testclient import TestClient
    from sqlalchemy.orm import Session

THERAPIST: dict[str, Any] = {
    "external_id": "t1",
    "name": "Ana",
    "discipline": "PT",
    "home_lat": 42.5,
    "home_lon": 1.5,
    "availability": "mon 08:00-16:00",
}
PATIENT: dict[str, Any] = {"external_id": "p1", "name": "Maria", "address": "Av. Meritxell 12"}
VISIT: dict[str, Any] = {
    "external_id": "v1",
    "patient": "p1",
    "date": "2026-11-30",
    "duration_minutes": 45,
}

# 77 shifts that do not overlap: eleven a day, every day.
SHIFT_TIMES = [(f"{hour:02d}:00", f"{hour:02d}:30") for hour in range(6, 17)]
WEEK_CELL = "; ".join(f"mon-sun {start}-{end}" for start, end in SHIFT_TIMES)
WEEK = [
    {"weekday": day, "start": start, "end": end} for day in range(7) for start, end in SHIFT_TIMES
]


@dataclass(frozen=True)
class Case:
    """One value through both doors: the JSON field (``field`` in ``json``) and the CSV
    column (``column`` = ``cell``) of the same kind of record."""

    kind: str
    field: str
    json: Any
    column: str
    cell: str


def csv_of(kind: str, column: str, cell: str, **more: str) -> bytes:
    row = {"therapists": THERAPIST, "patients": PATIENT, "visits": VISIT}[kind]
    cells = {key: str(value) for key, value in row.items()} | {column: cell, **more}
    header = ",".join(cells)
    return (header + "\n" + ",".join(f'"{value}"' for value in cells.values()) + "\n").encode()


def json_of(kind: str, field: str, value: Any, staff: Caller, session: Session) -> dict[str, Any]:
    if kind == "therapists":
        body = {key: value for key, value in THERAPIST.items() if key != "availability"}
    elif kind == "patients":
        body = dict(PATIENT)
    else:
        patient = add_patient(session, staff.clinic)
        body = {**VISIT, "patient_id": patient.id}
        del body["patient"]
    return {**body, field: value}


SKILLS = [f"skill-{i}" for i in range(5000)]
WINDOWS = [{"start": f"{i // 60:02d}:{i % 60:02d}", "end": "23:59"} for i in range(232)]
CASES = [
    pytest.param(
        Case("therapists", "skills", SKILLS, "skills", ";".join(SKILLS)),
        "5,000 skills are too many; at most 50",
        id="therapist skills",
    ),
    pytest.param(
        Case("patients", "required_skills", SKILLS[:51], "required_skills", ";".join(SKILLS[:51])),
        "51 skills are too many; at most 50",
        id="patient skills",
    ),
    pytest.param(
        Case("visits", "skills", SKILLS[:51], "skills", ";".join(SKILLS[:51])),
        "51 skills are too many; at most 50",
        id="visit skills",
    ),
    pytest.param(
        Case(
            "visits",
            "windows",
            WINDOWS,
            "windows",
            ";".join(f"{w['start']}-{w['end']}" for w in WINDOWS),
        ),
        "232 windows are too many; at most 24",
        id="windows",
    ),
    pytest.param(
        Case(
            "patients",
            "preferred_therapist_ids",
            list(range(1, 202)),
            "preferred_therapists",
            ";".join(f"t{i}" for i in range(1, 202)),
        ),
        "201 therapists are too many; at most 200",
        id="preferred therapists",
    ),
    pytest.param(
        Case("therapists", "discipline", "PT;OT", "discipline", "PT;OT"),
        "'PT;OT' contains ';', which separates items in the CSV files' lists",
        id="discipline with a separator",
    ),
]


@pytest.fixture
def staff(session: Session) -> Caller:
    return caller(session)


def api_faults(response: Any) -> dict[str, str]:
    assert response.status_code == 422, response.json()
    return {error["field"]: error["message"] for error in response.json()["errors"]}


def upload_faults(client: TestClient, staff: Caller, kind: str, data: bytes) -> dict[str, str]:
    files = {"file": (f"{kind}.csv", data, "text/csv")}
    return api_faults(client.post(f"/{kind}/import", headers=staff.headers, files=files))


@pytest.mark.parametrize(("case", "message"), CASES)
def test_both_doors_refuse_the_same_value_in_the_same_words(
    client: TestClient, session: Session, staff: Caller, case: Case, message: str
) -> None:
    body = json_of(case.kind, case.field, case.json, staff, session)
    by_api = api_faults(client.post(f"/{case.kind}", headers=staff.headers, json=body))
    assert by_api[case.field] == message
    by_csv = upload_faults(client, staff, case.kind, csv_of(case.kind, case.column, case.cell))
    assert by_csv["line 2." + case.column] == f"line 2, column {case.column}: {message}"


def test_both_doors_refuse_too_many_weekly_shifts(
    client: TestClient, session: Session, staff: Caller
) -> None:
    message = "77 weekly shifts are too many; at most 70"
    therapist = add_therapist(session, staff.clinic)
    response = client.put(
        f"/therapists/{therapist.id}/availability", headers=staff.headers, json={"shifts": WEEK}
    )
    assert api_faults(response)["shifts"] == message
    by_csv = upload_faults(
        client, staff, "therapists", csv_of("therapists", "availability", WEEK_CELL)
    )
    assert by_csv["line 2.availability"] == f"line 2, column availability: {message}"


def test_both_doors_refuse_a_week_cap_below_the_day_cap(
    client: TestClient, session: Session, staff: Caller
) -> None:
    message = "479 is less than max_work_minutes (480): a week's cap must be at least one day's"
    body = json_of("therapists", "max_work_minutes", 480, staff, session)
    by_api = api_faults(
        client.post("/therapists", headers=staff.headers, json={**body, "max_week_minutes": 479})
    )
    assert by_api == {"max_week_minutes": message}
    data = csv_of("therapists", "max_work_minutes", "480", max_week_minutes="479")
    by_csv = upload_faults(client, staff, "therapists", data)
    assert by_csv == {"line 2.max_week_minutes": f"line 2, column max_week_minutes: {message}"}


def test_both_doors_refuse_a_skill_longer_than_the_limit(
    client: TestClient, session: Session, staff: Caller
) -> None:
    skill = "x" * (limits.SKILL_LENGTH + 1)
    body = json_of("therapists", "skills", [skill], staff, session)
    by_api = api_faults(client.post("/therapists", headers=staff.headers, json=body))
    assert "at most 40 characters" in by_api["skills[0]"]
    by_csv = upload_faults(client, staff, "therapists", csv_of("therapists", "skills", skill))
    assert by_csv["line 2.skills"].endswith(f"{skill!r} is 41 characters long; at most 40")


def test_the_limits_themselves_are_accepted_by_both(
    client: TestClient, session: Session, staff: Caller
) -> None:
    """50 skills and 24 windows are fine through either door."""
    skills = SKILLS[: limits.MAX_SKILLS]
    body = json_of("therapists", "skills", skills, staff, session)
    assert client.post("/therapists", headers=staff.headers, json=body).status_code == 201
    data = csv_of("therapists", "skills", ";".join(skills)).replace(b'"t1"', b'"t2"')
    files = {"file": ("therapists.csv", data, "text/csv")}
    response = client.post("/therapists/import", headers=staff.headers, files=files)
    assert response.status_code == 200, response.json()
