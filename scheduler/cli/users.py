"""``homevisit users add``: a login for an admin, a coordinator or a therapist."""

from __future__ import annotations

import getpass
import sys
from typing import TYPE_CHECKING

import sqlalchemy as sa

from scheduler.accounts.users import add_user
from scheduler.cli.common import command_parser, open_session, pick_clinic
from scheduler.errors import NotFound
from scheduler.models import Therapist

if TYPE_CHECKING:
    import argparse

    from scheduler.cli.common import Subparsers

EXAMPLE = "printf '%s\\n' 'a long passphrase' | homevisit users add ana@example.org --role admin"


def add_parsers(commands: Subparsers) -> None:
    """Register ``users add``."""
    users = commands.add_parser("users", help="manage logins").add_subparsers(
        dest="users_command", required=True
    )
    add = command_parser(users, "add", EXAMPLE, "add a login; the password is read without echo")
    add.add_argument("email")
    add.add_argument("--role", choices=("admin", "coordinator", "therapist"), required=True)
    add.add_argument("--clinic", help="clinic name (default: the only clinic)")
    add.add_argument("--therapist", help="the therapist's id, for a therapist login")


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


def _read_password() -> str:
    """From the terminal without echo, or the first line of standard input when piped."""
    if sys.stdin.isatty():
        return getpass.getpass("Password: ")
    return sys.stdin.readline().rstrip("\n")
