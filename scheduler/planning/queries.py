"""Reading plans, locking one for a change, and turning lost races into ``Conflict``."""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import selectinload

from scheduler.errors import Conflict, NotFound, SchedulerError
from scheduler.models import Clinic, Plan, PlanRoute, PlanStatus, PlanStop, PlanUnassigned, Visit

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Collection, Iterator, Sequence

    from sqlalchemy.orm import Session


# PostgreSQL's serialization failure and deadlock: another transaction won.
_LOST_RACE_SQLSTATES = frozenset({"40001", "40P01"})


def _with_routes() -> tuple[sa.orm.interfaces.LoaderOption, ...]:
    routes = selectinload(Plan.routes)
    return (
        routes.selectinload(PlanRoute.therapist),
        routes.selectinload(PlanRoute.stops)
        .selectinload(PlanStop.visit)
        .selectinload(Visit.patient),
        selectinload(Plan.unassigned)
        .selectinload(PlanUnassigned.visit)
        .selectinload(Visit.patient),
    )


def get_plan(session: Session, clinic_id: int, plan_id: int) -> Plan:
    """One plan with its routes, stops and unassigned visits.

    Parameters
    ----------
    session
        The database session.
    clinic_id
        The caller's clinic: a plan of another clinic is not found.
    plan_id
        The plan's id.

    Returns
    -------
    Plan
        The plan.

    Raises
    ------
    NotFound
        No such plan, or it belongs to another clinic.
    """
    plan = session.scalars(
        sa.select(Plan).where(Plan.id == plan_id).options(*_with_routes())
    ).first()
    if plan is None or plan.clinic_id != clinic_id:
        raise NotFound(f"plan {plan_id} not found")
    return plan


def list_plans(
    session: Session,
    clinic_id: int,
    date: dt.date | None = None,
    status: PlanStatus | None = None,
) -> Sequence[Plan]:
    """The clinic's plans, by date then version, optionally of one date or status.

    Parameters
    ----------
    session
        The database session.
    clinic_id
        The clinic.
    date, status
        Keep only the plans of this date, in this status.

    Returns
    -------
    Sequence[Plan]
        The plans (routes load when read).

    Raises
    ------
    NotFound
        No such clinic.
    """
    if session.get(Clinic, clinic_id) is None:
        raise NotFound(f"clinic {clinic_id} not found")
    query = sa.select(Plan).where(Plan.clinic_id == clinic_id)
    if date is not None:
        query = query.where(Plan.date == date)
    if status is not None:
        query = query.where(Plan.status == status)
    return session.scalars(query.order_by(Plan.date, Plan.version)).all()


def lock_draft(session: Session, clinic_id: int, plan_id: int, action: str) -> Plan:
    """The plan, locked against concurrent changes until the transaction ends
    (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite locks the database when writing).

    Raises ``NotFound`` for an unknown plan (or one of another clinic than ``clinic_id``),
    ``Conflict`` unless it is a draft (``action`` says what was refused, for example
    ``publish``).
    """
    query = sa.select(Plan).where(Plan.id == plan_id).with_for_update()
    # populate_existing: the status read under the lock wins over the session's copy.
    plan = session.scalars(query.execution_options(populate_existing=True)).first()
    if plan is None or plan.clinic_id != clinic_id:
        raise NotFound(f"plan {plan_id} not found")
    if plan.status != PlanStatus.DRAFT:
        raise Conflict(f"plan {plan_id} is {plan.status.value}; only a draft can {action}")
    return plan


def published_plan(session: Session, clinic_id: int, date: dt.date) -> Plan | None:
    """The clinic's published plan of ``date``, if any."""
    query = sa.select(Plan).where(
        Plan.clinic_id == clinic_id, Plan.date == date, Plan.status == PlanStatus.PUBLISHED
    )
    return session.scalars(query).first()


def plans_to_price(
    session: Session, clinic_id: int, dates: Collection[dt.date]
) -> dict[dt.date, Plan]:
    """The plan each of ``dates`` is priced on (for a new visit): the published one, else
    the latest draft; a date with neither is left out. Routes and stops are loaded."""
    query = (
        sa.select(Plan)
        .where(
            Plan.clinic_id == clinic_id,
            Plan.date.in_(sorted(dates)),
            Plan.status.in_((PlanStatus.PUBLISHED, PlanStatus.DRAFT)),
        )
        .options(*_with_routes())
        .order_by(Plan.date, Plan.version)
    )
    chosen: dict[dt.date, Plan] = {}
    for plan in session.scalars(query):
        kept = chosen.get(plan.date)
        if kept is None or kept.status != PlanStatus.PUBLISHED:
            chosen[plan.date] = plan
    return chosen


@contextmanager
def conflict_on_lost_race(session: Session, message: str) -> Iterator[None]:
    """Roll back and raise ``Conflict(message)`` when another transaction won a race.

    A race shows as a unique index violation, SQLite's ``database is locked``, or a
    PostgreSQL serialization failure or deadlock. A ``SchedulerError`` rolls back too
    (releasing the row locks) and passes through; other errors pass through untouched.
    """
    try:
        yield
    except SchedulerError:
        session.rollback()
        raise
    except (IntegrityError, OperationalError) as error:
        session.rollback()
        if isinstance(error, OperationalError) and not _lost_race(error):
            raise
        raise Conflict(message) from error


def _lost_race(error: OperationalError) -> bool:
    if "database is locked" in str(error.orig):
        return True
    return getattr(error.orig, "sqlstate", None) in _LOST_RACE_SQLSTATES


def next_version(session: Session, clinic_id: int, date: dt.date) -> int:
    """The version number a new plan of the clinic's date gets."""
    latest = session.scalar(
        sa.select(sa.func.max(Plan.version)).where(Plan.clinic_id == clinic_id, Plan.date == date)
    )
    return (latest or 0) + 1


def published_work_by_date(
    session: Session, clinic_id: int, dates: Collection[dt.date]
) -> dict[tuple[int, dt.date], int]:
    """The work of each therapist's route (therapist id, date) in the clinic's published
    plans of ``dates``, in one query."""
    if not dates:
        return {}
    rows = session.execute(
        sa.select(PlanRoute.therapist_id, Plan.date, PlanRoute.work_s)
        .join(Plan, PlanRoute.plan_id == Plan.id)
        .where(
            Plan.clinic_id == clinic_id,
            Plan.status == PlanStatus.PUBLISHED,
            Plan.date.in_(sorted(dates)),
        )
    )
    work: dict[tuple[int, dt.date], int] = {}
    for therapist_id, date, work_s in rows:
        work[therapist_id, date] = work.get((therapist_id, date), 0) + work_s
    return work
