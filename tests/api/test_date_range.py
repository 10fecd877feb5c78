"""Dates outside the service's range (records/limits.py) are a 422 naming the field and the
range, in bodies and in queries alike; the range's own ends are accepted."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from scheduler.models import Role
from scheduler.records.limits import FIRST_DATE, LAST_DATE
from tests.api.callers import caller
from tests.scheduler.factories import add_patient, add_therapist, add_visit

if TYPE_CHECKING:
    from fastapi.testclient import TestClient
    from sqlalchemy.orm import Session

OUTSIDE = ["9999-12-31", "0001-01-01", "1999-12-31", "2100-01-01"]
RANGE = f"from {FIRST_DATE.isoformat()} to {LAST_DATE.isoformat()}"


def _refused(response_json: dict[str, object], field: str) -> str:
    errors = response_json["errors"]
    assert isinstance(errors, list)
    messages = [error["message"] for error in errors if error["field"] == field]
    assert messages, errors
    assert RANGE in messages[0]
    return str(messages[0])


@pytest.mark.parametrize("date", OUTSIDE)
def test_record_bodies_refuse_a_date_outside_the_range(
    client: TestClient, session: Session, date: str
) -> None:
    staff = caller(session)
    patient = add_patient(session, staff.clinic)
    therapist = add_therapist(session, staff.clinic)
    visit = add_visit(session, patient, "v-stored")
    booking = {"external_id": "v1", "patient_id": patient.id, "date": date, "duration_minutes": 45}
    leave = {"date": date, "kind": "leave"}
    answers = {
        "POST /visits": client.post("/visits", headers=staff.headers, json=booking),
        "PATCH /visits": client.patch(
            f"/visits/{visit.id}", headers=staff.headers, json={"date": date}
        ),
        "POST exceptions": client.post(
            f"/therapists/{therapist.id}/exceptions", headers=staff.headers, json=leave
        ),
        "POST /plans": client.post("/plans", headers=staff.headers, json={"date": date}),
    }
    assert {name: answer.status_code for name, answer in answers.items()} == dict.fromkeys(
        answers, 422
    )
    for answer in answers.values():
        assert date in _refused(answer.json(), "date")


@pytest.mark.parametrize("date", OUTSIDE[:2])
def test_date_queries_refuse_a_date_outside_the_range(
    client: TestClient, session: Session, date: str
) -> None:
    staff = caller(session)
    therapist = add_therapist(session, staff.clinic)
    me = caller(session, Role.THERAPIST)
    queries = {
        "date": client.get("/visits", headers=staff.headers, params={"date": date}),
        "date_from": client.get("/visits", headers=staff.headers, params={"date_from": date}),
        "date_to": client.get(
            f"/therapists/{therapist.id}/exceptions",
            headers=staff.headers,
            params={"date_to": date},
        ),
        "plans": client.get("/plans", headers=staff.headers, params={"date": date}),
        "me": client.get("/me/route", headers=me.headers, params={"date": date}),
    }
    assert {name: answer.status_code for name, answer in queries.items()} == dict.fromkeys(
        queries, 422
    )
    fields = {"date": "date", "date_from": "date_from", "date_to": "date_to"}
    for name, answer in queries.items():
        _refused(answer.json(), fields.get(name, "date"))


@pytest.mark.parametrize("date", [FIRST_DATE, LAST_DATE])
def test_the_ends_of_the_range_are_dates_like_any_other(
    client: TestClient, session: Session, date: object
) -> None:
    staff = caller(session)
    patient = add_patient(session, staff.clinic)
    me = caller(session, Role.THERAPIST)
    booking = {
        "external_id": "v1",
        "patient_id": patient.id,
        "date": str(date),
        "duration_minutes": 45,
    }
    assert client.post("/visits", headers=staff.headers, json=booking).status_code == 201
    listed = client.get("/visits", headers=staff.headers, params={"date": str(date)}).json()
    assert [item["external_id"] for item in listed["items"]] == ["v1"]
    route = client.get("/me/route", headers=me.headers, params={"date": str(date)})
    assert route.status_code == 200
    assert route.json()["published"] is False


def test_the_openapi_schema_states_the_range(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    date = schema["components"]["schemas"]["VisitCreate"]["properties"]["date"]
    assert date["formatMinimum"] == FIRST_DATE.isoformat()
    assert date["formatMaximum"] == LAST_DATE.isoformat()
    assert RANGE in date["description"]
