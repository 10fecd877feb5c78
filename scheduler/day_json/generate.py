"""Realistic synthetic planning days in the problem JSON format (DESIGN.md section 9).

A community therapy service in one of the towns of ``towns``: by default Leeds, West
Yorkshire, whose patients cluster around real neighbourhood centres (small days stay in the
inner city; an xlarge day reaches Bradford, Wakefield, Otley and Wetherby); or a long valley
(Andorra), a coast (the Riviera from Nice to Menton) or a rural district (Ryedale). The rules
(disciplines, skills, windows, priorities, breaks, limits, preferences) are the same in every
town; ``geography`` draws the points. Only coordinates are produced (no ``matrix``): the
application computes travel times.

Demand is aimed at 85-95 % of the therapists' visit capacity (``max_visits``) where the
size's counts allow it; a tight day keeps the roster and books 110-120 % of that capacity,
so the solver must choose what to drop. A few percent of visits are hard on purpose: about
1 % need a skill combination no therapist holds.
"""

from __future__ import annotations

import datetime
import math
import random
from dataclasses import dataclass
from typing import TYPE_CHECKING

from scheduler.day_json.geography import area_of
from scheduler.day_json.towns import TOWNS, Point, Workload
from solver.clock import format_hhmm

if TYPE_CHECKING:
    from scheduler.day_json.geography import Area

DEFAULT_DATE = datetime.date(2026, 11, 30)
DEFAULT_TOWN = "leeds"
TIGHT_DEMAND = (1.10, 1.20)  # booked visits / the sum of max_visits, on a tight day

DISCIPLINES = ("PT", "OT", "SLP")
LANGUAGES = ("lang:ur", "lang:pl", "lang:pa", "lang:ar", "lang:ro", "lang:es", "lang:fr")
_LANGUAGE_WEIGHTS = (4, 3, 3, 2, 1, 1, 1)
EXTRA_SKILLS = ("lymphedema", "paediatric", *LANGUAGES)

FULL_DAY = (8 * 60, 16 * 60 + 30)
HALF_DAYS = ((8 * 60, 12 * 60 + 30), (12 * 60 + 30, 17 * 60))
LAST_VISIT_END = 16 * 60 + 30
PRIORITIES = ("normal", "high", "must", "low")
_PRIORITY_WEIGHTS = (80, 12, 2, 6)


@dataclass(frozen=True)
class DaySize:
    """How big a generated day is, and how far it spreads in a city."""

    therapists: int
    visits: int
    radius_km: float
    time_limit_s: int


SIZES: dict[str, DaySize] = {
    "small": DaySize(therapists=6, visits=40, radius_km=8.0, time_limit_s=10),
    # The clinic `homevisit demo` books: about what one coordinator plans each day.
    "demo": DaySize(therapists=12, visits=80, radius_km=9.0, time_limit_s=10),
    "medium": DaySize(therapists=25, visits=180, radius_km=10.0, time_limit_s=10),
    "large": DaySize(therapists=80, visits=600, radius_km=12.0, time_limit_s=30),
    "xlarge": DaySize(therapists=200, visits=2000, radius_km=15.0, time_limit_s=60),
}


@dataclass(frozen=True)
class _Staff:
    """What visit generation needs to know of a therapist."""

    id: str
    discipline: str
    skills: frozenset[str]
    max_visits: int


