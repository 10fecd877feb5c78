"""Records for database tests: each factory adds one entity with plain defaults and flushes."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import sqlalchemy as sa

from scheduler.models import Clinic, Patient, Plan, PlanStatus, Therapist, Visit

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

DAY = dt.date(2026, 11, 30)


def add_clinic(session: Session, name: str = "Clinica Andorra") -> Clinic:
    clinic = Clinic(name=name, timezone="Europe/Andorra")
    session.add(clinic)
    session.flush()
    return clinic


def add_therapist(session: Session, clinic: Clinic, external_id: str = "t1") -> Therapist:
    therapist = Therapist(
        clinic=clinic,
        external_id=external_id,
        name=f"Therapist {external_id}",
        discipline="PT",
        skills=["PT"],
        home_lat=42.507,
        home_lon=1.521,
    )
    session.add(therapist)
    session.flush()
    return therapist


def add_patient(session: Session, clinic: Clinic, external_id: str = "p1") -> Patient:
    patient = Patient(
        clinic=clinic, external_id=external_id, name=f"Patient {external_id}", address="Av. X 1"
    )
    session.add(patient)
    session.flush()
    return patient


def add_visit(session: Session, patient: Patient, external_id: str = "v1") -> Visit:
    visit = Visit(
        clinic_id=patient.clinic_id,
        patient=patient,
        external_id=external_id,
        date=DAY,
        duration_minutes=45,
    )
    session.add(visit)
    session.flush()
    return visit


def add_plan(
    session: Session,
    clinic: Clinic,
    status: PlanStatus = PlanStatus.DRAFT,
    date: dt.date = DAY,
    version: int | None = None,
) -> Plan:
    if version is None:
        latest = session.scalar(
            sa.select(sa.func.max(Plan.version)).where(Plan.clinic == clinic, Plan.date == date)
        )
        version = (latest or 0) + 1
    plan = Plan(clinic=clinic, date=date, version=version, status=status)
    session.add(plan)
    session.flush()
    return plan
