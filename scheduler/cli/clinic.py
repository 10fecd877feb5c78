"""The coordinator's commands on the stored clinic: demo, import, plan, publish, compare,
export, users, travel. ``scheduler.cli.main`` registers them and handles the exit codes."""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import json
import random
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from scheduler.accounts.users import add_user
from scheduler.cli.demo import next_working_day, seed_demo_day
from scheduler.config import Settings
from scheduler.day_json.roster import format_roster
from scheduler.db.engine import make_engine, require_current_schema, upgrade
from scheduler.errors import InvalidRequest, NotFound, TravelServiceUnavailable, UnroutableLocations
from scheduler.exchange import exporting, importing
from scheduler.models import Clinic, Patient, Plan, Therapist
from scheduler.planning import PlanOptions, compare_plans, create_plan, get_plan, publish_plan
from scheduler.travel import TRAVEL_MODES
from scheduler.travel.cache import CachedProvider
from scheduler.travel.calibrate import calibrate, format_calibration
from scheduler.travel.geocoding import nominatim_geocoder
from scheduler.travel.select import geodesic_provider, osrm_provider, travel_provider

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from scheduler.planning import PlanComparison
    from solver import Progress

    Tick = Callable[[float, Progress | None], None]
    Subparsers = argparse._SubParsersAction[argparse.ArgumentParser]

IMPORTERS = {
    "therapists": importing.import_therapists,
    "patients": importing.import_patients,
    "visits": importing.import_visits,
}
EXPORT_FORMATS = ("csv", "json", "ics", "geojson")


@contextmanager
def open_session(args: argparse.Namespace, migrate: bool = False) -> Iterator[Session]:
    """A session on the configured database; it must be up to date unless ``migrate``."""
    url = args.database_url or Settings.from_env().database_url
    engine = make_engine(url)
    try:
        if migrate:
            upgrade(engine)
        else:
            require_current_schema(engine)
        with Session(engine) as session:
            yield session
    finally:
        engine.dispose()


def pick_clinic(session: Session, name: str | None) -> Clinic:
    """The named clinic, or the only one there is."""
    query = sa.select(Clinic).order_by(Clinic.id)
    if name is not None:
        clinic = session.scalar(query.where(Clinic.name == name))
        if clinic is None:
            raise NotFound(f"no clinic named {name!r}")
        return clinic
    clinics = list(session.scalars(query.limit(2)))
    if len(clinics) != 1:
        found = "no clinic yet" if not clinics else "several clinics"
        raise InvalidRequest.single("clinic", f"{found}: name one with --clinic")
    return clinics[0]


def clinic_of_plan(session: Session, plan_id: int) -> int:
    """The clinic of a plan named by id: the CLI is the operator's, over every clinic."""
    clinic_id = session.scalar(sa.select(Plan.clinic_id).where(Plan.id == plan_id))
    if clinic_id is None:
        raise NotFound(f"plan {plan_id} not found")
    return clinic_id


def _print_plan(session: Session, plan: Plan) -> None:
    print(format_roster(exporting.plan_json(session, plan)))
    print(f"\nPlan {plan.id}: version {plan.version} of {plan.date.isoformat()}, {plan.status}")


def run_demo(args: argparse.Namespace, tick: Tick | None) -> int:
    """Book the demo clinic's next working day, plan it, print the roster, publish it."""
    date = args.date or next_working_day(dt.date.today())
    with open_session(args, migrate=True) as session:
        clinic = seed_demo_day(session, date)
        session.commit()
        print(f"{clinic.name}: planning {date.isoformat()} ...", file=sys.stderr)
        options = PlanOptions(time_limit_s=args.time_limit, workers=args.workers)
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
        if plan.status == "draft":
            plan = publish_plan(session, plan.clinic_id, plan.id)
        session.commit()
        _print_plan(session, plan)
        return 0 if plan.status == "published" else 1


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
        plan = create_plan(
            session,
            clinic.id,
            args.date,
            options,
            provider=travel_provider(settings, session, clinic),
            on_tick=tick,
            geocoder=nominatim_geocoder(settings),
        )
        if tick is not None:
            sys.stderr.write("\n")
        session.commit()
        _print_plan(session, plan)
        return 0 if plan.status == "draft" else 1


