"""Every operation x every role x own clinic / other clinic, with the expected status.

Each clinic has the same records (``add_small_day`` plus a published and a draft plan, a
leave day, and an admin, a coordinator and a therapist login). The target records are
always clinic A's. A caller of clinic B with the right role must get 404 for them, exactly
as for a record that does not exist; a role that may not use the operation gets 403 before
any lookup; no token gets 401. A test fails when the app has an operation the table lacks.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pytest

from api.routes.solve import EXAMPLE_PROBLEM
from scheduler.accounts.tokens import feed_secret
from scheduler.models import (
    CarePlan,
    PlanStatus,
    Role,
    ShiftException,
    ShiftExceptionKind,
    Therapist,
    User,
    WeekPlan,
    WeekPlanStatus,
)
from tests.api.conftest import SECRET_KEY
from tests.api.factories import auth_headers
from tests.scheduler.factories import DAY
from tests.scheduler.planning_factories import add_routed_plan, add_small_day

if TYPE_CHECKING:
    from collections.abc import Callable

    from fastapi import FastAPI
    from fastapi.testclient import TestClient
    from sqlalchemy.orm import Session

    from scheduler.models import Clinic, Plan

STAFF = frozenset({Role.ADMIN, Role.COORDINATOR})
ADMIN = frozenset({Role.ADMIN})
THERAPIST = frozenset({Role.THERAPIST})
ANYONE = frozenset(Role)
PUBLIC = frozenset[Role]()  # no login needed
ROLES = [None, *Role]  # None: no token


@dataclass
class ClinicWorld:
    """One clinic's records and logins."""

    clinic: Clinic
    therapists: dict[str, Therapist]
    visit_ids: dict[str, int]
    patient_ids: dict[str, int]
    published: Plan
    draft: Plan
    leave: ShiftException
    care_plan_id: int = 0
    # A done week whose day plan is ``draft``, and a week still solving (no job: the
    # request's transaction is never committed, so no worker would see one).
    week_id: int = 0
    solving_week_id: int = 0
    logins: dict[Role, User] = field(default_factory=dict)


def _add_world(session: Session, name: str) -> ClinicWorld:
    day = add_small_day(session)
    day.clinic.name = name
    t1, t2, t3 = (day.therapists[key] for key in ("t1", "t2", "t3"))
    v1, v2 = day.visits["v1"], day.visits["v2"]
    published = add_routed_plan(
        session, day.clinic, {t1: [(v1, 9 * 3600)]}, status=PlanStatus.PUBLISHED
    )
    draft = add_routed_plan(session, day.clinic, {t1: [(v1, 9 * 3600)], t2: [(v2, 10 * 3600)]})
    leave = ShiftException(
        therapist=t1, date=DAY + dt.timedelta(days=7), kind=ShiftExceptionKind.LEAVE
    )
    session.add(leave)
    world = ClinicWorld(
        day.clinic,
        day.therapists,
        {key: visit.id for key, visit in day.visits.items()},
        {visit.patient.external_id: visit.patient_id for visit in day.visits.values()},
        published,
        draft,
        leave,
    )
    for role in Role:
        # A placeholder hash: these logins use issued tokens, never a password.
        user = User(
            clinic=day.clinic,
            email=f"{role.value}@{name}.example",
            password_hash="-",
            role=role,
            therapist=t1 if role == Role.THERAPIST else None,
        )
        session.add(user)
        world.logins[role] = user
    plan = CarePlan(
        clinic=day.clinic,
        external_id="cp1",
        patient=v1.patient,
        discipline="PT",
        visits_per_week=1,
        duration_minutes=45,
        first_date=DAY,
        last_date=DAY + dt.timedelta(days=6),
        weekdays=["mon"],
        primary_therapist=t1,
    )
    session.add(plan)
    del t3
    weeks = [
        WeekPlan(clinic=day.clinic, first_date=DAY, last_date=DAY + dt.timedelta(days=6))
        for _ in range(2)
    ]
    weeks[0].status, weeks[0].kpis, weeks[0].plans = WeekPlanStatus.DONE, {}, [draft]
    weeks[1].status = WeekPlanStatus.SOLVING
    session.add_all(weeks)
    session.flush()
    world.care_plan_id = plan.id
    world.week_id, world.solving_week_id = weeks[0].id, weeks[1].id
    return world


