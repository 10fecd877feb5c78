"""Builds the OR-Tools routing model of one day, one ``add_<rule>()`` per rule family.

Nodes: the visits that passed the pre-checks first (node i is ``visits[i]``), then one
node per distinct therapist start/end location. Every visit node is optional (a
disjunction with its priority's penalty); ``must`` visits just carry a penalty that
outweighs every other cost.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from ortools.constraint_solver import pywrapcp

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from solver.problem import IntMatrix, Problem, Therapist, Visit

TIME = "time"
VISIT_COUNT = "visit_count"
LOAD = "load"
PREFERENCE_MISSES = "preference_misses"
THERAPIST_CHANGES = "therapist_changes"
SERVICE = "service"


@dataclass
class RoutingModel:
    """The built model plus the maps between our ids and OR-Tools' indices."""

    problem: Problem
    visits: tuple[Visit, ...]
    node_location: list[int]
    manager: pywrapcp.RoutingIndexManager
    routing: pywrapcp.RoutingModel
    time: pywrapcp.RoutingDimension
    break_intervals: dict[int, pywrapcp.IntervalVar] = field(default_factory=dict)

    @property
    def therapists(self) -> tuple[Therapist, ...]:
        return self.problem.therapists

    def visit_index(self, visit_node: int) -> int:
        index: int = self.manager.NodeToIndex(visit_node)
        return index


def build_model(
    problem: Problem, visits: Sequence[Visit], candidates: Sequence[Sequence[int]]
) -> RoutingModel:
    """Build the routing model.

    Parameters
    ----------
    problem
        The whole day.
    visits
        The visits to route (those that passed the pre-checks).
    candidates
        For each of ``visits``, the indices of the therapists that may do it.
    """
    depot_locations = sorted(
        {t.start_location for t in problem.therapists}
        | {t.end_location for t in problem.therapists}
    )
    depot_node = {loc: len(visits) + i for i, loc in enumerate(depot_locations)}
    node_location = [v.location for v in visits] + depot_locations
    manager = pywrapcp.RoutingIndexManager(
        len(node_location),
        len(problem.therapists),
        [depot_node[t.start_location] for t in problem.therapists],
        [depot_node[t.end_location] for t in problem.therapists],
    )
    routing = pywrapcp.RoutingModel(manager)
    service_s = np.array([v.service_s for v in visits] + [0] * len(depot_locations), np.int64)
    time = add_travel_and_time(problem, routing, node_location, service_s)
    model = RoutingModel(problem, tuple(visits), node_location, manager, routing, time)
    add_windows(model)
    add_early_starts(model)
    add_shifts(model)
    add_breaks(model, service_s)
    add_max_work(model)
    add_allowed_therapists(model, candidates)
    add_max_visits(model)
    add_capacity(model)
    add_optional_visits(model)
    add_preferences(model)
    add_disruption(model)
    add_balance(model, service_s)
    add_waiting(model)
    if problem.weights.therapist_fixed:
        routing.SetFixedCostOfAllVehicles(problem.weights.therapist_fixed)
    return model


def _node_matrix(matrix: IntMatrix, node_location: list[int]) -> IntMatrix:
    locations = np.asarray(node_location, dtype=np.int64)
    return np.asarray(matrix[np.ix_(locations, locations)], dtype=np.int64)


def add_travel_and_time(
    problem: Problem, routing: pywrapcp.RoutingModel, node_location: list[int], service_s: IntMatrix
) -> pywrapcp.RoutingDimension:
    """Arc costs and the time dimension, one shared callback per travel mode.

    Sharing keeps therapists of one mode in one vehicle class, which the search exploits.
    The time transit of an arc is the service at its origin plus the drive.
    """
    weights = problem.weights
    cost_callback: dict[str, int] = {}
    time_callback: dict[str, int] = {}
    for mode in sorted({t.travel_mode for t in problem.therapists}):
        travel = problem.travel[mode]
        durations = _node_matrix(travel.durations_s, node_location)
        cost = durations * weights.travel_per_s
        if weights.distance_per_m and travel.distances_m is not None:
            cost = cost + _node_matrix(travel.distances_m, node_location) * weights.distance_per_m
        cost_callback[mode] = routing.RegisterTransitMatrix(cost.tolist())
        time_callback[mode] = routing.RegisterTransitMatrix(
            (durations + service_s[:, None]).tolist()
        )
    for vehicle, therapist in enumerate(problem.therapists):
        routing.SetArcCostEvaluatorOfVehicle(cost_callback[therapist.travel_mode], vehicle)
    horizon = max(t.shift_end_s + t.overtime_max_s for t in problem.therapists)
    routing.AddDimensionWithVehicleTransits(
        [time_callback[t.travel_mode] for t in problem.therapists], horizon, horizon, False, TIME
    )
    time: pywrapcp.RoutingDimension = routing.GetDimensionOrDie(TIME)
    return time


