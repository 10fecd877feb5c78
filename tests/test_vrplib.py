"""The VRPLIB loader against the Solomon and Gehring-Homberger files in ``shared/data``."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pytest

from benchmarks.vrplib import (
    VrplibInstance,
    euclidean_matrix,
    read_bks,
    read_instance,
    read_solution,
    real_valued_violations,
    route_distance,
    to_problem,
)
from tests.shared_data import shared_data, shared_params

if TYPE_CHECKING:
    from pathlib import Path

SOLOMON_WHY = "the Solomon VRPTW instances and their best known solutions"

TINY = """NAME : TINY
TYPE : CVRPTW
DIMENSION : 3
VEHICLES : 2
CAPACITY : 10
EDGE_WEIGHT_TYPE : EUC_2D
NODE_COORD_SECTION
1 0 0
2 3 4
3 0 1.5
DEMAND_SECTION
1 0
2 4
3 7
TIME_WINDOW_SECTION
1 0 100
2 10 20
3 0 50
SERVICE_TIME_SECTION
1 0
2 5
3 2.5
DEPOT_SECTION
1
-1
EOF
"""


@pytest.fixture
def solomon() -> Path:
    """``../shared/data/solomon``; the test skips when it is not beside the checkout."""
    return shared_data("solomon", SOLOMON_WHY)


@pytest.fixture
def c101(solomon: Path) -> VrplibInstance:
    """Solomon C101: clustered customers, 25 vehicles of capacity 200, service time 90."""
    return read_instance(solomon / "C101.vrp")


@pytest.fixture
def tiny(tmp_path: Path) -> VrplibInstance:
    """Three nodes with a SERVICE_TIME_SECTION and fractional values."""
    path = tmp_path / "tiny.vrp"
    path.write_text(TINY)
    return read_instance(path)


def test_read_instance_puts_file_node_k_at_index_k_minus_1(c101: VrplibInstance) -> None:
    assert c101.name == "C101"
    assert c101.node_count == 101
    assert c101.depot == 0
    assert (c101.capacity, c101.vehicles) == (200, 25)
    assert c101.coordinates[0].tolist() == [40, 50]
    assert c101.coordinates[1].tolist() == [45, 68]
    assert c101.coordinates[100].tolist() == [55, 85]
    assert c101.demands[0] == 0
    assert c101.demands[1] == 10
    assert c101.time_windows[0].tolist() == [0, 1236]
    assert c101.time_windows[1].tolist() == [912, 967]
    assert c101.time_windows[100].tolist() == [647, 726]
    assert c101.service_times[0] == 0
    assert set(c101.service_times[1:].tolist()) == {90}


def test_read_instance_takes_a_service_time_section(tiny: VrplibInstance) -> None:
    assert tiny.service_times.tolist() == [0, 5, 2.5]
    assert tiny.demands.tolist() == [0, 4, 7]
    assert tiny.coordinates[2].tolist() == [0, 1.5]


def test_read_instance_rejects_a_depot_other_than_node_1(tmp_path: Path) -> None:
    path = tmp_path / "other_depot.vrp"
    path.write_text(TINY.replace("DEPOT_SECTION\n1\n", "DEPOT_SECTION\n2\n"))
    with pytest.raises(ValueError, match="node 1"):
        read_instance(path)


def test_read_solution_numbers_customers_1_to_n(c101: VrplibInstance, solomon: Path) -> None:
    routes = read_solution(solomon / "C101.sol")
    assert len(routes) == 10
    assert routes[0][:3] == [5, 3, 7]
    visited = sorted(customer for route in routes for customer in route)
    assert visited == list(range(1, c101.node_count))


def test_c101_solution_cost_matches_the_dimacs_bks(c101: VrplibInstance, solomon: Path) -> None:
    """Truncating each edge to one decimal reproduces bks.csv's 827.3 with 10 routes."""
    routes = read_solution(solomon / "C101.sol")
    vehicles, distance = read_bks(solomon / "bks.csv")["C101"]
    assert distance == 827.3
    assert len(routes) == vehicles
    assert route_distance(c101, routes, truncate_decimals=1) == pytest.approx(distance, abs=1e-6)


def test_c101_solution_real_valued_cost_matches_the_hierarchical_bks(
    c101: VrplibInstance, solomon: Path
) -> None:
    routes = read_solution(solomon / "C101.sol")
    vehicles, distance = read_bks(solomon / "bks_hierarchical.csv")["C101"]
    assert len(routes) == vehicles
    assert route_distance(c101, routes) == pytest.approx(distance, abs=0.005)


def test_file_node_numbering_would_not_reproduce_the_cost(
    c101: VrplibInstance, solomon: Path
) -> None:
    """Reading .sol numbers as file nodes (index - 1) gives a very different cost."""
    routes = read_solution(solomon / "C101.sol")
    shifted = [[customer - 1 for customer in route] for route in routes]
    assert abs(route_distance(c101, shifted, truncate_decimals=1) - 827.3) > 100


