"""Build the solver's ``WeekProblem`` for a clinic and a horizon of dates from the records.

Each date is a day as ``build_day`` makes it (the therapists on shift, the visits booked on
it, times on the date's own clock), but every day shares one set of travel matrices over
all therapists' homes and all patients, the care plans' included. Every active care plan
that overlaps the horizon becomes an ``Episode`` (its ``external_id`` is the episode id):

- A plan with ``visits_per_week`` asks for that many visits in each calendar week (Monday
  to Sunday) of the horizon; in a week the episode only partly covers, the count is scaled
  to the share of its allowed weekdays it covers, rounded up. The plan's visits already
  booked, in progress or done in that week (on any of its days, inside the horizon or not)
  count towards it.
- A plan with ``visits_total`` asks in the horizon for its pace: what remains of the total
  (after every visit of the plan not cancelled or missed) times the share of its allowed
  days left that fall in the horizon, rounded up.
- Its visits' days keep ``min_days_between`` from each other and from those booked visits.

A therapist's ``max_week_minutes`` caps each calendar week of the horizon, less the work of
that week's published routes on dates outside the horizon.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from scheduler.errors import FieldError, InvalidRequest
from scheduler.local_time import DayClock, day_clock
from scheduler.models import (
    CarePlan,
    CarePlanStatus,
    Clinic,
    Patient,
    Priority,
    Visit,
    VisitStatus,
)
from scheduler.planning.build import (
    care_plan_therapists,
    clinic_therapists,
    day_therapist,
    day_visit,
    day_visits,
    shift_on,
    travel_matrices,
    visit_faults,
    window_span,
)
from scheduler.planning.queries import published_work_by_date
from scheduler.records.values import WEEKDAYS
from solver.problem import Problem, TimeWindow, merged_windows
from solver.week.problem import Demand, Episode, WeekCap, WeekProblem

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from sqlalchemy.orm import Session

    from scheduler.models import Therapist as TherapistRecord
    from scheduler.models import Window
    from scheduler.travel import TravelTimeProvider

DETAIL = "the week cannot be planned"
NOT_COUNTED = (VisitStatus.CANCELLED, VisitStatus.MISSED)
WEEK_DAYS = 7


@dataclass(frozen=True)
class CarePlanVisit:
    """What a visit booked for a care plan copies from the plan, as it was when the week was
    built: the week's result may be stored later, by another process (a solve job)."""

    care_plan_id: int
    patient_id: int
    duration_minutes: int
    skills: tuple[str, ...]
    priority: Priority
    windows: tuple[Window, ...]
    weekday_windows: Mapping[str, tuple[Window, ...]]

    @classmethod
    def of(cls, plan: CarePlan) -> CarePlanVisit:
        return cls(
            care_plan_id=plan.id,
            patient_id=plan.patient_id,
            duration_minutes=plan.duration_minutes,
            skills=tuple(sorted({plan.discipline, *plan.skills})),
            priority=plan.priority,
            windows=tuple(plan.windows),
            weekday_windows={day: tuple(w) for day, w in plan.weekday_windows.items()},
        )

    def windows_on(self, date: dt.date) -> list[Window]:
        """The windows of its visit on ``date``: the weekday's own, else the plan's."""
        return list(self.weekday_windows.get(WEEKDAYS[date.weekday()]) or self.windows)


@dataclass(frozen=True, eq=False)
class WeekDays:
    """The week's problem with the ids on both sides; plain values only, so that a solve
    job can keep it (pickled) until a worker runs it.

    ``therapist_ids`` maps a solver therapist id (``external_id``) to the database id;
    ``visit_ids[d]`` the ids of the visits booked on day d; ``care_plans`` an episode id to
    what its visits copy from its plan; ``clocks[d]`` is day d's clock in the clinic's zone.
    """

    problem: WeekProblem
    clinic_id: int
    dates: tuple[dt.date, ...]
    therapist_ids: Mapping[str, int]
    visit_ids: tuple[Mapping[str, int], ...]
    care_plans: Mapping[str, CarePlanVisit]
    clocks: tuple[DayClock, ...]


def horizon(first_date: dt.date, weeks: int) -> tuple[dt.date, ...]:
    return tuple(first_date + dt.timedelta(days=d) for d in range(weeks * WEEK_DAYS))


