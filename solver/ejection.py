"""Ejection chains: a left-out visit goes in where another stop makes way for it.

The direct insertion (``solver.repair``) leaves out a visit when every route that may take
it is full. Often one of that route's stops could move to another route (which may make
way in turn), and the visit would then fit. The search finds such moves only with time: a
180-visit day searched for 10 s leaves out visits that its 30 s search plans, and most
left-out visits of generated days have one or two qualified therapists, whose routes are
full. A chain moves at most ``CHAIN_DEPTH`` stops, each to a route the chain has not
touched yet, at its cheapest position that keeps every time rule; a stop of lower priority
than the visit it makes way for may be left out instead. A chain is made only when what it
adds (drive, missed preferences, a stop left out) is less than the penalty of the visit it
places, so the day's cost falls with every chain.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from solver.construct import has_room, insertion_costs
from solver.outcome import PRIORITY_RANK, objective
from solver.timing import earliest_end, time_route

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from solver.budget import Deadline
    from solver.problem import Problem, Visit

# Stops one chain may move. Measured on generated days (the solver issue's closing note):
# depth 4 placed 3 more visits on a 600-visit day in 0.75 s, depth 5 no more in 2.25 s.
CHAIN_DEPTH = 4

Routes = tuple[tuple["Visit", ...], ...]


@dataclass(frozen=True)
class _Chain:
    """What a chain adds to the day's cost, the routes it changes, the stops it leaves out."""

    cost: int
    routes: dict[int, tuple[Visit, ...]]
    left_out: tuple[Visit, ...] = field(default=())


def place_by_chains(
    problem: Problem,
    visits: Sequence[Visit],
    candidates: Sequence[Sequence[int]],
    routes: Mapping[str, tuple[str, ...]],
    deadline: Deadline | None = None,
) -> dict[str, tuple[str, ...]]:
    """The routes with left-out visits placed by ejection chains, most important first.

    Parameters
    ----------
    problem
        The planning day.
    visits, candidates
        The visits that passed the pre-checks and their therapists' indices.
    routes
        Therapist id -> visit ids (of ``visits`` only), as ``construct_routes`` gives them.
    deadline
        When to stop looking (the routes so far are kept); None looks for every visit.

    Returns
    -------
    dict[str, tuple[str, ...]]
        Therapist id -> visit ids, for the therapists with a route.
    """
    chains = _Chains(problem, visits, candidates, deadline)
    by_id = {v.id: v for v in visits}
    current: Routes = tuple(
        tuple(by_id[v] for v in routes.get(t.id, ())) for t in problem.therapists
    )
    placed_any = True
    while placed_any and not chains.out_of_time():
        placed_any = False
        routed = {v.id for route in current for v in route}
        left_out = sorted(
            (v for v in visits if v.id not in routed), key=lambda v: PRIORITY_RANK[v.priority]
        )
        for visit in left_out:
            if chains.out_of_time():
                break
            chain = chains.best(visit, current, frozenset(), problem.weights.drop_cost(visit))
            if chain is not None and _lowers_cost(problem, visit, current, chain):
                current = tuple(chain.routes.get(i, route) for i, route in enumerate(current))
                placed_any = True
    return {
        t.id: tuple(v.id for v in route)
        for t, route in zip(problem.therapists, current, strict=True)
        if route
    }


def _lowers_cost(problem: Problem, visit: Visit, routes: Routes, chain: _Chain) -> bool:
    """Whether the chain lowers the day's objective, its overtime included (the search for
    chains leaves it out: it needs the routes timed)."""
    therapists = problem.therapists
    before = [time_route(problem, therapists[i], routes[i]) for i in chain.routes]
    after = [time_route(problem, therapists[i], route) for i, route in chain.routes.items()]
    dropped = [v.id for v in chain.left_out]
    return objective(problem, tuple(after), dropped) < objective(problem, tuple(before), [visit.id])


