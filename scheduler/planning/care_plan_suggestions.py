"""Booking a new episode: the best few starts of a referral's care plan, before it exists.

A start is a first date, a weekly pattern of weekdays and a therapist to be the plan's
primary. Every pattern of ``visits_per_week`` allowed weekdays whose visits keep
``min_days_between`` (over the episode's real dates, so across the week's end too) is
tried from each of the 7 days from the earliest date, with every qualified therapist (the
discipline, the skills and the patient's required skills, as the week's build asks; never
one the patient excludes).

A visit's price on a date (``scheduler.planning.date_prices``) is its cheapest insertion
into that therapist's route of the date, or why the therapist cannot keep the date. It does
not depend on the pattern: each date of the patterns is priced once, for every therapist,
and each candidate sums its dates' prices. Nothing is stored.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from scheduler.errors import FieldError, InvalidRequest
from scheduler.models import Clinic, Patient
from scheduler.planning.build import clinic_therapists
from scheduler.planning.date_prices import MissReason, NewVisit, Prices, price_dates
from scheduler.planning.queries import published_work_by_date
from scheduler.records.care_plans import Links, care_plan_faults, new_care_plan
from scheduler.records.inputs import CarePlanFields
from scheduler.records.limits import LAST_DATE
from scheduler.records.store import owned_reference
from scheduler.records.values import WEEKDAYS
from scheduler.records.windows import stored_windows

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from scheduler.models import Therapist
    from scheduler.records.inputs import VisitWindow
    from scheduler.travel import TravelTimeProvider

DETAIL = "the referral cannot be priced"
WEEK_DAYS = 7
MAX_EPISODE_WEEKS = 8
MAX_STARTS = 10
WORKING_WEEK = ("mon", "tue", "wed", "thu", "fri")


@dataclass(frozen=True)
class Referral:
    """What the coordinator knows of the new episode. ``earliest_date`` None: tomorrow in
    the clinic; ``windows`` None: any time in a shift; ``therapist_id``: only that one."""

    patient_id: int
    discipline: str
    visits_per_week: int
    weeks: int
    duration_minutes: int
    skills: tuple[str, ...] = ()
    earliest_date: dt.date | None = None
    weekdays: tuple[str, ...] = WORKING_WEEK
    windows: tuple[VisitWindow, ...] | None = None
    min_days_between: int = 0
    therapist_id: int | None = None
    limit: int = 3


@dataclass(frozen=True)
class MissedDate:
    date: dt.date
    reason: MissReason


@dataclass(frozen=True)
class EpisodeStart:
    """One start: the visits on ``dates`` (``weekdays`` from ``first_date`` to
    ``last_date``), all by one therapist (database id, external id, name).

    ``added_travel_s`` sums, over the dates the therapist keeps, the drive that the visit
    adds to that date's route; ``missed`` are the dates they cannot keep, with why.
    """

    first_date: dt.date
    last_date: dt.date
    weekdays: tuple[str, ...]
    dates: tuple[dt.date, ...]
    therapist_id: int
    therapist_key: str
    therapist_name: str
    added_travel_s: int
    missed: tuple[MissedDate, ...]
    preferred: bool

    @property
    def keeps_whole_episode(self) -> bool:
        return not self.missed


@dataclass(frozen=True)
class _Pattern:
    """A candidate's days: the first and last date, the weekday pattern, the visit dates."""

    first_date: dt.date
    last_date: dt.date
    weekdays: tuple[str, ...]
    dates: tuple[dt.date, ...]