def generate_day(
    size: str,
    seed: int,
    date: datetime.date | None = None,
    *,
    town: str = DEFAULT_TOWN,
    tight: bool = False,
) -> dict[str, object]:
    """A self-contained planning day of ``SIZES[size]`` in ``TOWNS[town]``, deterministic for
    ``seed``.

    ``tight`` keeps the roster of the same seed's day and books more visits on top of that
    day's: 110-120 % of the therapists' ``max_visits`` in all.
    """
    if size not in SIZES:
        raise ValueError(f"size must be one of {', '.join(SIZES)}, not {size!r}")
    if town not in TOWNS:
        raise ValueError(f"town must be one of {', '.join(TOWNS)}, not {town!r}")
    spec, place = SIZES[size], TOWNS[town]
    rng = random.Random(seed)
    area = area_of(place, spec.radius_km)
    booked = visit_count(size, town)
    staff, therapists = _make_therapists(rng, spec.therapists, booked, place.workload)
    if tight:
        booked = _tight_count(seed, sum(member.max_visits for member in staff))
    locations = [_location(f"home-{member.id}", area.home_point(rng)) for member in staff]
    visits = _make_visits(rng, booked, staff, area, locations)
    return {
        "date": (date or DEFAULT_DATE).isoformat(),
        "timezone": place.timezone,
        "locations": locations,
        "therapists": therapists,
        "visits": visits,
        "options": {"time_limit_s": spec.time_limit_s, "seed": seed},
    }


def visit_count(size: str, town: str = DEFAULT_TOWN) -> int:
    """How many visits a (not tight) day of ``size`` in ``town`` books."""
    return round(SIZES[size].visits * TOWNS[town].workload.visit_share)


def _tight_count(seed: int, capacity: int) -> int:
    """Visits for a tight day: 110-120 % of ``capacity``, both ends held after rounding.

    The share comes from a generator of its own, so the day's own draws (and with them its
    roster and its first visits) are those of the normal day of the same seed.
    """
    low, high = TIGHT_DEMAND
    share = random.Random(f"tight-{seed}").uniform(low, high)
    return max(math.ceil(low * capacity), min(math.floor(high * capacity), round(share * capacity)))


def _make_visits(
    rng: random.Random,
    count: int,
    staff: list[_Staff],
    area: Area,
    locations: list[dict[str, object]],
) -> list[dict[str, object]]:
    """``count`` visits; each new patient's location is added to ``locations``."""
    visits: list[dict[str, object]] = []
    patients: list[tuple[str, str]] = []  # (location id, discipline seen there)
    for number in range(1, count + 1):
        carer = _pick_carer(rng, staff)
        location_id = _reuse_patient(rng, patients, carer.discipline)
        if location_id is None:
            location_id = f"p{len(patients) + 1:04d}"
            locations.append(_location(location_id, area.patient_point(rng)))
        patients.append((location_id, carer.discipline))
        visits.append(_make_visit(rng, f"v{number:04d}", location_id, carer, staff))
    return visits


def _location(location_id: str, point: Point) -> dict[str, object]:
    return {"id": location_id, "lat": point[0], "lon": point[1]}


# --- therapists ----------------------------------------------------------------------


def _make_therapists(
    rng: random.Random, count: int, visits: int, workload: Workload
) -> tuple[list[_Staff], list[dict[str, object]]]:
    """``count`` therapists: disciplines by quota (50/30/20), shifts and visit limits sized
    to ``visits``."""
    disciplines = _discipline_quota(count)
    rng.shuffle(disciplines)
    needed = visits / rng.uniform(0.85, 0.95)
    shifts: list[tuple[int, int]] = [FULL_DAY] * count
    for index in rng.sample(range(count), _half_day_count(count, needed, workload)):
        shifts[index] = rng.choice(HALF_DAYS)
    limits = _visit_limits(rng, [shift == FULL_DAY for shift in shifts], needed, workload)
    staff: list[_Staff] = []
    therapists: list[dict[str, object]] = []
    for index, (discipline, shift, limit) in enumerate(
        zip(disciplines, shifts, limits, strict=True)
    ):
        member = _Staff(f"t{index + 1:03d}", discipline, _skills(rng, discipline), limit)
        staff.append(member)
        therapists.append(_therapist_json(rng, member, shift))
    return staff, therapists


def _discipline_quota(count: int) -> list[str]:
    ot = max(1, round(0.3 * count))
    slp = max(1, round(0.2 * count))
    return ["OT"] * ot + ["SLP"] * slp + ["PT"] * (count - ot - slp)


