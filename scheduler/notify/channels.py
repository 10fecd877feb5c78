"""The channels that carry the outbox's messages: email over SMTP and a signed webhook.

A sender takes an ``Envelope`` (a message read from the outbox, detached from the database)
and returns when the other side accepted it, or raises ``DeliveryFailed``. Both carry the
message's delivery id, so a receiver can drop a repeat: a message whose sender died before
it was marked sent goes again, with the same id.

The webhook's body is the message's payload as compact JSON with ``delivery_id`` added; the
header ``X-Homevisit-Signature: sha256=<hex>`` is the HMAC-SHA256 of exactly those bytes
under ``HOMEVISIT_WEBHOOK_SECRET``, and ``X-Homevisit-Delivery`` repeats the delivery id.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import smtplib
import socket
import urllib.error
import urllib.request
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate
from typing import TYPE_CHECKING, Any, Protocol

from scheduler.models import Channel

if TYPE_CHECKING:
    from scheduler.config import Settings

DELIVERY_HEADER = "X-Homevisit-Delivery"
SIGNATURE_HEADER = "X-Homevisit-Signature"
USER_AGENT = "homevisit-outbox"
# Answers that a later attempt may change: the receiver is overloaded, down or timing out.
_RETRIED_HTTP = frozenset({408, 425, 429})
_MAX_ERROR_CHARS = 500


@dataclass(frozen=True)
class Envelope:
    """What a sender needs of one outbox message."""

    delivery_id: str
    channel: Channel
    address: str | None
    subject: str
    body: str
    payload: dict[str, Any]


class DeliveryFailed(Exception):
    """The channel did not take the message. ``permanent``: retrying cannot help (the
    server refused the address, the webhook rejected the request as wrong)."""

    def __init__(self, message: str, permanent: bool = False) -> None:
        super().__init__(message[:_MAX_ERROR_CHARS])
        self.permanent = permanent


class Sender(Protocol):
    """Sends one message; raises ``DeliveryFailed`` unless the other side accepted it."""

    def send(self, envelope: Envelope) -> None: ...


@dataclass(frozen=True)
class SmtpSender:
    """Email through an SMTP server (``smtplib``), a new connection per message."""

    host: str
    port: int
    sender: str
    user: str | None = None
    password: str | None = None
    starttls: bool = False
    timeout_s: float = 10.0

    def send(self, envelope: Envelope) -> None:
        if envelope.address is None:
            raise DeliveryFailed("the message has no email address", permanent=True)
        try:
            with smtplib.SMTP(
                self.host, self.port, _local_hostname(), timeout=self.timeout_s
            ) as server:
                if self.starttls:
                    server.starttls()
                if self.user is not None and self.password is not None:
                    server.login(self.user, self.password)
                server.send_message(email_message(envelope, self.sender))
        except smtplib.SMTPRecipientsRefused as error:
            codes = [code for code, _ in error.recipients.values()]
            raise DeliveryFailed(
                f"the mail server refused {envelope.address}: {codes}",
                permanent=all(code >= 500 for code in codes),
            ) from error
        except smtplib.SMTPResponseException as error:
            text = error.smtp_error
            if isinstance(text, bytes):
                text = text.decode(errors="replace")
            raise DeliveryFailed(f"the mail server answered {error.smtp_code} {text}") from error
        except (smtplib.SMTPException, OSError) as error:
            raise DeliveryFailed(
                f"cannot reach the mail server {self.host}:{self.port}: {error}"
            ) from error


@functools.cache
def _local_hostname() -> str:
    """The name this host gives in EHLO: looked up once, not for every message."""
    return socket.getfqdn()


def email_message(envelope: Envelope, sender: str) -> EmailMessage:
    """The email of a message; its Message-ID and a header carry the delivery id."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = envelope.address or ""
    message["Subject"] = envelope.subject
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = f"<{envelope.delivery_id}@homevisit>"
    message[DELIVERY_HEADER] = envelope.delivery_id
    message.set_content(envelope.body)
    return message


def webhook_body(envelope: Envelope) -> bytes:
    """The webhook's body: the payload with the delivery id, compact JSON in UTF-8, the
    same bytes on every attempt."""
    document = {**envelope.payload, "delivery_id": envelope.delivery_id}
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.encode()


def signature(body: bytes, secret: str) -> str:
    """``sha256=<hex>``: the HMAC-SHA256 of ``body`` under ``secret``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class WebhookSender:
    """A signed JSON POST to the integrator's URL (``urllib``); any 2xx answer accepts."""

    url: str
    secret: str
    timeout_s: float = 10.0

    def send(self, envelope: Envelope) -> None:
        body = webhook_body(envelope)
        request = urllib.request.Request(
            self.url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "User-Agent": USER_AGENT,
                DELIVERY_HEADER: envelope.delivery_id,
                SIGNATURE_HEADER: signature(body, self.secret),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as answer:
                answer.read()
        except urllib.error.HTTPError as error:
            permanent = 400 <= error.code < 500 and error.code not in _RETRIED_HTTP
            raise DeliveryFailed(f"the webhook answered HTTP {error.code}", permanent) from error
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise DeliveryFailed(f"cannot reach the webhook: {reason}") from error


def senders(settings: Settings) -> dict[Channel, Sender]:
    """The configured channels; a channel missing here has its messages skipped."""
    found: dict[Channel, Sender] = {}
    if settings.smtp_host is not None and settings.smtp_from is not None:
        found[Channel.EMAIL] = SmtpSender(
            settings.smtp_host,
            settings.smtp_port,
            settings.smtp_from,
            settings.smtp_user,
            settings.smtp_password,
            settings.smtp_starttls,
            settings.delivery_timeout_s,
        )
    if settings.webhook_url is not None and settings.webhook_secret is not None:
        found[Channel.WEBHOOK] = WebhookSender(
            settings.webhook_url, settings.webhook_secret, settings.delivery_timeout_s
        )
    return found


NOT_CONFIGURED = {
    Channel.EMAIL: "email is not configured (HOMEVISIT_SMTP_HOST is not set)",
    Channel.WEBHOOK: "the webhook is not configured (HOMEVISIT_WEBHOOK_URL is not set)",
}
