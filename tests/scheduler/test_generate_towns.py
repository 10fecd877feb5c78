"""Generated days in towns of other shapes, and tight days: valid, placed where the town is,
deterministic, with the demand each promises; the Leeds days are those of before towns."""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import statistics
from typing import Any

import pytest

from scheduler.day_json.generate import SIZES, TIGHT_DEMAND, generate_day, visit_count
from scheduler.day_json.problem import parse_problem
from scheduler.day_json.towns import TOWNS, Town
from solver import Params, solve
from solver.check import check_solution

Day = dict[str, Any]
OTHER_TOWNS = [name for name in TOWNS if name != "leeds"]
CHECKED_SIZES = ["small", "medium", "large"]


@pytest.fixture(scope="module")
def days() -> dict[tuple[str, str], Day]:
    """A day of each town and checked size, seed 0."""
    return {
        (town, size): generate_day(size, seed=0, town=town)
        for town, size in itertools.product(TOWNS, CHECKED_SIZES)
    }


@pytest.fixture(scope="module")
def tight_days() -> dict[tuple[str, str], Day]:
    """The tight day of each town and checked size, seed 0."""
    return {
        (town, size): generate_day(size, seed=0, town=town, tight=True)
        for town, size in itertools.product(TOWNS, CHECKED_SIZES)
    }


def _points(day: Day) -> list[tuple[float, float]]:
    return [(location["lat"], location["lon"]) for location in day["locations"]]


def _patient_points(day: Day) -> list[tuple[float, float]]:
    return [(loc["lat"], loc["lon"]) for loc in day["locations"] if loc["id"].startswith("p")]


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    north = (b[0] - a[0]) * 111.32
    east = (b[1] - a[1]) * 111.32 * math.cos(math.radians(a[0]))
    return math.hypot(east, north)


def _km_to_segment(
    point: tuple[float, float], start: tuple[float, float], end: tuple[float, float]
) -> float:
    """Distance from ``point`` to the segment, on a flat earth (samples it every ~20 m)."""
    steps = max(1, int(_km(start, end) / 0.02))
    return min(
        _km(
            point,
            (
                start[0] + (end[0] - start[0]) * k / steps,
                start[1] + (end[1] - start[1]) * k / steps,
            ),
        )
        for k in range(steps + 1)
    )


# --- the Leeds days did not change --------------------------------------------------------

# sha256 of json.dumps(generate_day(size, seed)) from the generator before towns existed.
LEEDS_HASHES = {
    ("small", 0): "93d8dd754d978ade5747a8fe51bc9b63a39383fae2ddf30fd5b0420d2941b46f",
    ("small", 1): "be6233046a02ed949e70feab6bbe5b0c53f00fcbfa59ef1d64859207602bb1dd",
    ("small", 7): "6a054a677d647c47fc7b820d71d683e6ea3ee37117a9ba69b33d15dda89b03ec",
}


@pytest.mark.parametrize(("size", "seed"), list(LEEDS_HASHES))
def test_leeds_days_are_those_of_before_towns(size: str, seed: int) -> None:
    day = generate_day(size, seed)
    assert day == generate_day(size, seed, town="leeds", tight=False)
    assert hashlib.sha256(json.dumps(day).encode()).hexdigest() == LEEDS_HASHES[size, seed]


# --- every town -----------------------------------------------------------------------------


def test_an_unknown_town_is_refused() -> None:
    with pytest.raises(ValueError, match="andorra"):
        generate_day("small", seed=0, town="atlantis")


@pytest.mark.parametrize("town", list(TOWNS))
@pytest.mark.parametrize("size", CHECKED_SIZES)
def test_each_town_has_the_sizes_counts(
    days: dict[tuple[str, str], Day], town: str, size: str
) -> None:
    day = days[town, size]
    assert len(day["therapists"]) == SIZES[size].therapists
    assert len(day["visits"]) == visit_count(size, town)


def test_only_the_rural_town_books_fewer_visits() -> None:
    """Its long drives leave room for about 6 visits a day instead of 8."""
    assert {town: visit_count("medium", town) for town in TOWNS} == {
        "leeds": 180,
        "andorra": 180,
        "riviera": 180,
        "ryedale": 135,
    }


