"""Migrations and the schema's rules, each test on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from scheduler.cli.main import main
from scheduler.db.engine import (
    SchemaOutOfDate,
    current_revision,
    downgrade,
    head_revision,
    is_up_to_date,
    require_current_schema,
    upgrade,
)
from scheduler.errors import SchedulerError
from scheduler.models import (
    Base,
    Plan,
    PlanJob,
    PlanRoute,
    PlanStatus,
    PlanStop,
    PlanUnassigned,
    Priority,
    Visit,
    VisitStatus,
    WeekPlan,
    Window,
)
from tests.scheduler.factories import (
    DAY,
    add_clinic,
    add_patient,
    add_plan,
    add_therapist,
    add_visit,
)

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from scheduler.models import Clinic


def test_upgrade_from_empty_creates_every_table(engine: Engine) -> None:
    upgrade(engine)
    tables = set(sa.inspect(engine).get_table_names())
    assert tables == {*Base.metadata.tables, "alembic_version"}
    assert current_revision(engine) == head_revision()
    assert is_up_to_date(engine)
    require_current_schema(engine)


def test_migrations_match_the_models(migrated: Engine) -> None:
    """Autogenerate finds nothing to add: the migrations describe the models exactly."""
    with migrated.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_upgrade_twice_changes_nothing(migrated: Engine) -> None:
    upgrade(migrated)
    assert is_up_to_date(migrated)


def test_an_empty_database_is_behind_and_says_how_to_fix_it(engine: Engine) -> None:
    assert current_revision(engine) is None
    assert not is_up_to_date(engine)
    expected = (
        f"the database is behind (revision none, code expects {head_revision()}): "
        "run `homevisit db upgrade`"
    )
    with pytest.raises(SchemaOutOfDate) as raised:
        require_current_schema(engine)
    assert str(raised.value) == expected
    assert isinstance(raised.value, SchedulerError)


def test_a_revision_from_newer_code_is_not_called_behind(migrated: Engine) -> None:
    with migrated.begin() as connection:
        connection.execute(sa.text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(SchemaOutOfDate, match="at revision 9999, which this code does not know"):
        require_current_schema(migrated)


def test_cli_upgrades_and_reports_the_revision(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["db", "current", "--database-url", database_url]) == 1
    assert "run `homevisit db upgrade`" in capsys.readouterr().out
    assert main(["db", "upgrade", "--database-url", database_url]) == 0
    assert main(["db", "current", "--database-url", database_url]) == 0
    assert f"at revision {head_revision()}, up to date" in capsys.readouterr().out


def test_a_second_published_plan_for_the_same_day_is_refused(session: Session) -> None:
    clinic = add_clinic(session)
    add_plan(session, clinic, PlanStatus.PUBLISHED)
    with pytest.raises(IntegrityError):
        add_plan(session, clinic, PlanStatus.PUBLISHED)


@pytest.mark.parametrize(
    ("status", "other_date", "other_clinic"),
    [
        pytest.param(PlanStatus.DRAFT, False, False, id="draft-same-day"),
        pytest.param(PlanStatus.SUPERSEDED, False, False, id="superseded-same-day"),
        pytest.param(PlanStatus.PUBLISHED, True, False, id="published-next-day"),
        pytest.param(PlanStatus.PUBLISHED, False, True, id="published-other-clinic"),
    ],
)
def test_plans_beside_the_published_one_are_allowed(
    session: Session, status: PlanStatus, other_date: bool, other_clinic: bool
) -> None:
    clinic = add_clinic(session)
    add_plan(session, clinic, PlanStatus.PUBLISHED)
    owner = add_clinic(session, "Other") if other_clinic else clinic
    date = DAY + dt.timedelta(days=1) if other_date else DAY
    add_plan(session, owner, status, date=date)
    session.commit()
    assert session.scalar(sa.select(sa.func.count()).select_from(Plan)) == 2


def test_publishing_after_superseding_is_allowed(session: Session) -> None:
    clinic = add_clinic(session)
    first = add_plan(session, clinic, PlanStatus.PUBLISHED)
    first.status = PlanStatus.SUPERSEDED
    session.flush()
    add_plan(session, clinic, PlanStatus.PUBLISHED)
    session.commit()


def test_a_visit_round_trips(migrated: Engine) -> None:
    windows: list[Window] = [
        {"start": "09:00", "end": "12:00"},
        {"start": "14:00", "end": "16:30"},
    ]
    with Session(migrated) as session:
        clinic = add_clinic(session)
        therapist = add_therapist(session, clinic)
        visit = add_visit(session, add_patient(session, clinic))
        visit.windows = windows
        visit.skills = ["PT", "lang:es"]
        visit.priority = Priority.MUST
        visit.pinned_therapist = therapist
        visit.fixed_start = dt.time(9, 30)
        session.commit()
        visit_id = visit.id
    with Session(migrated) as session:
        stored = session.get_one(Visit, visit_id)
        assert stored.windows == windows
        assert stored.skills == ["PT", "lang:es"]
        assert (stored.date, stored.duration_minutes) == (DAY, 45)
        assert stored.priority is Priority.MUST
        assert stored.status is VisitStatus.BOOKED
        assert stored.pinned_therapist is not None
        assert stored.pinned_therapist.external_id == "t1"
        assert stored.fixed_start == dt.time(9, 30)


@pytest.mark.parametrize(
    "written",
    [
        dt.datetime(2026, 11, 30, 9, 15, tzinfo=dt.UTC),
        dt.datetime(2026, 11, 30, 10, 15, tzinfo=ZoneInfo("Europe/Andorra")),
        dt.datetime(2026, 11, 30, 9, 15),  # naive: taken as UTC
    ],
    ids=["utc", "andorra", "naive"],
)
def test_a_timestamp_reads_back_as_the_same_moment_in_utc(
    session: Session, written: dt.datetime
) -> None:
    """SQLite keeps no zone and PostgreSQL answers in the session's: both read back UTC."""
    visit = add_visit(session, add_patient(session, add_clinic(session)))
    visit.checked_in_at = written
    session.flush()
    session.expire_all()
    read = session.get_one(Visit, visit.id).checked_in_at
    assert read is not None
    assert read.tzinfo is dt.UTC
    assert read == dt.datetime(2026, 11, 30, 9, 15, tzinfo=dt.UTC)


