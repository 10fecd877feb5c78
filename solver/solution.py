"""The solver's output: routes, unassigned visits with reasons, costs and statistics."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class SolveStatus(StrEnum):
    """``COMPLETE``: every visit routed; ``PARTIAL``: some unassigned; ``FAILED``: no plan."""

    COMPLETE = "complete"
    PARTIAL = "partial"
    FAILED = "failed"


class UnassignedReason(StrEnum):
    NO_QUALIFIED_THERAPIST = "NO_QUALIFIED_THERAPIST"
    THERAPIST_EXCLUDED = "THERAPIST_EXCLUDED"
    PIN_INFEASIBLE = "PIN_INFEASIBLE"
    OUTSIDE_ALL_SHIFTS = "OUTSIDE_ALL_SHIFTS"
    WINDOW_UNREACHABLE = "WINDOW_UNREACHABLE"
    TOO_LONG_FOR_SHIFT = "TOO_LONG_FOR_SHIFT"
    CAPACITY = "CAPACITY"
    NOT_WORTH_PENALTY = "NOT_WORTH_PENALTY"
    # The probe had no time left for it: nothing is claimed about where it would fit.
    TIME_LIMIT = "TIME_LIMIT"


@dataclass(frozen=True)
class Stop:
    """A visit on a route. ``travel_s``/``distance_m`` are from the previous stop (or the
    start location); ``wait_s`` is idle time before ``start_s``, the break excluded."""

    visit_id: str
    arrival_s: int
    start_s: int
    end_s: int
    travel_s: int
    distance_m: int | None
    wait_s: int


@dataclass(frozen=True)
class Route:
    """One therapist's day. An unused therapist has no stops and None times.

    ``travel_s`` and ``distance_m`` include the leg back to the end location;
    ``work_s`` = end - start - break.
    """

    therapist_id: str
    stops: tuple[Stop, ...] = ()
    start_s: int | None = None
    end_s: int | None = None
    break_start_s: int | None = None
    break_end_s: int | None = None
    travel_s: int = 0
    distance_m: int | None = 0
    work_s: int = 0

    @property
    def is_used(self) -> bool:
        return bool(self.stops)


@dataclass(frozen=True)
class Unassigned:
    visit_id: str
    reason: UnassignedReason
    message: str


@dataclass(frozen=True)
class CostBreakdown:
    """The objective split by soft rule, in the problem's quantities."""

    travel_s: int = 0
    distance_m: int | None = 0
    overtime_s: int = 0
    preference_misses: int = 0
    dropped_penalty: int = 0
    objective: int = 0
    waiting_s: int = 0


@dataclass(frozen=True)
class SolveStats:
    """``stopped_early``: the search ended by itself (no improvement for a while), not at
    its time limit, so a portfolio need not wait for its other workers."""

    wall_s: float = 0.0
    first_solution_s: float | None = None
    solutions_found: int = 0
    strategy: str = ""
    stopped_early: bool = False


@dataclass(frozen=True)
class Solution:
    status: SolveStatus
    routes: tuple[Route, ...] = ()
    unassigned: tuple[Unassigned, ...] = ()
    cost: CostBreakdown = field(default_factory=CostBreakdown)
    stats: SolveStats = field(default_factory=SolveStats)
    error: str | None = None

    @property
    def planned_count(self) -> int:
        return sum(len(route.stops) for route in self.routes)
