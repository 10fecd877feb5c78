"""Synthetic planning days: counts, determinism, references and the JSON shape."""

from __future__ import annotations

import datetime
import math
import re
from typing import Any

import pytest

from scheduler.day_json.generate import DEFAULT_DATE, SIZES, generate_day
from scheduler.day_json.towns import LEEDS

# The fields of DESIGN.md section 9, nothing else.
TOP_KEYS = {"date", "timezone", "locations", "matrix", "therapists", "visits", "options"}
LOCATION_KEYS = {"id", "lat", "lon"}
THERAPIST_KEYS = {
    "id",
    "start_location",
    "end_location",
    "shift",
    "skills",
    "max_visits",
    "max_work_minutes",
    "break",
    "overtime_minutes",
}
SHIFT_KEYS = {"start", "end"}
BREAK_KEYS = {"earliest", "latest_end", "minutes"}
VISIT_KEYS = {
    "id",
    "location",
    "duration_minutes",
    "windows",
    "skills",
    "priority",
    "preferred_therapists",
    "excluded_therapists",
    "pinned_therapist",
}
WINDOW_KEYS = {"start", "end"}
OPTION_KEYS = {"time_limit_s", "seed"}
HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")

Day = dict[str, Any]


@pytest.fixture(scope="module")
def days() -> dict[str, Day]:
    """One generated day of every size, seed 0."""
    return {size: generate_day(size, seed=0) for size in SIZES}


@pytest.fixture(scope="module")
def medium(days: dict[str, Day]) -> Day:
    """The medium day: 25 therapists, 180 visits."""
    return days["medium"]


@pytest.mark.parametrize(
    ("size", "therapists", "visits"),
    [
        ("small", 6, 40),
        ("demo", 12, 80),
        ("medium", 25, 180),
        ("large", 80, 600),
        ("xlarge", 200, 2000),
    ],
)
def test_each_size_has_its_counts(
    days: dict[str, Day], size: str, therapists: int, visits: int
) -> None:
    assert len(days[size]["therapists"]) == therapists
    assert len(days[size]["visits"]) == visits


def test_an_unknown_size_is_refused() -> None:
    with pytest.raises(ValueError, match="small"):
        generate_day("huge", seed=0)


def test_same_seed_same_day() -> None:
    assert generate_day("medium", seed=7) == generate_day("medium", seed=7)


def test_different_seeds_differ() -> None:
    assert generate_day("small", seed=1) != generate_day("small", seed=2)


def test_date_timezone_and_options(days: dict[str, Day]) -> None:
    assert days["small"]["date"] == DEFAULT_DATE.isoformat() == "2026-11-30"
    assert days["small"]["timezone"] == LEEDS.timezone == "Europe/London"
    assert days["small"]["options"] == {"time_limit_s": 10, "seed": 0}
    assert days["large"]["options"]["time_limit_s"] == 30
    assert days["xlarge"]["options"]["time_limit_s"] == 60
    later = generate_day("small", seed=0, date=datetime.date(2027, 1, 4))
    assert later["date"] == "2027-01-04"


@pytest.mark.parametrize("size", list(SIZES))
def test_ids_are_unique_and_well_formed(days: dict[str, Day], size: str) -> None:
    day = days[size]
    for key, pattern in [
        ("therapists", r"^t\d{3}$"),
        ("visits", r"^v\d{4}$"),
        ("locations", r"^(home-t\d{3}|p\d{4})$"),
    ]:
        ids = [item["id"] for item in day[key]]
        assert len(ids) == len(set(ids))
        assert all(re.match(pattern, item_id) for item_id in ids)


@pytest.mark.parametrize("size", list(SIZES))
def test_every_reference_exists(days: dict[str, Day], size: str) -> None:
    day = days[size]
    locations = {location["id"] for location in day["locations"]}
    therapists = {therapist["id"] for therapist in day["therapists"]}
    for therapist in day["therapists"]:
        assert {therapist["start_location"], therapist["end_location"]} <= locations
    for visit in day["visits"]:
        assert visit["location"] in locations
        assert set(visit["preferred_therapists"]) <= therapists
        assert set(visit["excluded_therapists"]) <= therapists
        assert not set(visit["preferred_therapists"]) & set(visit["excluded_therapists"])


def _times(day: Day) -> list[str]:
    times: list[str] = []
    for therapist in day["therapists"]:
        times += [therapist["shift"]["start"], therapist["shift"]["end"]]
        if therapist["break"] is not None:
            times += [therapist["break"]["earliest"], therapist["break"]["latest_end"]]
    for visit in day["visits"]:
        for window in visit.get("windows", []):
            times += [window["start"], window["end"]]
    return times