def test_enum_columns_store_the_values(session: Session) -> None:
    clinic = add_clinic(session)
    add_visit(session, add_patient(session, clinic))
    row = session.execute(sa.text("SELECT priority, status FROM visits")).one()
    assert tuple(row) == ("normal", "booked")


def test_the_database_refuses_a_value_outside_an_enum(session: Session) -> None:
    clinic = add_clinic(session)
    visit = add_visit(session, add_patient(session, clinic))
    with pytest.raises(IntegrityError):
        session.execute(
            sa.text("UPDATE visits SET status = 'lost' WHERE id = :id"), {"id": visit.id}
        )


def _plan_with_routes(session: Session, clinic: Clinic) -> Plan:
    """A draft: t1 visits v1 then v2, t2 visits v3, v4 is unassigned."""
    patient = add_patient(session, clinic)
    visits = [add_visit(session, patient, f"v{number}") for number in range(1, 5)]
    plan = add_plan(session, clinic)
    for index, stops in enumerate([visits[:2], visits[2:3]], start=1):
        route = PlanRoute(therapist=add_therapist(session, clinic, f"t{index}"), travel_s=900)
        route.stops = [
            PlanStop(
                visit=visit,
                position=position,
                arrival_s=9 * 3600,
                start_s=9 * 3600,
                end_s=9 * 3600 + 2700,
                travel_s=300,
                wait_s=0,
            )
            for position, visit in enumerate(stops)
        ]
        plan.routes.append(route)
    plan.unassigned.append(
        PlanUnassigned(visit=visits[3], reason="CAPACITY", message="no room left")
    )
    session.commit()
    return plan


def _counts(session: Session) -> tuple[int | None, ...]:
    tables = (Plan, PlanRoute, PlanStop, PlanUnassigned, Visit)
    return tuple(session.scalar(sa.select(sa.func.count()).select_from(t)) for t in tables)


def test_deleting_a_plan_deletes_its_routes_and_stops(session: Session) -> None:
    plan = _plan_with_routes(session, add_clinic(session))
    assert _counts(session) == (1, 2, 3, 1, 4)
    assert [stop.visit.external_id for stop in plan.routes[0].stops] == ["v1", "v2"]
    session.delete(plan)
    session.commit()
    assert _counts(session) == (0, 0, 0, 0, 4)


