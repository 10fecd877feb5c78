"""The delivery worker: claim the outbox's due messages, send them, record each outcome.

A message is due when it is ``pending`` and its ``next_attempt_at`` has come, or when it is
``sending`` and the lease of the worker that claimed it (``claimed_until``) has run out:
that worker died or hung mid-batch. A claim is one transaction (``FOR UPDATE SKIP LOCKED``
on PostgreSQL, so that workers running at once take different messages; SQLite's write lock
serialises them) that marks the batch ``sending`` for this worker and counts an attempt.

Each message then goes on its own: the lease is renewed (a message another worker took over
meanwhile is left to it), the message is sent, and the outcome is committed at once. So a
message marked ``sent`` is never sent again, and a worker killed at any point loses nothing:
what it had claimed is due again after the lease, and only the message it was sending may
reach its receiver twice, with the same delivery id.

A failed attempt waits ``backoff_s`` doubled for each attempt before (at most
``MAX_BACKOFF_S``); after ``max_attempts``, or a permanent failure, the message is
``failed`` with its last error, which the plan's notification summary shows.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

import sqlalchemy as sa

from scheduler.models import MessageStatus, OutboxMessage
from scheduler.models.base import utc_now
from scheduler.notify.channels import NOT_CONFIGURED, DeliveryFailed, Envelope

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from sqlalchemy.orm import Session

    from scheduler.config import Settings
    from scheduler.models import Channel
    from scheduler.notify.channels import Sender

    Clock = Callable[[], dt.datetime]

MAX_BACKOFF_S = 3600.0
DEFAULT_BATCH = 50
STOPPED_WHILE_SENDING = (
    "the delivery worker stopped while sending the last attempt; the message may have arrived"
)


@dataclass(frozen=True)
class DeliveryPolicy:
    """How hard to try: attempts, the first pause after a failure, the claim's lease."""

    max_attempts: int = 6
    backoff_s: float = 30.0
    lease_s: float = 60.0

    @classmethod
    def from_settings(cls, settings: Settings) -> DeliveryPolicy:
        return cls(
            settings.delivery_max_attempts, settings.delivery_backoff_s, settings.delivery_lease_s
        )

    def backoff(self, attempts: int) -> dt.timedelta:
        """The pause after the ``attempts``-th failed attempt."""
        return dt.timedelta(seconds=min(self.backoff_s * 2 ** (attempts - 1), MAX_BACKOFF_S))

    def lease_end(self, now: dt.datetime) -> dt.datetime:
        return now + dt.timedelta(seconds=self.lease_s)


