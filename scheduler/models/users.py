"""The people who log in: admins, coordinators and therapists of one clinic."""

from __future__ import annotations

from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from scheduler.models.base import Base, string_enum
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

    clinic: Mapped[Clinic] = relationship()
    therapist: Mapped[Therapist | None] = relationship()
