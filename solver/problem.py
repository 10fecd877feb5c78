"""The solver's input: one planning day as plain, immutable, integer data.

Times are seconds elapsed since the planning day's local midnight (on a day when the clocks
change they part from the wall clock; ``Problem.clock_changes`` says where, for messages
only), distances metres, locations indices into the travel matrices. Ids are opaque
strings. Nothing here knows about clinics, time zones, databases or JSON;
``scheduler.day_json`` and ``scheduler.planning`` build these objects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from collections.abc import Iterable

    from solver.current_plan import Replan

IntMatrix = npt.NDArray[np.int64]

DEFAULT_TRAVEL_MODE = "car"


class Priority(StrEnum):
    """How much a visit matters; the drop penalty comes from ``ObjectiveWeights``."""

    MUST = "must"
    HIGH = "high"
    NORMAL = "normal"
    LOW = "low"


@dataclass(frozen=True)
class TimeWindow:
    """An interval in which a visit may *start*; both ends included."""

    start_s: int
    end_s: int


def merged_windows(spans: Iterable[tuple[int, int]]) -> tuple[TimeWindow, ...]:
    """(start, end) spans sorted, with overlapping and touching ones merged."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return tuple(TimeWindow(start, end) for start, end in merged)


@dataclass(frozen=True)
class BreakRule:
    """A break of ``duration_s`` to be taken inside [earliest_start_s, latest_end_s]."""

    earliest_start_s: int
    latest_end_s: int
    duration_s: int


@dataclass(frozen=True, eq=False)
class TravelMatrix:
    """Square matrices over all locations; rows are origins.

    ``distances_m`` is None when distances are unknown (travel time only).
    """

    durations_s: IntMatrix
    distances_m: IntMatrix | None = None

    @property
    def size(self) -> int:
        return int(self.durations_s.shape[0])

    @cached_property
    def duration_rows(self) -> list[list[int]]:
        """``durations_s`` as nested lists, converted once: Python loops index lists
        several times faster than numpy arrays."""
        rows: list[list[int]] = self.durations_s.tolist()
        return rows


@dataclass(frozen=True)
class Therapist:
    """One therapist's day: where it starts and ends, when, and what they may do.

    ``shift_end_s`` is the regular end; the route may end up to ``overtime_max_s`` later
    at ``ObjectiveWeights.overtime_per_s`` a second. ``max_work_s`` bounds
    route end - route start - break. ``capacity`` bounds the sum of visit ``load``
    (unused by home visits; benchmarks with vehicle capacities need it).
    """

    id: str
    start_location: int
    end_location: int
    shift_start_s: int
    shift_end_s: int
    skills: frozenset[str] = frozenset()
    max_visits: int | None = None
    max_work_s: int | None = None
    break_rule: BreakRule | None = None
    overtime_max_s: int = 0
    travel_mode: str = DEFAULT_TRAVEL_MODE
    capacity: int | None = None


@dataclass(frozen=True)
class Promise:
    """What a re-plan told the patient: this therapist, starting in [earliest_s, latest_s].

    Breaking it is a soft cost (``ObjectiveWeights.therapist_change``, ``retime_per_s``).
    """

    therapist_id: str
    earliest_s: int
    latest_s: int


@dataclass(frozen=True)
class Visit:
    """One booked visit.

    ``windows`` empty means any time inside a shift. ``allowed_therapists`` None means
    every therapist (subject to skills, exclusions and the pin). A fixed start is a
    zero-length window.
    """

    id: str
    location: int
    service_s: int
    windows: tuple[TimeWindow, ...] = ()
    required_skills: frozenset[str] = frozenset()
    priority: Priority = Priority.NORMAL
    allowed_therapists: frozenset[str] | None = None
    excluded_therapists: frozenset[str] = frozenset()
    preferred_therapists: frozenset[str] = frozenset()
    pinned_therapist: str | None = None
    load: int = 0
    promise: Promise | None = None


def _default_drop_penalties() -> dict[Priority, int]:
    # In cost units (one unit = one second of travel with travel_per_s=1). A low visit is
    # worth two hours of driving, a normal one ten; must outweighs any day's total cost.
    return {
        Priority.LOW: 2 * 3600,
        Priority.NORMAL: 10 * 3600,
        Priority.HIGH: 100 * 3600,
        Priority.MUST: 10**10,
    }


@dataclass(frozen=True)
class ObjectiveWeights:
    """Weights of the soft rules, in cost units per unit of each quantity."""

    travel_per_s: int = 1
    distance_per_m: int = 0
    overtime_per_s: int = 2
    # Idle time on a route (waiting for a window, or a day stretched beyond its travel and
    # visits). Off by default: priced at 1, a 180-visit day found 6 improving solutions in
    # 10 s instead of 154 (slack costs bring in OR-Tools' slower cumul optimiser) and
    # planned 163 visits instead of 168 with 12 % more travel.
    waiting_per_s: int = 0
    preference_miss: int = 1800
    balance_per_s: int = 0
    therapist_fixed: int = 0
    # Re-planning: a visit given to another therapist than promised costs as much as
    # 45 minutes of driving; each second it starts outside its promise two seconds.
    therapist_change: int = 45 * 60
    retime_per_s: int = 2
    drop_penalty: dict[Priority, int] = field(default_factory=_default_drop_penalties)

    def drop_cost(self, visit: Visit) -> int:
        """What leaving the visit out costs: its priority's penalty, and for a visit a
        re-plan had promised to a patient, a change of therapist on top."""
        promised = self.therapist_change if visit.promise is not None else 0
        return self.drop_penalty[visit.priority] + promised

    def assignment_cost(self, visit: Visit, therapist_id: str) -> int:
        """What giving the visit to this therapist costs besides the drive: a missed
        preference, a broken promise of a re-plan."""
        cost = 0
        if visit.preferred_therapists and therapist_id not in visit.preferred_therapists:
            cost += self.preference_miss
        if visit.promise is not None and visit.promise.therapist_id != therapist_id:
            cost += self.therapist_change
        return cost


@dataclass(frozen=True)
class ClockChange:
    """From ``at_s`` (elapsed seconds) on, the wall clock reads ``shift_s`` more (a negative
    ``shift_s``: the clocks go back). The scheduler finds these from the day's time zone; the
    solver only uses them to write times in its messages as the wall clock shows them."""

    at_s: int
    shift_s: int


@dataclass(frozen=True, eq=False)
class Problem:
    """A self-contained planning day.

    ``travel`` maps a travel mode to its matrices; every therapist's ``travel_mode`` must
    be a key. ``day_label`` (for example ``2026-11-30``) only appears in messages.
    ``replan`` makes the solve a re-plan of the current plan from a time of the day
    (``solver.replan``): what started before it is frozen. ``clock_changes`` (in order)
    turn its seconds into wall-clock seconds for messages (``wall_s``); the search never
    reads them.
    """

    travel: dict[str, TravelMatrix]
    therapists: tuple[Therapist, ...]
    visits: tuple[Visit, ...]
    weights: ObjectiveWeights = field(default_factory=ObjectiveWeights)
    day_label: str = "the planning day"
    replan: Replan | None = None
    clock_changes: tuple[ClockChange, ...] = ()

    def wall_s(self, elapsed_s: int) -> int:
        """The wall-clock seconds after midnight at ``elapsed_s``, for messages."""
        return elapsed_s + sum(c.shift_s for c in self.clock_changes if c.at_s <= elapsed_s)

    @property
    def location_count(self) -> int:
        return next(iter(self.travel.values())).size

    def matrix_for(self, therapist: Therapist) -> TravelMatrix:
        return self.travel[therapist.travel_mode]