class _Chains:
    """The cheapest chain for a visit, by depth-first search over the stops that could make
    way, pruned by cost (a chain never costs more than the best one found so far)."""

    def __init__(
        self,
        problem: Problem,
        visits: Sequence[Visit],
        candidates: Sequence[Sequence[int]],
        deadline: Deadline | None,
    ) -> None:
        self.problem = problem
        self.weights = problem.weights
        self.candidates = {v.id: tuple(c) for v, c in zip(visits, candidates, strict=True)}
        arc_costs = {mode: _arc_costs(problem, mode) for mode in problem.travel}
        self.durations = [problem.travel[t.travel_mode].duration_rows for t in problem.therapists]
        self.arc_costs = [arc_costs[t.travel_mode] for t in problem.therapists]
        self.deadline = deadline

    def out_of_time(self) -> bool:
        return self.deadline is not None and self.deadline.passed()

    def best(
        self,
        visit: Visit,
        routes: Routes,
        touched: frozenset[int],
        bound: int,
        depth: int = CHAIN_DEPTH,
    ) -> _Chain | None:
        """The cheapest chain below ``bound`` that puts ``visit`` on a route not yet
        ``touched``, moving at most ``depth`` other stops; None if there is none."""
        best: _Chain | None = None
        open_routes = [i for i in self.candidates[visit.id] if i not in touched]
        for index in open_routes:
            inserted = self._insert(index, routes[index], visit, bound)
            if inserted is not None:
                bound, best = inserted[0], _Chain(inserted[0], {index: inserted[1]})
        if depth == 0:
            return best
        for index in open_routes:
            for position in range(len(routes[index])):
                if self.out_of_time():
                    return best
                chain = self._by_moving(visit, routes, index, position, touched, bound, depth)
                if chain is not None:
                    bound, best = chain.cost, chain
        return best

    def _by_moving(
        self,
        visit: Visit,
        routes: Routes,
        index: int,
        position: int,
        touched: frozenset[int],
        bound: int,
        depth: int,
    ) -> _Chain | None:
        """``visit`` in route ``index`` in place of its stop at ``position``, which moves on
        along a chain of its own, or is left out when it matters less than ``visit``."""
        route = routes[index]
        ejected = route[position]
        rest = route[:position] + route[position + 1 :]
        change = self._cost(index, rest) - self._cost(index, route)
        inserted = self._insert(index, rest, visit, bound - change)
        if inserted is None:
            return None
        here = change + inserted[0]
        changed = {index: inserted[1]}
        best: _Chain | None = None
        if PRIORITY_RANK[ejected.priority] > PRIORITY_RANK[visit.priority]:
            cost = here + self.weights.drop_cost(ejected)
            if cost < bound:
                bound, best = cost, _Chain(cost, changed, (ejected,))
        after = tuple(inserted[1] if i == index else r for i, r in enumerate(routes))
        onward = self.best(ejected, after, touched | {index}, bound - here, depth - 1)
        if onward is not None:
            best = _Chain(here + onward.cost, changed | onward.routes, onward.left_out)
        return best

    def _insert(
        self, index: int, route: tuple[Visit, ...], visit: Visit, bound: int
    ) -> tuple[int, tuple[Visit, ...]] | None:
        """The cheapest position below ``bound`` that keeps every time rule: (added cost,
        new route), or None."""
        therapist = self.problem.therapists[index]
        if not has_room(therapist, route, visit):
            return None
        extra = self.weights.assignment_cost(visit, therapist.id)
        if not route:
            extra += self.weights.therapist_fixed
        for added, position in insertion_costs(self.arc_costs[index], therapist, route, visit):
            if added + extra >= bound:
                return None
            trial = (*route[:position], visit, *route[position:])
            if earliest_end(therapist, trial, self.durations[index]) is not None:
                return added + extra, trial
        return None

    def _cost(self, index: int, route: tuple[Visit, ...]) -> int:
        """The route's drive, missed preferences and fixed cost (what a chain changes)."""
        if not route:
            return 0
        therapist = self.problem.therapists[index]
        arc_costs = self.arc_costs[index]
        places = [therapist.start_location, *(v.location for v in route), therapist.end_location]
        drive = sum(arc_costs[a][b] for a, b in itertools.pairwise(places))
        assigned = sum(self.weights.assignment_cost(v, therapist.id) for v in route)
        return drive + assigned + self.weights.therapist_fixed


def _arc_costs(problem: Problem, mode: str) -> list[list[int]]:
    """What driving from one place to another costs in the objective, as nested lists."""
    weights, travel = problem.weights, problem.travel[mode]
    if weights.travel_per_s == 1 and not weights.distance_per_m:
        return travel.duration_rows
    costs = travel.durations_s * weights.travel_per_s
    if weights.distance_per_m and travel.distances_m is not None:
        costs = costs + travel.distances_m * weights.distance_per_m
    rows: list[list[int]] = costs.tolist()
    return rows
