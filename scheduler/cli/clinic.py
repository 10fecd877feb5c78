"""The coordinator's commands on the stored clinic: demo, import, plan, publish, compare,
export; ``users``, ``travel``, ``deliver``, ``worker`` and the week's (``plan-week``,
``publish-week``) register from their own modules.
``scheduler.cli.main`` adds them to its parser and handles the exit codes."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from scheduler.cli import day_events, deliver, travel, users, week, worker
from scheduler.cli.common import (
    clinic_of_plan,
    command_parser,
    date_argument,
    open_session,
    pick_clinic,
)
from scheduler.cli.demo import next_working_day, seed_demo_day
from scheduler.config import Settings
from scheduler.day_json.roster import format_roster
from scheduler.errors import InvalidRequest, NotFound
from scheduler.exchange import care_plan_import, exporting, importing
from scheduler.models import Clinic, Plan, Priority, Therapist
from scheduler.notify import notification_summary
from scheduler.planning import PlanOptions, compare_plans, create_plan, get_plan, publish_plan
from scheduler.travel.geocoding import nominatim_geocoder
from scheduler.travel.select import travel_provider

if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable

    from sqlalchemy.orm import Session

    from scheduler.planning import PlanComparison
    from solver import Progress

    Tick = Callable[[float, Progress | None], None]
    Subparsers = argparse._SubParsersAction[argparse.ArgumentParser]

IMPORTERS = {
    "therapists": importing.import_therapists,
    "patients": importing.import_patients,
    "visits": importing.import_visits,
    "care-plans": care_plan_import.import_care_plans,
}
EXPORT_FORMATS = ("csv", "json", "ics", "geojson")


def _print_plan(session: Session, plan: Plan) -> None:
    """The roster, naming therapists and patients, then the plan's id, version and status."""
    names = exporting.roster_names(session, plan)
    print(format_roster(exporting.plan_json(session, plan), names))
    print(f"\nPlan {plan.id}: version {plan.version} of {plan.date.isoformat()}, {plan.status}")


def run_demo(args: argparse.Namespace, tick: Tick | None) -> int:
    """Book the demo clinic's next working day, plan it, print the roster, publish it."""
    date = args.date or next_working_day(dt.date.today())
    with open_session(args, migrate=True) as session:
        clinic = seed_demo_day(session, date)
        session.commit()
        print(f"{clinic.name}: planning {date.isoformat()} ...", file=sys.stderr)
        options = PlanOptions(time_limit_s=args.time_limit, workers=args.workers)
        plan = _plan_day(session, clinic, date, options, tick)
        if plan.status == "draft":
            promised = Settings.from_env().promised_minutes
            plan = publish_plan(session, plan.clinic_id, plan.id, promised)
        session.commit()
        _print_plan(session, plan)
        return 0 if plan.status == "published" else 1


def _plan_day(
    session: Session, clinic: Clinic, date: dt.date, options: PlanOptions, tick: Tick | None
) -> Plan:
    """A new draft of the clinic's day, with the configured travel times and geocoder."""
    settings = Settings.from_env()
    plan = create_plan(
        session,
        clinic.id,
        date,
        options,
        provider=travel_provider(settings, session, clinic),
        on_tick=tick,
        geocoder=nominatim_geocoder(settings),
    )
    if tick is not None:
        sys.stderr.write("\n")
    return plan


def run_import(args: argparse.Namespace) -> int:
    text = Path(args.file).read_bytes()
    with open_session(args) as session:
        clinic = _clinic_for_import(session, args)
        report = IMPORTERS[args.kind](session, clinic, text)
        session.commit()
        print(f"{clinic.name}: {report}")
    return 0


def _clinic_for_import(session: Session, args: argparse.Namespace) -> Clinic:
    """The clinic to import into; ``--timezone`` creates a new one by that name."""
    if args.timezone is None or args.clinic is None:
        return pick_clinic(session, args.clinic)
    existing = session.scalar(sa.select(Clinic).where(Clinic.name == args.clinic))
    if existing is not None:
        return existing
    clinic = Clinic(name=args.clinic, timezone=args.timezone)
    session.add(clinic)
    session.flush()
    return clinic


