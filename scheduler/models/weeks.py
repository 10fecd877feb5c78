"""Week plans: one planning of a clinic's horizon, whose draft day plans it made together.

The day plans (``Plan.week_plan_id``) hold the routes as any day plan does, and publish
day by day or all at once; the week plan keeps what only the week knows: the care-plan
visits that got no date, each with a reason, and the week's KPIs. While it solves (a solve
job, as a day plan's), its row is the truth for status, progress and cancel.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from scheduler.models.base import Base, string_enum, utc_now
from scheduler.models.clinic import Clinic
from scheduler.models.plans import Plan


class WeekPlanStatus(StrEnum):
    """``SOLVING`` → ``DONE`` (its day plans stored as drafts), or ``FAILED`` (nothing
    booked, ``error`` says why), or ``CANCELLED`` by a user while solving."""

    SOLVING = "solving"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


class WeekPlan(Base):
    """The planning of ``first_date`` .. ``last_date`` (both included).

    ``unplaced`` lists the care-plan visits without a date as
    ``{"care_plan", "span", "reason", "message"}`` (``care_plan`` is its external id,
    ``span`` the demand's label, such as ``the week of 2026-12-07``). ``kpis`` and
    ``solver_stats`` are the week's figures once done (None before), ``parameters`` the
    options it runs with, ``progress`` the search's latest figures while solving.
    """

    __tablename__ = "week_plans"
    __table_args__ = (sa.CheckConstraint("last_date >= first_date", name="dates_in_order"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(sa.ForeignKey("clinics.id", ondelete="CASCADE"))
    first_date: Mapped[dt.date]
    last_date: Mapped[dt.date]
    status: Mapped[WeekPlanStatus] = mapped_column(
        string_enum(WeekPlanStatus, "week_plan_status"), default=WeekPlanStatus.SOLVING
    )
    parameters: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    unplaced: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    kpis: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    solver_stats: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    error: Mapped[str | None] = mapped_column(sa.Text)
    # While solving: {"elapsed_s", "time_limit_s", "attempt"}, refreshed about once a second
    # by the process that runs the solve, so any server process can report it.
    progress: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    created_at: Mapped[dt.datetime] = mapped_column(default=utc_now)

    clinic: Mapped[Clinic] = relationship()
    plans: Mapped[list[Plan]] = relationship(order_by=Plan.date)
