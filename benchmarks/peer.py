"""Our solver against VROOM on the same generated days, one after the other.

Usage: ``python -m benchmarks.peer --sizes medium large --seeds 1 2 3 [--towns T ...]
[--time-limit S] [--peer-time-limit S] [--workers N] [--no-preferences] [--json FILE]``.
Each day comes from ``scheduler.day_json.generate`` with its geodesic matrices from
``parse_problem``; our solve gets the solver issue's limit for the size (``LIMITS_S``, or
``S``) on ``N`` processes (2, as VROOM gets 2 threads), VROOM the same limit unless told
otherwise (``PEER_LIMITS_S``: more for xlarge, as the issue's target says). Both plans
go through our independent checker and are measured the same way from their routes. The two
solves never run at once: the benchmark machine has two cores and VROOM uses both.

Needs the ``benchmark`` extra (``pip install -e '.[benchmark]'``) for pyvroom.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections import Counter
from dataclasses import asdict, dataclass, field, replace
from typing import TYPE_CHECKING

from benchmarks.vroom_peer import load_vroom, solve_with_vroom
from scheduler.day_json.generate import SIZES, generate_day
from scheduler.day_json.problem import parse_problem
from solver import Params, Priority, solve
from solver.check import ViolationKind, check_solution

if TYPE_CHECKING:
    from solver import Problem, Route, Solution

HEADER = (
    f"{'day':<16} {'solver':<6} {'visits':>6} {'planned':>7} {'must':>4} {'high':>4} "
    f"{'normal':>6} {'low':>4} {'penalty':>11} {'travel_h':>8} {'wait_min':>8} "
    f"{'pref':>7} {'wall_s':>6} {'violations':>10} {'max_work':>8}"
)
SHOWN_VIOLATIONS = 3
# The solver issue's targets: our limit by size, and the peer's where it differs.
LIMITS_S = {"small": 10.0, "demo": 10.0, "medium": 30.0, "large": 60.0, "xlarge": 120.0}
PEER_LIMITS_S = {"xlarge": 150.0}
# The priorities whose drops count as an inversion when the peer kept them all.
INVERSION_PRIORITIES = (Priority.MUST, Priority.HIGH, Priority.NORMAL)


@dataclass(frozen=True)
class PlanRow:
    """One solver's plan of one day, measured from its routes."""

    day: str
    solver: str
    visits: int
    planned: int
    dropped: dict[str, int]
    drop_penalty: int
    travel_s: int
    waiting_s_per_route: float
    preference_hits: int
    preference_eligible: int
    wall_s: float
    violations: int
    max_work_breaks: int
    first_violations: list[str] = field(default_factory=list)


def waiting_s(problem: Problem, route: Route) -> int:
    """Idle time on a route: before each stop, its start - (previous end + drive).

    The previous end of the first stop is the departure. The break is not idle: its length
    comes off the gap it lies in. Computed from the stop times and the matrix only, so both
    solvers' plans are measured alike whatever their own ``wait_s`` says.
    """
    therapist = next(t for t in problem.therapists if t.id == route.therapist_id)
    durations = problem.matrix_for(therapist).durations_s
    locations = {v.id: v.location for v in problem.visits}
    if route.start_s is None:
        return 0
    span = None
    if route.break_start_s is not None and route.break_end_s is not None:
        span = (route.break_start_s, route.break_end_s)
    total, location, free_s = 0, therapist.start_location, route.start_s
    for stop in route.stops:
        gap_s = stop.start_s - free_s - int(durations[location, locations[stop.visit_id]])
        if span is not None and free_s <= span[0] and span[1] <= stop.start_s:
            gap_s -= span[1] - span[0]
        total += gap_s
        location, free_s = locations[stop.visit_id], stop.end_s
    return total


