"""The week's output: each day's routes, the episodes' visits placed and those left out."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from solver.problem import Problem
    from solver.solution import Solution


class WeekReason(StrEnum):
    """Why a visit a care plan asks for has no date.

    ``FREQUENCY_INFEASIBLE``: the allowed days of the span and the spacing cannot give the
    count, whatever the capacity. ``NO_QUALIFIED_THERAPIST``: nobody on shift on an allowed
    day has the skills (or is not excluded). ``WEEK_CAPACITY``: allowed days exist, but the
    probe found no route of any of them (where the spacing allows) that can take it.
    ``WEEK_CAP``: it fits a route only beyond a therapist's weekly working-time cap.
    ``NOT_WORTH_PENALTY``: it fits, at a cost above its priority's penalty.
    """

    FREQUENCY_INFEASIBLE = "FREQUENCY_INFEASIBLE"
    NO_QUALIFIED_THERAPIST = "NO_QUALIFIED_THERAPIST"
    WEEK_CAPACITY = "WEEK_CAPACITY"
    WEEK_CAP = "WEEK_CAP"
    NOT_WORTH_PENALTY = "NOT_WORTH_PENALTY"


@dataclass(frozen=True)
class Placed:
    """A visit of an episode on ``day``, with the id it has in that day's routes."""

    episode_id: str
    day: int
    visit_id: str
    therapist_id: str


@dataclass(frozen=True)
class Unplaced:
    """A visit of an episode's demand ``demand`` (its index) that got no date."""

    episode_id: str
    demand: int
    reason: WeekReason
    message: str


@dataclass(frozen=True)
class WeekStats:
    wall_s: float = 0.0
    rounds: int = 0
    assignment_s: float = 0.0
    routing_s: float = 0.0


@dataclass(frozen=True)
class WeekSolution:
    """``days[d]`` routes ``day_problems[d]``: day d of the problem with the episodes'
    visits placed on it added (each allowed only to its therapist)."""

    day_problems: tuple[Problem, ...]
    days: tuple[Solution, ...]
    placed: tuple[Placed, ...]
    unplaced: tuple[Unplaced, ...]
    stats: WeekStats = WeekStats()
