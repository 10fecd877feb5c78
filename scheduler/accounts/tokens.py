"""Bearer tokens and calendar-feed secrets.

A bearer token is random; the database keeps only its HMAC under the installation's secret
key, so a copy of the database holds no usable token. A calendar feed's secret is the HMAC of
the user's id and their random ``feed_salt``: a new salt rotates it, and a later user who
gets a deleted user's id gets a new salt with it. Revoking a user's tokens rotates it too.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from scheduler.accounts.throttle import count_attempt, forgive_attempt
from scheduler.accounts.users import check_nobody_s_password, password_matches
from scheduler.errors import InvalidRequest, NotAuthenticated, NotFound
from scheduler.models import ApiToken, Therapist, User
from scheduler.models.base import utc_now
from scheduler.models.users import new_feed_salt

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from scheduler.accounts.throttle import LoginAttempt

DEFAULT_TOKEN_TTL = dt.timedelta(hours=12)
TOKEN_BYTES = 32


@dataclass(frozen=True)
class IssuedToken:
    """A new bearer token: the only time the token itself is seen."""

    token: str
    expires_at: dt.datetime
    user: User


def _keyed_hash(secret_key: str, message: str) -> str:
    return hmac.new(secret_key.encode(), message.encode(), hashlib.sha256).hexdigest()


def log_in(
    session: Session,
    secret_key: str,
    email: str,
    password: str,
    clinic_id: int | None = None,
    ttl: dt.timedelta = DEFAULT_TOKEN_TTL,
    attempt: LoginAttempt | None = None,
) -> IssuedToken:
    """A new token for the user with this email and password.

    An email may have logins in several clinics; ``clinic_id`` then says which. A wrong
    email or password is ``NotAuthenticated``, without saying which of the two was wrong.
    With an ``attempt``, the login is throttled (``scheduler.accounts.throttle``): too many
    failures lately are ``TooManyAttempts``, before any password is checked.
    """
    email = email.strip().lower()
    if attempt is not None:
        count_attempt(session, secret_key, email, attempt)
    matching = _users_with_password(session, email, password, clinic_id)
    if not matching:
        raise NotAuthenticated("wrong email or password")
    if attempt is not None:
        forgive_attempt(session, secret_key, email, attempt)
    if len(matching) > 1:
        session.commit()  # the password was right: the forgiven attempt stays forgiven
        raise InvalidRequest.single(
            "clinic_id", "this email has logins in several clinics; say which clinic"
        )
    return issue_token(session, secret_key, matching[0], ttl)


def _users_with_password(
    session: Session, email: str, password: str, clinic_id: int | None
) -> list[User]:
    # No stored email holds a NUL, and PostgreSQL refuses one in a query: wrong, not a 500.
    users: list[User] = []
    if "\x00" not in email:
        query = sa.select(User).where(User.email == email)
        if clinic_id is not None:
            query = query.where(User.clinic_id == clinic_id)
        users = list(session.scalars(query))
    if not users:
        check_nobody_s_password(password)
        return []
    # The password is checked first, so that only its holder learns that the email has
    # logins in several clinics.
    return [user for user in users if password_matches(user, password)]


def issue_token(
    session: Session, secret_key: str, user: User, ttl: dt.timedelta = DEFAULT_TOKEN_TTL
) -> IssuedToken:
    """A new token for ``user``, valid for ``ttl`` (the password is checked by ``log_in``)."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    expires_at = utc_now() + ttl
    session.add(
        ApiToken(user_id=user.id, token_hash=_keyed_hash(secret_key, token), expires_at=expires_at)
    )
    session.commit()
    return IssuedToken(token, expires_at, user)


def user_for_token(session: Session, secret_key: str, token: str) -> User:
    """The user of a valid (known, unexpired, unrevoked) token, else ``NotAuthenticated``."""
    return login_for_token(session, secret_key, token)[0]


def token_key(secret_key: str, token: str) -> str:
    """What the database keeps of a token (its keyed hash); also a key to cache it by."""
    return _keyed_hash(secret_key, token)


def login_for_token(session: Session, secret_key: str, token: str) -> tuple[User, dt.datetime]:
    """The user of a valid token and when the token expires, else ``NotAuthenticated``."""
    row = session.execute(
        sa.select(User, ApiToken.expires_at)
        .join(ApiToken, ApiToken.user_id == User.id)
        .where(
            ApiToken.token_hash == _keyed_hash(secret_key, token),
            ApiToken.expires_at > utc_now(),
            ApiToken.revoked_at.is_(None),
        )
        # Every request authenticates: load what the routes read of the caller at once.
        .options(joinedload(User.clinic), joinedload(User.therapist).joinedload(Therapist.clinic))
    ).first()
    if row is None:
        raise NotAuthenticated("the token is unknown, expired or revoked; log in again")
    return row[0], row[1]


def revoke_token(session: Session, secret_key: str, token: str) -> None:
    """End one token (logging out)."""
    session.execute(
        sa.update(ApiToken)
        .where(ApiToken.token_hash == _keyed_hash(secret_key, token))
        .values(revoked_at=utc_now())
    )
    session.commit()


def _clinic_user(session: Session, clinic_id: int, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None or user.clinic_id != clinic_id:
        raise NotFound(f"user {user_id} not found")
    return user


def revoke_user_tokens(session: Session, clinic_id: int, user_id: int) -> int:
    """End every token and the calendar-feed URL of a user of the clinic (a lost phone, a
    leaver); returns how many tokens were still valid."""
    user = _clinic_user(session, clinic_id, user_id)
    # The feed shows patients' names, addresses and phones: it must not outlive the logins.
    user.feed_salt = new_feed_salt()
    result = session.execute(
        sa.update(ApiToken)
        .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
        .where(ApiToken.expires_at > utc_now())
        .values(revoked_at=utc_now())
    )
    session.commit()
    return int(getattr(result, "rowcount", 0))


def feed_secret(secret_key: str, user: User) -> str:
    """The secret part of the user's calendar feed URL."""
    return _keyed_hash(secret_key, f"feed:{user.id}:{user.feed_salt}")[:40]


def user_for_feed(session: Session, secret_key: str, user_id: int, secret: str) -> User:
    """The user whose feed this is; ``NotFound`` for a wrong or rotated secret."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("no such calendar feed")
    # As bytes: compare_digest refuses str with characters beyond ASCII (a TypeError).
    if not hmac.compare_digest(feed_secret(secret_key, user).encode(), secret.encode()):
        raise NotFound("no such calendar feed")
    return user


def rotate_feed(session: Session, user: User) -> None:
    """Give the user a new feed secret; the old URL stops working."""
    user.feed_salt = new_feed_salt()
    session.commit()


def rotate_user_feed(session: Session, clinic_id: int, user_id: int) -> None:
    """Rotate the calendar feed of a user of the clinic (an admin's doing)."""
    rotate_feed(session, _clinic_user(session, clinic_id, user_id))
