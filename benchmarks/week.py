"""Plan generated clinic weeks two ways and compare: a coordinator's booking, and ours.

Usage: ``python -m benchmarks.week --towns leeds andorra --seeds 1 [--time-limit S]
[--methods baseline ours] [--therapists N] [--care-plans N]``. Each week comes from
``benchmarks.week_clinic`` (25 therapists and 120 care plans by default). The baseline
(``benchmarks.week_baseline``) books each episode's visits on the first allowed days with
room, then routes each day with ``solver.solve`` for ``S`` seconds (default 10) on two
workers; ours is ``solver.week.solve.solve_week`` with the same budget, ``S`` x the days,
for the whole week. Every plan goes through the independent week checker.

One row per town, seed and method: visits ordered and placed, hand-booked visits planned,
episodes seen by one therapist only, visits by the primary (on days the primary works),
each therapist's work over the week (min/mean/max hours, the share within 15 % of the
mean, and within 15 % of their fair share by the hours each has), travel hours, the
continuity cost and the week's whole cost in hours by the documented weights
(``solver.week.kpis``), wall seconds, checker violations and the unplaced visits by reason;
then the ratios ours/baseline of travel, of visits placed and of cost.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from benchmarks.week_baseline import book_first_days, plan_booked_days
from benchmarks.week_clinic import generate_week
from benchmarks.week_load import week_figures
from scheduler.day_json.towns import TOWNS
from solver.params import Params
from solver.week.check import check_week
from solver.week.kpis import week_kpis
from solver.week.solve import solve_week

if TYPE_CHECKING:
    from collections.abc import Sequence

    from solver.week.check import WeekViolation
    from solver.week.kpis import WeekKpis
    from solver.week.problem import WeekProblem
    from solver.week.solution import WeekSolution

METHODS = ("baseline", "ours")
WORKERS = 2
SHOWN_VIOLATIONS = 5
HEADER = (
    f"{'town':<8} {'seed':>4} {'method':<8} {'ordered':>7} {'placed':>6} {'hand':>7} "
    f"{'single%':>7} {'primary%':>8} {'work_h min/mean/max':>19} {'±15%':>5} {'fair':>5} "
    f"{'travel_h':>8} {'cont_h':>6} {'cost_h':>7} {'wall_s':>6} {'checker':>7}  unplaced"
)


@dataclass(frozen=True)
class WeekResult:
    """One method's plan of one week, with its figures and the checker's verdict."""

    town: str
    seed: int
    method: str
    kpis: WeekKpis
    wall_s: float
    violations: list[WeekViolation]


def run_method(
    problem: WeekProblem, method: str, day_limit_s: float, seed: int
) -> tuple[WeekSolution, float]:
    """Plan ``problem`` by ``method``; the wall seconds it took, set-up included."""
    started = time.perf_counter()
    if method == "baseline":
        params = Params(time_limit_s=day_limit_s, seed=seed, workers=WORKERS)
        solution = plan_booked_days(problem, book_first_days(problem), params, time.perf_counter)
    else:
        week_limit_s = day_limit_s * len(problem.days)
        solution = solve_week(
            problem, Params(time_limit_s=week_limit_s, seed=seed, workers=WORKERS)
        )
    return solution, time.perf_counter() - started


def run_week(
    problem: WeekProblem, town: str, seed: int, method: str, day_limit_s: float
) -> WeekResult:
    """One method's plan of the week, its figures and the week checker's findings."""
    solution, wall_s = run_method(problem, method, day_limit_s, seed)
    kpis = week_kpis(problem, solution)
    return WeekResult(town, seed, method, kpis, wall_s, check_week(problem, solution))


def format_result(result: WeekResult) -> str:
    k = result.kpis
    work = f"{k.work_min_s / 3600:.1f}/{k.work_mean_s / 3600:.1f}/{k.work_max_s / 3600:.1f}"
    hand = f"{k.hand_booked_planned}/{k.hand_booked_total}"
    reasons = ", ".join(f"{reason} {n}" for reason, n in sorted(k.unplaced_by_reason.items()))
    return (
        f"{result.town:<8} {result.seed:>4} {result.method:<8} {k.visits_ordered:>7} "
        f"{k.visits_placed:>6} {hand:>7} {100 * k.single_therapist_share:>7.1f} "
        f"{100 * k.primary_share:>8.1f} {work:>19} {100 * k.balanced_share:>4.0f}% "
        f"{100 * k.fair_share_balanced:>4.0f}% "
        f"{k.travel_s / 3600:>8.1f} {k.continuity_cost / 3600:>6.1f} {k.cost / 3600:>7.1f} "
        f"{result.wall_s:>6.1f} {len(result.violations):>7}  "
        f"{reasons or '-'}"
    )


def format_ratios(results: Sequence[WeekResult]) -> str | None:
    """Ours over the baseline, for travel, visits placed and the week's cost; None
    without both."""
    by_method = {result.method: result.kpis for result in results}
    if not set(METHODS) <= by_method.keys():
        return None
    ours, base = by_method["ours"], by_method["baseline"]
    travel = ours.travel_s / base.travel_s if base.travel_s else float("nan")
    placed = ours.visits_placed / base.visits_placed if base.visits_placed else float("nan")
    cost = ours.cost / base.cost if base.cost else float("nan")
    return (
        f"{'':<8} {'':>4} ours/baseline: travel {travel:.3f}, placed {placed:.3f}, cost {cost:.3f}"
    )


def format_figures(problem: WeekProblem, town: str, seed: int) -> str:
    f = week_figures(problem)
    return (
        f"# {town} seed {seed}: {f.therapists} therapists, {f.episodes} episodes, "
        f"{f.visits_ordered} visits ordered, {f.hand_booked} hand-booked, "
        f"booked {100 * f.booked_share:.1f} % of the weekly caps (estimated)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--towns", nargs="+", choices=list(TOWNS), default=["leeds", "andorra"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[1])
    parser.add_argument("--methods", nargs="+", choices=METHODS, default=list(METHODS))
    parser.add_argument(
        "--time-limit",
        type=float,
        default=10.0,
        help="seconds per day for the baseline's day solves; ours gets this x the days",
    )
    parser.add_argument("--therapists", type=int, default=25)
    parser.add_argument("--care-plans", type=int, default=120)
    args = parser.parse_args()
    print(f"week benchmark: {args.time_limit:g} s a day, {WORKERS} workers")
    for town in args.towns:
        for seed in args.seeds:
            problem = generate_week(town, seed, args.therapists, args.care_plans)
            print(format_figures(problem, town, seed))
            print(HEADER)
            results = []
            for method in args.methods:
                result = run_week(problem, town, seed, method, args.time_limit)
                print(format_result(result), flush=True)
                _print_violations(result.violations)
                results.append(result)
            ratios = format_ratios(results)
            if ratios:
                print(ratios)
            print(flush=True)


def _print_violations(violations: Sequence[WeekViolation]) -> None:
    for violation in violations[:SHOWN_VIOLATIONS]:
        print(f"    {violation.kind}: {violation.message}")
    if len(violations) > SHOWN_VIOLATIONS:
        print(f"    ... and {len(violations) - SHOWN_VIOLATIONS} more")


if __name__ == "__main__":
    main()
