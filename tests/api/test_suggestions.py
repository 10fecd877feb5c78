"""POST /plans/{id}/suggestions and /suggestions/accept: slots for a new visit, then a draft."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
import sqlalchemy as sa

from scheduler.models import Role, Visit
from scheduler.planning import PlanOptions, create_plan, publish_plan, service
from tests.api.factories import add_login, auth_headers
from tests.scheduler.factories import DAY
from tests.scheduler.planning_factories import add_small_day, solve_here

if TYPE_CHECKING:
    from fastapi.testclient import TestClient
    from sqlalchemy.orm import Session


@pytest.fixture
def published(session: Session, monkeypatch: pytest.MonkeyPatch) -> tuple[int, int, dict[str, str]]:
    """The small day planned and published: (plan id, a patient's id, a coordinator's headers)."""
    monkeypatch.setattr(service, "solve_in_worker", solve_here)
    day = add_small_day(session)
    headers = auth_headers(session, add_login(session, day.clinic, Role.COORDINATOR))
    session.commit()
    plan = create_plan(session, day.clinic.id, DAY, PlanOptions(time_limit_s=5))
    publish_plan(session, day.clinic.id, plan.id)
    return plan.id, day.visits["v2"].patient_id, headers


def _visit(patient_id: int) -> dict[str, object]:
    return {
        "external_id": "u1",
        "patient_id": patient_id,
        "duration_minutes": 20,
        "priority": "high",
    }


def test_suggestions_are_ranked_and_store_nothing(
    client: TestClient, session: Session, published: tuple[int, int, dict[str, str]]
) -> None:
    plan_id, patient_id, headers = published
    body = {"visit": _visit(patient_id), "now": "10:00", "count": 3}
    answer = client.post(f"/plans/{plan_id}/suggestions", headers=headers, json=body)
    assert answer.status_code == 200, answer.json()
    options = answer.json()["suggestions"]
    assert 1 <= len(options) <= 3
    assert [o["cost"] for o in options] == sorted(o["cost"] for o in options)
    assert all(o["start"] >= "10:00:00" for o in options)
    assert session.scalar(sa.select(Visit).where(Visit.external_id == "u1")) is None


def test_accepting_a_suggestion_books_the_visit_into_a_draft(
    client: TestClient, published: tuple[int, int, dict[str, str]]
) -> None:
    plan_id, patient_id, headers = published
    body = {"visit": _visit(patient_id), "now": "10:00"}
    best = client.post(f"/plans/{plan_id}/suggestions", headers=headers, json=body).json()
    choice = best["suggestions"][0]
    accept = {
        **body,
        "therapist_external_id": choice["therapist_external_id"],
        "position": choice["position"],
    }
    answer = client.post(f"/plans/{plan_id}/suggestions/accept", headers=headers, json=accept)
    assert answer.status_code == 201, answer.json()
    draft = answer.json()
    assert draft["status"] == "draft"
    route = next(
        r for r in draft["routes"] if r["therapist_external_id"] == choice["therapist_external_id"]
    )
    placed = [s for s in route["stops"] if s["visit_external_id"] == "u1"]
    assert [s["start"] for s in placed] == [choice["start"]]
    assert ("u1", "added") in {(c["visit_id"], c["change"]) for c in draft["replan"]["changes"]}


def test_a_bad_visit_is_named_by_its_field(
    client: TestClient, published: tuple[int, int, dict[str, str]]
) -> None:
    plan_id, _, headers = published
    body = {"visit": _visit(999999), "now": "10:00"}
    answer = client.post(f"/plans/{plan_id}/suggestions", headers=headers, json=body)
    assert answer.status_code == 422
    assert [e["field"] for e in answer.json()["errors"]] == ["visit.patient_id"]