def preference_figures(problem: Problem, solution: Solution) -> tuple[int, int]:
    """(visits on a preferred therapist, visits with a preferred therapist on shift)."""
    on_shift = {t.id for t in problem.therapists}
    eligible = {v.id: v.preferred_therapists for v in problem.visits}
    eligible = {vid: preferred for vid, preferred in eligible.items() if preferred & on_shift}
    hits = sum(
        1
        for route in solution.routes
        for stop in route.stops
        if route.therapist_id in eligible.get(stop.visit_id, frozenset())
    )
    return hits, len(eligible)


def measure(problem: Problem, solution: Solution, day: str, solver: str, wall_s: float) -> PlanRow:
    """The row of one plan: counts, costs and the checker's verdict."""
    priority = {v.id: v.priority for v in problem.visits}
    dropped = Counter(priority[item.visit_id] for item in solution.unassigned)
    used = [route for route in solution.routes if route.is_used]
    waiting = sum(waiting_s(problem, route) for route in used)
    violations = check_solution(problem, solution)
    max_work = [v for v in violations if v.kind == ViolationKind.MAX_WORK]
    others = [v for v in violations if v.kind != ViolationKind.MAX_WORK]
    hits, eligible = preference_figures(problem, solution)
    return PlanRow(
        day=day,
        solver=solver,
        visits=len(problem.visits),
        planned=solution.planned_count,
        dropped={p.value: dropped[p] for p in Priority},
        drop_penalty=sum(problem.weights.drop_penalty[p] * n for p, n in dropped.items()),
        travel_s=sum(route.travel_s for route in solution.routes),
        waiting_s_per_route=waiting / len(used) if used else 0.0,
        preference_hits=hits,
        preference_eligible=eligible,
        wall_s=wall_s,
        violations=len(others),
        max_work_breaks=len(max_work),
        first_violations=[f"{v.kind}: {v.message}" for v in others[:SHOWN_VIOLATIONS]],
    )


def load_day(size: str, seed: int, town: str | None, no_preferences: bool) -> Problem:
    """The generated day, without preferred therapists when asked."""
    data = generate_day(size, seed, town=town or "leeds")
    problem = parse_problem(data).problem
    if not no_preferences:
        return problem
    visits = tuple(replace(v, preferred_therapists=frozenset()) for v in problem.visits)
    return replace(problem, visits=visits)


def run_day(
    problem: Problem, day: str, seed: int, limits: tuple[float, float], workers: int
) -> tuple[PlanRow, PlanRow]:
    """Solve with ours, then with VROOM (never at once), and measure both plans."""
    ours_limit_s, peer_limit_s = limits
    started = time.perf_counter()
    ours = solve(problem, Params(time_limit_s=ours_limit_s, seed=seed, workers=workers))
    ours_wall_s = time.perf_counter() - started
    started = time.perf_counter()
    peer = solve_with_vroom(problem, peer_limit_s)
    peer_wall_s = time.perf_counter() - started
    return (
        measure(problem, ours, day, "ours", ours_wall_s),
        measure(problem, peer, day, "vroom", peer_wall_s),
    )


def travel_ratio(ours: PlanRow, peer: PlanRow) -> float | None:
    return ours.travel_s / peer.travel_s if peer.travel_s else None


def inverted(ours: PlanRow, peer: PlanRow) -> list[str]:
    """The priorities we drop a visit of while the peer placed every one of them."""
    return [
        p.value
        for p in INVERSION_PRIORITIES
        if ours.dropped[p.value] > 0 and peer.dropped[p.value] == 0
    ]


def format_row(row: PlanRow) -> str:
    dropped = row.dropped
    pref = f"{row.preference_hits}/{row.preference_eligible}"
    return (
        f"{row.day:<16} {row.solver:<6} {row.visits:>6} {row.planned:>7} "
        f"{dropped['must']:>4} {dropped['high']:>4} {dropped['normal']:>6} {dropped['low']:>4} "
        f"{row.drop_penalty:>11} {row.travel_s / 3600:>8.1f} "
        f"{row.waiting_s_per_route / 60:>8.1f} {pref:>7} {row.wall_s:>6.2f} "
        f"{row.violations:>10} {row.max_work_breaks:>8}"
    )


