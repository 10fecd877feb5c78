"""What became of a plan's messages: counts by status, and the failed ones with their error."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import sqlalchemy as sa

from scheduler.errors import NotFound
from scheduler.models import Channel, MessageStatus, OutboxMessage, Plan, RecipientKind

if TYPE_CHECKING:
    import datetime as dt

    from sqlalchemy.orm import Session


@dataclass(frozen=True)
class FailedMessage:
    """A message given up on: to whom, on which channel, after how many attempts, why."""

    delivery_id: str
    recipient_kind: RecipientKind
    recipient_id: int
    channel: Channel
    subject: str
    attempts: int
    error: str
    next_attempt_at: dt.datetime


@dataclass(frozen=True)
class NotificationSummary:
    """A plan's outbox: ``counts`` has every status (0 where none), ``failed`` lists the
    failed messages oldest first."""

    counts: dict[MessageStatus, int]
    failed: tuple[FailedMessage, ...]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def notification_summary(session: Session, clinic_id: int, plan_id: int) -> NotificationSummary:
    """The summary of the messages that publishing the plan wrote (all zero for a plan never
    published); ``NotFound`` for an unknown plan or one of another clinic."""
    owner = session.scalar(sa.select(Plan.clinic_id).where(Plan.id == plan_id))
    if owner is None or owner != clinic_id:
        raise NotFound(f"plan {plan_id} not found")
    counted = session.execute(
        sa.select(OutboxMessage.status, sa.func.count())
        .where(OutboxMessage.plan_id == plan_id)
        .group_by(OutboxMessage.status)
    ).all()
    counts = dict.fromkeys(MessageStatus, 0)
    counts.update(dict(counted))
    failed = session.scalars(
        sa.select(OutboxMessage)
        .where(OutboxMessage.plan_id == plan_id, OutboxMessage.status == MessageStatus.FAILED)
        .order_by(OutboxMessage.id)
    )
    return NotificationSummary(
        counts,
        tuple(
            FailedMessage(
                row.delivery_id,
                row.recipient_kind,
                row.recipient_id,
                row.channel,
                row.subject,
                row.attempts,
                row.last_error or "",
                row.next_attempt_at,
            )
            for row in failed
        ),
    )
