"""Route versions: every commit that may change what a therapist sees raises its clinic's
``routes_version``, in the same transaction.

What a therapist sees of a published day (``/me/route``, the calendar feed) is read from
published and superseded plans, the visits and patients on them, the therapist and the
clinic. Published plans are never edited (only drafts are), so a commit changes a route
exactly when it changes a plan's status into or out of ``published`` / ``superseded``,
deletes such a plan, or changes a visit, patient, therapist or clinic row. Session events
collect the clinics of those rows, from the unit of work and from ORM bulk
``update()`` / ``delete()`` statements (read with the statement's own ``WHERE`` first), and
raise each clinic's version just before the commit. The row lock that takes is held only
while committing, and clinics are locked in id order, so it adds no deadlock.

The same events note users whose logins changed (a user row, or a token revoked). On
PostgreSQL the commit also sends both, with the new versions, as a ``NOTIFY`` on
``channel_name(schema)``: PostgreSQL delivers it when, and only if, the commit lands, to
every server that listens (``api.caching``), whichever process wrote.

Writes that bypass the ORM session (Core statements on a bare connection) are not seen:
this code base writes those only to tables that no route shows (caches, the outbox).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from itertools import chain
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session, attributes
from sqlalchemy.orm.util import identity_key

from scheduler.models.clinic import Clinic
from scheduler.models.patients import Patient
from scheduler.models.plans import Plan, PlanStatus
from scheduler.models.therapists import Therapist
from scheduler.models.users import ApiToken, User
from scheduler.models.visits import Visit

if TYPE_CHECKING:
    from collections.abc import Iterable

    from sqlalchemy.engine import Connection
    from sqlalchemy.orm import ORMExecuteState, SessionTransaction, UOWTransaction

# The statuses whose plans a therapist sees: the published one, the superseded ones that
# its list of changes compares with.
SHOWN = frozenset({PlanStatus.PUBLISHED, PlanStatus.SUPERSEDED})
_CLINICS = "homevisit.changed_clinics"
_USERS = "homevisit.changed_users"
CHANNEL_PREFIX = "homevisit."
# PostgreSQL refuses a NOTIFY payload of 8000 bytes or more.
MAX_PAYLOAD = 7900
_BY_CLINIC: tuple[type[Visit | Patient | Therapist], ...] = (Visit, Patient, Therapist)


def _noted(session: Session, key: str) -> set[int]:
    noted: set[int] = session.info.setdefault(key, set())
    return noted


def _plan_shown(plan: Plan) -> bool:
    history = attributes.get_history(plan, "status")
    return any(status in SHOWN for status in chain(history.sum(), [plan.status]))


@event.listens_for(Session, "after_flush")
def _note_flushed(session: Session, _context: UOWTransaction) -> None:
    # After the flush, session.new / dirty / deleted still list what it wrote.
    clinics, users = _noted(session, _CLINICS), _noted(session, _USERS)
    for row in chain(session.dirty, session.deleted):
        if row not in session.deleted and not session.is_modified(row, include_collections=False):
            continue
        if isinstance(row, _BY_CLINIC):
            clinics.add(row.clinic_id)
        elif isinstance(row, Clinic):
            clinics.add(row.id)
        elif isinstance(row, User):
            users.add(row.id)
        elif isinstance(row, ApiToken):
            users.add(row.user_id)
    # A new plan enters a day's list of versions once it is published or superseded.
    for row in chain(session.new, session.dirty, session.deleted):
        if isinstance(row, Plan) and _plan_shown(row):
            clinics.add(row.clinic_id)


@event.listens_for(Session, "do_orm_execute")
def _note_bulk(state: ORMExecuteState) -> None:
    if not (state.is_update or state.is_delete) or state.bind_mapper is None:
        return
    entity = state.bind_mapper.class_
    where = state.statement.whereclause  # type: ignore[attr-defined]
    keys: dict[type[Any], tuple[Any, str]] = {
        Visit: (Visit.clinic_id, _CLINICS),
        Patient: (Patient.clinic_id, _CLINICS),
        Therapist: (Therapist.clinic_id, _CLINICS),
        Clinic: (Clinic.id, _CLINICS),
        Plan: (Plan.clinic_id, _CLINICS),
        User: (User.id, _USERS),
        ApiToken: (ApiToken.user_id, _USERS),
    }
    if entity not in keys:
        return
    column, key = keys[entity]
    query = sa.select(column).distinct()
    if where is not None:
        query = query.where(where)
    if entity is Plan:
        # Bulk updates of plans (job status, progress) touch solving plans only.
        query = query.where(Plan.status.in_(SHOWN))
    _noted(state.session, key).update(state.session.execute(query).scalars())


@event.listens_for(Session, "before_commit")
def _raise_versions(session: Session) -> None:
    session.flush()  # the commit's own flush comes after this event: count its rows now
    clinics = sorted(session.info.pop(_CLINICS, ()))
    users = frozenset(session.info.pop(_USERS, ()))
    if not clinics and not users:
        return
    connection = session.connection()
    versions = {clinic_id: _raise(connection, clinic_id) for clinic_id in clinics}
    for clinic_id, version in versions.items():
        held = session.identity_map.get(identity_key(Clinic, clinic_id))
        if held is not None and version is not None:
            attributes.set_committed_value(held, "routes_version", version)
    if connection.dialect.name == "postgresql":
        connection.execute(
            sa.text("SELECT pg_notify(:prefix || current_schema(), :payload)"),
            {"prefix": CHANNEL_PREFIX, "payload": change_payload(versions, users)},
        )


def _raise(connection: Connection, clinic_id: int) -> int | None:
    """The clinic's new version (None: no such clinic, it was deleted)."""
    # On the connection, not the session: an ORM update of clinics would be noted again.
    # One row a statement, in id order: the order the locks are taken in.
    table = Clinic.__table__
    assert isinstance(table, sa.Table)
    version: int | None = connection.scalar(
        table.update()
        .where(table.c.id == clinic_id)
        .values(routes_version=table.c.routes_version + 1)
        .returning(table.c.routes_version)
    )
    return version


