"""What the commands on the stored clinic share: a session, the clinic, the parsers."""

from __future__ import annotations

import argparse
import datetime as dt
from contextlib import contextmanager
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Session

from scheduler.config import Settings
from scheduler.db.engine import make_engine, require_current_schema, upgrade
from scheduler.errors import InvalidRequest, NotFound
from scheduler.models import Clinic, Plan
from scheduler.records.values import date_fault

if TYPE_CHECKING:
    from collections.abc import Iterator

    Subparsers = argparse._SubParsersAction[argparse.ArgumentParser]


def date_argument(text: str) -> dt.date:
    """A ``--date``: ``YYYY-MM-DD`` inside the service's range (argparse's exit code 2,
    the CLI's invalid input, otherwise)."""
    try:
        date = dt.date.fromisoformat(text) if len(text) == len("YYYY-MM-DD") else None
    except ValueError:
        date = None
    if date is None:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date in YYYY-MM-DD format")
    if (fault := date_fault(date)) is not None:
        raise argparse.ArgumentTypeError(fault)
    return date


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


def command_parser(
    commands: Subparsers, name: str, example: str, text: str, epilog: str | None = None
) -> argparse.ArgumentParser:
    """A subcommand with its example (or a whole ``epilog``) and the ``--database-url``
    option every one takes."""
    parser = commands.add_parser(
        name,
        help=text,
        description=text,
        epilog=epilog or f"example:\n  {example}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--database-url", help="SQLAlchemy URL (overrides HOMEVISIT_DATABASE_URL)")
    return parser
