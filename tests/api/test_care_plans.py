"""/care-plans: create, read, list with filters, update, delete; visits that name a plan."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from scheduler.models import Role
from tests.api.callers import Caller, caller, created, fields
from tests.scheduler.factories import add_patient, add_therapist

if TYPE_CHECKING:
    from fastapi.testclient import TestClient
    from sqlalchemy.orm import Session

    from scheduler.models import Patient, Therapist


@pytest.fixture
def staff(session: Session) -> Caller:
    """A coordinator of a fresh clinic."""
    return caller(session)


@pytest.fixture
def patient(session: Session, staff: Caller) -> Patient:
    """A patient of the coordinator's clinic."""
    return add_patient(session, staff.clinic)


@pytest.fixture
def primary(session: Session, staff: Caller) -> Therapist:
    """A PT of the coordinator's clinic."""
    return add_therapist(session, staff.clinic, "t1")


def episode(patient: Patient, primary: Therapist, **changes: Any) -> dict[str, Any]:
    """PT twice a week, Monday and Thursday, for two weeks."""
    return {
        "external_id": "cp1",
        "patient_id": patient.id,
        "discipline": "PT",
        "visits_per_week": 2,
        "duration_minutes": 45,
        "first_date": "2026-11-30",
        "last_date": "2026-12-13",
        "weekdays": ["thu", "mon"],
        "primary_therapist_id": primary.id,
        **changes,
    }


def create(
    client: TestClient, staff: Caller, patient: Patient, primary: Therapist, **changes: Any
) -> dict[str, Any]:
    body = episode(patient, primary, **changes)
    return created(client.post("/care-plans", headers=staff.headers, json=body))


def test_a_care_plan_reads_back_with_its_defaults(
    client: TestClient, staff: Caller, patient: Patient, primary: Therapist
) -> None:
    windows = [{"start": "10:00", "end": "11:00"}, {"start": "09:00", "end": "10:00"}]
    plan = create(client, staff, patient, primary, windows=windows)
    assert plan == {
        "id": plan["id"],
        **episode(patient, primary),
        "weekdays": ["mon", "thu"],
        "skills": [],
        "visits_total": None,
        "windows": [{"start": "09:00", "end": "11:00"}],
        "weekday_windows": {},
        "min_days_between": 0,
        "priority": "normal",
        "preferred_therapist_ids": [],
        "status": "active",
    }
    assert client.get(f"/care-plans/{plan['id']}", headers=staff.headers).json() == plan
    any_time = create(client, staff, patient, primary, external_id="cp2")
    assert any_time["windows"] is None


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({"visits_total": 4}, {"visits_total"}),
        ({"visits_per_week": None}, {"visits_per_week"}),
        ({"visits_per_week": 0}, {"visits_per_week"}),
        ({"visits_per_week": 8}, {"visits_per_week"}),
        ({"visits_per_week": 3}, {"visits_per_week"}),
        ({"last_date": "2026-11-29"}, {"last_date"}),
        ({"first_date": "2100-01-01"}, {"first_date"}),
        ({"weekdays": []}, {"weekdays"}),
        ({"weekdays": ["mon", "someday"]}, {"weekdays[1]"}),
        ({"min_days_between": -1}, {"min_days_between"}),
        ({"min_days_between": 6}, {"min_days_between"}),
        ({"windows": []}, {"windows"}),
        ({"windows": [{"start": "12:00", "end": "11:00"}]}, {"windows[0].end"}),
        (
            {"weekday_windows": {"fri": [{"start": "09:00", "end": "10:00"}]}},
            {"weekday_windows.fri"},
        ),
        (
            {"weekday_windows": {"someday": []}},
            {"weekday_windows.someday", "weekday_windows.someday.[key]"},
        ),
        ({"priority": "urgent"}, {"priority"}),
        ({"status": "paused"}, {"status"}),
        ({"duration_minutes": 0}, {"duration_minutes"}),
        ({"patient_id": 999_999}, {"patient_id"}),
        ({"primary_therapist_id": None}, {"primary_therapist_id"}),
        ({"primary_therapist_id": 999_999}, {"primary_therapist_id"}),
        ({"preferred_therapist_ids": [999_999]}, {"preferred_therapist_ids[0]"}),
        ({"colour": "red"}, {"colour"}),
    ],
)
def test_invalid_fields_are_422_naming_the_field(
    client: TestClient,
    staff: Caller,
    patient: Patient,
    primary: Therapist,
    changes: dict[str, Any],
    errors: set[str],
) -> None:
    body = episode(patient, primary, **changes)
    response = client.post("/care-plans", headers=staff.headers, json=body)
    assert response.status_code == 422, response.json()
    assert fields(response.json()) == errors
    assert client.get("/care-plans", headers=staff.headers).json()["total"] == 0