def channel_name(schema: str) -> str:
    """The PostgreSQL notification channel of the database schema ``schema``."""
    return CHANNEL_PREFIX + schema


def change_payload(versions: dict[int, int | None], users: Iterable[int]) -> str:
    """The notification of a commit: ``{"clinics": {id: version}, "users": [id]}``, or
    ``{"all": true}`` where that would pass PostgreSQL's limit on a payload."""
    payload = json.dumps(
        {"clinics": {str(k): v for k, v in versions.items()}, "users": sorted(users)},
        separators=(",", ":"),
    )
    return payload if len(payload) < MAX_PAYLOAD else '{"all":true}'


@dataclass(frozen=True)
class Change:
    """A notification read back: the clinics' new versions (None: the clinic is gone), the
    users whose logins changed; ``everything``: anything may have changed; ``marker``: a
    listener's own probe (``sync_payload``), nothing changed."""

    clinic_versions: dict[int, int | None] = field(default_factory=dict)
    user_ids: frozenset[int] = frozenset()
    everything: bool = False
    marker: str | None = None


def sync_payload(marker: str) -> str:
    """A notification that changes nothing: a listener waits for it to know it is level."""
    return json.dumps({"sync": marker})


def read_payload(payload: str) -> Change:
    """The change a notification announces; one that cannot be read counts as everything."""
    try:
        data = json.loads(payload)
        if "sync" in data:
            return Change(marker=str(data["sync"]))
        if data.get("all"):
            return Change(everything=True)
        versions = {int(k): v for k, v in data.get("clinics", {}).items()}
        return Change(versions, frozenset(int(user) for user in data.get("users", ())))
    except (ValueError, TypeError, AttributeError):
        return Change(everything=True)


@event.listens_for(Session, "after_soft_rollback")
def _forget(session: Session, previous: SessionTransaction) -> None:
    # Only the whole transaction: a savepoint rolled back leaves the outer changes, and
    # noting too much costs a needless new version, noting too little a stale cache.
    if previous.parent is None:
        session.info.pop(_CLINICS, None)
        session.info.pop(_USERS, None)
