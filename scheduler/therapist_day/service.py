"""A therapist's own day: the published route, check-in and check-out, the calendar feed.

Everything here is seen from one therapist: a visit that is not on their published route
is ``NotFound``, whether it exists or not.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from scheduler.errors import Conflict, NotFound
from scheduler.exchange.exporting import therapist_ics
from scheduler.local_time import day_clock
from scheduler.models import Plan, PlanRoute, PlanStatus, PlanStop, Visit, VisitStatus
from scheduler.models.base import utc_now

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from scheduler.models import Clinic, Therapist

# The calendar feed covers this many days before and after today.
FEED_DAYS_BACK = 7
FEED_DAYS_AHEAD = 60
# A visit of the therapist that starts more than this earlier or later in a new published
# version counts as moved.
CHANGE_MINUTES = 15


@dataclass(frozen=True)
class TherapistDay:
    """The therapist's route in the published plan of ``date``; ``plan`` None if none."""

    date: dt.date
    plan: Plan | None
    route: PlanRoute | None

    @property
    def stops(self) -> list[PlanStop]:
        return [] if self.route is None else list(self.route.stops)


class ChangeKind(StrEnum):
    """How a new published version changed a visit for the therapist."""

    ADDED = "added"
    REMOVED = "removed"
    MOVED = "moved"


@dataclass(frozen=True)
class RouteChange:
    """A visit added to, removed from, or moved on the therapist's route; starts in seconds
    from local midnight, None on the side where it is not on the route."""

    kind: ChangeKind
    visit_id: int
    patient_name: str
    before_start_s: int | None
    after_start_s: int | None


@dataclass(frozen=True)
class RouteChanges:
    """What changed for the therapist since ``previous_version``, the version published
    before the current one (None: the current one is the first)."""

    previous_version: int | None
    changes: tuple[RouteChange, ...]


def clinic_today(therapist: Therapist) -> dt.date:
    """Today's date where the therapist's clinic is."""
    return clinic_date_today(therapist.clinic)


def clinic_date_today(clinic: Clinic) -> dt.date:
    """Today's date in the clinic's timezone."""
    return dt.datetime.now(ZoneInfo(clinic.timezone)).date()


def therapist_day(session: Session, therapist: Therapist, date: dt.date) -> TherapistDay:
    """The therapist's published route of ``date`` with its visits and patients."""
    plan = session.scalars(
        sa.select(Plan).where(
            Plan.clinic_id == therapist.clinic_id,
            Plan.date == date,
            Plan.status == PlanStatus.PUBLISHED,
        )
    ).first()
    if plan is None:
        return TherapistDay(date, None, None)
    route = (
        session.scalars(
            sa.select(PlanRoute)
            .where(PlanRoute.plan_id == plan.id, PlanRoute.therapist_id == therapist.id)
            .options(
                joinedload(PlanRoute.stops).joinedload(PlanStop.visit).joinedload(Visit.patient)
            )
        )
        .unique()
        .first()
    )
    return TherapistDay(date, plan, route)


def route_changes(session: Session, therapist: Therapist, day: TherapistDay) -> RouteChanges:
    """The therapist's visits added, removed, or moved by more than ``CHANGE_MINUTES``
    between the previously published version of the day and the published one.

    Only the therapist's own route of each version is read: what happened to a visit on
    other routes does not change what this therapist has to do.
    """
    if day.plan is None:
        return RouteChanges(None, ())
    previous = session.execute(
        sa.select(Plan.id, Plan.version)
        .where(
            Plan.clinic_id == day.plan.clinic_id,
            Plan.date == day.date,
            Plan.status == PlanStatus.SUPERSEDED,
            Plan.version < day.plan.version,
        )
        .order_by(Plan.version.desc())
        .limit(1)
    ).first()
    if previous is None:
        return RouteChanges(None, ())
    before = {stop.visit_id: stop for stop in _route_stops(session, previous.id, therapist)}
    after = {stop.visit_id: stop for stop in day.stops}
    changes = [
        *(
            _change(ChangeKind.ADDED, None, stop)
            for key, stop in after.items()
            if key not in before
        ),
        *(
            _change(ChangeKind.REMOVED, stop, None)
            for key, stop in before.items()
            if key not in after
        ),
        *(
            _change(ChangeKind.MOVED, before[key], stop)
            for key, stop in after.items()
            if key in before and abs(stop.start_s - before[key].start_s) > CHANGE_MINUTES * 60
        ),
    ]
    changes.sort(key=_change_order)
    return RouteChanges(previous.version, tuple(changes))


