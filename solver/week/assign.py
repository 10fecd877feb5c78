"""Choose the day and the therapist of every episode visit: a CP-SAT model of the week.

The routes are not in this model: each visit takes an estimated share of a therapist's day
(its service plus a typical drive, ``Estimates``), and each therapist-day has room for so
much. What the routing then cannot fit comes back as ``Limits`` (a therapist-day with
less room, a slot that failed), and the model is solved again with the last answer as a
hint (``solver.week.solve``).

Costs, in the day's cost units (``WeekWeights``): a visit not placed, its priority's drop
penalty; every therapist an episode sees, ``extra_therapist``; every visit not done by the
primary, ``not_primary``; every zone (patients within ``ZONE_RADIUS_S`` of each other) a
therapist visits on a day, the drive from their home to it and back, so that a therapist's
visits gather by place and day; every second of estimated work beyond a therapist's fair
share of the week, ``balance_per_s``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from ortools.sat.python import cp_model

from solver.reasons import eligibility
from solver.week.problem import working_s

if TYPE_CHECKING:
    from collections.abc import Mapping

    from solver.problem import Problem, Therapist
    from solver.week.problem import Episode, WeekProblem

# The share of a therapist-day's working time that visits and their drives may fill: the
# rest is the drive from home and back and the slack that windows leave.
ROOM_SHARE = 0.85
# Neighbours whose mean drive is a visit's typical drive in a route.
NEAREST = 3
# Therapists considered for an episode besides its primary and preferred ones: the
# nearest qualified homes. More add variables and little else.
NEAREST_THERAPISTS = 6
# Patients this close (in driving seconds) to a zone's centre are in its zone: a day's route
# through one zone drives about one trip out and back.
ZONE_RADIUS_S = 8 * 60
# A must visit's penalty is far above any other cost; capped so that CP-SAT's objective
# keeps small coefficients.
MAX_PENALTY = 10**8

Slot = tuple[int, str]  # (day, therapist id)


@dataclass(frozen=True)
class Estimates:
    """Seconds of a therapist's day: ``load_s[e]`` a visit of episode e takes with its
    drive; ``room_s[(day, therapist)]`` the time a day has for such visits; ``booked_s[day]``
    what the day's hand-booked visits take."""

    load_s: tuple[int, ...]
    room_s: Mapping[Slot, int]
    booked_s: tuple[int, ...]


