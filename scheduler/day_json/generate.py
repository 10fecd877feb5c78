"""Realistic synthetic planning days in the problem JSON format (DESIGN.md section 9).

The days are set in Leeds, West Yorkshire: a community therapy service whose patients
cluster around real neighbourhood centres. Small days stay in the inner city; an xlarge
day reaches Bradford, Wakefield, Otley and Wetherby, like a metropolitan service. Only
coordinates are produced (no ``matrix``): the application computes travel times.

Demand is aimed at 85-95 % of the therapists' visit capacity (``max_visits``) where the
size's counts allow it. A few percent of visits are hard on purpose: about 1 % need a
skill combination no therapist holds.
"""

from __future__ import annotations

import datetime
import math
import random
from dataclasses import dataclass

from solver.clock import format_hhmm

TIMEZONE = "Europe/London"
DEFAULT_DATE = datetime.date(2026, 11, 30)
CITY_CENTRE = (53.7997, -1.5492)  # Leeds Town Hall

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
    """How big a generated day is and how far it spreads."""

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
class _Neighbourhood:
    name: str
    lat: float
    lon: float
    weight: float  # relative share of patients


# Real centres (rounded); weights roughly follow population and age profile.
_NEIGHBOURHOODS = (
    _Neighbourhood("Headingley", 53.8198, -1.5776, 2),
    _Neighbourhood("Chapel Allerton", 53.8294, -1.5370, 2),
    _Neighbourhood("Harehills", 53.8148, -1.5150, 3),
    _Neighbourhood("Armley", 53.7980, -1.5900, 3),
    _Neighbourhood("Beeston", 53.7790, -1.5640, 3),
    _Neighbourhood("Kirkstall", 53.8160, -1.6040, 2),
    _Neighbourhood("Roundhay", 53.8390, -1.4960, 2),
    _Neighbourhood("Seacroft", 53.8180, -1.4580, 3),
    _Neighbourhood("Cross Gates", 53.8060, -1.4510, 2),
    _Neighbourhood("Middleton", 53.7440, -1.5480, 2),
    _Neighbourhood("Bramley", 53.8050, -1.6330, 2),
    _Neighbourhood("Horsforth", 53.8375, -1.6417, 2),
    _Neighbourhood("Pudsey", 53.7950, -1.6600, 2),
    _Neighbourhood("Morley", 53.7400, -1.5980, 3),
    _Neighbourhood("Rothwell", 53.7485, -1.4790, 2),
    _Neighbourhood("Garforth", 53.7920, -1.3880, 2),
    _Neighbourhood("Wakefield", 53.6833, -1.4977, 5),
    _Neighbourhood("Bradford", 53.7960, -1.7594, 6),
    _Neighbourhood("Guiseley", 53.8750, -1.7150, 2),
    _Neighbourhood("Batley", 53.7060, -1.6350, 2),
    _Neighbourhood("Castleford", 53.7250, -1.3620, 2),
    _Neighbourhood("Shipley", 53.8330, -1.7700, 2),
    _Neighbourhood("Otley", 53.9050, -1.6940, 1),
    _Neighbourhood("Wetherby", 53.9276, -1.3860, 1),
)


@dataclass(frozen=True)
class _Staff:
    """What visit generation needs to know of a therapist."""

    id: str
    discipline: str
    skills: frozenset[str]
    max_visits: int


def generate_day(size: str, seed: int, date: datetime.date | None = None) -> dict[str, object]:
    """A self-contained planning day of ``SIZES[size]``, deterministic for ``seed``."""
    if size not in SIZES:
        raise ValueError(f"size must be one of {', '.join(SIZES)}, not {size!r}")
    spec = SIZES[size]
    rng = random.Random(seed)
    hoods = [hood for hood in _NEIGHBOURHOODS if _km_from_centre(hood) <= spec.radius_km]
    staff, therapists = _make_therapists(rng, spec)
    locations = [
        _location(f"home-{member.id}", _home_point(rng, hoods, spec.radius_km)) for member in staff
    ]
    visits: list[dict[str, object]] = []
    patients: list[tuple[str, str]] = []  # (location id, discipline seen there)
    for number in range(1, spec.visits + 1):
        carer = _pick_carer(rng, staff)
        location_id = _reuse_patient(rng, patients, carer.discipline)
        if location_id is None:
            location_id = f"p{len(patients) + 1:04d}"
            locations.append(_location(location_id, _patient_point(rng, hoods, spec.radius_km)))
        patients.append((location_id, carer.discipline))
        visits.append(_make_visit(rng, f"v{number:04d}", location_id, carer, staff))
    return {
        "date": (date or DEFAULT_DATE).isoformat(),
        "timezone": TIMEZONE,
        "locations": locations,
        "therapists": therapists,
        "visits": visits,
        "options": {"time_limit_s": spec.time_limit_s, "seed": seed},
    }


