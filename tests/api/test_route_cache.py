"""The route cache: kept bodies and callers spare the queries of the hot reads, and a change
committed anywhere (another server, a process without a server) reaches every server."""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from api.app import create_app
from api.route_cache import BodyKey, Caller, RouteCache
from scheduler.models import Role, Visit
from scheduler.models.versions import Change
from tests.api.conftest import PUBLIC_BASE_URL, settings_for
from tests.api.route_days import add_route_day, level, statements

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from fastapi import FastAPI
    from sqlalchemy.engine import Engine

    from tests.api.route_days import RouteDay


@dataclass(frozen=True)
class TwoServers:
    """Two app instances on one database, each with its own engine, and t1's day."""

    here: TestClient
    there: TestClient
    here_app: FastAPI
    engine: Engine
    route_day: RouteDay

    @property
    def headers(self) -> dict[str, str]:
        return self.route_day.headers


@pytest.fixture
def two_servers(migrated: Engine) -> Iterator[TwoServers]:
    with Session(migrated) as session:
        route_day = add_route_day(session)
    apps = [create_app(settings_for(migrated)) for _ in range(2)]
    try:
        with TestClient(apps[0]) as here, TestClient(apps[1]) as there:
            yield TwoServers(here, there, apps[0], apps[0].state.engine, route_day)
    finally:
        for app in apps:
            app.state.jobs.shutdown()
            app.state.engine.dispose()


def _keeps_callers(servers: TwoServers) -> bool:
    return servers.engine.dialect.name == "postgresql"


def test_a_kept_route_costs_no_query_where_changes_are_heard(two_servers: TwoServers) -> None:
    """On PostgreSQL the second request finds its caller and its body kept: no statement.
    On SQLite it reads the token (with the version) and nothing else."""
    first = two_servers.here.get("/me/route", headers=two_servers.headers)
    with statements(two_servers.engine) as seen:
        again = two_servers.here.get("/me/route", headers=two_servers.headers)
        conditional = {**two_servers.headers, "If-None-Match": first.headers["etag"]}
        unchanged = two_servers.here.get("/me/route", headers=conditional)
    assert again.content == first.content
    assert unchanged.status_code == 304
    assert len(seen) == (0 if _keeps_callers(two_servers) else 2), seen


def test_a_check_in_through_another_server_reaches_the_kept_route(
    two_servers: TwoServers,
) -> None:
    v1_id = two_servers.route_day.visit_ids["v1"]
    first = two_servers.here.get("/me/route", headers=two_servers.headers)
    assert two_servers.here_app.state.route_cache.sizes()[0] == 1
    checked = two_servers.there.post(f"/me/visits/{v1_id}/check-in", headers=two_servers.headers)
    assert checked.is_success
    level(two_servers.here_app)
    after = two_servers.here.get("/me/route", headers=two_servers.headers)
    assert after.headers["etag"] != first.headers["etag"]
    assert after.json()["stops"][0]["status"] == "in_progress"


def test_a_change_committed_outside_any_server_reaches_the_kept_route(
    two_servers: TwoServers,
) -> None:
    """The CLI or a worker commits through a session of its own."""
    first = two_servers.here.get("/me/route", headers=two_servers.headers)
    with Session(two_servers.engine) as session:
        visit = session.get_one(Visit, two_servers.route_day.visit_ids["v1"])
        visit.patient.access_notes = "The key is with the neighbour"
        session.commit()
    level(two_servers.here_app)
    conditional = {**two_servers.headers, "If-None-Match": first.headers["etag"]}
    after = two_servers.here.get("/me/route", headers=conditional)
    assert after.status_code == 200
    assert after.json()["stops"][0]["patient"]["access_notes"] == "The key is with the neighbour"


def test_a_token_revoked_through_another_server_is_refused(two_servers: TwoServers) -> None:
    assert two_servers.here.get("/me/route", headers=two_servers.headers).status_code == 200
    assert two_servers.there.post("/auth/logout", headers=two_servers.headers).is_success
    level(two_servers.here_app)
    assert two_servers.here.get("/me/route", headers=two_servers.headers).status_code == 401


def test_a_feed_rotated_through_another_server_is_gone(two_servers: TwoServers) -> None:
    url = two_servers.here.get("/me/calendar-feed", headers=two_servers.headers).json()["url"]
    url = url.removeprefix(PUBLIC_BASE_URL)  # the proxy strips the public path
    assert two_servers.here.get(url).status_code == 200
    rotate = two_servers.there.post("/me/calendar-feed/rotate", headers=two_servers.headers)
    assert rotate.is_success
    level(two_servers.here_app)
    assert two_servers.here.get(url).status_code == 404


