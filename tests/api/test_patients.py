"""/patients: create, read, list, update, delete; references to therapists, coordinates."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
import sqlalchemy as sa

from scheduler.models import Role, Visit
from tests.api.callers import Caller, caller, created, fields
from tests.scheduler.factories import add_patient, add_therapist, add_visit
from tests.scheduler.planning_factories import add_routed_plan

if TYPE_CHECKING:
    from fastapi.testclient import TestClient
    from sqlalchemy.orm import Session

MARIA: dict[str, Any] = {
    "external_id": "p-0042",
    "name": "Maria Serra",
    "address": "Av. Meritxell 12",
    "lat": 42.5078,
    "lon": 1.5211,
}


@pytest.fixture
def staff(session: Session) -> Caller:
    """A coordinator of a fresh clinic."""
    return caller(session)


def create(client: TestClient, staff: Caller, **changes: Any) -> dict[str, Any]:
    return created(client.post("/patients", headers=staff.headers, json={**MARIA, **changes}))


def test_a_patient_reads_back_with_their_therapists(
    client: TestClient, session: Session, staff: Caller
) -> None:
    ana, joan = (
        add_therapist(session, staff.clinic, "t1"),
        add_therapist(session, staff.clinic, "t2"),
    )
    created = create(
        client,
        staff,
        required_skills=["lang:es", "lang:es"],
        preferred_therapist_ids=[ana.id, ana.id],
        excluded_therapist_ids=[joan.id],
    )
    assert created == {
        "id": created["id"],
        **MARIA,
        "phone": None,
        "email": None,
        "access_notes": "",
        "required_skills": ["lang:es"],
        "preferred_therapist_ids": [ana.id],
        "excluded_therapist_ids": [joan.id],
    }
    assert client.get(f"/patients/{created['id']}", headers=staff.headers).json() == created


def test_therapists_must_be_of_the_clinic_and_not_both_wanted_and_refused(
    client: TestClient, session: Session, staff: Caller
) -> None:
    ours = add_therapist(session, staff.clinic)
    theirs = add_therapist(session, caller(session).clinic)
    response = client.post(
        "/patients",
        headers=staff.headers,
        json={**MARIA, "preferred_therapist_ids": [ours.id, theirs.id, 999_999]},
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "field": "preferred_therapist_ids[1]",
            "message": f"no therapist with id {theirs.id} in this clinic",
        },
        {
            "field": "preferred_therapist_ids[2]",
            "message": "no therapist with id 999999 in this clinic",
        },
    ]
    both = client.post(
        "/patients",
        headers=staff.headers,
        json={**MARIA, "preferred_therapist_ids": [ours.id], "excluded_therapist_ids": [ours.id]},
    )
    assert both.status_code == 422
    assert fields(both.json()) == {"preferred_therapist_ids"}


def test_a_patch_cannot_make_a_preferred_therapist_excluded(
    client: TestClient, session: Session, staff: Caller
) -> None:
    ana = add_therapist(session, staff.clinic)
    created = create(client, staff, preferred_therapist_ids=[ana.id])
    response = client.patch(
        f"/patients/{created['id']}",
        headers=staff.headers,
        json={"excluded_therapist_ids": [ana.id]},
    )
    assert response.status_code == 422
    assert fields(response.json()) == {"preferred_therapist_ids"}


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({"lat": 42.5, "lon": None}, {"lon"}),
        ({"lat": None}, {"lat"}),
        ({"lat": 100}, {"lat"}),
        ({"phone": "1" * 41}, {"phone"}),
        ({"email": "maria@"}, {"email"}),
        ({"access_notes": "x\x00"}, {"access_notes"}),
        ({"preferred_therapist_ids": [0]}, {"preferred_therapist_ids[0]"}),
        ({"preferred_therapist_ids": [2**31]}, {"preferred_therapist_ids[0]"}),
        ({"address": ""}, {"address"}),
    ],
)
def test_invalid_fields_are_422_naming_the_field(
    client: TestClient, staff: Caller, changes: dict[str, Any], errors: set[str]
) -> None:
    response = client.post("/patients", headers=staff.headers, json={**MARIA, **changes})
    assert response.status_code == 422
    assert fields(response.json()) == errors


def test_a_new_address_without_coordinates_waits_for_geocoding(
    client: TestClient, staff: Caller
) -> None:
    created = create(client, staff)
    url = f"/patients/{created['id']}"
    kept = client.patch(
        url, headers=staff.headers, json={"phone": "+376 812 345", "email": "maria@example.org"}
    )
    assert (kept.json()["lat"], kept.json()["phone"], kept.json()["email"]) == (
        MARIA["lat"],
        "+376 812 345",
        "maria@example.org",
    )
    moved = client.patch(url, headers=staff.headers, json={"address": "Carrer Major 3"})
    assert (moved.json()["lat"], moved.json()["lon"]) == (None, None)
    placed = client.patch(url, headers=staff.headers, json={"lat": 42.51, "lon": 1.53})
    assert (placed.json()["lat"], placed.json()["lon"]) == (42.51, 1.53)


def test_listing_pages_and_searches(client: TestClient, staff: Caller) -> None:
    create(client, staff, external_id="p1", name="Maria Serra")
    create(client, staff, external_id="p2", name="Pere Vila", address="Carrer 50% 1")
    create(client, staff, external_id="p3", name="Rosa Serrano")
    page = client.get("/patients", headers=staff.headers, params={"limit": 1, "offset": 1}).json()
    assert ([item["external_id"] for item in page["items"]], page["total"]) == (["p2"], 3)
    found = client.get("/patients", headers=staff.headers, params={"q": "serra"}).json()
    assert [item["external_id"] for item in found["items"]] == ["p1", "p3"]
    literal = client.get("/patients", headers=staff.headers, params={"q": "50%"}).json()
    assert [item["external_id"] for item in literal["items"]] == ["p2"]


def test_duplicates_roles_and_clinics(client: TestClient, session: Session, staff: Caller) -> None:
    created = create(client, staff)
    again = client.post("/patients", headers=staff.headers, json=MARIA)
    assert again.status_code == 409
    assert "'p-0042'" in again.json()["detail"]
    stranger = caller(session)
    assert client.get(f"/patients/{created['id']}", headers=stranger.headers).status_code == 404
    therapist = caller(session, Role.THERAPIST, staff.clinic)
    assert client.get(f"/patients/{created['id']}", headers=therapist.headers).status_code == 403
    assert client.get("/patients", headers=therapist.headers).status_code == 403


def test_delete_takes_the_visits_along(client: TestClient, session: Session, staff: Caller) -> None:
    patient = add_patient(session, staff.clinic)
    add_visit(session, patient)
    assert client.delete(f"/patients/{patient.id}", headers=staff.headers).status_code == 204
    assert session.scalar(sa.select(sa.func.count()).select_from(Visit)) == 0


def test_a_patient_with_visits_on_a_stored_plan_cannot_be_deleted(
    client: TestClient, session: Session, staff: Caller
) -> None:
    """plan_stops.visit_id has no cascade: 409 with the reason, never a 500."""
    patient = add_patient(session, staff.clinic)
    add_routed_plan(session, staff.clinic, {}, unassigned=(add_visit(session, patient),))
    response = client.delete(f"/patients/{patient.id}", headers=staff.headers)
    assert response.status_code == 409
    assert response.json()["detail"] == (
        "patient 'p1' cannot be deleted: 1 stored plan has visits of theirs"
    )
