"""``homevisit deliver``: the delivery worker that sends the outbox's messages.

Without ``--once`` it runs until stopped (SIGTERM or Ctrl-C end it between two messages),
pausing ``HOMEVISIT_DELIVERY_POLL_S`` whenever nothing is due, and waiting out a database
that went away; with ``--once`` it delivers what is due and exits, for cron.
"""

from __future__ import annotations

import datetime as dt
import signal
import sys
import threading
from contextlib import contextmanager
from typing import TYPE_CHECKING

from sqlalchemy.exc import OperationalError

from scheduler.cli.common import command_parser, open_session
from scheduler.config import Settings
from scheduler.errors import InvalidRequest
from scheduler.notify import DeliveryPolicy, DeliveryReport, deliver_due, senders
from scheduler.notify.delivery import DEFAULT_BATCH

if TYPE_CHECKING:
    import argparse
    from collections.abc import Iterator
    from types import FrameType

    from sqlalchemy.orm import Session

    from scheduler.cli.common import Subparsers
    from scheduler.models import Channel
    from scheduler.notify import Sender

EXAMPLE = (
    "homevisit deliver --once --batch 100     # e.g. from cron; without --once it keeps running"
)


def add_parsers(commands: Subparsers) -> None:
    """Register ``deliver``."""
    deliver = command_parser(
        commands, "deliver", EXAMPLE, "send the outbox's messages by email and webhook"
    )
    deliver.add_argument(
        "--once", action="store_true", help="deliver what is due now, then exit (for cron)"
    )
    deliver.add_argument(
        "--batch", type=int, default=DEFAULT_BATCH, help="messages claimed at a time"
    )


@contextmanager
def _stop_on_signals() -> Iterator[threading.Event]:
    """An event set by SIGTERM and SIGINT while inside; the old handlers come back after."""
    stop = threading.Event()

    def handle(number: int, frame: FrameType | None) -> None:
        del number, frame
        stop.set()

    if threading.current_thread() is not threading.main_thread():
        yield stop
        return
    previous = {number: signal.signal(number, handle) for number in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield stop
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def run_deliver(args: argparse.Namespace) -> int:
    if args.batch < 1:
        raise InvalidRequest.single("--batch", f"must be at least 1, got {args.batch}")
    settings = Settings.from_env()
    channels = senders(settings)
    policy = DeliveryPolicy.from_settings(settings)
    configured = ", ".join(sorted(channel.value for channel in channels)) or "none"
    print(f"delivering through: {configured} (others are skipped)", file=sys.stderr)
    total = DeliveryReport()
    with _stop_on_signals() as stop, open_session(args) as session:
        while not stop.is_set():
            report = _pass(session, channels, policy, args, stop)
            if report is not None:
                total.add(report)
                if report.claimed:
                    print(f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M:%S}Z {report}", flush=True)
            if args.once:
                break
            stop.wait(settings.delivery_poll_s)
    print(f"delivered: {total}", file=sys.stderr)
    return 0


def _pass(
    session: Session,
    channels: dict[Channel, Sender],
    policy: DeliveryPolicy,
    args: argparse.Namespace,
    stop: threading.Event,
) -> DeliveryReport | None:
    """One pass over what is due; None when the database could not be reached (a worker
    that keeps running tries again after the pause)."""
    try:
        return deliver_due(session, channels, policy, batch=args.batch, should_stop=stop.is_set)
    except OperationalError as error:
        session.rollback()
        if args.once:
            raise
        print(f"database error, trying again: {error.args[0] if error.args else error!r}")
        return None
