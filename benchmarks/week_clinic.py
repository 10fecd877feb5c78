"""A community therapy clinic's week to plan: care-plan episodes over Monday to Friday.

``generate_week(town, seed)`` builds a plain ``WeekProblem`` in one of the towns of
``scheduler.day_json.towns``, deterministic for the seed. Homes and patients are drawn by
the town's ``Area`` (``scheduler.day_json.geography``), as the generated days draw them, and
one geodesic matrix holds them all: the therapists' homes first, then the episodes'
patients, then the patients of the one-off hand-booked visits.

The clinic: therapists of PT, OT and SLP (50/30/20 %), 08:00-16:30 with a 30-minute lunch
break in 11:30-14:00 and at most 8 h of work a day; one in five part-time (3 or 4 days),
the others on every weekday; a weekly cap of 37.5 h, pro rata for part-timers. Episodes
ask for 3 (70 %), 2 (20 %) or 1 (10 %) visits in the week, 30-60 minutes each, any time
(half), in the morning 08:30-12:00 or in the afternoon 13:00-16:00 (the visit within those
hours), on every weekday or on a subset that still holds the frequency with the spacing.
Each has a primary therapist with the skills, near the patient and on shift on its days
(a part-timer's patients see someone else on the days they are off), chosen so that no
caseload goes beyond its discipline's share of the load (``CASELOAD_SLACK``); some have a
preferred second, a few exclude one therapist. About ten visits a day are already booked by
hand: some are an episode's (its demand is one less, the day is in ``booked_days``), the
others one-off visits.

Load is estimated as in ``benchmarks.week_load``: service plus a travel allowance per visit.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from benchmarks.week_load import TRAVEL_ALLOWANCE_S, earliest_days, spaced_days
from scheduler.day_json.generate import DISCIPLINES, LANGUAGES, SIZES
from scheduler.day_json.geography import area_of
from scheduler.day_json.towns import TOWNS
from scheduler.travel import GeodesicProvider
from solver.problem import BreakRule, Priority, Problem, Therapist, TimeWindow, Visit
from solver.week.problem import Demand, Episode, WeekCap, WeekProblem

if TYPE_CHECKING:
    from collections.abc import Sequence

    from solver.problem import TravelMatrix

H = 3600
FIRST_DATE = datetime.date(2026, 11, 30)  # a Monday
WEEKDAYS = 5
SHIFT_S = (8 * H, 16 * H + 1800)
LUNCH = BreakRule(earliest_start_s=11 * H + 1800, latest_end_s=14 * H, duration_s=1800)
MAX_WORK_S = 8 * H
FULL_TIME_CAP_S = 37 * H + 1800
PART_TIME_SHARE = 0.2
PART_TIME_DAYS = (3, 4)
DISCIPLINE_SHARES = {"PT": 0.5, "OT": 0.3, "SLP": 0.2}
LANGUAGE_SHARE = 0.15  # of therapists who speak one; of episodes that need it
FREQUENCIES = (3, 2, 1)
FREQUENCY_WEIGHTS = (70, 20, 10)
DURATION_WEIGHTS = {"PT": (25, 45, 30), "OT": (15, 45, 40), "SLP": (45, 40, 15)}
MORNING_S = (8 * H + 1800, 12 * H)
AFTERNOON_S = (13 * H, 16 * H)
EVERY_WEEKDAY_SHARE = 0.75
PRIORITIES = (Priority.NORMAL, Priority.HIGH, Priority.LOW)
PRIORITY_WEIGHTS = (85, 10, 5)
PREFERRED_SHARE = 0.3
EXCLUDED_SHARE = 0.03
HAND_BOOKED_PER_DAY = (8, 12)
EPISODE_BOOKED_SHARE = 0.4  # of the hand-booked visits: an episode's visit booked ahead
# Nobody's caseload goes beyond the clinic's mean booked share of hours times this.
CASELOAD_SLACK = 1.05
# A primary who is off on days the plan needs costs this much drive per visit they miss.
MISSED_VISIT_S = 15 * 60


@dataclass
class _Staff:
    id: str
    discipline: str
    skills: frozenset[str]
    days: tuple[int, ...]
    home: int  # matrix index
    cap_s: int
    caseload_s: int = 0


@dataclass
class _Plan:
    """An episode while it is drawn; ``primary`` and the rest come once the matrix exists."""

    id: str
    discipline: str
    skills: frozenset[str]
    frequency: int
    gap: int
    days: tuple[int, ...]
    service_s: int
    windows: tuple[TimeWindow, ...]
    priority: Priority
    location: int
    primary: str | None = None
    preferred: frozenset[str] = frozenset()
    excluded: frozenset[str] = frozenset()
    booked: list[int] = field(default_factory=list)

    @property
    def load_s(self) -> int:
        return self.frequency * (self.service_s + TRAVEL_ALLOWANCE_S)


def generate_week(
    town: str,
    seed: int,
    therapists: int = 25,
    care_plans: int = 120,
    first_date: datetime.date = FIRST_DATE,
) -> WeekProblem:
    """A Monday-to-Friday week of a clinic in ``TOWNS[town]``, deterministic for ``seed``.

    Parameters
    ----------
    town
        A key of ``TOWNS``.
    seed
        Seeds every draw.
    therapists, care_plans
        The staff and the episodes to place.
    first_date
        The Monday; days are labelled with their ISO dates.
    """
    if town not in TOWNS:
        raise ValueError(f"town must be one of {', '.join(TOWNS)}, not {town!r}")
    if first_date.weekday() != 0:
        raise ValueError(f"first_date must be a Monday, not a {first_date:%A}")
    rng = random.Random(seed)
    area = area_of(TOWNS[town], SIZES["medium"].radius_km)
    labels = [(first_date + datetime.timedelta(days=d)).isoformat() for d in range(WEEKDAYS)]
    staff = _make_staff(rng, therapists)
    points = [area.home_point(rng) for _ in staff]
    plans = [_draw_plan(rng, f"e{n + 1:03d}", staff, len(points) + n) for n in range(care_plans)]
    points += [area.patient_point(rng) for _ in plans]
    one_offs, ahead = _draw_hand_booked(rng, staff, labels, len(points))
    points += [area.patient_point(rng) for _ in one_offs]
    matrix = GeodesicProvider().matrices(points, "car")
    travel = {"car": matrix}  # one dict for every day, as ``WeekProblem`` asks
    _choose_carers(rng, plans, staff, matrix)
    hand_booked = [*map(_one_off_visit, one_offs), *_book_ahead(rng, plans, staff, ahead)]
    days = tuple(
        Problem(
            travel=travel,
            therapists=tuple(_therapist(m) for m in staff if d in m.days),
            visits=tuple(sorted((v for day, v in hand_booked if day == d), key=_visit_id)),
            day_label=label,
        )
        for d, label in enumerate(labels)
    )
    span = f"the week of {labels[0]}"
    return WeekProblem(
        days=days,
        episodes=tuple(_episode(plan, span) for plan in plans),
        caps=tuple(WeekCap(m.id, 0, WEEKDAYS - 1, m.cap_s) for m in staff),
    )


# --- therapists ----------------------------------------------------------------------


def _make_staff(rng: random.Random, count: int) -> list[_Staff]:
    disciplines = _discipline_quota(count)
    rng.shuffle(disciplines)
    part_timers = set(rng.sample(range(count), round(PART_TIME_SHARE * count)))
    staff = []
    for index, discipline in enumerate(disciplines):
        days = tuple(range(WEEKDAYS))
        if index in part_timers:
            days = tuple(sorted(rng.sample(days, rng.choice(PART_TIME_DAYS))))
        skills = {discipline}
        if rng.random() < LANGUAGE_SHARE:
            skills.add(rng.choice(LANGUAGES))
        cap_s = FULL_TIME_CAP_S * len(days) // WEEKDAYS
        staff.append(_Staff(f"t{index + 1:03d}", discipline, frozenset(skills), days, index, cap_s))
    return staff


def _discipline_quota(count: int) -> list[str]:
    ot = max(1, round(DISCIPLINE_SHARES["OT"] * count))
    slp = max(1, round(DISCIPLINE_SHARES["SLP"] * count))
    return ["OT"] * ot + ["SLP"] * slp + ["PT"] * (count - ot - slp)


def _therapist(member: _Staff) -> Therapist:
    return Therapist(
        id=member.id,
        start_location=member.home,
        end_location=member.home,
        shift_start_s=SHIFT_S[0],
        shift_end_s=SHIFT_S[1],
        skills=member.skills,
        max_work_s=MAX_WORK_S,
        break_rule=LUNCH,
    )


# --- episodes --------------------------------------------------------------------------


def _draw_plan(rng: random.Random, plan_id: str, staff: list[_Staff], location: int) -> _Plan:
    """An episode's needs; demand per discipline follows the discipline's hours."""
    hours = {d: sum(m.cap_s for m in staff if m.discipline == d) for d in DISCIPLINES}
    discipline = rng.choices(DISCIPLINES, weights=[hours[d] for d in DISCIPLINES])[0]
    skills = {discipline}
    spoken = sorted({s for m in staff if m.discipline == discipline for s in m.skills} - skills)
    if spoken and rng.random() < LANGUAGE_SHARE:
        skills.add(rng.choice(spoken))
    frequency = rng.choices(FREQUENCIES, weights=FREQUENCY_WEIGHTS)[0]
    gap = _gap(rng, frequency)
    service_s = rng.choices((30, 45, 60), weights=DURATION_WEIGHTS[discipline])[0] * 60
    return _Plan(
        id=plan_id,
        discipline=discipline,
        skills=frozenset(skills),
        frequency=frequency,
        gap=gap,
        days=_allowed_days(rng, frequency, gap),
        service_s=service_s,
        windows=_windows(rng, service_s),
        priority=rng.choices(PRIORITIES, weights=PRIORITY_WEIGHTS)[0],
        location=location,
    )


def _gap(rng: random.Random, frequency: int) -> int:
    """Days left free between two visits: one for most plans of 3 a week, 0-2 for others."""
    if frequency == 3:
        return 1 if rng.random() < 0.85 else 0
    return rng.choices((0, 1, 2), weights=(40, 40, 20))[0]


def _allowed_days(rng: random.Random, frequency: int, gap: int) -> tuple[int, ...]:
    """Every weekday, or one or two fewer where the frequency still fits with the gap."""
    every = tuple(range(WEEKDAYS))
    if rng.random() < EVERY_WEEKDAY_SHARE:
        return every
    subset = tuple(sorted(rng.sample(every, WEEKDAYS - rng.choice((1, 2)))))
    return subset if earliest_days(subset, (), gap, frequency) is not None else every


def _windows(rng: random.Random, service_s: int) -> tuple[TimeWindow, ...]:
    """Any time (half), or the visit within the morning or the afternoon hours."""
    kind = rng.choices(("any", "morning", "afternoon"), weights=(50, 25, 25))[0]
    if kind == "any":
        return ()
    start_s, end_s = MORNING_S if kind == "morning" else AFTERNOON_S
    return (TimeWindow(start_s, end_s - service_s),)


# --- who cares for whom ----------------------------------------------------------------


def _qualified(plan: _Plan, staff: Sequence[_Staff]) -> list[_Staff]:
    return [m for m in staff if plan.skills <= m.skills and m.id not in plan.excluded]


def _missed_visits(plan: _Plan, member: _Staff) -> int:
    """How many of the plan's visits fall on days ``member`` is off, at the fewest."""
    days = set(plan.days) & set(member.days)
    return plan.frequency - min(plan.frequency, len(spaced_days(days, plan.booked, plan.gap)))


