"""plan_to_json: the plan JSON of DESIGN.md section 9 from a hand-built Solution."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import numpy as np
import pytest

from scheduler.day_json.plan import plan_to_json
from scheduler.day_json.problem import ParsedProblem
from solver.problem import BreakRule, Problem, Therapist, TravelMatrix, Visit
from solver.solution import (
    Route,
    Solution,
    SolveStats,
    SolveStatus,
    Stop,
    Unassigned,
    UnassignedReason,
)

H = 3600


@pytest.fixture
def parsed() -> ParsedProblem:
    """Three therapists (t2 unused), three visits; v1 and v3 prefer t1, v2 has no preference."""
    matrix = TravelMatrix(
        durations_s=np.full((3, 3), 600, dtype=np.int64),
        distances_m=np.full((3, 3), 5000, dtype=np.int64),
    )
    therapists = tuple(
        Therapist(
            id=therapist_id,
            start_location=0,
            end_location=0,
            shift_start_s=8 * H,
            shift_end_s=16 * H,
            break_rule=BreakRule(11 * H, 14 * H, 1800),
            overtime_max_s=H,
        )
        for therapist_id in ("t1", "t2", "t3")
    )
    visits = (
        Visit("v1", 1, 2700, preferred_therapists=frozenset({"t1"})),
        Visit("v2", 2, 3600),
        Visit("v3", 2, 1800, preferred_therapists=frozenset({"t1", "t2"})),
    )
    problem = Problem({"car": matrix}, therapists, visits, day_label="2026-11-30")
    return ParsedProblem(problem, dt.date(2026, 11, 30), "Europe/Andorra", ("home", "p1", "p2"))


@pytest.fixture
def solution() -> Solution:
    """t3 (listed first) does v1 then v2 past its shift end with a break; v3 is unassigned."""
    t3_route = Route(
        therapist_id="t3",
        stops=(
            Stop(
                "v1",
                arrival_s=9 * H,
                start_s=9 * H + 600,
                end_s=9 * H + 3300,
                travel_s=600,
                distance_m=5000,
                wait_s=600,
            ),
            Stop(
                "v2",
                arrival_s=15 * H + 600,
                start_s=15 * H + 600,
                end_s=16 * H + 600,
                travel_s=600,
                distance_m=5000,
                wait_s=0,
            ),
        ),
        start_s=8 * H + 3000,
        end_s=16 * H + 1200,
        break_start_s=12 * H,
        break_end_s=12 * H + 1800,
        travel_s=1800,
        distance_m=15000,
        work_s=8 * H + 1200 - 3000 - 1800,
    )
    return Solution(
        status=SolveStatus.PARTIAL,
        routes=(t3_route,),
        unassigned=(Unassigned("v3", UnassignedReason.CAPACITY, "t1 is full"),),
        stats=SolveStats(
            wall_s=1.23456,
            first_solution_s=0.0421,
            solutions_found=7,
            strategy="parallel_cheapest_insertion+gls",
        ),
    )


def test_header_and_solver_statistics(parsed: ParsedProblem, solution: Solution) -> None:
    plan = plan_to_json(parsed, solution)
    assert (plan["status"], plan["error"]) == ("partial", None)
    assert (plan["date"], plan["timezone"]) == ("2026-11-30", "Europe/Andorra")
    assert plan["solver"] == {
        "wall_s": 1.235,
        "first_solution_s": 0.042,
        "solutions_found": 7,
        "strategy": "parallel_cheapest_insertion+gls",
    }
    assert plan["unassigned"] == [{"visit_id": "v3", "reason": "CAPACITY", "message": "t1 is full"}]


def test_one_route_per_therapist_in_input_order(parsed: ParsedProblem, solution: Solution) -> None:
    routes = plan_to_json(parsed, solution)["routes"]
    assert isinstance(routes, list)
    assert [route["therapist_id"] for route in routes] == ["t1", "t2", "t3"]
    assert routes[0] == {
        "therapist_id": "t1",
        "start": None,
        "end": None,
        "travel_s": 0,
        "distance_m": 0,
        "work_s": 0,
        "break": None,
        "stops": [],
    }


def test_a_used_route_with_times_as_clock_strings(
    parsed: ParsedProblem, solution: Solution
) -> None:
    routes = plan_to_json(parsed, solution)["routes"]
    assert isinstance(routes, list)
    route = routes[2]
    assert (route["start"], route["end"]) == ("08:50:00", "16:20:00")
    assert route["break"] == {"start": "12:00:00", "end": "12:30:00"}
    assert (route["travel_s"], route["distance_m"], route["work_s"]) == (1800, 15000, 25200)
    assert route["stops"][0] == {
        "visit_id": "v1",
        "arrival": "09:00:00",
        "start": "09:10:00",
        "end": "09:55:00",
        "travel_s": 600,
        "distance_m": 5000,
        "wait_s": 600,
    }


def test_kpis(parsed: ParsedProblem, solution: Solution) -> None:
    assert plan_to_json(parsed, solution)["kpis"] == {
        "visits_total": 3,
        "visits_planned": 2,
        "travel_s": 1800,
        "distance_m": 15000,
        "overtime_s": 1200,
        "preferred_hits": 0,
        "preferred_misses": 1,
        "utilisation": round((2700 + 3600) / 25200, 3),
        "waiting_s": 600,  # the stop above, which waits ten minutes for its window
    }


def test_a_preferred_therapist_is_a_hit(parsed: ParsedProblem, solution: Solution) -> None:
    """The same route driven by t1 hits v1's preference; v2 has none and counts for neither."""
    routes = (dataclasses.replace(solution.routes[0], therapist_id="t1"),)
    kpis = plan_to_json(parsed, dataclasses.replace(solution, routes=routes))["kpis"]
    assert isinstance(kpis, dict)
    assert (kpis["preferred_hits"], kpis["preferred_misses"]) == (1, 0)


def test_distances_are_null_without_a_distance_matrix(
    parsed: ParsedProblem, solution: Solution
) -> None:
    durations_only = TravelMatrix(parsed.problem.travel["car"].durations_s)
    problem = dataclasses.replace(parsed.problem, travel={"car": durations_only})
    plan = plan_to_json(dataclasses.replace(parsed, problem=problem), solution)
    routes = plan["routes"]
    kpis = plan["kpis"]
    assert isinstance(routes, list)
    assert isinstance(kpis, dict)
    assert kpis["distance_m"] is None
    assert all(route["distance_m"] is None for route in routes)
    assert routes[2]["stops"][0]["distance_m"] is None


def test_a_failed_plan(parsed: ParsedProblem) -> None:
    failed = Solution(status=SolveStatus.FAILED, error="the solver ran out of memory")
    plan = plan_to_json(parsed, failed)
    assert (plan["status"], plan["error"]) == ("failed", "the solver ran out of memory")
    assert plan["kpis"] == {
        "visits_total": 3,
        "visits_planned": 0,
        "travel_s": 0,
        "distance_m": 0,
        "overtime_s": 0,
        "preferred_hits": 0,
        "preferred_misses": 0,
        "utilisation": 0.0,
        "waiting_s": 0,
    }
    solver = plan["solver"]
    assert isinstance(solver, dict)
    assert solver["first_solution_s"] is None


def test_the_plan_is_json_serialisable(parsed: ParsedProblem, solution: Solution) -> None:
    text = json.dumps(plan_to_json(parsed, solution))
    assert json.loads(text)["routes"][2]["stops"][1]["visit_id"] == "v2"