def build_week(
    session: Session,
    clinic: Clinic,
    dates: Sequence[dt.date],
    provider: TravelTimeProvider,
) -> WeekDays:
    """The days of ``dates`` (consecutive) and the care plans' visits to place on them.

    Raises
    ------
    InvalidRequest
        Listing every patient without coordinates and every visit with unreadable windows.
    """
    therapists = list(clinic_therapists(session, clinic))
    booked = [day_visits(session, clinic, date, None) for date in dates]
    plans = _active_plans(session, clinic, dates)
    faults = [f for day in booked for visit in day for f in visit_faults(visit)]
    faults += [f for plan in plans if (f := _plan_fault(plan)) is not None]
    if faults:
        raise InvalidRequest(list(dict.fromkeys(faults)), DETAIL)
    patients = list({p.id: p for p in _patients(booked, plans)}.values())
    location_of = {patient.id: len(therapists) + i for i, patient in enumerate(patients)}
    home_of = {t.id: i for i, t in enumerate(therapists)}
    clocks = tuple(day_clock(date, clinic.timezone) for date in dates)
    day_people = [[(t, s) for t in therapists if (s := shift_on(t, date))] for date in dates]
    working = [day_therapist(t, s, home_of[t.id]) for day in day_people for t, s in day]
    travel = travel_matrices(working, *_points(therapists, patients), provider)
    days = []
    for d, date in enumerate(dates):
        on_shift = {t.id: t.external_id for t, _ in day_people[d]}
        problem = Problem(
            travel=travel,
            therapists=tuple(day_therapist(t, s, home_of[t.id]) for t, s in day_people[d]),
            visits=tuple(day_visit(v, location_of[v.patient_id], on_shift) for v in booked[d]),
            day_label=date.isoformat(),
        )
        days.append(clocks[d].problem(problem))
    counted = _counted_visits(session, plans)
    episodes = tuple(
        _episode(plan, dates, clocks, location_of[plan.patient_id], counted.get(plan.id, []))
        for plan in plans
    )
    caps = _caps(session, clinic.id, therapists, dates)
    return WeekDays(
        problem=WeekProblem(tuple(days), episodes, caps),
        clinic_id=clinic.id,
        dates=tuple(dates),
        therapist_ids={t.external_id: t.id for t in therapists},
        visit_ids=tuple({v.external_id: v.id for v in day} for day in booked),
        care_plans={plan.external_id: CarePlanVisit.of(plan) for plan in plans},
        clocks=clocks,
    )


def _points(
    therapists: list[TherapistRecord], patients: list[Patient]
) -> tuple[list[tuple[float, float]], list[tuple[str, str]]]:
    """The homes, then the patients, with the field and label that name each in errors."""
    points = [(t.home_lat, t.home_lon) for t in therapists]
    points += [(p.lat or 0.0, p.lon or 0.0) for p in patients]
    places = [
        (f"therapists.{t.external_id}.home", f"the home of therapist {t.external_id}")
        for t in therapists
    ]
    places += [
        (f"patients.{p.external_id}", f"patient {p.external_id} ({p.name})") for p in patients
    ]
    return points, places


def _active_plans(session: Session, clinic: Clinic, dates: Sequence[dt.date]) -> list[CarePlan]:
    query = (
        sa.select(CarePlan)
        .where(
            CarePlan.clinic_id == clinic.id,
            CarePlan.status == CarePlanStatus.ACTIVE,
            CarePlan.first_date <= dates[-1],
            CarePlan.last_date >= dates[0],
        )
        .options(
            selectinload(CarePlan.patient).selectinload(Patient.excluded_therapists),
            selectinload(CarePlan.patient).selectinload(Patient.preferred_therapists),
            selectinload(CarePlan.primary_therapist),
            selectinload(CarePlan.preferred_therapists),
        )
        .order_by(CarePlan.external_id)
    )
    return list(session.scalars(query))


def _plan_fault(plan: CarePlan) -> FieldError | None:
    patient = plan.patient
    if patient.lat is not None and patient.lon is not None:
        return None
    message = (
        f"patient {patient.external_id} ({patient.name}) of care plan {plan.external_id} has"
        " no coordinates; geocode the address first"
    )
    return FieldError(f"patients.{patient.external_id}", message)


def _patients(booked: list[Sequence[Visit]], plans: list[CarePlan]) -> list[Patient]:
    return [v.patient for day in booked for v in day] + [plan.patient for plan in plans]


def _counted_visits(session: Session, plans: list[CarePlan]) -> dict[int, list[dt.date]]:
    """The dates of each plan's visits that count towards its frequency."""
    rows = session.execute(
        sa.select(Visit.care_plan_id, Visit.date).where(
            Visit.care_plan_id.in_([plan.id for plan in plans]),
            Visit.status.not_in(NOT_COUNTED),
        )
    )
    found: dict[int, list[dt.date]] = {}
    for plan_id, date in rows:
        if plan_id is not None:
            found.setdefault(plan_id, []).append(date)
    return found


