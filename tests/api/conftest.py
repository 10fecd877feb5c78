"""The API under test: ``create_app`` on the shared test database (SQLite and PostgreSQL).

``client`` runs every request in the test's ``session``, which is rolled back afterwards.
Tests that need real commits from other threads (solve jobs) build their own app on
``migrated`` with ``app_on``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.deps import get_session
from scheduler.config import Settings

if TYPE_CHECKING:
    from collections.abc import Iterator

    from fastapi import FastAPI
    from sqlalchemy.engine import Engine
    from sqlalchemy.orm import Session

SECRET_KEY = "test-secret-key-not-for-production"
PUBLIC_BASE_URL = "https://homevisit.example/clinic"


def settings_for(engine: Engine) -> Settings:
    return Settings(
        database_url=engine.url.render_as_string(hide_password=False),
        secret_key=SECRET_KEY,
        solver_time_limit_s=1.0,
        public_base_url=PUBLIC_BASE_URL,
    )


@pytest.fixture
def app(shared_engine: Engine, session: Session) -> Iterator[FastAPI]:
    """The app, every request inside the test's rolled-back ``session``."""
    app = create_app(settings_for(shared_engine), shared_engine)
    app.dependency_overrides[get_session] = lambda: session
    # The test's transaction never commits, so no change notification would ever say that a
    # kept caller went stale: keep none (bodies are keyed by version, and stay right).
    app.state.listen_for_changes = False
    yield app
    app.state.jobs.shutdown()


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as client:
        yield client


@pytest.fixture
def app_on(migrated: Engine) -> Iterator[FastAPI]:
    """The app on a database of the test's own, committing for real."""
    app = create_app(settings_for(migrated), migrated)
    yield app
    app.state.jobs.shutdown()