@dataclass
class Limits:
    """What the routing learnt: slots that failed an episode, and therapist-days with less
    room than estimated."""

    failed: set[tuple[int, int, str]] = field(default_factory=set)  # (episode, day, therapist)
    room_s: dict[Slot, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Assignment:
    """``slots[(episode, day)]`` is the therapist of the episode's visit on that day."""

    slots: Mapping[tuple[int, int], str]
    optimal: bool = False


def estimates(problem: WeekProblem) -> Estimates:
    """Each visit's load, each therapist-day's room and each day's hand-booked load."""
    matrix = next(iter(problem.days[0].travel.values())).durations_s
    episodes = [(e.location, e.service_s) for e in problem.episodes]
    booked = [[(v.location, v.service_s) for v in day.visits] for day in problem.days]
    places = sorted({loc for loc, _ in episodes} | {loc for day in booked for loc, _ in day})
    drive = _typical_drive(matrix, places)
    load = tuple(service + drive[loc] for loc, service in episodes)
    booked_s = tuple(sum(service + drive[loc] for loc, service in day) for day in booked)
    room = {
        (d, t.id): int(ROOM_SHARE * working_s(t))
        for d, day in enumerate(problem.days)
        for t in day.therapists
    }
    return Estimates(load, room, booked_s)


def _typical_drive(matrix: np.ndarray, places: list[int]) -> dict[int, int]:
    """The mean drive (there and back, halved) to a place's nearest other places."""
    if len(places) < 2:
        return dict.fromkeys(places, 0)
    index = np.array(places)
    sub = matrix[np.ix_(index, index)].astype(float)
    both = (sub + sub.T) / 2
    np.fill_diagonal(both, np.inf)
    nearest = np.sort(both, axis=1)[:, : min(NEAREST, len(places) - 1)]
    return {place: int(row.mean()) for place, row in zip(places, nearest, strict=True)}


def candidates(problem: WeekProblem) -> dict[tuple[int, int], list[str]]:
    """The therapists who may do each episode's visit on each allowed day: qualified, not
    excluded, able to reach it in their shift; the primary, the preferred and the nearest
    others."""
    found: dict[tuple[int, int], list[str]] = {}
    for e, episode in enumerate(problem.episodes):
        for d in episode.allowed_days():
            day = problem.days[d]
            able = eligibility(day, problem.episode_visit(episode, d)).candidates
            therapists = [day.therapists[i] for i in able]
            if therapists:
                found[(e, d)] = _nearest(day, episode, therapists)
    return found


def _nearest(day: Problem, episode: Episode, therapists: list[Therapist]) -> list[str]:
    wanted = episode.preferred_therapists | {episode.primary_therapist}
    rows = day.matrix_for(therapists[0]).duration_rows
    by_drive = sorted(therapists, key=lambda t: rows[t.start_location][episode.location])
    chosen = [t.id for t in by_drive if t.id in wanted]
    chosen += [t.id for t in by_drive if t.id not in wanted][:NEAREST_THERAPISTS]
    return chosen


def home_drive_s(problem: WeekProblem, e: int, d: int, therapist_id: str) -> int:
    """Half the drive from the therapist's home to the episode's patient and back."""
    day = problem.days[d]
    therapist = next(t for t in day.therapists if t.id == therapist_id)
    rows = day.matrix_for(therapist).duration_rows
    location = problem.episodes[e].location
    return (rows[therapist.start_location][location] + rows[location][therapist.end_location]) // 2


def zones(problem: WeekProblem) -> list[int]:
    """Each episode's zone, named by the episode at its centre: patients within
    ``ZONE_RADIUS_S`` of it, there or back, taken greedily in the episodes' order."""
    matrix = next(iter(problem.days[0].travel.values())).duration_rows
    locations = [e.location for e in problem.episodes]
    zone_of = [-1] * len(locations)
    for centre, here in enumerate(locations):
        if zone_of[centre] >= 0:
            continue
        for e, there in enumerate(locations):
            near = max(matrix[here][there], matrix[there][here]) <= ZONE_RADIUS_S
            if zone_of[e] < 0 and near:
                zone_of[e] = centre
    return zone_of


class Model:
    """The CP-SAT model of one assignment round."""

    def __init__(
        self,
        problem: WeekProblem,
        options: dict[tuple[int, int], list[str]],
        sizes: Estimates,
        limits: Limits,
    ) -> None:
        self.problem, self.sizes, self.limits = problem, sizes, limits
        self.model = cp_model.CpModel()
        self.x: dict[tuple[int, int, str], cp_model.IntVar] = {}
        for (e, d), therapists in options.items():
            for t in therapists:
                if (e, d, t) not in limits.failed:
                    self.x[(e, d, t)] = self.model.new_bool_var(f"x{e}_{d}_{t}")
        self.costs: list[cp_model.LinearExprT] = []
        # Each auxiliary variable with the slot variables that define it: "any of these"
        # for an episode's therapist or a trip, "load beyond the share" for balance. A hint
        # must give them values too: CP-SAT only starts from a complete hint.
        self.any_of: list[tuple[cp_model.IntVar, list[cp_model.IntVar]]] = []
        self.beyond: list[tuple[cp_model.IntVar, list[tuple[int, cp_model.IntVar]], int]] = []

    def on_day(self, e: int, d: int) -> list[cp_model.IntVar]:
        return [v for (e2, d2, _), v in self._by_episode.get(e, {}).items() if d2 == d]

    def build(self) -> None:
        self._by_episode: dict[int, dict[tuple[int, int, str], cp_model.IntVar]] = {}
        for key, var in self.x.items():
            self._by_episode.setdefault(key[0], {})[key] = var
        for e in range(len(self.problem.episodes)):
            self._add_episode(e)
        self._add_room()
        self._add_trips()
        self._add_caps()
        self._add_balance()
        self.model.minimize(sum(self.costs))

    def _add_episode(self, e: int) -> None:
        """One visit a day, the spacing, the demands and the continuity costs."""
        episode = self.problem.episodes[e]
        weights = self.problem.weights
        days = {d: sum(self.on_day(e, d)) for d in range(len(self.problem.days))}
        for d in days:
            self.model.add(days[d] <= 1)
            if any(abs(d - b) <= episode.min_days_between for b in episode.booked_days):
                self.model.add(days[d] == 0)
            close = [days[d2] for d2 in range(d, d + episode.min_days_between + 1) if d2 in days]
            self.model.add(sum(close) <= 1)
        penalty = min(self.problem.days[0].weights.drop_penalty[episode.priority], MAX_PENALTY)
        for demand in episode.demands:
            span = [days[d] for d in range(demand.first_day, demand.last_day + 1) if d in days]
            placed = sum(span)
            self.model.add(placed <= demand.count)
            self.costs.append(penalty * (demand.count - placed))
        for t in {key[2] for key in self._by_episode.get(e, {})}:
            sees = self.model.new_bool_var(f"sees{e}_{t}")
            chosen = [var for (_, _, t2), var in self._by_episode[e].items() if t2 == t]
            for var in chosen:
                self.model.add_implication(var, sees)
                if t != episode.primary_therapist:
                    self.costs.append(weights.not_primary * var)
            self.any_of.append((sees, chosen))
            self.costs.append(weights.extra_therapist * sees)

    def _add_room(self) -> None:
        """Each therapist-day, and each day's therapists together with its hand-booked
        visits, within their room."""
        load = self.sizes.load_s
        by_slot: dict[Slot, list[tuple[int, cp_model.IntVar]]] = {}
        for (e, d, t), var in self.x.items():
            by_slot.setdefault((d, t), []).append((load[e], var))
        for slot, terms in by_slot.items():
            room = self.limits.room_s.get(slot, self.sizes.room_s[slot])
            self.model.add(sum(size * var for size, var in terms) <= room)
            index, therapist_id = slot
            therapists = self.problem.days[index].therapists
            therapist = next(t for t in therapists if t.id == therapist_id)
            if therapist.max_visits is not None:
                self.model.add(sum(var for _, var in terms) <= therapist.max_visits)
        for d, today in enumerate(self.problem.days):
            day_room = sum(self.sizes.room_s[(d, t.id)] for t in today.therapists)
            on_day = [load[e] * var for (e, d2, _), var in self.x.items() if d2 == d]
            self.model.add(sum(on_day) <= max(0, day_room - self.sizes.booked_s[d]))

    def _add_trips(self) -> None:
        """Every zone a therapist-day visits costs the drive from home to it and back:
        visits gathered by place and day drive less (the legs from home and between far
        apart patients are most of a route's drive)."""
        zone_of = zones(self.problem)
        by_trip: dict[tuple[int, str, int], list[cp_model.IntVar]] = {}
        for (e, d, t), var in self.x.items():
            by_trip.setdefault((d, t, zone_of[e]), []).append(var)
        for (d, t, zone), chosen in by_trip.items():
            trip = self.model.new_bool_var(f"trip{d}_{t}_{zone}")
            for var in chosen:
                self.model.add_implication(var, trip)
            self.any_of.append((trip, chosen))
            self.costs.append(2 * home_drive_s(self.problem, zone, d, t) * trip)

    def _add_caps(self) -> None:
        load = self.sizes.load_s
        for cap in self.problem.caps:
            terms = [
                load[e] * var
                for (e, d, t), var in self.x.items()
                if t == cap.therapist_id and cap.first_day <= d <= cap.last_day
            ]
            if terms:
                self.model.add(sum(terms) <= int(ROOM_SHARE * cap.max_work_s))

    def _add_balance(self) -> None:
        """Work beyond a therapist's share of the week, by their room, costs."""
        weight = self.problem.weights.balance_per_s
        if weight == 0:
            return
        room_by: dict[str, int] = {}
        for (_, t), room in self.sizes.room_s.items():
            room_by[t] = room_by.get(t, 0) + room
        total_room = sum(room_by.values()) or 1
        total_load = sum(self.sizes.load_s) + sum(self.sizes.booked_s)
        load = self.sizes.load_s
        for t, room in room_by.items():
            terms = [(load[e], var) for (e, _, t2), var in self.x.items() if t2 == t]
            if not terms:
                continue
            share = total_load * room // total_room
            over = self.model.new_int_var(0, 7 * 24 * 3600, f"over_{t}")
            self.model.add(over >= sum(size * var for size, var in terms) - share)
            self.beyond.append((over, terms, share))
            self.costs.append(weight * over)

    def add_hint(self, hint: Assignment) -> None:
        """Start from ``hint``: every variable hinted, so that CP-SAT can take it as its
        first solution (an incomplete hint was ignored in a short solve: a round's 3 s
        returned an assignment of 380 visits where the hint held 567)."""
        chosen = {var: hint.slots.get((e, d)) == t for (e, d, t), var in self.x.items()}
        for var, value in chosen.items():
            self.model.add_hint(var, value)
        for aux, defining in self.any_of:
            self.model.add_hint(aux, any(chosen[var] for var in defining))
        for over, terms, share in self.beyond:
            self.model.add_hint(
                over, max(0, sum(size for size, var in terms if chosen[var]) - share)
            )


def assign(
    problem: WeekProblem,
    options: dict[tuple[int, int], list[str]],
    sizes: Estimates,
    limits: Limits,
    time_limit_s: float,
    hint: Assignment | None = None,
    seed: int = 0,
    workers: int = 1,
) -> Assignment:
    """The best assignment CP-SAT finds in the time given.

    Parameters
    ----------
    problem
        The week.
    options
        ``candidates(problem)``: who may do each episode's visit on each day.
    sizes
        ``estimates(problem)``.
    limits
        What earlier rounds of routing learnt.
    time_limit_s
        CP-SAT's time limit.
    hint
        The last round's assignment, as a start.
    seed, workers
        CP-SAT's random seed and search workers.

    Returns
    -------
    Assignment
        The slots of the visits placed (the hint, or none, if CP-SAT found nothing in
        time).
    """
    built = Model(problem, options, sizes, limits)
    built.build()
    if hint is not None:
        built.add_hint(hint)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.1, time_limit_s)
    solver.parameters.random_seed = seed
    solver.parameters.num_workers = workers
    status = solver.solve(built.model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return hint or Assignment({})
    slots = {(e, d): t for (e, d, t), var in built.x.items() if solver.boolean_value(var)}
    return Assignment(slots, optimal=status == cp_model.OPTIMAL)
