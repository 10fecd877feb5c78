"""A clinic moved SQLite -> PostgreSQL -> SQLite with ``homevisit db dump`` / ``db restore``,
on the real PostgreSQL server, into databases that already hold another clinic: the records
come back the same, a restored therapist logs in and is served the published route."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from api.app import create_app
from scheduler.backup import read_backup
from scheduler.backup.rules import DUMPED
from scheduler.cli.main import main
from scheduler.cli.stateless import EXIT_INVALID_INPUT
from scheduler.db.engine import make_engine
from scheduler.models import Clinic, Visit
from tests.api.conftest import settings_for
from tests.conftest import _empty_database
from tests.scheduler.backup_factories import (
    PASSWORD,
    THERAPIST_EMAIL,
    add_backed_up_clinic,
    add_other_clinic,
    canonical,
)
from tests.scheduler.factories import DAY

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

CLINIC = "Clinica Andorra"


@pytest.fixture
def postgres_url(tmp_path: Path) -> Iterator[str]:
    """An empty PostgreSQL schema of the test's own (skipped without the server's URL)."""
    with _empty_database("postgresql", tmp_path) as url:
        yield url


def _prepared(url: str, other_clinics: int) -> None:
    """Migrate the database and store other clinics first, so that ids differ."""
    assert main(["db", "upgrade", "--database-url", url]) == 0
    engine = make_engine(url)
    with Session(engine) as session:
        for index in range(other_clinics):
            add_other_clinic(session, f"Elsewhere {index}", therapists=4)
        session.commit()
    engine.dispose()


def _dump(url: str, path: Path) -> None:
    assert main(["db", "dump", "--clinic", CLINIC, str(path), "--database-url", url]) == 0


def _restore(url: str, path: Path) -> None:
    assert main(["db", "restore", str(path), "--database-url", url]) == 0


def _route_served(url: str) -> list[tuple[str, str, str]]:
    """The therapist logs in and reads the day: (visit, start, patient) per stop, after
    checking that each visit id is the restored clinic's."""
    engine = make_engine(url)
    app = create_app(settings_for(engine), engine)
    try:
        with TestClient(app) as client:
            login = client.post(
                "/auth/login", json={"email": THERAPIST_EMAIL, "password": PASSWORD}
            )
            assert login.status_code == 200, login.text
            headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
            route = client.get("/me/route", params={"date": DAY.isoformat()}, headers=headers)
        assert route.status_code == 200, route.text
        stops = route.json()["stops"]
        with Session(engine) as session:
            clinic_id = session.scalars(sa.select(Clinic.id).where(Clinic.name == CLINIC)).one()
            visits = {
                visit.id: visit.external_id
                for visit in session.scalars(sa.select(Visit).where(Visit.clinic_id == clinic_id))
            }
        return [(visits[s["visit_id"]], s["start"], s["patient"]["name"]) for s in stops]
    finally:
        app.state.jobs.shutdown()
        engine.dispose()


def test_a_clinic_moves_sqlite_to_postgresql_and_back(tmp_path: Path, postgres_url: str) -> None:
    source, back = f"sqlite:///{tmp_path / 'source.db'}", f"sqlite:///{tmp_path / 'back.db'}"
    _prepared(source, other_clinics=1)
    engine = make_engine(source)
    with Session(engine) as session:
        add_backed_up_clinic(session)
        session.commit()
    engine.dispose()
    first, second, third = (tmp_path / f"{name}.homevisit.gz" for name in ("a", "b", "c"))
    _dump(source, first)

    _prepared(postgres_url, other_clinics=2)
    _restore(postgres_url, first)
    expected = [("v1", "09:00:00", "Patient p1"), ("v2", "10:00:00", "Patient p2")]
    assert _route_served(postgres_url) == expected
    _dump(postgres_url, second)

    _prepared(back, other_clinics=0)
    _restore(back, second)
    assert _route_served(back) == expected
    _dump(back, third)

    records = [canonical(read_backup(path)) for path in (first, second, third)]
    assert records[0] == records[1] == records[2]
    assert set(records[0]) == set(DUMPED)


def test_the_commands_refuse_without_writing_and_a_dry_run_writes_nothing(
    tmp_path: Path, postgres_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    source = f"sqlite:///{tmp_path / 'source.db'}"
    _prepared(source, other_clinics=0)
    engine = make_engine(source)
    with Session(engine) as session:
        add_backed_up_clinic(session)
        session.commit()
    engine.dispose()
    backup = tmp_path / "clinic.homevisit.gz"
    _dump(source, backup)
    _prepared(postgres_url, other_clinics=1)
    capsys.readouterr()

    args = ["db", "restore", str(backup), "--database-url", postgres_url]
    assert main([*args, "--dry-run"]) == 0
    assert "nothing written" in capsys.readouterr().out
    damaged = tmp_path / "damaged.homevisit.gz"
    damaged.write_bytes(backup.read_bytes()[:-100])
    assert (
        main(["db", "restore", str(damaged), "--database-url", postgres_url]) == EXIT_INVALID_INPUT
    )
    assert "the gzip data ends early: the file is truncated" in capsys.readouterr().err
    assert _clinics(postgres_url) == ["Elsewhere 0"]

    assert main(args) == 0
    assert main(args) == 1
    assert f"a clinic named '{CLINIC}' already exists" in capsys.readouterr().err
    assert main([*args, "--as", "Clinica Andorra (copy)"]) == 0
    assert _clinics(postgres_url) == ["Clinica Andorra", "Clinica Andorra (copy)", "Elsewhere 0"]


def _clinics(url: str) -> list[str]:
    engine = make_engine(url)
    with engine.connect() as connection:
        names = sorted(connection.scalars(sa.select(Clinic.name)))
    engine.dispose()
    return names