def test_the_database_cascades_a_bulk_delete(session: Session) -> None:
    """``ON DELETE CASCADE`` in the schema itself (SQLite enforces it only with the pragma)."""
    _plan_with_routes(session, add_clinic(session))
    session.execute(sa.delete(Plan))
    session.commit()
    assert _counts(session) == (0, 0, 0, 0, 4)


def test_a_stop_of_an_unknown_visit_is_refused(session: Session) -> None:
    plan = _plan_with_routes(session, add_clinic(session))
    route = plan.routes[0]
    session.add(
        PlanStop(
            route=route,
            visit_id=999_999,
            position=7,
            arrival_s=0,
            start_s=0,
            end_s=0,
            travel_s=0,
            wait_s=0,
        )
    )
    with pytest.raises(IntegrityError):
        session.flush()


def test_upgrading_to_0006_gives_every_existing_user_a_salt_of_their_own(engine: Engine) -> None:
    """One shared salt would make it useless: the migration draws one per row."""
    upgrade(engine, "0005")
    with engine.begin() as connection:
        connection.execute(
            sa.text("INSERT INTO clinics (id, name, timezone) VALUES (1, 'A', 'Europe/Andorra')")
        )
        for user_id in (1, 2):
            connection.execute(
                sa.text(
                    "INSERT INTO users (id, clinic_id, email, password_hash, role) "
                    "VALUES (:id, 1, :email, 'x', 'admin')"
                ),
                {"id": user_id, "email": f"u{user_id}@example.org"},
            )
    upgrade(engine)
    with engine.connect() as connection:
        salts = connection.execute(sa.text("SELECT feed_salt FROM users")).scalars().all()
    assert len(salts) == 2
    assert len(set(salts)) == 2
    assert all(len(salt) == 32 for salt in salts)


def _insert_visit(engine: Engine) -> None:
    with engine.begin() as connection:
        for statement in (
            "INSERT INTO clinics (id, name, timezone) VALUES (1, 'A', 'Europe/Andorra')",
            "INSERT INTO patients (id, clinic_id, external_id, name, address, access_notes, "
            "required_skills) VALUES (1, 1, 'p1', 'P', 'Av. X 1', '', '[]')",
            "INSERT INTO visits (id, clinic_id, external_id, patient_id, date, duration_minutes, "
            "windows, skills, priority, status) "
            "VALUES (1, 1, 'v1', 1, '2026-11-30', 45, '[]', '[]', 'normal', 'booked')",
        ):
            connection.execute(sa.text(statement))


_CARE_PLAN = (
    "INSERT INTO care_plans (id, clinic_id, external_id, patient_id, discipline, skills, "
    "visits_per_week, visits_total, duration_minutes, first_date, last_date, weekdays, "
    "windows, weekday_windows, min_days_between, priority, status) VALUES "
    "(1, 1, 'cp1', 1, 'PT', '[]', :per_week, :total, 45, '2026-11-30', :last, "
    "'[\"mon\"]', '[]', '{}', 0, 'normal', 'active')"
)


def test_0009_keeps_the_visits_as_hand_bookings_and_goes_back(engine: Engine) -> None:
    """Upgrading adds care plans beside the stored visits; downgrading drops them again."""
    upgrade(engine, "0008")
    _insert_visit(engine)
    upgrade(engine, "0009")
    with engine.begin() as connection:
        assert connection.execute(sa.text("SELECT care_plan_id FROM visits")).scalar() is None
        values = {"per_week": 1, "total": None, "last": "2026-12-06"}
        connection.execute(sa.text(_CARE_PLAN), values)
        connection.execute(sa.text("UPDATE visits SET care_plan_id = 1"))
    downgrade(engine, "0008")
    assert current_revision(engine) == "0008"
    inspector = sa.inspect(engine)
    assert "care_plans" not in inspector.get_table_names()
    assert "care_plan_id" not in {column["name"] for column in inspector.get_columns("visits")}
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT external_id FROM visits")).scalar() == "v1"