Values = dict[str, Any]


@dataclass(frozen=True)
class Operation:
    """How to call one operation on clinic A's records, and who may."""

    method: str
    path: str
    roles: frozenset[Role]
    success: int
    path_values: Callable[[ClinicWorld], Values] = lambda _w: {}
    body: Callable[[ClinicWorld], Any] | None = None
    files: Callable[[ClinicWorld], Any] | None = None
    query: Callable[[ClinicWorld], Values] = lambda _w: {}
    # False where the operation names no record of clinic A (a listing, a create): a
    # caller of clinic B then works on their own clinic and succeeds.
    targets_a_record: bool = True
    # What clinic B's caller gets instead of 404: a record of A named in the body is
    # "no such record in this clinic", the same 422 as an id that does not exist.
    other_clinic: int = 404

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"


def _therapist(w: ClinicWorld) -> Values:
    return {"therapist_id": w.therapists["t3"].id}


def _patient(w: ClinicWorld) -> Values:
    return {"patient_id": w.patient_ids["p4"]}


def _visit(w: ClinicWorld) -> Values:
    return {"visit_id": w.visit_ids["v4"]}


def _care_plan(w: ClinicWorld) -> Values:
    return {"care_plan_id": w.care_plan_id}


def _week(w: ClinicWorld) -> Values:
    return {"week_id": w.week_id}


def _solving_week(w: ClinicWorld) -> Values:
    return {"week_id": w.solving_week_id}


def _draft(w: ClinicWorld) -> Values:
    return {"plan_id": w.draft.id}


def _published(w: ClinicWorld) -> Values:
    return {"plan_id": w.published.id}


def _urgent(w: ClinicWorld) -> dict[str, object]:
    return {"external_id": "u1", "patient_id": w.patient_ids["p2"], "duration_minutes": 20}


THERAPIST_BODY = {
    "external_id": "t-new",
    "name": "New Therapist",
    "discipline": "PT",
    "home_lat": 42.5,
    "home_lon": 1.52,
}
PATIENT_BODY = {"external_id": "p-new", "name": "New Patient", "address": "Carrer 1"}
CSV_THERAPISTS = (
    "external_id,name,discipline,skills,home_lat,home_lon,availability\n"
    "t-csv,Csv Therapist,PT,PT,42.5,1.52,mon-fri 08:00-16:00\n"
)

