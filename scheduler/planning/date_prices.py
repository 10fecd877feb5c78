"""A new visit's price on many dates, for each therapist: what a care plan's search sums.

The price of (therapist, date) is the drive that the visit adds to the therapist's route of
the date at its cheapest place (``solver.suggest.cheapest_by_therapist``, checked as the
slot suggestions are), or why it cannot be on it. The route is that of the date's
published plan, else of its latest draft, else the empty day (home, patient, home); on a
date that has begun, only what is left of it. The therapist must be on shift that date
(``build.shift_on``: leave and changed shifts count) and the visit must fit the route
(windows, max visits, max work, the break). Every date shares one set of matrices, as the
week's build does, over the therapists' homes and the patients of their routes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import TYPE_CHECKING

from scheduler.errors import InvalidRequest
from scheduler.planning.build import (
    DETAIL,
    DayProblem,
    Shift,
    dated_problem,
    day_therapist,
    day_visit,
    day_visits,
    shift_on,
    travel_matrices,
    visit_faults,
    window_span,
)
from scheduler.planning.queries import plans_to_price
from scheduler.planning.replan import clinic_now_s, replan_of
from solver.current_plan import DEFAULT_PROMISED_S, Replan
from solver.problem import Problem, merged_windows
from solver.problem import Visit as DayVisit
from solver.suggest import cheapest_by_therapist

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from sqlalchemy.orm import Session

    from scheduler.local_time import DayClock
    from scheduler.models import Clinic, Patient, Plan, Therapist, Visit, Window
    from scheduler.travel import TravelTimeProvider
    from solver.problem import TimeWindow, TravelMatrix
    from solver.suggest import Suggestion

NEW_VISIT = "new-visit"
# Visit ids per query: eight weeks of a large clinic's routes hold more ids than SQLite
# (32,766) or PostgreSQL (65,535) bind in one statement.
VISITS_PER_QUERY = 5000


class MissReason(StrEnum):
    OFF_SHIFT = "OFF_SHIFT"  # no shift that date: off that weekday, on leave, ...
    NO_ROOM = "NO_ROOM"  # on shift, but the visit fits no place of the route
    WEEK_CAP = "WEEK_CAP"  # it fits the route, but the week's work would pass the cap


Prices = dict[tuple[int, dt.date], int | MissReason]


@dataclass(frozen=True)
class NewVisit:
    """The visit to price: the same on every date (``windows`` as stored, wall clock;
    empty: any time in a shift)."""

    patient: Patient
    service_s: int
    windows: tuple[Window, ...]
    required_skills: frozenset[str]


@dataclass(frozen=True, eq=False)
class _Places:
    """The matrices over the therapists' homes (first) and the patients, and where each
    therapist and each patient (database ids) is in them."""

    travel: dict[str, TravelMatrix]
    home: Mapping[int, int]
    location: Mapping[int, int]


def price_dates(
    session: Session,
    clinic: Clinic,
    visit: NewVisit,
    therapists: Sequence[Therapist],
    dates: Sequence[dt.date],
    provider: TravelTimeProvider,
    now: dt.datetime,
) -> Prices:
    """The visit's price on each date for each therapist.

    Parameters
    ----------
    session
        The database session (only read).
    clinic
        The clinic.
    visit
        The visit to place, not booked.
    therapists
        The therapists to price it for (qualified for it: the caller chose them).
    dates
        The dates, not empty.
    provider
        The clinic's travel times.
    now
        The time (aware): a date that has begun is priced from now.

    Returns
    -------
    Prices
        For each (therapist id, date): the drive added in seconds, or a ``MissReason``.

    Raises
    ------
    InvalidRequest
        A visit on a stored route whose patient has no coordinates, or unreadable windows.
    """
    plans = plans_to_price(session, clinic.id, dates)
    working = {date: [(t, s) for t in therapists if (s := shift_on(t, date))] for date in dates}
    routed = {
        date: [
            stop.visit_id
            for row in plan.routes
            if row.therapist_id in {t.id for t, _ in working[date]}
            for stop in row.stops
        ]
        for date, plan in plans.items()
    }
    wanted = [visit_id for ids in routed.values() for visit_id in ids]
    visits = {
        v.id: v
        for start in range(0, len(wanted), VISITS_PER_QUERY)
        for v in day_visits(session, clinic, dates[0], wanted[start : start + VISITS_PER_QUERY])
    }
    faults = [fault for booked in visits.values() for fault in visit_faults(booked)]
    if faults:
        raise InvalidRequest(list(dict.fromkeys(faults)), DETAIL)
    patients = [visit.patient, *(booked.patient for booked in visits.values())]
    places = _places(therapists, patients, [w for day in working.values() for w in day], provider)
    prices: Prices = {}
    for date in dates:
        day = _day(clinic, date, working[date], [visits[i] for i in routed.get(date, [])], places)
        new = _day_visit(visit, day, places.location[visit.patient.id])
        found = _cheapest(clinic, day, plans.get(date), new, now)
        on_shift = {t.id for t, _ in working[date]}
        for therapist in therapists:
            if therapist.id not in on_shift:
                prices[therapist.id, date] = MissReason.OFF_SHIFT
            elif (best := found.get(therapist.external_id)) is None:
                prices[therapist.id, date] = MissReason.NO_ROOM
            else:
                prices[therapist.id, date] = best.added_travel_s
    return prices


def _places(
    therapists: Sequence[Therapist],
    patients: list[Patient],
    working: list[tuple[Therapist, Shift]],
    provider: TravelTimeProvider,
) -> _Places:
    """One set of matrices for every date, as the week's build makes it."""
    unique = list({p.id: p for p in patients}.values())
    home = {t.id: i for i, t in enumerate(therapists)}
    location = {p.id: len(therapists) + i for i, p in enumerate(unique)}
    points = [(t.home_lat, t.home_lon) for t in therapists]
    points += [(p.lat or 0.0, p.lon or 0.0) for p in unique]
    places = [
        (f"therapists.{t.external_id}.home", f"the home of therapist {t.external_id}")
        for t in therapists
    ]
    places += [(f"patients.{p.external_id}", f"patient {p.external_id} ({p.name})") for p in unique]
    modes = [day_therapist(t, shift, home[t.id]) for t, shift in working]
    return _Places(travel_matrices(modes, points, places, provider), home, location)


