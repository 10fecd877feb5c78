"""Solve jobs: the bookkeeping of a ``solving`` plan's search, one row per plan: a day plan
(``plan_id``) or a week plan (``week_plan_id``).

The plan row stays the one truth for status, progress and cancel; this row holds what a
worker on any machine needs to run the solve (the built day or week, ``input``) and who
runs it. Runners carry the job's own ``id``.
A job is ``waiting`` (its clinic already has its share of jobs in the queue), ``queued``
(sent to the job runner), or ``running`` under a lease that its worker renews about once a
second; a lease that runs out means the worker died, and the job may be claimed again.
The row is deleted when the plan leaves ``solving``.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from scheduler.models.base import Base, string_enum, utc_now


class JobState(StrEnum):
    """``WAITING`` → ``QUEUED`` → ``RUNNING`` (→ ``QUEUED`` again when its worker is lost)."""

    WAITING = "waiting"
    QUEUED = "queued"
    RUNNING = "running"


class PlanJob(Base):
    """The solve of one ``solving`` day plan or week plan: its input, state, attempts and
    lease."""

    __tablename__ = "plan_jobs"
    __table_args__ = (
        sa.Index("ix_plan_jobs_clinic_id_state", "clinic_id", "state"),
        sa.CheckConstraint("(plan_id IS NULL) <> (week_plan_id IS NULL)", name="one_plan"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("plans.id", ondelete="CASCADE"), unique=True
    )
    week_plan_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("week_plans.id", ondelete="CASCADE"), unique=True
    )
    clinic_id: Mapped[int] = mapped_column(sa.ForeignKey("clinics.id", ondelete="CASCADE"))
    # The pickled (DayProblem or WeekDays, Params), compressed: written by the server that
    # built the day or week from the records, read by the worker. Deferred: only a worker
    # needs it.
    input: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)
    state: Mapped[JobState] = mapped_column(
        string_enum(JobState, "plan_job_state"), default=JobState.WAITING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    # The worker that runs it ("host:pid:thread") and until when its claim holds.
    owner: Mapped[str | None] = mapped_column(sa.String(100))
    lease_until: Mapped[dt.datetime | None]
    # When it was last sent to the runner: a message the runner lost is sent again later.
    queued_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utc_now)