def suggest_care_plan_starts(
    session: Session,
    clinic_id: int,
    referral: Referral,
    provider: TravelTimeProvider,
    now: dt.datetime | None = None,
) -> list[EpisodeStart]:
    """The best ``referral.limit`` starts of the episode, best first; stores nothing.

    Parameters
    ----------
    session
        The database session (only read).
    clinic_id
        The caller's clinic.
    referral
        The episode to book.
    provider
        The clinic's travel times.
    now
        The time (aware; default: now). The earliest date is tomorrow in the clinic's time
        zone by default, and never before today; on today, only what is left of the day.

    Returns
    -------
    list[EpisodeStart]
        Ranked: those whose therapist keeps every date first, then the fewest dates
        missed (the primary keeps the most of the episode), then a therapist the patient
        prefers, then the least added travel, then the earliest first date; one start
        per therapist and weekday pattern (its best first date). Empty when no therapist
        of the clinic is qualified.

    Raises
    ------
    InvalidRequest
        Each fault named by its field: an unknown patient or therapist, a patient without
        coordinates, a therapist not qualified or excluded, a frequency the weekdays and
        the spacing cannot give, a window ending before it starts, a past first date.
    """
    clinic = session.get_one(Clinic, clinic_id)
    now = now or dt.datetime.now(dt.UTC)
    today = now.astimezone(ZoneInfo(clinic.timezone)).date()
    earliest = referral.earliest_date or today + dt.timedelta(days=1)
    patient = _checked(session, clinic, referral, earliest, today)
    patterns = _patterns(referral, earliest)
    if not patterns:
        message = (
            f"no {referral.visits_per_week} of {', '.join(referral.weekdays)} keep"
            f" {referral.min_days_between} days between visits over {referral.weeks} weeks"
        )
        raise InvalidRequest.single("min_days_between", message, DETAIL)
    therapists = _qualified(session, clinic, referral, patient)
    if not therapists:
        return []
    dates = sorted({date for pattern in patterns for date in pattern.dates})
    visit = NewVisit(
        patient=patient,
        service_s=referral.duration_minutes * 60,
        windows=tuple(stored_windows(referral.windows)[0]),
        required_skills=frozenset(_required_skills(referral, patient)),
    )
    prices = price_dates(session, clinic, visit, therapists, dates, provider, now)
    week_left = _week_left_s(session, clinic.id, therapists, dates)
    preferred = {t.id for t in patient.preferred_therapists}
    starts = [
        _start(pattern, therapist, prices, week_left, visit.service_s, therapist.id in preferred)
        for pattern in patterns
        for therapist in therapists
    ]
    starts.sort(key=_rank)
    # The same therapist on the same weekdays from a later first date is the same choice,
    # later: only its best first date is a suggestion.
    best = {(s.therapist_id, s.weekdays): s for s in reversed(starts)}
    return sorted(best.values(), key=_rank)[: referral.limit]


def _rank(start: EpisodeStart) -> tuple[object, ...]:
    return (
        len(start.missed),
        not start.preferred,
        start.added_travel_s,
        start.first_date,
        [WEEKDAYS.index(day) for day in start.weekdays],
        start.therapist_key,
    )


def _monday(date: dt.date) -> dt.date:
    return date - dt.timedelta(days=date.weekday())


def _week_left_s(
    session: Session, clinic_id: int, therapists: list[Therapist], dates: list[dt.date]
) -> dict[tuple[int, dt.date], int]:
    """For each capped therapist and calendar week (its Monday) of ``dates``: the
    working time their weekly cap leaves beside the week's published routes."""
    capped = [t for t in therapists if t.max_week_minutes is not None]
    mondays = sorted({_monday(date) for date in dates})
    week_dates = [monday + dt.timedelta(days=i) for monday in mondays for i in range(WEEK_DAYS)]
    work = published_work_by_date(session, clinic_id, week_dates) if capped else {}
    left = {}
    for therapist in capped:
        assert therapist.max_week_minutes is not None
        for monday in mondays:
            week = [monday + dt.timedelta(days=i) for i in range(WEEK_DAYS)]
            done_s = sum(work.get((therapist.id, date), 0) for date in week)
            left[therapist.id, monday] = therapist.max_week_minutes * 60 - done_s
    return left


def _start(
    pattern: _Pattern,
    therapist: Therapist,
    prices: Prices,
    week_left: dict[tuple[int, dt.date], int],
    service_s: int,
    preferred: bool,
) -> EpisodeStart:
    """The start of ``pattern`` with ``therapist``; a date whose visit (its service and the
    drive it adds) would take the week's work beyond the weekly cap is not kept."""
    added_s, missed = 0, []
    left = dict(week_left)
    for date in pattern.dates:
        price = prices[therapist.id, date]
        week = (therapist.id, _monday(date))
        if not isinstance(price, MissReason) and week in left:
            if price + service_s > left[week]:
                price = MissReason.WEEK_CAP
            else:
                left[week] -= price + service_s
        if isinstance(price, MissReason):
            missed.append(MissedDate(date, price))
        else:
            added_s += price
    return EpisodeStart(
        first_date=pattern.first_date,
        last_date=pattern.last_date,
        weekdays=pattern.weekdays,
        dates=pattern.dates,
        therapist_id=therapist.id,
        therapist_key=therapist.external_id,
        therapist_name=therapist.name,
        added_travel_s=added_s,
        missed=tuple(missed),
        preferred=preferred,
    )