OPERATIONS = [
    Operation("GET", "/health", PUBLIC, 200, targets_a_record=False),
    Operation("GET", "/auth/me", ANYONE, 200, targets_a_record=False),
    Operation("POST", "/auth/logout", ANYONE, 204, targets_a_record=False),
    Operation("GET", "/users", ADMIN, 200, targets_a_record=False),
    Operation(
        "POST",
        "/users",
        ADMIN,
        201,
        body=lambda _w: {
            "email": "x@new.example",
            "password": "long enough pw",
            "role": "coordinator",
        },
        targets_a_record=False,
    ),
    Operation(
        "POST",
        "/users/{user_id}/revoke-tokens",
        ADMIN,
        200,
        path_values=lambda w: {"user_id": w.logins[Role.COORDINATOR].id},
    ),
    Operation(
        "POST",
        "/users/{user_id}/rotate-feed",
        ADMIN,
        204,
        path_values=lambda w: {"user_id": w.logins[Role.THERAPIST].id},
    ),
    Operation("GET", "/therapists", STAFF, 200, targets_a_record=False),
    Operation(
        "POST", "/therapists", STAFF, 201, body=lambda _w: THERAPIST_BODY, targets_a_record=False
    ),
    Operation(
        "POST",
        "/therapists/import",
        STAFF,
        200,
        files=lambda _w: {"file": ("t.csv", CSV_THERAPISTS, "text/csv")},
        targets_a_record=False,
    ),
    Operation("GET", "/therapists/{therapist_id}", STAFF, 200, _therapist),
    Operation(
        "PATCH",
        "/therapists/{therapist_id}",
        STAFF,
        200,
        _therapist,
        lambda _w: {"name": "Renamed"},
    ),
    Operation("DELETE", "/therapists/{therapist_id}", STAFF, 204, _therapist),
    Operation("GET", "/therapists/{therapist_id}/availability", STAFF, 200, _therapist),
    Operation(
        "PUT",
        "/therapists/{therapist_id}/availability",
        STAFF,
        200,
        _therapist,
        lambda _w: {"shifts": [{"weekday": 0, "start": "08:00", "end": "16:00"}]},
    ),
    Operation("GET", "/therapists/{therapist_id}/exceptions", STAFF, 200, _therapist),
    Operation(
        "POST",
        "/therapists/{therapist_id}/exceptions",
        STAFF,
        201,
        _therapist,
        lambda _w: {"date": "2026-12-24", "kind": "leave"},
    ),
    Operation(
        "DELETE",
        "/therapists/{therapist_id}/exceptions/{exception_id}",
        STAFF,
        204,
        lambda w: {"therapist_id": w.therapists["t1"].id, "exception_id": w.leave.id},
    ),
    Operation("GET", "/patients", STAFF, 200, targets_a_record=False),
    Operation(
        "POST", "/patients", STAFF, 201, body=lambda _w: PATIENT_BODY, targets_a_record=False
    ),
    Operation(
        "POST",
        "/patients/import",
        STAFF,
        200,
        files=lambda _w: {
            "file": ("p.csv", "external_id,name,address\np-csv,Csv Patient,Carrer 2\n", "text/csv")
        },
        targets_a_record=False,
    ),
    Operation("GET", "/patients/{patient_id}", STAFF, 200, _patient),
    Operation(
        "PATCH", "/patients/{patient_id}", STAFF, 200, _patient, lambda _w: {"name": "Renamed"}
    ),
    Operation("DELETE", "/patients/{patient_id}", STAFF, 204, _patient),
    Operation("GET", "/visits", STAFF, 200, targets_a_record=False),
    Operation(
        "POST",
        "/visits",
        STAFF,
        201,
        body=lambda w: {
            "external_id": "v-new",
            "patient_id": w.patient_ids["p1"],
            "date": DAY.isoformat(),
            "duration_minutes": 30,
        },
        other_clinic=422,
    ),
    Operation(
        "POST",
        "/visits/import",
        STAFF,
        200,
        files=lambda _w: {
            "file": (
                "v.csv",
                "external_id,patient,date,duration_minutes\nv-csv,p1,2026-11-30,30\n",
                "text/csv",
            )
        },
        targets_a_record=False,
    ),
    Operation("GET", "/visits/{visit_id}", STAFF, 200, _visit),
    Operation(
        "PATCH", "/visits/{visit_id}", STAFF, 200, _visit, lambda _w: {"duration_minutes": 50}
    ),
    Operation("DELETE", "/visits/{visit_id}", STAFF, 204, _visit),
    Operation("GET", "/care-plans", STAFF, 200, targets_a_record=False),
    Operation(
        "POST",
        "/care-plans",
        STAFF,
        201,
        body=lambda w: {
            "external_id": "cp-new",
            "patient_id": w.patient_ids["p1"],
            "discipline": "PT",
            "visits_total": 2,
            "duration_minutes": 30,
            "first_date": DAY.isoformat(),
            # Two Mondays: two visits must fit on the allowed days.
            "last_date": (DAY + dt.timedelta(days=7)).isoformat(),
            "weekdays": ["mon"],
            "primary_therapist_id": w.therapists["t1"].id,
        },
        other_clinic=422,
    ),
    Operation(
        "POST",
        "/care-plans/import",
        STAFF,
        200,
        files=lambda _w: {
            "file": (
                "c.csv",
                "external_id,patient,discipline,visits_total,duration_minutes,first_date,"
                "last_date,weekdays,primary_therapist\ncp-csv,p1,PT,1,30,2026-11-30,2026-11-30,"
                "mon,t1\n",
                "text/csv",
            )
        },
        targets_a_record=False,
    ),
    Operation(
        "POST",
        "/care-plans/suggestions",
        STAFF,
        200,
        body=lambda w: {
            "patient_id": w.patient_ids["p1"],
            "discipline": "PT",
            "visits_per_week": 1,
            "weeks": 1,
            "duration_minutes": 30,
        },
        other_clinic=422,
    ),
    Operation("GET", "/care-plans/{care_plan_id}", STAFF, 200, _care_plan),
    Operation(
        "PATCH",
        "/care-plans/{care_plan_id}",
        STAFF,
        200,
        _care_plan,
        lambda _w: {"status": "on_hold"},
    ),
    Operation("DELETE", "/care-plans/{care_plan_id}", STAFF, 204, _care_plan),
    Operation(
        "POST",
        "/plans",
        STAFF,
        202,
        body=lambda _w: {"date": DAY.isoformat(), "options": {"time_limit_s": 1}},
        targets_a_record=False,
    ),
    Operation("GET", "/plans", STAFF, 200, targets_a_record=False),
    Operation("GET", "/plans/{plan_id}", STAFF, 200, _draft),
    Operation("DELETE", "/plans/{plan_id}", STAFF, 200, _draft),
    Operation("POST", "/plans/{plan_id}/publish", STAFF, 200, _draft),
    Operation(
        "POST",
        "/plans/{plan_id}/suggestions",
        STAFF,
        200,
        _published,
        lambda w: {"visit": _urgent(w), "now": "10:00"},
    ),
    Operation(
        "POST",
        "/plans/{plan_id}/suggestions/accept",
        STAFF,
        201,
        _published,
        lambda w: {
            "visit": _urgent(w),
            "now": "10:00",
            "therapist_external_id": "t2",
            "position": 0,
        },
    ),
    Operation(
        "POST",
        "/plans/{plan_id}/replan",
        STAFF,
        202,
        _published,
        lambda _w: {"now": "10:00", "options": {"time_limit_s": 1}},
    ),
    Operation(
        "POST",
        "/plans/{plan_id}/pin",
        STAFF,
        200,
        _draft,
        lambda w: {"visit_id": w.visit_ids["v2"], "therapist_id": w.therapists["t2"].id},
    ),
    Operation(
        "POST",
        "/plans/{plan_id}/move",
        STAFF,
        200,
        _draft,
        lambda w: {
            "visit_id": w.visit_ids["v2"],
            "therapist_id": w.therapists["t1"].id,
            "position": 1,
        },
    ),
    Operation(
        "POST",
        "/plans/{plan_id}/lock",
        STAFF,
        200,
        _draft,
        lambda w: {"therapist_id": w.therapists["t1"].id},
    ),
    Operation(
        "GET",
        "/plans/{plan_id}/compare",
        STAFF,
        200,
        _draft,
        query=lambda w: {"with": w.published.id},
    ),
    Operation(
        "POST",
        "/weeks",
        STAFF,
        202,
        body=lambda _w: {"first_date": DAY.isoformat(), "options": {"time_limit_s": 1}},
        targets_a_record=False,
    ),
    Operation("GET", "/weeks", STAFF, 200, targets_a_record=False),
    Operation("GET", "/weeks/{week_id}", STAFF, 200, _week),
    Operation("DELETE", "/weeks/{week_id}", STAFF, 200, _solving_week),
    Operation("POST", "/weeks/{week_id}/publish", STAFF, 200, _week),
    Operation(
        "POST", "/solve", STAFF, 200, body=lambda _w: EXAMPLE_PROBLEM, targets_a_record=False
    ),
    Operation(
        "GET",
        "/me/route",
        THERAPIST,
        200,
        query=lambda _w: {"date": DAY.isoformat()},
        targets_a_record=False,
    ),
    Operation(
        "POST",
        "/me/visits/{visit_id}/check-in",
        THERAPIST,
        409,  # the visit is the caller's, but its day is not today: check-ins are taken that day
        lambda w: {"visit_id": w.visit_ids["v1"]},
    ),
    Operation(
        "POST",
        "/me/visits/{visit_id}/check-out",
        THERAPIST,
        409,  # not checked in yet: the visit is the caller's, the order is wrong
        lambda w: {"visit_id": w.visit_ids["v1"]},
    ),
    Operation("GET", "/me/route.ics", THERAPIST, 200, targets_a_record=False),
    Operation("GET", "/me/calendar-feed", THERAPIST, 200, targets_a_record=False),
    Operation("POST", "/me/calendar-feed/rotate", THERAPIST, 200, targets_a_record=False),
    Operation(
        "GET",
        "/feeds/{user_id}/{secret}/route.ics",
        PUBLIC,
        200,
        lambda w: {
            "user_id": w.logins[Role.THERAPIST].id,
            "secret": feed_secret(SECRET_KEY, w.logins[Role.THERAPIST]),
        },
    ),
    Operation(
        "POST",
        "/auth/login",
        PUBLIC,
        401,  # the placeholder password hash matches nothing: the route answers, unauthorised
        body=lambda w: {"email": w.logins[Role.ADMIN].email, "password": "whatever it is"},
        targets_a_record=False,
    ),
]


