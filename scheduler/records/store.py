"""What every record service needs: a page of a query and its filters, the clinic's record
by id, a free external id, create, update and delete, a commit that turns a lost race into a
``Conflict``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import IntegrityError

from scheduler.errors import Conflict, FieldError, InvalidRequest, NotFound
from scheduler.models import (
    CarePlan,
    Patient,
    PlanRoute,
    PlanStop,
    PlanUnassigned,
    Therapist,
    Visit,
)
from scheduler.records.inputs import UNSET, RecordFields, Unset

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Callable, Collection

    from sqlalchemy.orm import InstrumentedAttribute, Session

T = TypeVar("T")
R = TypeVar("R", Therapist, Patient, Visit, CarePlan)
F = TypeVar("F", bound=RecordFields)
M = TypeVar("M")

# Ids are PostgreSQL ``integer`` columns: a larger number cannot name a record.
MAX_ID = 2**31 - 1
DEFAULT_LIMIT = 50
MAX_LIMIT = 500
MAX_OFFSET = 2**31 - 1


@dataclass(frozen=True)
class Page(Generic[T]):
    """``items`` from ``offset`` on, at most ``limit`` of them; ``total`` counts every match."""

    items: list[T]
    total: int
    limit: int
    offset: int


def fetch_page(session: Session, query: sa.Select[T], limit: int, offset: int) -> Page[T]:
    """One page of ``query`` (which must be ordered) and the count of all its rows."""
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidRequest.single("limit", f"must be between 1 and {MAX_LIMIT}, got {limit}")
    if not 0 <= offset <= MAX_OFFSET:
        raise InvalidRequest.single("offset", f"must be between 0 and {MAX_OFFSET}, got {offset}")
    total = session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery()))
    items = list(session.scalars(query.limit(limit).offset(offset)))
    return Page(items, total or 0, limit, offset)


def get_by_id(session: Session, model: type[M], record_id: int) -> M | None:
    """The row of ``model`` with this id, or None; an id out of the column's range names
    none (PostgreSQL would refuse it rather than find nothing)."""
    return session.get(model, record_id) if 1 <= record_id <= MAX_ID else None


def get_owned(session: Session, model: type[R], clinic_id: int, record_id: int, noun: str) -> R:
    """The clinic's record; ``NotFound`` for a missing one and for another clinic's alike."""
    record = get_by_id(session, model, record_id)
    if record is None or record.clinic_id != clinic_id:
        raise NotFound(f"{noun} {record_id} not found")
    return record


def owned_ids(
    session: Session, model: type[R], clinic_id: int, ids: Collection[int], field: str, noun: str
) -> tuple[dict[int, R], list[FieldError]]:
    """The clinic's records with these ids, by id, and an error for each id that is not one."""
    wanted = sorted({record_id for record_id in ids if 1 <= record_id <= MAX_ID})
    query = sa.select(model).where(model.clinic_id == clinic_id, model.id.in_(wanted))
    found = {record.id: record for record in session.scalars(query)} if wanted else {}
    errors = [
        FieldError(f"{field}[{index}]", f"no {noun} with id {record_id} in this clinic")
        for index, record_id in enumerate(ids)
        if record_id not in found
    ]
    return found, errors


def owned_reference(
    session: Session,
    clinic_id: int,
    name: str,
    record_id: int | Unset | None,
    model: type[R],
    noun: str,
) -> tuple[R | None, list[FieldError]]:
    """The clinic's record that the field ``name`` (``record_id``) names, None if it names
    none, and its fault."""
    if record_id is None or record_id is UNSET:
        return None, []
    found, faults = owned_ids(session, model, clinic_id, [record_id], name, noun)
    return found.get(record_id), [FieldError(name, fault.message) for fault in faults]


def check_external_id_free(
    session: Session,
    model: type[R],
    clinic_id: int,
    external_id: str,
    noun: str,
    record_id: int | None = None,
) -> None:
    """``Conflict`` if another record of the clinic has ``external_id``."""
    query = sa.select(model.id).where(
        model.clinic_id == clinic_id, model.external_id == external_id
    )
    taken = session.scalar(query)
    if taken is not None and taken != record_id:
        raise Conflict(
            f"a {noun} with external_id {external_id!r} already exists in this clinic (id {taken})"
        )


@dataclass(frozen=True)
class Kind(Generic[R]):
    """A kind of record: its entity and its name in messages."""

    model: type[R]
    noun: str