# --- the referral's checks -------------------------------------------------------------


def _checked(
    session: Session, clinic: Clinic, referral: Referral, earliest: dt.date, today: dt.date
) -> Patient:
    """The referral's patient, once every field holds; the care plan's own rules first."""
    patient, errors = owned_reference(
        session, clinic.id, "patient_id", referral.patient_id, Patient, "patient"
    )
    last = earliest + dt.timedelta(days=WEEK_DAYS - 2 + referral.weeks * WEEK_DAYS)
    fields = CarePlanFields(
        patient_id=referral.patient_id,
        discipline=referral.discipline,
        skills=referral.skills,
        visits_per_week=referral.visits_per_week,
        duration_minutes=referral.duration_minutes,
        first_date=earliest,
        last_date=min(last, LAST_DATE),
        weekdays=referral.weekdays,
        windows=referral.windows,
        min_days_between=referral.min_days_between,
    )
    renamed = {"first_date": "earliest_date", "last_date": "earliest_date"}
    faults = care_plan_faults(new_care_plan(clinic.id), fields, Links(patient=patient))
    errors += [FieldError(renamed.get(f.field, f.field), f.message) for f in faults]
    if earliest < today:
        errors.append(FieldError("earliest_date", f"{earliest} is past; book from today on"))
    if last > LAST_DATE:
        message = f"the episode's days from {earliest} would pass {LAST_DATE}"
        errors.append(FieldError("earliest_date", message))
    if patient is not None and (patient.lat is None or patient.lon is None):
        message = (
            f"patient {patient.external_id} ({patient.name}) has no coordinates;"
            " geocode the address first"
        )
        errors.append(FieldError("patient_id", message))
    if errors:
        raise InvalidRequest(list(dict.fromkeys(errors)), DETAIL)
    assert patient is not None
    return patient


def _required_skills(referral: Referral, patient: Patient) -> set[str]:
    return {referral.discipline, *referral.skills, *patient.required_skills}


def _qualified(
    session: Session, clinic: Clinic, referral: Referral, patient: Patient
) -> list[Therapist]:
    """The clinic's therapists who may be the plan's primary; a chosen one must be."""
    needed = _required_skills(referral, patient)
    excluded = {t.id for t in patient.excluded_therapists}
    staff = clinic_therapists(session, clinic)
    if referral.therapist_id is None:
        return [t for t in staff if needed <= set(t.skills) and t.id not in excluded]
    chosen = next((t for t in staff if t.id == referral.therapist_id), None)
    if chosen is None:
        message = f"no therapist with id {referral.therapist_id} in this clinic"
        raise InvalidRequest.single("therapist_id", message, DETAIL)
    if chosen.id in excluded:
        message = f"patient {patient.external_id} excludes therapist {chosen.external_id}"
        raise InvalidRequest.single("therapist_id", message, DETAIL)
    if not needed <= set(chosen.skills):
        lacking = ", ".join(sorted(needed - set(chosen.skills)))
        message = f"therapist {chosen.external_id} lacks the skills {lacking}"
        raise InvalidRequest.single("therapist_id", message, DETAIL)
    return [chosen]


# --- the patterns ----------------------------------------------------------------------


def _patterns(referral: Referral, earliest: dt.date) -> list[_Pattern]:
    """Every weekday pattern from every first date of the week from ``earliest`` whose
    visits keep the spacing: consecutive dates more than ``min_days_between`` days apart,
    as the week's solver counts them (``solver.week.problem.Episode``)."""
    allowed = sorted(WEEKDAYS.index(day) for day in set(referral.weekdays))
    patterns = []
    for days in itertools.combinations(allowed, referral.visits_per_week):
        names = tuple(WEEKDAYS[day] for day in days)
        for offset in range(WEEK_DAYS):
            first = earliest + dt.timedelta(days=offset)
            if first.weekday() not in days:
                continue
            span = [first + dt.timedelta(days=d) for d in range(referral.weeks * WEEK_DAYS)]
            dates = tuple(date for date in span if date.weekday() in days)
            gaps = ((b - a).days for a, b in itertools.pairwise(dates))
            if all(gap > referral.min_days_between for gap in gaps):
                patterns.append(_Pattern(first, span[-1], names, dates))
    return patterns
