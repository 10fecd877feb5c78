"""A re-plan's input: the plan being changed, what has already happened, and ``now``;
and what of it is frozen (``solver.freeze`` decides)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from solver.solution import Route

# How far a visit may move without telling the patient, by default.
DEFAULT_PROMISED_S = 30 * 60


@dataclass(frozen=True)
class CurrentStop:
    """A stop of the plan being changed: the visit and its planned start."""

    visit_id: str
    start_s: int


@dataclass(frozen=True)
class CurrentRoute:
    """A route of the plan being changed. ``start_s`` (leaving home) and the break's start
    are None when unknown; a missing start is taken as leaving just in time for the first
    stop."""

    therapist_id: str
    stops: tuple[CurrentStop, ...]
    start_s: int | None = None
    break_start_s: int | None = None
    break_end_s: int | None = None


@dataclass(frozen=True)
class ActualTimes:
    """Check-in and check-out of a visit, when they happened."""

    start_s: int | None = None
    end_s: int | None = None


@dataclass(frozen=True)
class FrozenStop:
    visit_id: str
    start_s: int
    end_s: int


@dataclass(frozen=True)
class FrozenRoute:
    """What a therapist has done by ``now``: stops and a break that stay as they are.

    ``resume_s`` is when the therapist is free again, at ``resume_visit``'s place (None:
    at the route's start location, which happens when only the break is frozen).
    """

    therapist_id: str
    stops: tuple[FrozenStop, ...]
    start_s: int
    break_span: tuple[int, int] | None
    resume_s: int
    resume_visit: str | None

    @property
    def visit_ids(self) -> tuple[str, ...]:
        return tuple(stop.visit_id for stop in self.stops)


@dataclass(frozen=True)
class Replan:
    """Re-plan the day from ``now_s`` against the current plan ``routes``.

    ``unassigned`` are the current plan's left-out visits (a visit in neither is new).
    ``promised_s``: how far a start may move before the patient must be told.
    """

    now_s: int
    routes: tuple[CurrentRoute, ...]
    actual: Mapping[str, ActualTimes] = field(default_factory=dict)
    unassigned: frozenset[str] = frozenset()
    promised_s: int = DEFAULT_PROMISED_S

    def current_therapist(self) -> dict[str, str]:
        """Visit id to the therapist the current plan gives it."""
        return {s.visit_id: r.therapist_id for r in self.routes for s in r.stops}

    def current_start(self) -> dict[str, int]:
        """Visit id to its start in the current plan."""
        return {s.visit_id: s.start_s for r in self.routes for s in r.stops}

    def started_at(self, stop: CurrentStop) -> int:
        """When the stop started: at check-in, else as planned."""
        actual = self.actual.get(stop.visit_id)
        if actual is not None and actual.start_s is not None:
            return actual.start_s
        return stop.start_s


def current_routes_of(routes: Iterable[Route]) -> tuple[CurrentRoute, ...]:
    """A plan's routes as the current plan of a re-plan."""
    return tuple(
        CurrentRoute(
            route.therapist_id,
            tuple(CurrentStop(stop.visit_id, stop.start_s) for stop in route.stops),
            route.start_s,
            route.break_start_s,
            route.break_end_s,
        )
        for route in routes
    )
