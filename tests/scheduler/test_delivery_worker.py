"""``homevisit deliver``, the command: its wiring, and a worker killed mid-batch (``kill -9``)
that loses no message and sends none twice that it had marked sent."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from collections import Counter
from typing import TYPE_CHECKING

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from scheduler.cli.main import main
from scheduler.config import Settings
from scheduler.db.engine import make_engine, upgrade
from scheduler.models import Channel, MessageStatus, OutboxMessage
from scheduler.models.base import utc_now
from scheduler.notify import DeliveryPolicy, WebhookSender, deliver_due
from tests.scheduler.outbox_factories import published_day
from tests.scheduler.receivers import WebhookReceiver

if TYPE_CHECKING:
    from collections.abc import Iterator

    from sqlalchemy.engine import Engine

SECRET = "webhook-secret-for-tests"
# Guards against a hung worker, not speed targets.
START_GUARD_S = 120
EXIT_GUARD_S = 120


@pytest.fixture
def stocked(database_url: str) -> Iterator[Engine]:
    """A database of the test's own (a SQLite file, a PostgreSQL schema) with the small
    day published: 5 webhook messages pending, the 5 emails skipped (no addresses)."""
    engine = make_engine(database_url)
    upgrade(engine)
    with Session(engine) as session:
        published_day(session, with_email=False)
        session.commit()
    yield engine
    engine.dispose()


def webhook_rows(engine: Engine) -> list[OutboxMessage]:
    with Session(engine) as session:
        query = sa.select(OutboxMessage).where(OutboxMessage.channel == Channel.WEBHOOK)
        return list(session.scalars(query.order_by(OutboxMessage.id)))


def worker_env(database_url: str, receiver: WebhookReceiver) -> dict[str, str]:
    return {
        **os.environ,
        "HOMEVISIT_DATABASE_URL": database_url,
        "HOMEVISIT_WEBHOOK_URL": receiver.url,
        "HOMEVISIT_WEBHOOK_SECRET": SECRET,
        # Long enough that the worker still waits on the stalled receiver when killed.
        "HOMEVISIT_DELIVERY_TIMEOUT_S": "300",
    }


def test_deliver_once_sends_what_is_due_and_exits(
    stocked: Engine, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with WebhookReceiver() as receiver:
        for name, value in worker_env(database_url, receiver).items():
            if name.startswith("HOMEVISIT_"):
                monkeypatch.setenv(name, value)
        assert main(["deliver", "--once", "--batch", "2"]) == 0
        received = receiver.delivery_ids()
    rows = webhook_rows(stocked)
    assert received == [row.delivery_id for row in rows]
    assert {row.status for row in rows} == {MessageStatus.SENT}


def test_deliver_refuses_an_empty_batch(database_url: str) -> None:
    assert main(["deliver", "--once", "--batch", "0", "--database-url", database_url]) == 2


@pytest.mark.slow
def test_a_worker_killed_mid_batch_loses_nothing_and_resends_nothing_marked_sent(
    stocked: Engine, database_url: str
) -> None:
    """``deliver --batch 3`` claims messages 1-3, sends 1 and 2 and is killed (SIGKILL)
    while the receiver holds 3. A second run at once sends 4 and 5 and leaves 3, whose
    lease still runs; a run after the lease sends 3 again with its delivery id. Every
    message arrived; 1 and 2, marked sent before the kill, arrived once."""
    rows = webhook_rows(stocked)
    with WebhookReceiver(stall_on=3) as receiver:
        env = worker_env(database_url, receiver)
        command = [sys.executable, "-m", "scheduler.cli.main", "deliver"]
        worker = subprocess.Popen(
            [*command, "--batch", "3"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        try:
            stalled = receiver.stalled.wait(START_GUARD_S)
        finally:
            worker.kill()
            _, errors = worker.communicate(timeout=EXIT_GUARD_S)
        assert stalled, errors.decode()
        killed_at = utc_now()
        at_kill = {row.delivery_id: row.status for row in webhook_rows(stocked)}
        sent_before_kill = {key for key, status in at_kill.items() if status is MessageStatus.SENT}
        assert sent_before_kill == {rows[0].delivery_id, rows[1].delivery_id}
        assert at_kill[rows[2].delivery_id] is MessageStatus.SENDING

        again = subprocess.run(
            [*command, "--once", "--batch", "3"], env=env, capture_output=True, timeout=EXIT_GUARD_S
        )
        assert again.returncode == 0, again.stderr.decode()
        after_rerun = {row.delivery_id: row.status for row in webhook_rows(stocked)}
        assert after_rerun[rows[2].delivery_id] is MessageStatus.SENDING  # still leased

        settings = Settings.from_env(env)
        lease_over = killed_at + dt.timedelta(seconds=settings.delivery_lease_s)
        with Session(stocked) as session:
            deliver_due(
                session,
                {Channel.WEBHOOK: WebhookSender(receiver.url, SECRET, timeout_s=30)},
                DeliveryPolicy.from_settings(settings),
                clock=lambda: lease_over,
            )
        received = list(receiver.received)
    counts = Counter(item.delivery_id for item in received)
    assert set(counts) == {row.delivery_id for row in rows}  # nothing lost
    assert all(counts[key] == 1 for key in sent_before_kill)  # nothing marked sent re-sent
    assert counts[rows[2].delivery_id] == 2  # the one in flight, repeated ...
    repeats = [item for item in received if item.delivery_id == rows[2].delivery_id]
    assert repeats[0].body == repeats[1].body  # ... with the same id, body and signature
    assert repeats[0].signature == repeats[1].signature
    assert {row.status for row in webhook_rows(stocked)} == {MessageStatus.SENT}