def format_comparison(ours: PlanRow, peer: PlanRow) -> str:
    ratio = travel_ratio(ours, peer)
    shown = "-" if ratio is None else f"{ratio:.3f}"
    inversions = ", ".join(inverted(ours, peer)) or "none"
    return (
        f"{'':<16} ours - vroom planned {ours.planned - peer.planned:+d}, "
        f"travel ours/vroom {shown}, priority inversions: {inversions}"
    )


def summarise(pairs: list[tuple[PlanRow, PlanRow]]) -> dict[str, object]:
    """Mean and worst travel ratio, days we planned fewer, days with an inversion."""
    ratios = [(r, o.day) for o, p in pairs if (r := travel_ratio(o, p)) is not None]
    worst = max(ratios, default=None)
    return {
        "days": len(pairs),
        "travel_ratio_mean": statistics.fmean(r for r, _ in ratios) if ratios else None,
        "travel_ratio_worst": None if worst is None else worst[0],
        "travel_ratio_worst_day": None if worst is None else worst[1],
        "days_we_planned_fewer": sum(1 for o, p in pairs if o.planned < p.planned),
        "days_with_priority_inversion": sum(1 for o, p in pairs if inverted(o, p)),
    }


def format_summary(summary: dict[str, object]) -> str:
    mean, worst = summary["travel_ratio_mean"], summary["travel_ratio_worst"]
    ratios = (
        "-"
        if not isinstance(mean, float) or not isinstance(worst, float)
        else (f"mean {mean:.3f}, worst {worst:.3f} ({summary['travel_ratio_worst_day']})")
    )
    return (
        f"summary over {summary['days']} days: travel ours/vroom {ratios}; "
        f"we planned fewer on {summary['days_we_planned_fewer']}; "
        f"priority inversions on {summary['days_with_priority_inversion']}"
    )


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", choices=list(SIZES), default=["small"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[1])
    parser.add_argument("--towns", nargs="+", help="the generator's towns (default: its own)")
    parser.add_argument("--time-limit", type=float, help="our solve's s (default: LIMITS_S)")
    parser.add_argument(
        "--peer-time-limit", type=float, help="VROOM's s (default: PEER_LIMITS_S, else ours)"
    )
    parser.add_argument("--workers", type=int, default=2, help="our solver processes")
    parser.add_argument(
        "--no-preferences", action="store_true", help="drop preferred therapists on both sides"
    )
    parser.add_argument("--json", metavar="FILE", help="also write the rows and summary here")
    args = parser.parse_args()
    try:
        load_vroom()
    except ModuleNotFoundError as error:
        parser.exit(2, f"{error}\n")
    return args


def main() -> None:
    args = parse_args()
    preferences = "off" if args.no_preferences else "on"
    print(f"ours ({args.workers} workers) vs VROOM 1.15, preferences {preferences}")
    print(HEADER)
    pairs = []
    for town in args.towns or [None]:
        for size in args.sizes:
            ours_limit_s = args.time_limit or LIMITS_S[size]
            peer_limit_s = args.peer_time_limit or PEER_LIMITS_S.get(size, ours_limit_s)
            limits = (ours_limit_s, peer_limit_s)
            for seed in args.seeds:
                day = "/".join(str(part) for part in (town, size, seed) if part is not None)
                problem = load_day(size, seed, town, args.no_preferences)
                pair = run_day(problem, day, seed, limits, args.workers)
                for row in pair:
                    print(format_row(row), flush=True)
                    for text in row.first_violations:
                        print(f"    {text}")
                print(format_comparison(*pair), flush=True)
                pairs.append(pair)
    summary = summarise(pairs)
    print(format_summary(summary))
    if args.json:
        rows = [asdict(row) for pair in pairs for row in pair]
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump({"rows": rows, "summary": summary}, out, indent=2)


if __name__ == "__main__":
    main()
