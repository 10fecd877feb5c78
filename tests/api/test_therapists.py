"""/therapists: create, read, list with filters, update, delete; roles, clinics, conflicts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from scheduler.models import Role
from tests.api.callers import Caller, caller, created, fields
from tests.scheduler.factories import add_therapist
from tests.scheduler.planning_factories import add_routed_plan

if TYPE_CHECKING:
    from fastapi.testclient import TestClient
    from sqlalchemy.orm import Session

ANA: dict[str, Any] = {
    "external_id": "t-ana",
    "name": "Ana Puig",
    "discipline": "PT",
    "skills": ["lang:es"],
    "home_lat": 42.507,
    "home_lon": 1.521,
    "break": {"earliest": "11:30", "latest_end": "14:00", "minutes": 30},
}


@pytest.fixture
def staff(session: Session) -> Caller:
    """A coordinator of a fresh clinic."""
    return caller(session)


def create(client: TestClient, staff: Caller, **changes: Any) -> dict[str, Any]:
    return created(client.post("/therapists", headers=staff.headers, json={**ANA, **changes}))


def test_a_created_therapist_reads_back_with_defaults(client: TestClient, staff: Caller) -> None:
    """The discipline joins the skills; unset fields take the CSV import's defaults."""
    created = create(client, staff)
    assert created["skills"] == ["PT", "lang:es"]
    assert created["break"] == ANA["break"]
    assert (created["travel_mode"], created["max_visits"], created["overtime_minutes"]) == (
        "car",
        None,
        0,
    )
    assert (created["email"], created["phone"]) == (None, None)
    assert (created["max_work_minutes"], created["max_week_minutes"]) == (None, None)
    read = client.get(f"/therapists/{created['id']}", headers=staff.headers)
    assert read.json() == created


def test_a_therapists_contact_details_are_set_and_cleared(
    client: TestClient, staff: Caller
) -> None:
    """Where the outbox sends the route: an email address and a phone, both optional."""
    created = create(client, staff, email="ana@clinic.example", phone="+376 812 000")
    assert (created["email"], created["phone"]) == ("ana@clinic.example", "+376 812 000")
    url = f"/therapists/{created['id']}"
    cleared = client.patch(url, headers=staff.headers, json={"email": None})
    assert (cleared.json()["email"], cleared.json()["phone"]) == (None, "+376 812 000")


