"""How much a week asks of its clinic: the spacing of an episode's visits and the load.

Shared by the week generator (caseloads, feasible weekdays), its figures and the
benchmark's baseline booking, so that all three estimate a visit's load the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable

    from solver.week.problem import WeekProblem

# The drive a visit adds to a route, as an estimate: in the generated towns a route's
# legs average 15-25 minutes (the benchmark prints the real travel per visit).
TRAVEL_ALLOWANCE_S = 20 * 60


@dataclass(frozen=True)
class WeekFigures:
    """What a week holds; ``booked_share`` is the estimated load (the ordered and the
    hand-booked visits, service + ``TRAVEL_ALLOWANCE_S`` each) over the weekly caps."""

    therapists: int
    episodes: int
    visits_ordered: int
    hand_booked: int
    booked_share: float


def week_figures(problem: WeekProblem) -> WeekFigures:
    """The size of a week and its estimated booked share of the therapists' weekly caps."""
    hand_booked = [visit for day in problem.days for visit in day.visits]
    ordered_load_s = sum(
        demand.count * (episode.service_s + TRAVEL_ALLOWANCE_S)
        for episode in problem.episodes
        for demand in episode.demands
    )
    booked_load_s = sum(visit.service_s + TRAVEL_ALLOWANCE_S for visit in hand_booked)
    capacity_s = sum(cap.max_work_s for cap in problem.caps)
    return WeekFigures(
        therapists=len({t.id for day in problem.days for t in day.therapists}),
        episodes=len(problem.episodes),
        visits_ordered=sum(d.count for e in problem.episodes for d in e.demands),
        hand_booked=len(hand_booked),
        booked_share=(ordered_load_s + booked_load_s) / capacity_s if capacity_s else 0.0,
    )


def spaced_days(days: Iterable[int], booked: Iterable[int], gap: int) -> list[int]:
    """As many of ``days`` as can be, at least ``gap`` + 1 apart from each other and from
    the ``booked`` days: each taken as early as the rule allows, which gives the most."""
    booked = list(booked)
    chosen: list[int] = []
    for day in sorted(days):
        if all(abs(day - other) > gap for other in (*booked, *chosen)):
            chosen.append(day)
    return chosen


def earliest_days(
    days: Iterable[int], booked: Iterable[int], gap: int, count: int
) -> list[int] | None:
    """The earliest ``count`` of ``days`` at least ``gap`` + 1 apart from each other and
    from the ``booked`` days, or None if there are not that many."""
    chosen = spaced_days(days, booked, gap)
    return chosen[:count] if len(chosen) >= count else None
