"""Plans: one clinic's roster for one date, versioned, with routes, stops and left-out visits.

Times are seconds from the planning day's local midnight (the solver's unit), so a stored
plan reads back exactly as the solver returned it.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from scheduler.models.base import Base, string_enum, utc_now
from scheduler.models.clinic import Clinic
from scheduler.models.therapists import Therapist
from scheduler.models.visits import Visit


class PlanStatus(StrEnum):
    """``SOLVING`` → ``DRAFT`` (or ``FAILED``, or ``CANCELLED`` by a user) → ``PUBLISHED`` →
    ``SUPERSEDED``."""

    SOLVING = "solving"
    DRAFT = "draft"
    PUBLISHED = "published"
    SUPERSEDED = "superseded"
    FAILED = "failed"
    CANCELLED = "cancelled"


# At most one published plan per clinic and date: a partial unique index, which SQLite
# (3.8+) and PostgreSQL both enforce, so a second publish fails inside the database even
# when two coordinators race. Plans in any other status are not in the index.
PUBLISHED_ONLY = sa.text("status = 'published'")
published_per_day = sa.Index(
    "uq_plans_published_per_day",
    "clinic_id",
    "date",
    unique=True,
    sqlite_where=PUBLISHED_ONLY,
    postgresql_where=PUBLISHED_ONLY,
)


class Plan(Base):
    """A version of the roster of one clinic for one date.

    ``progress`` is the search's latest figures while the plan is solving.
    ``parameters`` are the options the solve ran with, ``kpis`` and ``solver_stats`` the
    figures of the plan JSON (DESIGN.md section 9), ``error`` why a failed plan failed.
    ``violations`` lists the hard rules the plan breaks as the independent checker found
    them (``{"kind", "message", "therapist_id", "visit_id"}``, solver ids): empty for a
    valid plan; a failed solve, or a manual edit that broke a rule, fills it.
    """

    __tablename__ = "plans"
    __table_args__ = (
        sa.UniqueConstraint("clinic_id", "date", "version"),
        published_per_day,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(sa.ForeignKey("clinics.id", ondelete="CASCADE"))
    date: Mapped[dt.date]
    version: Mapped[int]
    status: Mapped[PlanStatus] = mapped_column(
        string_enum(PlanStatus, "plan_status"), default=PlanStatus.SOLVING
    )
    parameters: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    kpis: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    solver_stats: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    error: Mapped[str | None] = mapped_column(sa.Text)
    # While solving: {"elapsed_s", "best_cost", "solutions_found"}, refreshed about once a
    # second by the process that runs the solve, so any server process can report it.
    progress: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    violations: Mapped[list[dict[str, Any]]] = mapped_column(
        sa.JSON, default=list, server_default=sa.text("'[]'")
    )
    # A re-plan: {"from_plan", "now", "promised_minutes", "events"}, and once solved its
    # "changes" and "notify" against the plan it re-plans (the plan JSON's fields).
    replan: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    created_at: Mapped[dt.datetime] = mapped_column(default=utc_now)
    # The week plan that made this draft with the other days of its horizon (None: planned
    # on its own); deleting the week plan keeps the day plans.
    week_plan_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("week_plans.id", ondelete="SET NULL"), index=True
    )

    clinic: Mapped[Clinic] = relationship()
    routes: Mapped[list[PlanRoute]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", passive_deletes=True
    )
    unassigned: Mapped[list[PlanUnassigned]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", passive_deletes=True
    )


class PlanRoute(Base):
    """One therapist's day in a plan; an unused therapist has no stops and null times.

    ``start_s``: leaving the start location; ``end_s``: arriving at the end location.
    ``travel_s`` and ``distance_m`` include the leg back; ``work_s`` excludes the break.
    ``locked``: the coordinator fixed the order of its stops; edits may not change it.
    """

    __tablename__ = "plan_routes"
    __table_args__ = (sa.UniqueConstraint("plan_id", "therapist_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("plans.id", ondelete="CASCADE"))
    therapist_id: Mapped[int] = mapped_column(sa.ForeignKey("therapists.id"), index=True)
    start_s: Mapped[int | None]
    end_s: Mapped[int | None]
    break_start_s: Mapped[int | None]
    break_end_s: Mapped[int | None]
    travel_s: Mapped[int] = mapped_column(default=0)
    distance_m: Mapped[int | None]
    work_s: Mapped[int] = mapped_column(default=0)
    locked: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    plan: Mapped[Plan] = relationship(back_populates="routes")
    therapist: Mapped[Therapist] = relationship()
    stops: Mapped[list[PlanStop]] = relationship(
        back_populates="route",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="PlanStop.position",
    )


class PlanStop(Base):
    """A visit at ``position`` (from 0) on a route; travel is from the previous stop."""

    __tablename__ = "plan_stops"
    __table_args__ = (sa.UniqueConstraint("route_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    route_id: Mapped[int] = mapped_column(sa.ForeignKey("plan_routes.id", ondelete="CASCADE"))
    visit_id: Mapped[int] = mapped_column(sa.ForeignKey("visits.id"), index=True)
    position: Mapped[int]
    arrival_s: Mapped[int]
    start_s: Mapped[int]
    end_s: Mapped[int]
    travel_s: Mapped[int]
    distance_m: Mapped[int | None]
    wait_s: Mapped[int]

    route: Mapped[PlanRoute] = relationship(back_populates="stops")
    visit: Mapped[Visit] = relationship()


class PlanUnassigned(Base):
    """A visit the plan leaves out: a reason code (``solver.UnassignedReason``) and a sentence.

    ``reason`` is a plain string: the solver owns the list of codes.
    """

    __tablename__ = "plan_unassigned"
    __table_args__ = (sa.UniqueConstraint("plan_id", "visit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("plans.id", ondelete="CASCADE"))
    visit_id: Mapped[int] = mapped_column(sa.ForeignKey("visits.id"), index=True)
    reason: Mapped[str] = mapped_column(sa.String(40))
    message: Mapped[str] = mapped_column(sa.Text)

    plan: Mapped[Plan] = relationship(back_populates="unassigned")
    visit: Mapped[Visit] = relationship()
