"""POST /solve: the problem JSON in, the plan JSON out; faults named by path."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING

import pytest

from api.routes.solve import EXAMPLE_PROBLEM
from scheduler.models import Role
from scheduler.records import limits
from tests.api.factories import add_login, auth_headers
from tests.scheduler.factories import add_clinic, add_therapist

if TYPE_CHECKING:
    from fastapi.testclient import TestClient
    from sqlalchemy.orm import Session


@pytest.mark.slow
def test_the_documented_example_is_planned(client: TestClient, session: Session) -> None:
    headers = auth_headers(session, add_login(session, add_clinic(session), Role.COORDINATOR))
    plan = client.post("/solve", headers=headers, json=EXAMPLE_PROBLEM).json()
    assert plan["status"] == "complete"
    assert [s["visit_id"] for s in plan["routes"][0]["stops"]] == ["v1"]


def test_faults_are_named_by_path(client: TestClient, session: Session) -> None:
    headers = auth_headers(session, add_login(session, add_clinic(session), Role.COORDINATOR))
    problem = copy.deepcopy(EXAMPLE_PROBLEM)
    problem["visits"][0]["location"] = "nowhere"
    problem["visits"][0]["windows"] = [{"start": "12:00", "end": "09:00"}]
    response = client.post("/solve", headers=headers, json=problem)
    assert response.status_code == 422
    fields = {error["field"] for error in response.json()["errors"]}
    assert fields == {"visits[0].location", "visits[0].windows[0].end"}


def test_a_long_time_limit_is_refused(client: TestClient, session: Session) -> None:
    """The request waits for the search, so its time limit is capped."""
    headers = auth_headers(session, add_login(session, add_clinic(session), Role.COORDINATOR))
    problem = {**EXAMPLE_PROBLEM, "options": {"time_limit_s": 1000}}
    response = client.post("/solve", headers=headers, json=problem)
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["options.time_limit_s"]


def test_a_day_too_large_is_refused_naming_the_limit(client: TestClient, session: Session) -> None:
    """The same bound as ``homevisit solve``'s, before any visit is read."""
    headers = auth_headers(session, add_login(session, add_clinic(session), Role.COORDINATOR))
    visit = EXAMPLE_PROBLEM["visits"][0]
    visits = [{**visit, "id": f"v{i}"} for i in range(limits.MAX_DAY_VISITS + 1)]
    response = client.post("/solve", headers=headers, json={**EXAMPLE_PROBLEM, "visits": visits})
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "visits", "message": "2,501 visits are too many; at most 2,500 in one day"}
    ]


def test_a_therapist_may_not_use_it(client: TestClient, session: Session) -> None:
    clinic = add_clinic(session)
    login = add_login(session, clinic, Role.THERAPIST, add_therapist(session, clinic))
    response = client.post("/solve", headers=auth_headers(session, login), json=EXAMPLE_PROBLEM)
    assert response.status_code == 403


def test_a_replan_returns_its_changes(client: TestClient, session: Session) -> None:
    """The example day re-planned at 10:30 against a plan that put v1 at 11:00 on t1 and
    the break at 12:00: nothing had started, nothing changed, so the plan stands."""
    headers = auth_headers(session, add_login(session, add_clinic(session), Role.COORDINATOR))
    problem = copy.deepcopy(EXAMPLE_PROBLEM)
    problem["replan"] = {
        "now": "10:30",
        "current": {
            "routes": [
                {
                    "therapist_id": "t1",
                    "stops": [{"visit_id": "v1", "start": "11:00"}],
                    "break": {"start": "12:00", "end": "12:30"},
                }
            ]
        },
    }
    plan = client.post("/solve", headers=headers, json=problem).json()
    assert [s["start"] for s in plan["routes"][0]["stops"]] == ["11:00:00"], plan["solver"]
    assert plan["changes"] == []
    problem["replan"]["now"] = "ten"
    response = client.post("/solve", headers=headers, json=problem)
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["replan.now"]