def run_plan(args: argparse.Namespace, tick: Tick | None) -> int:
    with open_session(args) as session:
        clinic = pick_clinic(session, args.clinic)
        settings = Settings.from_env()
        limit = args.time_limit or settings.solver_time_limit_s
        options = PlanOptions(time_limit_s=limit, workers=args.workers)
        plan = _plan_day(session, clinic, args.date, options, tick)
        session.commit()
        _print_plan(session, plan)
        return 0 if plan.status == "draft" else 1


def run_publish(args: argparse.Namespace) -> int:
    with open_session(args) as session:
        promised = Settings.from_env().promised_minutes
        plan = publish_plan(session, clinic_of_plan(session, args.plan), args.plan, promised)
        session.commit()
        print(f"Plan {plan.id} ({plan.date.isoformat()}, version {plan.version}) is published")
        summary = notification_summary(session, plan.clinic_id, plan.id)
        print(f"{summary.total} messages in the outbox; `homevisit deliver` sends them")
    return 0


def run_compare(args: argparse.Namespace) -> int:
    with open_session(args) as session:
        comparison = compare_plans(
            session, clinic_of_plan(session, args.before), args.before, args.after, args.minutes
        )
        print(format_comparison(comparison))
    return 0


def format_comparison(comparison: PlanComparison) -> str:
    lines = [f"Plan {comparison.before_id} -> plan {comparison.after_id}"]
    for title, changes in (
        ("moved to another therapist", comparison.moved),
        (f"shifted by more than {comparison.shift_minutes} min", comparison.shifted),
        ("dropped", comparison.dropped),
        ("added", comparison.added),
    ):
        lines.append(f"{title}: {len(changes)}")
        for change in changes:
            was = change.before.therapist_key if change.before else "-"
            now = change.after.therapist_key if change.after else "-"
            shift = "" if change.shift_s is None else f", {change.shift_s // 60:+d} min"
            lines.append(f"  {change.visit_key}: {was} -> {now}{shift}")
    deltas = ", ".join(
        f"{name} {value:+g}" for name, value in comparison.kpi_deltas.items() if value is not None
    )
    lines.append(f"KPI changes: {deltas or 'none'}")
    return "\n".join(lines)


def run_export(args: argparse.Namespace) -> int:
    with open_session(args) as session:
        plan = get_plan(session, clinic_of_plan(session, args.plan), args.plan)
        text = _export_text(session, plan, args)
    if args.output is None:
        sys.stdout.write(text)
    else:
        Path(args.output).write_text(text, newline="")
        print(f"Plan {plan.id} written to {args.output} ({args.format})", file=sys.stderr)
    return 0


def _export_text(session: Session, plan: Plan, args: argparse.Namespace) -> str:
    if args.format == "csv":
        return exporting.plan_csv(session, plan)
    if args.format == "ics":
        return exporting.plan_ics(session, plan, _therapist(session, plan, args.therapist))
    data: Any = (
        exporting.plan_json(session, plan)
        if args.format == "json"
        else exporting.plan_geojson(session, plan)
    )
    return json.dumps(data, indent=2) + "\n"


def _therapist(session: Session, plan: Plan, external_id: str | None) -> Therapist:
    if external_id is None:
        raise InvalidRequest.single("therapist", "the ics export is per therapist: --therapist ID")
    therapist = session.scalar(
        sa.select(Therapist).where(
            Therapist.clinic_id == plan.clinic_id, Therapist.external_id == external_id
        )
    )
    if therapist is None:
        raise NotFound(f"no therapist {external_id!r} in this clinic")
    return therapist


EXAMPLES = {
    "demo": "homevisit demo                      # books, plans and publishes the next working day",
    "import": "homevisit import therapists examples/therapists.csv --clinic 'Leeds' "
    "--timezone Europe/London",
    "plan": "homevisit plan --date 2026-11-30 --time-limit 20",
    "publish": "homevisit publish 3",
    "compare": "homevisit compare 2 3 --minutes 15",
    "export": "homevisit export 3 --format ics --therapist t001 -o t001.ics",
    "suggest": "homevisit suggest --date 2026-12-02 --patient p0042 --minutes 30"
    " --window 10:00-13:00 --priority high --accept 1",
}


def _solve_options(parser: argparse.ArgumentParser, default_limit: float | None) -> None:
    parser.add_argument("--time-limit", type=float, default=default_limit, help="seconds")
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="solver processes (a portfolio, or a large day's neighbourhoods at once)",
    )


