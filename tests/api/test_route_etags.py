"""Conditional GETs of the therapist's day: an unchanged route or feed is a 304 that loads
nothing; a publish or a check-in, through this server or another, changes the ETag."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from api.app import create_app
from scheduler.planning import publish_plan
from tests.api.conftest import PUBLIC_BASE_URL, settings_for
from tests.api.route_days import add_route_day, level, statements
from tests.scheduler.planning_factories import add_routed_plan

if TYPE_CHECKING:
    from fastapi import FastAPI
    from sqlalchemy.engine import Engine

    from tests.api.route_days import RouteDay


def _feed_path(client: TestClient, route_day: RouteDay) -> str:
    url: str = client.get("/me/calendar-feed", headers=route_day.headers).json()["url"]
    return url.removeprefix(PUBLIC_BASE_URL)  # the proxy strips the public path


def test_an_unchanged_route_is_a_304_that_loads_nothing(
    client: TestClient, session: Session, shared_engine: Engine
) -> None:
    route_day = add_route_day(session)
    first = client.get("/me/route", headers=route_day.headers)
    etag = first.headers["etag"]
    assert first.status_code == 200
    assert first.headers["cache-control"] == "private, no-cache"
    with statements(shared_engine) as seen:
        again = client.get("/me/route", headers={**route_day.headers, "If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    assert len(seen) == 1, seen  # the token's look-up, which reads the route version too


@pytest.mark.parametrize("sent", ["*", "W/{etag}", '"other", {etag}'])
def test_if_none_match_takes_a_star_a_weak_tag_and_a_list(
    client: TestClient, session: Session, sent: str
) -> None:
    route_day = add_route_day(session)
    etag = client.get("/me/route", headers=route_day.headers).headers["etag"]
    headers = {**route_day.headers, "If-None-Match": sent.format(etag=etag)}
    assert client.get("/me/route", headers=headers).status_code == 304


def test_another_etag_or_day_gets_the_route(client: TestClient, session: Session) -> None:
    route_day = add_route_day(session)
    etag = client.get("/me/route", headers=route_day.headers).headers["etag"]
    stale = client.get("/me/route", headers={**route_day.headers, "If-None-Match": '"old"'})
    assert stale.status_code == 200
    other_day = client.get(
        "/me/route",
        params={"date": "2026-01-05"},
        headers={**route_day.headers, "If-None-Match": etag},
    )
    assert other_day.status_code == 200
    assert other_day.json()["published"] is False


def test_a_check_in_changes_the_etag_and_the_body(client: TestClient, session: Session) -> None:
    route_day = add_route_day(session)
    v1 = route_day.day.visits["v1"]
    etag = client.get("/me/route", headers=route_day.headers).headers["etag"]
    client.post(f"/me/visits/{v1.id}/check-in", headers=route_day.headers)
    after = client.get("/me/route", headers={**route_day.headers, "If-None-Match": etag})
    assert after.status_code == 200
    assert after.headers["etag"] != etag
    assert after.json()["stops"][0]["status"] == "in_progress"


def test_publishing_a_new_version_changes_the_etag_and_the_body(
    client: TestClient, session: Session
) -> None:
    route_day = add_route_day(session)
    day = route_day.day
    first = client.get("/me/route", headers=route_day.headers)
    draft = add_routed_plan(session, day.clinic, {day.therapists["t1"]: [(day.visits["v2"], 0)]})
    draft.date, draft.version = day.visits["v1"].date, 2
    publish_plan(session, day.clinic.id, draft.id)
    etag = first.headers["etag"]
    after = client.get("/me/route", headers={**route_day.headers, "If-None-Match": etag})
    assert after.status_code == 200
    assert after.headers["etag"] != etag
    assert after.json()["plan_version"] == first.json()["plan_version"] + 1
    assert [change["kind"] for change in after.json()["changes"]] == ["moved", "removed"]


def test_both_feeds_answer_304_until_a_check_in(client: TestClient, session: Session) -> None:
    route_day = add_route_day(session)
    v1 = route_day.day.visits["v1"]
    for path, headers in (
        ("/me/route.ics", route_day.headers),
        (_feed_path(client, route_day), {}),
    ):
        first = client.get(path, headers=headers)
        assert first.status_code == 200
        assert first.text.count("BEGIN:VEVENT") == 2
        conditional = {**headers, "If-None-Match": first.headers["etag"]}
        assert client.get(path, headers=conditional).status_code == 304
    etags = [
        client.get(path, headers=headers).headers["etag"]
        for path, headers in (
            ("/me/route.ics", route_day.headers),
            (_feed_path(client, route_day), {}),
        )
    ]
    client.post(f"/me/visits/{v1.id}/check-in", headers=route_day.headers)
    for (path, headers), etag in zip(
        (("/me/route.ics", route_day.headers), (_feed_path(client, route_day), {})),
        etags,
        strict=True,
    ):
        after = client.get(path, headers={**headers, "If-None-Match": etag})
        assert after.status_code == 200
        assert after.headers["etag"] != etag


def test_a_change_through_another_server_changes_the_etag(
    app_on: FastAPI, migrated: Engine
) -> None:
    """Two app instances, each with its own engine, on one database: a check-in through
    the second is seen by the first."""
    with Session(migrated) as session:
        route_day = add_route_day(session)
        v1_id = route_day.day.visits["v1"].id
    other = create_app(settings_for(migrated))
    try:
        with TestClient(app_on) as here, TestClient(other) as there:
            first = here.get("/me/route", headers=route_day.headers)
            conditional = {**route_day.headers, "If-None-Match": first.headers["etag"]}
            assert here.get("/me/route", headers=conditional).status_code == 304
            assert there.post(f"/me/visits/{v1_id}/check-in", headers=route_day.headers).is_success
            level(app_on)
            after = here.get("/me/route", headers=conditional)
            assert after.status_code == 200
            assert after.json()["stops"][0]["status"] == "in_progress"
    finally:
        other.state.jobs.shutdown()
        other.state.engine.dispose()
