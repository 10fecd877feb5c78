"""POST /care-plans/suggestions: the best starts of a referral's episode, priced on each
date's routes; nothing stored.

The clinic's clock is pinned to Friday 2026-11-27 at noon, so Monday 2026-11-30 (``MONDAY``)
is in the future and tomorrow is Saturday. Places lie on a line north of the centre; 1 km
is about three minutes' drive.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import TYPE_CHECKING, Any

import pytest
import sqlalchemy as sa

from api.deps import get_clock
from scheduler.models import (
    CarePlan,
    Plan,
    PlanRoute,
    PlanStatus,
    PlanStop,
    Role,
    ShiftException,
    ShiftExceptionKind,
    Visit,
)
from scheduler.records.values import WEEKDAYS
from tests.api.callers import Caller, caller, fields
from tests.scheduler.planning_factories import add_home
from tests.scheduler.week_factories import MONDAY, add_weekly_staff

if TYPE_CHECKING:
    from fastapi import FastAPI
    from fastapi.testclient import TestClient
    from sqlalchemy.orm import Session

    from scheduler.models import Clinic, Patient, Therapist

NOW = dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.UTC)
NEXT_MONDAY = MONDAY + dt.timedelta(days=7)
URL = "/care-plans/suggestions"


@pytest.fixture
def staff(session: Session, app: FastAPI) -> Caller:
    """A coordinator of a fresh clinic, whose clock says Friday 2026-11-27, noon."""
    app.dependency_overrides[get_clock] = lambda: lambda: NOW
    return caller(session)


@pytest.fixture
def patient(session: Session, staff: Caller) -> Patient:
    """The referral's patient, half a kilometre north of the centre."""
    return add_home(session, staff.clinic, "p1", 0.5)


def referral(patient: Patient, **changes: Any) -> dict[str, Any]:
    """PT once a week on Mondays for one week, from MONDAY: one date."""
    return {
        "patient_id": patient.id,
        "discipline": "PT",
        "visits_per_week": 1,
        "weeks": 1,
        "duration_minutes": 45,
        "earliest_date": MONDAY.isoformat(),
        "weekdays": ["mon"],
        **changes,
    }


def suggest(client: TestClient, staff: Caller, body: dict[str, Any]) -> list[dict[str, Any]]:
    answer = client.post(URL, headers=staff.headers, json=body)
    assert answer.status_code == 200, answer.json()
    found: list[dict[str, Any]] = answer.json()["suggestions"]
    return found


