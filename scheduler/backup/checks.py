"""What a restore checks in a backup before it writes anything: the tables and columns are
those of the schema revision, every value fits its column, keys are unique, and every
reference (foreign key, or id in a JSON column) leads to a row of the backup.

The clinic's records must stand on their own: a reference out of the backup would point,
after the restore, at whatever row of the target database has that id.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from scheduler.backup.rules import CLINICS, JSON_WITH_IDS, dumped_tables
from scheduler.backup.values import BadValue, decode
from scheduler.errors import FieldError, InvalidRequest

if TYPE_CHECKING:
    from collections.abc import Iterator

    from scheduler.backup.fileformat import ClinicBackup

# Enough to see what is wrong; a file broken everywhere would list every row otherwise.
MAX_FAULTS = 20
INVALID = "the backup's contents are invalid"

Rows = dict[str, list[dict[str, Any]]]


def check_contents(backup: ClinicBackup, metadata: sa.MetaData) -> Rows:
    """The backup's rows decoded for inserting, table by table in restore order;
    ``InvalidRequest`` listing the first ``MAX_FAULTS`` faults (``table[row].column``)."""
    tables = dumped_tables(metadata)
    faults = list(_table_faults(backup, tables))
    if faults:
        raise _invalid(faults)
    rows: Rows = {}
    for table in tables:
        rows[table.name] = _decoded(backup, table, faults)
        if len(faults) >= MAX_FAULTS:
            break
    if not faults:
        faults += _clinic_faults(backup, rows)
        faults += _key_faults(tables, rows)
        faults += _reference_faults(tables, rows)
    if faults:
        raise _invalid(faults)
    return rows


def _invalid(faults: list[FieldError]) -> InvalidRequest:
    shown = faults[:MAX_FAULTS]
    if len(faults) > MAX_FAULTS:
        shown.append(FieldError("", f"and {len(faults) - MAX_FAULTS} more faults"))
    return InvalidRequest(shown, INVALID)


def _table_faults(backup: ClinicBackup, tables: list[sa.Table]) -> Iterator[FieldError]:
    expected = {table.name: table for table in tables}
    for name in backup.tables.keys() - expected.keys():
        yield FieldError(name, "is not a table of this schema revision's backups")
    for name, table in expected.items():
        held = backup.tables.get(name)
        if held is None:
            yield FieldError(name, "is missing from the backup")
            continue
        wanted = [column.name for column in table.columns]
        missing = [column for column in wanted if column not in held.columns]
        unknown = [column for column in held.columns if column not in wanted]
        if missing or unknown or len(held.columns) != len(wanted):
            yield FieldError(
                name,
                f"has columns {list(held.columns)}, this schema revision has {wanted}",
            )
        for index, row in enumerate(held.rows):
            if len(row) != len(held.columns):
                yield FieldError(
                    f"{name}[{index}]", f"has {len(row)} values for {len(held.columns)} columns"
                )


def _decoded(
    backup: ClinicBackup, table: sa.Table, faults: list[FieldError]
) -> list[dict[str, Any]]:
    held = backup.tables[table.name]
    columns = [table.columns[name] for name in held.columns]
    decoded = []
    for index, row in enumerate(held.rows):
        values = {}
        for column, value in zip(columns, row, strict=True):
            try:
                values[column.name] = decode(column, value)
            except BadValue as problem:
                faults.append(FieldError(f"{table.name}[{index}].{column.name}", f"is {problem}"))
        decoded.append(values)
    return decoded


def _clinic_faults(backup: ClinicBackup, rows: Rows) -> Iterator[FieldError]:
    clinics = rows[CLINICS]
    if len(clinics) != 1:
        yield FieldError(CLINICS, f"holds {len(clinics)} rows; a backup is of one clinic")
    elif clinics[0]["name"] != backup.clinic:
        message = f"is named {clinics[0]['name']!r}, the header says {backup.clinic!r}"
        yield FieldError(f"{CLINICS}[0].name", message)


def _key_faults(tables: list[sa.Table], rows: Rows) -> Iterator[FieldError]:
    """Primary keys and unique constraints without a condition, checked in the file so that
    the restore's INSERT does not have to find them."""
    for table in tables:
        keys = [tuple(table.primary_key.columns)]
        keys += [
            tuple(constraint.columns)
            for constraint in table.constraints
            if isinstance(constraint, sa.UniqueConstraint)
        ]
        keys += [(column,) for column in table.columns if column.unique]
        for columns in keys:
            yield from _duplicates(table.name, [column.name for column in columns], rows)


def _duplicates(name: str, columns: list[str], rows: Rows) -> Iterator[FieldError]:
    seen: dict[tuple[Any, ...], int] = {}
    for index, row in enumerate(rows[name]):
        key = tuple(row[column] for column in columns)
        if None in key:
            continue
        if key in seen:
            shown = ", ".join(columns)
            yield FieldError(f"{name}[{index}]", f"repeats ({shown}) of {name}[{seen[key]}]")
        seen.setdefault(key, index)


def _reference_faults(tables: list[sa.Table], rows: Rows) -> Iterator[FieldError]:
    ids = {
        table.name: {row[column.name] for row in rows[table.name]}
        for table in tables
        for column in table.primary_key.columns
        if not column.foreign_keys
    }
    for table in tables:
        for index, row in enumerate(rows[table.name]):
            for column in table.columns:
                for key in column.foreign_keys:
                    value = row[column.name]
                    referred = key.column.table.name
                    if value is not None and value not in ids[referred]:
                        yield FieldError(
                            f"{table.name}[{index}].{column.name}",
                            f"refers to {referred} {value}, which the backup does not hold",
                        )
            for (owner, column_name), where in JSON_WITH_IDS.items():
                if owner != table.name:
                    continue
                for referred, value in where.find(row[column_name]):
                    if value not in ids[referred]:
                        yield FieldError(
                            f"{table.name}[{index}].{column_name}",
                            f"refers to {referred} {value}, which the backup does not hold",
                        )