def _day(
    clinic: Clinic,
    date: dt.date,
    working: list[tuple[Therapist, Shift]],
    visits: list[Visit],
    places: _Places,
) -> DayProblem:
    """The date's qualified therapists on shift and the visits on their routes."""
    on_shift = {t.id: t.external_id for t, _ in working}
    problem = Problem(
        travel=places.travel,
        therapists=tuple(day_therapist(t, shift, places.home[t.id]) for t, shift in working),
        visits=tuple(day_visit(v, places.location[v.patient_id], on_shift) for v in visits),
        day_label=date.isoformat(),
    )
    return dated_problem(clinic, date, problem, working, visits)


def _day_visit(visit: NewVisit, day: DayProblem, location: int) -> DayVisit:
    """The visit on the day, as ``solver.week.problem.WeekProblem.episode_visit`` makes an
    episode's: its windows on the date's clock; the patient's exclusions and preferences
    among the therapists on shift."""
    patient = visit.patient
    on_shift = {db_id: key for key, db_id in day.therapist_ids.items()}
    visit_id = NEW_VISIT
    while visit_id in day.visit_ids:
        visit_id += "+"
    return DayVisit(
        id=visit_id,
        location=location,
        service_s=visit.service_s,
        windows=_windows(visit.windows, day.clock),
        required_skills=visit.required_skills,
        excluded_therapists=frozenset(
            on_shift[t.id] for t in patient.excluded_therapists if t.id in on_shift
        ),
        preferred_therapists=frozenset(
            on_shift[t.id] for t in patient.preferred_therapists if t.id in on_shift
        ),
    )


def _windows(windows: Sequence[Window], clock: DayClock) -> tuple[TimeWindow, ...]:
    spans = [span for window in windows if (span := window_span(window)) is not None]
    return merged_windows((clock.elapsed_s(start), clock.elapsed_s(end)) for start, end in spans)


def _cheapest(
    clinic: Clinic, day: DayProblem, plan: Plan | None, new: DayVisit, now: dt.datetime
) -> dict[str, Suggestion]:
    """Each therapist's cheapest place for ``new`` on the plan's routes (none: empty days),
    from now on a date that has begun."""
    now_s = clinic_now_s(clinic, day.date, now)
    if plan is None:
        replan = Replan(now_s, ())
    else:
        replan = replan_of(plan, clinic, now_s, DEFAULT_PROMISED_S, day)
    return cheapest_by_therapist(replace(day.problem, replan=replan), new)
