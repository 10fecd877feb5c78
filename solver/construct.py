"""A fast cheapest-insertion construction for large days, fed to OR-Tools as a warm start.

OR-Tools' own construction heuristics take minutes on 2,000 visits; this one inserts
visits one at a time (most constrained first) at the cheapest position that keeps every
time rule, trying only the few nearest qualified therapists, and runs in seconds.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

from solver.timing import earliest_end

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from solver.budget import Deadline
    from solver.problem import Problem, Therapist, Visit

# How many of a visit's qualified therapists (nearest homes first) are tried.
NEAREST_THERAPISTS = 30
# How many of the cheapest positions in a route are checked for time feasibility.
POSITIONS_CHECKED = 4

_PRIORITY_ORDER = {"must": 0, "high": 1, "normal": 2, "low": 3}


def _order(visits: Sequence[Visit], candidates: Sequence[Sequence[int]]) -> list[int]:
    """Most important first, then fewest therapists, then earliest window end."""

    def key(i: int) -> tuple[int, int, int]:
        visit = visits[i]
        window_end = max((w.end_s for w in visit.windows), default=1 << 40)
        return (_PRIORITY_ORDER[visit.priority], len(candidates[i]), window_end)

    return sorted(range(len(visits)), key=key)


def _nearest(problem: Problem, visit: Visit, candidates: Sequence[int]) -> list[int]:
    def distance(index: int) -> int:
        therapist = problem.therapists[index]
        return int(
            problem.matrix_for(therapist).durations_s[therapist.start_location, visit.location]
        )

    return sorted(candidates, key=distance)[:NEAREST_THERAPISTS]


def insertion_costs(
    durations: Sequence[Sequence[int]], therapist: Therapist, route: Sequence[Visit], visit: Visit
) -> list[tuple[int, int]]:
    """(added travel, position) for every position, cheapest first (``durations`` may be
    any arc costs)."""
    stops = [therapist.start_location, *(v.location for v in route), therapist.end_location]
    here = visit.location
    costs = [
        (durations[before][here] + durations[here][after] - durations[before][after], position)
        for position, (before, after) in enumerate(itertools.pairwise(stops))
    ]
    costs.sort()
    return costs


def has_room(therapist: Therapist, route: Sequence[Visit], visit: Visit) -> bool:
    if therapist.max_visits is not None and len(route) >= therapist.max_visits:
        return False
    return (
        therapist.capacity is None or sum(v.load for v in route) + visit.load <= therapist.capacity
    )


def construct_routes(
    problem: Problem,
    visits: Sequence[Visit],
    candidates: Sequence[Sequence[int]],
    initial: Mapping[str, tuple[str, ...]] | None = None,
    deadline: Deadline | None = None,
) -> dict[str, tuple[str, ...]]:
    """Routes (therapist id -> visit ids) for a warm start; visits that fit nowhere stay out.

    Parameters
    ----------
    problem
        The day.
    visits, candidates
        The visits that passed the pre-checks and, for each, the therapists that may do it.
    initial
        Routes to start from (of ``visits`` only); the other visits are inserted into
        them, trying every qualified therapist and every position (a repair, not a
        construction: few visits are left to insert).
    deadline
        A repair stops inserting when it passes (the visits not yet tried stay out);
        None tries every visit.
    """
    by_id = {v.id: v for v in visits}
    routes = [[by_id[v] for v in (initial or {}).get(t.id, ())] for t in problem.therapists]
    routed = {v.id for route in routes for v in route}
    matrices = {mode: travel.duration_rows for mode, travel in problem.travel.items()}
    for i in _order(visits, candidates):
        if deadline is not None and deadline.passed():
            break
        if visits[i].id not in routed:
            _insert_cheapest(
                problem, routes, visits[i], candidates[i], matrices, initial is not None
            )
    return {
        t.id: tuple(v.id for v in route)
        for t, route in zip(problem.therapists, routes, strict=True)
        if route
    }


def _insert_cheapest(
    problem: Problem,
    routes: list[list[Visit]],
    visit: Visit,
    candidates: Sequence[int],
    matrices: Mapping[str, list[list[int]]],
    thorough: bool,
) -> None:
    """Insert where it adds least cost while every time rule holds, if that beats dropping.

    Unless ``thorough``, only the nearest therapists and their cheapest positions are tried.
    """
    weights = problem.weights
    best: tuple[int, int, int] | None = None
    therapists = candidates if thorough else _nearest(problem, visit, candidates)
    positions = None if thorough else POSITIONS_CHECKED
    for index in therapists:
        therapist, route = problem.therapists[index], routes[index]
        if not has_room(therapist, route, visit):
            continue
        durations = matrices[therapist.travel_mode]
        extra = weights.assignment_cost(visit, therapist.id)
        for added_s, position in insertion_costs(durations, therapist, route, visit)[:positions]:
            cost = added_s * weights.travel_per_s + extra
            if best is not None and cost >= best[0]:
                break
            trial = [*route[:position], visit, *route[position:]]
            if earliest_end(therapist, trial, durations) is not None:
                best = (cost, index, position)
                break
    if best is not None and best[0] < weights.drop_cost(visit):
        _, index, position = best
        routes[index].insert(position, visit)
