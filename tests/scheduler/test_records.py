"""The record services (scheduler.records), each test on SQLite and on PostgreSQL."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import TYPE_CHECKING

import pytest
import sqlalchemy as sa

from scheduler.errors import Conflict, InvalidRequest, NotFound
from scheduler.models import Role, ShiftExceptionKind, Therapist
from scheduler.records import patients, shifts, therapists, visits
from scheduler.records.inputs import (
    PatientFields,
    ShiftExceptionFields,
    TherapistBreak,
    TherapistFields,
    VisitFields,
    VisitWindow,
    WeeklyShift,
)
from scheduler.records.store import MAX_ID, commit, fetch_page
from tests.api.factories import add_login
from tests.scheduler.factories import add_clinic, add_patient, add_therapist, add_visit

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlalchemy.orm import Session

    from scheduler.models import Clinic

ANA = TherapistFields(
    external_id="t-ana", name="Ana Puig", discipline="PT", home_lat=42.507, home_lon=1.521
)


def clock(text: str) -> dt.time:
    return dt.time.fromisoformat(text)


def faults(raised: pytest.ExceptionInfo[InvalidRequest]) -> list[tuple[str, str]]:
    return [(error.field, error.message) for error in raised.value.errors]


@pytest.fixture
def clinic(session: Session) -> Clinic:
    """An empty clinic."""
    return add_clinic(session)


def test_a_fault_leaves_the_record_as_it_was(session: Session, clinic: Clinic) -> None:
    """The break is checked before any field is set, so the name does not change either."""
    therapist = therapists.create_therapist(session, clinic.id, ANA)
    rule = TherapistBreak(earliest=clock("12:00"), latest_end=clock("12:20"), minutes=30)
    changes = TherapistFields(name="X", break_=rule)
    with pytest.raises(InvalidRequest) as raised:
        therapists.update_therapist(session, clinic.id, therapist.id, changes)
    assert faults(raised) == [
        ("break.minutes", "a 30-minute break does not fit between 12:00 and 12:20")
    ]
    assert therapist.name == "Ana Puig"
    assert therapist not in session.dirty


def test_the_discipline_stays_a_skill(session: Session, clinic: Clinic) -> None:
    fields = dataclasses.replace(ANA, skills=["lang:es"])
    therapist = therapists.create_therapist(session, clinic.id, fields)
    therapists.update_therapist(session, clinic.id, therapist.id, TherapistFields(skills=["OT"]))
    assert therapist.skills == ["PT", "OT"]


@pytest.mark.parametrize(
    ("day_cap", "week_cap"),
    [(None, None), (480, None), (None, 60), (480, 480), (480, 2400), (1440, 7 * 24 * 60)],
)
def test_a_week_cap_of_at_least_a_day_is_kept(
    session: Session, clinic: Clinic, day_cap: int | None, week_cap: int | None
) -> None:
    fields = dataclasses.replace(ANA, max_work_minutes=day_cap, max_week_minutes=week_cap)
    therapist = therapists.create_therapist(session, clinic.id, fields)
    assert (therapist.max_work_minutes, therapist.max_week_minutes) == (day_cap, week_cap)


@pytest.mark.parametrize(
    ("day_cap", "week_cap", "message"),
    [
        (480, 479, "479 is less than max_work_minutes (480): a week's cap must be at least"),
        (None, 0, "0 is not between 1 and 10080"),
        (None, 7 * 24 * 60 + 1, "10081 is not between 1 and 10080"),
    ],
)
def test_a_week_cap_below_a_day_or_out_of_range_is_refused(
    session: Session, clinic: Clinic, day_cap: int | None, week_cap: int, message: str
) -> None:
    """Whoever calls the service: the API's schemas check the range first, a script may not."""
    fields = dataclasses.replace(ANA, max_work_minutes=day_cap, max_week_minutes=week_cap)
    with pytest.raises(InvalidRequest) as raised:
        therapists.create_therapist(session, clinic.id, fields)
    [(field, text)] = faults(raised)
    assert field == "max_week_minutes"
    assert text.startswith(message)