def _caseload_budgets(plans: list[_Plan], staff: list[_Staff]) -> dict[str, float]:
    """Each therapist's caseload limit: their discipline's booked share of its hours,
    times ``CASELOAD_SLACK``, never above their weekly cap."""
    budget: dict[str, float] = {}
    for discipline in DISCIPLINES:
        members = [m for m in staff if m.discipline == discipline]
        hours_s = sum(m.cap_s for m in members)
        load_s = sum(p.load_s for p in plans if p.discipline == discipline)
        share = min(1.0, CASELOAD_SLACK * load_s / hours_s) if hours_s else 0.0
        budget.update({m.id: share * m.cap_s for m in members})
    return budget


def _choose_carers(
    rng: random.Random, plans: list[_Plan], staff: list[_Staff], matrix: TravelMatrix
) -> None:
    """Primary, preferred and excluded therapists, the plans with fewest qualified first."""
    budget = _caseload_budgets(plans, staff)
    drive = matrix.duration_rows
    for plan in sorted(plans, key=lambda p: (len(_qualified(p, staff)), len(p.days))):
        qualified = [m for m in _qualified(plan, staff) if set(m.days) & set(plan.days)]

        def cost(member: _Staff, plan: _Plan = plan) -> tuple[int, str]:
            missed_s = MISSED_VISIT_S * _missed_visits(plan, member)
            return drive[member.home][plan.location] + missed_s, member.id

        roomy = [m for m in qualified if m.caseload_s + plan.load_s <= budget[m.id]]
        if roomy:
            primary = min(roomy, key=cost)
        else:
            primary = min(qualified, key=lambda m: ((m.caseload_s + plan.load_s) / m.cap_s, m.id))
        primary.caseload_s += plan.load_s
        plan.primary = primary.id
        others = sorted((m for m in qualified if m is not primary), key=cost)
        if others and rng.random() < PREFERRED_SHARE:
            plan.preferred = frozenset({rng.choice(others[:3]).id})
        strangers = [m for m in others if m.id not in plan.preferred]
        if strangers and rng.random() < EXCLUDED_SHARE:
            plan.excluded = frozenset({rng.choice(strangers).id})


