"""Solve jobs over HTTP: start (202), progress, result, cancel, publish, edits, restart."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import TYPE_CHECKING

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from scheduler.cli.main import prepare_to_serve
from scheduler.errors import InvalidRequest
from scheduler.models import Role
from tests.api.conftest import settings_for
from tests.api.factories import add_login, auth_headers
from tests.scheduler.factories import DAY, add_clinic, add_plan
from tests.scheduler.planning_factories import add_routed_plan, add_small_day

if TYPE_CHECKING:
    from fastapi import FastAPI
    from sqlalchemy.engine import Engine

# A guard against a hung job, not a speed target: the solves here take about two seconds.
JOB_GUARD_S = 120


def _seed_small_day(engine: Engine) -> dict[str, str]:
    with Session(engine, expire_on_commit=False) as session:
        day = add_small_day(session)
        headers = auth_headers(session, add_login(session, day.clinic, Role.COORDINATOR))
        session.commit()
    return headers


def _wait_until_done(
    client: TestClient, plan_id: int, headers: dict[str, str]
) -> dict[str, object]:
    deadline = time.monotonic() + JOB_GUARD_S
    while time.monotonic() < deadline:
        body: dict[str, object] = client.get(f"/plans/{plan_id}", headers=headers).json()
        if body["status"] != "solving":
            return body
        time.sleep(0.2)
    raise AssertionError(f"plan {plan_id} still solving after {JOB_GUARD_S} s")


@pytest.mark.slow
def test_a_solve_job_answers_at_once_then_yields_a_draft(app_on: FastAPI, migrated: Engine) -> None:
    """202 with the plan id; polling shows the draft with every visit routed or explained."""
    headers = _seed_small_day(migrated)
    with TestClient(app_on) as client:
        started = client.post(
            "/plans",
            headers=headers,
            json={"date": DAY.isoformat(), "options": {"time_limit_s": 1}},
        )
        assert started.status_code == 202
        assert started.json()["status"] == "solving"
        assert started.headers["location"] == f"/plans/{started.json()['id']}"
        plan = _wait_until_done(client, started.json()["id"], headers)
    assert plan["status"] == "draft"
    routed = {s["visit_external_id"] for r in plan["routes"] for s in r["stops"]}  # type: ignore[attr-defined]
    unassigned = {u["visit_external_id"]: u["reason"] for u in plan["unassigned"]}  # type: ignore[attr-defined]
    assert routed | set(unassigned) == {"v1", "v2", "v3", "v4"}
    assert unassigned.get("v4") == "NO_QUALIFIED_THERAPIST"
    assert plan["kpis"]["visits_planned"] == len(routed)  # type: ignore[index]
    assert plan["progress"] is None


@pytest.mark.slow
def test_delete_cancels_a_running_solve(app_on: FastAPI, migrated: Engine) -> None:
    """The plan becomes cancelled and stays so: the finished search does not overwrite it."""
    headers = _seed_small_day(migrated)
    with TestClient(app_on) as client:
        started = client.post(
            "/plans",
            headers=headers,
            json={"date": DAY.isoformat(), "options": {"time_limit_s": 60}},
        )
        plan_id = started.json()["id"]
        cancelled = client.delete(f"/plans/{plan_id}", headers=headers)
        assert cancelled.json()["status"] == "cancelled"
        app_on.state.jobs.shutdown()  # waits for the job thread: it must have stopped the worker
        assert client.get(f"/plans/{plan_id}", headers=headers).json()["status"] == "cancelled"
        publish = client.post(f"/plans/{plan_id}/publish", headers=headers)
    assert publish.status_code == 409


def test_serving_needs_a_secret_key(migrated: Engine) -> None:
    settings = replace(settings_for(migrated), secret_key=None)
    with pytest.raises(InvalidRequest) as raised:
        prepare_to_serve(settings)
    assert raised.value.errors[0].field == "HOMEVISIT_SECRET_KEY"


def test_bad_plan_options_name_their_fields(client: TestClient, session: Session) -> None:
    headers = auth_headers(session, add_login(session, add_clinic(session), Role.COORDINATOR))
    response = client.post(
        "/plans",
        headers=headers,
        json={"date": "2026-02-30", "options": {"time_limit_s": -1, "workers": 9, "colour": 1}},
    )
    assert response.status_code == 422
    fields = {error["field"] for error in response.json()["errors"]}
    assert fields == {"date", "options.time_limit_s", "options.workers", "options.colour"}


def test_another_clinics_plan_is_not_found(client: TestClient, session: Session) -> None:
    mine, theirs = add_clinic(session, "mine"), add_clinic(session, "theirs")
    plan = add_plan(session, theirs)
    headers = auth_headers(session, add_login(session, mine, Role.COORDINATOR))
    for response in (
        client.get(f"/plans/{plan.id}", headers=headers),
        client.post(f"/plans/{plan.id}/publish", headers=headers),
        client.delete(f"/plans/{plan.id}", headers=headers),
    ):
        assert response.status_code == 404
        assert response.json()["detail"] == f"plan {plan.id} not found"


def test_publish_then_compare_two_versions(client: TestClient, session: Session) -> None:
    """The second version moves v1 to t2: publish it, and compare names the move."""
    day = add_small_day(session)
    t1, t2 = day.therapists["t1"], day.therapists["t2"]
    v1, v2 = day.visits["v1"], day.visits["v2"]
    first = add_routed_plan(session, day.clinic, {t1: [(v1, 9 * 3600), (v2, 11 * 3600)]})
    second = add_routed_plan(session, day.clinic, {t1: [(v2, 11 * 3600)], t2: [(v1, 9 * 3600)]})
    headers = auth_headers(session, add_login(session, day.clinic, Role.COORDINATOR))
    published = client.post(f"/plans/{second.id}/publish", headers=headers)
    assert published.json()["status"] == "published"
    comparison = client.get(f"/plans/{second.id}/compare?with={first.id}", headers=headers).json()
    assert [c["visit_external_id"] for c in comparison["moved"]] == ["v1"]
    assert comparison["moved"][0]["after"]["therapist_external_id"] == "t2"
    listed = client.get("/plans", params={"status": "published"}, headers=headers).json()
    assert [p["id"] for p in listed] == [second.id]


def test_a_dry_run_edit_reports_without_storing(client: TestClient, session: Session) -> None:
    """Moving v3 (needs OT) to t1 (PT only) breaks the skill rule; a dry run stores nothing."""
    day = add_small_day(session)
    t1, t2 = day.therapists["t1"], day.therapists["t2"]
    v1, v3 = day.visits["v1"], day.visits["v3"]
    plan = add_routed_plan(session, day.clinic, {t1: [(v1, 9 * 3600)], t2: [(v3, 13 * 3600)]})
    headers = auth_headers(session, add_login(session, day.clinic, Role.COORDINATOR))
    body = {"visit_id": v3.id, "therapist_id": t1.id, "position": 1}
    preview = client.post(f"/plans/{plan.id}/move", headers=headers, json={**body, "dry_run": True})
    assert preview.status_code == 200
    assert preview.json()["ok"] is False
    assert preview.json()["broken"]
    stored = client.get(f"/plans/{plan.id}", headers=headers).json()
    t2_route = next(r for r in stored["routes"] if r["therapist_external_id"] == "t2")
    assert [s["visit_external_id"] for s in t2_route["stops"]] == ["v3"]
    saved = client.post(f"/plans/{plan.id}/move", headers=headers, json=body).json()
    assert saved["plan"]["violations"]
    t1_route = next(r for r in saved["plan"]["routes"] if r["therapist_external_id"] == "t1")
    assert [s["visit_external_id"] for s in t1_route["stops"]] == ["v1", "v3"]