def _route_stops(session: Session, plan_id: int, therapist: Therapist) -> list[PlanStop]:
    return list(
        session.scalars(
            sa.select(PlanStop)
            .join(PlanRoute, PlanRoute.id == PlanStop.route_id)
            .where(PlanRoute.plan_id == plan_id, PlanRoute.therapist_id == therapist.id)
            .options(joinedload(PlanStop.visit).joinedload(Visit.patient))
        )
    )


def _change(kind: ChangeKind, before: PlanStop | None, after: PlanStop | None) -> RouteChange:
    stop = after or before
    assert stop is not None
    return RouteChange(
        kind,
        stop.visit_id,
        stop.visit.patient.name,
        before.start_s if before else None,
        after.start_s if after else None,
    )


def _change_order(change: RouteChange) -> tuple[int, int]:
    start_s = change.after_start_s if change.after_start_s is not None else change.before_start_s
    return (start_s or 0, change.visit_id)


def _own_visit(session: Session, therapist: Therapist, visit_id: int) -> tuple[Visit, int]:
    """The visit, if it is on the therapist's route in a published plan, and its planned
    start there."""
    found = session.execute(
        sa.select(Visit, PlanStop.start_s)
        .join(PlanStop, PlanStop.visit_id == Visit.id)
        .join(PlanRoute, PlanRoute.id == PlanStop.route_id)
        .join(Plan, Plan.id == PlanRoute.plan_id)
        .where(
            Visit.id == visit_id,
            PlanRoute.therapist_id == therapist.id,
            Plan.status == PlanStatus.PUBLISHED,
        )
        .with_for_update(of=Visit)
    ).first()
    if found is None:
        raise NotFound(f"visit {visit_id} is not on your published route")
    return found[0], found[1]


def check_in(session: Session, therapist: Therapist, visit_id: int) -> Visit:
    """Record the therapist's arrival at the visit (now); the visit is ``in_progress``.

    Only on the visit's day in the clinic's zone (or the day its planned start falls on,
    for a route past midnight): the check-in records the time now as the arrival, and a
    re-plan takes it as the visit's start, so one made on another day, earlier or later,
    would record a start that never happened (``Conflict``).
    """
    visit, start_s = _own_visit(session, therapist, visit_id)
    _check_in_today(therapist.clinic, visit, start_s)
    if visit.checked_in_at is not None:
        raise Conflict(f"visit {visit_id} was already checked in at {visit.checked_in_at:%H:%M}")
    if visit.status == VisitStatus.CANCELLED:
        raise Conflict(f"visit {visit_id} was cancelled")
    visit.checked_in_at = utc_now()
    visit.status = VisitStatus.IN_PROGRESS
    session.commit()
    return visit


def _check_in_today(clinic: Clinic, visit: Visit, start_s: int) -> None:
    today = clinic_date_today(clinic)
    clock = day_clock(visit.date, clinic.timezone)
    planned_day = clock.instant(start_s).astimezone(clock.zone).date()
    if today in (visit.date, planned_day):
        return
    when = "is on" if today < visit.date else "was on"
    raise Conflict(
        f"visit {visit.id} {when} {visit.date.isoformat()} and today is {today.isoformat()}"
        f" in {clinic.timezone}; a check-in records the arrival now, so it is taken on the"
        " visit's day only"
    )


def check_out(session: Session, therapist: Therapist, visit_id: int) -> Visit:
    """Record the end of the visit (now); the visit is ``done``. Any time after the
    check-in: a visit may end after midnight."""
    visit, _ = _own_visit(session, therapist, visit_id)
    if visit.checked_in_at is None:
        raise Conflict(f"visit {visit_id} has not been checked in; check in first")
    if visit.checked_out_at is not None:
        raise Conflict(f"visit {visit_id} was already checked out")
    visit.checked_out_at = utc_now()
    visit.status = VisitStatus.DONE
    session.commit()
    return visit


def next_stop(day: TherapistDay) -> PlanStop | None:
    """The first stop of the day not yet checked out."""
    return next((s for s in day.stops if s.visit.checked_out_at is None), None)


def feed_calendar(session: Session, therapist: Therapist, today: dt.date | None = None) -> str:
    """The therapist's published visits from a week before ``today`` (default: today in the
    clinic) to two months after, as ICS."""
    today = today or clinic_today(therapist)
    plans = session.scalars(
        sa.select(Plan)
        .join(PlanRoute, PlanRoute.plan_id == Plan.id)
        .where(
            Plan.clinic_id == therapist.clinic_id,
            Plan.status == PlanStatus.PUBLISHED,
            PlanRoute.therapist_id == therapist.id,
            Plan.date.between(
                today - dt.timedelta(days=FEED_DAYS_BACK),
                today + dt.timedelta(days=FEED_DAYS_AHEAD),
            ),
        )
        .order_by(Plan.date)
    ).all()
    return therapist_ics(session, plans, therapist, f"{therapist.name}: home visits")
