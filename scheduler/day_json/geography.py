"""Where a generated day's patients and therapists are: points drawn for a town's shape.

An ``Area`` draws a patient's or a therapist's home point from a random generator; the
generator's rules never look at the shape. Distances are worked out on a flat earth around
the town (good to well under 1 % across 30 km), and points are rounded to 5 decimals (1 m).
Outside the city every point is drawn again until it lies in the town's box (and, on a
coast, on the land side of the shore within the strip), so a point is never in the sea.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import random
    from collections.abc import Callable, Sequence

    from scheduler.day_json.towns import Centre, Point, Town

KM_PER_DEGREE = 111.32
SCATTERED_SHARE = 0.15  # patients who live away from any centre
SHORE_CLEARANCE_KM = 0.1  # how far from the drawn shore a coastal point keeps
_DRAWS = 100  # a centre is used if this many draws all miss the area (it never happens)


class Area(Protocol):
    """Draws the points of one generated day."""

    def patient_point(self, rng: random.Random) -> Point: ...

    def home_point(self, rng: random.Random) -> Point: ...


def area_of(town: Town, radius_km: float) -> Area:
    """The area of ``town``; ``radius_km`` (the day size's reach) matters to a city only."""
    if town.shape == "city":
        return CityArea.around(town, radius_km)
    if town.shape == "valley":
        return ValleyArea.along(town)
    if town.shape == "coast":
        return CoastArea(town)
    return RuralArea(town)


# --- flat earth ----------------------------------------------------------------------


def offset(lat: float, lon: float, east_km: float, north_km: float) -> Point:
    """A point ``east_km`` east and ``north_km`` north of (lat, lon), flat-earth."""
    new_lat = lat + north_km / KM_PER_DEGREE
    new_lon = lon + east_km / (KM_PER_DEGREE * math.cos(math.radians(lat)))
    return round(new_lat, 5), round(new_lon, 5)


def km_between(origin: Point, point: Point) -> tuple[float, float]:
    """(east, north) in km of ``point`` from ``origin``."""
    north = (point[0] - origin[0]) * KM_PER_DEGREE
    east = (point[1] - origin[1]) * KM_PER_DEGREE * math.cos(math.radians(origin[0]))
    return east, north


def _weighted(rng: random.Random, centres: Sequence[Centre]) -> Centre:
    return rng.choices(centres, weights=[centre.weight for centre in centres])[0]


def _redrawn(rng: random.Random, town: Town, draw: Callable[[], Point]) -> Point:
    """``draw()`` until it gives a point that ``town`` accepts."""
    for _ in range(_DRAWS):
        point = draw()
        if accepts(town, point):
            return point
    fallback = _weighted(rng, town.centres)
    return fallback.lat, fallback.lon


def accepts(town: Town, point: Point) -> bool:
    """Whether ``point`` may hold a patient or a home of ``town`` (a city takes any)."""
    if town.shape == "city":
        return True
    if not town.box.holds(point):
        return False
    if town.shape != "coast":
        return True
    return on_land(town.shore, point) and (
        SHORE_CLEARANCE_KM <= km_from_shore(town.shore, point) <= town.strip_km
    )


# --- city: clusters and a disc around one centre -----------------------------------------


@dataclass(frozen=True)
class CityArea:
    """Neighbourhoods within the day's radius, and the disc of that radius."""

    anchor: Point
    hoods: tuple[Centre, ...]
    radius_km: float
    spread_km: float

    @classmethod
    def around(cls, town: Town, radius_km: float) -> CityArea:
        assert town.anchor is not None, f"the city {town.name} has no anchor"
        anchor = town.anchor
        hoods = tuple(
            hood
            for hood in town.centres
            if math.hypot(*km_between(anchor, (hood.lat, hood.lon))) <= radius_km
        )
        return cls(anchor, hoods, radius_km, town.spread_km)

    def patient_point(self, rng: random.Random) -> Point:
        """Mostly clustered around a neighbourhood centre, some scattered over the area."""
        if rng.random() < SCATTERED_SHARE:
            return self._in_disk(rng, self.radius_km)
        return self._near(rng, self.spread_km)

    def home_point(self, rng: random.Random) -> Point:
        """Therapists live all over the area, suburbs included."""
        if rng.random() < 0.5:
            return self._in_disk(rng, self.radius_km * 1.15)
        return self._near(rng, sigma_km=2.5)

    def _in_disk(self, rng: random.Random, radius_km: float) -> Point:
        distance = radius_km * math.sqrt(rng.random())
        angle = rng.uniform(0.0, 2.0 * math.pi)
        return offset(*self.anchor, distance * math.cos(angle), distance * math.sin(angle))

    def _near(self, rng: random.Random, sigma_km: float) -> Point:
        hood = _weighted(rng, self.hoods)
        return offset(hood.lat, hood.lon, rng.gauss(0.0, sigma_km), rng.gauss(0.0, sigma_km))


# --- valley: along the roads between villages --------------------------------------------


@dataclass(frozen=True)
class _Road:
    """One stretch of road between two neighbouring centres."""

    start: Centre
    end: Centre
    length_km: float


@dataclass(frozen=True)
class ValleyArea:
    """Points on the roads between centres, a little to either side of them."""

    town: Town
    roads: tuple[_Road, ...]
    road_weights: tuple[float, ...]  # how many live along each road: longer, between bigger

    @classmethod
    def along(cls, town: Town) -> ValleyArea:
        roads: list[_Road] = []
        for chain in town.roads:
            for start, end in itertools.pairwise(town.centre(name) for name in chain):
                east, north = km_between((start.lat, start.lon), (end.lat, end.lon))
                roads.append(_Road(start, end, math.hypot(east, north)))
        weights = tuple(road.length_km * (road.start.weight + road.end.weight) for road in roads)
        return cls(town, tuple(roads), weights)

    def patient_point(self, rng: random.Random) -> Point:
        """Mostly in and just out of the villages, some anywhere along the roads."""
        if rng.random() < SCATTERED_SHARE:
            return _redrawn(rng, self.town, lambda: self._anywhere(rng, side_km=0.15))
        return _redrawn(rng, self.town, lambda: self._near(rng, self.town.spread_km))

    def home_point(self, rng: random.Random) -> Point:
        """Half anywhere along the roads, half near a village, up the slopes a little."""
        if rng.random() < 0.5:
            return _redrawn(rng, self.town, lambda: self._anywhere(rng, side_km=0.3))
        return _redrawn(rng, self.town, lambda: self._near(rng, 2 * self.town.spread_km))

    def _anywhere(self, rng: random.Random, side_km: float) -> Point:
        road = rng.choices(self.roads, weights=self.road_weights)[0]
        return _beside(rng, road, rng.random(), side_km)

    def _near(self, rng: random.Random, sigma_km: float) -> Point:
        """Along a road out of a centre; past the last village of a road, on beyond it."""
        centre = _weighted(rng, self.town.centres)
        ways = [road for road in self.roads if centre in (road.start, road.end)]
        road = rng.choice(ways)
        along_km = rng.gauss(0.0, sigma_km)
        if len(ways) > 1:
            along_km = abs(along_km)
        fraction = min(along_km, road.length_km) / road.length_km
        return _beside(rng, road, fraction if centre is road.start else 1.0 - fraction, 0.15)


def _beside(rng: random.Random, road: _Road, fraction: float, side_km: float) -> Point:
    """The point ``fraction`` of the way along ``road``, moved off it sideways a little."""
    origin = (road.start.lat, road.start.lon)
    east, north = km_between(origin, (road.end.lat, road.end.lon))
    sideways = max(-3 * side_km, min(3 * side_km, rng.gauss(0.0, side_km)))
    across_east, across_north = -north / road.length_km, east / road.length_km
    return offset(
        *origin,
        fraction * east + sideways * across_east,
        fraction * north + sideways * across_north,
    )


# --- coast: a strip on the land side of the shore ----------------------------------------


@dataclass(frozen=True)
class CoastArea:
    """Clusters around the centres, and the strip between the shore and the hills."""

    town: Town

    def patient_point(self, rng: random.Random) -> Point:
        if rng.random() < SCATTERED_SHARE:
            return _redrawn(rng, self.town, lambda: self._inland(rng))
        return _redrawn(rng, self.town, lambda: _around(rng, self.town, self.town.spread_km))

    def home_point(self, rng: random.Random) -> Point:
        if rng.random() < 0.5:
            return _redrawn(rng, self.town, lambda: self._inland(rng))
        return _redrawn(rng, self.town, lambda: _around(rng, self.town, 2 * self.town.spread_km))

    def _inland(self, rng: random.Random) -> Point:
        """A point of the shore (any stretch, by length), then straight inland up to the
        strip's depth."""
        stretches = list(itertools.pairwise(self.town.shore))
        lengths_km = [math.hypot(*km_between(start, end)) for start, end in stretches]
        index = rng.choices(range(len(stretches)), weights=lengths_km)[0]
        start, end = stretches[index]
        east, north = km_between(start, end)
        length_km = lengths_km[index]
        along, inland = rng.random(), rng.uniform(0.0, self.town.strip_km)
        # The land is on the left of the shore walked west to east.
        return offset(
            *start,
            along * east - inland * north / length_km,
            along * north + inland * east / length_km,
        )


def on_land(shore: Sequence[Point], point: Point) -> bool:
    """Whether ``point`` is north of ``shore`` (west to east), between its ends.

    The shore closed along the north of the map makes a polygon: the land; the point is in it
    when a ray from it to the east crosses the polygon's edges an odd number of times.
    """
    top = max(lat for lat, _ in shore) + 1.0
    polygon = [*shore, (top, shore[-1][1]), (top, shore[0][1])]
    lat, lon = point
    inside = False
    for (lat1, lon1), (lat2, lon2) in itertools.pairwise([*polygon, polygon[0]]):
        if (lat1 > lat) != (lat2 > lat):
            crossing = lon1 + (lat - lat1) * (lon2 - lon1) / (lat2 - lat1)
            if lon < crossing:
                inside = not inside
    return inside


def km_from_shore(shore: Sequence[Point], point: Point) -> float:
    """The distance in km from ``point`` to the nearest stretch of ``shore``."""
    nearest = math.inf
    for start, end in itertools.pairwise(shore):
        px, py = km_between(start, point)
        dx, dy = km_between(start, end)
        fraction = max(0.0, min(1.0, (px * dx + py * dy) / (dx * dx + dy * dy)))
        nearest = min(nearest, math.hypot(px - fraction * dx, py - fraction * dy))
    return nearest


# --- rural: villages far apart, farms between ------------------------------------------


@dataclass(frozen=True)
class RuralArea:
    """Compact villages and market towns; a few farms out between them."""

    town: Town

    def patient_point(self, rng: random.Random) -> Point:
        return _redrawn(rng, self.town, lambda: self._village_or_farm(rng))

    def home_point(self, rng: random.Random) -> Point:
        """Therapists live in the villages too."""
        return _redrawn(rng, self.town, lambda: self._village_or_farm(rng))

    def _village_or_farm(self, rng: random.Random) -> Point:
        if rng.random() < SCATTERED_SHARE:
            farm_near = rng.choice(self.town.centres)
            return _around(rng, self.town, 2.5, farm_near)
        return _around(rng, self.town, self.town.spread_km)


def _around(rng: random.Random, town: Town, sigma_km: float, centre: Centre | None = None) -> Point:
    """A point near ``centre`` (by default one of ``town``'s, by weight)."""
    hood = centre or _weighted(rng, town.centres)
    return offset(hood.lat, hood.lon, rng.gauss(0.0, sigma_km), rng.gauss(0.0, sigma_km))
