"""Bearer tokens and calendar-feed secrets.

A bearer token is random; the database keeps only its HMAC under the installation's secret
key, so a copy of the database holds no usable token. A calendar feed's secret is the HMAC of
the user and their ``feed_version``: it needs no storage, and raising the version rotates it.
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

from scheduler.accounts.users import password_matches
from scheduler.errors import InvalidRequest, NotAuthenticated, NotFound
from scheduler.models import ApiToken, Therapist, User
from scheduler.models.base import utc_now

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

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
) -> IssuedToken:
    """A new token for the user with this email and password.

    An email may have logins in several clinics; ``clinic_id`` then says which. A wrong
    email or password is ``NotAuthenticated``, without saying which of the two was wrong.
    """
    # No stored email holds a NUL, and PostgreSQL refuses one in a query: wrong, not a 500.
    if "\x00" in email:
        raise NotAuthenticated("wrong email or password")
    query = sa.select(User).where(User.email == email.strip().lower())
    if clinic_id is not None:
        query = query.where(User.clinic_id == clinic_id)
    # The password is checked first, so that only its holder learns that the email has
    # logins in several clinics.
    matching = [user for user in session.scalars(query) if password_matches(user, password)]
    if not matching:
        raise NotAuthenticated("wrong email or password")
    if len(matching) > 1:
        raise InvalidRequest.single(
            "clinic_id", "this email has logins in several clinics; say which clinic"
        )
    return issue_token(session, secret_key, matching[0], ttl)


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


def revoke_user_tokens(session: Session, clinic_id: int, user_id: int) -> int:
    """End every token of a user of the clinic; returns how many were still valid."""
    user = session.get(User, user_id)
    if user is None or user.clinic_id != clinic_id:
        raise NotFound(f"user {user_id} not found")
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
    return _keyed_hash(secret_key, f"feed:{user.id}:{user.feed_version}")[:40]


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
    user.feed_version += 1
    session.commit()
