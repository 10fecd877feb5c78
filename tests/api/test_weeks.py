"""Week plans over HTTP: start (202), poll to done, the day plans and the week's figures,
publish all, cancel, the list; bad input, another clinic's week, a therapist's call."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from api.app import create_app
from api.deps import get_jobs
from scheduler.jobs import JobPolicy, JobQueue
from scheduler.jobs.inline import InlineRunner
from scheduler.models import JobState, PlanJob, Role, WeekPlanStatus
from tests.api.conftest import settings_for
from tests.api.factories import add_login, auth_headers
from tests.scheduler.factories import add_clinic, add_therapist
from tests.scheduler.week_factories import MONDAY, add_small_week, add_week

if TYPE_CHECKING:
    from fastapi import FastAPI
    from sqlalchemy.engine import Engine

# A guard against a hung job, not a speed target: the small week's solve ends early.
JOB_GUARD_S = 120
# The small week finishes well before this; a shorter limit could cut its search short.
SMALL_WEEK = {"first_date": MONDAY.isoformat(), "weeks": 1, "options": {"time_limit_s": 20}}


def _seed_small_week(engine: Engine) -> dict[str, str]:
    with Session(engine, expire_on_commit=False) as session:
        clinic = add_small_week(session)
        headers = auth_headers(session, add_login(session, clinic, Role.COORDINATOR))
        session.commit()
    return headers


def _wait_until_done(client: TestClient, week_id: int, headers: dict[str, str]) -> Any:
    deadline = time.monotonic() + JOB_GUARD_S
    while time.monotonic() < deadline:
        body = client.get(f"/weeks/{week_id}", headers=headers).json()
        if body["status"] != "solving":
            return body
        time.sleep(0.2)
    raise AssertionError(f"week plan {week_id} still solving after {JOB_GUARD_S} s")


@pytest.mark.slow
def test_a_week_job_answers_at_once_then_yields_its_day_plans(
    app_on: FastAPI, migrated: Engine
) -> None:
    """202 with the week's id; polling shows it done, a draft per working day holding the
    care plans' five visits; publishing publishes every day once, then there is none left."""
    headers = _seed_small_week(migrated)
    with TestClient(app_on) as client:
        started = client.post("/weeks", headers=headers, json=SMALL_WEEK)
        assert started.status_code == 202, started.text
        assert started.json()["status"] == "solving"
        assert started.json()["plans"] == []
        week_id = started.json()["id"]
        assert started.headers["location"] == f"/weeks/{week_id}"
        week = _wait_until_done(client, week_id, headers)
        assert week["status"] == "done", week["error"]
        assert week["progress"] is None
        assert [p["date"] for p in week["plans"]] == [
            "2026-11-30",
            "2026-12-01",
            "2026-12-02",
            "2026-12-03",
            "2026-12-04",
        ]
        assert {p["status"] for p in week["plans"]} == {"draft"}
        assert sum(p["visits_planned"] for p in week["plans"]) == 5
        assert sum(p["visits_total"] for p in week["plans"]) == 5
        assert week["unplaced"] == []
        assert week["kpis"]["visits_placed"] == week["kpis"]["visits_ordered"] == 5
        assert week["parameters"]["time_limit_s"] == 20
        day = client.get(f"/plans/{week['plans'][0]['id']}", headers=headers).json()
        assert [s["visit_external_id"] for r in day["routes"] for s in r["stops"]] == [
            "cp1@2026-11-30"
        ]
        listed = client.get("/weeks", headers=headers).json()
        assert [w["id"] for w in listed["items"]] == [week_id]
        published = client.post(f"/weeks/{week_id}/publish", headers=headers)
        assert published.status_code == 200, published.text
        assert {p["status"] for p in published.json()["plans"]} == {"published"}
        again = client.post(f"/weeks/{week_id}/publish", headers=headers)
        assert again.status_code == 409
        assert "no draft day plan left" in again.json()["detail"]
        assert client.delete(f"/weeks/{week_id}", headers=headers).status_code == 409


