"""The login throttle: slowed from half the limit, locked at it, shared by every server."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from scheduler.accounts.throttle import (
    Count,
    LoginAttempt,
    ThrottlePolicy,
    count_attempt,
    counted,
    delay_s,
    forgive_attempt,
    wait_s,
)
from scheduler.errors import TooManyAttempts
from scheduler.models import LoginThrottle

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

SECRET_KEY = "test-secret-key"
POLICY = ThrottlePolicy(account_limit=10, address_limit=50, window_s=900.0)
T0 = dt.datetime(2026, 12, 3, 9, 0, tzinfo=dt.UTC)


def _at(seconds: float, address: str | None = "192.0.2.1") -> LoginAttempt:
    return LoginAttempt(address, T0 + dt.timedelta(seconds=seconds), POLICY)


@pytest.mark.parametrize(
    ("failures", "delay"), [(0, 0.0), (4, 0.0), (5, 1.0), (6, 2.0), (9, 16.0), (20, 900.0)]
)
def test_the_delay_doubles_from_half_the_limit_up_to_the_window(
    failures: int, delay: float
) -> None:
    assert delay_s(failures, limit=10, window_s=900.0) == delay


def test_the_attempt_that_reaches_the_limit_locks_for_the_window() -> None:
    nine = Count(9, T0, T0)
    tenth = counted(nine, limit=10, window_s=900.0, now=T0 + dt.timedelta(seconds=16))
    assert tenth.failures == 10
    assert tenth.locked_until == T0 + dt.timedelta(seconds=916)
    assert wait_s(tenth, 10, 900.0, T0 + dt.timedelta(seconds=16)) == 900.0
    assert wait_s(tenth, 10, 900.0, T0 + dt.timedelta(seconds=916)) == 0.0


def test_a_lapsed_window_starts_the_count_again() -> None:
    four = Count(4, T0, T0 + dt.timedelta(seconds=10))
    later = T0 + dt.timedelta(seconds=900)
    assert counted(four, 10, 900.0, later) == Count(1, later, later)


def _attempts(session: Session, email: str, times: list[float]) -> list[int | None]:
    """Each attempt's ``Retry-After``, None where it was let through (and then failed)."""
    answers: list[int | None] = []
    for seconds in times:
        try:
            count_attempt(session, SECRET_KEY, email, _at(seconds))
        except TooManyAttempts as refused:
            answers.append(refused.retry_after_s)
        else:
            answers.append(None)
    return answers


def test_an_email_is_slowed_then_locked(session: Session) -> None:
    """Five free attempts; then 1, 2, 4, 8, 16 s apart; the tenth locks for 900 s."""
    free = _attempts(session, "ana@example.org", [0, 0, 0, 0, 0])
    assert free == [None] * 5
    assert _attempts(session, "ana@example.org", [0.5]) == [1]
    slowed = _attempts(session, "ana@example.org", [1, 3, 7, 15, 31])
    assert slowed == [None] * 5
    assert _attempts(session, "ana@example.org", [32, 500]) == [899, 431]
    assert _attempts(session, "ana@example.org", [931]) == [None]


def test_refused_attempts_do_not_count(session: Session) -> None:
    """Hammering a lock does not make it longer."""
    _attempts(session, "ana@example.org", [0, 0, 0, 0, 0, 1, 3, 7, 15, 31])
    hammering = _attempts(session, "ana@example.org", [31 + n for n in range(100)])
    assert all(answer is not None for answer in hammering)
    assert _attempts(session, "ana@example.org", [931]) == [None]


def test_a_good_login_clears_the_email_and_gives_back_the_address_attempt(
    session: Session,
) -> None:
    _attempts(session, "ana@example.org", [0, 0, 0, 0, 0])
    count_attempt(session, SECRET_KEY, "ana@example.org", _at(1))
    forgive_attempt(session, SECRET_KEY, "ana@example.org", _at(1))
    rows = dict(session.execute(sa.select(LoginThrottle.scope, LoginThrottle.failures)).all())
    assert rows == {"address": 5}
    assert _attempts(session, "ana@example.org", [2, 2, 2, 2, 2]) == [None] * 5


def test_an_address_is_counted_over_every_email(session: Session) -> None:
    """Spraying one guess at many emails still reaches the address's limit."""
    for n in range(25):
        count_attempt(session, SECRET_KEY, f"user{n}@example.org", _at(0))
    with pytest.raises(TooManyAttempts) as refused:
        count_attempt(session, SECRET_KEY, "someone@example.org", _at(0))
    assert refused.value.retry_after_s == 1
    # Another address may still try that email.
    count_attempt(session, SECRET_KEY, "someone@example.org", _at(0, address="192.0.2.2"))


def test_the_table_holds_no_email_and_no_address(session: Session) -> None:
    count_attempt(session, SECRET_KEY, "ana@example.org", _at(0))
    keys = session.scalars(sa.select(LoginThrottle.key_hash)).all()
    assert len(keys) == 2
    assert not any("ana" in key or "192.0.2.1" in key for key in keys)


def test_lapsed_rows_are_removed(session: Session) -> None:
    count_attempt(session, SECRET_KEY, "ana@example.org", _at(0))
    count_attempt(session, SECRET_KEY, "bob@example.org", _at(901, address=None))
    assert session.scalar(sa.select(sa.func.count()).select_from(LoginThrottle)) == 1


def test_two_servers_share_the_count(migrated: Engine) -> None:
    """What one server counted, another one refuses on: the count lives in the database."""
    with Session(migrated) as first, Session(migrated) as second:
        for _ in range(5):
            count_attempt(first, SECRET_KEY, "ana@example.org", _at(0))
        with pytest.raises(TooManyAttempts):
            count_attempt(second, SECRET_KEY, "ana@example.org", _at(0))
