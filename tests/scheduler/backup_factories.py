"""A clinic with something in every table a backup holds, and what the backup tests compare.

``canonical`` is a dump with the ids taken out: each row's id becomes its position in its
table, and each reference the position of the row it names, so two dumps of the same
records in databases that gave them different ids compare equal.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from argon2 import PasswordHasher

from scheduler.accounts.tokens import issue_token
from scheduler.backup.rules import JSON_WITH_IDS
from scheduler.models import (
    Base,
    CarePlan,
    Clinic,
    Plan,
    PlanStatus,
    Role,
    ShiftException,
    ShiftExceptionKind,
    Therapist,
    User,
    VisitStatus,
)
from tests.scheduler.factories import (
    DAY,
    add_clinic,
    add_patient,
    add_plan,
    add_therapist,
    add_visit,
)
from tests.scheduler.outbox_factories import published_day
from tests.scheduler.planning_factories import add_routed_plan, clock

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from scheduler.backup import ClinicBackup

SECRET_KEY = "backup-test-secret-key"
PASSWORD = "correct horse battery"
THERAPIST_EMAIL = "t1@clinic.example"
H = 3600


@functools.cache
def _password_hash() -> str:
    # One real argon2 hash for every login: hashing costs about a quarter of a second.
    return PasswordHasher().hash(PASSWORD)


def add_login(
    session: Session, clinic: Clinic, email: str, role: Role, therapist: Therapist | None = None
) -> User:
    """A login whose password is ``PASSWORD``."""
    user = User(
        clinic=clinic, email=email, password_hash=_password_hash(), role=role, therapist=therapist
    )
    session.add(user)
    session.flush()
    return user


@dataclass(frozen=True)
class BackedUp:
    """The ids of the records the tests look for after a restore."""

    clinic_id: int
    published_id: int
    replan_id: int


def add_backed_up_clinic(session: Session) -> BackedUp:
    """The small day of the planning tests, published (its outbox written), plus: logins
    with a token, patient preferences and exclusions, a pin and fixed start, a changed
    shift, a check-in, a care plan that a visit was booked for, and a re-planned draft
    whose ``replan`` names the published plan and a visit by database id (as an accepted
    suggestion does)."""
    day, published = published_day(session)
    t1, t2, t3 = (day.therapists[key] for key in ("t1", "t2", "t3"))
    v = day.visits
    v["v1"].patient.preferred_therapists = [t1]
    v["v2"].patient.excluded_therapists = [t2]
    v["v2"].pinned_therapist = t1
    v["v2"].fixed_start = clock("10:00")
    v["v1"].status = VisitStatus.IN_PROGRESS
    v["v1"].checked_in_at = dt.datetime(2026, 11, 30, 8, 58, 30, tzinfo=dt.UTC)
    t2.exceptions = [
        ShiftException(
            date=DAY + dt.timedelta(days=1),
            kind=ShiftExceptionKind.CHANGED,
            start=clock("10:00"),
            end=clock("14:00"),
        )
    ]
    t3.max_visits, t3.max_work_minutes, t3.overtime_minutes = 6, 420, 15
    t3.max_week_minutes = 2100
    v["v1"].care_plan = CarePlan(
        clinic=day.clinic,
        external_id="cp1",
        patient=v["v1"].patient,
        discipline="PT",
        visits_per_week=2,
        duration_minutes=45,
        first_date=DAY,
        last_date=DAY + dt.timedelta(days=13),
        weekdays=["mon", "thu"],
        weekday_windows={"thu": [{"start": "13:00", "end": "15:00"}]},
        primary_therapist=t1,
        preferred_therapists=[t3],
    )
    admin = add_login(session, day.clinic, "admin@clinic.example", Role.ADMIN)
    add_login(session, day.clinic, "coord@clinic.example", Role.COORDINATOR)
    add_login(session, day.clinic, THERAPIST_EMAIL, Role.THERAPIST, t1)
    issue_token(session, SECRET_KEY, admin)
    replan = add_routed_plan(
        session,
        day.clinic,
        {t1: [(v["v1"], 9 * H), (v["v4"], 11 * H)], t2: [(v["v3"], 13 * H)]},
        (v["v2"],),
    )
    replan.replan = {
        "from_plan": published.id,
        "now": "10:00",
        "promised_minutes": 30,
        "events": [
            {"kind": "visit_added", "visit_id": v["v4"].id, "therapist_id": "t1"},
            {"kind": "visit_cancelled", "visit_id": "v2"},
        ],
        "changes": [{"visit_id": "v2", "change": "unassigned"}],
        "notify": {"therapists": ["t1"], "visits": ["v2"]},
    }
    replan.violations = [
        {"kind": "window", "message": "late", "therapist_id": "t1", "visit_id": "v4"}
    ]
    session.flush()
    return BackedUp(day.clinic.id, published.id, replan.id)


def add_other_clinic(session: Session, name: str, therapists: int = 3) -> Clinic:
    """A clinic with a few records and a published plan, to sit next to the backed-up one."""
    clinic = add_clinic(session, name)
    staff = [add_therapist(session, clinic, f"o{index}") for index in range(therapists)]
    visit = add_visit(session, add_patient(session, clinic, "op1"), "ov1")
    add_routed_plan(session, clinic, {staff[0]: [(visit, 9 * H)]}, status=PlanStatus.PUBLISHED)
    add_plan(session, clinic)
    add_login(session, clinic, f"admin@{len(name)}.example", Role.ADMIN)
    return clinic


def published_plan(session: Session, clinic_id: int) -> Plan:
    """The clinic's one published plan."""
    return session.scalars(
        sa.select(Plan).where(Plan.clinic_id == clinic_id, Plan.status == PlanStatus.PUBLISHED)
    ).one()


def canonical(backup: ClinicBackup) -> dict[str, list[list[Any]]]:
    """The backup's rows with every id replaced by a row position (see the module)."""
    positions: dict[str, dict[int, int]] = {}
    for name, table in backup.tables.items():
        key = Base.metadata.tables[name].primary_key.columns
        if len(key) == 1 and not next(iter(key)).foreign_keys:
            at = table.columns.index(next(iter(key)).name)
            positions[name] = {row[at]: index for index, row in enumerate(table.rows)}
    result = {}
    for name, table in backup.tables.items():
        result[name] = [_canonical_row(name, table.columns, row, positions) for row in table.rows]
    return result


def _canonical_row(
    name: str, columns: tuple[str, ...], row: list[Any], positions: dict[str, dict[int, int]]
) -> list[Any]:
    table = Base.metadata.tables[name]
    values = []
    for column_name, value in zip(columns, row, strict=True):
        column = table.columns[column_name]
        references = [key.column.table.name for key in column.foreign_keys]
        if column.primary_key and not column.foreign_keys:
            value = positions[name][value]
        elif references and value is not None:
            value = positions[references[0]][value]
        elif (name, column_name) in JSON_WITH_IDS:
            value = JSON_WITH_IDS[name, column_name].rewrite(
                value, lambda referred, old: positions[referred][old]
            )
        values.append(value)
    return values