def add_windows(model: RoutingModel) -> None:
    """A visit starts inside one of its windows; the gaps between windows are removed."""
    for node, visit in enumerate(model.visits):
        if not visit.windows:
            continue
        cumul = model.time.CumulVar(model.visit_index(node))
        windows = sorted(visit.windows, key=lambda w: w.start_s)
        cumul.SetRange(windows[0].start_s, max(w.end_s for w in windows))
        for before, after in itertools.pairwise(windows):
            if after.start_s > before.end_s + 1:
                cumul.RemoveInterval(before.end_s + 1, after.start_s - 1)


def add_early_starts(model: RoutingModel) -> None:
    """Visits start as early as their route allows."""
    for node in range(len(model.visits)):
        model.routing.AddVariableMinimizedByFinalizer(model.time.CumulVar(model.visit_index(node)))


def add_shifts(model: RoutingModel) -> None:
    """Routes leave home inside the shift and are back by its end (plus allowed overtime).

    Overtime is a soft upper bound on the end. Idle time at home at either end of the
    day is trimmed when the routes are read (``solver.extract``).
    """
    routing, time = model.routing, model.time
    for vehicle, therapist in enumerate(model.therapists):
        latest_end = therapist.shift_end_s + therapist.overtime_max_s
        start = time.CumulVar(routing.Start(vehicle))
        end = time.CumulVar(routing.End(vehicle))
        start.SetRange(therapist.shift_start_s, latest_end)
        end.SetRange(therapist.shift_start_s, latest_end)
        if therapist.overtime_max_s > 0:
            time.SetCumulVarSoftUpperBound(
                routing.End(vehicle), therapist.shift_end_s, model.problem.weights.overtime_per_s
            )


def add_breaks(model: RoutingModel, service_s: IntMatrix) -> None:
    """A break inside its window and the shift, never during a visit, inside the route.

    OR-Tools allows a break before a route starts or after it ends; keeping it inside
    [start, end] makes work = end - start - break hold, which max work relies on.
    """
    routing, time = model.routing, model.time
    solver = routing.solver()
    node_visit_transits = [
        int(service_s[model.manager.IndexToNode(index)]) for index in range(routing.Size())
    ]
    for vehicle, therapist in enumerate(model.therapists):
        rule = therapist.break_rule
        if rule is None:
            continue
        earliest = max(rule.earliest_start_s, therapist.shift_start_s)
        latest_start = min(rule.latest_end_s, therapist.shift_end_s) - rule.duration_s
        interval = solver.FixedDurationIntervalVar(
            earliest, latest_start, rule.duration_s, False, f"break {therapist.id}"
        )
        time.SetBreakIntervalsOfVehicle([interval], vehicle, node_visit_transits)
        solver.Add(interval.StartExpr() >= time.CumulVar(routing.Start(vehicle)))
        solver.Add(interval.EndExpr() <= time.CumulVar(routing.End(vehicle)))
        model.break_intervals[vehicle] = interval


def add_max_work(model: RoutingModel) -> None:
    """Work = end - start - break, so the span may hold the break on top of max work."""
    for vehicle, therapist in enumerate(model.therapists):
        if therapist.max_work_s is None:
            continue
        break_s = therapist.break_rule.duration_s if therapist.break_rule else 0
        model.time.SetSpanUpperBoundForVehicle(therapist.max_work_s + break_s, vehicle)


def add_allowed_therapists(model: RoutingModel, candidates: Sequence[Sequence[int]]) -> None:
    """Skills, exclusions, pins and allowed lists, folded by the pre-checks into candidates.

    ``SetAllowedVehiclesForIndex`` raises TypeError in OR-Tools 9.15; -1 keeps the visit
    droppable.
    """
    vehicle_count = len(model.therapists)
    for node, allowed in enumerate(candidates):
        if len(allowed) < vehicle_count:
            model.routing.VehicleVar(model.visit_index(node)).SetValues([-1, *allowed])


def _unary_callback(model: RoutingModel, values: Sequence[int]) -> int:
    index: int = model.routing.RegisterUnaryTransitVector(list(values))
    return index


def add_max_visits(model: RoutingModel) -> None:
    therapists = model.therapists
    if all(t.max_visits is None for t in therapists):
        return
    ones = [1] * len(model.visits) + [0] * (len(model.node_location) - len(model.visits))
    capacities = [len(model.visits) if t.max_visits is None else t.max_visits for t in therapists]
    model.routing.AddDimensionWithVehicleCapacity(
        _unary_callback(model, ones), 0, capacities, True, VISIT_COUNT
    )