def add_parsers(commands: Subparsers) -> None:
    """Register the clinic commands on the ``homevisit`` parser."""
    demo = command_parser(
        commands, "demo", EXAMPLES["demo"], "plan and publish a demo clinic's next working day"
    )
    demo.add_argument("--date", type=date_argument, help="YYYY-MM-DD instead")
    _solve_options(demo, 10.0)
    imports = command_parser(
        commands,
        "import",
        EXAMPLES["import"],
        "import therapists, patients, visits or care plans from CSV",
    )
    imports.add_argument("kind", choices=sorted(IMPORTERS))
    imports.add_argument("file", type=Path)
    imports.add_argument("--clinic", help="clinic name (default: the only clinic)")
    imports.add_argument("--timezone", help="IANA zone: creates the clinic if it is new")
    plan = command_parser(
        commands, "plan", EXAMPLES["plan"], "plan a date of the clinic as a new draft"
    )
    plan.add_argument("--date", type=date_argument, required=True, help="YYYY-MM-DD")
    plan.add_argument("--clinic", help="clinic name (default: the only clinic)")
    _solve_options(plan, None)
    publish = command_parser(
        commands, "publish", EXAMPLES["publish"], "publish a draft plan (supersedes the last one)"
    )
    publish.add_argument("plan", type=int, help="plan id")
    compare = command_parser(
        commands, "compare", EXAMPLES["compare"], "what changed from one plan to another"
    )
    compare.add_argument("before", type=int)
    compare.add_argument("after", type=int)
    compare.add_argument("--minutes", type=int, default=15, help="shifts that count")
    export = command_parser(
        commands, "export", EXAMPLES["export"], "write a plan as CSV, JSON, ICS or GeoJSON"
    )
    export.add_argument("plan", type=int, help="plan id")
    export.add_argument("--format", choices=EXPORT_FORMATS, default="csv")
    export.add_argument("--therapist", help="therapist id (for ics)")
    export.add_argument("-o", "--output", help="file to write (default: stdout)")
    suggest = command_parser(
        commands,
        "suggest",
        EXAMPLES["suggest"],
        "the best slots for a new visit in a published day",
    )
    suggest.add_argument("--date", type=date_argument, required=True, help="YYYY-MM-DD")
    suggest.add_argument("--clinic", help="clinic name (default: the only clinic)")
    suggest.add_argument("--patient", required=True, help="the patient's id")
    suggest.add_argument("--minutes", type=int, required=True, help="the visit's duration")
    suggest.add_argument("--window", action="append", metavar="HH:MM-HH:MM")
    suggest.add_argument("--priority", choices=[p.value for p in Priority], default="high")
    suggest.add_argument("--visit-id", help="the new visit's id (default: DATE-PATIENT-urgent)")
    suggest.add_argument("--now", help="HH:MM (default: the clinic's current time)")
    suggest.add_argument("-n", "--count", type=int, default=5)
    suggest.add_argument("--accept", type=int, metavar="K", help="book the K-th into a new draft")
    week.add_parsers(commands)
    users.add_parsers(commands)
    travel.add_parsers(commands)
    deliver.add_parsers(commands)
    worker.add_parsers(commands)


def dispatch(args: argparse.Namespace, tick: Tick | None) -> int:
    """Run a clinic command; errors propagate to ``scheduler.cli.main``."""
    if args.command == "demo":
        return run_demo(args, tick)
    if args.command == "plan":
        return run_plan(args, tick)
    if args.command == "replan":
        return day_events.run_replan(args, tick)
    handlers: dict[str, Callable[[argparse.Namespace], int]] = {
        "import": run_import,
        "publish": run_publish,
        "compare": run_compare,
        "export": run_export,
        "users": users.run_users_add,
        "travel": travel.run_travel_calibrate,
        "suggest": day_events.run_suggest,
        "deliver": deliver.run_deliver,
        "worker": worker.run_worker,
        "plan-week": week.run_plan_week,
        "publish-week": week.run_publish_week,
    }
    return handlers[args.command](args)


# ``replan`` is the stored one (``--date``); ``scheduler.cli.stateless`` registers its parser.
COMMANDS = (
    "demo",
    "import",
    "plan",
    "publish",
    "compare",
    "export",
    "users",
    "travel",
    "suggest",
    "deliver",
    "worker",
    "replan",
    "plan-week",
    "publish-week",
)
