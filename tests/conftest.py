"""Databases for the tests: every database test runs on SQLite and on PostgreSQL.

SQLite is a file in pytest's temporary directory. PostgreSQL is the server at
``HOMEVISIT_TEST_POSTGRES_URL`` (``.ci/run`` sets it), in a schema with a random name
(reached through ``search_path``) that is dropped afterwards, so runs never see each other's
rows. Without the variable the PostgreSQL cases are skipped, saying why.

- ``engine`` / ``migrated``: a database of the test's own, empty or upgraded; for migration
  tests and for tests that need real commits (several sessions, races).
- ``session``: the quick one. One database per run and engine, upgraded once; each test runs
  in a transaction that is rolled back at its end (``commit()`` releases a savepoint).
"""

from __future__ import annotations

import os
import secrets
from contextlib import contextmanager
from typing import TYPE_CHECKING

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from scheduler.db.engine import make_engine, upgrade

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from sqlalchemy.engine import Engine

POSTGRES_URL_VARIABLE = "HOMEVISIT_TEST_POSTGRES_URL"
ENGINES = ["sqlite", "postgresql"]


@pytest.fixture(params=ENGINES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database of the test's own: a SQLite file or a PostgreSQL schema."""
    with _empty_database(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def postgres_url(tmp_path: Path) -> Iterator[str]:
    """An empty PostgreSQL schema of the test's own, for tests that need the server (many
    processes on one database); skipped, saying why, without the server."""
    with _empty_database("postgresql", tmp_path) as url:
        yield url


@pytest.fixture(scope="session", params=ENGINES)
def shared_engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """An upgraded database shared by the tests of one run; ``session`` keeps it empty."""
    with _empty_database(request.param, tmp_path_factory.mktemp("db")) as url:
        engine = make_engine(url)
        upgrade(engine)
        yield engine
        engine.dispose()


@contextmanager
def _empty_database(kind: str, directory: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{directory / 'homevisit.db'}"
        return
    server_url = os.environ.get(POSTGRES_URL_VARIABLE)
    if not server_url:
        pytest.skip(
            f"{POSTGRES_URL_VARIABLE} is not set (for example "
            "postgresql+psycopg://postgres@127.0.0.1:5432/test); .ci/run sets it"
        )
    schema = f"homevisit_test_{secrets.token_hex(6)}"
    admin = sa.create_engine(server_url)
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        # The schema's name is also the connections' application_name, so that the clean-up
        # can end connections a failed test left in a transaction (a hung server thread):
        # they would hold locks that DROP SCHEMA waits for, for ever.
        url = make_url(server_url).update_query_dict(
            {"options": f"-csearch_path={schema}", "application_name": schema}
        )
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE application_name = :schema AND pid <> pg_backend_pid()"
                ),
                {"schema": schema},
            )
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on the empty test database (no tables, not migrated)."""
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def migrated(engine: Engine) -> Engine:
    """The test database upgraded to the code's revision."""
    upgrade(engine)
    return engine


@pytest.fixture
def session(shared_engine: Engine) -> Iterator[Session]:
    """A session on an upgraded database; whatever the test writes is rolled back after it."""
    with shared_engine.connect() as connection:
        transaction = connection.begin()
        with Session(bind=connection, join_transaction_mode="create_savepoint") as session:
            yield session
        transaction.rollback()
