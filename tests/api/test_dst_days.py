"""A stored plan on the days the clocks change: the clinic's 09:00 visit is planned, stored,
read, exported, put in the calendar and shown on both pages at 09:00 local time."""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import pytest

from scheduler.exchange import exporting
from scheduler.exchange.ics import utc_stamp
from scheduler.local_time import day_clock
from scheduler.models import Clinic, Patient, Role, Therapist, Visit, WeeklyAvailability
from scheduler.planning import (
    PlanOptions,
    create_plan,
    finish_plan,
    get_plan,
    publish_plan,
    service,
)
from scheduler.planning.replan import EventKind, ReplanEvent, start_replan
from solver import Metaheuristic, Params, solve
from tests.api.factories import PASSWORD, add_login, auth_headers
from tests.scheduler.planning_factories import solve_here

if TYPE_CHECKING:
    from fastapi.testclient import TestClient
    from sqlalchemy.orm import Session

    from scheduler.models import Plan

H = 3600
FAST = PlanOptions(metaheuristic=Metaheuristic.NONE, time_limit_s=60)
DAYS = [
    pytest.param(dt.date(2026, 3, 29), "Europe/Andorra", 8 * H, id="andorra-spring"),
    pytest.param(dt.date(2026, 10, 25), "Europe/Andorra", 10 * H, id="andorra-autumn"),
    pytest.param(dt.date(2026, 3, 8), "America/New_York", 8 * H, id="new-york-spring"),
    pytest.param(dt.date(2026, 11, 1), "America/New_York", 10 * H, id="new-york-autumn"),
    pytest.param(dt.date(2026, 11, 30), "Europe/Andorra", 9 * H, id="an-ordinary-day"),
]


def _published_day(session: Session, date: dt.date, zone: str) -> tuple[Plan, Therapist]:
    """A therapist 08:00-16:00 that weekday, one visit fixed at 09:00, planned and published."""
    clinic = Clinic(name=f"Clinic in {zone}", timezone=zone)
    therapist = Therapist(
        clinic=clinic,
        external_id="t1",
        name="Ana Puig",
        discipline="PT",
        skills=["PT"],
        home_lat=42.507,
        home_lon=1.521,
        availability=[
            WeeklyAvailability(weekday=date.weekday(), start=dt.time(8), end=dt.time(16))
        ],
    )
    patient = Patient(
        clinic=clinic, external_id="p1", name="Joan Riba", address="Carrer 1", lat=42.52, lon=1.53
    )
    session.add_all([clinic, therapist, patient])
    session.flush()
    visit = Visit(
        clinic_id=clinic.id,
        patient=patient,
        external_id="v1",
        date=date,
        duration_minutes=45,
        fixed_start=dt.time(9),
    )
    session.add(visit)
    session.flush()
    plan = create_plan(session, clinic.id, date, FAST)
    publish_plan(session, clinic.id, plan.id)
    return get_plan(session, clinic.id, plan.id), therapist


@pytest.fixture(autouse=True)
def _in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(service, "solve_in_worker", solve_here)


@pytest.mark.parametrize(("date", "zone", "elapsed_s"), DAYS)
def test_a_nine_o_clock_visit_is_at_nine_everywhere(
    client: TestClient, session: Session, date: dt.date, zone: str, elapsed_s: int
) -> None:
    plan, therapist = _published_day(session, date, zone)
    [route] = plan.routes
    [stop] = route.stops
    # Stored: the seconds elapsed since local midnight (8 h on a 23-hour day).
    assert stop.start_s == elapsed_s
    assert day_clock(date, zone).hhmm(stop.start_s) == "09:00"

    exported = exporting.plan_json(session, plan)["routes"][0]["stops"][0]
    assert (exported["start"], exported["end"]) == ("09:00:00", "09:45:00")
    assert "09:00:00,09:45:00" in exporting.plan_csv(session, plan)

    staff = auth_headers(session, add_login(session, plan.clinic, Role.COORDINATOR))
    read = client.get(f"/plans/{plan.id}", headers=staff).json()
    assert read["routes"][0]["stops"][0]["start"] == "09:00:00"

    own = add_login(session, plan.clinic, Role.THERAPIST, therapist)
    mine = client.get(
        "/me/route", params={"date": date.isoformat()}, headers=auth_headers(session, own)
    )
    assert mine.json()["stops"][0]["start"] == "09:00:00"

    # The calendar (the feed writes the same events): 09:00 local as a UTC instant.
    nine = dt.datetime.combine(date, dt.time(9), tzinfo=ZoneInfo(zone))
    calendar = exporting.plan_ics(session, plan, therapist)
    assert f"DTSTART:{utc_stamp(nine)}" in calendar
    assert f"DTEND:{utc_stamp(nine + dt.timedelta(minutes=45))}" in calendar

    # The pages, as text.
    client.post("/app/login", data={"email": own.email, "password": PASSWORD})
    phone = client.get("/app/day", params={"date": date.isoformat()}).text
    assert re.search(r'class="stop-time">09:00.09:45<', phone)
    client.cookies.clear()
    coordinator = add_login(session, plan.clinic, Role.ADMIN)
    client.post("/app/login", data={"email": coordinator.email, "password": PASSWORD})
    roster = client.get("/app/roster", params={"date": date.isoformat()}).text
    assert re.search(r'title="Joan Riba: 09:00.09:45"', roster)


def test_a_re_plan_on_the_spring_day_keeps_the_wall_clock_in_the_records(
    session: Session,
) -> None:
    """At 10:00 on 29 March (9 h into the day) Ana stops at 12:00: her changed shift ends at
    12:00 on the wall clock, the visit she did at 09:00 stays there, and the draft keeps
    ``now`` both ways."""
    date = dt.date(2026, 3, 29)
    plan, therapist = _published_day(session, date, "Europe/Andorra")
    clock = day_clock(date, "Europe/Andorra")
    now_s = clock.elapsed_s(10 * H)
    event = ReplanEvent(EventKind.THERAPIST_UNAVAILABLE, therapist="t1", from_s=12 * H)
    draft, day = start_replan(session, plan.clinic_id, plan.id, [event], now_s, FAST)
    finish_plan(session, draft, day, solve(day.problem, Params(metaheuristic=Metaheuristic.NONE)))
    [changed] = therapist.exceptions
    assert (changed.start, changed.end) == (dt.time(8), dt.time(12))
    assert day.problem.therapists[0].shift_end_s == 11 * H
    assert draft.replan is not None
    assert (draft.replan["now"], draft.replan["now_s"]) == ("10:00", 9 * H)
    stored = get_plan(session, plan.clinic_id, draft.id)
    assert stored.routes[0].stops[0].start_s == 8 * H
    assert clock.hhmm(stored.routes[0].stops[0].start_s) == "09:00"