@pytest.mark.parametrize("town", list(TOWNS))
def test_a_small_day_is_a_valid_problem(days: dict[tuple[str, str], Day], town: str) -> None:
    day = days[town, "small"]
    problem = parse_problem(day).problem
    assert len(problem.therapists) == len(day["therapists"])
    assert len(problem.visits) == len(day["visits"])


@pytest.mark.parametrize(
    ("town", "timezone"),
    [
        ("leeds", "Europe/London"),
        ("andorra", "Europe/Andorra"),
        ("riviera", "Europe/Paris"),
        ("ryedale", "Europe/London"),
    ],
)
def test_each_town_has_its_timezone(
    days: dict[tuple[str, str], Day], town: str, timezone: str
) -> None:
    assert days[town, "small"]["timezone"] == timezone


@pytest.mark.parametrize("town", list(TOWNS))
@pytest.mark.parametrize("size", CHECKED_SIZES)
def test_every_point_lies_in_the_towns_box(
    days: dict[tuple[str, str], Day], tight_days: dict[tuple[str, str], Day], town: str, size: str
) -> None:
    box = TOWNS[town].box
    for point in _points(days[town, size]) + _points(tight_days[town, size]):
        assert box.south <= point[0] <= box.north, point
        assert box.west <= point[1] <= box.east, point


@pytest.mark.parametrize("town", OTHER_TOWNS)
def test_same_seed_same_day_other_seed_another(town: str) -> None:
    assert generate_day("medium", seed=7, town=town) == generate_day("medium", seed=7, town=town)
    assert generate_day("small", seed=1, town=town) != generate_day("small", seed=2, town=town)


@pytest.mark.parametrize("town", OTHER_TOWNS)
def test_towns_keep_the_rules(days: dict[tuple[str, str], Day], town: str) -> None:
    """Disciplines, limits, breaks and visit values come from the same ranges as Leeds'."""
    workload = TOWNS[town].workload
    for therapist in days[town, "medium"]["therapists"]:
        full_day = therapist["break"] is not None
        limits = set(workload.full_day_visits) if full_day else {workload.half_day_visits}
        assert therapist["max_visits"] in limits
        assert therapist["skills"][0] in {"PT", "OT", "SLP"}
        assert therapist["overtime_minutes"] in {0, 30}
    visits = days[town, "medium"]["visits"]
    assert {visit["duration_minutes"] for visit in visits} <= {30, 45, 60}
    assert {visit["priority"] for visit in visits} == {"must", "high", "normal", "low"}
    assert any(visit["preferred_therapists"] for visit in visits)


@pytest.mark.parametrize("town", list(TOWNS))
@pytest.mark.parametrize("size", CHECKED_SIZES)
def test_demand_is_within_visit_capacity(
    days: dict[tuple[str, str], Day], town: str, size: str
) -> None:
    """85-95 % aimed in every town; small days are coarse, so allow a little either side."""
    day = days[town, size]
    capacity = sum(therapist["max_visits"] for therapist in day["therapists"])
    assert 0.8 <= len(day["visits"]) / capacity <= 0.96


# --- the shapes -----------------------------------------------------------------------------


def _north_crossings(shore: tuple[tuple[float, float], ...], point: tuple[float, float]) -> int:
    """How often a ray due north from ``point`` crosses ``shore``."""
    crossings = 0
    for (lat1, lon1), (lat2, lon2) in itertools.pairwise(shore):
        if min(lon1, lon2) <= point[1] < max(lon1, lon2):
            lat = lat1 + (point[1] - lon1) * (lat2 - lat1) / (lon2 - lon1)
            crossings += lat > point[0]
    return crossings


def test_coast_points_are_on_the_land_side_of_the_shore(
    days: dict[tuple[str, str], Day], tight_days: dict[tuple[str, str], Day]
) -> None:
    """The land is north of the shore: north of a coastal point the shore is crossed an even
    number of times (a point at sea would see it an odd number of times)."""
    riviera = TOWNS["riviera"]
    west, east = riviera.shore[0][1], riviera.shore[-1][1]
    points = [*(_points(days["riviera", size]) for size in CHECKED_SIZES)]
    points += [_points(tight_days["riviera", "large"])]
    for point in itertools.chain.from_iterable(points):
        assert west <= point[1] <= east, point
        assert _north_crossings(riviera.shore, point) % 2 == 0, point


