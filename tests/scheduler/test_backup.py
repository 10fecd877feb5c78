"""``dump_clinic`` and ``restore_clinic`` on one database engine at a time (SQLite and
PostgreSQL): what a backup holds, the new ids of a restore next to other clinics, and the
restores that are refused without writing anything."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from scheduler.accounts.tokens import log_in
from scheduler.backup import dump_clinic, restore_clinic
from scheduler.backup.fileformat import decode_backup, encode_backup
from scheduler.backup.rules import DUMPED
from scheduler.db.engine import head_revision
from scheduler.errors import Conflict, InvalidRequest
from scheduler.models import (
    ApiToken,
    Base,
    Clinic,
    OutboxMessage,
    Patient,
    Plan,
    Therapist,
    User,
    Visit,
)
from tests.scheduler.backup_factories import (
    PASSWORD,
    SECRET_KEY,
    THERAPIST_EMAIL,
    add_backed_up_clinic,
    add_other_clinic,
    canonical,
    published_plan,
)

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

    from scheduler.backup import ClinicBackup
    from tests.scheduler.backup_factories import BackedUp


def _backed_up(session: Session) -> tuple[BackedUp, ClinicBackup]:
    """The clinic stored between two others, and its dump."""
    add_other_clinic(session, "Before")
    records = add_backed_up_clinic(session)
    add_other_clinic(session, "After")
    session.flush()
    return records, dump_clinic(session, records.clinic_id)


def _row_counts(connection: Session | Connection) -> dict[str, int]:
    return {
        name: connection.scalar(sa.select(sa.func.count()).select_from(table)) or 0
        for name, table in Base.metadata.tables.items()
    }


def test_a_dump_holds_every_dumped_table_and_only_the_clinics_rows(session: Session) -> None:
    records, backup = _backed_up(session)
    assert list(backup.tables) == [t.name for t in Base.metadata.sorted_tables if t.name in DUMPED]
    counts = backup.counts()
    assert counts["clinics"] == 1
    assert (counts["therapists"], counts["patients"], counts["visits"]) == (3, 5, 5)
    assert (counts["users"], counts["plans"], counts["plan_routes"]) == (3, 2, 4)
    assert counts["patient_preferred_therapists"] == counts["patient_excluded_therapists"] == 1
    assert counts["shift_exceptions"] == 2
    assert counts["care_plans"] == counts["care_plan_preferred_therapists"] == 1
    clinic_ids = {row[1] for row in backup.tables["therapists"].rows}
    assert clinic_ids == {records.clinic_id}
    # The file form: what the database returned, as JSON scalars.
    visit = dict(zip(backup.tables["visits"].columns, backup.tables["visits"].rows[0], strict=True))
    assert visit["date"] == "2026-11-30"
    assert visit["checked_in_at"] == "2026-11-30T08:58:30+00:00"
    assert visit["windows"] == [{"start": "09:00", "end": "11:00"}]


def test_a_restore_next_to_other_clinics_gets_new_ids_and_keeps_theirs(session: Session) -> None:
    records, backup = _backed_up(session)
    before = {
        clinic.name: canonical(dump_clinic(session, clinic.id))
        for clinic in session.scalars(sa.select(Clinic))
    }
    report = restore_clinic(session, backup, "Copy")
    assert report.clinic_id != records.clinic_id
    assert report.rows["visits"] == 5
    for clinic in session.scalars(sa.select(Clinic).where(Clinic.name != "Copy")):
        assert canonical(dump_clinic(session, clinic.id)) == before[clinic.name]
    copy = dump_clinic(session, report.clinic_id)
    assert copy.clinic == "Copy"
    expected = canonical(backup)
    expected["clinics"][0][1] = "Copy"  # the name, the one value --as changes
    assert canonical(copy) == expected


def test_restored_references_lead_to_the_restored_rows(session: Session) -> None:
    records, backup = _backed_up(session)
    clinic_id = restore_clinic(session, backup, "Copy").clinic_id
    published = published_plan(session, clinic_id)
    stops = [stop for route in published.routes for stop in route.stops]
    assert {stop.visit.clinic_id for stop in stops} == {clinic_id}
    assert {route.therapist.clinic_id for route in published.routes} == {clinic_id}
    patient = session.scalars(
        sa.select(Patient).where(Patient.clinic_id == clinic_id, Patient.external_id == "p1")
    ).one()
    assert [t.clinic_id for t in patient.preferred_therapists] == [clinic_id]
    draft = session.scalars(
        sa.select(Plan).where(Plan.clinic_id == clinic_id, Plan.replan.is_not(None))
    ).one()
    assert draft.replan is not None
    assert draft.replan["from_plan"] == published.id != records.published_id
    added = session.get_one(Visit, draft.replan["events"][0]["visit_id"])
    assert (added.clinic_id, added.external_id) == (clinic_id, "v4")
    assert draft.replan["events"][1] == {"kind": "visit_cancelled", "visit_id": "v2"}


def test_the_therapists_caps_come_back(session: Session) -> None:
    """The day's and the week's working-time caps: set on t3, empty on the others."""
    _, backup = _backed_up(session)
    therapists = backup.tables["therapists"]
    caps = [therapists.columns.index(name) for name in ("max_work_minutes", "max_week_minutes")]
    in_file = [[row[at] for at in caps] for row in therapists.rows]
    assert in_file == [[None, None], [None, None], [420, 2100]]
    clinic_id = restore_clinic(session, backup, "Copy").clinic_id
    restored = session.scalars(
        sa.select(Therapist).where(Therapist.clinic_id == clinic_id).order_by(Therapist.id)
    )
    assert [[t.max_work_minutes, t.max_week_minutes] for t in restored] == in_file


def test_a_restored_user_logs_in_but_tokens_and_outbox_stay_behind(session: Session) -> None:
    records, backup = _backed_up(session)
    source = [
        session.scalar(sa.select(sa.func.count()).select_from(ApiToken)),
        session.scalar(
            sa.select(sa.func.count()).where(OutboxMessage.clinic_id == records.clinic_id)
        ),
    ]
    assert source[0] == 1
    assert source[1]
    assert "api_tokens" not in backup.tables
    assert "outbox_messages" not in backup.tables
    clinic_id = restore_clinic(session, backup, "Copy").clinic_id
    users = list(session.scalars(sa.select(User).where(User.clinic_id == clinic_id)))
    assert not session.scalars(
        sa.select(ApiToken).where(ApiToken.user_id.in_([u.id for u in users]))
    ).all()
    assert not session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.clinic_id == clinic_id)
    ).all()
    issued = log_in(session, SECRET_KEY, THERAPIST_EMAIL, PASSWORD, clinic_id)
    assert issued.token
    user = session.scalars(
        sa.select(User).where(User.email == THERAPIST_EMAIL, User.clinic_id == clinic_id)
    ).one()
    assert user.therapist is not None
    assert (user.therapist.clinic_id, user.therapist.external_id) == (clinic_id, "t1")


def test_a_clinic_that_exists_is_refused_and_nothing_is_written(session: Session) -> None:
    _, backup = _backed_up(session)
    counts = _row_counts(session)
    with pytest.raises(Conflict, match="'Clinica Andorra' already exists"):
        restore_clinic(session, backup)
    assert _row_counts(session) == counts


def test_a_reference_out_of_the_backup_is_refused_by_field(session: Session) -> None:
    _, backup = _backed_up(session)
    stops = backup.tables["plan_stops"]
    stops.rows[2][stops.columns.index("visit_id")] = 999_999
    counts = _row_counts(session)
    with pytest.raises(InvalidRequest) as refused:
        restore_clinic(session, backup, "Copy")
    assert [str(fault) for fault in refused.value.errors] == [
        "plan_stops[2].visit_id: refers to visits 999999, which the backup does not hold"
    ]
    assert _row_counts(session) == counts


def test_a_row_the_database_refuses_undoes_the_whole_restore(migrated: Engine) -> None:
    """Two published plans of one date pass the file's checks (the rule is a partial
    index), and the database refuses the second after every earlier table is written."""
    with Session(migrated) as session:
        _, backup = _backed_up(session)
        session.commit()
    plans = backup.tables["plans"]
    status = plans.columns.index("status")
    for row in plans.rows:
        row[status] = "published"
    backup = decode_backup(encode_backup(backup))
    with migrated.connect() as connection:
        counts = _row_counts(connection)
    with Session(migrated) as session:
        with pytest.raises(Conflict, match="the database refused the backup's rows"):
            restore_clinic(session, backup, "Copy")
        session.rollback()
    with migrated.connect() as connection:
        assert _row_counts(connection) == counts


def test_a_backup_of_another_schema_revision_is_refused(session: Session) -> None:
    _, backup = _backed_up(session)
    older = dataclasses.replace(backup, schema_revision="0004")
    with pytest.raises(InvalidRequest) as refused:
        restore_clinic(session, older, "Copy")
    (fault,) = refused.value.errors
    assert fault.field == "schema_revision"
    assert f"revision 0004, this homevisit's is {head_revision()}" in fault.message
