"""Records for the planning tests: therapists with shifts, patients with coordinates, bookings.

Places sit around Andorra la Vella; 0.01 degrees of latitude is about 1.1 km, which the
geodesic provider drives in about three minutes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

import sqlalchemy as sa

from scheduler.models import (
    Clinic,
    Patient,
    Plan,
    PlanRoute,
    PlanStop,
    PlanUnassigned,
    Priority,
    ShiftException,
    ShiftExceptionKind,
    Therapist,
    Visit,
    VisitStatus,
    WeeklyAvailability,
    Window,
)
from solver import solve
from tests.scheduler.factories import DAY, add_clinic, add_plan

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlalchemy.orm import Session

    from scheduler.models import PlanStatus
    from solver import Params, Problem, Progress, Solution

LAT, LON = 42.507, 1.521


def clock(text: str) -> dt.time:
    return dt.time.fromisoformat(text)


def add_staff(
    session: Session,
    clinic: Clinic,
    key: str,
    skills: tuple[str, ...] = ("PT",),
    shift: tuple[str, str] = ("08:00", "16:00"),
    north_km: float = 0.0,
    lunch: tuple[str, str, int] | None = None,
) -> Therapist:
    """A therapist working ``shift`` on DAY's weekday; ``lunch``: (earliest, latest end, min)."""
    therapist = Therapist(
        clinic=clinic,
        external_id=key,
        name=f"Therapist {key}",
        discipline=skills[0],
        skills=list(skills),
        home_lat=LAT + north_km / 111.0,
        home_lon=LON,
    )
    if lunch is not None:
        therapist.break_earliest = clock(lunch[0])
        therapist.break_latest_end = clock(lunch[1])
        therapist.break_minutes = lunch[2]
    therapist.availability = [
        WeeklyAvailability(weekday=DAY.weekday(), start=clock(shift[0]), end=clock(shift[1]))
    ]
    session.add(therapist)
    session.flush()
    return therapist


def add_home(
    session: Session, clinic: Clinic, key: str, north_km: float, skills: tuple[str, ...] = ()
) -> Patient:
    """A patient ``north_km`` north of the centre."""
    patient = Patient(
        clinic=clinic,
        external_id=key,
        name=f"Patient {key}",
        address=f"Carrer {key}",
        lat=LAT + north_km / 111.0,
        lon=LON,
        required_skills=list(skills),
    )
    session.add(patient)
    session.flush()
    return patient


def add_booking(
    session: Session,
    patient: Patient,
    key: str,
    minutes: int = 45,
    windows: tuple[tuple[str, str], ...] = (),
    skills: tuple[str, ...] = (),
    priority: Priority = Priority.NORMAL,
    status: VisitStatus = VisitStatus.BOOKED,
) -> Visit:
    """A visit on DAY; ``windows`` as ("HH:MM", "HH:MM") pairs."""
    spans: list[Window] = [{"start": start, "end": end} for start, end in windows]
    visit = Visit(
        clinic_id=patient.clinic_id,
        patient=patient,
        external_id=key,
        date=DAY,
        duration_minutes=minutes,
        windows=spans,
        skills=list(skills),
        priority=priority,
        status=status,
    )
    session.add(visit)
    session.flush()
    return visit


def add_routed_plan(
    session: Session,
    clinic: Clinic,
    routes: dict[Therapist, list[tuple[Visit, int]]],
    unassigned: tuple[Visit, ...] = (),
    status: PlanStatus | None = None,
) -> Plan:
    """A plan with the given stops (visit, start in seconds), without solving.

    Only the order and the starts matter to the tests that use it (publish, compare):
    the other times are plain placeholders.
    """
    plan = add_plan(session, clinic) if status is None else add_plan(session, clinic, status)
    for therapist, stops in routes.items():
        route = PlanRoute(therapist=therapist)
        route.stops = [
            PlanStop(
                visit=visit,
                position=position,
                arrival_s=start_s,
                start_s=start_s,
                end_s=start_s + visit.duration_minutes * 60,
                travel_s=0,
                wait_s=0,
            )
            for position, (visit, start_s) in enumerate(stops)
        ]
        plan.routes.append(route)
    plan.unassigned = [
        PlanUnassigned(visit=visit, reason="CAPACITY", message="no room") for visit in unassigned
    ]
    plan.kpis = {"visits_planned": sum(len(stops) for stops in routes.values())}
    session.flush()
    return plan


@dataclass(frozen=True)
class SmallDay:
    """The records of ``add_small_day``, by external id."""

    clinic: Clinic
    therapists: dict[str, Therapist]
    visits: dict[str, Visit]


def add_small_day(session: Session) -> SmallDay:
    """t1 (PT, lunch 12:00-14:00 for 30 min) and t2 (PT, OT) work 08:00-16:00; t3 is on
    leave. v1 09:00-11:00, v2 any time, v3 needs OT 13:00-15:00, v4 needs SLP (no one has
    it), v5 is cancelled."""
    clinic = add_clinic(session)
    t1 = add_staff(session, clinic, "t1", lunch=("12:00", "14:00", 30))
    t2 = add_staff(session, clinic, "t2", skills=("PT", "OT"), north_km=3.0)
    t3 = add_staff(session, clinic, "t3")
    t3.exceptions = [ShiftException(date=DAY, kind=ShiftExceptionKind.LEAVE)]
    visits = [
        add_booking(
            session, add_home(session, clinic, "p1", 1.0), "v1", windows=(("09:00", "11:00"),)
        ),
        add_booking(session, add_home(session, clinic, "p2", 2.0), "v2", minutes=30),
        add_booking(
            session, add_home(session, clinic, "p3", 3.5), "v3", 60, (("13:00", "15:00"),), ("OT",)
        ),
        add_booking(session, add_home(session, clinic, "p4", 0.5), "v4", skills=("SLP",)),
        add_booking(
            session, add_home(session, clinic, "p5", 1.5), "v5", status=VisitStatus.CANCELLED
        ),
    ]
    session.flush()
    return SmallDay(
        clinic,
        {t.external_id: t for t in (t1, t2, t3)},
        {v.external_id: v for v in visits},
    )


def move_day(session: Session, day: SmallDay, date: dt.date) -> None:
    """Move the small day, its visits and its plans, to ``date`` (a check-in is taken on
    the visit's day only, and the feed spans the weeks around today)."""
    for visit in day.visits.values():
        visit.date = date
    for plan in session.scalars(sa.select(Plan).where(Plan.clinic_id == day.clinic.id)):
        plan.date = date
    session.flush()


def solve_here(
    problem: Problem, params: Params, on_tick: Callable[[float, Progress | None], None] | None
) -> Solution:
    """What ``solve_in_worker`` returns, solved in this process (no process to spawn)."""
    del on_tick
    return solve(problem, params)