@pytest.mark.parametrize("name", shared_params("solomon", "*.vrp", SOLOMON_WHY))
def test_every_solomon_solution_reproduces_its_dimacs_cost(name: str, solomon: Path) -> None:
    instance = read_instance(solomon / f"{name}.vrp")
    routes = read_solution(solomon / f"{name}.sol")
    vehicles, distance = read_bks(solomon / "bks.csv")[name]
    assert len(routes) == vehicles
    assert route_distance(instance, routes, truncate_decimals=1) == pytest.approx(
        distance, abs=1e-6
    )


def test_a_gehring_homberger_solution_reproduces_its_dimacs_cost() -> None:
    homberger = shared_data("homberger", "the Gehring-Homberger VRPTW instances and their BKS")
    folder = homberger / "200"
    instance = read_instance(folder / "C1_2_1.vrp")
    routes = read_solution(folder / "C1_2_1.sol")
    vehicles, distance = read_bks(homberger / "bks.csv")["C1_2_1"]
    assert (instance.node_count, instance.vehicles) == (201, 50)
    assert len(routes) == vehicles
    assert route_distance(instance, routes, truncate_decimals=1) == pytest.approx(
        distance, abs=1e-6
    )


def test_read_bks_reads_vehicles_and_distance(solomon: Path) -> None:
    dimacs = read_bks(solomon / "bks.csv")
    hierarchical = read_bks(solomon / "bks_hierarchical.csv")
    assert len(dimacs) == len(hierarchical) == 56
    assert dimacs["R101"] == (20, 1637.7)
    assert hierarchical["R101"] == (19, 1650.80)


def test_euclidean_matrix_is_real_valued() -> None:
    matrix = euclidean_matrix(np.array([[0.0, 0.0], [3.0, 4.0], [1.0, 1.0]]))
    assert matrix.shape == (3, 3)
    assert matrix[0, 1] == 5.0
    assert matrix[1, 0] == 5.0
    assert matrix[0, 2] == pytest.approx(math.sqrt(2))
    assert np.diag(matrix).tolist() == [0, 0, 0]


def test_to_problem_scales_times_and_distances(c101: VrplibInstance) -> None:
    problem = to_problem(c101, scale=100)
    matrix = problem.travel["car"]
    assert problem.location_count == 101
    assert matrix.durations_s.shape == (101, 101)
    assert matrix.durations_s.dtype == np.int64
    assert matrix.distances_m is not None
    # Distances rounded, travel times rounded up (never shorter than the real ones).
    assert matrix.distances_m[0, 1] == round(math.sqrt(5**2 + 18**2) * 100)  # 1868.1 -> 1868
    assert matrix.durations_s[0, 1] == 1869
    assert np.all(matrix.durations_s >= matrix.distances_m)
    assert len(problem.therapists) == 25
    assert len(problem.visits) == 100
    therapist = problem.therapists[0]
    assert (therapist.start_location, therapist.end_location) == (0, 0)
    assert (therapist.shift_start_s, therapist.shift_end_s) == (0, 123600)
    assert therapist.capacity == 200
    assert therapist.skills == frozenset()
    visit = problem.visits[0]
    assert (visit.id, visit.location, visit.service_s, visit.load) == ("c1", 1, 9000, 10)
    assert [(w.start_s, w.end_s) for w in visit.windows] == [(91200, 96700)]


def test_to_problem_rounds_with_another_scale(tiny: VrplibInstance) -> None:
    problem = to_problem(tiny, scale=10)
    assert problem.travel["car"].durations_s[0].tolist() == [0, 50, 15]
    assert [visit.service_s for visit in problem.visits] == [50, 25]
    assert [visit.load for visit in problem.visits] == [4, 7]


def test_fixed_cost_outweighs_any_travel_and_drops_never_pay(c101: VrplibInstance) -> None:
    """One vehicle more costs more than the worst possible total travel."""
    problem = to_problem(c101)
    travel = problem.travel["car"].distances_m
    assert travel is not None
    worst_travel = int(travel[0, 1:].sum() + travel[1:, 0].sum()) + 2 * 100
    weights = problem.weights
    assert weights.therapist_fixed > worst_travel
    assert min(weights.drop_penalty.values()) >= 2 * weights.therapist_fixed
    assert (weights.travel_per_s, weights.distance_per_m) == (0, 1)


def test_the_c101_solution_keeps_every_rule_with_real_valued_times(
    c101: VrplibInstance, solomon: Path
) -> None:
    routes = read_solution(solomon / "C101.sol")
    assert real_valued_violations(c101, routes) == 0


def test_real_valued_violations_count_a_missing_customer_and_a_reversed_route(
    c101: VrplibInstance, solomon: Path
) -> None:
    """C101's first route backwards misses its windows; dropping its last customer leaves
    one unserved."""
    routes = read_solution(solomon / "C101.sol")
    reversed_first = [routes[0][::-1], *routes[1:]]
    assert real_valued_violations(c101, reversed_first) > 0
    assert real_valued_violations(c101, [routes[0][:-1], *routes[1:]]) == 1