def _half_day_count(count: int, needed: float, workload: Workload) -> int:
    """Half-day shifts: what the demand leaves room for, at least ~10 % where possible.

    A full day takes about the mean of ``workload.full_day_visits`` (in Leeds 8, of 7-9), a
    half day ``workload.half_day_visits`` (4); the count never makes the demand exceed
    what full days at the most could absorb.
    """
    full = workload.full_day_visits
    usual, most, half = round(sum(full) / len(full)), max(full), workload.half_day_visits
    ideal = round((usual * count - needed) / half)
    room = math.floor((most * count - needed) / (most - half))
    return max(0, min(max(ideal, round(0.1 * count)), room, count // 4))


def _visit_limits(
    rng: random.Random, full_days: list[bool], needed: float, workload: Workload
) -> list[int]:
    """``max_visits`` per therapist (in Leeds 7-9 a full day, 4 a half day), summing close to
    ``needed``."""
    choices, half = workload.full_day_visits, workload.half_day_visits
    least, most = min(choices), max(choices)
    limits = [rng.choice(choices) if full else half for full in full_days]
    full = [index for index, is_full in enumerate(full_days) if is_full]
    while sum(limits) < needed:
        raisable = [index for index in full if limits[index] < most]
        if not raisable:
            break
        limits[rng.choice(raisable)] += 1
    while sum(limits) - 1 >= needed:
        lowerable = [index for index in full if limits[index] > least]
        if not lowerable:
            break
        limits[rng.choice(lowerable)] -= 1
    return limits


def _skills(rng: random.Random, discipline: str) -> frozenset[str]:
    skills = {discipline}
    if discipline in ("PT", "OT") and rng.random() < 0.15:
        skills.add("lymphedema")
    if rng.random() < (0.3 if discipline == "SLP" else 0.1):
        skills.add("paediatric")
    if rng.random() < 0.15:
        skills.add(rng.choices(LANGUAGES, weights=_LANGUAGE_WEIGHTS)[0])
    return frozenset(skills)


def _therapist_json(
    rng: random.Random, member: _Staff, shift: tuple[int, int]
) -> dict[str, object]:
    full_day = shift == FULL_DAY
    home = f"home-{member.id}"
    length = shift[1] - shift[0]
    return {
        "id": member.id,
        "start_location": home,
        "end_location": home,
        "shift": _window(shift[0], shift[1]),
        # Discipline first, then the rest in a stable order.
        "skills": [member.discipline, *sorted(member.skills - {member.discipline})],
        "max_visits": member.max_visits,
        "max_work_minutes": rng.choice((450, 480, 480, 510)) if full_day else length,
        "break": (
            {"earliest": "11:30", "latest_end": "14:00", "minutes": 30} if full_day else None
        ),
        "overtime_minutes": rng.choice((0, 0, 30)),
    }


# --- visits --------------------------------------------------------------------------


def _pick_carer(rng: random.Random, staff: list[_Staff]) -> _Staff:
    """The therapist a visit is naturally for; demand follows each one's capacity."""
    return rng.choices(staff, weights=[member.max_visits for member in staff])[0]


def _reuse_patient(
    rng: random.Random, patients: list[tuple[str, str]], discipline: str
) -> str | None:
    """About 3 % of visits go to a patient already seen today by another discipline."""
    if not patients or rng.random() >= 0.03:
        return None
    location_id, seen = rng.choice(patients)
    return None if seen == discipline else location_id


def _make_visit(
    rng: random.Random, visit_id: str, location_id: str, carer: _Staff, staff: list[_Staff]
) -> dict[str, object]:
    skills = _visit_skills(rng, carer, staff)
    qualified = any(frozenset(skills) <= member.skills for member in staff)
    preferred = _preferred(rng, carer, staff, frozenset(skills)) if qualified else []
    duration = _duration(rng, carer.discipline)
    visit: dict[str, object] = {"id": visit_id, "location": location_id}
    visit["duration_minutes"] = duration
    windows = _windows(rng, duration)
    if windows is not None:
        visit["windows"] = windows
    visit["skills"] = skills
    visit["priority"] = rng.choices(PRIORITIES, weights=_PRIORITY_WEIGHTS)[0]
    visit["preferred_therapists"] = preferred
    visit["excluded_therapists"] = _excluded(rng, carer, preferred, staff)
    visit["pinned_therapist"] = None
    return visit


def _visit_skills(rng: random.Random, carer: _Staff, staff: list[_Staff]) -> list[str]:
    """The carer's discipline and some of their extra skills; ~1 % need an unheld one."""
    if rng.random() < 0.01:
        missing = _uncovered_skill(rng, carer.discipline, staff)
        if missing:
            return [carer.discipline, missing]
    extras = sorted(carer.skills - {carer.discipline})
    return [carer.discipline, *(skill for skill in extras if rng.random() < 0.7)]


def _uncovered_skill(rng: random.Random, discipline: str, staff: list[_Staff]) -> str:
    """An extra skill that no therapist of ``discipline`` holds ('' if none is left)."""
    held: set[str] = set()
    for member in staff:
        if member.discipline == discipline:
            held |= member.skills
    extras = ("paediatric", *LANGUAGES) if discipline == "SLP" else EXTRA_SKILLS
    missing = [skill for skill in extras if skill not in held]
    return rng.choice(missing) if missing else ""


def _preferred(
    rng: random.Random, carer: _Staff, staff: list[_Staff], skills: frozenset[str]
) -> list[str]:
    """Continuity of care for ~40 %: the usual therapist, sometimes a qualified second."""
    if rng.random() >= 0.4:
        return []
    preferred = [carer.id]
    others = [m.id for m in staff if m is not carer and skills <= m.skills]
    if others and rng.random() < 0.25:
        preferred.append(rng.choice(others))
    return sorted(preferred)


def _excluded(
    rng: random.Random, carer: _Staff, preferred: list[str], staff: list[_Staff]
) -> list[str]:
    """A few patients (~3 %) refuse one therapist of the discipline they need."""
    if rng.random() >= 0.03:
        return []
    candidates = [
        m.id
        for m in staff
        if m.discipline == carer.discipline and m is not carer and m.id not in preferred
    ]
    return [rng.choice(candidates)] if candidates else []


def _duration(rng: random.Random, discipline: str) -> int:
    weights = {"PT": (25, 45, 30), "OT": (15, 45, 40), "SLP": (45, 40, 15)}[discipline]
    return rng.choices((30, 45, 60), weights=weights)[0]


def _windows(rng: random.Random, duration: int) -> list[dict[str, str]] | None:
    """~60 % a 2-3 h window, ~15 % a tight one, ~10 % morning-or-afternoon, ~15 % none."""
    latest_start = LAST_VISIT_END - duration
    kind = rng.choices(("wide", "tight", "two", "none"), weights=(60, 15, 10, 15))[0]
    if kind == "none":
        return None
    if kind == "two":
        morning = rng.choice((8 * 60 + 30, 9 * 60))
        afternoon = rng.choice((13 * 60, 13 * 60 + 30))
        return [
            _window(morning, morning + rng.choice((120, 150))),
            _window(afternoon, min(latest_start, afternoon + rng.choice((90, 120)))),
        ]
    if kind == "wide":
        length = rng.choice((120, 150, 180))
        start = rng.randrange(8 * 60, latest_start - length + 1, 30)
    else:
        length = rng.choice((30, 45, 60))
        start = rng.randrange(8 * 60 + 30, latest_start - length + 1, 15)
    return [_window(start, start + length)]


def _window(start: int, end: int) -> dict[str, str]:
    return {"start": format_hhmm(start * 60), "end": format_hhmm(end * 60)}
