"""Solomon and Gehring-Homberger VRPTW benchmark: vehicles, distance, gap to the hierarchical BKS.

Run: ``python -m benchmarks.solomon [--data homberger/1000] [--peer] [--time-limit 30]
[--workers N] [INSTANCE ...]``. ``--data`` is a folder of ``../shared/data`` (default
``solomon``); ``--peer`` also runs PyVRP (``benchmarks.pyvrp_peer``) on each instance for the
same time, one after the other, and prints its figures beside ours.

Each instance goes through ``solver.solve`` as a home-visit day (vehicles are
therapists, customers are must-do visits) and through the independent checker.
Distances are recomputed in floating point from the routes and compared with
``bks_hierarchical.csv`` (SINTEF, fewest vehicles first, real-valued distances).

The hierarchical objective needs fewer vehicles before shorter routes, which a plain
guided local search rarely achieves (it will not empty a route it has). So the time
is split: route elimination first (plan again with one vehicle fewer while every
customer still fits), then guided local search on distance with the smallest fleet
found, starting from that plan. Every phase runs for its whole share (no stop on a stall),
as PyVRP runs for the whole limit.
"""

from __future__ import annotations

import argparse
import statistics
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from benchmarks.pyvrp_peer import solve_with_pyvrp
from benchmarks.vrplib import (
    VrplibInstance,
    read_bks,
    read_instance,
    real_valued_violations,
    route_distance,
    to_problem,
)
from solver import Metaheuristic, Params, Problem, Solution, solve
from solver.check import check_solution
from solver.in_process import by_neighbourhoods

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"

ILS = Metaheuristic.ITERATED_LOCAL_SEARCH
GLS = Metaheuristic.GUIDED_LOCAL_SEARCH
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
        params = Params(budget, metaheuristic=ILS, workers=workers, stall_solutions=0)
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
    ils = Params(time_limit_s * FIRST_SHARE, metaheuristic=ILS, workers=workers, stall_solutions=0)
    if by_neighbourhoods(problem, ils):
        # A day this large is improved by neighbourhoods, which empty a route whenever its
        # visits fit elsewhere (a vehicle costs more than any travel): one search, all the time.
        return solve(problem, replace(ils, time_limit_s=time_limit_s, metaheuristic=GLS))
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
        warm = replace(
            ils,
            time_limit_s=remaining / 2,
            metaheuristic=GLS,
            warm_start=_warm(fleet, _routes(best)),
        )
        candidates += [fresh, solve(fleet, warm)]
    complete = [c for c in candidates if c.routes and not c.unassigned]
    final = min(complete, key=lambda c: (len(_routes(c)), c.cost.objective))
    return replace(final, stats=replace(final.stats, first_solution_s=first.stats.first_solution_s))


def run(path: Path, time_limit_s: float, workers: int = 1) -> Result:
    instance = read_instance(path)
    problem = to_problem(instance)
    started = time.monotonic()
    solution = solve_hierarchical(problem, time_limit_s, workers)
    wall_s = time.monotonic() - started
    fleet = _with_fleet(problem, len(solution.routes))
    routes = [[int(visit_id[1:]) for visit_id in route] for route in _routes(solution)]
    violations = len(check_solution(fleet, solution)) + real_valued_violations(instance, routes)
    return _result(instance, routes, violations, solution.stats.first_solution_s, wall_s)


def run_peer(path: Path, time_limit_s: float) -> Result:
    """PyVRP on the same instance, its routes measured as ours are."""
    instance = read_instance(path)
    plan = solve_with_pyvrp(path, time_limit_s)
    violations = real_valued_violations(instance, plan.routes)
    return _result(instance, plan.routes, violations, None, plan.wall_s)


def _result(
    instance: VrplibInstance,
    routes: list[list[int]],
    violations: int,
    first_solution_s: float | None,
    wall_s: float,
) -> Result:
    served = {customer for route in routes for customer in route}
    return Result(
        instance.name,
        len(routes),
        route_distance(instance, routes),
        instance.node_count - 1 - len(served),
        violations,
        first_solution_s,
        wall_s,
    )


@dataclass
class Tally:
    """One solver's totals over the instances."""

    gaps: list[float] = field(default_factory=list)
    same_fleet: int = 0
    feasible: int = 0
    same_fleet_gaps: list[float] = field(default_factory=list)

    def add(self, result: Result, bks: tuple[int, float]) -> float:
        gap = 100 * (result.distance - bks[1]) / bks[1]
        self.gaps.append(gap)
        self.same_fleet += result.vehicles <= bks[0]
        self.feasible += result.unassigned == 0 and result.violations == 0
        if result.vehicles <= bks[0]:
            self.same_fleet_gaps.append(gap)
        return gap

    def summary(self, label: str) -> str:
        over_same = statistics.fmean(self.same_fleet_gaps) if self.same_fleet_gaps else 0.0
        return (
            f"{label}: instances {len(self.gaps)}, feasible with 0 violations {self.feasible}, "
            f"vehicles <= BKS {self.same_fleet} (mean gap over those {over_same:+.2f}%), "
            f"mean gap {statistics.fmean(self.gaps):+.2f}%"
        )


def _row(label: str, result: Result, bks: tuple[int, float], gap: float) -> str:
    first = "-" if result.first_solution_s is None else f"{result.first_solution_s:.2f}"
    return (
        f"{result.name:<9}{label:<6}{result.vehicles:>4}{bks[0]:>4}{result.distance:>10.2f}"
        f"{bks[1]:>10.2f}{gap:>+8.2f}{result.unassigned:>6}{result.violations:>5}"
        f"{first:>8}{result.wall_s:>7.1f}"
    )


def _bks_file(folder: Path) -> Path:
    """``bks_hierarchical.csv`` in the folder, or above it (Gehring-Homberger's sizes)."""
    here = folder / "bks_hierarchical.csv"
    return here if here.exists() else folder.parent / "bks_hierarchical.csv"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("instances", nargs="*", help="names such as R101 (default: all)")
    parser.add_argument("--data", default="solomon", help="folder of ../shared/data")
    parser.add_argument("--time-limit", type=float, default=30.0, help="seconds per instance")
    parser.add_argument("--workers", type=int, default=1, help="processes per search (portfolio)")
    parser.add_argument("--peer", action="store_true", help="also run PyVRP on each instance")
    args = parser.parse_args()
    folder = SHARED / args.data
    names = args.instances or sorted(p.stem for p in folder.glob("*.vrp"))
    bks = read_bks(_bks_file(folder))
    print(
        f"{args.data}, {args.time_limit:g} s per instance, {args.workers} worker(s), "
        "gap to bks_hierarchical.csv distance, violations with real-valued times"
    )
    print(
        f"{'instance':<9}{'solver':<6}{'veh':>4}{'bks':>4}{'distance':>10}{'bks':>10}"
        f"{'gap %':>8}{'unass':>6}{'viol':>5}{'first s':>8}{'wall s':>7}"
    )
    ours, peer = Tally(), Tally()
    for name in names:
        path = folder / f"{name}.vrp"
        result = run(path, args.time_limit, args.workers)
        print(_row("ours", result, bks[name], ours.add(result, bks[name])), flush=True)
        if args.peer:
            other = run_peer(path, args.time_limit)
            print(_row("pyvrp", other, bks[name], peer.add(other, bks[name])), flush=True)
    print(ours.summary("ours"))
    if args.peer:
        print(peer.summary("pyvrp"))


if __name__ == "__main__":
    main()