@dataclass
class DeliveryReport:
    """What a run did, message by message: counts by outcome."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    skipped: int = 0
    # Claimed, then taken over by another worker after this one's lease ran out.
    lost: int = 0
    claimed: int = 0

    def add(self, other: DeliveryReport) -> None:
        for name in ("sent", "retried", "failed", "skipped", "lost", "claimed"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def __str__(self) -> str:
        return (
            f"{self.sent} sent, {self.retried} to retry, {self.failed} failed, "
            f"{self.skipped} skipped"
        )


@dataclass(frozen=True)
class Claimed:
    """A message this worker holds: its row id, its envelope, the attempt it is on."""

    id: int
    attempts: int
    envelope: Envelope


def new_worker_id() -> str:
    """A fresh id for one worker run (the ``claimed_by`` of what it claims)."""
    return uuid.uuid4().hex


def _due(now: dt.datetime) -> sa.ColumnElement[bool]:
    return sa.or_(
        sa.and_(
            OutboxMessage.status == MessageStatus.PENDING, OutboxMessage.next_attempt_at <= now
        ),
        sa.and_(OutboxMessage.status == MessageStatus.SENDING, OutboxMessage.claimed_until <= now),
    )


def claim_due(
    session: Session, worker_id: str, policy: DeliveryPolicy, now: dt.datetime, limit: int
) -> list[Claimed]:
    """Claim up to ``limit`` due messages, oldest first, for ``worker_id``; commits.

    A message whose lease ran out on its last allowed attempt is ``failed`` instead: its
    worker died while sending it, so it may or may not have arrived.
    """
    session.execute(
        sa.update(OutboxMessage)
        .where(
            OutboxMessage.status == MessageStatus.SENDING,
            OutboxMessage.claimed_until <= now,
            OutboxMessage.attempts >= policy.max_attempts,
        )
        .values(
            status=MessageStatus.FAILED,
            claimed_by=None,
            claimed_until=None,
            last_error=STOPPED_WHILE_SENDING,
        )
        .execution_options(synchronize_session=False)
    )
    due = (
        sa.select(OutboxMessage.id)
        .where(_due(now), OutboxMessage.attempts < policy.max_attempts)
        .order_by(OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    claimed_ids = session.scalars(
        sa.update(OutboxMessage)
        .where(OutboxMessage.id.in_(due.scalar_subquery()))
        .values(
            status=MessageStatus.SENDING,
            claimed_by=worker_id,
            claimed_until=policy.lease_end(now),
            attempts=OutboxMessage.attempts + 1,
        )
        .returning(OutboxMessage.id)
        .execution_options(synchronize_session=False)
    ).all()
    rows = session.scalars(
        sa.select(OutboxMessage)
        .where(OutboxMessage.id.in_(claimed_ids))
        .order_by(OutboxMessage.id)
        .execution_options(populate_existing=True)
    ).all()
    claimed = [Claimed(row.id, row.attempts, _envelope(row)) for row in rows]
    session.commit()
    return claimed


def _envelope(row: OutboxMessage) -> Envelope:
    return Envelope(row.delivery_id, row.channel, row.address, row.subject, row.body, row.payload)


def _held(worker_id: str, message_id: int) -> tuple[sa.ColumnElement[bool], ...]:
    return (
        OutboxMessage.id == message_id,
        OutboxMessage.claimed_by == worker_id,
        OutboxMessage.status == MessageStatus.SENDING,
    )


def _settle(session: Session, worker_id: str, message_id: int, **values: object) -> bool:
    """Change a message this worker still holds and commit; False if it holds it no more."""
    result = session.execute(
        sa.update(OutboxMessage)
        .where(*_held(worker_id, message_id))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return bool(result.rowcount)  # type: ignore[attr-defined]


def deliver_one(
    session: Session,
    worker_id: str,
    message: Claimed,
    senders: Mapping[Channel, Sender],
    policy: DeliveryPolicy,
    clock: Clock = utc_now,
) -> DeliveryReport:
    """Renew the lease, send the message, record the outcome (each step committed)."""
    report = DeliveryReport()
    release = {"claimed_by": None, "claimed_until": None}
    if not _settle(session, worker_id, message.id, claimed_until=policy.lease_end(clock())):
        report.lost += 1
        return report
    sender = senders.get(message.envelope.channel)
    if sender is None:
        reason = NOT_CONFIGURED[message.envelope.channel]
        skipped = {"status": MessageStatus.SKIPPED, "last_error": reason, **release}
        _settle(session, worker_id, message.id, **skipped)
        report.skipped += 1
        return report
    try:
        sender.send(message.envelope)
    except DeliveryFailed as error:
        now = clock()
        if error.permanent or message.attempts >= policy.max_attempts:
            values: dict[str, object] = {"status": MessageStatus.FAILED}
            report.failed += 1
        else:
            values = {
                "status": MessageStatus.PENDING,
                "next_attempt_at": now + policy.backoff(message.attempts),
            }
            report.retried += 1
        _settle(session, worker_id, message.id, last_error=str(error), **values, **release)
        return report
    _settle(
        session,
        worker_id,
        message.id,
        status=MessageStatus.SENT,
        sent_at=clock(),
        last_error=None,
        **release,
    )
    report.sent += 1
    return report


def deliver_due(
    session: Session,
    senders: Mapping[Channel, Sender],
    policy: DeliveryPolicy,
    *,
    batch: int = DEFAULT_BATCH,
    clock: Clock = utc_now,
    worker_id: str | None = None,
    should_stop: Callable[[], bool] = lambda: False,
) -> DeliveryReport:
    """Deliver every message due, ``batch`` at a time, until none is due (or
    ``should_stop``, checked between messages, says so).

    ``clock`` gives now (tests pass their own); ``worker_id`` names this run's claims.
    Messages that fail are due again only after their backoff, so the run ends.
    """
    worker = worker_id or new_worker_id()
    report = DeliveryReport()
    while not should_stop():
        claimed = claim_due(session, worker, policy, clock(), batch)
        report.claimed += len(claimed)
        if not claimed:
            break
        for message in claimed:
            if should_stop():
                break
            report.add(deliver_one(session, worker, message, senders, policy, clock))
    release_claims(session, worker)
    return report


def release_claims(session: Session, worker_id: str) -> int:
    """Give back what the worker claimed and did not send (it was asked to stop): due at
    once for the next worker, the attempt not counted. Commits; returns how many."""
    result = session.execute(
        sa.update(OutboxMessage)
        .where(
            OutboxMessage.claimed_by == worker_id,
            OutboxMessage.status == MessageStatus.SENDING,
        )
        .values(
            status=MessageStatus.PENDING,
            claimed_by=None,
            claimed_until=None,
            attempts=OutboxMessage.attempts - 1,
        )
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return int(result.rowcount)  # type: ignore[attr-defined]