# --- visits booked by hand -------------------------------------------------------------


@dataclass(frozen=True)
class _OneOff:
    """A hand-booked visit to a patient without a care plan (an assessment, a review)."""

    day: int
    id: str
    discipline: str
    service_s: int
    windows: tuple[TimeWindow, ...]
    location: int


def _draw_hand_booked(
    rng: random.Random, staff: list[_Staff], labels: list[str], location: int
) -> tuple[list[_OneOff], list[tuple[int, str]]]:
    """Each day's hand-booked visits: one-off visits to new patients (their locations from
    ``location`` on), and the (day, visit id) of those that are an episode's."""
    one_offs: list[_OneOff] = []
    ahead: list[tuple[int, str]] = []
    for day, label in enumerate(labels):
        for number in range(1, rng.randint(*HAND_BOOKED_PER_DAY) + 1):
            visit_id = f"h{label}-{number:02d}"
            if rng.random() < EPISODE_BOOKED_SHARE:
                ahead.append((day, visit_id))
                continue
            discipline = rng.choice([m.discipline for m in staff])
            service_s = rng.choice((45, 60)) * 60
            windows = _windows(rng, service_s)
            one_off = _OneOff(day, visit_id, discipline, service_s, windows, location)
            one_offs.append(one_off)
            location += 1
    return one_offs, ahead


