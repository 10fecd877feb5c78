"""Telling people: the outbox that publishing a plan writes (``outbox``, with the words in
``compose``), the channels that carry it (``channels``: SMTP email and a signed webhook), the
delivery worker (``delivery``) and a plan's notification summary (``queries``).

May import: config, errors, models, local_time.
"""

from scheduler.notify.channels import (
    DeliveryFailed,
    Envelope,
    Sender,
    SmtpSender,
    WebhookSender,
    senders,
    signature,
    webhook_body,
)
from scheduler.notify.delivery import (
    DeliveryPolicy,
    DeliveryReport,
    claim_due,
    deliver_due,
    release_claims,
)
from scheduler.notify.outbox import promised_minutes_of, write_outbox
from scheduler.notify.queries import FailedMessage, NotificationSummary, notification_summary

__all__ = [
    "DeliveryFailed",
    "DeliveryPolicy",
    "DeliveryReport",
    "Envelope",
    "FailedMessage",
    "NotificationSummary",
    "Sender",
    "SmtpSender",
    "WebhookSender",
    "claim_due",
    "deliver_due",
    "notification_summary",
    "promised_minutes_of",
    "release_claims",
    "senders",
    "signature",
    "webhook_body",
    "write_outbox",
]