def run_publish(args: argparse.Namespace) -> int:
    with open_session(args) as session:
        plan = publish_plan(session, clinic_of_plan(session, args.plan), args.plan)
        session.commit()
        print(f"Plan {plan.id} ({plan.date.isoformat()}, version {plan.version}) is published")
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


def run_users_add(args: argparse.Namespace) -> int:
    password = _read_password()
    with open_session(args) as session:
        clinic = pick_clinic(session, args.clinic)
        therapist = None
        if args.therapist is not None:
            therapist = session.scalar(
                sa.select(Therapist).where(
                    Therapist.clinic_id == clinic.id, Therapist.external_id == args.therapist
                )
            )
            if therapist is None:
                raise NotFound(f"no therapist {args.therapist!r} in {clinic.name}")
        user = add_user(session, clinic, args.email, password, args.role, therapist)
        session.commit()
        print(f"{user.role} {user.email} added to {clinic.name}")
    return 0


def run_travel_calibrate(args: argparse.Namespace) -> int:
    """Fit the geodesic figures to the OSRM router over a sample of the clinic's places."""
    settings = Settings.from_env()
    router = osrm_provider(settings)
    if router is None:
        raise TravelServiceUnavailable("calibration needs a road router: set HOMEVISIT_OSRM_URL")
    baseline = geodesic_provider(settings)
    with open_session(args) as session:
        clinic = pick_clinic(session, args.clinic)
        clinic_name = clinic.name
        places = _places(session, clinic, args.sample)
        points = [point for point, _, _ in places]
        try:
            calibration = calibrate(
                CachedProvider(router, session, router.name), points, args.mode, baseline
            )
        except UnroutableLocations as error:
            _, fields, labels = zip(*places, strict=True)
            raise error.named(fields, labels) from None
        session.commit()
    print(f"{clinic_name}: {len(points)} places, against {router.name}")
    print(format_calibration(calibration, baseline))
    speeds = {**dict(settings.geodesic_speeds_kmh), args.mode: round(calibration.speed_kmh, 1)}
    print("\nTo estimate travel like this where no router is configured, set:")
    print(f"  HOMEVISIT_GEODESIC_DETOUR_FACTOR={calibration.detour_factor:.2f}")
    print(f"  HOMEVISIT_GEODESIC_SPEEDS_KMH={','.join(f'{m}={v:g}' for m, v in speeds.items())}")
    return 0


def _places(
    session: Session, clinic: Clinic, sample: int
) -> list[tuple[tuple[float, float], str, str]]:
    """Up to ``sample`` distinct places of the clinic (therapists' homes, patients with
    coordinates), each with its field and label for errors; a fixed seed picks them."""
    places: dict[tuple[float, float], tuple[str, str]] = {}
    therapists = session.scalars(
        sa.select(Therapist).where(Therapist.clinic_id == clinic.id).order_by(Therapist.id)
    )
    for t in therapists:
        field = f"therapists.{t.external_id}.home"
        places.setdefault(
            (t.home_lat, t.home_lon), (field, f"the home of therapist {t.external_id}")
        )
    patients = session.scalars(
        sa.select(Patient)
        .where(Patient.clinic_id == clinic.id, Patient.lat.is_not(None), Patient.lon.is_not(None))
        .order_by(Patient.id)
    )
    for p in patients:
        if p.lat is not None and p.lon is not None:
            label = f"patient {p.external_id} ({p.name})"
            places.setdefault((p.lat, p.lon), (f"patients.{p.external_id}", label))
    chosen = list(places.items())
    if len(chosen) > sample:
        chosen = random.Random(0).sample(chosen, sample)
    return [(point, field, label) for point, (field, label) in chosen]


def _read_password() -> str:
    """From the terminal without echo, or the first line of standard input when piped."""
    if sys.stdin.isatty():
        return getpass.getpass("Password: ")
    return sys.stdin.readline().rstrip("\n")


EXAMPLES = {
    "demo": "homevisit demo                      # books, plans and publishes the next working day",
    "import": "homevisit import therapists examples/therapists.csv --clinic 'Leeds' "
    "--timezone Europe/London",
    "plan": "homevisit plan --date 2026-11-30 --time-limit 20",
    "publish": "homevisit publish 3",
    "compare": "homevisit compare 2 3 --minutes 15",
    "export": "homevisit export 3 --format ics --therapist t001 -o t001.ics",
    "add": "printf '%s\\n' 'a long passphrase' | homevisit users add ana@example.org --role admin",
    "calibrate": "HOMEVISIT_OSRM_URL=http://127.0.0.1:5000 homevisit travel calibrate",
}


