"""/visits: create, read, list with filters, update (cancel), delete."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from scheduler.models import Role
from tests.api.callers import Caller, caller, created, fields
from tests.scheduler.factories import add_patient, add_therapist, add_visit
from tests.scheduler.planning_factories import add_routed_plan

if TYPE_CHECKING:
    from fastapi.testclient import TestClient
    from sqlalchemy.orm import Session

    from scheduler.models import Patient


@pytest.fixture
def staff(session: Session) -> Caller:
    """A coordinator of a fresh clinic."""
    return caller(session)


@pytest.fixture
def patient(session: Session, staff: Caller) -> Patient:
    """A patient of the coordinator's clinic."""
    return add_patient(session, staff.clinic)


def booking(patient: Patient, **changes: Any) -> dict[str, Any]:
    return {
        "external_id": "v1",
        "patient_id": patient.id,
        "date": "2026-11-30",
        "duration_minutes": 45,
        **changes,
    }


def create(client: TestClient, staff: Caller, patient: Patient, **changes: Any) -> dict[str, Any]:
    return created(client.post("/visits", headers=staff.headers, json=booking(patient, **changes)))


def test_a_booking_reads_back_with_merged_windows(
    client: TestClient, staff: Caller, patient: Patient
) -> None:
    windows = [
        {"start": "14:00", "end": "15:00"},
        {"start": "09:00", "end": "10:00"},
        {"start": "10:00", "end": "11:30"},
    ]
    created = create(client, staff, patient, windows=windows, skills=["PT", "PT"])
    assert created == {
        "id": created["id"],
        **booking(patient),
        "windows": [{"start": "09:00", "end": "11:30"}, {"start": "14:00", "end": "15:00"}],
        "skills": ["PT"],
        "priority": "normal",
        "pinned_therapist_id": None,
        "fixed_start": None,
        "status": "booked",
        "care_plan_id": None,
        "checked_in_at": None,
        "checked_out_at": None,
    }
    assert client.get(f"/visits/{created['id']}", headers=staff.headers).json() == created
    any_time = create(client, staff, patient, external_id="v2")
    assert any_time["windows"] is None


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({"windows": []}, {"windows"}),
        ({"windows": [{"start": "12:00", "end": "11:00"}]}, {"windows[0].end"}),
        ({"windows": [{"start": "9", "end": "11:00"}]}, {"windows[0].start"}),
        (
            {"windows": [{"start": "09:00", "end": "11:00"}], "fixed_start": "12:00"},
            {"fixed_start"},
        ),
        ({"duration_minutes": 0}, {"duration_minutes"}),
        ({"duration_minutes": 1441}, {"duration_minutes"}),
        ({"priority": "urgent"}, {"priority"}),
        ({"date": "2026-02-30"}, {"date"}),
        ({"patient_id": 999_999}, {"patient_id"}),
        ({"pinned_therapist_id": 999_999}, {"pinned_therapist_id"}),
        ({"status": "done"}, {"status"}),
    ],
)
def test_invalid_fields_are_422_naming_the_field(
    client: TestClient, staff: Caller, patient: Patient, changes: dict[str, Any], errors: set[str]
) -> None:
    response = client.post("/visits", headers=staff.headers, json=booking(patient, **changes))
    assert response.status_code == 422
    assert fields(response.json()) == errors


def test_references_must_be_of_the_clinic(
    client: TestClient, session: Session, staff: Caller, patient: Patient
) -> None:
    stranger = caller(session)
    theirs = add_patient(session, stranger.clinic)
    their_therapist = add_therapist(session, stranger.clinic)
    response = client.post(
        "/visits",
        headers=staff.headers,
        json=booking(theirs, pinned_therapist_id=their_therapist.id),
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "patient_id", "message": f"no patient with id {theirs.id} in this clinic"},
        {
            "field": "pinned_therapist_id",
            "message": f"no therapist with id {their_therapist.id} in this clinic",
        },
    ]
    ours = add_therapist(session, staff.clinic)
    pinned = create(client, staff, patient, pinned_therapist_id=ours.id, fixed_start="10:15")
    assert (pinned["pinned_therapist_id"], pinned["fixed_start"]) == (ours.id, "10:15")


