"""The care plan services (scheduler.records.care_plans), each test on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import TYPE_CHECKING, Any

import pytest
import sqlalchemy as sa

from scheduler.errors import Conflict, InvalidRequest, NotFound
from scheduler.models import CarePlan, CarePlanStatus, Priority
from scheduler.records import care_plans, patients, therapists, visits
from scheduler.records.inputs import CarePlanFields, PatientFields, VisitFields, VisitWindow
from tests.scheduler.factories import add_clinic, add_patient, add_therapist, add_visit

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from scheduler.models import Clinic, Patient, Therapist

MONDAY = dt.date(2026, 11, 30)


def span(start: str, end: str) -> VisitWindow:
    return VisitWindow(dt.time.fromisoformat(start), dt.time.fromisoformat(end))


@dataclasses.dataclass(frozen=True)
class Clinic1:
    """A clinic with a patient, and a therapist (the primary) and a second one."""

    clinic: Clinic
    patient: Patient
    primary: Therapist
    other: Therapist

    def episode(self, **changes: Any) -> CarePlanFields:
        """PT three times a week (mon, wed, fri) for four weeks, 45 minutes."""
        fields = CarePlanFields(
            external_id="cp1",
            patient_id=self.patient.id,
            discipline="PT",
            visits_per_week=3,
            duration_minutes=45,
            first_date=MONDAY,
            last_date=MONDAY + dt.timedelta(days=27),
            weekdays=["fri", "mon", "wed"],
            primary_therapist_id=self.primary.id,
        )
        return dataclasses.replace(fields, **changes)


@pytest.fixture
def world(session: Session) -> Clinic1:
    clinic = add_clinic(session)
    return Clinic1(
        clinic,
        add_patient(session, clinic),
        add_therapist(session, clinic, "t1"),
        add_therapist(session, clinic, "t2"),
    )


def faults(raised: pytest.ExceptionInfo[InvalidRequest]) -> list[str]:
    return [error.field for error in raised.value.errors]


def test_a_care_plan_is_stored_with_its_defaults_and_in_week_order(
    session: Session, world: Clinic1
) -> None:
    fields = world.episode(
        windows=[span("10:00", "11:00"), span("09:00", "10:00")],
        weekday_windows={"fri": [span("14:00", "15:00")], "mon": [span("08:00", "09:00")]},
        preferred_therapist_ids=[world.other.id, world.other.id],
    )
    plan = care_plans.create_care_plan(session, world.clinic.id, fields)
    session.expire_all()
    stored = care_plans.get_care_plan(session, world.clinic.id, plan.id)
    assert stored.weekdays == ["mon", "wed", "fri"]
    assert stored.windows == [{"start": "09:00", "end": "11:00"}]
    assert list(stored.weekday_windows) == ["mon", "fri"]
    assert care_plans.day_windows(stored, "fri") == [{"start": "14:00", "end": "15:00"}]
    assert care_plans.day_windows(stored, "wed") == [{"start": "09:00", "end": "11:00"}]
    assert (stored.visits_per_week, stored.visits_total) == (3, None)
    assert (stored.status, stored.priority, stored.min_days_between) == (
        CarePlanStatus.ACTIVE,
        Priority.NORMAL,
        0,
    )
    assert stored.primary_therapist_id == world.primary.id
    assert [t.id for t in stored.preferred_therapists] == [world.other.id]


# Each rule: a value that keeps it, beside one that breaks it (in VIOLATED, same order).
KEPT = [
    pytest.param({"visits_per_week": None, "visits_total": 12}, id="one frequency: a total"),
    pytest.param({"last_date": MONDAY}, id="last date on the first date"),
    pytest.param({"weekdays": ["mon", "wed", "fri"]}, id="weekdays"),
    pytest.param({"visits_per_week": 3, "weekdays": ["mon", "tue", "thu"]}, id="a visit a day"),
    pytest.param(
        {
            "weekdays": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
            "min_days_between": 2,
        },
        id="spacing fits the week",
    ),
    pytest.param(
        {"visits_per_week": None, "visits_total": 12, "min_days_between": 1}, id="total fits"
    ),
    pytest.param({"windows": [span("09:00", "09:00")]}, id="windows"),
    pytest.param({"weekday_windows": {"wed": [span("09:00", "10:00")]}}, id="day windows"),
]
VIOLATED = [
    pytest.param({"visits_total": 12}, ["visits_total"], id="one frequency: both"),
    pytest.param({"visits_per_week": None}, ["visits_per_week"], id="one frequency: none"),
    pytest.param(
        {"last_date": MONDAY - dt.timedelta(days=1)}, ["last_date"], id="last before first"
    ),
    pytest.param({"first_date": dt.date(2100, 1, 1)}, ["first_date"], id="date out of range"),
    pytest.param({"weekdays": []}, ["weekdays"], id="weekdays empty"),
    pytest.param({"weekdays": ["mon", "funday"]}, ["weekdays[1]"], id="weekday unknown"),
    pytest.param({"visits_per_week": 4}, ["visits_per_week"], id="more visits than weekdays"),
    pytest.param(
        {
            "weekdays": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
            "min_days_between": 3,
        },
        ["min_days_between"],
        id="spacing too wide for the week",
    ),
    pytest.param(
        {"visits_per_week": None, "visits_total": 13, "min_days_between": 1},
        ["visits_total"],
        id="total does not fit",
    ),
    pytest.param({"windows": [span("10:00", "09:00")]}, ["windows[0].end"], id="window backwards"),
    pytest.param({"windows": []}, ["windows"], id="windows empty"),
    pytest.param(
        {"weekday_windows": {"sat": [span("09:00", "10:00")]}},
        ["weekday_windows.sat"],
        id="day windows on a day not allowed",
    ),
    pytest.param({"weekday_windows": {"mon": []}}, ["weekday_windows.mon"], id="day windows empty"),
]


@pytest.mark.parametrize("changes", KEPT)
def test_a_plan_that_keeps_a_rule_is_stored(
    session: Session, world: Clinic1, changes: dict[str, Any]
) -> None:
    plan = care_plans.create_care_plan(session, world.clinic.id, world.episode(**changes))
    assert plan.id is not None


@pytest.mark.parametrize(("changes", "fields"), VIOLATED)
def test_a_plan_that_breaks_a_rule_is_refused_naming_the_field(
    session: Session, world: Clinic1, changes: dict[str, Any], fields: list[str]
) -> None:
    with pytest.raises(InvalidRequest) as raised:
        care_plans.create_care_plan(session, world.clinic.id, world.episode(**changes))
    assert faults(raised) == fields
    assert session.scalar(sa.select(sa.func.count()).select_from(CarePlan)) == 0


def test_the_total_that_does_not_fit_says_how_many_do(session: Session, world: Clinic1) -> None:
    """Four weeks of mon, wed, fri, a day between: every allowed day still fits, 12."""
    fields = world.episode(visits_per_week=None, visits_total=13, min_days_between=1)
    with pytest.raises(InvalidRequest) as raised:
        care_plans.create_care_plan(session, world.clinic.id, fields)
    [error] = raised.value.errors
    assert error.message == (
        "13 visits do not fit from 2026-11-30 to 2026-12-27 on mon, wed, fri with 1 days "
        "between them; at most 12 do"
    )


def test_therapists_must_be_of_the_clinic_and_not_refused(session: Session, world: Clinic1) -> None:
    stranger = add_therapist(session, add_clinic(session, "Other"), "t9")
    fields = world.episode(primary_therapist_id=stranger.id, preferred_therapist_ids=[stranger.id])
    with pytest.raises(InvalidRequest) as raised:
        care_plans.create_care_plan(session, world.clinic.id, fields)
    assert faults(raised) == ["primary_therapist_id", "preferred_therapist_ids[0]"]
    refusing = PatientFields(excluded_therapist_ids=[world.other.id])
    patients.update_patient(session, world.clinic.id, world.patient.id, refusing)
    fields = world.episode(primary_therapist_id=world.other.id)
    with pytest.raises(InvalidRequest) as raised:
        care_plans.create_care_plan(session, world.clinic.id, fields)
    assert raised.value.errors[0].message == (
        f"the patient refuses therapist {world.other.id} (excluded_therapist_ids)"
    )
    fields = world.episode(preferred_therapist_ids=[world.primary.id, world.other.id])
    with pytest.raises(InvalidRequest) as raised:
        care_plans.create_care_plan(session, world.clinic.id, fields)
    assert faults(raised) == ["preferred_therapist_ids[1]"]
    kept = care_plans.create_care_plan(session, world.clinic.id, world.episode())
    assert kept.primary_therapist_id == world.primary.id


def test_an_update_is_checked_as_the_plan_would_be(session: Session, world: Clinic1) -> None:
    daily = {"wed": [span("09:00", "10:00")]}
    plan = care_plans.create_care_plan(
        session, world.clinic.id, world.episode(weekday_windows=daily)
    )
    switched = CarePlanFields(visits_total=8)
    care_plans.update_care_plan(session, world.clinic.id, plan.id, switched)
    assert (plan.visits_per_week, plan.visits_total) == (None, 8)
    with pytest.raises(InvalidRequest) as raised:
        care_plans.update_care_plan(
            session, world.clinic.id, plan.id, CarePlanFields(weekdays=["mon", "fri"])
        )
    assert faults(raised) == ["weekday_windows.wed"]
    assert plan.weekdays == ["mon", "wed", "fri"]
    with pytest.raises(InvalidRequest) as raised:
        care_plans.update_care_plan(
            session, world.clinic.id, plan.id, CarePlanFields(last_date=MONDAY - dt.timedelta(1))
        )
    assert faults(raised) == ["last_date"]
    ended = CarePlanFields(status=CarePlanStatus.ENDED, weekdays=["mon", "wed"], weekday_windows={})
    care_plans.update_care_plan(session, world.clinic.id, plan.id, ended)
    assert (plan.status, plan.weekdays, plan.weekday_windows) == (
        CarePlanStatus.ENDED,
        ["mon", "wed"],
        {},
    )


def test_listing_filters_by_patient_and_status(session: Session, world: Clinic1) -> None:
    second = add_patient(session, world.clinic, "p2")
    care_plans.create_care_plan(session, world.clinic.id, world.episode(external_id="b"))
    care_plans.create_care_plan(
        session, world.clinic.id, world.episode(external_id="a", patient_id=second.id)
    )
    care_plans.create_care_plan(
        session,
        world.clinic.id,
        world.episode(external_id="c", status=CarePlanStatus.ON_HOLD),
    )
    other = add_clinic(session, "Other")

    def ids(clinic_id: int = world.clinic.id, **filters: Any) -> list[str]:
        page = care_plans.list_care_plans(session, clinic_id, **filters)
        return [plan.external_id for plan in page.items]

    assert ids() == ["a", "b", "c"]
    assert ids(patient_id=world.patient.id) == ["b", "c"]
    assert ids(status=CarePlanStatus.ON_HOLD) == ["c"]
    assert ids(other.id) == []


def test_duplicates_and_other_clinics(session: Session, world: Clinic1) -> None:
    plan = care_plans.create_care_plan(session, world.clinic.id, world.episode())
    with pytest.raises(Conflict, match="a care plan with external_id 'cp1' already exists"):
        care_plans.create_care_plan(session, world.clinic.id, world.episode())
    other = add_clinic(session, "Other")
    with pytest.raises(NotFound, match=f"care plan {plan.id} not found"):
        care_plans.get_care_plan(session, other.id, plan.id)
    with pytest.raises(NotFound):
        care_plans.delete_care_plan(session, other.id, plan.id)


def test_deleting_a_plan_keeps_its_visits_as_hand_bookings(
    session: Session, world: Clinic1
) -> None:
    plan = care_plans.create_care_plan(session, world.clinic.id, world.episode())
    visit = add_visit(session, world.patient)
    visits.update_visit(session, world.clinic.id, visit.id, VisitFields(care_plan_id=plan.id))
    assert visit.care_plan_id == plan.id
    care_plans.delete_care_plan(session, world.clinic.id, plan.id)
    session.expire_all()
    assert visit.care_plan_id is None
    assert session.get(CarePlan, plan.id) is None


def test_a_visit_of_a_care_plan_is_of_the_plans_patient(session: Session, world: Clinic1) -> None:
    plan = care_plans.create_care_plan(session, world.clinic.id, world.episode())
    second = add_patient(session, world.clinic, "p2")
    theirs = VisitFields(
        external_id="v9",
        patient_id=second.id,
        date=MONDAY,
        duration_minutes=45,
        care_plan_id=plan.id,
    )
    with pytest.raises(InvalidRequest) as raised:
        visits.create_visit(session, world.clinic.id, theirs)
    assert faults(raised) == ["care_plan_id"]
    ours = visits.create_visit(
        session, world.clinic.id, dataclasses.replace(theirs, patient_id=world.patient.id)
    )
    assert ours.care_plan_id == plan.id
    with pytest.raises(InvalidRequest) as raised:
        visits.update_visit(session, world.clinic.id, ours.id, VisitFields(patient_id=second.id))
    assert faults(raised) == ["care_plan_id"]
    moved = VisitFields(patient_id=second.id, care_plan_id=None)
    stored = visits.update_visit(session, world.clinic.id, ours.id, moved)
    assert (stored.patient_id, stored.care_plan_id) == (second.id, None)
    stranger_plan = VisitFields(care_plan_id=10**6)
    with pytest.raises(InvalidRequest, match="no care plan with id 1000000 in this clinic"):
        visits.update_visit(session, world.clinic.id, ours.id, stranger_plan)


def test_deleting_records_clears_or_deletes_the_plans(session: Session, world: Clinic1) -> None:
    """A deleted therapist leaves the plan without them; a deleted patient takes it along."""
    fields = world.episode(preferred_therapist_ids=[world.other.id])
    plan = care_plans.create_care_plan(session, world.clinic.id, fields)
    therapists.delete_therapist(session, world.clinic.id, world.other.id)
    therapists.delete_therapist(session, world.clinic.id, world.primary.id)
    session.expire_all()
    assert (plan.primary_therapist_id, plan.preferred_therapists) == (None, [])
    patients.delete_patient(session, world.clinic.id, world.patient.id)
    session.expire_all()
    assert session.scalar(sa.select(sa.func.count()).select_from(CarePlan)) == 0
