"""``restore_clinic``: a checked backup written into a database as a new clinic, in the
caller's transaction, every row under a new id.

Ids are the target database's: each row is inserted without its id, and every foreign key
(and every id in a JSON column, ``rules.JSON_WITH_IDS``) is rewritten to the id its row got.
So a clinic moves between installations that already hold other clinics, and a backup can
be restored next to the clinic it was taken from (under another name).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from alembic.runtime.migration import MigrationContext
from sqlalchemy.exc import IntegrityError

from scheduler.backup.checks import check_contents
from scheduler.backup.rules import CLINICS, JSON_WITH_IDS, dumped_tables, rule_faults
from scheduler.db.engine import UPGRADE_COMMAND, head_revision
from scheduler.errors import Conflict, InvalidRequest
from scheduler.models import Base, Clinic

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from scheduler.backup.checks import Rows
    from scheduler.backup.fileformat import ClinicBackup

Ids = dict[str, dict[int, int]]


@dataclass(frozen=True)
class RestoreReport:
    """The new clinic's id and name, and the rows restored per table."""

    clinic_id: int
    clinic_name: str
    rows: dict[str, int]


def check_backup(backup: ClinicBackup) -> Rows:
    """The backup's rows ready to insert, once its schema revision is this code's and its
    contents pass every check (``InvalidRequest`` naming each fault otherwise)."""
    if faults := rule_faults(Base.metadata):
        raise RuntimeError("the backup rules do not match the models: " + "; ".join(faults))
    expected = head_revision()
    if backup.schema_revision != expected:
        raise InvalidRequest.single(
            "schema_revision",
            f"the backup is of schema revision {backup.schema_revision}, this homevisit's is "
            f"{expected}: restore it with the homevisit release at {backup.schema_revision} "
            f"into a database at that revision, then run `{UPGRADE_COMMAND}`",
            "the backup is of another schema revision",
        )
    return check_contents(backup, Base.metadata)


def restore_clinic(
    session: Session, backup: ClinicBackup, name: str | None = None
) -> RestoreReport:
    """Write the backup as a new clinic (named ``name``, else as in the backup); the caller
    commits, or rolls back to undo all of it.

    Raises
    ------
    InvalidRequest
        The backup fails a check, is of another schema revision, or the database is not at
        this code's revision. Nothing is written.
    Conflict
        A clinic of that name exists, or the database refused a row. Nothing is written
        that the caller's rollback does not undo.
    """
    rows = check_backup(backup)
    _require_revision(session)
    clinic_name = name or backup.clinic
    if session.scalar(sa.select(Clinic.id).where(Clinic.name == clinic_name)) is not None:
        raise Conflict(
            f"a clinic named {clinic_name!r} already exists; nothing was restored "
            "(restore under another name with --as NAME)"
        )
    rows[CLINICS][0]["name"] = clinic_name
    try:
        ids = _insert_all(session, rows)
    except IntegrityError as error:
        reason = str(error.orig).strip().splitlines()[0]
        raise Conflict(
            f"the database refused the backup's rows ({reason}); nothing was restored"
        ) from error
    (clinic_id,) = ids[CLINICS].values()
    counts = {table: len(table_rows) for table, table_rows in rows.items()}
    return RestoreReport(clinic_id, clinic_name, counts)


def _require_revision(session: Session) -> None:
    current = MigrationContext.configure(session.connection()).get_current_revision()
    if current != head_revision():
        raise InvalidRequest.single(
            "database",
            f"is at schema revision {current or 'none'}, this homevisit expects "
            f"{head_revision()}: run `{UPGRADE_COMMAND}` first",
            "the database is not ready for the restore",
        )


def _insert_all(session: Session, rows: Rows) -> Ids:
    """Insert table by table, parents first, and return old id -> new id per table."""
    ids: Ids = {}
    for table in dumped_tables(Base.metadata):
        table_rows = [_remapped(table, row, ids) for row in rows[table.name]]
        if not table_rows:
            ids[table.name] = {}
            continue
        own = _own_id(table)
        if own is None:
            session.execute(table.insert(), table_rows)
            continue
        old = [row[own.name] for row in rows[table.name]]
        for row in table_rows:
            del row[own.name]
        # sort_by_parameter_order: the new ids come back in the order of the rows, also
        # when the INSERT is sent in batches of many rows.
        statement = table.insert().returning(own, sort_by_parameter_order=True)
        new = session.execute(statement, table_rows).scalars().all()
        ids[table.name] = dict(zip(old, new, strict=True))
    _rewrite_json_ids(session, rows, ids)
    return ids


def _own_id(table: sa.Table) -> sa.Column[Any] | None:
    columns = list(table.primary_key.columns)
    return columns[0] if len(columns) == 1 and not columns[0].foreign_keys else None


def _remapped(table: sa.Table, row: dict[str, Any], ids: Ids) -> dict[str, Any]:
    values = dict(row)
    for column in table.columns:
        # A bare None would be stored as JSON 'null'; an unset value is SQL NULL, as the
        # ORM writes it, and queries such as ``replan IS NULL`` tell the two apart.
        if isinstance(column.type, sa.JSON) and values[column.name] is None:
            values[column.name] = sa.null()
        for key in column.foreign_keys:
            if values[column.name] is not None:
                values[column.name] = ids[key.column.table.name][values[column.name]]
    return values


def _rewrite_json_ids(session: Session, rows: Rows, ids: Ids) -> None:
    """After every row is in: an id in JSON may name a row inserted after its own."""
    for (table_name, column_name), where in JSON_WITH_IDS.items():
        table = Base.metadata.tables[table_name]
        own = _own_id(table)
        assert own is not None
        for row in rows[table_name]:
            value = row[column_name]
            if any(True for _ in where.find(value)):
                new_value = where.rewrite(value, lambda referred, old: ids[referred][old])
                session.execute(
                    table.update()
                    .where(own == ids[table_name][row[own.name]])
                    .values({column_name: new_value})
                )