def test_listing_filters_by_date_patient_and_status(
    client: TestClient, session: Session, staff: Caller, patient: Patient
) -> None:
    other = add_patient(session, staff.clinic, "p2")
    create(client, staff, patient, external_id="a", date="2026-11-30")
    create(client, staff, patient, external_id="b", date="2026-12-01")
    create(client, staff, other, external_id="c", date="2026-12-02")
    cancelled = create(client, staff, other, external_id="d", date="2026-11-30")
    client.patch(f"/visits/{cancelled['id']}", headers=staff.headers, json={"status": "cancelled"})

    def ids(**query: Any) -> list[str]:
        response = client.get("/visits", headers=staff.headers, params=query)
        assert response.status_code == 200, response.json()
        return [item["external_id"] for item in response.json()["items"]]

    assert ids() == ["a", "d", "b", "c"]
    assert ids(date="2026-11-30") == ["a", "d"]
    assert ids(date_from="2026-12-01") == ["b", "c"]
    assert ids(date_from="2026-11-30", date_to="2026-12-01") == ["a", "d", "b"]
    assert ids(patient_id=other.id) == ["d", "c"]
    assert ids(status="cancelled") == ["d"]
    assert ids(status="booked", limit=1, offset=1) == ["b"]
    backwards = client.get(
        "/visits",
        headers=staff.headers,
        params={"date_from": "2026-12-02", "date_to": "2026-12-01"},
    )
    assert backwards.status_code == 422
    assert fields(backwards.json()) == {"date_to"}


def test_a_patch_checks_the_result_against_the_stored_fields(
    client: TestClient, staff: Caller, patient: Patient
) -> None:
    created = create(client, staff, patient, windows=[{"start": "09:00", "end": "11:00"}])
    url = f"/visits/{created['id']}"
    outside = client.patch(url, headers=staff.headers, json={"fixed_start": "12:00"})
    assert outside.status_code == 422
    assert fields(outside.json()) == {"fixed_start"}
    freed = client.patch(url, headers=staff.headers, json={"windows": None, "fixed_start": "12:00"})
    assert (freed.json()["windows"], freed.json()["fixed_start"]) == (None, "12:00")
    empty = client.patch(url, headers=staff.headers, json={"windows": []})
    assert fields(empty.json()) == {"windows"}
    nulls = client.patch(url, headers=staff.headers, json={"date": None, "status": None})
    assert fields(nulls.json()) == {"date", "status"}


def test_delete_and_cancel(
    client: TestClient, session: Session, staff: Caller, patient: Patient
) -> None:
    """A visit on a stored plan is kept (409, cancel it); one on none is deleted."""
    planned, loose = add_visit(session, patient, "v1"), add_visit(session, patient, "v2")
    add_routed_plan(session, staff.clinic, {add_therapist(session, staff.clinic): [(planned, 0)]})
    refused = client.delete(f"/visits/{planned.id}", headers=staff.headers)
    assert refused.status_code == 409
    assert refused.json()["detail"] == (
        "visit 'v1' cannot be deleted: 1 stored plan has it; set its status to cancelled instead"
    )
    cancelled = client.patch(
        f"/visits/{planned.id}", headers=staff.headers, json={"status": "cancelled"}
    )
    assert cancelled.json()["status"] == "cancelled"
    assert client.delete(f"/visits/{loose.id}", headers=staff.headers).status_code == 204
    assert client.get(f"/visits/{loose.id}", headers=staff.headers).status_code == 404


def test_duplicates_roles_and_clinics(
    client: TestClient, session: Session, staff: Caller, patient: Patient
) -> None:
    created = create(client, staff, patient)
    again = client.post("/visits", headers=staff.headers, json=booking(patient))
    assert again.status_code == 409
    assert "'v1'" in again.json()["detail"]
    stranger = caller(session)
    for response in (
        client.get(f"/visits/{created['id']}", headers=stranger.headers),
        client.patch(f"/visits/{created['id']}", headers=stranger.headers, json={}),
        client.delete(f"/visits/{created['id']}", headers=stranger.headers),
    ):
        assert response.status_code == 404
    assert client.get("/visits", headers=stranger.headers).json()["total"] == 0
    therapist = caller(session, Role.THERAPIST, staff.clinic)
    assert client.get("/visits", headers=therapist.headers).status_code == 403
    assert client.delete(f"/visits/{created['id']}", headers=therapist.headers).status_code == 403
