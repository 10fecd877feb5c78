"""Leave home later: idle time that the order of visits does not force becomes time at home.

The search fixes the order of each route and one timing of it: OR-Tools starts every visit
as early as it can, and the departure is then moved only as late as the first visit
allows. Waiting further on (before a visit whose window opens later) is paid working time
that often need not be: when the visits before it have room in their windows, the
therapist can leave later and still be back at the same time. Travel, the order and the
return stay as they are; the day gets shorter by what the departure moved.

Measured from the routes alone, so it applies to any plan: the search, the repair and the
neighbourhoods' routes all end here before the plan is finished.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from solver.timing import route_of, walk

if TYPE_CHECKING:
    from collections.abc import Sequence

    from solver.problem import Problem, Therapist, TimeWindow, TravelMatrix, Visit
    from solver.solution import Route
    from solver.timing import Walk


def leave_later(problem: Problem, routes: Sequence[Route]) -> tuple[Route, ...]:
    """Each route with the latest departure that keeps its order, break gap and return.

    Parameters
    ----------
    problem
        The planning day.
    routes
        One route per therapist, timed.

    Returns
    -------
    tuple[Route, ...]
        The routes in the same order. A route is kept as it was when it cannot leave later,
        when a re-plan promised one of its visits a time (its start is not moved), or when
        the later timing would not keep every window and the break.
    """
    therapists = {therapist.id: therapist for therapist in problem.therapists}
    visits = {visit.id: visit for visit in problem.visits}
    return tuple(
        _leave_later(problem, therapists[route.therapist_id], route, visits) for route in routes
    )


def _leave_later(
    problem: Problem, therapist: Therapist, route: Route, visits: dict[str, Visit]
) -> Route:
    order = [visits[stop.visit_id] for stop in route.stops]
    if not order or route.start_s is None or route.end_s is None:
        return route
    if any(visit.promise is not None for visit in order):
        return route
    matrix = problem.matrix_for(therapist)
    gap = _break_gap(route)
    if gap == len(order):
        # A break after the last stop makes the route end at the break's end: the day
        # would move to the break instead of the visits' windows (a route that ends
        # before the break window is a case of its own, still open).
        return route
    leave_s = _latest_leave(matrix, therapist, order, gap, route.end_s)
    if leave_s is None or leave_s <= route.start_s:
        return route
    later = walk(matrix, therapist, order, gap, leave_s)
    if later.end_s > route.end_s or not _keeps_rules(therapist, order, later):
        return route
    return route_of(matrix, therapist, order, leave_s, later)


def _break_gap(route: Route) -> int | None:
    """Which gap holds the break: ``i`` is before stop ``i``, ``len(stops)`` after the last."""
    if route.break_start_s is None or route.break_end_s is None:
        return None
    free_s = route.start_s
    for index, stop in enumerate(route.stops):
        if (
            free_s is not None
            and free_s <= route.break_start_s
            and route.break_end_s <= stop.start_s
        ):
            return index
        free_s = stop.end_s
    return len(route.stops)


def _latest_leave(
    matrix: TravelMatrix,
    therapist: Therapist,
    order: Sequence[Visit],
    gap: int | None,
    end_s: int,
) -> int | None:
    """The latest departure from which the route is still back by ``end_s``.

    Backwards from the end: each visit's latest start within its windows that still leaves
    the drive on (and the break, taken after that drive, in its gap).
    """
    rows = matrix.duration_rows
    rule = therapist.break_rule
    places = [therapist.start_location, *(v.location for v in order), therapist.end_location]
    due_s = end_s  # the latest time at places[index + 1]
    for index in range(len(order), -1, -1):
        if gap == index and rule is not None:
            due_s = min(due_s, rule.latest_end_s, therapist.shift_end_s) - rule.duration_s
        free_s = due_s - rows[places[index]][places[index + 1]]
        if index == 0:
            return free_s
        visit = order[index - 1]
        latest = _latest_start(visit.windows, free_s - visit.service_s)
        if latest is None:
            return None
        due_s = latest
    return None


def _latest_start(windows: Sequence[TimeWindow], bound_s: int) -> int | None:
    """The latest start at or before ``bound_s`` inside one of the windows."""
    if not windows:
        return bound_s
    starts = [min(w.end_s, bound_s) for w in windows if w.start_s <= bound_s]
    return max(starts, default=None)


def _keeps_rules(therapist: Therapist, order: Sequence[Visit], later: Walk) -> bool:
    """Every visit starts inside a window, the break inside its rule and the shift.

    The backward pass guarantees both; this guards the plan against a case it missed.
    """
    for visit, stop in zip(order, later.stops, strict=True):
        if visit.windows and not any(w.start_s <= stop.start_s <= w.end_s for w in visit.windows):
            return False
    rule = therapist.break_rule
    if rule is None or later.break_start_s is None:
        return True
    break_end_s = later.break_start_s + rule.duration_s
    return break_end_s <= min(rule.latest_end_s, therapist.shift_end_s)
