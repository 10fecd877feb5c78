"""POST /plans/{id}/replan: events in, a re-planned draft with its changes out."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from fastapi.testclient import TestClient

from tests.api.test_plans import _seed_small_day, _wait_until_done
from tests.scheduler.factories import DAY

if TYPE_CHECKING:
    from fastapi import FastAPI
    from sqlalchemy.engine import Engine


def _published_plan(client: TestClient, headers: dict[str, str]) -> dict[str, object]:
    started = client.post(
        "/plans", headers=headers, json={"date": DAY.isoformat(), "options": {"time_limit_s": 1}}
    )
    plan = _wait_until_done(client, started.json()["id"], headers)
    assert client.post(f"/plans/{plan['id']}/publish", headers=headers).status_code == 200
    return plan


@pytest.mark.slow
def test_a_sick_therapist_is_replanned_into_a_draft_with_changes(
    app_on: FastAPI, migrated: Engine
) -> None:
    headers = _seed_small_day(migrated)
    with TestClient(app_on) as client:
        published = _published_plan(client, headers)
        body = {
            "now": "10:00",
            "events": [{"kind": "therapist_unavailable", "therapist_id": "t2", "from": "10:00"}],
            "options": {"time_limit_s": 1},
        }
        started = client.post(f"/plans/{published['id']}/replan", headers=headers, json=body)
        assert started.status_code == 202
        draft = _wait_until_done(client, started.json()["id"], headers)
        assert draft["status"] == "draft"
        replan = draft["replan"]
        assert isinstance(replan, dict)
        assert replan["from_plan"] == published["id"]
        assert replan["events"] == body["events"]
        routes: list[dict[str, Any]] = draft["routes"]  # type: ignore[assignment]
        t2_after = [r for r in routes if r["therapist_external_id"] == "t2"]
        assert all(s["start"] < "10:00" for r in t2_after for s in r["stops"])
        changed = {c["visit_id"] for c in replan["changes"]}
        assert changed == {"v2", "v3"}  # t2's two afternoon visits: to t1, and left out (OT)
        publish = client.post(f"/plans/{draft['id']}/publish", headers=headers)
        assert publish.status_code == 200
        old = client.get(f"/plans/{published['id']}", headers=headers).json()
        assert old["status"] == "superseded"


@pytest.mark.slow
def test_bad_events_are_named_and_a_draft_cannot_be_replanned(
    app_on: FastAPI, migrated: Engine
) -> None:
    headers = _seed_small_day(migrated)
    with TestClient(app_on) as client:
        published = _published_plan(client, headers)
        bad = {
            "events": [
                {"kind": "visit_cancelled", "visit_id": "nope"},
                {"kind": "running_late", "therapist_id": "t1"},
            ]
        }
        response = client.post(f"/plans/{published['id']}/replan", headers=headers, json=bad)
        assert response.status_code == 422
        fields = [e["field"] for e in response.json()["errors"]]
        assert fields == ["events[0].visit_id", "events[1].minutes"]
        unknown = {"events": [{"kind": "holiday"}]}
        assert (
            client.post(
                f"/plans/{published['id']}/replan", headers=headers, json=unknown
            ).status_code
            == 422
        )
        draft = client.post(
            "/plans",
            headers=headers,
            json={"date": DAY.isoformat(), "options": {"time_limit_s": 1}},
        ).json()
        _wait_until_done(client, draft["id"], headers)
        assert (
            client.post(f"/plans/{draft['id']}/replan", headers=headers, json={}).status_code == 409
        )
