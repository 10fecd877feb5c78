"""Engines and schema migrations, driven from code (no ``alembic.ini``).

The migrations live in ``scheduler/migrations`` and ship with the package. ``upgrade(url)``
brings a database to the code's revision (``homevisit db upgrade`` calls it); the app calls
``require_current_schema(engine)`` at start and refuses a database that is behind.

To write a migration after changing ``scheduler/models``: upgrade a scratch database to the
current head, then ``python -c "from scheduler.db.engine import new_revision; new_revision(URL,
'what changed')"`` and clean up the generated file in ``scheduler/migrations/versions``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.dialects import postgresql, sqlite

from scheduler.errors import SchedulerError

if TYPE_CHECKING:
    import sqlite3
    from collections.abc import Callable

    from sqlalchemy.engine import URL, Connection, Dialect, Engine
    from sqlalchemy.orm import DeclarativeBase
    from sqlalchemy.pool import ConnectionPoolEntry

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
UPGRADE_COMMAND = "homevisit db upgrade"


class SchemaOutOfDate(SchedulerError):
    """The database's schema revision is not the one this code expects."""

    def __init__(self, current: str | None, expected: str, message: str) -> None:
        self.current = current
        self.expected = expected
        super().__init__(message)


def make_engine(url: str | URL, **options: object) -> Engine:
    """An engine for ``url``. On SQLite, foreign keys are enforced and every transaction
    starts with ``BEGIN``, so DDL and savepoints are transactional as on PostgreSQL."""
    engine = sa.create_engine(url, **options)
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", _configure_sqlite)
        sa.event.listen(engine, "begin", _begin_sqlite)
    return engine


def _configure_sqlite(
    dbapi_connection: sqlite3.Connection,
    connection_record: ConnectionPoolEntry,  # noqa: ARG001 (the event's signature)
) -> None:
    # pysqlite opens transactions by itself, and only before DML: DDL would commit statement
    # by statement (a half-applied migration, and an fsync each). SQLAlchemy's recipe: turn
    # that off and emit BEGIN when a transaction begins.
    dbapi_connection.isolation_level = None
    dbapi_connection.execute("PRAGMA foreign_keys = ON")


def _begin_sqlite(connection: Connection) -> None:
    connection.exec_driver_sql("BEGIN")


def insert_skipping_duplicates(entity: type[DeclarativeBase], dialect: Dialect) -> sa.Insert:
    """A Core INSERT into the entity's table that skips the rows clashing with a unique key,
    such as rows another transaction stored meanwhile (``ON CONFLICT DO NOTHING``)."""
    table = entity.__table__
    if not isinstance(table, sa.Table):
        raise TypeError(f"{entity.__name__} is not mapped to one table")
    if dialect.name == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing()
    if dialect.name == "sqlite":
        return sqlite.insert(table).on_conflict_do_nothing()
    raise NotImplementedError(f"no insert-or-skip statement for {dialect.name}")


def _sqlite_foreign_keys(connection: Connection, enabled: bool) -> None:
    """Switch SQLite's foreign keys, outside a transaction (the pragma is a no-op inside)."""
    if connection.dialect.name == "sqlite":
        state = "ON" if enabled else "OFF"
        connection.connection.dbapi_connection.execute(  # type: ignore[union-attr]
            f"PRAGMA foreign_keys = {state}"
        )


def _alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    # Config values go through configparser interpolation: escape any % in the path.
    config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    config.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    config.attributes["connection"] = connection
    return config


def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(_alembic_config())


def head_revision() -> str:
    """The revision this code expects (the single head of the migrations)."""
    head = _scripts().get_current_head()
    if head is None:
        raise RuntimeError(f"no migrations found in {MIGRATIONS_DIR}")
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at; ``None`` for a database never migrated."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def is_up_to_date(engine: Engine) -> bool:
    """Whether the database is at the revision this code expects."""
    return current_revision(engine) == head_revision()


def upgrade(database: str | URL | Engine, revision: str = "head") -> None:
    """Migrate the database (a URL or an engine) to ``revision`` in one transaction: all of
    it or, on an error, none of it (on SQLite too, see ``make_engine``)."""
    engine = database if isinstance(database, sa.Engine) else make_engine(database)
    try:
        with engine.connect() as connection:
            _migrate(connection, revision)
    finally:
        if engine is not database:
            engine.dispose()


def downgrade(database: str | URL | Engine, revision: str) -> None:
    """Migrate the database back to ``revision`` in one transaction (for tests and for
    going back to an older release); what the newer revisions stored is lost."""
    engine = database if isinstance(database, sa.Engine) else make_engine(database)
    try:
        with engine.connect() as connection:
            _migrate(connection, revision, command.downgrade)
    finally:
        if engine is not database:
            engine.dispose()


def _migrate(
    connection: Connection,
    revision: str,
    step: Callable[[Config, str], None] = command.upgrade,
) -> None:
    # Batch migrations rebuild SQLite tables: with foreign keys on, dropping the old table
    # would cascade into its children. Off during the migration, checked before commit.
    _sqlite_foreign_keys(connection, enabled=False)
    try:
        with connection.begin():
            step(_alembic_config(connection), revision)
            if connection.dialect.name == "sqlite":
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                if broken:
                    raise RuntimeError(f"the migration broke foreign keys: {broken[:5]}")
    finally:
        _sqlite_foreign_keys(connection, enabled=True)


def require_current_schema(engine: Engine) -> None:
    """Raise ``SchemaOutOfDate``, saying what to do, unless the database is at the head."""
    current = current_revision(engine)
    expected = head_revision()
    if current == expected:
        return
    known = {script.revision for script in _scripts().walk_revisions()}
    if current is not None and current not in known:
        message = (
            f"the database is at revision {current}, which this code does not know "
            f"(code expects {expected}): run a homevisit version that has it"
        )
    else:
        message = (
            f"the database is behind (revision {current or 'none'}, code expects {expected}): "
            f"run `{UPGRADE_COMMAND}`"
        )
    raise SchemaOutOfDate(current, expected, message)


def new_revision(database: str | URL, message: str) -> None:
    """Autogenerate the next migration (``NNNN_<slug>.py``) from the models' differences with
    the database at ``database``, which must be at the current head. For developers."""
    scripts = _scripts()
    rev_id = f"{sum(1 for _ in scripts.walk_revisions()) + 1:04d}"
    engine = make_engine(database)
    try:
        with engine.begin() as connection:
            command.revision(
                _alembic_config(connection), message=message, autogenerate=True, rev_id=rev_id
            )
    finally:
        engine.dispose()
