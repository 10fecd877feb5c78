"""Published days for the outbox tests: plans built stop by stop (no solving), published."""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa

from scheduler.models import Channel, MessageStatus, OutboxMessage
from scheduler.planning import publish_plan
from tests.scheduler.planning_factories import add_routed_plan, add_small_day

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from scheduler.models import Plan
    from tests.scheduler.planning_factories import SmallDay

H = 3600


def first_plan(session: Session, day: SmallDay) -> Plan:
    """t1 visits p1 at 09:00 and p2 at 10:00, t2 p3 at 13:00; v4 is left out."""
    t1, t2, v = day.therapists["t1"], day.therapists["t2"], day.visits
    return add_routed_plan(
        session,
        day.clinic,
        {t1: [(v["v1"], 9 * H), (v["v2"], 10 * H)], t2: [(v["v3"], 13 * H)]},
        (v["v4"],),
    )


def published_day(session: Session, with_email: bool = True) -> tuple[SmallDay, Plan]:
    """The small day, its first plan published; with email addresses for everyone."""
    day = add_small_day(session)
    if with_email:
        for therapist in day.therapists.values():
            therapist.email = f"{therapist.external_id}@clinic.example"
        for visit in day.visits.values():
            visit.patient.email = f"{visit.patient.external_id}@example.org"
    plan = first_plan(session, day)
    publish_plan(session, day.clinic.id, plan.id)
    return day, plan


def messages(session: Session, plan: Plan, channel: Channel | None = None) -> list[OutboxMessage]:
    """The plan's outbox rows in the order they were written."""
    query = sa.select(OutboxMessage).where(OutboxMessage.plan_id == plan.id)
    if channel is not None:
        query = query.where(OutboxMessage.channel == channel)
    return list(session.scalars(query.order_by(OutboxMessage.id)))


def recipients(rows: list[OutboxMessage]) -> list[tuple[str, int]]:
    """(kind, id) of each recipient, once, in order."""
    return list(dict.fromkeys((row.recipient_kind.value, row.recipient_id) for row in rows))


def statuses(session: Session, plan: Plan) -> dict[str, MessageStatus]:
    """Each row's status by delivery id."""
    return {row.delivery_id: row.status for row in messages(session, plan)}
