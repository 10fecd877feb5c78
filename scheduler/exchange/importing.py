"""CSV import of therapists, patients and visits; README.md ("CSV import") lists the columns.

Every row is checked before anything is written: a file with any fault raises one
``InvalidRequest`` listing each fault (``line 7, column home_lat: 'abc' is not a number``)
and the database stays as it was. Rows are matched by ``external_id`` within the clinic: a
known one is updated, a new one created, so importing a file twice changes nothing the second
time. On update, a column left out of the file keeps the stored values; an empty cell sets
the default. References (patients, therapists) are external ids of records already stored.

The functions flush but do not commit: the caller commits the transaction (or rolls it back).
The helpers without a leading underscore are shared with ``care_plan_import``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar, cast

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from scheduler.errors import Conflict, InvalidRequest
from scheduler.exchange import csv_table as cell
from scheduler.exchange.csv_table import CellError, Columns, RowCells, Table, read_table
from scheduler.models import CarePlan, Patient, Priority, Therapist, Visit, WeeklyAvailability
from scheduler.records import limits
from scheduler.records.therapists import week_cap_faults
from scheduler.records.values import in_windows
from scheduler.travel import TRAVEL_MODES
from solver.clock import minute_of_day
from solver.problem import DEFAULT_TRAVEL_MODE

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping

    from sqlalchemy.orm import Session

    from scheduler.models import Clinic, Window

E = TypeVar("E", Therapist, Patient, Visit, CarePlan)
Values = dict[str, Any]
Shift = tuple[int, dt.time, dt.time]

THERAPIST_COLUMNS = Columns(
    required=("external_id", "name", "discipline", "home_lat", "home_lon", "availability"),
    optional=(
        "email",
        "phone",
        "skills",
        "travel_mode",
        "max_visits",
        "max_work_minutes",
        "max_week_minutes",
        "break_earliest",
        "break_latest_end",
        "break_minutes",
        "overtime_minutes",
    ),
    together=(("break_earliest", "break_latest_end", "break_minutes"),),
)
PATIENT_COLUMNS = Columns(
    required=("external_id", "name", "address"),
    optional=(
        "lat",
        "lon",
        "phone",
        "email",
        "access_notes",
        "required_skills",
        "excluded_therapists",
        "preferred_therapists",
    ),
    together=(("lat", "lon"),),
)
VISIT_COLUMNS = Columns(
    required=("external_id", "patient", "date", "duration_minutes"),
    optional=("windows", "skills", "priority", "pinned_therapist", "fixed_start"),
)

LATITUDE = cell.number(-limits.MAX_LATITUDE, limits.MAX_LATITUDE)
LONGITUDE = cell.number(-limits.MAX_LONGITUDE, limits.MAX_LONGITUDE)
# The bounds of the record routes' schemas (api/schemas/fields.py), in the same words.
SKILLS = cell.bounded("skills", limits.MAX_SKILLS, cell.texts(limits.SKILL_LENGTH))
WINDOWS = cell.bounded("windows", limits.MAX_WINDOWS, cell.windows)
AVAILABILITY = cell.bounded("weekly shifts", limits.MAX_WEEKLY_SHIFTS, cell.availability)
_BREAK = ("break_earliest", "break_latest_end", "break_minutes")


@dataclass(frozen=True)
class ImportReport:
    """What an import did: ``kind`` (``therapists``, ``patients``, ``visits``) and counts."""

    kind: str
    created: int
    updated: int

    def __str__(self) -> str:
        return f"{self.kind}: {self.created} created, {self.updated} updated"


@dataclass(frozen=True)
class _Row:
    """A checked row: its external id and the attributes to set (only the file's columns)."""

    external_id: str
    values: Values


def import_therapists(session: Session, clinic: Clinic, text: str | bytes) -> ImportReport:
    """Create or update the clinic's therapists from a CSV file; all rows or none."""
    table = read_rows(text, THERAPIST_COLUMNS, "therapists")
    stored = stored_by_external_id(
        session, Therapist, clinic, external_ids_in(table, ["external_id"])
    )
    rows = check_rows(table, partial(_therapist_values, stored), "therapists")
    return save_rows(session, clinic, Therapist, rows, stored, _apply_therapist)


def import_patients(session: Session, clinic: Clinic, text: str | bytes) -> ImportReport:
    """Create or update the clinic's patients from a CSV file; all rows or none.

    Excluded and preferred therapists are external ids of stored therapists. A patient
    without coordinates, or whose address changed without new ones, waits for geocoding.
    """
    table = read_rows(text, PATIENT_COLUMNS, "patients")
    stored = stored_by_external_id(
        session, Patient, clinic, external_ids_in(table, ["external_id"])
    )
    columns = ["excluded_therapists", "preferred_therapists"]
    therapists = stored_by_external_id(session, Therapist, clinic, external_ids_in(table, columns))
    rows = check_rows(table, lambda row: _patient_values(row, therapists), "patients")
    return save_rows(session, clinic, Patient, rows, stored, _apply_patient)


def import_visits(session: Session, clinic: Clinic, text: str | bytes) -> ImportReport:
    """Create or update the clinic's visits from a CSV file; all rows or none.

    ``patient`` and ``pinned_therapist`` are external ids of stored records. A visit's
    status is not in the file: a new visit is ``booked``, an updated one keeps its status.
    """
    table = read_rows(text, VISIT_COLUMNS, "visits")
    stored = stored_by_external_id(session, Visit, clinic, external_ids_in(table, ["external_id"]))
    patients = stored_by_external_id(session, Patient, clinic, external_ids_in(table, ["patient"]))
    therapists = stored_by_external_id(
        session, Therapist, clinic, external_ids_in(table, ["pinned_therapist"])
    )
    rows = check_rows(table, lambda row: _visit_values(row, patients, therapists), "visits")
    return save_rows(session, clinic, Visit, rows, stored, _assign)


# --- reading and checking ------------------------------------------------------------


def read_rows(text: str | bytes, columns: Columns, kind: str) -> Table:
    return read_table(text, columns, _detail(kind))


def _detail(kind: str) -> str:
    return f"the {kind} file is not valid; nothing was imported"


def external_ids_in(table: Table, columns: Iterable[str]) -> set[str]:
    """The external ids in ``columns`` of every row (lists split), to look up at once."""
    return {item for row in table.rows for name in columns for item in cell.items(row.cell(name))}


def external_id_cell(value: str) -> str:
    # Lists of ids are ;-separated, so an id with a ; could not be referred to.
    if cell.LIST_SEPARATOR in value:
        raise CellError(f"{value!r} contains {cell.LIST_SEPARATOR!r}, which separates ids in lists")
    return cell.text(limits.EXTERNAL_ID_LENGTH)(value)


def stored_by_external_id(
    session: Session, model: type[E], clinic: Clinic, external_ids: set[str]
) -> dict[str, E]:
    """The clinic's records of ``model`` with these external ids, by external id."""
    found: dict[str, E] = {}
    ordered = sorted(external_ids)
    # Chunks keep the IN list under every engine's limit on bound parameters.
    for start in range(0, len(ordered), 500):
        chunk = ordered[start : start + 500]
        query = sa.select(model).where(model.clinic_id == clinic.id, model.external_id.in_(chunk))
        found.update((record.external_id, record) for record in session.scalars(query))
    return found


def check_rows(table: Table, parse: Callable[[RowCells], Values], kind: str) -> list[_Row]:
    """Every row parsed; ``InvalidRequest`` if any is wrong, with the first faults and a
    count of all. Every row is still checked (the count tells how much of the file is
    wrong), but once one is wrong none is kept."""
    rows: list[_Row] = []
    report = cell.FaultReport()
    first_line: dict[str, int] = {}
    for row in table.rows:
        external_id = row.need("external_id", external_id_cell)
        values = parse(row)
        if external_id is not None and external_id in first_line:
            row.fail("external_id", f"{external_id!r} is already on line {first_line[external_id]}")
        elif external_id is not None:
            first_line[external_id] = row.line
        report.add(row.errors)
        if not report.total:
            rows.append(_Row(external_id or "", values))
    if report.total:
        raise InvalidRequest(report.errors, _detail(kind))
    return rows


def put_cell(
    values: Values, row: RowCells, column: str, parse: Callable[[str], Any], default: Any
) -> None:
    """Set ``values[column]`` if the file has the column: the parsed cell, or ``default``."""
    if row.has(column):
        values[column] = row.get(column, parse, default)


def reference(stored: Mapping[str, E], kind: str) -> Callable[[str], E]:
    def parse(value: str) -> E:
        if value not in stored:
            raise CellError(f"no {kind} with external id {value!r}; import the {kind}s first")
        return stored[value]

    return parse


def references(stored: Mapping[str, E], kind: str, limit: int) -> Callable[[str], list[E]]:
    def parse(value: str) -> list[E]:
        external_ids = cell.items(value)
        if message := limits.too_many(len(external_ids), f"{kind}s", limit):
            raise CellError(message)
        unknown = ", ".join(repr(item) for item in external_ids if item not in stored)
        if unknown:
            raise CellError(f"no {kind} with external id {unknown}; import the {kind}s first")
        return [stored[item] for item in external_ids]

    return parse


# --- the three kinds -----------------------------------------------------------------


def _therapist_values(stored: Mapping[str, Therapist], row: RowCells) -> Values:
    values: Values = {
        "name": row.need("name", cell.text(limits.NAME_LENGTH)),
        "discipline": row.need("discipline", discipline),
        "home_lat": row.need("home_lat", LATITUDE),
        "home_lon": row.need("home_lon", LONGITUDE),
        "availability": row.need("availability", AVAILABILITY),
    }
    put_cell(values, row, "email", _email, None)
    put_cell(values, row, "phone", cell.text(limits.PHONE_LENGTH), None)
    put_cell(values, row, "skills", SKILLS, [])
    put_cell(values, row, "travel_mode", cell.choice(TRAVEL_MODES), DEFAULT_TRAVEL_MODE)
    put_cell(values, row, "max_visits", cell.integer(1, limits.MAX_VISITS), None)
    put_cell(values, row, "max_work_minutes", cell.integer(1, limits.DAY_MINUTES), None)
    put_cell(values, row, "max_week_minutes", cell.integer(1, limits.WEEK_MINUTES), None)
    put_cell(values, row, "overtime_minutes", cell.integer(0, limits.DAY_MINUTES), 0)
    if row.has("break_earliest"):
        _put_break(values, row)
    _check_week_cap(values, row, stored.get(row.cell("external_id")))
    return values


def _check_week_cap(values: Values, row: RowCells, stored: Therapist | None) -> None:
    """The services' rule on the caps as the row would leave them: a column the file
    leaves out keeps the stored therapist's value (a wrong cell counts as empty)."""
    caps = [
        values[name] if name in values else getattr(stored, name, None)
        for name in ("max_work_minutes", "max_week_minutes")
    ]
    for fault in week_cap_faults(*caps):
        row.fail(fault.field, fault.message)


def _put_break(values: Values, row: RowCells) -> None:
    """The break: all three cells or none; it must fit between its earliest start and end."""
    earliest = row.get("break_earliest", cell.clock, None)
    latest_end = row.get("break_latest_end", cell.clock, None)
    minutes = row.get("break_minutes", cell.integer(1, limits.DAY_MINUTES), None)
    filled = [bool(row.cell(column)) for column in _BREAK]
    if any(filled) and not all(filled):
        missing = _BREAK[filled.index(False)]
        row.fail(missing, "a break needs break_earliest, break_latest_end and break_minutes")
    elif earliest is not None and latest_end is not None and minutes is not None:
        room = minute_of_day(latest_end) - minute_of_day(earliest)
        if minutes > room:
            row.fail(
                "break_minutes",
                f"a {minutes}-minute break does not fit between "
                f"{earliest:%H:%M} and {latest_end:%H:%M}",
            )
    values.update(break_earliest=earliest, break_latest_end=latest_end, break_minutes=minutes)


def _patient_values(row: RowCells, therapists: Mapping[str, Therapist]) -> Values:
    values: Values = {
        "name": row.need("name", cell.text(limits.NAME_LENGTH)),
        "address": row.need("address", cell.text(limits.ADDRESS_LENGTH)),
    }
    put_cell(values, row, "lat", LATITUDE, None)
    put_cell(values, row, "lon", LONGITUDE, None)
    if bool(row.cell("lat")) != bool(row.cell("lon")):
        empty, given = ("lon", "lat") if row.cell("lat") else ("lat", "lon")
        row.fail(empty, f"empty while {given} is given; give both coordinates or neither")
    put_cell(values, row, "phone", cell.text(limits.PHONE_LENGTH), None)
    put_cell(values, row, "email", _email, None)
    put_cell(values, row, "access_notes", cell.text(limits.ACCESS_NOTES_LENGTH), "")
    put_cell(values, row, "required_skills", SKILLS, [])
    therapist_list = references(therapists, "therapist", limits.MAX_THERAPIST_REFERENCES)
    for column in ("excluded_therapists", "preferred_therapists"):
        put_cell(values, row, column, therapist_list, [])
    both = set(cell.items(row.cell("excluded_therapists")))
    both &= set(cell.items(row.cell("preferred_therapists")))
    if both:
        listed = ", ".join(repr(item) for item in sorted(both))
        row.fail("preferred_therapists", f"{listed} is also in excluded_therapists")
    return values


def _visit_values(
    row: RowCells, patients: Mapping[str, Patient], therapists: Mapping[str, Therapist]
) -> Values:
    values: Values = {
        "patient": row.need("patient", reference(patients, "patient")),
        "date": row.need("date", cell.date),
        "duration_minutes": row.need("duration_minutes", cell.integer(1, limits.DAY_MINUTES)),
    }
    put_cell(values, row, "windows", WINDOWS, [])
    put_cell(values, row, "skills", SKILLS, [])
    put_cell(values, row, "priority", priority, Priority.NORMAL)
    put_cell(values, row, "pinned_therapist", reference(therapists, "therapist"), None)
    put_cell(values, row, "fixed_start", cell.clock, None)
    fixed_start: dt.time | None = values.get("fixed_start")
    windows: list[Window] = values.get("windows") or []
    if fixed_start is not None and windows and not in_windows(fixed_start, windows):
        row.fail("fixed_start", f"{fixed_start:%H:%M} is outside every one of the visit's windows")
    return values


def discipline(value: str) -> str:
    # It counts as a skill, and skills are ;-separated lists in the files.
    if cell.LIST_SEPARATOR in value:
        raise CellError(f"{value!r} contains ';', which separates items in the CSV files' lists")
    return cell.text(limits.DISCIPLINE_LENGTH)(value)


def _email(value: str) -> str:
    cell.text(limits.EMAIL_LENGTH)(value)
    if re.fullmatch(limits.EMAIL_PATTERN, value) is None:
        raise CellError(f"{value!r} is not an email address")
    return value


def priority(value: str) -> Priority:
    return Priority(cell.choice([each.value for each in Priority])(value))


# --- writing -------------------------------------------------------------------------


def save_rows(
    session: Session,
    clinic: Clinic,
    model: type[E],
    rows: list[_Row],
    stored: dict[str, E],
    apply: Callable[[E, Values], None],
) -> ImportReport:
    created = 0
    for row in rows:
        record = stored.get(row.external_id)
        if record is None:
            record = model(clinic_id=clinic.id, external_id=row.external_id)
            session.add(record)
            created += 1
        apply(record, row.values)
    try:
        session.flush()
    except IntegrityError as error:
        # Checked rows break a unique key only if another import wrote the same ids meanwhile.
        raise Conflict(
            f"the {model.__tablename__} changed while importing; roll back and import again"
        ) from error
    return ImportReport(model.__tablename__, created=created, updated=len(rows) - created)


def _assign(record: object, values: Values) -> None:
    for attribute, value in values.items():
        setattr(record, attribute, value)


def _apply_therapist(therapist: Therapist, values: Values) -> None:
    """The discipline counts as a skill; availability rows change only if the shifts do."""
    values = dict(values)
    shifts = cast("list[Shift]", values.pop("availability"))
    listed = cast("list[str] | None", values.pop("skills", None))
    skills = listed if listed is not None else (therapist.skills or [])
    values["skills"] = list(dict.fromkeys([values["discipline"], *skills]))
    _assign(therapist, values)
    if [(shift.weekday, shift.start, shift.end) for shift in therapist.availability] != shifts:
        therapist.availability = [
            WeeklyAvailability(weekday=weekday, start=start, end=end)
            for weekday, start, end in shifts
        ]


def _apply_patient(patient: Patient, values: Values) -> None:
    """Coordinates left empty keep the stored ones, unless the address changed: then the
    patient waits to be geocoded again."""
    values = dict(values)
    if values.get("lat") is None:
        moved = patient.address is not None and patient.address != values["address"]
        values.pop("lat", None)
        values.pop("lon", None)
        if moved:
            values.update(lat=None, lon=None)
    _assign(patient, values)