def _one_off_visit(one_off: _OneOff) -> tuple[int, Visit]:
    visit = Visit(
        id=one_off.id,
        location=one_off.location,
        service_s=one_off.service_s,
        windows=one_off.windows,
        required_skills=frozenset({one_off.discipline}),
    )
    return one_off.day, visit


def _book_ahead(
    rng: random.Random, plans: list[_Plan], staff: list[_Staff], ahead: list[tuple[int, str]]
) -> list[tuple[int, Visit]]:
    """An episode's visit on each of the ``ahead`` days: one of a plan of two or more
    visits, allowed that day, with its primary on shift, whose other visits still fit
    around it. A day without such a plan books nothing."""
    works = {m.id: set(m.days) for m in staff}
    booked: list[tuple[int, Visit]] = []
    for day, visit_id in ahead:
        candidates = [
            plan
            for plan in plans
            if plan.frequency >= 2
            and not plan.booked
            and day in plan.days
            and plan.primary is not None
            and day in works[plan.primary]
            and earliest_days(plan.days, [day], plan.gap, plan.frequency - 1) is not None
        ]
        if not candidates:
            continue
        plan = rng.choice(candidates)
        plan.booked.append(day)
        assert plan.primary is not None
        visit = Visit(
            id=visit_id,
            location=plan.location,
            service_s=plan.service_s,
            windows=plan.windows,
            required_skills=plan.skills,
            priority=plan.priority,
            excluded_therapists=plan.excluded,
            preferred_therapists=plan.preferred | {plan.primary},
        )
        booked.append((day, visit))
    return booked


def _visit_id(visit: Visit) -> str:
    return visit.id


# --- the week ----------------------------------------------------------------------------


def _episode(plan: _Plan, span: str) -> Episode:
    allowed = set(plan.days)
    return Episode(
        id=plan.id,
        location=plan.location,
        service_s=plan.service_s,
        windows=tuple(plan.windows if d in allowed else None for d in range(WEEKDAYS)),
        demands=(Demand(0, WEEKDAYS - 1, plan.frequency - len(plan.booked), span),),
        required_skills=plan.skills,
        priority=plan.priority,
        min_days_between=plan.gap,
        primary_therapist=plan.primary,
        preferred_therapists=plan.preferred,
        excluded_therapists=plan.excluded,
        booked_days=tuple(sorted(plan.booked)),
    )
