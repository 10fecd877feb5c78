"""CSV upload of therapists, patients, visits and care plans: all rows or none, each fault
named."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import sqlalchemy as sa

from scheduler.models import Role, Visit
from tests.api.callers import Caller, caller, fields

if TYPE_CHECKING:
    from fastapi.testclient import TestClient
    from httpx import Response
    from sqlalchemy.orm import Session

EXAMPLES = Path(__file__).parents[2] / "examples"
KINDS = ("therapists", "patients", "visits", "care-plans")


@pytest.fixture
def staff(session: Session) -> Caller:
    """A coordinator of a fresh clinic."""
    return caller(session)


def upload(client: TestClient, staff: Caller, kind: str, data: bytes) -> Response:
    files = {"file": (f"{kind}.csv", data, "text/csv")}
    response: Response = client.post(f"/{kind}/import", headers=staff.headers, files=files)
    return response


def test_the_example_files_import_and_import_again_as_updates(
    client: TestClient, staff: Caller
) -> None:
    reports = [
        upload(client, staff, kind, (EXAMPLES / f"{kind}.csv").read_bytes()).json()
        for kind in KINDS + KINDS
    ]
    assert reports == [
        {"kind": "therapists", "created": 4, "updated": 0},
        {"kind": "patients", "created": 12, "updated": 0},
        {"kind": "visits", "created": 15, "updated": 0},
        {"kind": "care_plans", "created": 5, "updated": 0},
        {"kind": "therapists", "created": 0, "updated": 4},
        {"kind": "patients", "created": 0, "updated": 12},
        {"kind": "visits", "created": 0, "updated": 15},
        {"kind": "care_plans", "created": 0, "updated": 5},
    ]
    listed = client.get("/visits", headers=staff.headers, params={"limit": 500}).json()
    assert listed["total"] == 15
    plans = client.get("/care-plans", headers=staff.headers, params={"status": "on_hold"}).json()
    assert [plan["external_id"] for plan in plans["items"]] == ["cp004"]


def test_a_bad_care_plan_row_names_its_column(client: TestClient, staff: Caller) -> None:
    for kind in ("therapists", "patients"):
        upload(client, staff, kind, (EXAMPLES / f"{kind}.csv").read_bytes())
    data = (
        b"external_id,patient,discipline,visits_per_week,duration_minutes,first_date,last_date,"
        b"weekdays,primary_therapist\n"
        b"cp1,p001,PT,3,45,2026-11-30,2026-12-24,mon,t001\n"
    )
    response = upload(client, staff, "care-plans", data)
    assert response.status_code == 422
    assert response.json()["detail"] == "the care plans file is not valid; nothing was imported"
    assert fields(response.json()) == {"line 2.visits_per_week"}
    assert client.get("/care-plans", headers=staff.headers).json()["total"] == 0


def test_a_bad_row_stores_nothing_and_names_line_and_column(
    client: TestClient, session: Session, staff: Caller
) -> None:
    for kind in ("therapists", "patients"):
        assert (
            upload(client, staff, kind, (EXAMPLES / f"{kind}.csv").read_bytes()).status_code == 200
        )
    data = (
        b"external_id,patient,date,duration_minutes\n"
        b"v1,p001,2026-11-30,45\n"
        b"v2,p001,2026-11-30,forty\n"
        b"v3,nobody,2026-11-31,30\n"
    )
    response = upload(client, staff, "visits", data)
    assert response.status_code == 422
    assert response.json()["detail"] == "the visits file is not valid; nothing was imported"
    assert fields(response.json()) == {
        "line 3.duration_minutes",
        "line 4.patient",
        "line 4.date",
    }
    assert session.scalar(sa.select(sa.func.count()).select_from(Visit)) == 0


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (b"", "line 1"),
        (b"external_id,name\nt1,Ana\n", "line 1.discipline"),
        (b"\xff\xfe", "line 1"),
        (
            b"external_id,name,discipline,home_lat,home_lon,availability\n"
            b"t\x001,A,PT,1,1,mon 8:00-9:00\n",
            "line 2",
        ),
    ],
)
def test_unreadable_files_are_422(
    client: TestClient, staff: Caller, data: bytes, field: str
) -> None:
    response = upload(client, staff, "therapists", data)
    assert response.status_code == 422
    assert field in fields(response.json())


def test_the_file_part_is_required(client: TestClient, staff: Caller) -> None:
    """(Its size is bounded with every request body: tests/api/test_request_limits.py.)"""
    missing = client.post("/therapists/import", headers=staff.headers, data={"other": "x"})
    assert missing.status_code == 422
    assert "file" in fields(missing.json())


def test_a_file_of_bad_rows_gets_a_short_answer(client: TestClient, staff: Caller) -> None:
    """The first ten faults and a count, not one fault per row."""
    header = b"external_id,name,discipline,home_lat,home_lon,availability\n"
    response = upload(client, staff, "therapists", header + b"t,A,PT,x,1,mon 8:00-9:00\n" * 20000)
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert len(errors) == 11
    assert errors[0]["field"] == "line 2.home_lat"
    # Every row after the first repeats the id: two faults each, the first row one.
    assert errors[-1] == {
        "field": "",
        "message": "39,989 more faults are not listed (39,999 in all, on 20,000 lines)",
    }


def test_only_staff_may_import(client: TestClient, session: Session) -> None:
    therapist = caller(session, Role.THERAPIST)
    for kind in KINDS:
        assert upload(client, therapist, kind, b"x\n").status_code == 403
