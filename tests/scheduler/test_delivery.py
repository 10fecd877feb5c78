"""The delivery worker against real receivers: an SMTP server (aiosmtpd) and an HTTP server
on 127.0.0.1. Time is a clock the tests move, so that backoff and leases never race it."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import socket
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from scheduler.models import Channel, MessageStatus, OutboxMessage
from scheduler.models.base import utc_now
from scheduler.notify import (
    DeliveryPolicy,
    SmtpSender,
    WebhookSender,
    claim_due,
    deliver_due,
    notification_summary,
    release_claims,
)
from scheduler.notify.delivery import STOPPED_WHILE_SENDING, deliver_one
from tests.scheduler.outbox_factories import messages, published_day
from tests.scheduler.receivers import SmtpReceiver, WebhookReceiver

if TYPE_CHECKING:
    from collections.abc import Iterator

    from sqlalchemy.engine import Engine

    from scheduler.models import Plan
    from scheduler.notify import Sender

SECRET = "webhook-secret-for-tests"
POLICY = DeliveryPolicy(max_attempts=3, backoff_s=60, lease_s=30)


@dataclass
class Clock:
    """Now, as the test sets it."""

    now: dt.datetime

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


@pytest.fixture
def clock() -> Clock:
    """A second after the messages were written: they are all due."""
    return Clock(utc_now() + dt.timedelta(seconds=1))


@pytest.fixture
def day(session: Session) -> Plan:
    """The small day's first plan, published with addresses: 5 emails, 5 webhook calls."""
    return published_day(session)[1]


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as receiver:
        yield receiver


def webhook(receiver: WebhookReceiver) -> dict[Channel, Sender]:
    return {Channel.WEBHOOK: WebhookSender(receiver.url, SECRET, timeout_s=30)}


def utc(moment: dt.datetime | None) -> dt.datetime | None:
    """A stored moment as UTC: SQLite gives it back without its timezone."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=dt.UTC)


def by_status(session: Session, plan: Plan, channel: Channel) -> dict[MessageStatus, int]:
    counts: dict[MessageStatus, int] = {}
    for row in messages(session, plan, channel):
        counts[row.status] = counts.get(row.status, 0) + 1
    return counts


def test_webhook_calls_are_signed_and_carry_the_delivery_id(
    session: Session, day: Plan, receiver: WebhookReceiver, clock: Clock
) -> None:
    """Each webhook row reaches the receiver once: its HMAC-SHA256 verifies with the secret,
    the header and the body name its delivery id; email, not configured, is skipped."""
    report = deliver_due(session, webhook(receiver), POLICY, clock=clock)
    assert (report.sent, report.skipped, report.failed) == (5, 5, 0)
    hooks = messages(session, day, Channel.WEBHOOK)
    assert receiver.delivery_ids() == [row.delivery_id for row in hooks]
    for item, row in zip(receiver.received, hooks, strict=True):
        expected = hmac.new(SECRET.encode(), item.body, hashlib.sha256).hexdigest()
        assert hmac.compare_digest(item.signature, f"sha256={expected}")
        assert item.content_type == "application/json"
        assert item.json() == {**row.payload, "delivery_id": row.delivery_id}
        assert (row.status, row.attempts, utc(row.sent_at)) == (MessageStatus.SENT, 1, clock.now)
    emails = messages(session, day, Channel.EMAIL)
    assert {(row.status, row.last_error) for row in emails} == {
        (MessageStatus.SKIPPED, "email is not configured (HOMEVISIT_SMTP_HOST is not set)")
    }


def test_email_reaches_a_real_smtp_server(session: Session, day: Plan, clock: Clock) -> None:
    """Each email row is one mail to its address, with the subject, the text, and the
    delivery id in a header and in the Message-ID."""
    with SmtpReceiver() as server:
        smtp = SmtpSender(server.host, server.port, "roster@clinic.example", timeout_s=30)
        report = deliver_due(session, {Channel.EMAIL: smtp}, POLICY, clock=clock)
        mails = list(server.mails)
    assert (report.sent, report.skipped) == (5, 5)
    rows = messages(session, day, Channel.EMAIL)
    assert [(sender, to) for sender, to, _ in mails] == [
        ("roster@clinic.example", [row.address]) for row in rows
    ]
    first, row = mails[0][2], rows[0]
    assert first["Subject"] == "Your route for Monday 30 November 2026"
    assert first["To"] == "t1@clinic.example"
    assert first["X-Homevisit-Delivery"] == row.delivery_id
    assert first["Message-ID"] == f"<{row.delivery_id}@homevisit>"
    text = first.get_content().replace("\r\n", "\n")  # SMTP carries lines ending in CRLF
    assert text == row.body
    assert " 1. 09:00-09:45  Patient p1, Carrer p1\n" in text
    assert {row.status for row in rows} == {MessageStatus.SENT}


def test_a_failing_webhook_is_retried_with_backoff_then_reported_on_the_plan(
    session: Session, day: Plan, clock: Clock
) -> None:
    """A receiver answering 500: attempts at 0 s, 60 s and 180 s (the pause doubles), the
    same delivery id each time; then ``failed``, and the plan's summary says why."""
    with WebhookReceiver(status=500) as receiver:
        senders = webhook(receiver)
        attempts = []
        for step in (0, 30, 30, 60, 60):
            clock.advance(step)
            attempts.append(deliver_due(session, senders, POLICY, clock=clock).claimed)
        ids = receiver.delivery_ids()
    assert attempts == [10, 0, 5, 0, 5]  # the first pass also skips the 5 emails
    hooks = messages(session, day, Channel.WEBHOOK)
    assert sorted(ids) == sorted([row.delivery_id for row in hooks] * 3)
    assert {(row.status, row.attempts) for row in hooks} == {(MessageStatus.FAILED, 3)}
    summary = notification_summary(session, day.clinic_id, day.id)
    assert summary.counts[MessageStatus.FAILED] == 5
    assert summary.counts[MessageStatus.SKIPPED] == 5
    assert {(m.channel, m.attempts, m.error) for m in summary.failed} == {
        (Channel.WEBHOOK, 3, "the webhook answered HTTP 500")
    }


