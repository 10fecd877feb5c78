"""The people who log in (admins, coordinators and therapists of one clinic) and their tokens."""

from __future__ import annotations

import datetime as dt
import secrets
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from scheduler.models.base import Base, string_enum, utc_now
from scheduler.models.clinic import Clinic
from scheduler.models.therapists import Therapist


class Role(StrEnum):
    """What a user may do: ``ADMIN`` everything, ``COORDINATOR`` plan, ``THERAPIST`` read own."""

    ADMIN = "admin"
    COORDINATOR = "coordinator"
    THERAPIST = "therapist"


def new_feed_salt() -> str:
    """A fresh random ``User.feed_salt``."""
    return secrets.token_hex(16)


class User(Base):
    """A login of one clinic. Services store ``email`` lower-cased, so uniqueness is exact.

    ``therapist`` links a therapist's login to their record (at most one login a therapist).
    ``feed_salt`` is part of the calendar feed's secret: a new one rotates the feed URL. It is
    random, so a feed URL never serves a later user who gets the id of a deleted one.
    """

    __tablename__ = "users"
    __table_args__ = (sa.UniqueConstraint("clinic_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(sa.ForeignKey("clinics.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(sa.String(254))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[Role] = mapped_column(string_enum(Role, "user_role"))
    therapist_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("therapists.id", ondelete="SET NULL"), unique=True
    )
    feed_salt: Mapped[str] = mapped_column(sa.String(32), default=new_feed_salt)

    clinic: Mapped[Clinic] = relationship()
    therapist: Mapped[Therapist | None] = relationship()


class ApiToken(Base):
    """A bearer token of a user. Only a keyed hash of the token is stored, never the token.

    A token is valid until ``expires_at`` unless ``revoked_at`` is set (logout, or an admin).
    """

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utc_now)
    expires_at: Mapped[dt.datetime]
    revoked_at: Mapped[dt.datetime | None]

    user: Mapped[User] = relationship()


class ThrottleScope(StrEnum):
    """What a login throttle counts failures of: one email, or one client address."""

    ACCOUNT = "account"
    ADDRESS = "address"


class LoginThrottle(Base):
    """Login attempts charged to one email or one client address, shared by every server.

    ``key_hash`` is an HMAC of the email or address under the secret key, so the table holds
    neither. ``failures`` counts attempts since ``window_start_at`` (a successful one is taken
    back); ``locked_until`` is set when they reach the limit. ``version`` grows with every
    change, so that concurrent servers update a row only from the state they read.
    A row is worth nothing after ``expires_at``.
    """

    __tablename__ = "login_throttles"
    __table_args__ = (sa.UniqueConstraint("scope", "key_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[ThrottleScope] = mapped_column(string_enum(ThrottleScope, "throttle_scope"))
    key_hash: Mapped[str] = mapped_column(sa.String(64))
    failures: Mapped[int]
    window_start_at: Mapped[dt.datetime]
    last_attempt_at: Mapped[dt.datetime]
    locked_until: Mapped[dt.datetime | None]
    expires_at: Mapped[dt.datetime] = mapped_column(index=True)
    version: Mapped[int]
