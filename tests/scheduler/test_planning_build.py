"""Building a clinic's day for the solver, on SQLite and PostgreSQL: shifts, visits, travel."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pytest

from scheduler.errors import InvalidRequest
from scheduler.models import Priority, ShiftException, ShiftExceptionKind, WeeklyAvailability
from scheduler.planning import build_day, shift_on
from scheduler.travel import GeodesicProvider
from solver import TimeWindow
from tests.scheduler.factories import DAY, add_clinic, add_patient, add_visit
from tests.scheduler.planning_factories import add_small_day, add_staff, clock

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

H = 3600
TUESDAY = DAY + dt.timedelta(days=1)


# --- shifts ------------------------------------------------------------------------------


def test_the_weekly_availability_gives_the_shift(session: Session) -> None:
    therapist = add_staff(session, add_clinic(session), "t1", shift=("08:30", "16:15"))
    assert shift_on(therapist, DAY) == (8 * H + 1800, 16 * H + 900)
    assert shift_on(therapist, TUESDAY) is None


def test_leave_removes_the_day(session: Session) -> None:
    therapist = add_staff(session, add_clinic(session), "t1")
    therapist.exceptions = [ShiftException(date=DAY, kind=ShiftExceptionKind.LEAVE)]
    session.flush()
    assert shift_on(therapist, DAY) is None
    assert shift_on(therapist, DAY + dt.timedelta(days=7)) == (8 * H, 16 * H)


def test_a_changed_shift_replaces_the_times_even_on_a_day_off(session: Session) -> None:
    therapist = add_staff(session, add_clinic(session), "t1")
    therapist.exceptions = [
        ShiftException(
            date=DAY, kind=ShiftExceptionKind.CHANGED, start=clock("12:00"), end=clock("18:00")
        ),
        ShiftException(
            date=TUESDAY, kind=ShiftExceptionKind.CHANGED, start=clock("09:00"), end=clock("11:00")
        ),
    ]
    session.flush()
    assert shift_on(therapist, DAY) == (12 * H, 18 * H)
    assert shift_on(therapist, TUESDAY) == (9 * H, 11 * H)


def test_a_split_shift_spans_from_the_first_start_to_the_last_end(session: Session) -> None:
    therapist = add_staff(session, add_clinic(session), "t1", shift=("08:00", "12:00"))
    therapist.availability.append(
        WeeklyAvailability(weekday=0, start=clock("13:00"), end=clock("17:00"))
    )
    session.flush()
    assert shift_on(therapist, DAY) == (8 * H, 17 * H)


# --- building the day ----------------------------------------------------------------------


def test_build_day_maps_therapists_and_visits(session: Session) -> None:
    day = add_small_day(session)
    patient = day.visits["v2"].patient
    patient.required_skills = ["lang:es"]
    patient.excluded_therapists = [day.therapists["t1"], day.therapists["t3"]]
    patient.preferred_therapists = [day.therapists["t2"]]
    day.visits["v2"].priority = Priority.MUST
    day.visits["v1"].fixed_start = clock("09:30")
    day.visits["v3"].windows = [
        {"start": "14:00", "end": "15:00"},
        {"start": "13:00", "end": "14:30"},
    ]
    day.visits["v4"].pinned_therapist = day.therapists["t3"]
    session.flush()
    built = build_day(session, day.clinic, DAY, GeodesicProvider())
    problem = built.problem
    assert [t.id for t in problem.therapists] == ["t1", "t2"]  # t3 is on leave
    t1 = problem.therapists[0]
    assert (t1.shift_start_s, t1.shift_end_s, t1.start_location) == (8 * H, 16 * H, 0)
    assert t1.break_rule is not None
    assert (t1.break_rule.earliest_start_s, t1.break_rule.duration_s) == (12 * H, 1800)
    visits = {v.id: v for v in problem.visits}
    assert sorted(visits) == ["v1", "v2", "v3", "v4"]  # v5 is cancelled
    assert visits["v1"].windows == (TimeWindow(9 * H + 1800, 9 * H + 1800),)
    assert visits["v2"].windows == ()
    assert visits["v2"].required_skills == {"lang:es"}
    assert visits["v2"].excluded_therapists == {"t1"}  # t3 is not on shift
    assert visits["v2"].preferred_therapists == {"t2"}
    assert visits["v2"].priority is Priority.MUST
    assert visits["v3"].windows == (TimeWindow(13 * H, 15 * H),)
    assert visits["v3"].service_s == 3600
    assert visits["v4"].pinned_therapist == "t3"
    assert problem.location_count == 2 + 4
    assert built.visit_ids["v1"] == day.visits["v1"].id
    assert built.therapist_keys[day.therapists["t2"].id] == "t2"


def test_a_patient_without_coordinates_cannot_be_planned(session: Session) -> None:
    clinic = add_clinic(session)
    add_staff(session, clinic, "t1")
    add_visit(session, add_patient(session, clinic, "p9"))
    with pytest.raises(InvalidRequest) as raised:
        build_day(session, clinic, DAY, GeodesicProvider())
    assert [error.field for error in raised.value.errors] == ["patients.p9"]
    assert "patient p9 (Patient p9) has no coordinates" in str(raised.value)


def test_a_short_changed_shift_drops_a_break_that_no_longer_fits(session: Session) -> None:
    clinic = add_clinic(session)
    therapist = add_staff(session, clinic, "t1", lunch=("12:00", "14:00", 30))
    therapist.exceptions = [
        ShiftException(
            date=DAY, kind=ShiftExceptionKind.CHANGED, start=clock("08:00"), end=clock("12:15")
        )
    ]
    session.flush()
    (built,) = build_day(session, clinic, DAY, GeodesicProvider()).problem.therapists
    assert built.break_rule is None


def test_an_unreadable_window_names_the_visit(session: Session) -> None:
    day = add_small_day(session)
    day.visits["v1"].windows = [{"start": "10:00", "end": "09:00"}]
    session.flush()
    with pytest.raises(InvalidRequest) as raised:
        build_day(session, day.clinic, DAY, GeodesicProvider())
    assert [error.field for error in raised.value.errors] == ["visits.v1.windows[0]"]
    assert "visit v1 has an unreadable window" in str(raised.value)