# --- geography -----------------------------------------------------------------------


def _km_from_centre(hood: _Neighbourhood) -> float:
    north = (hood.lat - CITY_CENTRE[0]) * 111.32
    east = (hood.lon - CITY_CENTRE[1]) * 111.32 * math.cos(math.radians(CITY_CENTRE[0]))
    return math.hypot(north, east)


def _offset(lat: float, lon: float, east_km: float, north_km: float) -> tuple[float, float]:
    """A point ``east_km`` east and ``north_km`` north of (lat, lon), flat-earth."""
    new_lat = lat + north_km / 111.32
    new_lon = lon + east_km / (111.32 * math.cos(math.radians(lat)))
    return round(new_lat, 5), round(new_lon, 5)


def _in_disk(rng: random.Random, radius_km: float) -> tuple[float, float]:
    distance = radius_km * math.sqrt(rng.random())
    angle = rng.uniform(0.0, 2.0 * math.pi)
    return _offset(*CITY_CENTRE, distance * math.cos(angle), distance * math.sin(angle))


def _near(rng: random.Random, hoods: list[_Neighbourhood], sigma_km: float) -> tuple[float, float]:
    hood = rng.choices(hoods, weights=[hood.weight for hood in hoods])[0]
    return _offset(hood.lat, hood.lon, rng.gauss(0.0, sigma_km), rng.gauss(0.0, sigma_km))


def _patient_point(
    rng: random.Random, hoods: list[_Neighbourhood], radius_km: float
) -> tuple[float, float]:
    """Mostly clustered around a neighbourhood centre, some scattered over the area."""
    if rng.random() < 0.15:
        return _in_disk(rng, radius_km)
    return _near(rng, hoods, sigma_km=1.2)


def _home_point(
    rng: random.Random, hoods: list[_Neighbourhood], radius_km: float
) -> tuple[float, float]:
    """Therapists live all over the area, suburbs included."""
    if rng.random() < 0.5:
        return _in_disk(rng, radius_km * 1.15)
    return _near(rng, hoods, sigma_km=2.5)


def _location(location_id: str, point: tuple[float, float]) -> dict[str, object]:
    return {"id": location_id, "lat": point[0], "lon": point[1]}


# --- therapists ----------------------------------------------------------------------


def _make_therapists(
    rng: random.Random, spec: DaySize
) -> tuple[list[_Staff], list[dict[str, object]]]:
    """Disciplines by quota (50/30/20), shifts and visit limits sized to the demand."""
    count = spec.therapists
    disciplines = _discipline_quota(count)
    rng.shuffle(disciplines)
    needed = spec.visits / rng.uniform(0.85, 0.95)
    shifts: list[tuple[int, int]] = [FULL_DAY] * count
    for index in rng.sample(range(count), _half_day_count(count, needed)):
        shifts[index] = rng.choice(HALF_DAYS)
    limits = _visit_limits(rng, [shift == FULL_DAY for shift in shifts], needed)
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


def _half_day_count(count: int, needed: float) -> int:
    """Half-day shifts: what the demand leaves room for, at least ~10 % where possible.

    A full day takes about 8 visits (7-9), a half day 4; the count never makes the
    demand exceed what full days at 9 visits could absorb.
    """
    ideal = round((8 * count - needed) / 4)
    room = math.floor((9 * count - needed) / 5)
    return max(0, min(max(ideal, round(0.1 * count)), room, count // 4))


def _visit_limits(rng: random.Random, full_days: list[bool], needed: float) -> list[int]:
    """``max_visits`` per therapist (7-9 full day, 4 half day), summing close to ``needed``."""
    limits = [rng.choice((7, 8, 8, 9)) if full else 4 for full in full_days]
    full = [index for index, is_full in enumerate(full_days) if is_full]
    while sum(limits) < needed:
        raisable = [index for index in full if limits[index] < 9]
        if not raisable:
            break
        limits[rng.choice(raisable)] += 1
    while sum(limits) - 1 >= needed:
        lowerable = [index for index in full if limits[index] > 7]
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
