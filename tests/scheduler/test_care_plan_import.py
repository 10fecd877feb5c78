"""CSV import of care plans, each test on SQLite and on PostgreSQL."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
import sqlalchemy as sa

from scheduler.errors import InvalidRequest
from scheduler.exchange.care_plan_import import import_care_plans
from scheduler.models import CarePlan, CarePlanStatus, Priority
from tests.scheduler.factories import add_clinic
from tests.scheduler.test_importing import example, faults, import_examples

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from scheduler.models import Clinic

HEADER = (
    "external_id,patient,discipline,visits_per_week,duration_minutes,first_date,last_date,"
    "weekdays,primary_therapist\n"
)
ROW = 'cp9,p001,PT,2,45,2026-11-30,2026-12-24,"mon,thu",t001\n'


@pytest.fixture
def stocked(session: Session) -> Clinic:
    """The clinic with the example therapists, patients and visits imported."""
    clinic = add_clinic(session, "Leeds Community Therapy")
    import_examples(session, clinic)
    return clinic


def plan(session: Session, external_id: str) -> CarePlan:
    return session.scalars(sa.select(CarePlan).filter_by(external_id=external_id)).one()


def count(session: Session) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(CarePlan)) or 0


def test_the_example_file_imports_then_updates(session: Session, stocked: Clinic) -> None:
    first = import_care_plans(session, stocked, example("care-plans"))
    again = import_care_plans(session, stocked, example("care-plans"))
    assert (first.kind, first.created, first.updated) == ("care_plans", 5, 0)
    assert (again.created, again.updated) == (0, 5)
    cp003 = plan(session, "cp003")
    assert cp003.weekdays == ["mon", "tue", "wed", "thu", "fri"]
    assert cp003.weekday_windows["fri"] == [{"start": "15:15", "end": "17:00"}]
    assert (cp003.min_days_between, cp003.skills) == (6, ["paediatric"])
    cp004 = plan(session, "cp004")
    assert (cp004.visits_per_week, cp004.visits_total) == (None, 8)
    assert (cp004.status, cp004.priority) == (CarePlanStatus.ON_HOLD, Priority.LOW)
    assert [t.external_id for t in cp004.preferred_therapists] == ["t001"]
    assert plan(session, "cp002").windows == [
        {"start": "08:30", "end": "10:30"},
        {"start": "13:00", "end": "15:00"},
    ]


def test_the_defaults_of_a_short_row(session: Session, stocked: Clinic) -> None:
    import_care_plans(session, stocked, HEADER + ROW)
    stored = plan(session, "cp9")
    assert stored.weekdays == ["mon", "thu"]
    assert (stored.windows, stored.weekday_windows, stored.skills) == ([], {}, [])
    assert (stored.status, stored.priority, stored.min_days_between) == (
        CarePlanStatus.ACTIVE,
        Priority.NORMAL,
        0,
    )
    assert stored.primary_therapist is not None
    assert stored.primary_therapist.external_id == "t001"


@pytest.mark.parametrize(
    ("cells", "column"),
    [
        pytest.param({"patient": "nobody"}, "patient", id="unknown patient"),
        pytest.param({"primary_therapist": "t999"}, "primary_therapist", id="unknown therapist"),
        pytest.param({"weekdays": "someday"}, "weekdays", id="unknown weekday"),
        pytest.param({"visits_per_week": "8"}, "visits_per_week", id="more than daily"),
        pytest.param({"visits_per_week": "3"}, "visits_per_week", id="more than the weekdays"),
        pytest.param({"last_date": "2026-11-29"}, "last_date", id="last before first"),
        pytest.param({"first_date": "30/11/2026"}, "first_date", id="not a date"),
        pytest.param({"duration_minutes": "0"}, "duration_minutes", id="no duration"),
        pytest.param({"visits_total": "4"}, "visits_total", id="both frequencies"),
        pytest.param({"visits_per_week": ""}, "visits_per_week", id="no frequency"),
        pytest.param({"min_days_between": "-1"}, "min_days_between", id="negative spacing"),
        pytest.param({"min_days_between": "6"}, "min_days_between", id="spacing too wide"),
        pytest.param({"windows": "12:00-11:00"}, "windows", id="window backwards"),
        pytest.param(
            {"weekday_windows": "fri 09:00-10:00"}, "weekday_windows", id="day not allowed"
        ),
        pytest.param({"weekday_windows": "thu"}, "weekday_windows", id="day without window"),
        pytest.param({"priority": "urgent"}, "priority", id="unknown priority"),
        pytest.param({"status": "paused"}, "status", id="unknown status"),
        pytest.param(
            {"preferred_therapists": "t404"}, "preferred_therapists", id="unknown preferred"
        ),
    ],
)
def test_a_bad_cell_is_named_and_nothing_is_imported(
    session: Session, stocked: Clinic, cells: dict[str, str], column: str
) -> None:
    names = HEADER.strip().split(",")
    values = ["cp9", "p001", "PT", "2", "45", "2026-11-30", "2026-12-24", '"mon,thu"', "t001"]
    row = dict(zip(names, values, strict=True)) | cells
    text = ",".join(row) + "\n" + ",".join(row.values()) + "\n" + ROW.replace("cp9", "cp8")
    with pytest.raises(InvalidRequest) as raised:
        import_care_plans(session, stocked, text)
    assert [field for field, _ in faults(raised)] == [f"line 2.{column}"]
    assert count(session) == 0


def test_the_patient_refusing_the_primary_is_reported(session: Session, stocked: Clinic) -> None:
    """p005 excludes t004, as in examples/patients.csv."""
    row = ROW.replace("p001", "p005").replace("t001", "t004")
    with pytest.raises(InvalidRequest) as raised:
        import_care_plans(session, stocked, HEADER + row)
    [(field, message)] = faults(raised)
    assert field == "line 2.primary_therapist"
    assert "the patient refuses therapist" in message


def test_a_left_out_column_keeps_the_stored_values(session: Session, stocked: Clinic) -> None:
    """A file with only visits_total switches the plan from visits_per_week to it."""
    import_care_plans(session, stocked, example("care-plans"))
    header = HEADER.replace("visits_per_week", "visits_total")
    row = ROW.replace("cp9", "cp001").replace(",2,", ",4,")
    report = import_care_plans(session, stocked, header + row)
    assert (report.created, report.updated) == (0, 1)
    stored = plan(session, "cp001")
    assert (stored.visits_per_week, stored.visits_total) == (None, 4)
    assert stored.windows == [{"start": "09:00", "end": "12:00"}]
    assert [t.external_id for t in stored.preferred_therapists] == ["t004"]
