"""Login throttling over HTTP, on the API's login and on the page's, with a clock of the
test's own (never a sleep): 429 with Retry-After, a brute force getting nowhere, the real
user back after the window, and the counts shared by two servers."""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from typing import TYPE_CHECKING

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from api.app import create_app
from api.deps import get_clock
from scheduler.accounts.users import add_user
from scheduler.models import Role
from tests.api.conftest import settings_for
from tests.api.factories import PASSWORD, add_login
from tests.scheduler.factories import add_clinic

if TYPE_CHECKING:
    from collections.abc import Iterator

    from fastapi import FastAPI
    from httpx import Response
    from sqlalchemy.engine import Engine

WINDOW_S = 900  # the default HOMEVISIT_LOGIN_WINDOW_S


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = dt.datetime(2026, 12, 3, 9, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


@pytest.fixture
def clock(app: FastAPI) -> Clock:
    clock = Clock()
    app.dependency_overrides[get_clock] = lambda: clock
    return clock


def _api_login(client: TestClient, email: str, password: str) -> Response:
    response: Response = client.post("/auth/login", json={"email": email, "password": password})
    return response


def _page_login(client: TestClient, email: str, password: str) -> Response:
    form = {"email": email, "password": password}
    response: Response = client.post("/app/login", data=form, follow_redirects=False)
    return response


LOGINS = {"api": (_api_login, 200), "page": (_page_login, 303)}


@pytest.mark.parametrize("surface", LOGINS)
def test_a_brute_force_of_100_guesses_gets_nowhere(
    client: TestClient, session: Session, clock: Clock, surface: str
) -> None:
    """An attacker tries every second, waiting out each short Retry-After: at most the
    account's limit of passwords is checked, the right one at guess 100 is refused too, and
    the user logs in once the lock is over."""
    log_in, success = LOGINS[surface]
    user = add_login(session, add_clinic(session), Role.COORDINATOR)
    answers = []
    for guess in range(1, 101):
        response = log_in(client, user.email, PASSWORD if guess == 100 else f"guess {guess}")
        answers.append(response.status_code)
        wait = int(response.headers.get("retry-after", 0))
        clock.advance(wait if 0 < wait < 60 else 1)
    assert answers.count(401) <= 10  # each 401 is one password checked
    assert answers[-1] == 429
    assert response.headers["retry-after"].isdigit()
    assert "try again in" in response.text
    clock.advance(int(response.headers["retry-after"]))
    assert log_in(client, user.email, PASSWORD).status_code == success


@pytest.mark.usefixtures("clock")
def test_a_locked_email_is_refused_like_an_unknown_one(
    client: TestClient, session: Session
) -> None:
    """Unknown emails are counted too: a 429 does not tell which emails have logins."""
    user = add_login(session, add_clinic(session), Role.COORDINATOR)
    answers = {}
    for email in (user.email, "nobody@clinic.example"):
        for _ in range(5):
            _api_login(client, email, "wrong password")
        answers[email] = _api_login(client, email, "wrong password")
    known, unknown = answers.values()
    assert known.status_code == unknown.status_code == 429
    assert known.json() == unknown.json()
    assert known.headers["retry-after"] == unknown.headers["retry-after"] == "1"


@pytest.mark.usefixtures("clock")
def test_one_address_spraying_many_emails_is_refused(app: FastAPI, session: Session) -> None:
    """Another client address still reaches the account."""
    user = add_login(session, add_clinic(session), Role.COORDINATOR)
    with TestClient(app, client=("198.51.100.7", 4000)) as sprayer:
        for n in range(25):
            assert _api_login(sprayer, f"user{n}@clinic.example", "123456").status_code == 401
        refused = _api_login(sprayer, user.email, PASSWORD)
        assert refused.status_code == 429
    with TestClient(app, client=("203.0.113.20", 4000)) as colleague:
        assert _api_login(colleague, user.email, PASSWORD).status_code == 200


@pytest.mark.usefixtures("clock")
def test_a_good_login_in_several_clinics_is_not_counted_against_the_email(
    client: TestClient, session: Session
) -> None:
    """Asked for the clinic, the user is not slowed down for having been asked."""
    first, second = add_clinic(session, "A"), add_clinic(session, "B")
    user = add_login(session, first, Role.ADMIN)
    add_user(session, second, user.email, PASSWORD, "admin")
    for _ in range(6):
        assert _api_login(client, user.email, PASSWORD).status_code == 422


@contextmanager
def _two_servers(engine: Engine) -> Iterator[tuple[TestClient, TestClient]]:
    """Two apps on one database, as two API servers are, on one clock."""
    apps = [create_app(settings_for(engine), engine) for _ in range(2)]
    clock = Clock()
    for app in apps:
        app.dependency_overrides[get_clock] = lambda: clock
    try:
        with TestClient(apps[0]) as one, TestClient(apps[1]) as other:
            yield one, other
    finally:
        for app in apps:
            app.state.jobs.shutdown()


def test_two_servers_share_the_throttle(migrated: Engine) -> None:
    """Failures on one server slow the email down on the other: nothing is in memory."""
    with Session(migrated) as session:
        email = add_login(session, add_clinic(session), Role.ADMIN).email
        session.commit()
    with _two_servers(migrated) as (one, other):
        for _ in range(5):
            assert _api_login(one, email, "wrong password").status_code == 401
        assert _api_login(other, email, PASSWORD).status_code == 429
