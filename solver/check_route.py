"""The plan as the independent checker sees it: each route's legs, recomputed from the matrices.

Only ``solver/check.py`` uses it; like the checker it shares no code with the model
builder or the solver's own timing, so that a bug there cannot hide here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from solver import check_messages as say

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from solver.problem import Problem, Therapist, TravelMatrix, Visit
    from solver.solution import Route, Stop


@dataclass(frozen=True)
class Leg:
    """The drive into ``stop``, or back to the end location when ``stop`` is None.

    ``from_s`` is when the origin is left (the route start or the previous stop's end),
    ``to_s`` when the target is due (the stop's start or the route end). ``travel_s`` is
    None when a location is unknown; ``break_s`` is the break's length if it lies in this gap.
    """

    origin: str
    stop: Stop | None
    from_s: int | None
    to_s: int | None
    travel_s: int | None
    distance_m: int | None
    break_s: int


@dataclass(frozen=True)
class RouteCheck:
    """A route and its legs; ``wall_s`` turns its times into the wall clock's for the
    messages (``Problem.wall_s``: the same numbers except on the days the clocks change)."""

    therapist: Therapist
    route: Route
    stop_visits: tuple[Visit | None, ...]
    legs: tuple[Leg, ...]
    has_distances: bool
    wall_s: Callable[[int], int]

    @staticmethod
    def build(
        problem: Problem, therapist: Therapist, route: Route, visits: Mapping[str, Visit]
    ) -> RouteCheck:
        stop_visits = tuple(visits.get(stop.visit_id) for stop in route.stops)
        matrix = problem.matrix_for(therapist)
        locations = [
            therapist.start_location,
            *(None if visit is None else visit.location for visit in stop_visits),
            therapist.end_location,
        ]
        legs = _legs(route, locations, matrix)
        return RouteCheck(
            therapist, route, stop_visits, legs, matrix.distances_m is not None, problem.wall_s
        )

    @property
    def known_stops(self) -> list[tuple[Stop, Visit]]:
        """The stops whose visit the problem knows (unknown ones are reported elsewhere)."""
        pairs = zip(self.route.stops, self.stop_visits, strict=True)
        return [(stop, visit) for stop, visit in pairs if visit is not None]

    @property
    def break_s(self) -> int:
        span = _reported_break(self.route)
        return 0 if span is None else span[1] - span[0]

    @property
    def work_s(self) -> int | None:
        start_s, end_s = self.route.start_s, self.route.end_s
        return None if start_s is None or end_s is None else end_s - start_s - self.break_s

    @property
    def work_phrase(self) -> str:
        start_s, end_s = self.route.start_s, self.route.end_s
        if start_s is not None and end_s is not None:
            start_s, end_s = self.wall_s(start_s), self.wall_s(end_s)
        return say.work_phrase(start_s, end_s, self.break_s)


def _reported_break(route: Route) -> tuple[int, int] | None:
    if route.break_start_s is None or route.break_end_s is None:
        return None
    return route.break_start_s, route.break_end_s


def _legs(route: Route, locations: Sequence[int | None], matrix: TravelMatrix) -> tuple[Leg, ...]:
    """One leg a gap; the break counts in the first gap that holds it whole."""
    span = _reported_break(route)
    left = [route.start_s, *(stop.end_s for stop in route.stops)]
    due = [*(stop.start_s for stop in route.stops), route.end_s]
    origins = ["the start location", *(f"visit {stop.visit_id}" for stop in route.stops)]
    targets: list[Stop | None] = [*route.stops, None]
    legs: list[Leg] = []
    for i, origin in enumerate(origins):
        from_s, to_s = left[i], due[i]
        break_s = 0
        if span is not None and holds(from_s, to_s, span):
            break_s, span = span[1] - span[0], None
        travel_s, distance_m = _leg_figures(matrix, locations[i], locations[i + 1])
        legs.append(Leg(origin, targets[i], from_s, to_s, travel_s, distance_m, break_s))
    return tuple(legs)


def holds(from_s: int | None, to_s: int | None, span: tuple[int, int]) -> bool:
    """Whether [from_s, to_s] is known and holds the whole span."""
    return from_s is not None and to_s is not None and from_s <= span[0] and span[1] <= to_s


def _leg_figures(
    matrix: TravelMatrix, origin: int | None, target: int | None
) -> tuple[int | None, int | None]:
    if origin is None or target is None:
        return None, None
    travel_s = int(matrix.durations_s[origin, target])
    distances = matrix.distances_m
    return travel_s, None if distances is None else int(distances[origin, target])