@pytest.mark.parametrize(
    ("per_week", "total", "last"),
    [
        pytest.param(1, 4, "2026-12-06", id="both frequencies"),
        pytest.param(None, None, "2026-12-06", id="no frequency"),
        pytest.param(1, None, "2026-11-29", id="last before first"),
    ],
)
def test_the_database_refuses_a_care_plan_against_its_checks(
    migrated: Engine, per_week: int | None, total: int | None, last: str
) -> None:
    _insert_visit(migrated)
    with pytest.raises(IntegrityError), migrated.begin() as connection:
        connection.execute(
            sa.text(_CARE_PLAN), {"per_week": per_week, "total": total, "last": last}
        )


def test_the_database_keeps_the_visits_of_a_deleted_care_plan(migrated: Engine) -> None:
    _insert_visit(migrated)
    with migrated.begin() as connection:
        values = {"per_week": None, "total": 3, "last": "2026-12-31"}
        connection.execute(sa.text(_CARE_PLAN), values)
        connection.execute(sa.text("UPDATE visits SET care_plan_id = 1"))
        connection.execute(sa.text("DELETE FROM care_plans"))
        kept = connection.execute(sa.text("SELECT id, care_plan_id FROM visits")).one()
    assert tuple(kept) == (1, None)


_THERAPIST_WITH_A_SHIFT = (
    "INSERT INTO clinics (id, name, timezone) VALUES (1, 'A', 'Europe/Andorra')",
    "INSERT INTO therapists (id, clinic_id, external_id, name, discipline, skills, home_lat, "
    "home_lon, travel_mode, max_work_minutes, break_earliest, break_latest_end, "
    "break_minutes, overtime_minutes) VALUES (1, 1, 't1', 'T', 'PT', '[\"PT\"]', 42.5, 1.5, "
    "'car', 480, '11:30:00', '14:00:00', 30, 0)",
    'INSERT INTO weekly_availability (id, therapist_id, weekday, start, "end") '
    "VALUES (1, 1, 0, '08:00:00', '16:30:00')",
)
_HALF_A_BREAK = "UPDATE therapists SET break_minutes = NULL"


def _therapist_row(engine: Engine) -> tuple[object, ...]:
    with engine.connect() as connection:
        therapist = connection.execute(
            sa.text("SELECT external_id, max_work_minutes, break_minutes FROM therapists")
        ).one()
        shifts = connection.execute(sa.text("SELECT count(*) FROM weekly_availability")).scalar()
    return (*therapist, shifts)


def test_0010_adds_an_empty_week_cap_and_goes_back(engine: Engine) -> None:
    """Stored therapists get no cap and keep their shifts and break rule (SQLite rebuilds
    the table); the cap must be positive; downgrading drops it and keeps the therapists."""
    upgrade(engine, "0009")
    with engine.begin() as connection:
        for statement in _THERAPIST_WITH_A_SHIFT:
            connection.execute(sa.text(statement))
    upgrade(engine, "0010")
    assert _therapist_row(engine) == ("t1", 480, 30, 1)
    with engine.begin() as connection:
        assert (
            connection.execute(sa.text("SELECT max_week_minutes FROM therapists")).scalar() is None
        )
        connection.execute(sa.text("UPDATE therapists SET max_week_minutes = 2400"))
    for refused in ("UPDATE therapists SET max_week_minutes = 0", _HALF_A_BREAK):
        with pytest.raises(IntegrityError), engine.begin() as connection:
            connection.execute(sa.text(refused))
    downgrade(engine, "0009")
    assert current_revision(engine) == "0009"
    columns = {column["name"] for column in sa.inspect(engine).get_columns("therapists")}
    assert "max_week_minutes" not in columns
    assert _therapist_row(engine) == ("t1", 480, 30, 1)
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(sa.text(_HALF_A_BREAK))


@pytest.mark.parametrize("minutes", [None, 1, 7 * 24 * 60])
def test_the_database_keeps_no_week_cap_or_a_positive_one(
    session: Session, minutes: int | None
) -> None:
    therapist = add_therapist(session, add_clinic(session))
    therapist.max_week_minutes = minutes
    session.flush()
    stored = session.execute(sa.text("SELECT max_week_minutes FROM therapists")).scalar()
    assert stored == minutes


@pytest.mark.parametrize("minutes", [0, -60])
def test_the_database_refuses_a_week_cap_that_is_not_positive(
    session: Session, minutes: int
) -> None:
    therapist = add_therapist(session, add_clinic(session))
    therapist.max_week_minutes = minutes
    with pytest.raises(IntegrityError):
        session.flush()