def test_coast_points_keep_to_a_strip_along_the_shore(days: dict[tuple[str, str], Day]) -> None:
    riviera = TOWNS["riviera"]
    for point in _points(days["riviera", "medium"]):
        nearest = min(_km_to_segment(point, a, b) for a, b in itertools.pairwise(riviera.shore))
        assert 0.09 <= nearest <= riviera.strip_km + 0.01, point


def test_coast_centres_are_on_land() -> None:
    riviera = TOWNS["riviera"]
    for centre in riviera.centres:
        assert _north_crossings(riviera.shore, (centre.lat, centre.lon)) % 2 == 0, centre.name


def _km_to_roads(town: Town, point: tuple[float, float]) -> float:
    return min(
        _km_to_segment(point, (a.lat, a.lon), (b.lat, b.lon))
        for chain in town.roads
        for a, b in itertools.pairwise(town.centre(name) for name in chain)
    )


def test_valley_patients_live_along_the_roads_not_in_a_disc(
    days: dict[tuple[str, str], Day],
) -> None:
    """Nearly all within 500 m of a road between villages, and the day spans the valley."""
    andorra = TOWNS["andorra"]
    points = _patient_points(days["andorra", "medium"])
    near_road = sum(_km_to_roads(andorra, point) <= 0.5 for point in points)
    assert near_road >= 0.95 * len(points)
    ends = andorra.centre("Sant Julià de Lòria"), andorra.centre("Pas de la Casa")
    for end in ends:
        assert min(_km((end.lat, end.lon), point) for point in points) < 2.0, end.name


def test_every_valley_centre_is_on_a_road() -> None:
    andorra = TOWNS["andorra"]
    on_roads = {name for chain in andorra.roads for name in chain}
    assert on_roads == {centre.name for centre in andorra.centres}


def test_rural_villages_are_far_apart_and_patients_live_in_them(
    days: dict[tuple[str, str], Day],
) -> None:
    """Villages several km apart, each patient's cluster a few hundred metres across."""
    ryedale = TOWNS["ryedale"]
    villages = [(centre.lat, centre.lon) for centre in ryedale.centres]
    nearest = [min(_km(a, b) for b in villages if b != a) for a in villages]
    assert statistics.median(nearest) >= 3.5 >= 5 * ryedale.spread_km
    points = _patient_points(days["ryedale", "medium"])
    in_village = sum(min(_km(point, village) for village in villages) <= 1.5 for point in points)
    assert in_village >= 0.75 * len(points)


# --- tight days -----------------------------------------------------------------------------


@pytest.mark.parametrize("town", list(TOWNS))
@pytest.mark.parametrize("size", CHECKED_SIZES)
def test_tight_demand_exceeds_capacity_by_the_stated_ratio(
    tight_days: dict[tuple[str, str], Day], town: str, size: str
) -> None:
    day = tight_days[town, size]
    capacity = sum(therapist["max_visits"] for therapist in day["therapists"])
    low, high = TIGHT_DEMAND
    assert low <= len(day["visits"]) / capacity <= high


@pytest.mark.parametrize("town", list(TOWNS))
def test_a_tight_day_is_the_normal_day_with_more_bookings(
    days: dict[tuple[str, str], Day], tight_days: dict[tuple[str, str], Day], town: str
) -> None:
    normal, tight = days[town, "medium"], tight_days[town, "medium"]
    assert tight["therapists"] == normal["therapists"]
    assert tight["visits"][: len(normal["visits"])] == normal["visits"]
    assert tight["locations"][: len(normal["locations"])] == normal["locations"]


def test_tight_shares_vary_with_the_seed() -> None:
    shares = set()
    for seed in range(6):
        day: Day = generate_day("medium", seed=seed, town="andorra", tight=True)
        shares.add(len(day["visits"]) / sum(t["max_visits"] for t in day["therapists"]))
    assert len(shares) > 3


def test_a_tight_rural_day_solves_to_a_checked_partial_plan() -> None:
    """The smoke solve: the first plan of a small tight Ryedale day drops visits, no rule."""
    problem = parse_problem(generate_day("small", seed=0, town="ryedale", tight=True)).problem
    solution = solve(problem, Params(time_limit_s=30, max_solutions=1))
    assert check_solution(problem, solution) == []
    assert 0 < solution.planned_count < len(problem.visits)