def test_an_update_checks_the_caps_as_they_would_be(session: Session, clinic: Clinic) -> None:
    """A change of one cap is checked against the other's stored value, and names the week's."""
    fields = dataclasses.replace(ANA, max_work_minutes=480, max_week_minutes=600)
    therapist = therapists.create_therapist(session, clinic.id, fields)
    for changes in (TherapistFields(max_work_minutes=720), TherapistFields(max_week_minutes=479)):
        with pytest.raises(InvalidRequest) as raised:
            therapists.update_therapist(session, clinic.id, therapist.id, changes)
        assert [field for field, _ in faults(raised)] == ["max_week_minutes"]
        assert (therapist.max_work_minutes, therapist.max_week_minutes) == (480, 600)
    cleared = TherapistFields(max_work_minutes=None, max_week_minutes=300)
    therapists.update_therapist(session, clinic.id, therapist.id, cleared)
    assert (therapist.max_work_minutes, therapist.max_week_minutes) == (None, 300)
    therapists.update_therapist(session, clinic.id, therapist.id, TherapistFields(name="Ana P."))
    assert therapist.max_week_minutes == 300


@pytest.mark.parametrize("record_id", [0, -1, MAX_ID + 1, 2**70])
def test_an_id_out_of_range_is_not_found(session: Session, clinic: Clinic, record_id: int) -> None:
    """Even where PostgreSQL's integer would overflow."""
    with pytest.raises(NotFound, match=f"therapist {record_id} not found"):
        therapists.get_therapist(session, clinic.id, record_id)


def test_a_page_is_bounded(session: Session, clinic: Clinic) -> None:
    query = sa.select(Therapist).order_by(Therapist.id)
    with pytest.raises(InvalidRequest) as raised:
        fetch_page(session, query, 0, -1)
    assert [field for field, _ in faults(raised)] == ["limit"]
    add_therapist(session, clinic, "t1")
    add_therapist(session, clinic, "t2")
    page = fetch_page(session, query, 1, 1)
    assert ([t.external_id for t in page.items], page.total) == (["t2"], 2)


def test_commit_turns_a_lost_race_into_a_conflict(session: Session, clinic: Clinic) -> None:
    """Two writers passed the external-id check; the unique key stops the second."""
    add_therapist(session, clinic, "t1")
    session.add(
        Therapist(
            clinic=clinic,
            external_id="t1",
            name="B",
            discipline="PT",
            skills=[],
            home_lat=0.0,
            home_lon=0.0,
        )
    )
    with pytest.raises(Conflict, match="clashes with a change stored meanwhile"):
        commit(session, "therapist 't1'")
    assert session.scalar(sa.select(sa.func.count()).select_from(Therapist)) == 0


def test_deleting_a_therapist_clears_the_references_to_them(
    session: Session, clinic: Clinic
) -> None:
    therapist = add_therapist(session, clinic)
    login = add_login(session, clinic, Role.THERAPIST, therapist)
    patient = patients.create_patient(
        session,
        clinic.id,
        PatientFields(
            external_id="p1", name="P", address="A", preferred_therapist_ids=[therapist.id]
        ),
    )
    visit = add_visit(session, patient)
    pinned = VisitFields(pinned_therapist_id=therapist.id)
    visits.update_visit(session, clinic.id, visit.id, pinned)
    therapists.delete_therapist(session, clinic.id, therapist.id)
    session.expire_all()
    assert patient.preferred_therapists == []
    assert visit.pinned_therapist_id is None
    assert login.therapist_id is None


def test_the_week_allows_touching_shifts_and_names_overlaps(
    session: Session, clinic: Clinic
) -> None:
    therapist = add_therapist(session, clinic)
    week = [
        WeeklyShift(weekday=1, start=clock("13:00"), end=clock("17:00")),
        WeeklyShift(weekday=1, start=clock("08:00"), end=clock("13:00")),
    ]
    stored = shifts.set_availability(session, clinic.id, therapist.id, week)
    assert [(s.weekday, s.start, s.end) for s in stored] == [
        (1, clock("08:00"), clock("13:00")),
        (1, clock("13:00"), clock("17:00")),
    ]
    overlapping = [*week, WeeklyShift(weekday=1, start=clock("16:00"), end=clock("18:00"))]
    with pytest.raises(InvalidRequest) as raised:
        shifts.set_availability(session, clinic.id, therapist.id, overlapping)
    assert faults(raised) == [("shifts[2].start", "overlaps shifts[0] (13:00-17:00) on tue")]