def by_therapist(found: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The best suggestion of each therapist (external id)."""
    best: dict[str, dict[str, Any]] = {}
    for item in found:
        best.setdefault(item["therapist"]["external_id"], item)
    return best


def add_route(
    session: Session,
    clinic: Clinic,
    therapist: Therapist,
    patient: Patient,
    date: dt.date,
    status: PlanStatus = PlanStatus.PUBLISHED,
) -> Plan:
    """A plan of ``date`` whose only route takes ``therapist`` to ``patient`` at 10:00."""
    visit = Visit(
        clinic_id=clinic.id,
        patient=patient,
        external_id=f"v-{patient.external_id}-{date.isoformat()}",
        date=date,
        duration_minutes=45,
    )
    plan = Plan(clinic=clinic, date=date, version=1, status=status)
    start_s = 10 * 3600
    stop = PlanStop(
        visit=visit,
        position=0,
        arrival_s=start_s,
        start_s=start_s,
        end_s=start_s + 45 * 60,
        travel_s=0,
        wait_s=0,
    )
    plan.routes = [PlanRoute(therapist=therapist, stops=[stop])]
    session.add(plan)
    session.flush()
    return plan


def test_a_therapist_on_leave_on_one_date_names_it_and_ranks_after_one_who_keeps_all(
    client: TestClient, session: Session, staff: Caller, patient: Patient
) -> None:
    """t1 lives by the patient but is on leave on the second Monday; t2 lives 8 km away."""
    near = add_weekly_staff(session, staff.clinic, "t1", 0.0)
    add_weekly_staff(session, staff.clinic, "t2", 8.0)
    near.exceptions = [ShiftException(date=NEXT_MONDAY, kind=ShiftExceptionKind.LEAVE)]
    session.flush()
    found = suggest(client, staff, referral(patient, weeks=2, limit=10))
    assert [item["therapist"]["external_id"] for item in found] == ["t2", "t1"]
    kept, missed = found
    assert kept["keeps_whole_episode"] is True
    assert kept["dates_not_kept"] == []
    assert missed["keeps_whole_episode"] is False
    assert missed["dates_not_kept"] == [{"date": NEXT_MONDAY.isoformat(), "reason": "OFF_SHIFT"}]
    assert missed["therapist"] == {"id": near.id, "external_id": "t1", "name": "Therapist t1"}
    assert 0 < missed["added_travel_s"] < kept["added_travel_s"]


def test_a_weekly_cap_keeps_the_dates_it_has_room_for(
    client: TestClient, session: Session, staff: Caller, patient: Patient
) -> None:
    """t1 and t2 live by the patient; t1 has a cap of 100 minutes a week, so two
    45-minute visits and their drives fit in a calendar week but not three. t2 keeps
    Monday, Wednesday and Friday from Monday; t1 keeps them all only from Wednesday, the
    visits straddling two weeks. A cap of 40 minutes leaves no date at all."""
    capped = add_weekly_staff(session, staff.clinic, "t1", 0.0)
    capped.max_week_minutes = 100
    add_weekly_staff(session, staff.clinic, "t2", 0.0)
    session.flush()
    body = referral(patient, visits_per_week=3, weekdays=["mon", "wed", "fri"], limit=10)
    found = by_therapist(suggest(client, staff, body))
    assert all(found[t]["keeps_whole_episode"] for t in ("t1", "t2"))
    wednesday = MONDAY + dt.timedelta(days=2)
    assert (found["t2"]["first_date"], found["t1"]["first_date"]) == (
        MONDAY.isoformat(),
        wednesday.isoformat(),
    )
    capped.max_week_minutes = 40
    session.flush()
    (alone,) = suggest(client, staff, referral(patient, therapist_id=capped.id))
    assert alone["dates_not_kept"] == [{"date": MONDAY.isoformat(), "reason": "WEEK_CAP"}]


def test_a_weekly_cap_counts_the_published_work_of_the_week(
    client: TestClient, session: Session, staff: Caller, patient: Patient
) -> None:
    """Tuesday's published route already holds an hour of t1's 100 minutes: no 45-minute
    visit fits beside it that week."""
    near = add_weekly_staff(session, staff.clinic, "t1", 0.0)
    near.max_week_minutes = 100
    tuesday = MONDAY + dt.timedelta(days=1)
    plan = add_route(
        session, staff.clinic, near, add_home(session, staff.clinic, "p2", 0.6), tuesday
    )
    plan.routes[0].work_s = 3600
    session.flush()
    body = referral(patient, visits_per_week=1, weekdays=["wed"], limit=10)
    (found,) = suggest(client, staff, body)
    wednesday = (MONDAY + dt.timedelta(days=2)).isoformat()
    assert found["dates_not_kept"] == [{"date": wednesday, "reason": "WEEK_CAP"}]


@pytest.mark.parametrize("status", [PlanStatus.PUBLISHED, PlanStatus.DRAFT])
def test_a_route_past_the_patients_door_ranks_before_a_far_empty_day(
    client: TestClient, session: Session, staff: Caller, patient: Patient, status: PlanStatus
) -> None:
    """Both live 10 km from the patient, one north and one south; the plan of Monday (the
    published one, else a draft) already takes t-north to the house next door."""
    north = add_weekly_staff(session, staff.clinic, "t-north", 10.5)
    add_weekly_staff(session, staff.clinic, "t-south", -9.5)
    add_route(
        session, staff.clinic, north, add_home(session, staff.clinic, "p2", 0.6), MONDAY, status
    )
    found = suggest(client, staff, referral(patient))
    assert [item["therapist"]["external_id"] for item in found] == ["t-north", "t-south"]
    assert all(item["keeps_whole_episode"] for item in found)
    passing, far = (item["added_travel_s"] for item in found)
    assert passing * 10 < far


def test_a_published_plan_wins_over_a_later_draft(
    client: TestClient, session: Session, staff: Caller, patient: Patient
) -> None:
    """Monday's published plan takes t-north next door; a later draft has no route."""
    north = add_weekly_staff(session, staff.clinic, "t-north", 10.5)
    add_weekly_staff(session, staff.clinic, "t-south", -9.5)
    add_route(session, staff.clinic, north, add_home(session, staff.clinic, "p2", 0.6), MONDAY)
    session.add(Plan(clinic=staff.clinic, date=MONDAY, version=2, status=PlanStatus.DRAFT))
    session.flush()
    found = suggest(client, staff, referral(patient))
    assert found[0]["therapist"]["external_id"] == "t-north"


def test_a_visit_outside_the_shift_has_no_room(
    client: TestClient, session: Session, staff: Caller, patient: Patient
) -> None:
    add_weekly_staff(session, staff.clinic, "t1", 0.0)
    body = referral(patient, weeks=2, windows=[{"start": "18:00", "end": "19:00"}])
    (only,) = suggest(client, staff, body)
    assert only["keeps_whole_episode"] is False
    assert only["dates_not_kept"] == [
        {"date": day.isoformat(), "reason": "NO_ROOM"} for day in (MONDAY, NEXT_MONDAY)
    ]
    assert only["added_travel_s"] == 0


def _weekday_gaps(item: dict[str, Any], weeks: int) -> list[int]:
    """Days between consecutive visits of a suggestion, over its weeks from first_date."""
    first = dt.date.fromisoformat(item["first_date"])
    days = [first + dt.timedelta(days=d) for d in range(weeks * 7)]
    dates = [day for day in days if WEEKDAYS[day.weekday()] in item["weekdays"]]
    return [(b - a).days for a, b in itertools.pairwise(dates)]


@pytest.mark.parametrize(
    ("visits_per_week", "gap", "patterns"),
    [
        (3, 1, [["mon", "wed", "fri"]]),
        (
            2,
            1,
            [
                ["mon", "wed"],
                ["mon", "thu"],
                ["mon", "fri"],
                ["tue", "thu"],
                ["tue", "fri"],
                ["wed", "fri"],
            ],
        ),
        (2, 2, [["mon", "thu"], ["mon", "fri"], ["tue", "fri"]]),
    ],
)
def test_the_weekdays_keep_the_spacing_across_the_weekend(
    client: TestClient,
    session: Session,
    staff: Caller,
    patient: Patient,
    visits_per_week: int,
    gap: int,
    patterns: list[list[str]],
) -> None:
    """Monday to Friday over two weeks: visits more than ``gap`` days apart, Friday to
    Monday (three days) included; every first date lies in the week from MONDAY."""
    add_weekly_staff(session, staff.clinic, "t1", 0.0)
    body = referral(
        patient,
        visits_per_week=visits_per_week,
        weeks=2,
        weekdays=WEEKDAYS[:5],
        min_days_between=gap,
        limit=10,
    )
    found = suggest(client, staff, body)
    assert sorted(item["weekdays"] for item in found) == sorted(patterns)
    for item in found:
        assert min(_weekday_gaps(item, 2)) > gap
        assert MONDAY <= dt.date.fromisoformat(item["first_date"]) < NEXT_MONDAY
        assert (
            item["last_date"]
            == (dt.date.fromisoformat(item["first_date"]) + dt.timedelta(days=13)).isoformat()
        )


def test_three_days_between_visits_count_from_friday_to_monday(
    client: TestClient, session: Session, staff: Caller, patient: Patient
) -> None:
    """t1 is on leave on MONDAY. Monday and Friday are four days apart, but Friday and the
    next Monday only three: Monday-then-Friday from MONDAY misses a date, yet Friday-then-
    Monday, which would keep both, is never offered. Over two weeks no pair of weekdays
    repeats with more than three days on both sides, though the care plan's own rule
    (within one week) allows two visits."""
    t1 = add_weekly_staff(session, staff.clinic, "t1", 0.0)
    t1.exceptions = [ShiftException(date=MONDAY, kind=ShiftExceptionKind.LEAVE)]
    session.flush()
    body = referral(patient, visits_per_week=2, weekdays=WEEKDAYS[:5], min_days_between=3, limit=10)
    found = suggest(client, staff, body)
    (monday_friday,) = [item for item in found if item["weekdays"] == ["mon", "fri"]]
    assert monday_friday["first_date"] == MONDAY.isoformat()
    assert monday_friday["dates_not_kept"] == [{"date": MONDAY.isoformat(), "reason": "OFF_SHIFT"}]
    answer = client.post(URL, headers=staff.headers, json={**body, "weeks": 2})
    assert answer.status_code == 422
    assert fields(answer.json()) == {"min_days_between"}


def test_only_the_chosen_therapist_is_suggested(
    client: TestClient, session: Session, staff: Caller, patient: Patient
) -> None:
    add_weekly_staff(session, staff.clinic, "t1", 0.0)
    far = add_weekly_staff(session, staff.clinic, "t2", 8.0)
    body = referral(patient, therapist_id=far.id, weekdays=WEEKDAYS[:5], limit=10)
    found = suggest(client, staff, body)
    assert len(found) == 5
    assert {item["therapist"]["id"] for item in found} == {far.id}


def test_a_therapist_of_another_discipline_is_never_suggested(
    client: TestClient, session: Session, staff: Caller, patient: Patient
) -> None:
    """The OT lives by the patient; the PT 8 km away."""
    ot = add_weekly_staff(session, staff.clinic, "t-ot", 0.0)
    ot.discipline, ot.skills = "OT", ["OT"]
    add_weekly_staff(session, staff.clinic, "t-pt", 8.0)
    session.flush()
    found = suggest(client, staff, referral(patient, weekdays=WEEKDAYS[:5], limit=10))
    assert found
    assert {item["therapist"]["external_id"] for item in found} == {"t-pt"}
    answer = client.post(URL, headers=staff.headers, json=referral(patient, therapist_id=ot.id))
    assert answer.status_code == 422
    assert fields(answer.json()) == {"therapist_id"}


def test_the_patients_preferred_therapist_comes_before_less_travel(
    client: TestClient, session: Session, staff: Caller, patient: Patient
) -> None:
    add_weekly_staff(session, staff.clinic, "t1", 0.0)
    far = add_weekly_staff(session, staff.clinic, "t2", 8.0)
    patient.preferred_therapists = [far]
    session.flush()
    found = suggest(client, staff, referral(patient))
    assert [item["therapist"]["external_id"] for item in found] == ["t2", "t1"]
    assert found[0]["added_travel_s"] > found[1]["added_travel_s"]


def test_the_first_date_is_tomorrow_by_default(
    client: TestClient, session: Session, staff: Caller, patient: Patient
) -> None:
    """Tomorrow is Saturday; the working week's first day from it is MONDAY."""
    add_weekly_staff(session, staff.clinic, "t1", 0.0)
    body = referral(patient, weekdays=WEEKDAYS[:5], limit=10)
    del body["earliest_date"]
    found = suggest(client, staff, body)
    firsts = sorted(item["first_date"] for item in found)
    assert firsts[0] == MONDAY.isoformat()
    assert firsts[-1] < (NOW.date() + dt.timedelta(days=8)).isoformat()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"patient_id": 999_999}, "patient_id"),
        ({"weeks": 0}, "weeks"),
        ({"weeks": 9}, "weeks"),
        ({"visits_per_week": 3, "weekdays": ["mon", "wed"]}, "visits_per_week"),
        ({"visits_per_week": 8}, "visits_per_week"),
        ({"limit": 11}, "limit"),
        ({"limit": 0}, "limit"),
        ({"therapist_id": 999_999}, "therapist_id"),
        ({"earliest_date": "2026-11-26"}, "earliest_date"),
        ({"earliest_date": "2099-12-20"}, "earliest_date"),
        ({"windows": [{"start": "12:00", "end": "09:00"}]}, "windows[0].end"),
        ({"windows": []}, "windows"),
        ({"weekdays": ["mon", "someday"]}, "weekdays[1]"),
        ({"duration_minutes": 0}, "duration_minutes"),
        ({"min_days_between": -1}, "min_days_between"),
        ({"primary_therapist_id": 1}, "primary_therapist_id"),
    ],
)
def test_a_bad_referral_is_a_422_naming_its_field(
    client: TestClient,
    session: Session,
    staff: Caller,
    patient: Patient,
    changes: dict[str, Any],
    field: str,
) -> None:
    add_weekly_staff(session, staff.clinic, "t1", 0.0)
    answer = client.post(URL, headers=staff.headers, json=referral(patient, **changes))
    assert answer.status_code == 422, answer.json()
    assert fields(answer.json()) == {field}


