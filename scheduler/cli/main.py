"""``homevisit``: the command line."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from scheduler.cli import backup as backup_cli
from scheduler.cli import clinic as clinic_cli
from scheduler.cli import stateless
from scheduler.cli.common import command_parser, date_argument
from scheduler.cli.stateless import EXIT_INVALID_INPUT, progress_printer
from scheduler.config import Settings, check_database_url
from scheduler.day_json.generate import SIZES, generate_day
from scheduler.day_json.towns import TOWNS
from scheduler.db import engine as db
from scheduler.errors import InvalidRequest, SchedulerError

GENERATE_EXAMPLE = """example:
  homevisit generate --size small --seed 7 -o small.json
  homevisit generate --size medium --town andorra --tight -o andorra-tight.json"""

DB_EXAMPLE = """example:
  homevisit db upgrade
  HOMEVISIT_DATABASE_URL=postgresql+psycopg://homevisit@db/homevisit homevisit db current
  homevisit db dump --clinic 'Clinica Andorra' andorra.homevisit.gz
the database is HOMEVISIT_DATABASE_URL (default sqlite:///homevisit.db) unless --database-url
exit codes: 0 done (current: up to date), 1 database error (current: not up to date),
2 invalid configuration"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="homevisit", description="Route scheduling for therapists who visit patients at home."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    stateless.add_parsers(commands)
    generate = commands.add_parser(
        "generate",
        help="write a realistic generated day in the problem format",
        epilog=GENERATE_EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    generate.add_argument("--size", choices=sorted(SIZES), default="small")
    generate.add_argument("--seed", type=int, default=0)
    generate.add_argument("--date", type=date_argument, help="YYYY-MM-DD")
    generate.add_argument(
        "--town",
        choices=list(TOWNS),
        default="leeds",
        help="where the day is: "
        + ", ".join(f"{town.name} ({town.shape})" for town in TOWNS.values()),
    )
    generate.add_argument(
        "--tight",
        action="store_true",
        help="book 110-120 %% of the therapists' max_visits, so some visits must be dropped",
    )
    generate.add_argument("-o", "--output", type=Path, help="file to write (default: stdout)")
    _add_db_parser(commands)
    _add_serve_parser(commands)
    clinic_cli.add_parsers(commands)
    return parser


SERVE_EXAMPLE = """example:
  HOMEVISIT_SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_urlsafe(32))') \\
  HOMEVISIT_API_DOCS=true homevisit serve --port 8000
then open http://127.0.0.1:8000/docs; `homevisit users add` creates the first admin"""


def _add_serve_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve = commands.add_parser(
        "serve",
        help="run the HTTP API and pages",
        epilog=SERVE_EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--workers",
        type=int,
        default=1,
        help="server processes (with inline jobs each runs solves)",
    )


def prepare_to_serve(settings: Settings) -> None:
    """Check what the API needs (a secret key, a current schema), once, before the server
    processes start. Solves a stopped server left behind are not touched here: the servers'
    job sweep runs them again (``scheduler.jobs``), which works with many servers."""
    if not settings.secret_key:
        raise InvalidRequest.single(
            "HOMEVISIT_SECRET_KEY", "must be set to serve the API", "invalid configuration"
        )
    engine = db.make_engine(settings.database_url)
    try:
        db.require_current_schema(engine)
    finally:
        engine.dispose()


def run_serve(args: argparse.Namespace) -> int:
    import uvicorn

    try:
        prepare_to_serve(Settings.from_env())
    except SchedulerError as error:
        print(error, file=sys.stderr)
        return EXIT_INVALID_INPUT
    except SQLAlchemyError as error:
        print(f"cannot reach the database: {error.__class__.__name__}", file=sys.stderr)
        return 1
    # The app is named, not imported: the scheduler package never imports the api package.
    uvicorn.run(
        "api.app:create_server_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level="warning",
    )
    return 0


def _add_db_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    database = commands.add_parser(
        "db",
        help="migrate the database schema; back up and restore a clinic",
        epilog=DB_EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = database.add_subparsers(dest="db_command", required=True)
    for name, text in (
        ("upgrade", "bring the database schema to this version of homevisit"),
        ("current", "show the database's schema revision and the one this code expects"),
    ):
        command_parser(actions, name, "", text, DB_EXAMPLE)
    backup_cli.add_parsers(actions)


def run_generate(args: argparse.Namespace) -> int:
    day = generate_day(args.size, args.seed, args.date, town=args.town, tight=args.tight)
    text = json.dumps(day, indent=2) + "\n"
    if args.output is None:
        sys.stdout.write(text)
    else:
        args.output.write_text(text)
        kind = f"{args.size}{' tight' if args.tight else ''} {args.town}"
        print(f"{kind} day written to {args.output}", file=sys.stderr)
    return 0


def _database_url(args: argparse.Namespace) -> str:
    if args.database_url is None:
        return Settings.from_env().database_url
    return check_database_url(args.database_url, "--database-url")


def run_db(args: argparse.Namespace) -> int:
    try:
        url = _database_url(args)
    except InvalidRequest as error:
        print(error, file=sys.stderr)
        return EXIT_INVALID_INPUT
    shown = make_url(url).render_as_string(hide_password=True)
    if args.db_command in backup_cli.COMMANDS:
        return _run_backup(args, url, shown)
    try:
        if args.db_command == "upgrade":
            db.upgrade(url)
            print(f"{shown}: at revision {db.head_revision()}")
            return 0
        return _print_current(url, shown)
    except SQLAlchemyError as error:
        print(f"{shown}: {error.args[0] if error.args else error!r}", file=sys.stderr)
        return 1


def _run_backup(args: argparse.Namespace, url: str, shown: str) -> int:
    """``db dump`` / ``db restore``: a bad file is exit code 2, a clash or the database 1."""
    try:
        return backup_cli.run(args, url)
    except InvalidRequest as error:
        print(f"{args.file}: {error}" if args.db_command == "restore" else error, file=sys.stderr)
        return EXIT_INVALID_INPUT
    except SchedulerError as error:
        print(error, file=sys.stderr)
        return 1
    except SQLAlchemyError as error:
        print(f"{shown}: {error.args[0] if error.args else error!r}", file=sys.stderr)
        return 1
    except OSError as error:
        print(f"{error.filename or args.file}: {error.strerror}", file=sys.stderr)
        return EXIT_INVALID_INPUT


def _print_current(url: str, shown: str) -> int:
    engine = db.make_engine(url)
    try:
        db.require_current_schema(engine)
    except db.SchemaOutOfDate as error:
        print(f"{shown}: {error}")
        return 1
    finally:
        engine.dispose()
    print(f"{shown}: at revision {db.head_revision()}, up to date")
    return 0


def _run_clinic_command(args: argparse.Namespace) -> int:
    """A clinic command, with the scheduler's errors as messages and exit codes."""
    limit = getattr(args, "time_limit", None) or 0.0
    tick, _ = progress_printer(limit)
    interactive = sys.stderr.isatty() and getattr(args, "workers", 1) == 1
    try:
        return clinic_cli.dispatch(args, tick if interactive else None)
    except InvalidRequest as error:
        print(error.detail, file=sys.stderr)
        for fault in error.errors:
            print(
                f"  {fault.message if fault.field.startswith('line ') else fault}", file=sys.stderr
            )
        return EXIT_INVALID_INPUT
    except SchedulerError as error:
        print(error, file=sys.stderr)
        return 1
    except OSError as error:
        print(f"cannot read {error.filename}: {error.strerror}", file=sys.stderr)
        return EXIT_INVALID_INPUT


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command in stateless.COMMANDS and not stateless.is_stored_replan(args):
        return stateless.dispatch(args)
    if args.command == "db":
        return run_db(args)
    if args.command == "serve":
        return run_serve(args)
    if args.command in clinic_cli.COMMANDS:
        return _run_clinic_command(args)
    return run_generate(args)


if __name__ == "__main__":
    sys.exit(main())
