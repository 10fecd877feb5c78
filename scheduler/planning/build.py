"""Build the solver's ``Problem`` for one clinic and date from the stored records.

The mapping follows ``scheduler.day_json.problem``: the records' wall-clock times (h * 3600 +
m * 60) go onto the solver's axis, the seconds elapsed since the date's local midnight in the
clinic's zone (``scheduler.local_time``), minutes become seconds, a fixed start is a
zero-length window, no windows means any time in a shift, overlapping windows merge.
Solver ids are the records' ``external_id`` (unique in a clinic, and what coordinators
recognise in messages); ``DayProblem`` maps them back to database ids.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from scheduler.errors import FieldError, InvalidRequest, UnroutableLocations
from scheduler.local_time import DayClock, day_clock
from scheduler.models import (
    CarePlan,
    Clinic,
    Patient,
    ShiftExceptionKind,
    Visit,
    VisitStatus,
)
from scheduler.models import Therapist as TherapistRecord
from solver.clock import parse_hhmm
from solver.problem import (
    DEFAULT_TRAVEL_MODE,
    BreakRule,
    Problem,
    TimeWindow,
    TravelMatrix,
    merged_windows,
)
from solver.problem import Therapist as DayTherapist
from solver.problem import Visit as DayVisit

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Collection, Mapping, Sequence

    from scheduler.travel import TravelTimeProvider

DETAIL = "the day cannot be planned"
PLANNABLE = (VisitStatus.BOOKED, VisitStatus.PLANNED)

Shift = tuple[int, int]


@dataclass(frozen=True, eq=False)
class DayProblem:
    """The solver's problem of one clinic and date, with the ids on both sides.

    ``therapist_ids`` and ``visit_ids`` map a solver id (an ``external_id``) to the
    database id; ``therapist_keys`` and ``visit_keys`` the other way round. ``clock``
    is the date's in the clinic's zone (the problem's times are its elapsed seconds).
    """

    problem: Problem
    clinic_id: int
    date: dt.date
    therapist_ids: Mapping[str, int]
    visit_ids: Mapping[str, int]
    clock: DayClock

    @property
    def therapist_keys(self) -> dict[int, str]:
        return {db_id: key for key, db_id in self.therapist_ids.items()}

    @property
    def visit_keys(self) -> dict[int, str]:
        return {db_id: key for key, db_id in self.visit_ids.items()}


def build_day(
    session: Session,
    clinic: Clinic,
    date: dt.date,
    provider: TravelTimeProvider,
    visit_ids: Collection[int] | None = None,
) -> DayProblem:
    """The therapists on shift and the visits to plan on ``date``, as a solver ``Problem``.

    Parameters
    ----------
    session
        The database session.
    clinic
        The clinic whose day it is.
    date
        The planning date (local to the clinic's timezone).
    provider
        Computes one travel matrix per travel mode in use, between the therapists'
        homes (the first locations, in the therapists' order) and the patients.
    visit_ids
        Plan exactly these visits (an existing plan's) instead of the day's visits with
        status booked or planned.

    Returns
    -------
    DayProblem
        The problem and the maps between solver ids and database ids.

    Raises
    ------
    InvalidRequest
        Listing every patient without coordinates and every visit with unreadable windows.
    """
    therapists = [
        (t, shift) for t in clinic_therapists(session, clinic) if (shift := shift_on(t, date))
    ]
    visits = day_visits(session, clinic, date, visit_ids)
    errors = [error for visit in visits for error in visit_faults(visit)]
    if errors:
        raise InvalidRequest(_unique(errors), DETAIL)
    on_shift = {t.id: t.external_id for t, _ in therapists}
    patients = list({visit.patient_id: visit.patient for visit in visits}.values())
    location_of = {patient.id: len(therapists) + i for i, patient in enumerate(patients)}
    day_therapists = tuple(day_therapist(t, shift, i) for i, (t, shift) in enumerate(therapists))
    problem_visits = tuple(day_visit(v, location_of[v.patient_id], on_shift) for v in visits)
    points = [(t.home_lat, t.home_lon) for t, _ in therapists]
    points += [(p.lat or 0.0, p.lon or 0.0) for p in patients]
    places = [
        (f"therapists.{t.external_id}.home", f"the home of therapist {t.external_id}")
        for t, _ in therapists
    ]
    places += [
        (f"patients.{p.external_id}", f"patient {p.external_id} ({p.name})") for p in patients
    ]
    problem = Problem(
        travel=travel_matrices(day_therapists, points, places, provider),
        therapists=day_therapists,
        visits=problem_visits,
        day_label=date.isoformat(),
    )
    return dated_problem(clinic, date, problem, therapists, visits)


def dated_problem(
    clinic: Clinic,
    date: dt.date,
    problem: Problem,
    working: Sequence[tuple[TherapistRecord, Shift]],
    visits: Sequence[Visit],
) -> DayProblem:
    """The solver's problem of ``date`` on the clinic's clock, with the records' ids."""
    clock = day_clock(date, clinic.timezone)
    return DayProblem(
        problem=clock.problem(problem),
        clinic_id=clinic.id,
        date=date,
        therapist_ids={t.external_id: t.id for t, _ in working},
        visit_ids={v.external_id: v.id for v in visits},
        clock=clock,
    )


def shift_on(therapist: TherapistRecord, date: dt.date) -> Shift | None:
    """The therapist's shift on ``date`` in wall-clock seconds from midnight, or None when
    off.

    A shift exception for the date wins (leave: off; changed: its times); otherwise the
    weekly availability of the weekday. Several availabilities on one weekday (a split
    shift) become one shift from the earliest start to the latest end: the solver has one
    shift a therapist, and the gap is usually the lunch break.
    """
    for exception in therapist.exceptions:
        if exception.date != date:
            continue
        if exception.kind == ShiftExceptionKind.LEAVE:
            return None
        if exception.start is not None and exception.end is not None:
            return _seconds(exception.start), _seconds(exception.end)
    spans = [
        (_seconds(slot.start), _seconds(slot.end))
        for slot in therapist.availability
        if slot.weekday == date.weekday()
    ]
    if not spans:
        return None
    return min(start for start, _ in spans), max(end for _, end in spans)


def _seconds(time: dt.time) -> int:
    return time.hour * 3600 + time.minute * 60 + time.second


def clinic_therapists(session: Session, clinic: Clinic) -> Sequence[TherapistRecord]:
    query = (
        sa.select(TherapistRecord)
        .where(TherapistRecord.clinic_id == clinic.id)
        .options(
            selectinload(TherapistRecord.availability), selectinload(TherapistRecord.exceptions)
        )
        .order_by(TherapistRecord.external_id)
    )
    return session.scalars(query).all()


def day_visits(
    session: Session, clinic: Clinic, date: dt.date, visit_ids: Collection[int] | None
) -> Sequence[Visit]:
    query = (
        sa.select(Visit)
        .where(Visit.clinic_id == clinic.id)
        .options(
            selectinload(Visit.patient).selectinload(Patient.excluded_therapists),
            selectinload(Visit.patient).selectinload(Patient.preferred_therapists),
            selectinload(Visit.pinned_therapist),
            selectinload(Visit.care_plan).selectinload(CarePlan.primary_therapist),
            selectinload(Visit.care_plan).selectinload(CarePlan.preferred_therapists),
        )
        .order_by(Visit.external_id)
    )
    if visit_ids is None:
        query = query.where(Visit.date == date, Visit.status.in_(PLANNABLE))
    else:
        query = query.where(Visit.id.in_(list(visit_ids)))
    return session.scalars(query).all()


def _unique(errors: list[FieldError]) -> list[FieldError]:
    """A patient with several visits is reported once."""
    return list(dict.fromkeys(errors))


def visit_faults(visit: Visit) -> list[FieldError]:
    faults: list[FieldError] = []
    patient = visit.patient
    if patient.lat is None or patient.lon is None:
        message = (
            f"patient {patient.external_id} ({patient.name}) has no coordinates;"
            " geocode the address first"
        )
        faults.append(FieldError(f"patients.{patient.external_id}", message))
    for index, window in enumerate(visit.windows):
        if window_span(window) is None:
            message = (
                f"visit {visit.external_id} has an unreadable window {window!r}; expected"
                ' {"start": "HH:MM", "end": "HH:MM"} that does not end before it starts'
            )
            faults.append(FieldError(f"visits.{visit.external_id}.windows[{index}]", message))
    return faults


def _window_time(value: object) -> int | None:
    return parse_hhmm(value, end_of_day=True) if isinstance(value, str) else None


def window_span(window: object) -> Shift | None:
    """A stored window's (start, end) in wall-clock seconds, or None when unreadable."""
    if not isinstance(window, dict):
        return None
    start, end = _window_time(window.get("start")), _window_time(window.get("end"))
    if start is None or end is None or end < start:
        return None
    return start, end


def visit_windows(visit: Visit) -> tuple[TimeWindow, ...]:
    """Sorted and merged; a fixed start replaces the windows with a zero-length one."""
    if visit.fixed_start is not None:
        start_s = _seconds(visit.fixed_start)
        return (TimeWindow(start_s, start_s),)
    return merged_windows(
        span for window in visit.windows if (span := window_span(window)) is not None
    )


def _break_rule(therapist: TherapistRecord, shift: Shift) -> BreakRule | None:
    """The lunch break, if the therapist has one and it fits inside this day's shift.

    A shorter shift (a changed one) may leave no room for it: no break that day.
    """
    earliest, latest_end = therapist.break_earliest, therapist.break_latest_end
    if earliest is None or latest_end is None or therapist.break_minutes is None:
        return None
    rule = BreakRule(_seconds(earliest), _seconds(latest_end), therapist.break_minutes * 60)
    shift_end_s = shift[1] + therapist.overtime_minutes * 60
    room_s = min(rule.latest_end_s, shift_end_s) - max(rule.earliest_start_s, shift[0])
    return rule if room_s >= rule.duration_s else None


def day_therapist(therapist: TherapistRecord, shift: Shift, home: int) -> DayTherapist:
    max_work = therapist.max_work_minutes
    return DayTherapist(
        id=therapist.external_id,
        start_location=home,
        end_location=home,
        shift_start_s=shift[0],
        shift_end_s=shift[1],
        skills=frozenset(therapist.skills),
        max_visits=therapist.max_visits,
        max_work_s=None if max_work is None else max_work * 60,
        break_rule=_break_rule(therapist, shift),
        overtime_max_s=therapist.overtime_minutes * 60,
        travel_mode=therapist.travel_mode,
    )


def day_visit(visit: Visit, location: int, on_shift: Mapping[int, str]) -> DayVisit:
    """Preferred and excluded therapists count only when on shift; a pin always counts (a
    pin to someone off that day is left out with ``PIN_INFEASIBLE``). A visit of a care
    plan prefers the plan's primary and preferred therapists too, so that planning its day
    again keeps the episode's continuity."""
    patient = visit.patient
    pinned = visit.pinned_therapist
    preferred = list(patient.preferred_therapists)
    if visit.care_plan is not None:
        preferred += care_plan_therapists(visit.care_plan)
    return DayVisit(
        id=visit.external_id,
        location=location,
        service_s=visit.duration_minutes * 60,
        windows=visit_windows(visit),
        required_skills=frozenset(patient.required_skills) | frozenset(visit.skills),
        priority=visit.priority,
        excluded_therapists=frozenset(
            on_shift[t.id] for t in patient.excluded_therapists if t.id in on_shift
        ),
        preferred_therapists=frozenset(on_shift[t.id] for t in preferred if t.id in on_shift),
        pinned_therapist=None if pinned is None else pinned.external_id,
    )


def travel_matrices(
    therapists: Sequence[DayTherapist],
    points: list[tuple[float, float]],
    places: list[tuple[str, str]],
    provider: TravelTimeProvider,
) -> dict[str, TravelMatrix]:
    """One matrix per travel mode; ``places`` (field, label) names the points in errors."""
    modes = list(dict.fromkeys(t.travel_mode for t in therapists)) or [DEFAULT_TRAVEL_MODE]
    try:
        return {mode: provider.matrices(points, mode) for mode in modes}
    except UnroutableLocations as error:
        fields, labels = zip(*places, strict=True)
        raise error.named(fields, labels, DETAIL) from None


def care_plan_therapists(plan: CarePlan) -> list[TherapistRecord]:
    """The care plan's primary (when still on the staff) and preferred therapists."""
    primary = [] if plan.primary_therapist is None else [plan.primary_therapist]
    return primary + list(plan.preferred_therapists)