def test_without_the_listener_callers_are_read_again(two_servers: TwoServers) -> None:
    """A server that stops hearing changes keeps no caller: it cannot know they are fresh."""
    two_servers.here.get("/me/route", headers=two_servers.headers)
    listener = getattr(two_servers.here_app.state, "change_listener", None)
    if listener is not None:
        listener.stop()
    with statements(two_servers.engine) as seen:
        assert two_servers.here.get("/me/route", headers=two_servers.headers).is_success
    assert len(seen) == 1, seen  # the token (with the version); the body is still kept


def test_the_cache_set_to_zero_keeps_nothing(migrated: Engine) -> None:
    with Session(migrated) as session:
        route_day = add_route_day(session)
    app = create_app(dataclasses.replace(settings_for(migrated), route_cache_mb=0))
    try:
        with TestClient(app) as client:
            client.get("/me/route", headers=route_day.headers)
            assert app.state.route_cache.sizes() == (0, 0)
    finally:
        app.state.jobs.shutdown()
        app.state.engine.dispose()


# The cache on its own.

DAY = dt.date(2026, 11, 30)


def _caller(clinic_id: int = 1, user_id: int = 10) -> Caller:
    return Caller(user_id, Role.THERAPIST, clinic_id, 5, "Europe/Andorra", 3, None)


def _listening_cache(max_bytes: int = 1000) -> RouteCache:
    cache = RouteCache(max_bytes)
    cache.listening = lambda: True
    return cache


def test_a_body_is_served_only_for_its_version_and_never_replaced_by_an_older_one() -> None:
    cache, key = _listening_cache(), BodyKey(1, "route", 5, DAY)
    cache.keep_body(key, 4, b"four")
    cache.keep_body(key, 3, b"three")
    assert cache.body(key, 4) == b"four"
    assert cache.body(key, 3) is None


def test_bodies_beyond_the_size_go_oldest_first() -> None:
    cache = _listening_cache(max_bytes=10)
    first, second = BodyKey(1, "route", 5, DAY), BodyKey(1, "route", 6, DAY)
    cache.keep_body(first, 1, b"123456")
    cache.keep_body(second, 1, b"abcdef")
    assert cache.body(first, 1) is None
    assert cache.body(second, 1) == b"abcdef"


def test_a_caller_read_before_a_change_is_not_kept_after_it() -> None:
    cache = _listening_cache()
    epoch = cache.epoch()
    cache.apply(Change({2: 1}))  # another clinic's change, heard while the look-up ran
    cache.keep_caller("token:a", _caller(), epoch)
    assert cache.caller("token:a") is None
    cache.keep_caller("token:a", _caller(), cache.epoch())
    assert cache.caller("token:a") == _caller()


def test_a_change_drops_the_callers_and_bodies_of_its_clinics_and_users() -> None:
    cache = _listening_cache()
    for key, caller in (("a", _caller(1, 10)), ("b", _caller(2, 20)), ("c", _caller(3, 30))):
        cache.keep_caller(key, caller, cache.epoch())
    cache.keep_body(BodyKey(1, "feed", 5, DAY), 3, b"ics")
    cache.apply(Change({1: 4}, frozenset({20})))
    assert [cache.caller(key) is None for key in "abc"] == [True, True, False]
    assert cache.sizes() == (0, 1)


def test_an_expired_token_is_not_served_from_the_cache() -> None:
    cache = _listening_cache()
    past = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    cache.keep_caller("token:a", Caller(10, Role.THERAPIST, 1, 5, "UTC", 1, past), cache.epoch())
    assert cache.caller("token:a") is None


def _until(condition: Callable[[], bool], timeout_s: float = 15.0) -> bool:
    """Whether ``condition`` held within ``timeout_s`` (a bound on waiting, not a measure)."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_a_listener_that_loses_its_connection_forgets_its_callers_then_hears_again(
    two_servers: TwoServers,
) -> None:
    if not _keeps_callers(two_servers):
        pytest.skip("only PostgreSQL announces changes")
    app = two_servers.here_app
    listener = app.state.change_listener
    two_servers.here.get("/me/route", headers=two_servers.headers)
    assert app.state.route_cache.sizes()[1] == 1
    with two_servers.engine.begin() as connection:
        ended = connection.scalar(
            sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": listener.backend_pid}
        )
    assert ended
    assert _until(lambda: not listener.listening)
    assert listener.wait_listening(15.0)
    assert app.state.route_cache.sizes()[1] == 0
    v1_id = two_servers.route_day.visit_ids["v1"]
    first = two_servers.here.get("/me/route", headers=two_servers.headers)
    two_servers.there.post(f"/me/visits/{v1_id}/check-in", headers=two_servers.headers)
    level(app)
    after = two_servers.here.get("/me/route", headers=two_servers.headers)
    assert after.headers["etag"] != first.headers["etag"]
