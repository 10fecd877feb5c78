"""Solve generated days of each size and town and report plan quality and timings.

Usage: ``python -m benchmarks.generated --sizes small medium large xlarge --seed 1
[--towns leeds andorra riviera ryedale] [--tight] [--time-limit S]``. Each day comes from
``scheduler.day_json.generate`` (``--tight`` books 110-120 % of the therapists' capacity),
its geodesic matrices from ``parse_problem``; the solve runs in process with the size's time
limit (or ``S``) and the plan goes through the independent checker. One table row per town
and size; the unassigned visits are counted per reason in the last column, and any checker
violation is listed below.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

from scheduler.day_json.generate import SIZES, generate_day
from scheduler.day_json.problem import parse_problem
from scheduler.day_json.towns import TOWNS
from scheduler.travel import GeodesicProvider
from solver import Metaheuristic, Params, solve
from solver.check import check_solution

if TYPE_CHECKING:
    from collections.abc import Sequence

    from solver import TravelMatrix
    from solver.check import Violation

HEADER = (
    f"{'town':<8} {'size':<7} {'limit_s':>7} {'therapists':>10} {'visits':>6} {'planned':>7} "
    f"{'unassigned':>10} {'travel_h':>8} {'matrix_s':>8} {'first_s':>7} {'wall_s':>6} "
    f"{'solutions':>9} {'checker':<12} reasons"
)
SHOWN_VIOLATIONS = 5


class TimedProvider:
    """``GeodesicProvider`` that adds up the seconds spent building matrices."""

    def __init__(self) -> None:
        self.inner = GeodesicProvider()
        self.seconds = 0.0

    def matrices(self, points: Sequence[tuple[float, float]], mode: str) -> TravelMatrix:
        started = time.perf_counter()
        try:
            return self.inner.matrices(points, mode)
        finally:
            self.seconds += time.perf_counter() - started


@dataclass(frozen=True)
class SizeResult:
    """What one solved day reports."""

    town: str
    size: str
    limit_s: float
    therapists: int
    visits: int
    planned: int
    reasons: Counter[str]
    travel_s: int
    matrix_s: float
    first_solution_s: float | None
    wall_s: float
    solutions_found: int
    violations: list[Violation]


def run_size(
    size: str,
    seed: int,
    time_limit_s: float | None,
    metaheuristic: Metaheuristic = Metaheuristic.GUIDED_LOCAL_SEARCH,
    *,
    town: str = "leeds",
    tight: bool = False,
) -> SizeResult:
    """Generate, parse (builds the matrices), solve and check one day of ``size`` in ``town``."""
    provider = TimedProvider()
    parsed = parse_problem(generate_day(size, seed, town=town, tight=tight), provider)
    limit_s = time_limit_s if time_limit_s is not None else float(SIZES[size].time_limit_s)
    problem = parsed.problem
    params = Params(time_limit_s=limit_s, seed=seed, metaheuristic=metaheuristic)
    solution = solve(problem, params)
    return SizeResult(
        town=town,
        size=size,
        limit_s=limit_s,
        therapists=len(problem.therapists),
        visits=len(problem.visits),
        planned=solution.planned_count,
        reasons=Counter(item.reason.value for item in solution.unassigned),
        travel_s=sum(route.travel_s for route in solution.routes),
        matrix_s=provider.seconds,
        first_solution_s=solution.stats.first_solution_s,
        wall_s=solution.stats.wall_s,
        solutions_found=solution.stats.solutions_found,
        violations=check_solution(problem, solution),
    )


def format_result(result: SizeResult) -> str:
    first = "-" if result.first_solution_s is None else f"{result.first_solution_s:.2f}"
    verdict = "ok" if not result.violations else f"{len(result.violations)} violations"
    reasons = ", ".join(f"{reason} {count}" for reason, count in result.reasons.most_common())
    return (
        f"{result.town:<8} {result.size:<7} {result.limit_s:>7g} "
        f"{result.therapists:>10} {result.visits:>6} "
        f"{result.planned:>7} {result.reasons.total():>10} {result.travel_s / 3600:>8.1f} "
        f"{result.matrix_s:>8.3f} {first:>7} {result.wall_s:>6.1f} "
        f"{result.solutions_found:>9} {verdict:<12} {reasons or '-'}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", choices=list(SIZES), default=["small"])
    parser.add_argument("--towns", nargs="+", choices=list(TOWNS), default=["leeds"])
    parser.add_argument(
        "--tight", action="store_true", help="book 110-120 %% of the therapists' max_visits"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--time-limit", type=float, help="seconds per solve (default: the size's own limit)"
    )
    parser.add_argument(
        "--metaheuristic",
        type=Metaheuristic,
        choices=list(Metaheuristic),
        default=Metaheuristic.GUIDED_LOCAL_SEARCH,
    )
    args = parser.parse_args()
    demand = "110-120 %" if args.tight else "85-95 % (where the size allows)"
    print(f"generated days, seed {args.seed}, {args.metaheuristic}, demand {demand} of max_visits")
    print(HEADER)
    for town in args.towns:
        for size in args.sizes:
            result = run_size(
                size, args.seed, args.time_limit, args.metaheuristic, town=town, tight=args.tight
            )
            print(format_result(result), flush=True)
            for violation in result.violations[:SHOWN_VIOLATIONS]:
                print(f"    {violation.kind}: {violation.message}")
            hidden = len(result.violations) - SHOWN_VIOLATIONS
            if hidden > 0:
                print(f"    ... and {hidden} more")


if __name__ == "__main__":
    main()
