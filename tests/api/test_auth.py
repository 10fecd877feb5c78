"""Logging in, token expiry and revocation, the error shape, and the role checks."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pytest
import sqlalchemy as sa

from scheduler.models import ApiToken, Role
from tests.api.factories import PASSWORD, add_login, auth_headers
from tests.scheduler.factories import add_clinic, add_therapist

if TYPE_CHECKING:
    from fastapi.testclient import TestClient
    from sqlalchemy.orm import Session


def test_login_returns_a_token_that_identifies_the_user(
    client: TestClient, session: Session
) -> None:
    """The token from /auth/login opens /auth/me as that user."""
    user = add_login(session, add_clinic(session), Role.COORDINATOR)
    response = client.post("/auth/login", json={"email": user.email.upper(), "password": PASSWORD})
    assert response.status_code == 200
    token = response.json()["access_token"]
    me = client.get("/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["email"] == user.email
    assert me.json()["role"] == "coordinator"


def test_wrong_password_is_401_without_saying_which_part_was_wrong(
    client: TestClient, session: Session
) -> None:
    user = add_login(session, add_clinic(session), Role.ADMIN)
    wrong = client.post("/auth/login", json={"email": user.email, "password": "nope nope nope"})
    unknown = client.post("/auth/login", json={"email": "x@y.org", "password": PASSWORD})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json() == {"detail": "wrong email or password", "errors": []}
    assert wrong.headers["www-authenticate"] == "Bearer"


def test_an_email_with_a_nul_character_is_a_wrong_login(
    client: TestClient, session: Session
) -> None:
    """PostgreSQL refuses NUL in a query: the schema fuzz once made this a 500."""
    user = add_login(session, add_clinic(session), Role.ADMIN)
    response = client.post("/auth/login", json={"email": user.email + "\x00", "password": PASSWORD})
    assert response.status_code == 401
    assert response.json()["detail"] == "wrong email or password"


def test_the_same_email_in_two_clinics_needs_the_clinic(
    client: TestClient, session: Session
) -> None:
    first, second = add_clinic(session, "A"), add_clinic(session, "B")
    user = add_login(session, first, Role.ADMIN)
    other = add_login(session, second, Role.ADMIN)
    other.email = user.email
    session.flush()
    ambiguous = client.post("/auth/login", json={"email": user.email, "password": PASSWORD})
    assert ambiguous.status_code == 422
    assert ambiguous.json()["errors"][0]["field"] == "clinic_id"
    chosen = client.post(
        "/auth/login", json={"email": user.email, "password": PASSWORD, "clinic_id": second.id}
    )
    headers = {"Authorization": f"Bearer {chosen.json()['access_token']}"}
    assert client.get("/auth/me", headers=headers).json()["clinic_id"] == second.id


def test_a_wrong_password_does_not_reveal_logins_in_several_clinics(
    client: TestClient, session: Session
) -> None:
    """Only the password's holder learns that the email is in two clinics."""
    first, second = add_clinic(session, "A"), add_clinic(session, "B")
    user = add_login(session, first, Role.ADMIN)
    add_login(session, second, Role.ADMIN).email = user.email
    session.flush()
    guess = client.post("/auth/login", json={"email": user.email, "password": "not the one"})
    assert guess.status_code == 401
    assert guess.json()["detail"] == "wrong email or password"


def test_an_expired_token_is_refused(client: TestClient, session: Session) -> None:
    user = add_login(session, add_clinic(session), Role.ADMIN)
    headers = auth_headers(session, user)
    assert client.get("/auth/me", headers=headers).status_code == 200
    session.execute(
        sa.update(ApiToken).values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
    )
    response = client.get("/auth/me", headers=headers)
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


def test_logout_revokes_only_that_token(client: TestClient, session: Session) -> None:
    user = add_login(session, add_clinic(session), Role.ADMIN)
    phone, laptop = auth_headers(session, user), auth_headers(session, user)
    assert client.post("/auth/logout", headers=phone).status_code == 204
    assert client.get("/auth/me", headers=phone).status_code == 401
    assert client.get("/auth/me", headers=laptop).status_code == 200


