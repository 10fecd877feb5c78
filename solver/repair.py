"""After the search: insert every left-out visit that fits and is worth its cost.

A search that runs out of time (or a neighbourhood that never saw a visit) leaves out visits
that fit as they are. They are tried in priority order (every ``must``, then ``high``,
before any ``normal``) at every position of every qualified therapist's route and go
where they add least, when that costs less than dropping them. What stays out is then
truly left out: the probe's reasons (``solver.reasons``) hold for the final routes.

A search that found nothing from a warm start falls back to that start here too, so a
neighbourhood never returns less than the construction gave it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from solver.construct import construct_routes
from solver.ejection import place_by_chains
from solver.solution import Route
from solver.timing import earliest_end, time_route

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from solver.budget import Deadline
    from solver.problem import Problem, Visit


def insert_left_out(
    problem: Problem,
    visits: Sequence[Visit],
    candidates: Sequence[Sequence[int]],
    routes: tuple[Route, ...],
    deadline: Deadline | None = None,
    chains: bool = True,
) -> tuple[Route, ...]:
    """The routes with every left-out visit inserted where it fits and is worth it, then
    those that still fit nowhere placed by ejection chains (``solver.ejection``).

    Parameters
    ----------
    problem
        The planning day.
    visits, candidates
        The visits that passed the pre-checks and their therapists' indices.
    routes
        One route per therapist, in the problem's order.
    deadline
        When to stop trying (the visits not tried yet stay out, in priority order, so the
        ``must`` visits are tried first); None tries them all. The chains get half of
        what is left after the direct insertions, so that the probe of what stays out
        still has time for exact reasons.
    chains
        False: no chains (``solver.whole_day`` says when).

    Returns
    -------
    tuple[Route, ...]
        The same routes where nothing was inserted (times kept); the others re-timed.
    """
    current = {r.therapist_id: tuple(s.visit_id for s in r.stops) for r in routes if r.stops}
    routed = sum(len(r) for r in current.values())
    if routed == len(visits):
        return routes
    repaired = construct_routes(problem, visits, candidates, initial=current, deadline=deadline)
    if chains and sum(map(len, repaired.values())) < len(visits):
        half = None if deadline is None else deadline.earlier_by(deadline.remaining_s() / 2)
        repaired = place_by_chains(problem, visits, candidates, repaired, half)
    by_id = {v.id: v for v in visits}
    return tuple(
        route
        if repaired.get(route.therapist_id, ()) == current.get(route.therapist_id, ())
        else time_route(problem, therapist, [by_id[v] for v in repaired[route.therapist_id]])
        for therapist, route in zip(problem.therapists, routes, strict=True)
    )


def warm_start_routes(
    problem: Problem, visits: Sequence[Visit], warm_start: Mapping[str, tuple[str, ...]]
) -> tuple[Route, ...]:
    """The warm start as timed routes, for a search that found nothing from it.

    OR-Tools returns no plan when its time limit ends before it has restored the start
    (seen on 2,000-visit days: whole regions came back empty). A warm-start route that
    breaks a time rule is left empty; the repair then re-inserts its visits.
    """
    by_id = {v.id: v for v in visits}
    routes = []
    for therapist in problem.therapists:
        order = [by_id[v] for v in warm_start.get(therapist.id, ()) if v in by_id]
        durations = problem.travel[therapist.travel_mode].duration_rows
        fits = order and earliest_end(therapist, order, durations) is not None
        routes.append(time_route(problem, therapist, order) if fits else Route(therapist.id))
    return tuple(routes)
