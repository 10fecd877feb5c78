"""Hearing the route versions' notifications: PostgreSQL ``LISTEN`` on a thread of its own.

Every commit that changes routes or logins sends a ``NOTIFY`` (``scheduler.models.versions``).
A server process that keeps callers in memory listens, so that a change committed by any
process (another server, the CLI, a worker) drops what it had kept, as soon as PostgreSQL
delivers the notification.

Every few seconds a probe goes round (sent through the engine as every writer sends, heard
on the listening connection). ``listening`` is set once a probe has come back on a new
connection (``on_lost`` runs then: notifications sent before it listened were missed), and
cleared when a probe does not come back in time or the connection fails. So a channel that
does not work (a dead connection, a pooler that does not pass ``LISTEN``) never lets
callers be kept.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from typing import TYPE_CHECKING

import sqlalchemy as sa

from scheduler.models.versions import CHANNEL_PREFIX, channel_name, read_payload, sync_payload

if TYPE_CHECKING:
    from collections.abc import Callable

    import psycopg
    from sqlalchemy.engine import Engine

    from scheduler.models.versions import Change

log = logging.getLogger(__name__)

# A probe goes round every PROBE_EVERY_S; one not heard within PROBE_TIMEOUT_S ends the
# connection (and the callers kept) until a new one is heard.
PROBE_EVERY_S = 5.0
PROBE_TIMEOUT_S = 5.0
WAKE_EVERY_S = 0.5
RETRY_AFTER_S = 1.0


class ProbeLost(Exception):
    """The listener's own notification did not come back."""


class ChangeListener:
    """Calls ``on_change`` with every change PostgreSQL announces on ``engine``'s schema."""

    def __init__(
        self,
        engine: Engine,
        on_change: Callable[[Change], None],
        on_lost: Callable[[], None],
    ) -> None:
        self._engine = engine
        self._on_change = on_change
        self._on_lost = on_lost
        self._stopping = threading.Event()
        self._listening = threading.Event()
        self._seen = threading.Condition()
        self._markers: set[str] = set()
        self._thread: threading.Thread | None = None
        # The PostgreSQL process of the listening connection (pg_stat_activity's pid).
        self.backend_pid: int | None = None

    @staticmethod
    def can_listen(engine: Engine) -> bool:
        """Whether the engine's database can announce changes (PostgreSQL through psycopg)."""
        return engine.dialect.name == "postgresql" and engine.dialect.driver == "psycopg"

    @property
    def listening(self) -> bool:
        """Whether every change committed from now on will be heard."""
        return self._listening.is_set()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="change-listener", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is None:
            return
        self._thread.join()  # it wakes within WAKE_EVERY_S

    def wait_listening(self, timeout_s: float) -> bool:
        """Wait until the listener listens (at start); False if it did not in time."""
        return self._listening.wait(timeout_s)

    def sync(self, timeout_s: float = 10.0) -> bool:
        """Wait until every change committed before this call has been handled.

        PostgreSQL delivers notifications in the order of their commits: once a probe sent
        now comes back, everything committed earlier has come too. False if it did not in
        time (the listener is not listening).
        """
        marker = secrets.token_hex(8)
        self._notify(sync_payload(marker))
        with self._seen:
            seen = self._seen.wait_for(lambda: marker in self._markers, timeout_s)
            self._markers.discard(marker)
        return seen

    def _notify(self, payload: str) -> None:
        with self._engine.begin() as connection:
            connection.execute(
                sa.text("SELECT pg_notify(:prefix || current_schema(), :payload)"),
                {"prefix": CHANNEL_PREFIX, "payload": payload},
            )

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                with self._connect() as connection:
                    self._listen(connection)
            except Exception:  # any failure: a listener that stopped would leave caches stale
                log.warning("lost the database's change notifications; reconnecting")
            finally:
                self._listening.clear()
            self._stopping.wait(RETRY_AFTER_S)

    def _connect(self) -> psycopg.Connection[tuple[object, ...]]:
        import psycopg

        # The engine's own connection arguments (host, options such as search_path), on a
        # connection outside its pool: it stays open as long as the server runs.
        args, params = self._engine.dialect.create_connect_args(self._engine.url)
        return psycopg.connect(*args, **params, autocommit=True)

    def _listen(self, connection: psycopg.Connection[tuple[object, ...]]) -> None:
        row = connection.execute("SELECT current_schema()").fetchone()
        channel = channel_name(str(row[0] if row else "public"))
        connection.execute(f'LISTEN "{channel.replace(chr(34), chr(34) * 2)}"')
        self.backend_pid = connection.info.backend_pid
        probe: str | None = self._probe()
        deadline = next_probe = time.monotonic() + PROBE_TIMEOUT_S
        while not self._stopping.is_set():
            for notice in connection.notifies(timeout=WAKE_EVERY_S):
                self._handle(read_payload(notice.payload))
                if self._stopping.is_set():
                    return
            now = time.monotonic()
            if probe is not None and self._heard(probe):
                if not self.listening:
                    self._listening.set()
                    self._on_lost()  # changes before this connection listened were missed
                probe, next_probe = None, now + PROBE_EVERY_S
            elif probe is not None and now > deadline:
                raise ProbeLost(f"a probe sent {PROBE_TIMEOUT_S:g} s ago was not heard back")
            if probe is None and now >= next_probe:
                probe, deadline = self._probe(), now + PROBE_TIMEOUT_S

    def _probe(self) -> str:
        # Through the engine, as every writer sends: heard back, the whole path works (a
        # pooler that does not pass LISTEN, or a dead connection, would lose it).
        marker = "probe-" + secrets.token_hex(8)
        self._notify(sync_payload(marker))
        return marker

    def _heard(self, marker: str) -> bool:
        with self._seen:
            if marker in self._markers:
                self._markers.discard(marker)
                return True
        return False

    def _handle(self, change: Change) -> None:
        if change.marker is not None:
            with self._seen:
                self._markers.add(change.marker)
                self._seen.notify_all()
            return
        self._on_change(change)
