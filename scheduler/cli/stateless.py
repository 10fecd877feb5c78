"""The stateless day commands: ``solve`` a problem JSON, ``replan`` it from a time of day
against a plan JSON. No database."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from scheduler.cli.common import date_argument
from scheduler.day_json.plan import plan_to_json
from scheduler.day_json.problem import ParsedProblem, parse_problem, read_json_file
from scheduler.day_json.roster import format_roster
from scheduler.errors import InvalidRequest
from scheduler.planning.worker import checked, solve_in_worker
from solver import Params, Progress

if TYPE_CHECKING:
    from collections.abc import Callable

    Tick = Callable[[float, Progress | None], None]
    Subparsers = argparse._SubParsersAction[argparse.ArgumentParser]

EXIT_INVALID_INPUT = 2
COMMANDS = ("solve", "replan")

SOLVE_EXAMPLE = """example:
  homevisit generate --size medium --seed 1 -o day.json
  homevisit solve day.json -o plan.json --time-limit 10
exit codes: 0 planned (possibly with unassigned visits), 1 no plan found, 2 invalid input"""

REPLAN_EXAMPLE = """example:
  homevisit solve day.json -o plan.json
  # day.json changed: t3's shift now ends at 10:30, v41 added, v12 removed
  homevisit replan day.json --current plan.json --now 10:30 -o replan.json
  # the stored clinic: the published plan of a date, with events, into a new draft
  homevisit replan --date 2026-12-02 --unavailable t003@10:30 --cancel 2026-12-02-v0052
stops that started before --now stay as they were (check-in times go in the problem's
replan.actual, or come from the phones' check-ins); the new plan lists its changes and whom
to tell.
exit codes: 0 planned, 1 no plan found, 2 invalid input"""


def add_parsers(commands: Subparsers) -> None:
    """Register ``solve`` and ``replan``."""
    solve = commands.add_parser(
        "solve",
        help="plan one day from a problem JSON file",
        epilog=SOLVE_EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    solve.add_argument("problem", type=Path, help="the problem JSON (docs/format.md)")
    _output_and_search(solve)
    replan = commands.add_parser(
        "replan",
        help="re-plan a day from a time of day, keeping what has happened",
        epilog=REPLAN_EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    replan.add_argument("problem", type=Path, nargs="?", help="the day as it is now (problem JSON)")
    replan.add_argument("--current", type=Path, help="the plan JSON to change")
    replan.add_argument("--now", help="HH:MM: what started before it is kept")
    replan.add_argument(
        "--promised-minutes", type=int, help="how far a start may move untold (default 30)"
    )
    _output_and_search(replan)
    clinic = replan.add_argument_group(
        "the stored clinic", "re-plan the published plan of --date with events instead"
    )
    clinic.add_argument("--date", type=date_argument, help="YYYY-MM-DD")
    clinic.add_argument("--clinic", help="clinic name (default: the only clinic)")
    clinic.add_argument("--database-url", help="SQLAlchemy URL (overrides HOMEVISIT_DATABASE_URL)")
    clinic.add_argument("--unavailable", action="append", metavar="THERAPIST@HH:MM")
    clinic.add_argument("--cancel", action="append", metavar="VISIT")
    clinic.add_argument("--late", action="append", metavar="THERAPIST:MINUTES")
    clinic.add_argument("--extend", action="append", metavar="VISIT:MINUTES")


def _output_and_search(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-o", "--output", type=Path, help="where to write the plan JSON")
    parser.add_argument(
        "--time-limit", type=float, help="seconds the solve may take (overrides the file)"
    )
    parser.add_argument("--seed", type=int, help="seed (overrides the file)")
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="solver processes: a portfolio (GLS and ILS, no best cost shown), or a large "
        "day's neighbourhoods at once",
    )


def is_stored_replan(args: argparse.Namespace) -> bool:
    """``replan --date``: the stored clinic's command (``scheduler.cli.day_events``)."""
    return args.command == "replan" and args.date is not None


def dispatch(args: argparse.Namespace) -> int:
    """Run ``solve`` or ``replan``; bad input is reported with exit code 2."""
    if args.command == "replan" and (
        args.problem is None or args.current is None or args.now is None
    ):
        print(
            "replan needs PROBLEM.json --current PLAN.json --now HH:MM, or --date", file=sys.stderr
        )
        return EXIT_INVALID_INPUT
    try:
        parsed = _load(args)
    except OSError as error:
        print(f"{error.filename}: cannot read the file ({error.strerror})", file=sys.stderr)
        return EXIT_INVALID_INPUT
    except InvalidRequest as error:
        print(f"{args.problem}: {error.detail}", file=sys.stderr)
        for fault in error.errors:
            print(f"  {fault}", file=sys.stderr)
        return EXIT_INVALID_INPUT
    return _solve_and_write(parsed, args)


def _load(args: argparse.Namespace) -> ParsedProblem:
    data = read_json_file(args.problem)
    if args.command == "replan":
        data = with_replan(data, read_json_file(args.current), args.now, args.promised_minutes)
    return parse_problem(data)


def with_replan(problem: object, current: object, now: str, promised_minutes: int | None) -> object:
    """The problem JSON with its ``replan`` set to re-plan ``current`` from ``now``.

    Check-in times already in the problem's ``replan.actual`` are kept.
    """
    if not isinstance(problem, dict):
        return problem  # the parser names the fault
    replan = problem.get("replan")
    replan = dict(replan) if isinstance(replan, dict) else {}
    replan |= {"now": now, "current": current}
    if promised_minutes is not None:
        replan["promised_minutes"] = promised_minutes
    return problem | {"replan": replan}


def progress_printer(limit_s: float) -> tuple[Tick, list[bool]]:
    """A progress line on stderr, and a flag that says whether it was shown."""
    shown = [False]

    def tick(elapsed_s: float, progress: Progress | None) -> None:
        best = "-" if progress is None else f"{progress.best_cost:,}"
        found = 0 if progress is None else progress.solutions_found
        sys.stderr.write(
            f"\rsolving {min(elapsed_s, limit_s):5.1f}/{limit_s:.0f} s  best cost {best}  "
            f"solutions {found}   "
        )
        sys.stderr.flush()
        shown[0] = True

    return tick, shown


def _params(parsed: ParsedProblem, args: argparse.Namespace) -> Params:
    params = Params(workers=max(1, args.workers))
    limit = args.time_limit if args.time_limit is not None else parsed.time_limit_s
    seed = args.seed if args.seed is not None else parsed.seed
    if limit is not None:
        params = replace(params, time_limit_s=limit)
    if seed is not None:
        params = replace(params, seed=seed)
    return params


def _solve_and_write(parsed: ParsedProblem, args: argparse.Namespace) -> int:
    params = _params(parsed, args)
    tick, shown = progress_printer(params.time_limit_s)
    interactive = sys.stderr.isatty()
    solution = checked(
        parsed.problem,
        solve_in_worker(parsed.problem, params, tick if interactive else None),
    )
    if shown[0]:
        sys.stderr.write("\n")
    plan = plan_to_json(parsed, solution)
    suffix = "replan" if args.command == "replan" else "plan"
    output = args.output or Path(f"{args.problem.stem}.{suffix}.json")
    output.write_text(json.dumps(plan, indent=2) + "\n")
    print(format_roster(plan))
    print(f"\nPlan written to {output}")
    return 1 if solution.status == "failed" else 0
