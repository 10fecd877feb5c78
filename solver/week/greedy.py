"""A first assignment to start CP-SAT from: each episode with its primary, on days where
that therapist already goes near the patient.

CP-SAT alone left a gap of a third between its answer and its bound on a generated week of
120 episodes after 30 s; started from this one it improves a sound assignment instead of
searching from nothing. The rules are the model's (a visit a day, the spacing, the demands,
each therapist-day's room and visits, the weekly caps, the slots that failed), so the hint
is one the model accepts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from solver.week.assign import ROOM_SHARE, Assignment, home_drive_s, zones
from solver.week.reasons import rules_allow

if TYPE_CHECKING:
    from solver.week.assign import Estimates, Limits
    from solver.week.problem import Demand, Episode, WeekProblem

PRIORITY_RANK = {"must": 0, "high": 1, "normal": 2, "low": 3}


class _Room:
    """What is left of each therapist-day, each day and each weekly cap."""

    def __init__(self, problem: WeekProblem, sizes: Estimates, limits: Limits) -> None:
        self.problem, self.sizes = problem, sizes
        self.slot = {key: limits.room_s.get(key, room) for key, room in sizes.room_s.items()}
        self.day = [
            sum(sizes.room_s[(d, t.id)] for t in day.therapists) - sizes.booked_s[d]
            for d, day in enumerate(problem.days)
        ]
        self.visits = {
            (d, t.id): t.max_visits for d, day in enumerate(problem.days) for t in day.therapists
        }
        self.caps = [int(ROOM_SHARE * cap.max_work_s) for cap in problem.caps]

    def fits(self, e: int, d: int, t: str) -> bool:
        load = self.sizes.load_s[e]
        left = self.visits[(d, t)]
        return (
            self.slot[(d, t)] >= load
            and self.day[d] >= load
            and (left is None or left > 0)
            and all(self.caps[i] >= load for i in self._caps_of(d, t))
        )

    def take(self, e: int, d: int, t: str) -> None:
        load = self.sizes.load_s[e]
        self.slot[(d, t)] -= load
        self.day[d] -= load
        if (left := self.visits[(d, t)]) is not None:
            self.visits[(d, t)] = left - 1
        for i in self._caps_of(d, t):
            self.caps[i] -= load

    def _caps_of(self, d: int, t: str) -> list[int]:
        return [
            i
            for i, cap in enumerate(self.problem.caps)
            if cap.therapist_id == t and cap.first_day <= d <= cap.last_day
        ]


def greedy_assignment(
    problem: WeekProblem,
    options: dict[tuple[int, int], list[str]],
    sizes: Estimates,
    limits: Limits,
) -> Assignment:
    """Episodes by priority, the least free first; each demand's days chosen where its
    therapist (the primary while they can) already visits the patient's zone, else by the
    cheapest trip."""
    room = _Room(problem, sizes, limits)
    zone_of = zones(problem)
    trips: set[tuple[int, str, int]] = set()
    slots: dict[tuple[int, int], str] = {}
    order = sorted(
        range(len(problem.episodes)),
        key=lambda e: (
            PRIORITY_RANK[problem.episodes[e].priority.value],
            len(problem.episodes[e].allowed_days()),
        ),
    )
    weights = problem.weights
    for e in order:
        episode = problem.episodes[e]
        taken = list(episode.booked_days)
        seen: set[str] = set()
        for demand in episode.demands:
            for placed in range(demand.count):
                best = None
                for d in range(demand.first_day, demand.last_day + 1):
                    if not _keeps_count(episode, demand, [*taken, d], demand.count - placed - 1):
                        continue
                    for t in options.get((e, d), []):
                        if (e, d, t) in limits.failed or not room.fits(e, d, t):
                            continue
                        cost = 0 if (d, t, zone_of[e]) in trips else home_drive_s(problem, e, d, t)
                        cost += 0 if t == episode.primary_therapist else weights.not_primary
                        cost += weights.extra_therapist if seen and t not in seen else 0
                        if best is None or cost < best[0]:
                            best = (cost, d, t)
                if best is None:
                    break
                _, d, t = best
                room.take(e, d, t)
                trips.add((d, t, zone_of[e]))
                slots[(e, d)] = t
                taken.append(d)
                seen.add(t)
    return Assignment(slots)


def _keeps_count(episode: Episode, demand: Demand, taken: list[int], more: int) -> bool:
    """Whether ``taken`` keeps the spacing and leaves room in the span for ``more``."""
    gap = episode.min_days_between
    if any(abs(a - b) <= gap for i, a in enumerate(taken) for b in taken[:i]):
        return False
    return rules_allow(episode, demand, len(episode.windows), taken) >= more
