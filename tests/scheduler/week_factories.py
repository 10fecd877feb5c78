"""Records for the week planning tests: therapists working Monday to Friday, care plans, and
the small week that the service and the API tests plan.

The week is Monday 2026-11-30 to Sunday 2026-12-06.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from scheduler.models import CarePlan, Therapist, WeeklyAvailability, WeekPlan, WeekPlanStatus
from scheduler.planning.week import WeekOptions, finish_week, get_week_routes, start_week
from solver.week.solve import solve_week
from tests.scheduler.factories import DAY, add_clinic
from tests.scheduler.planning_factories import LAT, LON, add_home, clock

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from scheduler.models import Clinic, Patient

MONDAY = DAY
WEEKDAYS = ["mon", "tue", "wed", "thu", "fri"]


def add_weekly_staff(
    session: Session, clinic: Clinic, key: str, north_km: float, **fields: Any
) -> Therapist:
    """A PT working 08:00-16:00 Monday to Friday, ``north_km`` north of the centre."""
    therapist = Therapist(
        clinic=clinic,
        external_id=key,
        name=f"Therapist {key}",
        discipline="PT",
        skills=["PT"],
        home_lat=LAT + north_km / 111.0,
        home_lon=LON,
        **fields,
    )
    therapist.availability = [
        WeeklyAvailability(weekday=d, start=clock("08:00"), end=clock("16:00")) for d in range(5)
    ]
    session.add(therapist)
    session.flush()
    return therapist


def add_care_plan(
    session: Session, patient: Patient, key: str, primary: Therapist, **fields: Any
) -> CarePlan:
    """A PT episode of four weeks from MONDAY: three visits a week of 45 minutes, Monday to
    Friday, a day between visits; ``fields`` change any of it."""
    values: dict[str, Any] = {
        "discipline": "PT",
        "visits_per_week": 3,
        "duration_minutes": 45,
        "first_date": MONDAY,
        "last_date": MONDAY + dt.timedelta(days=27),
        "weekdays": WEEKDAYS,
        "min_days_between": 1,
    }
    values.update(fields)
    plan = CarePlan(
        clinic_id=patient.clinic_id,
        patient=patient,
        external_id=key,
        primary_therapist=primary,
        **values,
    )
    session.add(plan)
    session.flush()
    return plan


def add_small_week(session: Session, name: str = "Clinica Andorra") -> Clinic:
    """t1 lives by p1, t2 by p2 (4 km apart); cp1: p1 three times a week, a day between
    visits, primary t1; cp2: p2 twice a week, Tuesday or Thursday, primary t2."""
    clinic = add_clinic(session, name)
    t1 = add_weekly_staff(session, clinic, "t1", 0.0)
    t2 = add_weekly_staff(session, clinic, "t2", 4.0)
    add_care_plan(session, add_home(session, clinic, "p1", 0.5), "cp1", t1)
    add_care_plan(
        session,
        add_home(session, clinic, "p2", 4.5),
        "cp2",
        t2,
        visits_per_week=2,
        weekdays=["tue", "thu"],
        min_days_between=0,
    )
    return clinic


def add_week(
    session: Session, clinic: Clinic, status: WeekPlanStatus = WeekPlanStatus.DONE
) -> WeekPlan:
    """A stored week plan of the week from MONDAY, with no day plans."""
    week = WeekPlan(
        clinic=clinic,
        first_date=MONDAY,
        last_date=MONDAY + dt.timedelta(days=6),
        status=status,
        kpis={"visits_ordered": 0, "visits_placed": 0} if status == WeekPlanStatus.DONE else None,
    )
    session.add(week)
    session.flush()
    return week


def plan_week_here(session: Session, clinic: Clinic, time_limit_s: float = 5.0) -> WeekPlan:
    """The week from MONDAY planned as ``plan_week`` does, but solved in this process (no
    worker to start); the small week's search ends long before ``time_limit_s``. Returns
    the stored week with its routes loaded."""
    options = WeekOptions(time_limit_s=time_limit_s)
    week, days = start_week(session, clinic.id, MONDAY, options)
    finish_week(session, week, days, solve_week(days.problem, options.params()))
    assert week.status == WeekPlanStatus.DONE, week.error
    return get_week_routes(session, clinic.id, week.id)
