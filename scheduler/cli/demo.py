"""The demo clinic: a generated day stored as therapists, patients and bookings.

``homevisit demo`` uses it so that a new user sees the whole workflow (records, plan,
publish) on realistic data without preparing any file.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from scheduler.day_json.generate import generate_day
from scheduler.models import Clinic, Patient, Therapist, Visit, WeeklyAvailability
from solver.clock import parse_hhmm, time_of_day
from solver.problem import Priority

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

DEMO_CLINIC = "Leeds Community Therapy (demo)"
DEMO_SIZE = "demo"
DISCIPLINES = ("PT", "OT", "SLP")

_FIRST = (
    "Amira",
    "Ben",
    "Chloe",
    "Daniel",
    "Ewa",
    "Farah",
    "George",
    "Hannah",
    "Imran",
    "Jade",
    "Kacper",
    "Laura",
    "Mohammed",
    "Niamh",
    "Oliver",
    "Priya",
    "Rhys",
    "Sofia",
)
_LAST = (
    "Ahmed",
    "Brown",
    "Clarke",
    "Dobson",
    "Evans",
    "Fletcher",
    "Green",
    "Hussain",
    "Iqbal",
    "Jones",
    "Kowalski",
    "Lee",
    "Moore",
    "Nowak",
    "Patel",
    "Shaw",
    "Walker",
)
_STREETS = (
    "Otley Road",
    "Harehills Lane",
    "Roundhay Road",
    "Kirkstall Road",
    "Tong Road",
    "York Road",
    "Chapeltown Road",
    "Dewsbury Road",
    "Selby Road",
    "Street Lane",
    "Stainbeck Lane",
    "Town Street",
    "Wakefield Road",
    "Scott Hall Road",
)


def next_working_day(today: dt.date) -> dt.date:
    """The next Monday to Friday after ``today``."""
    day = today + dt.timedelta(days=1)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def demo_clinic(session: Session) -> Clinic | None:
    return session.scalar(sa.select(Clinic).where(Clinic.name == DEMO_CLINIC))


def seed_demo_day(session: Session, date: dt.date, seed: int = 1, size: str = DEMO_SIZE) -> Clinic:
    """Create the demo clinic (or reuse it) and book a generated day on ``date``.

    A day that already has bookings is left as it is, so running the demo twice plans
    the same day again instead of doubling it. ``size`` is one of the generator's sizes.
    """
    day: dict[str, Any] = generate_day(size, seed, date)
    clinic = demo_clinic(session)
    if clinic is None:
        clinic = Clinic(name=DEMO_CLINIC, timezone=day["timezone"])
        session.add(clinic)
        session.flush()
    booked = session.scalar(
        sa.select(sa.func.count(Visit.id)).where(Visit.clinic_id == clinic.id, Visit.date == date)
    )
    if booked:
        return clinic
    rng = random.Random(seed)
    where = {location["id"]: location for location in day["locations"]}
    therapists = _store_therapists(session, clinic, day["therapists"], where, rng)
    _store_visits(session, clinic, date, day["visits"], where, therapists, rng)
    session.flush()
    return clinic


def _name(rng: random.Random) -> str:
    return f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"


def _time(text: str | None) -> dt.time | None:
    seconds = None if text is None else parse_hhmm(text)
    return None if seconds is None else time_of_day(seconds)


def _store_therapists(
    session: Session,
    clinic: Clinic,
    rows: list[dict[str, Any]],
    where: dict[str, dict[str, Any]],
    rng: random.Random,
) -> dict[str, Therapist]:
    """Upsert by external id; the generated shift becomes the Monday-Friday availability."""
    stored = {
        t.external_id: t
        for t in session.scalars(sa.select(Therapist).where(Therapist.clinic_id == clinic.id))
    }
    for row in rows:
        therapist = stored.get(row["id"]) or Therapist(clinic=clinic, external_id=row["id"])
        home = where[row["start_location"]]
        pause = row.get("break") or {}
        therapist.name = therapist.name or _name(rng)
        therapist.discipline = next((s for s in row["skills"] if s in DISCIPLINES), "PT")
        therapist.skills = list(row["skills"])
        therapist.home_lat, therapist.home_lon = home["lat"], home["lon"]
        therapist.max_visits = row.get("max_visits")
        therapist.max_work_minutes = row.get("max_work_minutes")
        therapist.break_earliest = _time(pause.get("earliest"))
        therapist.break_latest_end = _time(pause.get("latest_end"))
        therapist.break_minutes = pause.get("minutes")
        therapist.overtime_minutes = row.get("overtime_minutes", 0)
        shift = row["shift"]
        therapist.availability = [
            WeeklyAvailability(
                weekday=weekday, start=_time(shift["start"]), end=_time(shift["end"])
            )
            for weekday in range(5)
        ]
        session.add(therapist)
        stored[row["id"]] = therapist
    session.flush()
    return stored


def _store_visits(
    session: Session,
    clinic: Clinic,
    date: dt.date,
    rows: list[dict[str, Any]],
    where: dict[str, dict[str, Any]],
    therapists: dict[str, Therapist],
    rng: random.Random,
) -> None:
    """One patient per generated location; visit-level preferences become the patient's."""
    patients = {
        p.external_id: p
        for p in session.scalars(sa.select(Patient).where(Patient.clinic_id == clinic.id))
    }
    for row in rows:
        patient = patients.get(row["location"])
        if patient is None:
            point = where[row["location"]]
            patient = Patient(
                clinic=clinic,
                external_id=row["location"],
                name=_name(rng),
                address=f"{rng.randint(1, 220)} {rng.choice(_STREETS)}, Leeds",
                lat=point["lat"],
                lon=point["lon"],
                phone=f"0113 496 {rng.randint(0, 9999):04d}",
                access_notes=rng.choice(
                    (
                        "",
                        "",
                        "Key safe by the door, code 1234",
                        "Ring twice; the patient is hard of hearing",
                        "Parking at the back of the building",
                    )
                ),
            )
            patients[row["location"]] = patient
        _add_unique(patient.preferred_therapists, row["preferred_therapists"], therapists)
        _add_unique(patient.excluded_therapists, row["excluded_therapists"], therapists)
        session.add(
            Visit(
                clinic=clinic,
                external_id=f"{date.isoformat()}-{row['id']}",
                patient=patient,
                date=date,
                duration_minutes=row["duration_minutes"],
                windows=list(row.get("windows") or []),
                skills=list(row["skills"]),
                priority=Priority(row["priority"]),
                pinned_therapist=therapists.get(row["pinned_therapist"] or ""),
            )
        )


def _add_unique(current: list[Therapist], ids: list[str], by_id: dict[str, Therapist]) -> None:
    for therapist_id in ids:
        if by_id[therapist_id] not in current:
            current.append(by_id[therapist_id])
