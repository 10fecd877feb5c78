"""The calendar feed's URL: ended with the user's tokens, rotated by an admin, built from the
configured public base URL and never from the request's Host header."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.deps import get_session
from scheduler.models import Role
from tests.api.conftest import PUBLIC_BASE_URL, settings_for
from tests.api.factories import PASSWORD, add_login, auth_headers, served_path
from tests.scheduler.factories import add_clinic, add_therapist

if TYPE_CHECKING:
    from collections.abc import Iterator

    from sqlalchemy.engine import Engine
    from sqlalchemy.orm import Session

    from scheduler.models import Clinic, User


def _therapist_login(session: Session, clinic: Clinic) -> User:
    return add_login(session, clinic, Role.THERAPIST, add_therapist(session, clinic))


def _feed_path(client: TestClient, headers: dict[str, str]) -> str:
    response = client.get("/me/calendar-feed", headers=headers)
    assert response.status_code == 200, response.text
    return served_path(response.json()["url"])


def test_revoking_a_users_tokens_ends_their_feed(client: TestClient, session: Session) -> None:
    """A lost phone: the feed (patients' names, addresses, phones) ends with the tokens, and
    the user's next login gets a new feed URL that works."""
    clinic = add_clinic(session)
    admin = auth_headers(session, add_login(session, clinic, Role.ADMIN))
    therapist = _therapist_login(session, clinic)
    old = _feed_path(client, auth_headers(session, therapist))
    assert client.get(old).status_code == 200
    assert client.post(f"/users/{therapist.id}/revoke-tokens", headers=admin).status_code == 200
    assert client.get(old).status_code == 404
    login = client.post("/auth/login", json={"email": therapist.email, "password": PASSWORD})
    new = _feed_path(client, {"Authorization": f"Bearer {login.json()['access_token']}"})
    assert new != old
    assert client.get(new).status_code == 200


def test_an_admin_rotates_a_users_feed(client: TestClient, session: Session) -> None:
    clinic = add_clinic(session)
    therapist = _therapist_login(session, clinic)
    headers = auth_headers(session, therapist)
    old = _feed_path(client, headers)
    admin = auth_headers(session, add_login(session, clinic, Role.ADMIN))
    response = client.post(f"/users/{therapist.id}/rotate-feed", headers=admin)
    assert response.status_code == 204
    assert client.get(old).status_code == 404
    new = _feed_path(client, headers)  # the user's tokens still work
    assert new != old
    assert client.get(new).status_code == 200


def test_another_clinics_admin_cannot_rotate_a_feed(client: TestClient, session: Session) -> None:
    therapist = _therapist_login(session, add_clinic(session, "A"))
    feed = _feed_path(client, auth_headers(session, therapist))
    stranger = auth_headers(session, add_login(session, add_clinic(session, "B"), Role.ADMIN))
    response = client.post(f"/users/{therapist.id}/rotate-feed", headers=stranger)
    assert response.status_code == 404
    assert response.json()["detail"] == f"user {therapist.id} not found"
    assert client.get(feed).status_code == 200


def test_the_feed_url_ignores_the_host_header(client: TestClient, session: Session) -> None:
    """A forged Host must not put the therapist's feed under someone else's server."""
    headers = auth_headers(session, _therapist_login(session, add_clinic(session)))
    forged = {**headers, "Host": "attacker.example", "X-Forwarded-Host": "attacker.example"}
    url = client.get("/me/calendar-feed", headers=forged).json()["url"]
    assert url.startswith(f"{PUBLIC_BASE_URL}/feeds/")
    assert "attacker" not in url
    rotated = client.post("/me/calendar-feed/rotate", headers=forged).json()["url"]
    assert rotated.startswith(f"{PUBLIC_BASE_URL}/feeds/")


@pytest.fixture
def client_without_base_url(shared_engine: Engine, session: Session) -> Iterator[TestClient]:
    """The app without HOMEVISIT_PUBLIC_BASE_URL."""
    settings = dataclasses.replace(settings_for(shared_engine), public_base_url=None)
    app = create_app(settings, shared_engine)
    app.dependency_overrides[get_session] = lambda: session
    with TestClient(app) as client:
        yield client
    app.state.jobs.shutdown()


def test_without_a_public_base_url_no_feed_url_is_handed_out(
    client: TestClient, client_without_base_url: TestClient, session: Session
) -> None:
    """A 409 naming the setting; rotating changes nothing, since the caller could not learn
    the new URL; URLs handed out before keep working."""
    headers = auth_headers(session, _therapist_login(session, add_clinic(session)))
    before = _feed_path(client, headers)
    for method, path in (("GET", "/me/calendar-feed"), ("POST", "/me/calendar-feed/rotate")):
        response = client_without_base_url.request(method, path, headers=headers)
        assert response.status_code == 409
        assert "HOMEVISIT_PUBLIC_BASE_URL" in response.json()["detail"]
    assert client_without_base_url.get(before).status_code == 200