def test_all_times_are_hhmm(medium: Day) -> None:
    times = _times(medium)
    assert times
    assert all(HHMM.match(time) for time in times)


def test_windows_are_ordered_and_fit_the_day(days: dict[str, Day]) -> None:
    for visit in days["large"]["visits"]:
        assert visit.get("windows", ["omitted"]) != []
        for window in visit.get("windows", []):
            assert "08:00" <= window["start"] <= window["end"] <= "16:00"


@pytest.mark.parametrize("size", list(SIZES))
def test_nearly_every_visit_has_a_qualified_therapist(days: dict[str, Day], size: str) -> None:
    skill_sets = [set(therapist["skills"]) for therapist in days[size]["therapists"]]
    visits = days[size]["visits"]
    covered = sum(any(set(v["skills"]) <= skills for skills in skill_sets) for v in visits)
    assert covered >= 0.95 * len(visits)


def test_preferred_therapists_can_do_the_visit(medium: Day) -> None:
    skills = {therapist["id"]: set(therapist["skills"]) for therapist in medium["therapists"]}
    for visit in medium["visits"]:
        for therapist_id in visit["preferred_therapists"]:
            assert set(visit["skills"]) <= skills[therapist_id]


@pytest.mark.parametrize("size", ["small", "medium", "large"])
def test_demand_is_within_visit_capacity(days: dict[str, Day], size: str) -> None:
    """85-95 % aimed; small days are coarse, so allow a little either side."""
    capacity = sum(therapist["max_visits"] for therapist in days[size]["therapists"])
    assert 0.8 <= len(days[size]["visits"]) / capacity <= 0.96


def test_disciplines_are_about_half_pt(days: dict[str, Day]) -> None:
    therapists = days["large"]["therapists"]
    shares = {
        discipline: sum(t["skills"][0] == discipline for t in therapists) / len(therapists)
        for discipline in ("PT", "OT", "SLP")
    }
    assert shares == pytest.approx({"PT": 0.5, "OT": 0.3, "SLP": 0.2}, abs=0.05)


def test_points_lie_around_leeds(days: dict[str, Day]) -> None:
    assert LEEDS.anchor is not None
    city_centre = LEEDS.anchor
    for size, day in days.items():
        reach_km = SIZES[size].radius_km + 10
        for location in day["locations"]:
            north = (location["lat"] - city_centre[0]) * 111.32
            east = (
                (location["lon"] - city_centre[1]) * 111.32 * math.cos(math.radians(city_centre[0]))
            )
            assert math.hypot(north, east) < reach_km


def _check_keys(item: dict[str, Any], allowed: set[str], required: set[str]) -> None:
    assert set(item) <= allowed, set(item) - allowed
    assert required <= set(item), required - set(item)


@pytest.mark.parametrize("size", list(SIZES))
def test_only_fields_of_the_problem_format(days: dict[str, Day], size: str) -> None:
    day = days[size]
    _check_keys(day, TOP_KEYS - {"matrix"}, TOP_KEYS - {"matrix"})
    _check_keys(day["options"], OPTION_KEYS, OPTION_KEYS)
    for location in day["locations"]:
        _check_keys(location, LOCATION_KEYS, LOCATION_KEYS)
    for therapist in day["therapists"]:
        _check_keys(therapist, THERAPIST_KEYS, {"id", "start_location", "shift"})
        _check_keys(therapist["shift"], SHIFT_KEYS, SHIFT_KEYS)
        if therapist["break"] is not None:
            _check_keys(therapist["break"], BREAK_KEYS, BREAK_KEYS)
    for visit in day["visits"]:
        _check_keys(visit, VISIT_KEYS, {"id", "location", "duration_minutes"})
        for window in visit.get("windows", []):
            _check_keys(window, WINDOW_KEYS, WINDOW_KEYS)


def test_values_come_from_the_documented_ranges(medium: Day) -> None:
    for therapist in medium["therapists"]:
        full_day = therapist["break"] is not None
        assert therapist["max_visits"] in ({7, 8, 9} if full_day else {4})
        assert therapist["overtime_minutes"] in {0, 30}
        assert therapist["skills"][0] in {"PT", "OT", "SLP"}
    for visit in medium["visits"]:
        assert visit["duration_minutes"] in {30, 45, 60}
        assert visit["priority"] in {"must", "high", "normal", "low"}
