"""Solomon and Gehring-Homberger VRPTW instances (VRPLIB format) as solver problems.

Index convention, checked against the ``.sol`` files' costs: the depot is node 1 in the
``.vrp`` file and index 0 here; file node ``k + 1`` is index ``k``. Customer numbers in a
``.sol`` file are these indices (1..n), so a route ``[5, 3, 7]`` visits file nodes 6, 4, 8.

Two cost conventions exist (see ``shared/data/README.md``): ``bks.csv`` is CVRPLIB/DIMACS
(each edge truncated to one decimal, distance only) and ``bks_hierarchical.csv`` is the
SINTEF table (real-valued distances, fewest vehicles first). ``route_distance`` computes
either.
"""

from __future__ import annotations

import csv
import itertools
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from solver.problem import (
    DEFAULT_TRAVEL_MODE,
    ObjectiveWeights,
    Priority,
    Problem,
    Therapist,
    TimeWindow,
    TravelMatrix,
    Visit,
)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, eq=False)
class VrplibInstance:
    """One VRPTW instance; arrays are indexed by node index (file node number - 1).

    ``coordinates`` is (n, 2), ``time_windows`` (n, 2) as [ready, due] where due is the
    latest start of service (for the depot: the latest return). ``vehicles`` is the
    fleet limit from the header.
    """

    name: str
    coordinates: FloatArray
    demands: IntArray
    capacity: int
    vehicles: int
    service_times: FloatArray
    time_windows: FloatArray
    depot: int = 0

    @property
    def node_count(self) -> int:
        return int(self.coordinates.shape[0])


def read_instance(path: Path | str) -> VrplibInstance:
    """Read a VRPTW instance in VRPLIB format (single depot, node 1)."""
    header, sections = _parse_vrplib(Path(path).read_text())
    size = int(header["DIMENSION"])
    depots = [int(row[0]) for row in sections.get("DEPOT_SECTION", []) if row[0] != "-1"]
    if depots != [1]:
        raise ValueError(f"{path}: DEPOT_SECTION must name node 1 alone, found {depots}")
    if "SERVICE_TIME_SECTION" in sections:
        service = _node_column(sections, "SERVICE_TIME_SECTION", size, 1)
    else:
        service = np.full(size, float(header.get("SERVICE_TIME", "0")))
        service[0] = 0.0
    return VrplibInstance(
        name=header.get("NAME", Path(path).stem),
        coordinates=_node_column(sections, "NODE_COORD_SECTION", size, 2),
        demands=_node_column(sections, "DEMAND_SECTION", size, 1).astype(np.int64),
        capacity=int(header["CAPACITY"]),
        vehicles=int(header.get("VEHICLES", size - 1)),
        service_times=service,
        time_windows=_node_column(sections, "TIME_WINDOW_SECTION", size, 2),
    )


def _parse_vrplib(text: str) -> tuple[dict[str, str], dict[str, list[list[str]]]]:
    """Split a VRPLIB file into ``KEY : value`` headers and the rows of each section."""
    header: dict[str, str] = {}
    sections: dict[str, list[list[str]]] = {}
    current: list[list[str]] | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line == "EOF":
            continue
        if line.endswith("_SECTION"):
            current = sections.setdefault(line, [])
        elif current is None:
            key, _, value = line.partition(":")
            header[key.strip()] = value.strip()
        else:
            current.append(line.split())
    return header, sections


def _node_column(
    sections: dict[str, list[list[str]]], name: str, size: int, width: int
) -> FloatArray:
    """The values of one section as an array indexed by node index (squeezed if width 1)."""
    if name not in sections:
        raise ValueError(f"the instance has no {name}")
    values = np.zeros((size, width))
    seen = np.zeros(size, dtype=bool)
    for row in sections[name]:
        index = int(row[0]) - 1
        values[index] = [float(cell) for cell in row[1 : 1 + width]]
        seen[index] = True
    if not seen.all():
        raise ValueError(f"{name} lacks nodes {(np.flatnonzero(~seen) + 1).tolist()}")
    return values[:, 0] if width == 1 else values


def read_solution(path: Path | str) -> list[list[int]]:
    """The routes of a ``.sol`` file, customers numbered as in the file (node indices)."""
    routes: list[list[int]] = []
    for line in Path(path).read_text().splitlines():
        if line.startswith("Route"):
            routes.append([int(token) for token in line.partition(":")[2].split()])
    return routes


def read_bks(csv_path: Path | str) -> dict[str, tuple[int, float]]:
    """Best known solutions: instance name -> (vehicles, distance)."""
    with Path(csv_path).open(newline="") as handle:
        return {
            row["instance"]: (int(row["vehicles"]), float(row["distance"]))
            for row in csv.DictReader(handle)
        }


def euclidean_matrix(coordinates: FloatArray) -> FloatArray:
    """Real-valued Euclidean distances between all pairs of points of an (n, 2) array."""
    delta = coordinates[:, np.newaxis, :] - coordinates[np.newaxis, :, :]
    return np.hypot(delta[..., 0], delta[..., 1])


