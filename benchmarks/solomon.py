"""Solomon VRPTW benchmark: vehicles, distance and gap to the hierarchical BKS.

Run: ``python -m benchmarks.solomon [--time-limit 30] [INSTANCE ...]``

Each instance goes through ``solver.solve`` as a home-visit day (vehicles are
therapists, customers are must-do visits) and through the independent checker.
Distances are recomputed in floating point from the routes and compared with
``bks_hierarchical.csv`` (SINTEF, fewest vehicles first, real-valued distances).

The hierarchical objective needs fewer vehicles before shorter routes, which a plain
guided local search rarely achieves (it will not empty a route it has). So the time
is split: route elimination first (plan again with one vehicle fewer while every
customer still fits), then guided local search on distance with the smallest fleet
found, starting from that plan.
"""

from __future__ import annotations

import argparse
import statistics
import time
from dataclasses import dataclass, replace
from pathlib import Path

from benchmarks.vrplib import read_bks, read_instance, route_distance, to_problem
from solver import Metaheuristic, Params, Problem, Solution, solve
from solver.check import check_solution

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "solomon"

ILS = Metaheuristic.ITERATED_LOCAL_SEARCH
# Share of the time limit for the first plan, on the whole fleet.
FIRST_SHARE = 0.25
# Share of the time limit spent (from the start) removing routes before polishing distance.
ELIMINATION_SHARE = 0.6
# Share of the time limit for one attempt with one vehicle fewer.
STEP_SHARE = 0.2


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


def _eliminate_routes(
    problem: Problem, best: Solution, deadline: float, step_s: float, workers: int
) -> Solution:
    """Solve afresh with one vehicle fewer until not every customer fits any more.

    A fresh search for the smaller fleet does better than a warm start with one route
    removed: guided local search rarely re-inserts the last few customers. Ruin and
    recreate does it more often than GLS (R102 and RC105 lost a vehicle in a trial).
    """
    while time.monotonic() < deadline:
        fleet = len(_routes(best)) - 1
        budget = min(step_s, deadline - time.monotonic())
        if fleet < 1 or budget <= 0:
            break
        params = Params(time_limit_s=budget, metaheuristic=ILS, workers=workers)
        attempt = solve(_with_fleet(problem, fleet), params)
        if attempt.unassigned or not attempt.routes:
            break
        best = attempt
    return best


def solve_hierarchical(problem: Problem, time_limit_s: float, workers: int = 1) -> Solution:
    """Fewest vehicles first (route elimination), then distance.

    Iterated local search (ruin and recreate) finds the shortest routes but cannot start
    from a given plan; guided local search can. So: ILS on the whole fleet, eliminate
    routes, then ILS afresh on the smallest fleet and GLS from the best plan so far,
    keeping the better.
    """
    started = time.monotonic()
    ils = Params(time_limit_s=time_limit_s * FIRST_SHARE, metaheuristic=ILS, workers=workers)
    first = solve(problem, ils)
    best = _eliminate_routes(
        problem,
        first,
        started + time_limit_s * ELIMINATION_SHARE,
        time_limit_s * STEP_SHARE,
        workers,
    )
    fleet = _with_fleet(problem, len(_routes(best)))
    remaining = time_limit_s - (time.monotonic() - started)
    candidates = [best]
    if remaining > 1:
        fresh = solve(fleet, replace(ils, time_limit_s=remaining / 2))
        warm = Params(
            time_limit_s=remaining / 2, warm_start=_warm(fleet, _routes(best)), workers=workers
        )
        candidates += [fresh, solve(fleet, warm)]
    complete = [c for c in candidates if c.routes and not c.unassigned]
    final = min(complete, key=lambda c: (len(_routes(c)), c.cost.objective))
    return replace(final, stats=replace(final.stats, first_solution_s=first.stats.first_solution_s))


def run(name: str, time_limit_s: float, workers: int = 1) -> Result:
    instance = read_instance(DATA / f"{name}.vrp")
    problem = to_problem(instance)
    started = time.monotonic()
    solution = solve_hierarchical(problem, time_limit_s, workers)
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
    parser.add_argument("--workers", type=int, default=1, help="processes per search (portfolio)")
    args = parser.parse_args()
    names = args.instances or sorted(p.stem for p in DATA.glob("*.vrp"))
    bks = read_bks(DATA / "bks_hierarchical.csv")
    print(
        f"Solomon, {args.time_limit:g} s per instance, {args.workers} worker(s), "
        "gap to bks_hierarchical.csv distance"
    )
    print(
        f"{'instance':<9}{'veh':>4}{'bks':>4}{'distance':>10}{'bks':>10}{'gap %':>8}"
        f"{'unass':>6}{'viol':>5}{'first s':>8}{'wall s':>7}"
    )
    gaps, same_fleet, feasible = [], 0, 0
    for name in names:
        result = run(name, args.time_limit, args.workers)
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