def test_listing_pages_and_filters(client: TestClient, staff: Caller) -> None:
    for key, name, discipline, skills in (
        ("t1", "Ana Puig", "PT", ["lang:es"]),
        ("t2", "Joan Serra", "OT", ["lang:es", "lymphedema"]),
        ("t3", "Marta Vila", "PT", ["PTX"]),
    ):
        create(client, staff, external_id=key, name=name, discipline=discipline, skills=skills)

    def ids(**query: Any) -> tuple[list[str], int]:
        response = client.get("/therapists", headers=staff.headers, params=query)
        assert response.status_code == 200, response.json()
        body = response.json()
        return [item["external_id"] for item in body["items"]], body["total"]

    assert ids(limit=2) == (["t1", "t2"], 3)
    assert ids(limit=2, offset=2) == (["t3"], 3)
    assert ids(offset=5) == ([], 3)
    assert ids(q="SERRA") == (["t2"], 1)
    assert ids(q="t3") == (["t3"], 1)
    assert ids(q="%") == ([], 0)
    assert ids(skill="lang:es") == (["t1", "t2"], 2)
    assert ids(skill="PT") == (["t1", "t3"], 2)
    assert ids(discipline="ot") == (["t2"], 1)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 501}, "limit"),
        ({"offset": -1}, "offset"),
        ({"offset": 2**40}, "offset"),
        ({"q": ""}, "q"),
        ({"q": "x" * 201}, "q"),
        ({"skill": "a;b"}, "skill"),
    ],
)
def test_bad_list_parameters_are_422(
    client: TestClient, staff: Caller, query: dict[str, Any], field: str
) -> None:
    response = client.get("/therapists", headers=staff.headers, params=query)
    assert response.status_code == 422
    assert fields(response.json()) == {field}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"home_lat": 91}, "home_lat"),
        ({"home_lon": -180.5}, "home_lon"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"external_id": "a;b"}, "external_id"),
        ({"external_id": " t1"}, "external_id"),
        ({"discipline": "P\x00T"}, "discipline"),
        ({"travel_mode": "rocket"}, "travel_mode"),
        ({"max_visits": 0}, "max_visits"),
        ({"max_visits": 2**63}, "max_visits"),
        ({"overtime_minutes": -1}, "overtime_minutes"),
        ({"max_week_minutes": 0}, "max_week_minutes"),
        ({"max_week_minutes": 7 * 24 * 60 + 1}, "max_week_minutes"),
        ({"max_week_minutes": "a week"}, "max_week_minutes"),
        ({"max_work_minutes": 480, "max_week_minutes": 479}, "max_week_minutes"),
        ({"break": {"earliest": "25:00", "latest_end": "14:00", "minutes": 30}}, "break.earliest"),
        ({"break": {"earliest": "11:30", "minutes": 30}}, "break.latest_end"),
        ({"break": {"earliest": "12:00", "latest_end": "12:20", "minutes": 30}}, "break.minutes"),
        ({"skills": [""]}, "skills[0]"),
        ({"email": "ana at clinic"}, "email"),
        ({"email": "a" * 250 + "@x.es"}, "email"),
        ({"phone": "1" * 41}, "phone"),
        ({"nickname": "Ana"}, "nickname"),
    ],
)
def test_invalid_fields_are_422_naming_the_field(
    client: TestClient, staff: Caller, changes: dict[str, Any], field: str
) -> None:
    response = client.post("/therapists", headers=staff.headers, json={**ANA, **changes})
    assert response.status_code == 422
    assert fields(response.json()) == {field}


def test_nan_and_missing_fields_are_422(client: TestClient, staff: Caller) -> None:
    """JSON's NaN extension is read by the parser, then refused as a coordinate."""
    body = '{"external_id": "t1", "name": "A", "discipline": "PT", "home_lat": NaN}'
    response = client.post(
        "/therapists", headers={**staff.headers, "Content-Type": "application/json"}, content=body
    )
    assert response.status_code == 422
    assert fields(response.json()) == {"home_lat", "home_lon"}


def test_a_patch_changes_only_what_it_sends(client: TestClient, staff: Caller) -> None:
    created = create(client, staff, max_visits=8)
    url = f"/therapists/{created['id']}"
    response = client.patch(url, headers=staff.headers, json={"break": None, "name": "Ana P."})
    assert response.status_code == 200
    assert response.json() == {**created, "break": None, "name": "Ana P."}
    cleared = client.patch(url, headers=staff.headers, json={"max_visits": None})
    assert cleared.json()["max_visits"] is None
    refused = client.patch(url, headers=staff.headers, json={"name": None, "skills": None})
    assert refused.status_code == 422
    assert fields(refused.json()) == {"name", "skills"}


def test_the_week_cap_round_trips_and_clears(client: TestClient, staff: Caller) -> None:
    """Create, read, list, PATCH and clear it; the week's cap may equal the day's, or
    reach the whole week."""
    created = create(client, staff, max_work_minutes=480, max_week_minutes=2400)
    assert (created["max_work_minutes"], created["max_week_minutes"]) == (480, 2400)
    url = f"/therapists/{created['id']}"
    assert client.get(url, headers=staff.headers).json()["max_week_minutes"] == 2400
    listed = client.get("/therapists", headers=staff.headers).json()["items"]
    assert [item["max_week_minutes"] for item in listed] == [2400]
    for week_cap in (480, 7 * 24 * 60, None):
        response = client.patch(url, headers=staff.headers, json={"max_week_minutes": week_cap})
        assert response.status_code == 200, response.json()
        assert response.json() == {**created, "max_week_minutes": week_cap}


