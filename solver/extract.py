"""Reads routes with times out of an OR-Tools assignment.

The visit order, the visit start times and the break come from the assignment; arrival,
waiting, travel and distance are recomputed from the matrices so that they follow the
plan JSON's definitions exactly (DESIGN.md section 9).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from solver.solution import Route, Stop

if TYPE_CHECKING:
    from ortools.constraint_solver import pywrapcp

    from solver.model import RoutingModel
    from solver.problem import IntMatrix, Therapist, Visit


def read_routes(model: RoutingModel, assignment: pywrapcp.Assignment) -> tuple[Route, ...]:
    return tuple(
        _read_route(model, assignment, vehicle, therapist)
        for vehicle, therapist in enumerate(model.therapists)
    )


def _route_order(
    model: RoutingModel, assignment: pywrapcp.Assignment, vehicle: int
) -> list[tuple[Visit, int]]:
    """The route's visits with their start times."""
    routing, manager = model.routing, model.manager
    order = []
    index = assignment.Value(routing.NextVar(routing.Start(vehicle)))
    while not routing.IsEnd(index):
        start_s = int(assignment.Value(model.time.CumulVar(index)))
        order.append((model.visits[manager.IndexToNode(index)], start_s))
        index = assignment.Value(routing.NextVar(index))
    return order


def _read_route(
    model: RoutingModel, assignment: pywrapcp.Assignment, vehicle: int, therapist: Therapist
) -> Route:
    order = _route_order(model, assignment, vehicle)
    if not order:
        return Route(therapist.id)
    break_start, break_end = _read_break(model, assignment, vehicle)
    travel = model.problem.matrix_for(therapist)
    route_start, route_end = _tight_start_and_end(
        model, assignment, vehicle, therapist, order, (break_start, break_end)
    )
    stops = []
    previous_location, previous_end = therapist.start_location, route_start
    travel_total, distance_total = 0, 0
    for visit, start_s in order:
        drive = int(travel.durations_s[previous_location, visit.location])
        distance = _distance(travel.distances_m, previous_location, visit.location)
        pause = _break_in_gap(break_start, break_end, previous_end, start_s)
        arrival = previous_end + drive
        if pause and break_start is not None and break_start < arrival:
            arrival += pause  # the drive was split around the break
        wait = start_s - previous_end - drive - pause
        stops.append(
            Stop(visit.id, arrival, start_s, start_s + visit.service_s, drive, distance, wait)
        )
        travel_total += drive
        distance_total += distance or 0
        previous_location, previous_end = visit.location, start_s + visit.service_s
    travel_total += int(travel.durations_s[previous_location, therapist.end_location])
    last_leg = _distance(travel.distances_m, previous_location, therapist.end_location)
    break_s = (break_end - break_start) if break_start is not None and break_end is not None else 0
    return Route(
        therapist.id,
        tuple(stops),
        route_start,
        route_end,
        break_start,
        break_end,
        travel_total,
        None if travel.distances_m is None else distance_total + (last_leg or 0),
        route_end - route_start - break_s,
    )


def _tight_start_and_end(
    model: RoutingModel,
    assignment: pywrapcp.Assignment,
    vehicle: int,
    therapist: Therapist,
    order: list[tuple[Visit, int]],
    pause: tuple[int | None, int | None],
) -> tuple[int, int]:
    """Leave as late and come back as early as the visits and the break allow.

    The assignment's own start and end may hold idle time at home. Finalizers could
    push them, but with a break on every therapist they make OR-Tools backtrack
    through each empty route's whole shift (minutes on 200 therapists).
    """
    routing, durations = model.routing, model.problem.matrix_for(therapist).durations_s
    start = int(assignment.Value(model.time.CumulVar(routing.Start(vehicle))))
    end = int(assignment.Value(model.time.CumulVar(routing.End(vehicle))))
    break_start, break_end = pause
    first, first_start = order[0]
    last, last_start = order[-1]
    leave = first_start - int(durations[therapist.start_location, first.location])
    last_end = last_start + last.service_s
    back = last_end + int(durations[last.location, therapist.end_location])
    if break_start is not None and break_end is not None:
        length = break_end - break_start
        if _break_in_gap(break_start, break_end, start, first_start):
            leave = min(break_start, leave - length)
        if _break_in_gap(break_start, break_end, last_end, end):
            back = max(break_end, back + length)
    return leave, back


def _distance(distances: IntMatrix | None, origin: int, destination: int) -> int | None:
    if distances is None:
        return None
    return int(distances[origin, destination])


def _read_break(
    model: RoutingModel, assignment: pywrapcp.Assignment, vehicle: int
) -> tuple[int | None, int | None]:
    interval = model.break_intervals.get(vehicle)
    if interval is None:
        return None, None
    start = int(assignment.StartValue(interval))
    return start, start + int(assignment.DurationValue(interval))


def _break_in_gap(
    break_start: int | None, break_end: int | None, gap_start: int, gap_end: int
) -> int:
    """The break's length if it falls between ``gap_start`` and ``gap_end``, else 0."""
    if break_start is None or break_end is None:
        return 0
    return break_end - break_start if gap_start <= break_start and break_end <= gap_end else 0