def test_a_receiver_that_recovers_gets_the_message_on_the_retry(
    session: Session, day: Plan, clock: Clock
) -> None:
    with WebhookReceiver(statuses=[503]) as receiver:
        deliver_due(session, webhook(receiver), POLICY, clock=clock)
        clock.advance(60)
        deliver_due(session, webhook(receiver), POLICY, clock=clock)
        ids = receiver.delivery_ids()
    first = messages(session, day, Channel.WEBHOOK)[0]
    assert ids.count(first.delivery_id) == 2
    assert (first.status, first.attempts, first.last_error) == (MessageStatus.SENT, 2, None)
    assert by_status(session, day, Channel.WEBHOOK) == {MessageStatus.SENT: 5}


def test_a_request_the_receiver_rejects_fails_at_once(
    session: Session, day: Plan, clock: Clock
) -> None:
    """A 4xx answer other than 408, 425 and 429 will not change: no retry."""
    with WebhookReceiver(status=422) as receiver:
        report = deliver_due(session, webhook(receiver), POLICY, clock=clock)
    assert (report.failed, report.retried) == (5, 0)
    assert by_status(session, day, Channel.WEBHOOK) == {MessageStatus.FAILED: 5}


def test_an_address_the_mail_server_refuses_fails_at_once(
    session: Session, day: Plan, clock: Clock
) -> None:
    with SmtpReceiver(refused={"p2@example.org"}) as server:
        smtp = SmtpSender(server.host, server.port, "roster@clinic.example", timeout_s=30)
        report = deliver_due(session, {Channel.EMAIL: smtp}, POLICY, clock=clock)
    assert (report.sent, report.failed) == (4, 1)
    [failed] = notification_summary(session, day.clinic_id, day.id).failed
    assert failed.error == "the mail server refused p2@example.org: [550]"