@pytest.mark.parametrize(
    "changes",
    [{"max_work_minutes": 481}, {"max_week_minutes": 479}],
    ids=["day cap raised", "week cap lowered"],
)
def test_a_patch_that_puts_the_week_below_the_day_is_422(
    client: TestClient, staff: Caller, changes: dict[str, Any]
) -> None:
    """The caps are checked as they would be after the PATCH; the fault names the week's."""
    created = create(client, staff, max_work_minutes=480, max_week_minutes=480)
    url = f"/therapists/{created['id']}"
    response = client.patch(url, headers=staff.headers, json=changes)
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["field"] == "max_week_minutes"
    assert "less than max_work_minutes" in error["message"]
    assert client.get(url, headers=staff.headers).json() == created


def test_an_external_id_is_unique_in_the_clinic(
    client: TestClient, session: Session, staff: Caller
) -> None:
    first = create(client, staff)
    second = create(client, staff, external_id="t-joan")
    again = client.post("/therapists", headers=staff.headers, json=ANA)
    assert again.status_code == 409
    assert "'t-ana'" in again.json()["detail"]
    renamed = client.patch(
        f"/therapists/{second['id']}", headers=staff.headers, json={"external_id": "t-ana"}
    )
    assert renamed.status_code == 409
    other = caller(session)
    assert create(client, other)["id"] != first["id"]


def test_another_clinics_therapist_is_404_like_a_missing_one(
    client: TestClient, session: Session, staff: Caller
) -> None:
    theirs = create(client, caller(session))["id"]
    for therapist_id in (theirs, 999_999):
        url = f"/therapists/{therapist_id}"
        expected = {"detail": f"therapist {therapist_id} not found", "errors": []}
        for response in (
            client.get(url, headers=staff.headers),
            client.patch(url, headers=staff.headers, json={"name": "X"}),
            client.delete(url, headers=staff.headers),
            client.get(f"{url}/availability", headers=staff.headers),
        ):
            assert response.status_code == 404
            assert response.json() == expected


def test_an_id_beyond_the_integer_column_is_422(client: TestClient, staff: Caller) -> None:
    response = client.get(f"/therapists/{2**31}", headers=staff.headers)
    assert response.status_code == 422
    assert fields(response.json()) == {"therapist_id"}


def test_a_therapist_login_is_refused_before_any_lookup(
    client: TestClient, session: Session
) -> None:
    therapist = caller(session, Role.THERAPIST)
    for method, url in (("GET", "/therapists"), ("GET", "/therapists/999999")):
        response = client.request(method, url, headers=therapist.headers)
        assert response.status_code == 403
    response = client.post("/therapists", headers=therapist.headers, json=ANA)
    assert response.status_code == 403


def test_an_admin_may_manage_therapists(client: TestClient, session: Session) -> None:
    admin = caller(session, Role.ADMIN)
    assert client.post("/therapists", headers=admin.headers, json=ANA).status_code == 201


def test_delete_removes_the_therapist(client: TestClient, staff: Caller) -> None:
    created = create(client, staff)
    url = f"/therapists/{created['id']}"
    assert client.delete(url, headers=staff.headers).status_code == 204
    assert client.get(url, headers=staff.headers).status_code == 404


def test_a_therapist_on_a_stored_plan_cannot_be_deleted(
    client: TestClient, session: Session, staff: Caller
) -> None:
    """plan_routes.therapist_id has no cascade: 409 with the reason, never a 500."""
    therapist = add_therapist(session, staff.clinic)
    add_routed_plan(session, staff.clinic, {therapist: []})
    response = client.delete(f"/therapists/{therapist.id}", headers=staff.headers)
    assert response.status_code == 409
    assert response.json()["detail"] == (
        "therapist 't1' cannot be deleted: 1 stored plan has a route of theirs"
    )
    assert client.get(f"/therapists/{therapist.id}", headers=staff.headers).status_code == 200