def test_delete_cancels_a_week_still_solving(migrated: Engine) -> None:
    """The week's job waits in a runner that never runs it, so the cancel always comes first:
    the week is cancelled, its job forgotten, and there is nothing to publish."""
    headers = _seed_small_week(migrated)
    sessions = sessionmaker(migrated, expire_on_commit=False)
    held = JobQueue(sessions, InlineRunner(), JobPolicy())  # never bound: it runs nothing
    app = create_app(settings_for(migrated), migrated)
    app.dependency_overrides[get_jobs] = lambda: held
    client = TestClient(app)  # no lifespan: no sweep sends the job elsewhere
    try:
        week_id = client.post("/weeks", headers=headers, json=SMALL_WEEK).json()["id"]
        with sessions() as session:
            job = session.scalars(sa.select(PlanJob).where(PlanJob.week_plan_id == week_id))
            assert job.one().state == JobState.QUEUED
        cancelled = client.delete(f"/weeks/{week_id}", headers=headers)
        assert cancelled.status_code == 200
        assert cancelled.json()["status"] == "cancelled"
        with sessions() as session:
            assert session.scalar(sa.select(sa.func.count()).select_from(PlanJob)) == 0
        assert client.get(f"/weeks/{week_id}", headers=headers).json()["status"] == "cancelled"
        assert client.delete(f"/weeks/{week_id}", headers=headers).status_code == 200
        publish = client.post(f"/weeks/{week_id}/publish", headers=headers)
        assert publish.status_code == 409
    finally:
        held.shutdown()
        app.state.jobs.shutdown()


def test_bad_week_input_names_its_fields(client: TestClient, session: Session) -> None:
    headers = auth_headers(session, add_login(session, add_clinic(session), Role.COORDINATOR))
    response = client.post(
        "/weeks",
        headers=headers,
        json={
            "first_date": "2026-02-30",
            "weeks": 5,
            "options": {"time_limit_s": -1, "workers": 9, "colour": 1},
        },
    )
    assert response.status_code == 422
    fields = {error["field"] for error in response.json()["errors"]}
    assert fields == {
        "first_date",
        "weeks",
        "options.time_limit_s",
        "options.workers",
        "options.colour",
    }


def test_a_horizon_past_the_last_date_names_the_first_date(
    client: TestClient, session: Session
) -> None:
    headers = auth_headers(session, add_login(session, add_clinic(session), Role.COORDINATOR))
    response = client.post("/weeks", headers=headers, json={"first_date": "2099-12-28"})
    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == ["first_date"]


def test_another_clinics_week_is_not_found(client: TestClient, session: Session) -> None:
    mine, theirs = add_clinic(session, "mine"), add_clinic(session, "theirs")
    week = add_week(session, theirs)
    headers = auth_headers(session, add_login(session, mine, Role.COORDINATOR))
    for response in (
        client.get(f"/weeks/{week.id}", headers=headers),
        client.post(f"/weeks/{week.id}/publish", headers=headers),
        client.delete(f"/weeks/{week.id}", headers=headers),
    ):
        assert response.status_code == 404
        assert response.json()["detail"] == f"week plan {week.id} not found"
    assert client.get("/weeks", headers=headers).json()["items"] == []


def test_a_therapist_may_not_plan_or_read_weeks(client: TestClient, session: Session) -> None:
    clinic = add_clinic(session)
    week = add_week(session, clinic)
    therapist = add_therapist(session, clinic)
    headers = auth_headers(session, add_login(session, clinic, Role.THERAPIST, therapist))
    for response in (
        client.post("/weeks", headers=headers, json={"first_date": MONDAY.isoformat()}),
        client.get("/weeks", headers=headers),
        client.get(f"/weeks/{week.id}", headers=headers),
    ):
        assert response.status_code == 403


def test_the_weeks_are_listed_newest_first_a_page_at_a_time(
    client: TestClient, session: Session
) -> None:
    clinic = add_clinic(session)
    oldest, middle, newest = (
        add_week(session, clinic, status) for status in WeekPlanStatus if status != "solving"
    )
    headers = auth_headers(session, add_login(session, clinic, Role.ADMIN))
    first = client.get("/weeks", headers=headers, params={"limit": 2}).json()
    assert [w["id"] for w in first["items"]] == [newest.id, middle.id]
    assert (first["total"], first["limit"], first["offset"]) == (3, 2, 0)
    rest = client.get("/weeks", headers=headers, params={"limit": 2, "offset": 2}).json()
    assert [(w["id"], w["status"]) for w in rest["items"]] == [(oldest.id, "done")]
    assert first["items"][0]["kpis"] is None  # a cancelled week has no figures
