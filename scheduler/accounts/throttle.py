"""Login throttling: attempts per email and per client address, counted in the database so
that every API server sees the same counts.

The rule, for each key (an email, an address) with its own limit:

- attempts are counted in a window that opens at the key's first counted attempt and lasts
  ``window_s``;
- up to half the limit they cost nothing; from there each attempt must come at least 1 s
  after the previous one, then 2, 4, ... (doubling, at most the window); an earlier one is
  refused with the seconds to wait;
- the attempt that reaches the limit locks the key for ``window_s``: every attempt is refused
  until then, one with the right password too.

Refused attempts are not counted, so a lock ends on time however hard the key is hammered.
An attempt is counted before its password is checked, so that guesses sent at once to several
servers cannot all be checked; a successful login takes its count back from the address and
clears its email's. Unknown emails are counted like known ones: a refusal says nothing about
which emails have logins. Keys are HMACs under the secret key: the table holds no email and
no address.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from scheduler.errors import TooManyAttempts
from scheduler.models import LoginThrottle, ThrottleScope

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    # id, version, failures, window_start_at, last_attempt_at, locked_until
    CountRow = sa.Row[int, int, int, dt.datetime, dt.datetime, dt.datetime | None]

# Updates of one key that may lose to other servers' before the attempt is refused: losing
# that often means the key is being hammered at this moment.
MAX_RACES = 5
RACE_WAIT_S = 1


@dataclass(frozen=True)
class ThrottlePolicy:
    """Attempts a key may make in a window (``account_limit`` for an email,
    ``address_limit`` for a client address), and the window's length, which is also how
    long a lock lasts."""

    account_limit: int = 10
    address_limit: int = 50
    window_s: float = 900.0


@dataclass(frozen=True)
class LoginAttempt:
    """A login attempt as the throttle sees it: from which client address, and when."""

    address: str | None
    at: dt.datetime
    policy: ThrottlePolicy


@dataclass(frozen=True)
class Count:
    """A key's attempts as stored."""

    failures: int
    window_start_at: dt.datetime
    last_attempt_at: dt.datetime
    locked_until: dt.datetime | None = None


@dataclass(frozen=True)
class _Key:
    scope: ThrottleScope
    key_hash: str
    limit: int