def test_an_admin_revokes_every_token_of_a_user(client: TestClient, session: Session) -> None:
    clinic = add_clinic(session)
    admin = add_login(session, clinic, Role.ADMIN)
    user = add_login(session, clinic, Role.THERAPIST, add_therapist(session, clinic))
    tokens = [auth_headers(session, user), auth_headers(session, user)]
    response = client.post(f"/users/{user.id}/revoke-tokens", headers=auth_headers(session, admin))
    assert response.json() == {"revoked": 2}
    assert all(client.get("/auth/me", headers=h).status_code == 401 for h in tokens)


def test_the_database_holds_no_usable_token(client: TestClient, session: Session) -> None:
    """Only a keyed hash is stored: the token itself does not appear in the table."""
    user = add_login(session, add_clinic(session), Role.ADMIN)
    token = client.post("/auth/login", json={"email": user.email, "password": PASSWORD}).json()
    stored = session.scalars(sa.select(ApiToken.token_hash)).all()
    assert token["access_token"] not in stored
    assert len(stored) == 1


def test_a_coordinator_may_not_manage_users(client: TestClient, session: Session) -> None:
    coordinator = add_login(session, add_clinic(session), Role.COORDINATOR)
    response = client.get("/users", headers=auth_headers(session, coordinator))
    assert response.status_code == 403
    assert response.json()["detail"] == "this needs the role admin; you are coordinator"


def test_an_admin_adds_a_therapist_login_with_field_errors_first(
    client: TestClient, session: Session
) -> None:
    clinic = add_clinic(session)
    headers = auth_headers(session, add_login(session, clinic, Role.ADMIN))
    therapist = add_therapist(session, clinic)
    bad = client.post(
        "/users", headers=headers, json={"email": "nope", "password": "x", "role": "therapist"}
    )
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"email", "password", "therapist"}
    good = client.post(
        "/users",
        headers=headers,
        json={
            "email": "ana@clinic.example",
            "password": PASSWORD,
            "role": "therapist",
            "therapist_id": therapist.id,
        },
    )
    assert good.status_code == 201
    assert good.json()["therapist_id"] == therapist.id


def test_a_therapist_has_at_most_one_login(client: TestClient, session: Session) -> None:
    """A second login for the same therapist record is a 409, not a broken unique key."""
    clinic = add_clinic(session)
    headers = auth_headers(session, add_login(session, clinic, Role.ADMIN))
    therapist = add_therapist(session, clinic)
    add_login(session, clinic, Role.THERAPIST, therapist)
    body = {
        "email": "second@clinic.example",
        "password": PASSWORD,
        "role": "therapist",
        "therapist_id": therapist.id,
    }
    response = client.post("/users", headers=headers, json=body)
    assert response.status_code == 409
    assert "already has the login" in response.json()["detail"]


def test_an_admin_may_not_link_a_login_to_another_clinic_s_therapist(
    client: TestClient, session: Session
) -> None:
    clinic, other = add_clinic(session, "A"), add_clinic(session, "B")
    headers = auth_headers(session, add_login(session, clinic, Role.ADMIN))
    stranger = add_therapist(session, other)
    body = {
        "email": "ana@clinic.example",
        "password": PASSWORD,
        "role": "therapist",
        "therapist_id": stranger.id,
    }
    response = client.post("/users", headers=headers, json=body)
    assert response.status_code == 404
    assert response.json()["detail"] == f"therapist {stranger.id} not found"


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        (
            "POST",
            "/auth/login",
            {"email": "a@b.org", "password": "x", "clinic_id": 2**31},
            "clinic_id",
        ),
        (
            "POST",
            "/users",
            {"email": "a@b.org", "password": PASSWORD, "role": "therapist", "therapist_id": 2**63},
            "therapist_id",
        ),
        ("POST", f"/users/{2**64}/revoke-tokens", None, "user_id"),
    ],
)
def test_an_id_beyond_the_database_integer_is_422(
    client: TestClient, session: Session, method: str, path: str, body: object, field: str
) -> None:
    """Such an id cannot name a record; the database would refuse it (a 500)."""
    headers = auth_headers(session, add_login(session, add_clinic(session), Role.ADMIN))
    response = client.request(method, path, headers=headers, json=body)
    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == [field]


def test_health_reaches_the_database(client: TestClient) -> None:
    assert client.get("/health").json() == {"status": "ok", "database": "ok"}


def test_an_unknown_route_has_the_error_shape(client: TestClient) -> None:
    response = client.get("/no-such-thing")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found", "errors": []}
