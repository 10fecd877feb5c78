"""Every timestamp the API returns carries its zone (UTC, ``Z``), the same when it is created
and when it is read back from the database, on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import sqlalchemy as sa

from scheduler.models import Plan, PlanStatus, Role
from scheduler.therapist_day.service import clinic_today
from tests.api.callers import caller
from tests.api.factories import add_login, auth_headers
from tests.scheduler.planning_factories import add_routed_plan, add_small_day

if TYPE_CHECKING:
    from fastapi.testclient import TestClient
    from sqlalchemy.orm import Session


def utc(text: str) -> dt.datetime:
    """The timestamp, which must be in UTC and say so."""
    assert text.endswith("Z"), text
    moment = dt.datetime.fromisoformat(text)
    assert moment.utcoffset() == dt.timedelta(0)
    return moment


def test_a_check_in_time_reads_back_as_it_was_answered(
    client: TestClient, session: Session
) -> None:
    day = add_small_day(session)
    t1, v1 = day.therapists["t1"], day.visits["v1"]
    plan = add_routed_plan(session, day.clinic, {t1: [(v1, 9 * 3600)]}, status=PlanStatus.PUBLISHED)
    # Checking in is for today's route.
    v1.date = plan.date = clinic_today(t1)
    session.flush()
    therapist = auth_headers(session, add_login(session, day.clinic, Role.THERAPIST, t1))
    answered = client.post(f"/me/visits/{v1.id}/check-in", headers=therapist).json()
    session.expire_all()  # read it from the database, not from the session's objects
    staff = auth_headers(session, add_login(session, day.clinic, Role.COORDINATOR))
    read = client.get(f"/visits/{v1.id}", headers=staff).json()
    assert read["checked_in_at"] == answered["checked_in_at"]
    assert utc(read["checked_in_at"]) <= dt.datetime.now(dt.UTC)


def test_a_plans_creation_time_carries_its_zone(client: TestClient, session: Session) -> None:
    day = add_small_day(session)
    add_routed_plan(session, day.clinic, {day.therapists["t1"]: [(day.visits["v1"], 9 * 3600)]})
    stored = session.scalars(sa.select(Plan).where(Plan.clinic_id == day.clinic.id)).one()
    session.expire_all()
    headers = auth_headers(session, add_login(session, day.clinic, Role.COORDINATOR))
    listed = client.get("/plans", headers=headers, params={"date": stored.date.isoformat()}).json()
    read = client.get(f"/plans/{stored.id}", headers=headers).json()
    assert [utc(plan["created_at"]) for plan in listed] == [utc(read["created_at"])]


def test_a_tokens_expiry_carries_its_zone(client: TestClient, session: Session) -> None:
    staff = caller(session)
    me = client.get("/auth/me", headers=staff.headers)
    assert me.status_code == 200
    login = client.post(
        "/auth/login",
        json={"email": me.json()["email"], "password": "correct horse battery"},
    ).json()
    assert utc(login["expires_at"]) > dt.datetime.now(dt.UTC)
