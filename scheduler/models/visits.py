"""Visits: the bookings a plan routes."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from scheduler.models.base import Base, string_enum
from scheduler.models.care_plans import CarePlan
from scheduler.models.clinic import Clinic
from scheduler.models.patients import Patient
from scheduler.models.therapists import Therapist
from scheduler.models.windows import Window
from solver.problem import Priority


class VisitStatus(StrEnum):
    """Where a booking stands; publishing a plan moves ``BOOKED`` visits to ``PLANNED``."""

    BOOKED = "booked"
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"
    MISSED = "missed"


class Visit(Base):
    """A booking of one patient on one date; ``external_id`` is the clinic's own id.

    ``skills`` are the visit's own; the patient's ``required_skills`` add to them.
    ``fixed_start`` is a local wall-clock time; ``pinned_therapist`` forces the therapist.
    ``care_plan`` is the episode the visit was booked for (None: booked by hand); deleting
    the plan keeps its visits, as bookings of no plan.
    """

    __tablename__ = "visits"
    __table_args__ = (
        sa.UniqueConstraint("clinic_id", "external_id"),
        sa.Index(None, "clinic_id", "date"),
        sa.CheckConstraint("duration_minutes > 0", name="positive_duration"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(sa.ForeignKey("clinics.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(sa.String(100))
    patient_id: Mapped[int] = mapped_column(
        sa.ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )
    date: Mapped[dt.date]
    duration_minutes: Mapped[int]
    # Windows are a JSON list of {"start": "HH:MM", "end": "HH:MM"}, not a child table: they
    # are few (one to three), always read and written with their visit, never queried on
    # their own, and they keep the shape of the problem JSON (DESIGN.md section 9). An empty
    # list means "any time in a shift".
    windows: Mapped[list[Window]] = mapped_column(sa.JSON, default=list)
    skills: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    priority: Mapped[Priority] = mapped_column(
        string_enum(Priority, "visit_priority"), default=Priority.NORMAL
    )
    pinned_therapist_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("therapists.id", ondelete="SET NULL"), index=True
    )
    fixed_start: Mapped[dt.time | None]
    care_plan_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("care_plans.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[VisitStatus] = mapped_column(
        string_enum(VisitStatus, "visit_status"), default=VisitStatus.BOOKED
    )
    # When the therapist checked in and out on their phone (the actual times, UTC).
    checked_in_at: Mapped[dt.datetime | None]
    checked_out_at: Mapped[dt.datetime | None]

    clinic: Mapped[Clinic] = relationship()
    patient: Mapped[Patient] = relationship()
    pinned_therapist: Mapped[Therapist | None] = relationship()
    care_plan: Mapped[CarePlan | None] = relationship()

    @property
    def needed_skills(self) -> list[str]:
        """The patient's required skills, then the visit's own, each once."""
        return list(dict.fromkeys([*self.patient.required_skills, *self.skills]))
