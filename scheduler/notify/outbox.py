"""Who must be told what when a plan is published, written to the outbox.

``write_outbox`` runs inside ``publish_plan``'s transaction: the messages and the publish are
committed together or not at all. The rules, against the date's previous published plan:

- a therapist whose stops (their order, starts and ends, to the minute) or break changed
  gets their whole route; on the date's first publish, every therapist with a stop does;
- a patient whose visit is on a route gets its start when the visit is new on a route (or
  on the first publish) or starts more than ``promised_minutes`` earlier or later;
- a patient whose visit was on a route and is not any more gets "not planned"; a visit
  cancelled (its status) gets a cancellation if either plan has it on a route.

Each message is one row per channel: an email (skipped, with the reason, when the recipient
has no address) and a webhook call, which the integrator may turn into a text message.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from scheduler.config import DEFAULT_PROMISED_MINUTES
from scheduler.models import (
    Channel,
    MessageStatus,
    OutboxMessage,
    Plan,
    PlanRoute,
    PlanStop,
    PlanUnassigned,
    RecipientKind,
    User,
    Visit,
    VisitStatus,
)
from scheduler.notify.compose import (
    live_stops,
    route_message,
    visit_off_message,
    visit_time_message,
)

if TYPE_CHECKING:
    from collections.abc import Iterable

    from sqlalchemy.orm import Session

    from scheduler.models import Patient, Therapist
    from scheduler.notify.compose import Content

RouteShape = tuple[tuple[tuple[int, int, int], ...], int | None]


@dataclass(frozen=True)
class Notice:
    """One message to one recipient, before it is split into channels."""

    kind: RecipientKind
    recipient: Therapist | Patient
    content: Content


def promised_minutes_of(plan: Plan, default: int = DEFAULT_PROMISED_MINUTES) -> int:
    """The plan's own ``promised_minutes`` option if it has one, else ``default``."""
    value = plan.parameters.get("promised_minutes")
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    return default


def write_outbox(
    session: Session,
    plan: Plan,
    previous: Plan | None,
    promised_minutes: int = DEFAULT_PROMISED_MINUTES,
) -> list[OutboxMessage]:
    """Add the messages that publishing ``plan`` over ``previous`` (the date's published
    plan until now, None on the first publish) sends; flushes, does not commit.

    ``promised_minutes`` applies unless the plan's options have their own. Returns the rows,
    therapists first (by external id), then patients by the visit's start.
    """
    promised = promised_minutes_of(plan, promised_minutes)
    _load_routes(session, [plan] if previous is None else [plan, previous])
    notices = [*_route_notices(plan, previous), *_visit_notices(plan, previous, promised)]
    logins = _login_emails(session, [n.recipient.id for n in notices if _is_therapist(n)])
    rows = [row for notice in notices for row in _rows(plan, notice, logins)]
    session.add_all(rows)
    session.flush()
    return rows


def _load_routes(session: Session, plans: list[Plan]) -> None:
    """Load the plans' routes, stops, visits and patients in a few queries, not one a stop."""
    routes = selectinload(Plan.routes)
    session.scalars(
        sa.select(Plan)
        .where(Plan.id.in_([plan.id for plan in plans]))
        .options(
            selectinload(Plan.clinic),
            routes.selectinload(PlanRoute.therapist),
            routes.selectinload(PlanRoute.stops)
            .selectinload(PlanStop.visit)
            .selectinload(Visit.patient),
            selectinload(Plan.unassigned)
            .selectinload(PlanUnassigned.visit)
            .selectinload(Visit.patient),
        )
    ).all()


def _is_therapist(notice: Notice) -> bool:
    return notice.kind == RecipientKind.THERAPIST


# --- therapists ----------------------------------------------------------------------------


def _route_notices(plan: Plan, previous: Plan | None) -> list[Notice]:
    now = {route.therapist_id: route for route in plan.routes}
    before = {} if previous is None else {route.therapist_id: route for route in previous.routes}
    therapists = {route.therapist_id: route.therapist for route in [*plan.routes, *before.values()]}
    notices = []
    for therapist_id, therapist in sorted(therapists.items(), key=lambda t: t[1].external_id):
        route = now.get(therapist_id)
        # On the first publish ``before`` is empty: every route with a stop differs.
        if _shape(live_stops(route)) != _shape(_stops(before.get(therapist_id))):
            content = route_message(plan, therapist, route, first=previous is None)
            notices.append(Notice(RecipientKind.THERAPIST, therapist, content))
    return notices


