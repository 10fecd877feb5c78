"""What one server process keeps of the hot reads: rendered routes and feeds, and callers.

**Bodies** are keyed by the clinic's ``routes_version`` (with the kind, therapist and day),
which every request reads with its caller: a body is only ever served for the version it
was rendered at (or rendered later: never older), so this cache is right on every engine and
with any number of servers without being told anything. Notifications only free memory.

**Callers** (a token's or a feed secret's user, role, therapist, clinic and that clinic's
version) spare the token's query, so an unchanged route costs no query at all. Only a
change notification can tell that one went stale (a check-in elsewhere, a revoked token),
so callers are kept only while ``scheduler.db.notifications`` listens, and each change drops
the callers of its clinics and users. ``epoch`` closes the race with a look-up that read the
database before a change and would keep its result after the change's notification.

Everything here is an optimisation: a server that starts empty, or another server, answers
the same.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from scheduler.models.base import utc_now

if TYPE_CHECKING:
    from collections.abc import Callable

    from scheduler.models import Role
    from scheduler.models.versions import Change

# How many callers a server keeps: a few hundred bytes each.
MAX_CALLERS = 50_000


@dataclass(frozen=True)
class Caller:
    """Who asks for a route: what the hot reads need of the user, without the database."""

    user_id: int
    role: Role
    clinic_id: int
    therapist_id: int | None
    timezone: str
    routes_version: int
    expires_at: dt.datetime | None  # the token's; None: a feed secret, valid until rotated


@dataclass(frozen=True)
class BodyKey:
    """A rendered body: ``kind`` (``route``, ``feed``) of a therapist's day."""

    clinic_id: int
    kind: str
    therapist_id: int
    day: dt.date


class RouteCache:
    """Rendered bodies (at most ``max_bytes``) and callers, safe to share between threads."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.listening: Callable[[], bool] = lambda: False
        self._lock = threading.Lock()
        self._bodies: OrderedDict[BodyKey, tuple[int, bytes]] = OrderedDict()
        self._bytes = 0
        self._callers: OrderedDict[str, Caller] = OrderedDict()
        self._epoch = 0

    @property
    def enabled(self) -> bool:
        return self.max_bytes > 0

    def epoch(self) -> int:
        """Take before reading the database; give to ``keep_caller`` after."""
        return self._epoch

    def caller(self, key: str) -> Caller | None:
        if not self.listening():
            return None
        with self._lock:
            caller = self._callers.get(key)
        if caller is not None and caller.expires_at is not None and caller.expires_at <= utc_now():
            return None
        return caller

    def keep_caller(self, key: str, caller: Caller, epoch: int) -> None:
        """Keep ``caller``, read from the database since ``epoch``, unless a change came since."""
        if not (self.enabled and self.listening()):
            return
        with self._lock:
            if epoch != self._epoch:
                return
            self._callers[key] = caller
            if len(self._callers) > MAX_CALLERS:
                self._callers.popitem(last=False)

    def body(self, key: BodyKey, version: int) -> bytes | None:
        with self._lock:
            kept = self._bodies.get(key)
            if kept is None or kept[0] != version:
                return None
            self._bodies.move_to_end(key)
            return kept[1]

    def keep_body(self, key: BodyKey, version: int, body: bytes) -> None:
        if not self.enabled or len(body) > self.max_bytes:
            return
        with self._lock:
            kept = self._bodies.get(key)
            if kept is not None:
                if kept[0] > version:
                    return  # a newer body is there already
                self._bytes -= len(kept[1])
            self._bodies[key] = (version, body)
            self._bodies.move_to_end(key)
            self._bytes += len(body)
            while self._bytes > self.max_bytes:
                _, (_, dropped) = self._bodies.popitem(last=False)
                self._bytes -= len(dropped)

    def apply(self, change: Change) -> None:
        """Drop what a committed change may have made stale."""
        if change.everything:
            self.clear()
            return
        clinics, users = change.clinic_versions.keys(), change.user_ids
        with self._lock:
            self._epoch += 1
            for key in [k for k, c in self._callers.items() if c.clinic_id in clinics]:
                del self._callers[key]
            for key in [k for k, c in self._callers.items() if c.user_id in users]:
                del self._callers[key]
            for body_key in [k for k in self._bodies if k.clinic_id in clinics]:
                self._bytes -= len(self._bodies.pop(body_key)[1])

    def clear(self) -> None:
        """Forget every caller (changes may have been missed); bodies stay right."""
        with self._lock:
            self._epoch += 1
            self._callers.clear()

    def sizes(self) -> tuple[int, int]:
        """How many bodies and callers are kept (for tests and operators)."""
        with self._lock:
            return len(self._bodies), len(self._callers)
