"""The outbox: messages to therapists and patients, written when a plan is published.

Publishing a plan writes its messages in the same transaction (``scheduler.notify``), so a
published plan always has them and a failed publish has none. A delivery worker sends them
later; each row is one message on one channel, and ``delivery_id`` stays the same across
retries so that a receiver can drop a repeat.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from scheduler.models.base import Base, string_enum, utc_now
from scheduler.models.clinic import Clinic
from scheduler.models.plans import Plan


class RecipientKind(StrEnum):
    """Who a message is for."""

    THERAPIST = "therapist"
    PATIENT = "patient"


class Channel(StrEnum):
    """How a message travels: ``EMAIL`` over SMTP, ``WEBHOOK`` a signed POST to the
    integrator (who may pass it on as an SMS, a push message, ...)."""

    EMAIL = "email"
    WEBHOOK = "webhook"


class MessageStatus(StrEnum):
    """``PENDING`` (due at ``next_attempt_at``) → ``SENDING`` (claimed by a worker until
    ``claimed_until``) → ``SENT``; or back to ``PENDING`` after a failed attempt, ``FAILED``
    after the last one. ``SKIPPED``: never sent, ``last_error`` says why (no address, the
    channel is not configured)."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"


class OutboxMessage(Base):
    """One message of a published plan to one recipient on one channel.

    ``recipient_id`` is the therapist's or the patient's id (no foreign key: the message
    outlives a record deleted later). ``address`` is the email address it goes to (email
    only), as it was when the plan was published. ``payload`` is the structured message
    (the webhook's body, without the delivery id); ``subject`` and ``body`` its text.
    ``attempts`` counts the claims: a worker that dies while sending still used one.
    """

    __tablename__ = "outbox_messages"
    __table_args__ = (
        sa.UniqueConstraint("delivery_id"),
        sa.Index(None, "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(sa.ForeignKey("clinics.id", ondelete="CASCADE"))
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    recipient_kind: Mapped[RecipientKind] = mapped_column(
        string_enum(RecipientKind, "recipient_kind")
    )
    recipient_id: Mapped[int]
    channel: Mapped[Channel] = mapped_column(string_enum(Channel, "outbox_channel"))
    address: Mapped[str | None] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(300))
    body: Mapped[str] = mapped_column(sa.Text)
    payload: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    delivery_id: Mapped[str] = mapped_column(sa.String(36))
    status: Mapped[MessageStatus] = mapped_column(
        string_enum(MessageStatus, "outbox_status"), default=MessageStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(default=utc_now)
    # The worker run that holds the message while it is ``sending``, and until when.
    claimed_by: Mapped[str | None] = mapped_column(sa.String(32))
    claimed_until: Mapped[dt.datetime | None]
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    sent_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utc_now)

    clinic: Mapped[Clinic] = relationship()
    plan: Mapped[Plan] = relationship()
