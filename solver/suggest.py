"""Slot suggestions while the patient is on the phone: where a new visit fits best.

Every position of every qualified therapist's route after ``now`` (``problem.replan``
holds the plan and the time; frozen stops are never touched) is tried with the fast time
test, the cheapest are timed, checked by the independent checker on the whole route, and
ranked by what they add: the drive, a missed preference, and every minute another visit of
that route moves beyond its promise. Nothing else of the plan changes.
``cheapest_by_therapist`` keeps the best of each therapist instead (a care plan's search
prices one therapist over many days).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from solver.check import check_solution
from solver.freeze import frozen_routes
from solver.outcome import finish
from solver.reasons import eligibility
from solver.replan import current_routes, reduced_day, stitched, with_reasons
from solver.solution import Route, Solution, SolveStats, SolveStatus
from solver.timing import earliest_end, route_faults, time_route

if TYPE_CHECKING:
    from solver.current_plan import FrozenRoute
    from solver.problem import Problem, Therapist, Visit
    from solver.solution import Unassigned

# Candidates timed and checked per suggestion asked for: the fast test's cost (the detour)
# ranks them only roughly, since moving other visits beyond their promise also costs.
TIMED_PER_SUGGESTION = 4


@dataclass(frozen=True)
class Suggestion:
    """The new visit at ``position`` (0: first, frozen stops counted) of a route."""

    therapist_id: str
    position: int
    start_s: int
    added_travel_s: int
    retimed: tuple[str, ...]
    cost: int
    route: Route


@dataclass(frozen=True)
class _Day:
    """The plan cut at ``now``: the reduced day, its current routes, the frozen parts."""

    whole: Problem
    reduced: Problem
    routes: tuple[Route, ...]
    frozen: dict[str, FrozenRoute]
    too_late: list[Unassigned]
    whole_routes: tuple[Route, ...]


def _cut(problem: Problem, visit: Visit) -> _Day | None:
    assert problem.replan is not None, "suggestions need the plan (problem.replan)"
    whole = replace(problem, visits=(*problem.visits, visit))
    frozen = frozen_routes(whole)
    reduced, too_late = reduced_day(whole, problem.replan, frozen)
    if any(item.visit_id == visit.id for item in too_late):
        return None
    routes = current_routes(reduced, problem.replan, frozen)
    return _Day(whole, reduced, routes, frozen, too_late, stitched(whole, routes, frozen))


def suggest_slots(problem: Problem, visit: Visit, count: int = 5) -> list[Suggestion]:
    """The best ``count`` places for ``visit`` in the plan, cheapest first.

    Parameters
    ----------
    problem
        The day with its plan and time in ``replan`` (``replan.routes`` is the plan).
    visit
        The visit to place; not one of ``problem.visits``.
    count
        How many suggestions at most.

    Returns
    -------
    list[Suggestion]
        Each keeps every rule (checked), on a different therapist or position; empty when
        the visit fits nowhere without moving other visits to other therapists.
    """
    day = _cut(problem, visit)
    if day is None:
        return []
    new = next(v for v in day.reduced.visits if v.id == visit.id)
    tried = sorted(_rough(day, new))
    found = [
        suggestion
        for _, index, position in tried[: count * TIMED_PER_SUGGESTION]
        if (suggestion := _timed(day, index, position, new)) is not None
    ]
    found.sort(key=lambda s: (s.cost, s.therapist_id, s.position))
    return found[:count]


def cheapest_by_therapist(problem: Problem, visit: Visit) -> dict[str, Suggestion]:
    """Each therapist's cheapest place for ``visit`` in the plan, where it fits.

    Parameters
    ----------
    problem
        The day with its plan and time in ``replan`` (an empty ``replan.routes``: nobody
        has a route yet, so a place is the drive from home to the visit and back).
    visit
        The visit to place; not one of ``problem.visits``. ``allowed_therapists`` limits
        the therapists tried.

    Returns
    -------
    dict[str, Suggestion]
        By therapist id, the cheapest of that therapist's ``TIMED_PER_SUGGESTION`` places
        that the fast test ranks first, each checked as ``suggest_slots``' are; a
        therapist missing has no place that keeps every rule (or is not eligible).
    """
    day = _cut(problem, visit)
    if day is None:
        return {}
    new = next(v for v in day.reduced.visits if v.id == visit.id)
    by_therapist: dict[int, list[tuple[int, int]]] = {}
    for rough, index, position in sorted(_rough(day, new)):
        by_therapist.setdefault(index, []).append((rough, position))
    best: dict[str, Suggestion] = {}
    for index, tried in by_therapist.items():
        found = [
            suggestion
            for _, position in tried[:TIMED_PER_SUGGESTION]
            if (suggestion := _timed(day, index, position, new)) is not None
        ]
        if found:
            cheapest = min(found, key=lambda s: (s.cost, s.position))
            best[cheapest.therapist_id] = cheapest
    return best


def _rough(day: _Day, new: Visit) -> list[tuple[int, int, int]]:
    """(rough cost, therapist index, position) of every place that passes the fast time
    test: the detour priced as travel, plus the assignment's cost."""
    reduced = day.reduced
    by_id = {v.id: v for v in reduced.visits}
    weights = reduced.weights
    tried: list[tuple[int, int, int]] = []
    for index in eligibility(reduced, new).candidates:
        therapist = reduced.therapists[index]
        order = [by_id[s.visit_id] for s in day.routes[index].stops]
        durations = reduced.matrix_for(therapist).duration_rows
        extra = weights.assignment_cost(new, therapist.id)
        stops = [therapist.start_location, *(v.location for v in order), therapist.end_location]
        for position, (before, after) in enumerate(itertools.pairwise(stops)):
            trial = [*order[:position], new, *order[position:]]
            if earliest_end(therapist, trial, durations) is None:
                continue
            detour = durations[before][new.location] + durations[new.location][after]
            tried.append(
                (
                    (detour - durations[before][after]) * weights.travel_per_s + extra,
                    index,
                    position,
                )
            )
    return tried