def add_capacity(model: RoutingModel) -> None:
    """Vehicle capacities (benchmarks); home visits carry no load."""
    therapists = model.therapists
    if all(t.capacity is None for t in therapists):
        return
    loads = [v.load for v in model.visits] + [0] * (len(model.node_location) - len(model.visits))
    total = sum(loads)
    capacities = [total if t.capacity is None else t.capacity for t in therapists]
    model.routing.AddDimensionWithVehicleCapacity(
        _unary_callback(model, loads), 0, capacities, True, LOAD
    )


def add_optional_visits(model: RoutingModel) -> None:
    weights = model.problem.weights
    for node, visit in enumerate(model.visits):
        model.routing.AddDisjunction([model.visit_index(node)], weights.drop_cost(visit))


def add_preferences(model: RoutingModel) -> None:
    """A cost per visit done by a therapist outside its preferred list."""
    _add_miss_cost(
        model,
        PREFERENCE_MISSES,
        model.problem.weights.preference_miss,
        lambda therapist, visit: (
            bool(visit.preferred_therapists) and therapist.id not in visit.preferred_therapists
        ),
    )


def add_disruption(model: RoutingModel) -> None:
    """Re-planning: a cost per visit taken from its promised therapist, and per second it
    starts outside its promised span (soft bounds on its start)."""
    weights = model.problem.weights
    _add_miss_cost(
        model,
        THERAPIST_CHANGES,
        weights.therapist_change,
        lambda therapist, visit: (
            visit.promise is not None and visit.promise.therapist_id != therapist.id
        ),
    )
    if weights.retime_per_s <= 0:
        return
    for node, visit in enumerate(model.visits):
        if visit.promise is None:
            continue
        index = model.visit_index(node)
        model.time.SetCumulVarSoftLowerBound(index, visit.promise.earliest_s, weights.retime_per_s)
        model.time.SetCumulVarSoftUpperBound(index, visit.promise.latest_s, weights.retime_per_s)


def _add_miss_cost(
    model: RoutingModel, name: str, weight: int, missed: Callable[[Therapist, Visit], bool]
) -> None:
    """A cost of ``weight`` per visit on a route whose therapist ``missed`` it.

    A dimension counts each therapist's misses and its span is priced; finalizer
    variables would not reach the objective. The transits are binary (arc into a missed
    visit), one per distinct miss pattern: vehicle-dependent *unary* transits make
    OR-Tools 9.15 reject every warm start (ReadAssignmentFromRoutes returns None).
    """
    patterns = [tuple(int(missed(t, v)) for v in model.visits) for t in model.therapists]
    if weight <= 0 or not any(any(pattern) for pattern in patterns):
        return
    depot_zeros = [0] * (len(model.node_location) - len(model.visits))
    callbacks: dict[tuple[int, ...], int] = {}
    per_vehicle = []
    for misses in patterns:
        if misses not in callbacks:
            callbacks[misses] = _arrival_callback(model, [*misses, *depot_zeros])
        per_vehicle.append(callbacks[misses])
    routing = model.routing
    routing.AddDimensionWithVehicleTransits(per_vehicle, 0, len(model.visits), True, name)
    routing.GetDimensionOrDie(name).SetSpanCostCoefficientForAllVehicles(weight)


# Above this many matrix entries per pattern, a Python callback replaces the matrix.
MATRIX_CALLBACK_ENTRIES = 1_000_000


def _arrival_callback(model: RoutingModel, values: list[int]) -> int:
    """A binary transit worth ``values[j]`` on every arc into node ``j``."""
    routing = model.routing
    size = len(values)
    if size * size <= MATRIX_CALLBACK_ENTRIES:
        index: int = routing.RegisterTransitMatrix([values] * size)
        return index
    manager = model.manager
    callback: int = routing.RegisterTransitCallback(
        lambda _from, to: values[manager.IndexToNode(to)]
    )
    return callback


def add_balance(model: RoutingModel, service_s: IntMatrix) -> None:
    """Workload balance: price the busiest therapist's service time (a global span)."""
    weight = model.problem.weights.balance_per_s
    if weight <= 0:
        return
    callback = _unary_callback(model, [int(s) for s in service_s])
    total = int(service_s.sum())
    model.routing.AddDimension(callback, 0, total, True, SERVICE)
    model.routing.GetDimensionOrDie(SERVICE).SetGlobalSpanCostCoefficient(weight)


def add_waiting(model: RoutingModel) -> None:
    """Price idle time: the time dimension's slack, which is waiting and the break.

    The break is the same on every used route, so what the search can change is waiting:
    breaks fall into waits and days do not stretch.
    """
    weight = model.problem.weights.waiting_per_s
    if weight > 0:
        model.time.SetSlackCostCoefficientForAllVehicles(weight)
