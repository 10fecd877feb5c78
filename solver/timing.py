"""When things happen on a route: the window and break rules, and two uses of them.

``earliest_end`` answers whether an order of visits fits a therapist's day at all (the
construction and the probe of dropped visits ask it for every insertion); ``time_route``
gives an order a coordinator chose its times. Both start each visit at the first window
start after arriving and take the break as early as it may start, with one definition of
each rule (``first_start``, ``break_in_gap``) so that the two cannot drift apart.

``time_route``, for a manual edit: leave home at the shift start, start each visit at the
first window start after arriving (or on arrival when every window has passed: the checker
then reports the missed window, the edit is not refused), and take the break as early as it
may start in one of the gaps. Every gap is tried for the break; the timing the independent
checker finds fewest faults with (then the earliest return) wins. The departure is then
moved as late as the first visit allows, as the solver does.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from itertools import pairwise
from typing import TYPE_CHECKING

from solver.check import check_solution
from solver.solution import Route, Solution, SolveStatus, Stop

if TYPE_CHECKING:
    from collections.abc import Sequence

    from solver.problem import BreakRule, Problem, Therapist, TimeWindow, TravelMatrix, Visit

# A time no route reaches: "never" for a rule that cannot be kept.
INF = 1 << 60


def first_start(windows: Sequence[TimeWindow], ready_s: int) -> int | None:
    """The earliest start at or after ``ready_s`` inside one of the windows.

    Parameters
    ----------
    windows
        The visit's time windows; none means any time.
    ready_s
        When the therapist could start at the earliest.

    Returns
    -------
    int or None
        ``ready_s`` itself inside a window or without windows, a later window's start,
        or None when every window has passed.
    """
    if not windows:
        return ready_s
    starts = [max(ready_s, w.start_s) for w in windows if w.end_s >= ready_s]
    return min(starts, default=None)


def break_in_gap(rule: BreakRule, shift_start_s: int, free_s: int, drive_s: int) -> tuple[int, int]:
    """(break start, ready) for a gap that starts at ``free_s`` and holds a drive.

    Parameters
    ----------
    rule
        The therapist's break rule.
    shift_start_s
        The shift start: the break does not begin before it.
    free_s
        When the gap begins (the previous visit's end, or the departure).
    drive_s
        The drive the gap holds.

    Returns
    -------
    tuple[int, int]
        The break starts as soon as both the gap and the rule allow; the drive goes
        before, after or around it, so the therapist is ready once both are done. Whether
        the break ends in time is the caller's to judge.
    """
    start_s = max(free_s, rule.earliest_start_s, shift_start_s)
    return start_s, max(free_s + drive_s, start_s) + rule.duration_s


def earliest_end(
    therapist: Therapist,
    route: Sequence[Visit],
    durations: Sequence[Sequence[int]],
) -> int | None:
    """The earliest time the route can be back home with every time rule kept, or None.

    Two states move along the route: the break not yet taken, and taken. The break is
    taken in the gap where it helps, as early as it may start (the drive is split).
    Work is bounded from the shift start, which is conservative.

    Parameters
    ----------
    therapist
        Whose route it is: shift, home, break rule, work limit.
    route
        The visits in route order.
    durations
        The therapist's matrix as nested lists (``TravelMatrix.duration_rows``).

    Returns
    -------
    int or None
        The return time, or None when a window, the break, the shift end or the work
        limit cannot be kept.
    """
    rule = therapist.break_rule
    needs_break = rule is not None and bool(route)
    before = therapist.shift_start_s
    after = _take_break(therapist, before, 0) if needs_break else INF
    location = therapist.start_location
    for visit in route:
        drive = durations[location][visit.location]
        with_break = _take_break(therapist, before, drive) if needs_break else INF
        before = _serve(visit, before + drive)
        after = _serve(visit, min(after + drive, with_break))
        location = visit.location
    drive = durations[location][therapist.end_location]
    end = (
        min(after + drive, _take_break(therapist, before, drive))
        if needs_break
        else (before + drive)
    )
    latest = therapist.shift_end_s + therapist.overtime_max_s
    work_limit = INF if therapist.max_work_s is None else therapist.max_work_s
    break_s = rule.duration_s if needs_break and rule else 0
    if end > latest or end - therapist.shift_start_s - break_s > work_limit:
        return None
    return end


def _serve(visit: Visit, ready_s: int) -> int:
    if ready_s >= INF:
        return INF
    start = first_start(visit.windows, ready_s)
    return INF if start is None else start + visit.service_s


def _take_break(therapist: Therapist, free_s: int, drive_s: int) -> int:
    """When the therapist is ready after a drive of ``drive_s`` that holds the break."""
    rule = therapist.break_rule
    if rule is None or free_s >= INF:
        return INF
    start_s, ready_s = break_in_gap(rule, therapist.shift_start_s, free_s, drive_s)
    if start_s + rule.duration_s > min(rule.latest_end_s, therapist.shift_end_s):
        return INF
    return ready_s


def time_route(problem: Problem, therapist: Therapist, visits: Sequence[Visit]) -> Route:
    """The route of ``therapist`` through ``visits`` in this order, with times and figures.

    Parameters
    ----------
    problem
        The planning day (its travel matrices).
    therapist
        Whose route it is: shift, home, break rule.
    visits
        The visits in route order.

    Returns
    -------
    Route
        Earliest times with the break; a route that breaks a rule (a missed window, the
        shift end) is returned as it is, for the checker to report.
    """
    if not visits:
        return Route(therapist.id)
    gaps: list[int | None] = [None]
    if therapist.break_rule is not None:
        gaps = list(range(len(visits) + 1))
    timings = [_timed(problem, therapist, visits, gap) for gap in gaps]
    return min(timings, key=lambda route: _score(problem, therapist, visits, route))


def route_faults(
    problem: Problem, therapist: Therapist, visits: Sequence[Visit], route: Route
) -> int:
    """How many faults the independent checker finds with this route on its own."""
    alone = replace(problem, therapists=(therapist,), visits=tuple(visits))
    return len(check_solution(alone, Solution(SolveStatus.COMPLETE, routes=(route,))))


def _score(
    problem: Problem, therapist: Therapist, visits: Sequence[Visit], route: Route
) -> tuple[int, int]:
    """Faults, then the return time."""
    return route_faults(problem, therapist, visits, route), route.end_s or 0


@dataclass(frozen=True)
class Walk:
    """One walk along the route from a departure time, with the break in gap ``gap``."""

    stops: tuple[Stop, ...]
    break_start_s: int | None
    end_s: int


def _timed(
    problem: Problem, therapist: Therapist, visits: Sequence[Visit], gap: int | None
) -> Route:
    matrix = problem.matrix_for(therapist)
    first = walk(matrix, therapist, visits, gap, therapist.shift_start_s)
    leave_s = _latest_departure(matrix, therapist, visits[0], first, break_first=gap == 0)
    return route_of(
        matrix, therapist, visits, leave_s, walk(matrix, therapist, visits, gap, leave_s)
    )


def route_of(
    matrix: TravelMatrix, therapist: Therapist, visits: Sequence[Visit], leave_s: int, timed: Walk
) -> Route:
    """The route of a walk that left home at ``leave_s``, with its travel and work."""
    rule = therapist.break_rule
    break_s = rule.duration_s if rule is not None and timed.break_start_s is not None else 0
    locations = [therapist.start_location, *(v.location for v in visits), therapist.end_location]
    legs = list(pairwise(locations))
    distances = matrix.distances_m
    return Route(
        therapist_id=therapist.id,
        stops=timed.stops,
        start_s=leave_s,
        end_s=timed.end_s,
        break_start_s=timed.break_start_s,
        break_end_s=None if timed.break_start_s is None else timed.break_start_s + break_s,
        travel_s=sum(int(matrix.durations_s[a, b]) for a, b in legs),
        distance_m=None if distances is None else sum(int(distances[a, b]) for a, b in legs),
        work_s=timed.end_s - leave_s - break_s,
    )


def _latest_departure(
    matrix: TravelMatrix, therapist: Therapist, first: Visit, timed: Walk, break_first: bool
) -> int:
    """Leave home no earlier than needed for the first visit (and a break before it).

    Walking again from this departure gives the same visit starts: the first visit is
    still ready by its start, and not before an earlier window (its ready time only grew).
    """
    leave_s = timed.stops[0].start_s
    leave_s -= int(matrix.durations_s[therapist.start_location, first.location])
    rule = therapist.break_rule
    if break_first and rule is not None and timed.break_start_s is not None:
        leave_s = min(timed.break_start_s, leave_s - rule.duration_s)
    return max(therapist.shift_start_s, leave_s)


def walk(
    matrix: TravelMatrix,
    therapist: Therapist,
    visits: Sequence[Visit],
    gap: int | None,
    leave_s: int,
) -> Walk:
    """Leave at ``leave_s``, start each visit at the first window start after arriving,
    and take the break in gap ``gap`` (before visit ``gap``; after the last at the end)."""
    free_s, location = leave_s, therapist.start_location
    stops: list[Stop] = []
    break_start_s: int | None = None
    for index, visit in enumerate(visits):
        drive_s = int(matrix.durations_s[location, visit.location])
        ready_s = arrival_s = free_s + drive_s
        pause_s = 0
        if gap == index and therapist.break_rule is not None:
            break_start_s, ready_s = break_in_gap(
                therapist.break_rule, therapist.shift_start_s, free_s, drive_s
            )
            pause_s = therapist.break_rule.duration_s
            if break_start_s < arrival_s:  # the drive was split around the break
                arrival_s += pause_s
        start_s = first_start(visit.windows, ready_s)
        if start_s is None:  # every window has passed: a late start the checker reports
            start_s = ready_s
        distance_m = (
            None
            if matrix.distances_m is None
            else int(matrix.distances_m[location, visit.location])
        )
        wait_s = start_s - free_s - drive_s - pause_s
        # Arrival as the routes read from the search give it (``solver.extract``): a break
        # after the drive is taken there, so a plan re-timed here and the same plan read
        # back from a search agree.
        stop = Stop(
            visit.id, arrival_s, start_s, start_s + visit.service_s, drive_s, distance_m, wait_s
        )
        stops.append(stop)
        free_s, location = stop.end_s, visit.location
    end_s = free_s + int(matrix.durations_s[location, therapist.end_location])
    if gap == len(visits) and therapist.break_rule is not None:
        back_s = int(matrix.durations_s[location, therapist.end_location])
        break_start_s, end_s = break_in_gap(
            therapist.break_rule, therapist.shift_start_s, free_s, back_s
        )
    return Walk(tuple(stops), break_start_s, end_s)


def route_at_times(
    problem: Problem,
    therapist: Therapist,
    stops: Sequence[tuple[Visit, int, int]],
    start_s: int,
    break_span: tuple[int, int] | None,
) -> Route:
    """The route through ``stops`` (visit, start, end) at exactly those times, its figures
    (travel, arrival, wait, the end, work) computed around them.

    Re-planning keeps frozen stops at the times they happened, and a current plan that
    still holds at its own times; neither is re-timed.

    Parameters
    ----------
    problem
        The planning day (its travel matrices).
    therapist
        Whose route it is: start and end locations.
    stops
        The visits in route order with their start and end.
    start_s
        When the therapist leaves the start location.
    break_span
        The break's start and end, in the first gap (or after the last stop) that holds it.
    """
    if not stops:
        return Route(therapist.id)
    matrix = problem.matrix_for(therapist)
    distances = matrix.distances_m
    pause = break_span
    free_s, location = start_s, therapist.start_location
    timed: list[Stop] = []
    travel_s, distance_m = 0, 0
    for visit, stop_start_s, stop_end_s in stops:
        drive_s = int(matrix.durations_s[location, visit.location])
        pause_s, arrival_s = 0, free_s + drive_s
        if pause is not None and free_s <= pause[0] and pause[1] <= stop_start_s:
            pause_s = pause[1] - pause[0]
            if pause[0] < arrival_s:  # the drive was split around the break
                arrival_s += pause_s
            pause = None
        leg_m = None if distances is None else int(distances[location, visit.location])
        arrival_s = min(arrival_s, stop_start_s)
        wait_s = stop_start_s - free_s - drive_s - pause_s
        timed.append(Stop(visit.id, arrival_s, stop_start_s, stop_end_s, drive_s, leg_m, wait_s))
        travel_s += drive_s
        distance_m += leg_m or 0
        free_s, location = stop_end_s, visit.location
    drive_s = int(matrix.durations_s[location, therapist.end_location])
    end_s = free_s + drive_s
    if pause is not None and pause[0] >= free_s:
        end_s = max(free_s + drive_s, pause[0]) + pause[1] - pause[0]
    break_s = 0 if break_span is None else break_span[1] - break_span[0]
    return Route(
        therapist_id=therapist.id,
        stops=tuple(timed),
        start_s=start_s,
        end_s=end_s,
        break_start_s=None if break_span is None else break_span[0],
        break_end_s=None if break_span is None else break_span[1],
        travel_s=travel_s + drive_s,
        distance_m=None
        if distances is None
        else distance_m + int(distances[location, therapist.end_location]),
        work_s=end_s - start_s - break_s,
    )
