"""Care plans: episodes of therapy a referral orders ("PT, 3 times a week for 4 weeks")."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from scheduler.models.base import Base, string_enum
from scheduler.models.clinic import Clinic
from scheduler.models.patients import Patient
from scheduler.models.therapists import Therapist
from scheduler.models.windows import Window
from solver.problem import Priority


class CarePlanStatus(StrEnum):
    """Whether the week planning books the plan's visits: only ``ACTIVE`` plans get new ones."""

    ACTIVE = "active"
    ON_HOLD = "on_hold"
    ENDED = "ended"


care_plan_preferred_therapists = sa.Table(
    "care_plan_preferred_therapists",
    Base.metadata,
    sa.Column("care_plan_id", sa.ForeignKey("care_plans.id", ondelete="CASCADE"), primary_key=True),
    sa.Column(
        "therapist_id",
        sa.ForeignKey("therapists.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    ),
)


class CarePlan(Base):
    """An episode of one patient from ``first_date`` to ``last_date`` (both included).

    Exactly one of ``visits_per_week`` and ``visits_total`` is set. ``weekdays`` are the
    allowed days (``mon`` .. ``sun``, in week order). ``windows`` bound the start of a visit
    on every allowed day (empty: any time in a shift) unless ``weekday_windows`` has windows
    of its own for that day. Two visits of the plan fall on dates at least
    ``min_days_between`` + 1 days apart: 0 allows two days running, never two on one day.
    ``primary_therapist_id`` is null only once that therapist was deleted.
    """

    __tablename__ = "care_plans"
    __table_args__ = (
        sa.UniqueConstraint("clinic_id", "external_id"),
        sa.CheckConstraint("duration_minutes > 0", name="positive_duration"),
        sa.CheckConstraint("last_date >= first_date", name="dates_in_order"),
        sa.CheckConstraint(
            "(visits_per_week IS NULL) <> (visits_total IS NULL)", name="one_frequency"
        ),
        sa.CheckConstraint("min_days_between >= 0", name="spacing_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(sa.ForeignKey("clinics.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(sa.String(100))
    patient_id: Mapped[int] = mapped_column(
        sa.ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )
    discipline: Mapped[str] = mapped_column(sa.String(40))
    skills: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    visits_per_week: Mapped[int | None]
    visits_total: Mapped[int | None]
    duration_minutes: Mapped[int]
    first_date: Mapped[dt.date]
    last_date: Mapped[dt.date]
    weekdays: Mapped[list[str]] = mapped_column(sa.JSON)
    # JSON as the visits' windows (see ``Visit.windows``), and for the same reasons.
    windows: Mapped[list[Window]] = mapped_column(sa.JSON, default=list)
    weekday_windows: Mapped[dict[str, list[Window]]] = mapped_column(sa.JSON, default=dict)
    min_days_between: Mapped[int] = mapped_column(default=0)
    priority: Mapped[Priority] = mapped_column(
        string_enum(Priority, "care_plan_priority"), default=Priority.NORMAL
    )
    primary_therapist_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("therapists.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[CarePlanStatus] = mapped_column(
        string_enum(CarePlanStatus, "care_plan_status"), default=CarePlanStatus.ACTIVE
    )

    clinic: Mapped[Clinic] = relationship()
    patient: Mapped[Patient] = relationship()
    primary_therapist: Mapped[Therapist | None] = relationship()
    preferred_therapists: Mapped[list[Therapist]] = relationship(
        secondary=care_plan_preferred_therapists, passive_deletes=True
    )