def test_0011_links_day_plans_to_a_week_and_goes_back(engine: Engine) -> None:
    """Stored plans belong to no week; downgrading drops the weeks and keeps the plans."""
    upgrade(engine, "0010")
    _insert_visit(engine)
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO plans (id, clinic_id, date, version, status, parameters, violations,"
                " created_at) VALUES (1, 1, '2026-11-30', 1, 'draft', '{}', '[]',"
                " '2026-11-29 10:00:00+00:00')"
            )
        )
    upgrade(engine, "0011")
    with engine.begin() as connection:
        assert connection.execute(sa.text("SELECT week_plan_id FROM plans")).scalar() is None
        connection.execute(
            sa.text(
                "INSERT INTO week_plans (id, clinic_id, first_date, last_date, status,"
                " parameters, unplaced, kpis, solver_stats, created_at) VALUES (1, 1,"
                " '2026-11-30', '2026-12-06', 'done', '{}', '[]', '{}', '{}',"
                " '2026-11-29 10:00:00+00:00')"
            )
        )
        connection.execute(sa.text("UPDATE plans SET week_plan_id = 1"))
    downgrade(engine, "0010")
    inspector = sa.inspect(engine)
    assert "week_plans" not in inspector.get_table_names()
    assert "week_plan_id" not in {column["name"] for column in inspector.get_columns("plans")}
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM plans")).scalar() == 1


def test_0011_keeps_the_solve_jobs_under_an_id_of_their_own_and_goes_back(
    engine: Engine,
) -> None:
    """A day plan's job stored before the upgrade is still there after it, with its input,
    and gets an id; downgrading keeps it and drops a week plan's job with its week."""
    upgrade(engine, "0010")
    _insert_visit(engine)
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO plans (id, clinic_id, date, version, status, parameters, violations,"
                " created_at) VALUES (7, 1, '2026-11-30', 1, 'solving', '{}', '[]',"
                " '2026-11-29 10:00:00+00:00')"
            )
        )
        connection.execute(
            sa.text(
                "INSERT INTO plan_jobs (plan_id, clinic_id, input, state, attempts, owner,"
                " lease_until, queued_at, created_at) VALUES (7, 1, :input, 'running', 1, 'w1',"
                " '2026-11-29 10:00:15+00:00', NULL, '2026-11-29 10:00:00+00:00')"
            ),
            {"input": b"\x00pickled"},
        )
    upgrade(engine, "0011")
    with engine.begin() as connection:
        job = connection.execute(
            sa.text("SELECT id, plan_id, week_plan_id, input, state, attempts FROM plan_jobs")
        ).one()
        assert (job.plan_id, job.week_plan_id, bytes(job.input), job.state, job.attempts) == (
            7,
            None,
            b"\x00pickled",
            "running",
            1,
        )
        assert job.id is not None
        connection.execute(
            sa.text(
                "INSERT INTO week_plans (id, clinic_id, first_date, last_date, status,"
                " parameters, unplaced, created_at) VALUES (1, 1, '2026-11-30', '2026-12-06',"
                " 'solving', '{}', '[]', '2026-11-29 10:00:00+00:00')"
            )
        )
        connection.execute(
            sa.text(
                "INSERT INTO plan_jobs (week_plan_id, clinic_id, input, state, attempts,"
                " created_at) VALUES (1, 1, :input, 'waiting', 0, '2026-11-29 10:00:00+00:00')"
            ),
            {"input": b"week"},
        )
    downgrade(engine, "0010")
    with engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT plan_id, state FROM plan_jobs")).all()
    assert [tuple(row) for row in rows] == [(7, "running")]


def test_a_job_is_of_a_day_plan_or_of_a_week_plan(session: Session) -> None:
    clinic = add_clinic(session)
    plan = add_plan(session, clinic, PlanStatus.SOLVING)
    week = WeekPlan(clinic=clinic, first_date=DAY, last_date=DAY)
    session.add(week)
    session.flush()
    for plan_id, week_plan_id in ((None, None), (plan.id, week.id)):
        with session.begin_nested():
            session.add(
                PlanJob(plan_id=plan_id, week_plan_id=week_plan_id, clinic_id=clinic.id, input=b"")
            )
            with pytest.raises(IntegrityError):
                session.flush()