def _timed(day: _Day, index: int, position: int, new: Visit) -> Suggestion | None:
    reduced, current = day.reduced, day.routes[index]
    therapist: Therapist = reduced.therapists[index]
    by_id = {v.id: v for v in reduced.visits}
    order = [by_id[s.visit_id] for s in current.stops]
    trial = [*order[:position], new, *order[position:]]
    route = time_route(reduced, therapist, trial)
    if route_faults(reduced, therapist, trial, route) != 0:
        return None
    whole_route = stitched(day.whole, _replaced(day, index, route), day.frozen)[index]
    alone = replace(
        day.whole,
        therapists=(day.whole.therapists[index],),
        visits=tuple(
            v for v in day.whole.visits if v.id in {s.visit_id for s in whole_route.stops}
        ),
    )
    if check_solution(alone, Solution(SolveStatus.COMPLETE, routes=(whole_route,))):
        return None
    beyond_s, retimed = 0, []
    for stop in route.stops:
        promise = by_id[stop.visit_id].promise
        if promise is None:
            continue
        off_s = max(0, promise.earliest_s - stop.start_s, stop.start_s - promise.latest_s)
        if off_s:
            beyond_s += off_s
            retimed.append(stop.visit_id)
    weights = reduced.weights
    added_travel_s = whole_route.travel_s - day.whole_routes[index].travel_s
    cost = (
        added_travel_s * weights.travel_per_s
        + weights.assignment_cost(new, therapist.id)
        + beyond_s * weights.retime_per_s
    )
    start_s = next(s.start_s for s in route.stops if s.visit_id == new.id)
    frozen = day.frozen.get(therapist.id)
    offset = 0 if frozen is None else len(frozen.stops)
    return Suggestion(
        therapist.id, offset + position, start_s, added_travel_s, tuple(retimed), cost, whole_route
    )


def _replaced(day: _Day, index: int, route: Route) -> tuple[Route, ...]:
    return tuple(route if i == index else r for i, r in enumerate(day.routes))


def with_suggestion(problem: Problem, visit: Visit, therapist_id: str, position: int) -> Solution:
    """The whole plan with the visit at ``position`` of the therapist's route (as a
    ``Suggestion`` says), every other visit as it was (or left out with its reason). The
    caller checks it: a slot chosen from an older suggestion may no longer fit."""
    day = _cut(problem, visit)
    assert day is not None, "the visit's windows closed before now"
    index = next(i for i, t in enumerate(day.whole.therapists) if t.id == therapist_id)
    frozen = day.frozen.get(therapist_id)
    position -= 0 if frozen is None else len(frozen.stops)
    if position < 0:
        position = 0
    by_id = {v.id: v for v in day.reduced.visits}
    order = [by_id[s.visit_id] for s in day.routes[index].stops]
    trial = [*order[:position], by_id[visit.id], *order[position:]]
    route = time_route(day.reduced, day.reduced.therapists[index], trial)
    stats = SolveStats(strategy="a suggested slot")
    reduced_plan = with_reasons(day.reduced, _replaced(day, index, route), stats)
    routes = stitched(day.whole, reduced_plan.routes, day.frozen)
    return finish(day.whole, routes, [*reduced_plan.unassigned, *day.too_late], stats)
