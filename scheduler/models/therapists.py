"""Therapists, their weekly availability and their per-date exceptions (leave, changed shift)."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from scheduler.models.base import Base, string_enum
from scheduler.models.clinic import Clinic
from solver.problem import DEFAULT_TRAVEL_MODE


class Therapist(Base):
    """A therapist of one clinic; ``external_id`` is the clinic's own id (CSV, EHR).

    ``travel_mode`` is a plain string (``car``, ``bicycle``, ``walking``, ``transit`` by
    default): the travel provider's configuration may add modes, so the provider checks it.
    The break is either fully set (earliest start, latest end, minutes) or not at all.
    ``max_work_minutes`` caps the work of a day, ``max_week_minutes`` the work of a week
    (the week planning's cap); None is no cap.
    ``email`` and ``phone`` are where the therapist gets their route when a plan is published.
    """

    __tablename__ = "therapists"
    __table_args__ = (
        sa.UniqueConstraint("clinic_id", "external_id"),
        sa.CheckConstraint(
            "(break_earliest IS NULL) = (break_latest_end IS NULL) "
            "AND (break_earliest IS NULL) = (break_minutes IS NULL)",
            name="break_all_or_nothing",
        ),
        sa.CheckConstraint(
            "max_week_minutes IS NULL OR max_week_minutes > 0", name="positive_week_cap"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(sa.ForeignKey("clinics.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(sa.String(100))
    name: Mapped[str] = mapped_column(sa.String(200))
    email: Mapped[str | None] = mapped_column(sa.String(254))
    phone: Mapped[str | None] = mapped_column(sa.String(40))
    discipline: Mapped[str] = mapped_column(sa.String(40))
    skills: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    home_lat: Mapped[float]
    home_lon: Mapped[float]
    travel_mode: Mapped[str] = mapped_column(sa.String(20), default=DEFAULT_TRAVEL_MODE)
    max_visits: Mapped[int | None]
    max_work_minutes: Mapped[int | None]
    max_week_minutes: Mapped[int | None]
    break_earliest: Mapped[dt.time | None]
    break_latest_end: Mapped[dt.time | None]
    break_minutes: Mapped[int | None]
    overtime_minutes: Mapped[int] = mapped_column(default=0)

    clinic: Mapped[Clinic] = relationship()
    availability: Mapped[list[WeeklyAvailability]] = relationship(
        back_populates="therapist",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="(WeeklyAvailability.weekday, WeeklyAvailability.start)",
    )
    exceptions: Mapped[list[ShiftException]] = relationship(
        back_populates="therapist",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="ShiftException.date",
    )


class WeeklyAvailability(Base):
    """A regular shift: on ``weekday`` (0 = Monday ... 6 = Sunday) from ``start`` to ``end``."""

    __tablename__ = "weekly_availability"
    __table_args__ = (
        sa.CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
        sa.CheckConstraint('start < "end"', name="start_before_end"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    therapist_id: Mapped[int] = mapped_column(
        sa.ForeignKey("therapists.id", ondelete="CASCADE"), index=True
    )
    weekday: Mapped[int]
    start: Mapped[dt.time]
    end: Mapped[dt.time]

    therapist: Mapped[Therapist] = relationship(back_populates="availability")


class ShiftExceptionKind(StrEnum):
    """``LEAVE``: no shift that date; ``CHANGED``: the shift is ``start``-``end`` instead."""

    LEAVE = "leave"
    CHANGED = "changed"


class ShiftException(Base):
    """One date that differs from the weekly availability; ``start``/``end`` only if changed."""

    __tablename__ = "shift_exceptions"
    __table_args__ = (
        sa.UniqueConstraint("therapist_id", "date"),
        sa.CheckConstraint(
            "(kind = 'leave' AND start IS NULL AND \"end\" IS NULL) "
            "OR (kind = 'changed' AND start IS NOT NULL AND \"end\" IS NOT NULL "
            'AND start < "end")',
            name="times_match_kind",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    therapist_id: Mapped[int] = mapped_column(sa.ForeignKey("therapists.id", ondelete="CASCADE"))
    date: Mapped[dt.date]
    kind: Mapped[ShiftExceptionKind] = mapped_column(
        string_enum(ShiftExceptionKind, "shift_exception_kind")
    )
    start: Mapped[dt.time | None]
    end: Mapped[dt.time | None]

    therapist: Mapped[Therapist] = relationship(back_populates="exceptions")
