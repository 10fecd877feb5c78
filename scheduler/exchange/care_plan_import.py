"""CSV import of care plans, with the row checks and report of ``importing`` (README.md,
"CSV import", and docs/format.md, "Care plans", list the columns).

A row is checked with the care plan services' own rules (``care_plan_faults``), against the
stored plan of its external id or a new one, so the file and the API refuse the same plans;
each fault is reported on its column. A column left out keeps the stored values.
"""

from __future__ import annotations

import re
from functools import partial
from typing import TYPE_CHECKING, Any

from scheduler.exchange import csv_table as cell
from scheduler.exchange.csv_table import CellError, Columns, RowCells
from scheduler.exchange.importing import (
    SKILLS,
    ImportReport,
    Values,
    check_rows,
    discipline,
    external_ids_in,
    priority,
    put_cell,
    read_rows,
    reference,
    references,
    save_rows,
    stored_by_external_id,
)
from scheduler.models import CarePlan, CarePlanStatus, Patient, Priority, Therapist
from scheduler.records import limits
from scheduler.records.care_plans import Links, assign_care_plan, care_plan_faults, new_care_plan
from scheduler.records.inputs import UNSET, CarePlanFields, VisitWindow
from scheduler.records.values import WEEKDAYS

if TYPE_CHECKING:
    from collections.abc import Mapping

    from sqlalchemy.orm import Session

    from scheduler.models import Clinic

CARE_PLAN_COLUMNS = Columns(
    required=(
        "external_id",
        "patient",
        "discipline",
        "duration_minutes",
        "first_date",
        "last_date",
        "weekdays",
        "primary_therapist",
    ),
    optional=(
        "skills",
        "visits_per_week",
        "visits_total",
        "windows",
        "weekday_windows",
        "min_days_between",
        "priority",
        "preferred_therapists",
        "status",
    ),
)
# The services name the JSON fields; the file's columns of references drop the ``_id``.
COLUMN_OF_FIELD = {
    "patient_id": "patient",
    "primary_therapist_id": "primary_therapist",
    "preferred_therapist_ids": "preferred_therapists",
}
_DAYS_AND_HOURS = re.compile(r"(\D+?)\s*(\d.*)")


def import_care_plans(session: Session, clinic: Clinic, text: str | bytes) -> ImportReport:
    """Create or update the clinic's care plans from a CSV file; all rows or none.

    ``patient``, ``primary_therapist`` and ``preferred_therapists`` are external ids of
    stored records. A new plan is ``active`` unless ``status`` says otherwise.
    """
    table = read_rows(text, CARE_PLAN_COLUMNS, "care plans")
    stored = stored_by_external_id(
        session, CarePlan, clinic, external_ids_in(table, ["external_id"])
    )
    patients = stored_by_external_id(session, Patient, clinic, external_ids_in(table, ["patient"]))
    named = external_ids_in(table, ["primary_therapist", "preferred_therapists"])
    therapists = stored_by_external_id(session, Therapist, clinic, named)
    parse = partial(_care_plan_values, clinic.id, stored, patients, therapists)
    rows = check_rows(table, parse, "care plans")
    return save_rows(session, clinic, CarePlan, rows, stored, _apply_care_plan)


def _care_plan_values(
    clinic_id: int,
    stored: Mapping[str, CarePlan],
    patients: Mapping[str, Patient],
    therapists: Mapping[str, Therapist],
    row: RowCells,
) -> Values:
    """The row's fields and the records they name, checked as the services check a plan."""
    patient = row.need("patient", reference(patients, "patient"))
    primary = row.need("primary_therapist", reference(therapists, "therapist"))
    values = _cells(row)
    preferred: list[Therapist] | None = None
    if row.has("preferred_therapists"):
        listed = references(therapists, "therapist", limits.MAX_THERAPIST_REFERENCES)
        preferred = row.get("preferred_therapists", listed, [])
    if row.errors or patient is None or primary is None:
        return {}
    fields = CarePlanFields(
        external_id=row.cell("external_id"),
        patient_id=patient.id,
        primary_therapist_id=primary.id,
        preferred_therapist_ids=UNSET if preferred is None else [t.id for t in preferred],
        **values,
    )
    links = Links(patient, primary, preferred)
    plan = stored.get(row.cell("external_id")) or new_care_plan(clinic_id)
    for fault in care_plan_faults(plan, fields, links):
        name = re.split(r"[.\[]", fault.field, maxsplit=1)[0]
        row.fail(COLUMN_OF_FIELD.get(name, name), fault.message)
    return {"fields": fields, "links": links}


def _cells(row: RowCells) -> dict[str, Any]:
    """The plain fields of the row: the required ones, and the optional columns it has."""
    values: dict[str, Any] = {
        "discipline": row.need("discipline", discipline),
        "duration_minutes": row.need("duration_minutes", cell.integer(1, limits.DAY_MINUTES)),
        "first_date": row.need("first_date", cell.date),
        "last_date": row.need("last_date", cell.date),
        "weekdays": row.need("weekdays", _weekdays),
    }
    put_cell(values, row, "skills", SKILLS, [])
    put_cell(values, row, "visits_per_week", cell.integer(1, limits.MAX_VISITS_PER_WEEK), None)
    put_cell(values, row, "visits_total", cell.integer(1, limits.MAX_CARE_PLAN_VISITS), None)
    put_cell(values, row, "windows", cell.bounded("windows", limits.MAX_WINDOWS, _spans), None)
    put_cell(values, row, "weekday_windows", _day_windows, {})
    put_cell(values, row, "min_days_between", cell.integer(0, limits.MAX_DAYS_BETWEEN), 0)
    put_cell(values, row, "priority", priority, Priority.NORMAL)
    put_cell(values, row, "status", _status, CarePlanStatus.ACTIVE)
    return values


def _weekdays(value: str) -> list[str]:
    """``mon,wed,fri``, ``mon-fri`` or ``mon; thu``: the allowed days, in week order."""
    try:
        days = set(cell.weekdays(value.replace(cell.LIST_SEPARATOR, ",")))
    except CellError:
        raise CellError(f"{value!r} is not a list of days such as mon,wed,fri or mon-fri") from None
    return [WEEKDAYS[day] for day in sorted(days)]


def _spans(value: str) -> list[VisitWindow]:
    """``09:00-12:00; 14:00-16:00``: windows as the visits' column has them."""
    return [VisitWindow(*cell.clock_range(item)) for item in cell.items(value)]


def _day_windows(value: str) -> dict[str, list[VisitWindow]]:
    """``mon,wed 09:00-12:00; fri 14:00-16:00``: days (as in ``weekdays``) and a window."""
    by_day: dict[str, list[VisitWindow]] = {}
    for item in cell.items(value):
        match = _DAYS_AND_HOURS.fullmatch(item)
        if match is None:
            raise CellError(f"{item!r} is not days and a window such as mon,wed 09:00-12:00")
        window = VisitWindow(*cell.clock_range(match[2]))
        for day in _weekdays(match[1]):
            by_day.setdefault(day, []).append(window)
    if message := limits.too_many(
        sum(map(len, by_day.values())), "windows", limits.MAX_WINDOWS * 7
    ):
        raise CellError(message)
    return by_day


def _status(value: str) -> CarePlanStatus:
    return CarePlanStatus(cell.choice([status.value for status in CarePlanStatus])(value))


def _apply_care_plan(plan: CarePlan, values: Values) -> None:
    assign_care_plan(plan, values["fields"], values["links"])