def test_an_unreachable_receiver_is_tried_again_later(
    session: Session, day: Plan, clock: Clock
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    senders: dict[Channel, Sender] = {
        Channel.WEBHOOK: WebhookSender(f"http://127.0.0.1:{port}/hook", SECRET, timeout_s=5)
    }
    report = deliver_due(session, senders, POLICY, clock=clock)
    assert report.retried == 5
    row = messages(session, day, Channel.WEBHOOK)[0]
    assert row.status is MessageStatus.PENDING
    assert utc(row.next_attempt_at) == clock.now + dt.timedelta(seconds=60)
    assert row.last_error is not None
    assert row.last_error.startswith("cannot reach the webhook:")


def test_a_lease_keeps_other_workers_off_until_it_runs_out(
    session: Session, day: Plan, receiver: WebhookReceiver, clock: Clock
) -> None:
    """Worker a claims two messages and stops; b gets the others at once and a's two only
    after a's lease; a, back, finds them taken and sends nothing twice."""
    senders = webhook(receiver)
    a = claim_due(session, "worker-a", POLICY, clock.now, limit=2)
    b = claim_due(session, "worker-b", POLICY, clock.now, limit=100)
    assert {m.id for m in a}.isdisjoint({m.id for m in b})
    assert len(a) + len(b) == 10
    for message in b:
        deliver_one(session, "worker-b", message, senders, POLICY, clock)
    assert claim_due(session, "worker-c", POLICY, clock.now, limit=100) == []
    clock.advance(POLICY.lease_s)
    c = claim_due(session, "worker-c", POLICY, clock.now, limit=100)
    assert [(m.id, m.attempts) for m in c] == [(m.id, 2) for m in a]
    late = [deliver_one(session, "worker-a", m, senders, POLICY, clock) for m in a]
    assert [(r.lost, r.sent, r.skipped) for r in late] == [(1, 0, 0), (1, 0, 0)]
    assert len(receiver.received) == len(messages(session, day, Channel.WEBHOOK)) - 1


def test_a_message_marked_sent_is_never_claimed_again(
    session: Session, day: Plan, receiver: WebhookReceiver, clock: Clock
) -> None:
    deliver_due(session, webhook(receiver), POLICY, clock=clock)
    clock.advance(10 * 24 * 3600)
    assert claim_due(session, "later", POLICY, clock.now, limit=100) == []
    assert len(receiver.received) == len(messages(session, day, Channel.WEBHOOK))


def test_a_lease_run_out_on_the_last_attempt_fails_the_message(
    session: Session, day: Plan, clock: Clock
) -> None:
    """Its worker died while sending: it may have arrived, and there is no attempt left."""
    one = DeliveryPolicy(max_attempts=1, backoff_s=60, lease_s=30)
    claimed = claim_due(session, "died", one, clock.now, limit=1)
    clock.advance(30)
    assert claim_due(session, "next", one, clock.now, limit=1)[0].id != claimed[0].id
    row = session.get(OutboxMessage, claimed[0].id, populate_existing=True)
    assert row is not None
    assert (row.status, row.last_error) == (MessageStatus.FAILED, STOPPED_WHILE_SENDING)
    assert notification_summary(session, day.clinic_id, day.id).counts[MessageStatus.FAILED] == 1


def test_a_stopped_worker_gives_its_claims_back(session: Session, day: Plan, clock: Clock) -> None:
    claimed = claim_due(session, "stopping", POLICY, clock.now, limit=3)
    assert release_claims(session, "stopping") == 3
    again = claim_due(session, "next", POLICY, clock.now, limit=3)
    assert [(m.id, m.attempts) for m in again] == [(m.id, 1) for m in claimed]
    assert len(messages(session, day)) == 10


def test_postgresql_workers_skip_the_rows_another_is_claiming(migrated: Engine) -> None:
    """While one transaction holds the first rows (a claim under way), another claim takes
    the next ones without waiting (FOR UPDATE SKIP LOCKED)."""
    if migrated.dialect.name != "postgresql":
        pytest.skip("SQLite has no row locks: its write lock serialises the claims")
    with Session(migrated) as session:
        published_day(session)
        session.commit()
    now = utc_now() + dt.timedelta(seconds=1)
    with Session(migrated) as holder, Session(migrated) as other:
        held = holder.scalars(
            sa.select(OutboxMessage.id).order_by(OutboxMessage.id).limit(3).with_for_update()
        ).all()
        other.execute(sa.text("SET LOCAL lock_timeout = '5s'"))
        taken = claim_due(other, "other", POLICY, now, limit=100)
        holder.rollback()
    assert len(held) == 3
    assert set(held).isdisjoint(m.id for m in taken)
    assert len(taken) == 7
