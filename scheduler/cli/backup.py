"""``homevisit db dump`` and ``db restore``: one clinic's records and plans as a file."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from scheduler.backup import dump_clinic, read_backup, restore_clinic, write_backup
from scheduler.cli.common import command_parser, pick_clinic
from scheduler.db.engine import make_engine, require_current_schema

if TYPE_CHECKING:
    import argparse
    from collections.abc import Iterator

    from scheduler.backup import RestoreReport
    from scheduler.cli.common import Subparsers

COMMANDS = ("dump", "restore")
EXAMPLE = """example:
  homevisit db dump --clinic 'Clinica Andorra' andorra.homevisit.gz
  HOMEVISIT_DATABASE_URL=postgresql+psycopg://homevisit@db/homevisit \\
    homevisit db restore andorra.homevisit.gz
a restore checks the whole file first, writes in one transaction, and refuses a damaged file,
a file of another schema revision, or a clinic name that exists (--as NAME restores a copy)
exit codes: 0 done, 1 database error or clinic exists, 2 invalid file or configuration"""


def add_parsers(actions: Subparsers) -> None:
    """Register ``db dump`` and ``db restore`` under ``db``."""
    dump = command_parser(
        actions, "dump", "", "write one clinic's records and plans to a backup file", EXAMPLE
    )
    dump.add_argument("--clinic", help="clinic name (default: the only clinic)")
    dump.add_argument("file", type=Path, help="the backup file to write (replaced whole)")
    restore = command_parser(
        actions, "restore", "", "restore a clinic from a backup file, under new ids", EXAMPLE
    )
    restore.add_argument("file", type=Path, help="a file that `homevisit db dump` wrote")
    restore.add_argument("--as", dest="as_name", metavar="NAME", help="restore under this name")
    restore.add_argument(
        "--dry-run", action="store_true", help="check the file and the restore, then roll back"
    )


@contextmanager
def _snapshot_session(url: str) -> Iterator[Session]:
    """A session on a current schema that reads one snapshot across tables."""
    engine = make_engine(url)
    try:
        require_current_schema(engine)
        if engine.dialect.name == "postgresql":
            engine = engine.execution_options(isolation_level="REPEATABLE READ")
        with Session(engine) as session:
            yield session
    finally:
        engine.dispose()


def run(args: argparse.Namespace, url: str) -> int:
    """Run ``db dump`` or ``db restore`` on the database at ``url``."""
    if args.db_command == "dump":
        with _snapshot_session(url) as session:
            clinic = pick_clinic(session, args.clinic)
            backup = dump_clinic(session, clinic.id)
        write_backup(backup, args.file)
        print(f"{backup.clinic}: {_counts(backup.counts())} written to {args.file}")
        print(f"schema revision {backup.schema_revision}, {args.file.stat().st_size} bytes")
        return 0
    backup = read_backup(args.file)
    with _snapshot_session(url) as session:
        report = restore_clinic(session, backup, args.as_name)
        if args.dry_run:
            session.rollback()
        else:
            session.commit()
    _print_restored(report, args.file, args.dry_run)
    return 0


def _print_restored(report: RestoreReport, file: Path, dry_run: bool) -> None:
    if dry_run:
        print(f"{file} would restore {report.clinic_name}: {_counts(report.rows)}; nothing written")
        return
    print(f"{report.clinic_name} restored as clinic {report.clinic_id}: {_counts(report.rows)}")
    print(
        "users log in again (tokens are not in backups); therapists subscribe to their new "
        "calendar-feed URL; the outbox of the old installation is not restored",
        file=sys.stderr,
    )


def _counts(rows: dict[str, int]) -> str:
    shown = ("therapists", "patients", "visits", "users", "plans")
    return ", ".join(f"{rows.get(name, 0)} {name}" for name in shown)
