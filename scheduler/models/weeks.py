"""Week plans: one planning of a clinic's horizon, whose draft day plans it made together.

The day plans (``Plan.week_plan_id``) hold the routes as any day plan does, and publish
day by day or all at once; the week plan keeps what only the week knows: the care-plan
visits that got no date, each with a reason, and the week's KPIs.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from scheduler.models.base import Base, utc_now
from scheduler.models.clinic import Clinic
from scheduler.models.plans import Plan


class WeekPlan(Base):
    """The planning of ``first_date`` .. ``last_date`` (both included).

    ``unplaced`` lists the care-plan visits without a date as
    ``{"care_plan", "span", "reason", "message"}`` (``care_plan`` is its external id,
    ``span`` the demand's label, such as ``the week of 2026-12-07``). ``kpis`` and
    ``solver_stats`` are the week's figures, ``parameters`` the options it ran with.
    """

    __tablename__ = "week_plans"
    __table_args__ = (sa.CheckConstraint("last_date >= first_date", name="dates_in_order"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(sa.ForeignKey("clinics.id", ondelete="CASCADE"))
    first_date: Mapped[dt.date]
    last_date: Mapped[dt.date]
    parameters: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    unplaced: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    kpis: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    solver_stats: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(default=utc_now)

    clinic: Mapped[Clinic] = relationship()
    plans: Mapped[list[Plan]] = relationship(order_by=Plan.date)