def _expected(operation: Operation, role: Role | None, own_clinic: bool) -> int:
    if operation.roles == PUBLIC:
        return operation.success
    if role is None:
        return 401
    if role not in operation.roles:
        return 403
    if operation.targets_a_record and not own_clinic:
        return operation.other_clinic
    return operation.success


def _call(
    client: TestClient, operation: Operation, world: ClinicWorld, headers: dict[str, str]
) -> int:
    path = operation.path.format(**operation.path_values(world))
    kwargs: dict[str, Any] = {"headers": headers, "params": operation.query(world)}
    if operation.body is not None:
        kwargs["json"] = operation.body(world)
    if operation.files is not None:
        kwargs["files"] = operation.files(world)
    response = client.request(operation.method, path, **kwargs)
    if response.status_code >= 400:
        assert set(response.json()) == {"detail", "errors"}  # the one error shape
    return int(response.status_code)


def test_the_table_covers_every_operation(app: FastAPI) -> None:
    served = {
        f"{method.upper()} {path}"
        for path, item in app.openapi()["paths"].items()
        for method in item
    }
    assert served == {operation.key for operation in OPERATIONS}


@pytest.mark.slow
@pytest.mark.parametrize("role", ROLES, ids=lambda r: "no token" if r is None else r.value)
@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda o: o.key)
def test_authorisation(
    app: FastAPI,
    client: TestClient,
    session: Session,
    operation: Operation,
    role: Role | None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Clinic B's caller first (it must change nothing of A's), then A's own caller."""
    # Who may start a solve is checked here, not the solve: a job run now would wait for
    # the test's open transaction (SQLite's write lock) until its busy timeout, 15 s a case.
    monkeypatch.setattr(app.state.jobs.runner, "send", lambda _job_id: None)
    own, other = _add_world(session, "a"), _add_world(session, "b")
    if operation.key == "POST /solve" and role in STAFF:
        pytest.skip("POST /solve runs a real search; tests/api/test_solve.py covers it")
    for world_of_caller, own_clinic in ((other, False), (own, True)):
        headers = {} if role is None else auth_headers(session, world_of_caller.logins[role])
        status = _call(client, operation, own, headers)
        assert status == _expected(operation, role, own_clinic), (
            f"{operation.key} as {role} of {'own' if own_clinic else 'other'} clinic"
        )