def test_references_must_be_of_the_clinic(
    client: TestClient, session: Session, staff: Caller
) -> None:
    stranger = caller(session)
    theirs, their_therapist = (
        add_patient(session, stranger.clinic),
        add_therapist(session, stranger.clinic),
    )
    body = episode(theirs, their_therapist, preferred_therapist_ids=[their_therapist.id])
    response = client.post("/care-plans", headers=staff.headers, json=body)
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "patient_id", "message": f"no patient with id {theirs.id} in this clinic"},
        {
            "field": "primary_therapist_id",
            "message": f"no therapist with id {their_therapist.id} in this clinic",
        },
        {
            "field": "preferred_therapist_ids[0]",
            "message": f"no therapist with id {their_therapist.id} in this clinic",
        },
    ]


def test_listing_filters_by_patient_and_status(
    client: TestClient, session: Session, staff: Caller, patient: Patient, primary: Therapist
) -> None:
    other = add_patient(session, staff.clinic, "p2")
    create(client, staff, patient, primary, external_id="b")
    create(client, staff, other, primary, external_id="a")
    create(client, staff, patient, primary, external_id="c", status="ended")

    def ids(**query: Any) -> list[str]:
        response = client.get("/care-plans", headers=staff.headers, params=query)
        assert response.status_code == 200, response.json()
        return [item["external_id"] for item in response.json()["items"]]

    assert ids() == ["a", "b", "c"]
    assert ids(patient_id=patient.id) == ["b", "c"]
    assert ids(status="ended") == ["c"]
    assert ids(status="active", limit=1, offset=1) == ["b"]
    bad = client.get("/care-plans", headers=staff.headers, params={"status": "paused"})
    assert bad.status_code == 422
    assert fields(bad.json()) == {"status"}


def test_a_patch_switches_the_frequency_and_checks_the_result(
    client: TestClient, staff: Caller, patient: Patient, primary: Therapist
) -> None:
    plan = create(client, staff, patient, primary)
    url = f"/care-plans/{plan['id']}"
    total = client.patch(url, headers=staff.headers, json={"visits_total": 4})
    assert (total.json()["visits_per_week"], total.json()["visits_total"]) == (None, 4)
    too_many = client.patch(url, headers=staff.headers, json={"visits_total": 5})
    assert too_many.status_code == 422
    assert fields(too_many.json()) == {"visits_total"}
    backwards = client.patch(url, headers=staff.headers, json={"first_date": "2026-12-14"})
    assert fields(backwards.json()) == {"last_date"}
    nulls = client.patch(url, headers=staff.headers, json={"weekdays": None, "status": None})
    assert fields(nulls.json()) == {"weekdays", "status"}
    held = client.patch(url, headers=staff.headers, json={"status": "on_hold"})
    assert held.json()["status"] == "on_hold"


def test_visits_name_a_plan_of_their_patient_and_outlive_it(
    client: TestClient, session: Session, staff: Caller, patient: Patient, primary: Therapist
) -> None:
    plan = create(client, staff, patient, primary)
    other = add_patient(session, staff.clinic, "p2")
    booking = {"date": "2026-11-30", "duration_minutes": 45, "care_plan_id": plan["id"]}
    wrong = client.post(
        "/visits",
        headers=staff.headers,
        json={"external_id": "v0", "patient_id": other.id, **booking},
    )
    assert wrong.status_code == 422
    assert fields(wrong.json()) == {"care_plan_id"}
    visit = created(
        client.post(
            "/visits",
            headers=staff.headers,
            json={"external_id": "v1", "patient_id": patient.id, **booking},
        )
    )
    assert visit["care_plan_id"] == plan["id"]
    assert client.delete(f"/care-plans/{plan['id']}", headers=staff.headers).status_code == 204
    assert client.get(f"/care-plans/{plan['id']}", headers=staff.headers).status_code == 404
    kept = client.get(f"/visits/{visit['id']}", headers=staff.headers).json()
    assert kept["care_plan_id"] is None


def test_duplicates_roles_and_clinics(
    client: TestClient, session: Session, staff: Caller, patient: Patient, primary: Therapist
) -> None:
    plan = create(client, staff, patient, primary)
    again = client.post("/care-plans", headers=staff.headers, json=episode(patient, primary))
    assert again.status_code == 409
    assert "'cp1'" in again.json()["detail"]
    stranger = caller(session)
    for response in (
        client.get(f"/care-plans/{plan['id']}", headers=stranger.headers),
        client.patch(f"/care-plans/{plan['id']}", headers=stranger.headers, json={}),
        client.delete(f"/care-plans/{plan['id']}", headers=stranger.headers),
    ):
        assert response.status_code == 404
        assert set(response.json()) == {"detail", "errors"}
    assert client.get("/care-plans", headers=stranger.headers).json()["total"] == 0
    therapist = caller(session, Role.THERAPIST, staff.clinic)
    assert client.get("/care-plans", headers=therapist.headers).status_code == 403
    url = f"/care-plans/{plan['id']}"
    assert client.get(url, headers=therapist.headers).status_code == 403
    assert client.delete(url, headers=therapist.headers).status_code == 403
    assert client.get(url, headers=staff.headers).status_code == 200