def _command(commands: Subparsers, name: str, text: str) -> argparse.ArgumentParser:
    parser = commands.add_parser(
        name,
        help=text,
        description=text,
        epilog=f"example:\n  {EXAMPLES[name]}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--database-url", help="SQLAlchemy URL (overrides HOMEVISIT_DATABASE_URL)")
    return parser


def _solve_options(parser: argparse.ArgumentParser, default_limit: float | None) -> None:
    parser.add_argument("--time-limit", type=float, default=default_limit, help="seconds")
    parser.add_argument("--workers", type=int, default=1, help="parallel searches (portfolio)")


def add_parsers(commands: Subparsers) -> None:
    """Register the clinic commands on the ``homevisit`` parser."""
    demo = _command(commands, "demo", "plan and publish a demo clinic's next working day")
    demo.add_argument("--date", type=dt.date.fromisoformat, help="YYYY-MM-DD instead")
    _solve_options(demo, 10.0)
    imports = _command(commands, "import", "import therapists, patients or visits from CSV")
    imports.add_argument("kind", choices=sorted(IMPORTERS))
    imports.add_argument("file", type=Path)
    imports.add_argument("--clinic", help="clinic name (default: the only clinic)")
    imports.add_argument("--timezone", help="IANA zone: creates the clinic if it is new")
    plan = _command(commands, "plan", "plan a date of the clinic as a new draft")
    plan.add_argument("--date", type=dt.date.fromisoformat, required=True, help="YYYY-MM-DD")
    plan.add_argument("--clinic", help="clinic name (default: the only clinic)")
    _solve_options(plan, None)
    publish = _command(commands, "publish", "publish a draft plan (supersedes the last one)")
    publish.add_argument("plan", type=int, help="plan id")
    compare = _command(commands, "compare", "what changed from one plan to another")
    compare.add_argument("before", type=int)
    compare.add_argument("after", type=int)
    compare.add_argument("--minutes", type=int, default=15, help="shifts that count")
    export = _command(commands, "export", "write a plan as CSV, JSON, ICS or GeoJSON")
    export.add_argument("plan", type=int, help="plan id")
    export.add_argument("--format", choices=EXPORT_FORMATS, default="csv")
    export.add_argument("--therapist", help="therapist id (for ics)")
    export.add_argument("-o", "--output", help="file to write (default: stdout)")
    users = commands.add_parser("users", help="manage logins").add_subparsers(
        dest="users_command", required=True
    )
    add = _command(users, "add", "add a login; the password is read without echo")
    add.add_argument("email")
    add.add_argument("--role", choices=("admin", "coordinator", "therapist"), required=True)
    add.add_argument("--clinic", help="clinic name (default: the only clinic)")
    add.add_argument("--therapist", help="the therapist's id, for a therapist login")
    travel = commands.add_parser("travel", help="travel times").add_subparsers(
        dest="travel_command", required=True
    )
    fit = _command(
        travel, "calibrate", "fit the geodesic detour factor and speed to the OSRM router"
    )
    fit.add_argument("--clinic", help="clinic name (default: the only clinic)")
    fit.add_argument("--mode", choices=TRAVEL_MODES, default="car", help="travel mode")
    fit.add_argument("--sample", type=int, default=200, help="most places to compare")


def dispatch(args: argparse.Namespace, tick: Tick | None) -> int:
    """Run a clinic command; errors propagate to ``scheduler.cli.main``."""
    if args.command == "demo":
        return run_demo(args, tick)
    if args.command == "plan":
        return run_plan(args, tick)
    handlers: dict[str, Callable[[argparse.Namespace], int]] = {
        "import": run_import,
        "publish": run_publish,
        "compare": run_compare,
        "export": run_export,
        "users": run_users_add,
        "travel": run_travel_calibrate,
    }
    return handlers[args.command](args)


COMMANDS = ("demo", "import", "plan", "publish", "compare", "export", "users", "travel")