def create_record(
    session: Session,
    kind: Kind[R],
    record: R,
    fields: F,
    apply: Callable[[R, F], None],
    commit_now: bool = True,
) -> R:
    """Store the new ``record`` (of its clinic) with ``fields`` set by ``apply``;
    ``InvalidRequest`` if a required field is missing, ``Conflict`` if the external id is
    taken. Unless ``commit_now``, it is only flushed: the caller commits it with its other
    changes, or rolls them all back."""
    errors = fields.missing()
    if errors or isinstance(fields.external_id, Unset):
        raise InvalidRequest(errors)
    check_external_id_free(session, kind.model, record.clinic_id, fields.external_id, kind.noun)
    apply(record, fields)
    session.add(record)
    if commit_now:
        commit(session, f"{kind.noun} {fields.external_id!r}")
    else:
        session.flush()
    return record


def update_record(
    session: Session, kind: Kind[R], record: R, changes: F, apply: Callable[[R, F], None]
) -> R:
    """Set the fields given in ``changes`` with ``apply``; ``Conflict`` if a new external id
    is taken."""
    if not isinstance(changes.external_id, Unset):
        check_external_id_free(
            session, kind.model, record.clinic_id, changes.external_id, kind.noun, record.id
        )
    apply(record, changes)
    commit(session, f"{kind.noun} {record.external_id!r}")
    return record


def set_columns(record: R, fields: RecordFields, columns: Collection[str]) -> None:
    """Copy the given ``fields`` that are plain ``columns`` of the record onto it."""
    for name, value in fields.given().items():
        if name in columns:
            setattr(record, name, value)


def delete_record(session: Session, kind: Kind[R], record: R, plans: int, held: str) -> None:
    """Delete ``record`` unless ``plans`` stored plans hold it (``held`` says how): their
    references have no cascade, and a plan keeps the records it was made of."""
    if plans:
        raise Conflict(
            f"{kind.noun} {record.external_id!r} cannot be deleted: {stored_plans(plans)} {held}"
        )
    session.delete(record)
    commit(session, f"deleting {kind.noun} {record.external_id!r}")


def text_search(q: str, *columns: InstrumentedAttribute[str]) -> sa.ColumnElement[bool]:
    """Whether ``q`` is a part (in any case) of one of the text ``columns``."""
    return sa.or_(*(column.icontains(q, autoescape=True) for column in columns))


def in_dates(
    query: sa.Select[T],
    column: InstrumentedAttribute[dt.date],
    date_from: dt.date | None,
    date_to: dt.date | None,
) -> sa.Select[T]:
    """``query`` narrowed to ``column`` from ``date_from`` to ``date_to`` (both included);
    ``InvalidRequest`` if the range ends before it starts."""
    if date_from is not None and date_to is not None and date_to < date_from:
        raise InvalidRequest.single("date_to", f"{date_to} is before date_from {date_from}")
    if date_from is not None:
        query = query.where(column >= date_from)
    if date_to is not None:
        query = query.where(column <= date_to)
    return query


def commit(session: Session, what: str) -> None:
    """Commit; a key or reference broken by another writer meanwhile becomes a ``Conflict``."""
    try:
        session.commit()
    except IntegrityError as error:
        session.rollback()
        raise Conflict(f"{what} clashes with a change stored meanwhile; try again") from error


def plans_with_therapist(session: Session, therapist_id: int) -> int:
    """How many stored plans have a route of this therapist."""
    query = sa.select(sa.func.count(PlanRoute.plan_id.distinct())).where(
        PlanRoute.therapist_id == therapist_id
    )
    return session.scalar(query) or 0


def plans_with_visits(session: Session, visit_ids: sa.Select[int]) -> int:
    """How many stored plans route these visits or list them as unassigned."""
    routed = (
        sa.select(PlanRoute.plan_id)
        .join(PlanStop, PlanStop.route_id == PlanRoute.id)
        .where(PlanStop.visit_id.in_(visit_ids))
    )
    left_out = sa.select(PlanUnassigned.plan_id).where(PlanUnassigned.visit_id.in_(visit_ids))
    plans = sa.union(routed, left_out).subquery()
    return session.scalar(sa.select(sa.func.count()).select_from(plans)) or 0


def stored_plans(count: int) -> str:
    """``1 stored plan has`` or ``3 stored plans have``, to start a sentence's object."""
    return f"{count} stored plan has" if count == 1 else f"{count} stored plans have"


def json_list_contains(
    session: Session, column: InstrumentedAttribute[list[str]], item: str
) -> sa.ColumnElement[bool]:
    """Whether the JSON list in ``column`` holds ``item`` (exactly), on either engine."""
    if session.get_bind().dialect.name == "postgresql":
        return sa.cast(column, postgresql.JSONB).contains([item])
    values = sa.func.json_each(column).table_valued("value")
    return sa.exists(sa.select(1).select_from(values).where(values.c.value == item))


def unique(items: Collection[T]) -> list[T]:
    """The items without repeats, in their first order."""
    return list(dict.fromkeys(items))
