"""The therapist's day: own route only, check-in/out, the calendar feed without a login."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pytest

from scheduler.models import PlanStatus, Role, VisitStatus
from scheduler.therapist_day.service import clinic_today
from tests.api.factories import add_login, auth_headers, served_path
from tests.scheduler.factories import DAY
from tests.scheduler.planning_factories import add_routed_plan, add_small_day, move_day

if TYPE_CHECKING:
    from fastapi.testclient import TestClient
    from sqlalchemy.orm import Session

    from tests.scheduler.planning_factories import SmallDay


def _published_day(session: Session) -> SmallDay:
    """t1 visits v1 then v2; t2 visits v3; published."""
    day = add_small_day(session)
    t1, t2 = day.therapists["t1"], day.therapists["t2"]
    v1, v2, v3 = day.visits["v1"], day.visits["v2"], day.visits["v3"]
    day.visits["v1"].patient.access_notes = "Key safe 1234"
    day.visits["v1"].patient.phone = "+376 800 001"
    add_routed_plan(
        session,
        day.clinic,
        {t1: [(v1, 9 * 3600), (v2, 11 * 3600)], t2: [(v3, 13 * 3600)]},
        status=PlanStatus.PUBLISHED,
    )
    return day


def test_a_therapist_sees_their_own_stops_and_only_what_they_need(
    client: TestClient, session: Session
) -> None:
    day = _published_day(session)
    login = add_login(session, day.clinic, Role.THERAPIST, day.therapists["t1"])
    route = client.get(
        "/me/route", params={"date": DAY.isoformat()}, headers=auth_headers(session, login)
    ).json()
    assert route["published"] is True
    assert [stop["visit_id"] for stop in route["stops"]] == [
        day.visits["v1"].id,
        day.visits["v2"].id,
    ]
    first = route["stops"][0]
    assert first["start"] == "09:00:00"
    assert first["patient"] == {
        "name": "Patient p1",
        "address": day.visits["v1"].patient.address,
        "access_notes": "Key safe 1234",
        "phone": "+376 800 001",
        "lat": day.visits["v1"].patient.lat,
        "lon": day.visits["v1"].patient.lon,
    }
    assert first["geo_url"] == f"geo:{first['patient']['lat']},{first['patient']['lon']}"
    assert first["navigation_url"].startswith("https://www.google.com/maps/dir/?api=1")
    assert route["next_visit_id"] == day.visits["v1"].id


def test_a_new_version_says_what_changed_for_the_therapist(
    client: TestClient, session: Session
) -> None:
    """Version 2 moves v1 to t2, v2 from 11:00 to 11:30 and v3 from t2 to t1: for t1, v3 is
    added, v1 removed, v2 moved; a shift of 10 minutes (v1 for t2) is not worth saying."""
    day = add_small_day(session)
    t1, t2 = day.therapists["t1"], day.therapists["t2"]
    v1, v2, v3 = day.visits["v1"], day.visits["v2"], day.visits["v3"]
    first = add_routed_plan(
        session,
        day.clinic,
        {t1: [(v1, 9 * 3600), (v2, 11 * 3600)], t2: [(v3, 13 * 3600)]},
        status=PlanStatus.PUBLISHED,
    )
    first.status = PlanStatus.SUPERSEDED
    session.flush()
    add_routed_plan(
        session,
        day.clinic,
        {t1: [(v2, 11 * 3600 + 1800), (v3, 14 * 3600)], t2: [(v1, 9 * 3600 + 600)]},
        status=PlanStatus.PUBLISHED,
    )
    routes = {
        key: client.get(
            "/me/route",
            params={"date": DAY.isoformat()},
            headers=auth_headers(session, add_login(session, day.clinic, Role.THERAPIST, t)),
        ).json()
        for key, t in (("t1", t1), ("t2", t2))
    }
    assert routes["t1"]["previous_version"] == 1
    assert [(c["kind"], c["patient_name"]) for c in routes["t1"]["changes"]] == [
        ("removed", "Patient p1"),
        ("moved", "Patient p2"),
        ("added", "Patient p3"),
    ]
    moved = routes["t1"]["changes"][1]
    assert (moved["before_start"], moved["after_start"]) == ("11:00:00", "11:30:00")
    assert [(c["kind"], c["patient_name"]) for c in routes["t2"]["changes"]] == [
        ("added", "Patient p1"),
        ("removed", "Patient p3"),
    ]


def test_the_first_published_version_has_no_changes(client: TestClient, session: Session) -> None:
    day = _published_day(session)
    login = add_login(session, day.clinic, Role.THERAPIST, day.therapists["t1"])
    route = client.get(
        "/me/route", params={"date": DAY.isoformat()}, headers=auth_headers(session, login)
    ).json()
    assert route["previous_version"] is None
    assert route["changes"] == []


def test_a_day_without_a_published_plan_is_empty(client: TestClient, session: Session) -> None:
    day = add_small_day(session)
    login = add_login(session, day.clinic, Role.THERAPIST, day.therapists["t1"])
    route = client.get(
        "/me/route", params={"date": DAY.isoformat()}, headers=auth_headers(session, login)
    ).json()
    assert route["published"] is False
    assert route["stops"] == []


def test_check_in_and_out_record_times_and_move_to_the_next_stop(
    client: TestClient, session: Session
) -> None:
    day = _published_day(session)
    move_day(session, day, clinic_today(day.therapists["t1"]))
    headers = auth_headers(
        session, add_login(session, day.clinic, Role.THERAPIST, day.therapists["t1"])
    )
    v1, v2 = day.visits["v1"], day.visits["v2"]
    out_first = client.post(f"/me/visits/{v1.id}/check-out", headers=headers)
    assert out_first.status_code == 409
    checked_in = client.post(f"/me/visits/{v1.id}/check-in", headers=headers).json()
    assert checked_in["status"] == "in_progress"
    assert checked_in["checked_in_at"] is not None
    assert client.post(f"/me/visits/{v1.id}/check-in", headers=headers).status_code == 409
    checked_out = client.post(f"/me/visits/{v1.id}/check-out", headers=headers).json()
    assert checked_out["status"] == "done"
    assert checked_out["next_visit_id"] == v2.id
    session.refresh(v1)
    assert v1.status == VisitStatus.DONE
    assert v1.checked_out_at is not None
    assert v1.checked_in_at is not None
    assert v1.checked_in_at <= v1.checked_out_at


@pytest.mark.parametrize(("days", "word"), [(1, "is on"), (-1, "was on")])
def test_a_check_in_is_refused_on_another_day_than_the_visit_s(
    client: TestClient, session: Session, days: int, word: str
) -> None:
    """Tomorrow's visit cannot be checked in today, nor yesterday's: the check-in records
    the time now as the arrival, which a re-plan takes as the start of the visit."""
    day = _published_day(session)
    today = clinic_today(day.therapists["t1"])
    move_day(session, day, today + dt.timedelta(days=days))
    headers = auth_headers(
        session, add_login(session, day.clinic, Role.THERAPIST, day.therapists["t1"])
    )
    v1 = day.visits["v1"]
    response = client.post(f"/me/visits/{v1.id}/check-in", headers=headers)
    assert response.status_code == 409
    visit_date = (today + dt.timedelta(days=days)).isoformat()
    assert response.json()["detail"].startswith(
        f"visit {v1.id} {word} {visit_date} and today is {today.isoformat()} in Europe/Andorra"
    )
    session.refresh(v1)
    assert v1.checked_in_at is None
    assert v1.status == VisitStatus.BOOKED


def test_a_stop_planned_past_midnight_is_checked_in_on_the_next_day(
    client: TestClient, session: Session
) -> None:
    """A route that runs past midnight: its 24:30 stop is checked in on the day it falls on."""
    day = add_small_day(session)
    today = clinic_today(day.therapists["t1"])
    v1 = day.visits["v1"]
    add_routed_plan(
        session,
        day.clinic,
        {day.therapists["t1"]: [(v1, 24 * 3600 + 1800)]},
        status=PlanStatus.PUBLISHED,
    )
    move_day(session, day, today - dt.timedelta(days=1))
    headers = auth_headers(
        session, add_login(session, day.clinic, Role.THERAPIST, day.therapists["t1"])
    )
    assert client.post(f"/me/visits/{v1.id}/check-in", headers=headers).status_code == 200


def test_another_therapists_visit_is_not_found(client: TestClient, session: Session) -> None:
    day = _published_day(session)
    headers = auth_headers(
        session, add_login(session, day.clinic, Role.THERAPIST, day.therapists["t1"])
    )
    theirs = day.visits["v3"]
    response = client.post(f"/me/visits/{theirs.id}/check-in", headers=headers)
    assert response.status_code == 404
    missing = client.post("/me/visits/999999/check-in", headers=headers)
    assert missing.json()["detail"] == "visit 999999 is not on your published route"
    assert response.json()["detail"] == f"visit {theirs.id} is not on your published route"


def test_a_coordinator_has_no_route(client: TestClient, session: Session) -> None:
    day = add_small_day(session)
    headers = auth_headers(session, add_login(session, day.clinic, Role.COORDINATOR))
    assert client.get("/me/route", headers=headers).status_code == 403


def test_the_feed_url_works_without_a_login_until_rotated(
    client: TestClient, session: Session
) -> None:
    day = _published_day(session)
    move_day(session, day, clinic_today(day.therapists["t1"]))
    headers = auth_headers(
        session, add_login(session, day.clinic, Role.THERAPIST, day.therapists["t1"])
    )
    url = served_path(client.get("/me/calendar-feed", headers=headers).json()["url"])
    feed = client.get(url)
    assert feed.status_code == 200
    assert feed.headers["content-type"].startswith("text/calendar")
    assert feed.text.count("BEGIN:VEVENT") == 2
    rotated = served_path(client.post("/me/calendar-feed/rotate", headers=headers).json()["url"])
    assert rotated != url
    assert client.get(url).status_code == 404
    assert client.get(rotated).status_code == 200


def test_me_route_ics_carries_only_the_therapists_events(
    client: TestClient, session: Session
) -> None:
    day = _published_day(session)
    move_day(session, day, clinic_today(day.therapists["t1"]))
    headers = auth_headers(
        session, add_login(session, day.clinic, Role.THERAPIST, day.therapists["t1"])
    )
    calendar = client.get("/me/route.ics", headers=headers).text
    assert calendar.count("BEGIN:VEVENT") == 2
    assert "Patient p1" in calendar
    assert "Patient p3" not in calendar


def test_a_feed_url_with_a_foreign_secret_is_not_found(
    client: TestClient, session: Session
) -> None:
    """Characters beyond ASCII in the secret are a wrong secret, not a server error."""
    day = _published_day(session)
    login = add_login(session, day.clinic, Role.THERAPIST, day.therapists["t1"])
    response = client.get(f"/feeds/{login.id}/%C2%80/route.ics")
    assert response.status_code == 404
    assert response.json()["detail"] == "no such calendar feed"