def _stops(route: PlanRoute | None) -> list[PlanStop]:
    return [] if route is None else list(route.stops)


def _shape(stops: list[PlanStop]) -> RouteShape:
    """What a therapist reads of a route: each stop's visit, start and end (minutes), and
    the break's start. The previous plan's stops count as they were told, cancelled ones
    too; the new plan's without the visits cancelled since it was made."""
    if not stops:
        return ((), None)
    route = stops[0].route
    minutes = tuple((s.visit_id, s.start_s // 60, s.end_s // 60) for s in stops)
    return minutes, None if route.break_start_s is None else route.break_start_s // 60


# --- patients ------------------------------------------------------------------------------


def _placements(plan: Plan | None) -> dict[int, tuple[PlanRoute, PlanStop]]:
    if plan is None:
        return {}
    return {stop.visit_id: (route, stop) for route in plan.routes for stop in route.stops}


def _visit_notices(plan: Plan, previous: Plan | None, promised_minutes: int) -> list[Notice]:
    now, before = _placements(plan), _placements(previous)
    visits: dict[int, Visit] = {item.visit_id: item.visit for item in plan.unassigned}
    visits.update(
        {vid: stop.visit for placements in (before, now) for vid, (_, stop) in placements.items()}
    )
    found: list[tuple[int, str, Notice]] = []
    for visit_id, visit in visits.items():
        placed, was = now.get(visit_id), before.get(visit_id)
        was_s = None if was is None else was[1].start_s
        content: Content | None = None
        if visit.status == VisitStatus.CANCELLED:
            if placed is not None or was is not None:
                content = visit_off_message(plan, visit, was_s)
        elif placed is not None:
            route, stop = placed
            moved = was_s is None or abs(stop.start_s - was_s) > promised_minutes * 60
            if previous is None or moved:
                content = visit_time_message(plan, stop, route.therapist, was_s, promised_minutes)
        elif was is not None:
            content = visit_off_message(plan, visit, was_s)
        if content is not None:
            start_s = placed[1].start_s if placed else (was_s or 0)
            notice = Notice(RecipientKind.PATIENT, visit.patient, content)
            found.append((start_s, visit.external_id, notice))
    return [notice for *_, notice in sorted(found, key=lambda item: item[:2])]


# --- rows ----------------------------------------------------------------------------------


def _login_emails(session: Session, therapist_ids: Iterable[int]) -> dict[int, str]:
    """The login email of each therapist that has a login: their address when the record
    has none."""
    ids = sorted(set(therapist_ids))
    if not ids:
        return {}
    query = sa.select(User.therapist_id, User.email).where(User.therapist_id.in_(ids))
    return {therapist_id: email for therapist_id, email in session.execute(query) if therapist_id}


def _rows(plan: Plan, notice: Notice, logins: dict[int, str]) -> list[OutboxMessage]:
    recipient = notice.recipient
    email = recipient.email
    if email is None and _is_therapist(notice):
        email = logins.get(recipient.id)
    rows = [_row(plan, notice, Channel.EMAIL, email), _row(plan, notice, Channel.WEBHOOK, None)]
    if email is None:
        rows[0].status = MessageStatus.SKIPPED
        rows[0].last_error = f"{notice.kind.value} {recipient.external_id} has no email address"
    return rows


def _row(plan: Plan, notice: Notice, channel: Channel, address: str | None) -> OutboxMessage:
    return OutboxMessage(
        clinic_id=plan.clinic_id,
        plan_id=plan.id,
        recipient_kind=notice.kind,
        recipient_id=notice.recipient.id,
        channel=channel,
        address=address,
        subject=notice.content.subject,
        body=notice.content.text,
        payload=notice.content.payload,
        delivery_id=str(uuid.uuid4()),
        status=MessageStatus.PENDING,
        attempts=0,
    )