def delay_s(failures: int, limit: int, window_s: float) -> float:
    """How long after its last attempt a key with ``failures`` may try again."""
    slow_from = max(1, limit // 2)
    if failures < slow_from:
        return 0.0
    return min(2.0 ** (failures - slow_from), window_s)


def _lapsed(count: Count, window_s: float, now: dt.datetime) -> bool:
    """Whether the count no longer matters: its lock, or else its window, is over."""
    if count.locked_until is not None:
        return now >= count.locked_until
    return now >= count.window_start_at + dt.timedelta(seconds=window_s)


def wait_s(count: Count, limit: int, window_s: float, now: dt.datetime) -> float:
    """Seconds before the key may try again; 0: now."""
    if _lapsed(count, window_s, now):
        return 0.0
    if count.locked_until is not None:
        return (count.locked_until - now).total_seconds()
    ready = count.last_attempt_at + dt.timedelta(seconds=delay_s(count.failures, limit, window_s))
    return max(0.0, (ready - now).total_seconds())


def counted(count: Count | None, limit: int, window_s: float, now: dt.datetime) -> Count:
    """The key's count after one more attempt at ``now`` (a lapsed count starts again)."""
    if count is None or _lapsed(count, window_s, now):
        failures, start = 1, now
    else:
        failures, start = count.failures + 1, count.window_start_at
    locked = now + dt.timedelta(seconds=window_s) if failures >= limit else None
    return Count(failures, start, now, locked)


def _expires_at(count: Count, window_s: float) -> dt.datetime:
    return count.locked_until or count.window_start_at + dt.timedelta(seconds=window_s)


def _aware(moment: dt.datetime) -> dt.datetime:
    # SQLite gives the stored UTC times back without their zone.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def _key_hash(secret_key: str, scope: ThrottleScope, value: str) -> str:
    message = f"login:{scope.value}:{value}".encode()
    return hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()


def _row_values(count: Count, window_s: float) -> dict[str, Any]:
    return {
        "failures": count.failures,
        "window_start_at": count.window_start_at,
        "last_attempt_at": count.last_attempt_at,
        "locked_until": count.locked_until,
        "expires_at": _expires_at(count, window_s),
    }


_COUNT_COLUMNS = (
    LoginThrottle.id,
    LoginThrottle.version,
    LoginThrottle.failures,
    LoginThrottle.window_start_at,
    LoginThrottle.last_attempt_at,
    LoginThrottle.locked_until,
)


def _read_count(session: Session, scope: ThrottleScope, key_hash: str) -> CountRow | None:
    return session.execute(
        sa.select(*_COUNT_COLUMNS).where(
            LoginThrottle.scope == scope, LoginThrottle.key_hash == key_hash
        )
    ).one_or_none()


def _count_of(row: CountRow) -> Count:
    locked = _aware(row.locked_until) if row.locked_until is not None else None
    return Count(row.failures, _aware(row.window_start_at), _aware(row.last_attempt_at), locked)


def _wait_of_key(session: Session, key: _Key, window_s: float, now: dt.datetime) -> float:
    row = _read_count(session, key.scope, key.key_hash)
    return 0.0 if row is None else wait_s(_count_of(row), key.limit, window_s, now)


def _count_attempt(session: Session, key: _Key, window_s: float, now: dt.datetime) -> float:
    """Count one attempt of the key; 0, or the seconds to wait if it may not try now."""
    for _ in range(MAX_RACES):
        row = _read_count(session, key.scope, key.key_hash)
        if row is None:
            first = _row_values(counted(None, key.limit, window_s, now), window_s)
            try:
                with session.begin_nested():
                    session.execute(
                        sa.insert(LoginThrottle).values(
                            scope=key.scope, key_hash=key.key_hash, version=0, **first
                        )
                    )
            except IntegrityError:
                continue  # another server counted the key's first attempt meanwhile
            return 0.0
        count = _count_of(row)
        wait = wait_s(count, key.limit, window_s, now)
        if wait > 0:
            return wait
        # Only from the state read: a server that changed the row meanwhile wins, and the
        # attempt is counted again on its state.
        after = counted(count, key.limit, window_s, now)
        result = session.execute(
            sa.update(LoginThrottle)
            .where(LoginThrottle.id == row.id, LoginThrottle.version == row.version)
            .values(version=row.version + 1, **_row_values(after, window_s))
            .execution_options(synchronize_session=False)
        )
        if getattr(result, "rowcount", 0) == 1:
            return 0.0
    return RACE_WAIT_S


def _in_words(seconds: int) -> str:
    if seconds >= 120:
        return f"{math.ceil(seconds / 60)} minutes"
    return "1 second" if seconds == 1 else f"{seconds} seconds"


def _keys(secret_key: str, email: str, attempt: LoginAttempt) -> list[_Key]:
    policy = attempt.policy
    keys = []
    if attempt.address is not None:
        address = _key_hash(secret_key, ThrottleScope.ADDRESS, attempt.address)
        keys.append(_Key(ThrottleScope.ADDRESS, address, policy.address_limit))
    account = _key_hash(secret_key, ThrottleScope.ACCOUNT, email)
    keys.append(_Key(ThrottleScope.ACCOUNT, account, policy.account_limit))
    return keys


def _refuse(session: Session, wait: float) -> TooManyAttempts:
    session.commit()
    seconds = math.ceil(wait)
    return TooManyAttempts(
        f"too many failed logins for this email or from this address; "
        f"try again in {_in_words(seconds)}",
        retry_after_s=seconds,
    )


def count_attempt(session: Session, secret_key: str, email: str, attempt: LoginAttempt) -> None:
    """Count a login attempt for ``email`` (normalised) before its password is checked;
    ``TooManyAttempts`` if the email or the address may not try now. Commits, so that other
    servers see the count at once."""
    window_s, now = attempt.policy.window_s, attempt.at
    keys = _keys(secret_key, email, attempt)
    # Both keys are asked first: an attempt refused for one must not count for the other.
    wait = max(_wait_of_key(session, key, window_s, now) for key in keys)
    if wait > 0:
        raise _refuse(session, wait)
    for key in keys:
        wait = _count_attempt(session, key, window_s, now)
        if wait > 0:  # another server counted an attempt of the key meanwhile
            raise _refuse(session, wait)
    session.execute(
        sa.delete(LoginThrottle)
        .where(LoginThrottle.expires_at < now)
        .execution_options(synchronize_session=False)
    )
    session.commit()


def forgive_attempt(session: Session, secret_key: str, email: str, attempt: LoginAttempt) -> None:
    """The password was right: clear the email's count and take the attempt back from the
    address's (a lock stays). The caller commits."""
    for key in _keys(secret_key, email, attempt):
        row_of_key = (LoginThrottle.scope == key.scope) & (LoginThrottle.key_hash == key.key_hash)
        if key.scope == ThrottleScope.ACCOUNT:
            statement: sa.Executable = sa.delete(LoginThrottle).where(row_of_key)
        else:
            # Not a reset: one good login of their own between guesses must not wipe out an
            # address's failed ones.
            statement = (
                sa.update(LoginThrottle)
                .where(row_of_key, LoginThrottle.failures > 0)
                .values(failures=LoginThrottle.failures - 1, version=LoginThrottle.version + 1)
            )
        session.execute(statement.execution_options(synchronize_session=False))
