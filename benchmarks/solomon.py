"""Solomon VRPTW benchmark: vehicles, distance and gap to the hierarchical BKS.

Run: ``python -m benchmarks.solomon [--time-limit 30] [INSTANCE ...]``

Each instance goes through ``solver.solve`` as a home-visit day (vehicles are
therapists, customers are must-do visits) and through the independent checker.
Distances are recomputed in floating point from the routes and compared with
``bks_hierarchical.csv`` (SINTEF, fewest vehicles first, real-valued distances).

The hierarchical objective needs fewer vehicles before shorter routes, which a plain
guided local search rarely achieves (it will not empty a route it has). So the time
is split: route elimination first (drop the shortest route, ask the search to fit its
customers into the others, keep the result if every customer fits), then guided local
search on distance with the smallest fleet found.
"""

from __future__ import annotations

import argparse
import statistics
import time
from dataclasses import dataclass, replace
from pathlib import Path

from benchmarks.vrplib import read_bks, read_instance, route_distance, to_problem
from solver import Params, Problem, Solution, solve
from solver.check import check_solution

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "solomon"

# Share of the time limit spent removing routes before polishing distance.
ELIMINATION_SHARE = 0.6
# Failed attempts to remove a route before giving up on fewer vehicles.
MAX_FAILED_ELIMINATIONS = 3


@dataclass(frozen=True)
class Result:
    name: str
    vehicles: int
    distance: float
    unassigned: int
    violations: int
    first_solution_s: float | None
    wall_s: float


def _routes(solution: Solution) -> list[tuple[str, ...]]:
    return [tuple(s.visit_id for s in r.stops) for r in solution.routes if r.stops]


def _with_fleet(problem: Problem, size: int) -> Problem:
    return replace(problem, therapists=problem.therapists[:size])


def _warm(problem: Problem, routes: list[tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    return {t.id: route for t, route in zip(problem.therapists, routes, strict=False)}


def _eliminate_routes(problem: Problem, best: Solution, deadline: float) -> Solution:
    """Drop the route with fewest customers until the rest can no longer absorb it."""
    failures = 0
    while failures < MAX_FAILED_ELIMINATIONS and time.monotonic() < deadline:
        routes = sorted(_routes(best), key=len)
        if len(routes) <= 1:
            break
        # Try the smallest route first, then the next ones after failures.
        kept = routes[:failures] + routes[failures + 1 :]
        smaller = _with_fleet(problem, len(kept))
        budget = min(max(1.0, (deadline - time.monotonic()) / 2), deadline - time.monotonic())
        attempt = solve(smaller, Params(time_limit_s=budget, warm_start=_warm(smaller, kept)))
        if attempt.routes and not attempt.unassigned:
            best, failures = attempt, 0
        else:
            failures += 1
    return best


def solve_hierarchical(problem: Problem, time_limit_s: float) -> Solution:
    """Fewest vehicles first (route elimination), then distance (guided local search)."""
    started = time.monotonic()
    first = solve(problem, Params(time_limit_s=time_limit_s * 0.1))
    best = _eliminate_routes(problem, first, started + time_limit_s * ELIMINATION_SHARE)
    fleet = _with_fleet(problem, len(_routes(best)))
    remaining = max(0.5, time_limit_s - (time.monotonic() - started))
    polished = solve(fleet, Params(time_limit_s=remaining, warm_start=_warm(fleet, _routes(best))))
    final = polished if not polished.unassigned and polished.routes else best
    return replace(final, stats=replace(final.stats, first_solution_s=first.stats.first_solution_s))


def run(name: str, time_limit_s: float) -> Result:
    instance = read_instance(DATA / f"{name}.vrp")
    problem = to_problem(instance)
    started = time.monotonic()
    solution = solve_hierarchical(problem, time_limit_s)
    wall_s = time.monotonic() - started
    fleet = _with_fleet(problem, len(solution.routes))
    routes = [[int(visit_id[1:]) for visit_id in route] for route in _routes(solution)]
    return Result(
        name,
        len(routes),
        route_distance(instance, routes),
        len(solution.unassigned),
        len(check_solution(fleet, solution)),
        solution.stats.first_solution_s,
        wall_s,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("instances", nargs="*", help="names such as R101 (default: all 56)")
    parser.add_argument("--time-limit", type=float, default=30.0, help="seconds per instance")
    args = parser.parse_args()
    names = args.instances or sorted(p.stem for p in DATA.glob("*.vrp"))
    bks = read_bks(DATA / "bks_hierarchical.csv")
    print(f"Solomon, {args.time_limit:g} s per instance, gap to bks_hierarchical.csv distance")
    print(
        f"{'instance':<9}{'veh':>4}{'bks':>4}{'distance':>10}{'bks':>10}{'gap %':>8}"
        f"{'unass':>6}{'viol':>5}{'first s':>8}{'wall s':>7}"
    )
    gaps, same_fleet, feasible = [], 0, 0
    for name in names:
        result = run(name, args.time_limit)
        bks_vehicles, bks_distance = bks[name]
        gap = 100 * (result.distance - bks_distance) / bks_distance
        gaps.append(gap)
        same_fleet += result.vehicles <= bks_vehicles
        feasible += result.unassigned == 0 and result.violations == 0
        first = "-" if result.first_solution_s is None else f"{result.first_solution_s:.2f}"
        print(
            f"{name:<9}{result.vehicles:>4}{bks_vehicles:>4}{result.distance:>10.2f}"
            f"{bks_distance:>10.2f}{gap:>+8.2f}{result.unassigned:>6}{result.violations:>5}"
            f"{first:>8}{result.wall_s:>7.1f}",
            flush=True,
        )
    print(
        f"instances {len(names)}, feasible with 0 violations {feasible}, "
        f"vehicles = BKS {same_fleet}, mean gap {statistics.fmean(gaps):+.2f}%"
    )


if __name__ == "__main__":
    main()