def route_distance(
    instance: VrplibInstance, routes: list[list[int]], truncate_decimals: int | None = None
) -> float:
    """Total length of routes that start and end at the depot.

    ``truncate_decimals=None`` sums real-valued distances (the hierarchical BKS
    convention); ``truncate_decimals=1`` truncates every edge to one decimal first, the
    CVRPLIB/DIMACS convention of ``bks.csv``.
    """
    coordinates = instance.coordinates
    total = 0.0
    for route in routes:
        path = [instance.depot, *route, instance.depot]
        for origin, destination in itertools.pairwise(path):
            edge = math.dist(coordinates[origin], coordinates[destination])
            if truncate_decimals is not None:
                factor = 10**truncate_decimals
                # The epsilon keeps an edge such as 0.3 (stored as 0.2999...) at 0.3.
                edge = math.floor(edge * factor + 1e-9) / factor
            total += edge
    return total


def to_problem(instance: VrplibInstance, scale: int = 1000) -> Problem:
    """The instance as a solver problem: one therapist per vehicle, one visit per customer.

    Distances are multiplied by ``scale`` and rounded; travel *times* are rounded up, so
    a plan that keeps every window with them keeps it with real-valued times too (the
    hierarchical BKS convention). Visit ``c<k>`` is customer ``k`` of the ``.sol`` files
    (location ``k``). See ``hierarchical_weights`` for the objective.
    """
    scaled = euclidean_matrix(instance.coordinates) * scale
    durations = np.ceil(scaled - 1e-9).astype(np.int64)
    distances = np.rint(scaled).astype(np.int64)
    windows = np.rint(instance.time_windows * scale).astype(np.int64)
    return Problem(
        travel={DEFAULT_TRAVEL_MODE: TravelMatrix(durations_s=durations, distances_m=distances)},
        therapists=_vehicles(instance, windows),
        visits=_customers(instance, windows, scale),
        weights=hierarchical_weights(distances, instance.depot),
        day_label=instance.name,
    )


def _vehicles(instance: VrplibInstance, windows: IntArray) -> tuple[Therapist, ...]:
    """One therapist per vehicle of the fleet, on duty for the depot's window."""
    depot = instance.depot
    return tuple(
        Therapist(
            id=f"t{number:03d}",
            start_location=depot,
            end_location=depot,
            shift_start_s=int(windows[depot, 0]),
            shift_end_s=int(windows[depot, 1]),
            capacity=instance.capacity,
        )
        for number in range(1, instance.vehicles + 1)
    )


def _customers(instance: VrplibInstance, windows: IntArray, scale: int) -> tuple[Visit, ...]:
    """One visit per customer; the window bounds the start of service."""
    service = np.rint(instance.service_times * scale).astype(np.int64)
    return tuple(
        Visit(
            id=f"c{index}",
            location=index,
            service_s=int(service[index]),
            windows=(TimeWindow(int(windows[index, 0]), int(windows[index, 1])),),
            priority=Priority.MUST,
            load=int(instance.demands[index]),
        )
        for index in range(instance.node_count)
        if index != instance.depot
    )


def hierarchical_weights(travel: IntArray, depot: int) -> ObjectiveWeights:
    """Weights that minimise vehicles first, then travel, and never drop a customer.

    By the triangle inequality every edge i->j is at most d(i,0) + d(0,j), so any
    solution's travel is at most the sum of all depot round trips, plus one unit per edge
    for rounding (at most 2n edges). The fixed cost per used vehicle is that bound plus
    one: no travel saving can pay for an extra vehicle. Dropping a customer saves at most
    one vehicle and less than one bound of travel, so a drop penalty of twice the fixed
    cost never pays.
    """
    customers = travel.shape[0] - 1
    round_trips = int(travel[depot, :].sum() + travel[:, depot].sum())
    fixed = round_trips + 2 * customers + 1
    return ObjectiveWeights(
        travel_per_s=0,
        distance_per_m=1,
        preference_miss=0,
        therapist_fixed=fixed,
        drop_penalty=dict.fromkeys(Priority, 2 * fixed),
    )


def real_valued_violations(instance: VrplibInstance, routes: list[list[int]]) -> int:
    """Broken rules of routes timed with real-valued travel: late starts of service, late
    returns, overloads, and customers missing or served twice.

    Independent of any solver's integer scaling, so ours and a peer's plans are judged
    alike (the hierarchical BKS convention).
    """
    windows, service = instance.time_windows, instance.service_times
    depot, tolerance = instance.depot, 1e-6
    served = [customer for route in routes for customer in route]
    customers = instance.node_count - 1
    violations = customers - len(set(served)) + len(served) - len(set(served))
    for route in routes:
        clock, here = float(windows[depot, 0]), depot
        for customer in route:
            clock = max(
                clock + math.dist(instance.coordinates[here], instance.coordinates[customer]),
                float(windows[customer, 0]),
            )
            violations += clock > windows[customer, 1] + tolerance
            clock += service[customer]
            here = customer
        back = clock + math.dist(instance.coordinates[here], instance.coordinates[depot])
        violations += back > windows[depot, 1] + tolerance
        violations += int(instance.demands[route].sum()) > instance.capacity
    return int(violations)
