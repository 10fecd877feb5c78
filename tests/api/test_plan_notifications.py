"""A plan's messages over HTTP: publishing reports what it wrote to the outbox, and reading
the plan shows what became of it, the failures with their error."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from scheduler.models import Channel, Role
from scheduler.models.base import utc_now
from scheduler.notify import DeliveryPolicy, WebhookSender, deliver_due
from tests.api.factories import add_login, auth_headers
from tests.scheduler.outbox_factories import first_plan
from tests.scheduler.planning_factories import add_small_day
from tests.scheduler.receivers import WebhookReceiver

if TYPE_CHECKING:
    from fastapi.testclient import TestClient
    from sqlalchemy.orm import Session


def test_a_published_plan_reports_its_messages_and_their_failures(
    client: TestClient, session: Session
) -> None:
    """Five recipients without email addresses: five emails skipped, five webhook calls
    pending; a receiver answering 500 fails them (one attempt allowed), and the plan says so."""
    day = add_small_day(session)
    plan = first_plan(session, day)
    headers = auth_headers(session, add_login(session, day.clinic, Role.COORDINATOR))
    draft = client.get(f"/plans/{plan.id}", headers=headers).json()
    assert draft["notifications"]["counts"] == dict.fromkeys(
        ("pending", "sending", "sent", "failed", "skipped"), 0
    )

    published = client.post(f"/plans/{plan.id}/publish", headers=headers).json()

    assert published["notifications"] == {
        "counts": {"pending": 5, "sending": 0, "sent": 0, "failed": 0, "skipped": 5},
        "failed": [],
    }
    with WebhookReceiver(status=500) as receiver:
        senders = {Channel.WEBHOOK: WebhookSender(receiver.url, "secret", timeout_s=30)}
        later = utc_now() + dt.timedelta(seconds=1)
        deliver_due(session, senders, DeliveryPolicy(max_attempts=1), clock=lambda: later)
    read = client.get(f"/plans/{plan.id}", headers=headers).json()["notifications"]
    assert read["counts"] == {"pending": 0, "sending": 0, "sent": 0, "failed": 5, "skipped": 5}
    assert [(m["recipient_kind"], m["channel"], m["attempts"]) for m in read["failed"]] == [
        ("therapist", "webhook", 1),
        ("therapist", "webhook", 1),
        ("patient", "webhook", 1),
        ("patient", "webhook", 1),
        ("patient", "webhook", 1),
    ]
    assert read["failed"][0]["error"] == "the webhook answered HTTP 500"
    assert read["failed"][0]["subject"] == "Your route for Monday 30 November 2026"


def test_a_plans_promise_to_patients_is_an_option(client: TestClient, session: Session) -> None:
    headers = auth_headers(session, add_login(session, add_small_day(session).clinic, Role.ADMIN))
    refused = client.post(
        "/plans",
        headers=headers,
        json={"date": "2026-11-30", "options": {"promised_minutes": -1}},
    )
    assert refused.status_code == 422
    assert [error["field"] for error in refused.json()["errors"]] == ["options.promised_minutes"]