def test_a_patient_of_another_clinic_or_without_coordinates_is_refused(
    client: TestClient, session: Session, staff: Caller, patient: Patient
) -> None:
    add_weekly_staff(session, staff.clinic, "t1", 0.0)
    other = add_home(session, caller(session).clinic, "p-other", 0.5)
    answer = client.post(URL, headers=staff.headers, json=referral(other))
    assert answer.status_code == 422
    assert fields(answer.json()) == {"patient_id"}
    patient.lat = patient.lon = None
    session.flush()
    answer = client.post(URL, headers=staff.headers, json=referral(patient))
    assert answer.status_code == 422
    assert fields(answer.json()) == {"patient_id"}
    assert "coordinates" in answer.json()["errors"][0]["message"]


def test_suggesting_stores_nothing(
    client: TestClient, session: Session, staff: Caller, patient: Patient
) -> None:
    north = add_weekly_staff(session, staff.clinic, "t-north", 10.5)
    add_route(session, staff.clinic, north, add_home(session, staff.clinic, "p2", 0.6), MONDAY)
    session.commit()
    tables = (Visit, CarePlan, Plan, PlanRoute, PlanStop)

    def counts() -> list[int]:
        return [session.scalar(sa.select(sa.func.count()).select_from(t)) or 0 for t in tables]

    before = counts()
    assert suggest(client, staff, referral(patient, weeks=4, weekdays=WEEKDAYS[:5]))
    session.expire_all()
    assert counts() == before


def test_a_therapist_may_not_ask(client: TestClient, session: Session, staff: Caller) -> None:
    own = caller(session, Role.THERAPIST, staff.clinic)
    patient = add_home(session, staff.clinic, "p1", 0.5)
    answer = client.post(URL, headers=own.headers, json=referral(patient))
    assert answer.status_code == 403
