"""Patients, with the therapists they must not get and the ones they prefer."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from scheduler.models.base import Base
from scheduler.models.clinic import Clinic
from scheduler.models.therapists import Therapist


def _patient_therapist_table(name: str) -> sa.Table:
    return sa.Table(
        name,
        Base.metadata,
        sa.Column("patient_id", sa.ForeignKey("patients.id", ondelete="CASCADE"), primary_key=True),
        sa.Column(
            "therapist_id",
            sa.ForeignKey("therapists.id", ondelete="CASCADE"),
            primary_key=True,
            index=True,
        ),
    )


patient_excluded_therapists = _patient_therapist_table("patient_excluded_therapists")
patient_preferred_therapists = _patient_therapist_table("patient_preferred_therapists")


class Patient(Base):
    """A patient of one clinic. ``lat``/``lon`` stay null until the address is geocoded.

    ``required_skills`` apply to every visit of the patient (a visit may add its own).
    ``email`` and ``phone`` are where the patient hears of their visit's time.
    """

    __tablename__ = "patients"
    __table_args__ = (sa.UniqueConstraint("clinic_id", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(sa.ForeignKey("clinics.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(sa.String(100))
    name: Mapped[str] = mapped_column(sa.String(200))
    address: Mapped[str] = mapped_column(sa.Text)
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    phone: Mapped[str | None] = mapped_column(sa.String(40))
    email: Mapped[str | None] = mapped_column(sa.String(254))
    access_notes: Mapped[str] = mapped_column(sa.Text, default="")
    required_skills: Mapped[list[str]] = mapped_column(sa.JSON, default=list)

    clinic: Mapped[Clinic] = relationship()
    excluded_therapists: Mapped[list[Therapist]] = relationship(
        secondary=patient_excluded_therapists, passive_deletes=True
    )
    preferred_therapists: Mapped[list[Therapist]] = relationship(
        secondary=patient_preferred_therapists, passive_deletes=True
    )