def test_windows_are_merged_and_a_fixed_start_must_fit(session: Session, clinic: Clinic) -> None:
    patient = add_patient(session, clinic)
    fields = VisitFields(
        external_id="v1",
        patient_id=patient.id,
        date=dt.date(2026, 11, 30),
        duration_minutes=30,
        windows=[
            VisitWindow(start=clock("10:00"), end=clock("10:00")),
            VisitWindow(start=clock("08:00"), end=clock("09:00")),
            VisitWindow(start=clock("08:30"), end=clock("09:30")),
        ],
    )
    visit = visits.create_visit(session, clinic.id, fields)
    assert visit.windows == [{"start": "08:00", "end": "09:30"}, {"start": "10:00", "end": "10:00"}]
    visits.update_visit(session, clinic.id, visit.id, VisitFields(fixed_start=clock("10:00")))
    with pytest.raises(InvalidRequest) as raised:
        visits.update_visit(session, clinic.id, visit.id, VisitFields(fixed_start=clock("09:45")))
    assert faults(raised) == [("fixed_start", "09:45 is outside every one of the visit's windows")]


def test_a_patient_keeps_both_coordinates_or_neither(session: Session, clinic: Clinic) -> None:
    patient = add_patient(session, clinic)
    with pytest.raises(InvalidRequest) as raised:
        patients.update_patient(session, clinic.id, patient.id, PatientFields(lat=42.5))
    assert faults(raised) == [("lon", "null while lat is set; give both coordinates or neither")]
    patients.update_patient(session, clinic.id, patient.id, PatientFields(lat=42.5, lon=1.5))
    patients.update_patient(session, clinic.id, patient.id, PatientFields(address="Av. X 1"))
    assert (patient.lat, patient.lon) == (42.5, 1.5)


def test_missing_required_fields_are_refused(session: Session, clinic: Clinic) -> None:
    """A field the service does not know cannot be passed at all: the inputs are typed."""
    with pytest.raises(InvalidRequest) as raised:
        therapists.create_therapist(session, clinic.id, TherapistFields(external_id="t1"))
    assert [field for field, _ in faults(raised)] == ["name", "discipline", "home_lat", "home_lon"]


@pytest.mark.parametrize("date", [dt.date(9999, 12, 31), dt.date(1, 1, 1), dt.date(2100, 1, 1)])
def test_the_services_refuse_a_date_outside_the_range(
    session: Session, clinic: Clinic, date: dt.date
) -> None:
    """Whoever calls them (the API's schemas check first, a script may not)."""
    patient, therapist = add_patient(session, clinic), add_therapist(session, clinic)
    visit = add_visit(session, patient)
    booking = VisitFields(
        external_id="v-new", patient_id=patient.id, date=date, duration_minutes=30
    )
    range_text = "(from 2000-01-01 to 2099-12-31)"
    calls: list[Callable[[], object]] = [
        lambda: visits.create_visit(session, clinic.id, booking),
        lambda: visits.update_visit(session, clinic.id, visit.id, VisitFields(date=date)),
        lambda: shifts.add_exception(
            session, clinic.id, therapist.id, ShiftExceptionFields(date, ShiftExceptionKind.LEAVE)
        ),
    ]
    for call in calls:
        with pytest.raises(InvalidRequest) as raised:
            call()
        [(field, message)] = faults(raised)
        assert field == "date"
        assert message.startswith(f"{date.isoformat()} is outside the dates the service plans")
        assert message.endswith(range_text)
    session.refresh(visit)
    assert visit.date == dt.date(2026, 11, 30)