def _episode(
    plan: CarePlan,
    dates: Sequence[dt.date],
    clocks: Sequence[DayClock],
    location: int,
    counted: list[dt.date],
) -> Episode:
    patient = plan.patient
    preferred = [*care_plan_therapists(plan)[1:], *patient.preferred_therapists]
    return Episode(
        id=plan.external_id,
        location=location,
        service_s=plan.duration_minutes * 60,
        windows=tuple(
            _day_windows(plan, date, clock) for date, clock in zip(dates, clocks, strict=True)
        ),
        demands=_demands(plan, dates, counted),
        required_skills=frozenset({plan.discipline, *plan.skills, *patient.required_skills}),
        priority=plan.priority,
        min_days_between=plan.min_days_between,
        primary_therapist=None
        if plan.primary_therapist is None
        else plan.primary_therapist.external_id,
        preferred_therapists=frozenset(t.external_id for t in preferred),
        excluded_therapists=frozenset(t.external_id for t in patient.excluded_therapists),
        booked_days=tuple(sorted((date - dates[0]).days for date in counted)),
    )


def _allowed(plan: CarePlan, date: dt.date) -> bool:
    return plan.first_date <= date <= plan.last_date and WEEKDAYS[date.weekday()] in plan.weekdays


def _day_windows(plan: CarePlan, date: dt.date, clock: DayClock) -> tuple[TimeWindow, ...] | None:
    """The windows of the plan's visit on ``date``, on the date's clock (None: not allowed)."""
    if not _allowed(plan, date):
        return None
    windows = plan.weekday_windows.get(WEEKDAYS[date.weekday()]) or plan.windows
    spans = [span for window in windows if (span := window_span(window)) is not None]
    return merged_windows((clock.elapsed_s(start), clock.elapsed_s(end)) for start, end in spans)


def _demands(
    plan: CarePlan, dates: Sequence[dt.date], counted: list[dt.date]
) -> tuple[Demand, ...]:
    if plan.visits_per_week is None:
        return _pace(plan, dates, counted)
    demands = []
    for monday in sorted({date - dt.timedelta(days=date.weekday()) for date in dates}):
        week = [monday + dt.timedelta(days=i) for i in range(WEEK_DAYS)]
        span = [d for d, date in enumerate(dates) if date in week]
        weekly = [date for date in week if WEEKDAYS[date.weekday()] in plan.weekdays]
        covered = [date for date in weekly if _allowed(plan, date)]
        if not covered:
            continue
        target = math.ceil(plan.visits_per_week * len(covered) / len(weekly))
        count = target - sum(date in week for date in counted)
        if count > 0:
            demands.append(Demand(span[0], span[-1], count, f"the week of {monday.isoformat()}"))
    return tuple(demands)


def _pace(plan: CarePlan, dates: Sequence[dt.date], counted: list[dt.date]) -> tuple[Demand, ...]:
    remaining = (plan.visits_total or 0) - len(counted)
    left = [
        dates[0] + dt.timedelta(days=i)
        for i in range((plan.last_date - dates[0]).days + 1)
        if _allowed(plan, dates[0] + dt.timedelta(days=i))
    ]
    in_horizon = [date for date in left if date <= dates[-1]]
    if remaining <= 0 or not in_horizon:
        return ()
    count = min(remaining, math.ceil(remaining * len(in_horizon) / len(left)))
    label = f"{dates[0].isoformat()} to {dates[-1].isoformat()}"
    return (Demand(0, len(dates) - 1, count, label),)


def _caps(
    session: Session, clinic_id: int, therapists: list[TherapistRecord], dates: Sequence[dt.date]
) -> tuple[WeekCap, ...]:
    mondays = sorted({date - dt.timedelta(days=date.weekday()) for date in dates})
    weeks = [[monday + dt.timedelta(days=i) for i in range(WEEK_DAYS)] for monday in mondays]
    outside = [date for week in weeks for date in week if date not in dates]
    capped = [t for t in therapists if t.max_week_minutes is not None]
    work = published_work_by_date(session, clinic_id, outside) if capped else {}
    caps = []
    for therapist in capped:
        assert therapist.max_week_minutes is not None
        for week in weeks:
            span = [d for d, date in enumerate(dates) if date in week]
            done_s = sum(work.get((therapist.id, date), 0) for date in week)
            left_s = therapist.max_week_minutes * 60 - done_s
            caps.append(WeekCap(therapist.external_id, span[0], span[-1], max(0, left_s)))
    return tuple(caps)
