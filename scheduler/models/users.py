"""The people who log in (admins, coordinators and therapists of one clinic) and their tokens."""

from __future__ import annotations

import datetime as dt
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


class User(Base):
    """A login of one clinic. Services store ``email`` lower-cased, so uniqueness is exact.

    ``therapist`` links a therapist's login to their record (at most one login a therapist).
    ``feed_version`` is part of the calendar feed's secret: raising it rotates the feed URL.
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
    feed_version: Mapped[int] = mapped_column(default=0, server_default=sa.text("0"))

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
