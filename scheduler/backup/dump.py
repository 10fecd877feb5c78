"""``dump_clinic``: one clinic's rows of every table the rules dump, checked, as a backup."""

from __future__ import annotations

import datetime as dt
from importlib import metadata as package_metadata
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from scheduler.backup.checks import check_contents
from scheduler.backup.fileformat import ClinicBackup, TableRows
from scheduler.backup.rules import CLINICS, dumped_tables, owner_key, rule_faults
from scheduler.backup.values import encode
from scheduler.db.engine import head_revision
from scheduler.errors import Conflict, InvalidRequest, NotFound
from scheduler.models import Base, Clinic

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


def dump_clinic(session: Session, clinic_id: int) -> ClinicBackup:
    """Every record and plan of the clinic, as a backup ready for ``write_backup``.

    Run it in a transaction that sees one snapshot (PostgreSQL: ``REPEATABLE READ``), or a
    plan written between two tables' reads could miss its stops. The backup is checked as
    a restore would check it, so a dump that succeeds can be restored; ``Conflict`` if the
    clinic's rows refer to rows of another clinic.
    """
    if faults := rule_faults(Base.metadata):
        raise RuntimeError("the backup rules do not match the models: " + "; ".join(faults))
    clinic = session.get(Clinic, clinic_id)
    if clinic is None:
        raise NotFound(f"clinic {clinic_id} not found")
    tables = {
        table.name: _table_rows(session, table, clinic_id) for table in dumped_tables(Base.metadata)
    }
    backup = ClinicBackup(
        schema_revision=head_revision(),
        clinic=clinic.name,
        created_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        homevisit_version=_version(),
        tables=tables,
    )
    try:
        check_contents(backup, Base.metadata)
    except InvalidRequest as error:
        # Only a bug (a row of another clinic's) makes the stored records fail the check.
        raise Conflict(f"clinic {clinic.name!r} cannot be dumped consistently: {error}") from error
    return backup


def _table_rows(session: Session, table: sa.Table, clinic_id: int) -> TableRows:
    query = sa.select(table).where(_belongs(table, clinic_id))
    result = session.execute(query.order_by(*table.primary_key.columns))
    columns = list(table.columns)
    rows = [
        [encode(column, value) for column, value in zip(columns, row, strict=True)]
        for row in result
    ]
    return TableRows(tuple(column.name for column in columns), rows)


def _belongs(table: sa.Table, clinic_id: int) -> sa.ColumnElement[bool]:
    """The rows of ``table`` that belong to the clinic, through its owner key's chain."""
    if table.name == CLINICS:
        (key,) = table.primary_key.columns
        return key == clinic_id
    owner = owner_key(table)
    assert owner is not None, f"{table.name} has no owner key (rule_faults says so)"
    parent: Any = owner.column.table
    if parent.name == CLINICS:
        return owner.parent == clinic_id
    return owner.parent.in_(sa.select(owner.column).where(_belongs(parent, clinic_id)))


def _version() -> str:
    try:
        return package_metadata.version("homevisit")
    except package_metadata.PackageNotFoundError:
        return "unknown"
