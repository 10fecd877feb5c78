"""Accounts: argon2 hashes, validation naming the field, one email per clinic."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from scheduler.accounts.users import add_user, password_matches
from scheduler.errors import Conflict, InvalidRequest
from scheduler.models import Role
from tests.scheduler.factories import add_clinic, add_therapist

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

PASSWORD = "correct horse battery"


def test_password_is_hashed_and_checks(session: Session) -> None:
    clinic = add_clinic(session)
    user = add_user(session, clinic, " Ana@Example.org ", PASSWORD, "admin")
    assert user.email == "ana@example.org"
    assert user.password_hash.startswith("$argon2")
    assert PASSWORD not in user.password_hash
    assert password_matches(user, PASSWORD)
    assert not password_matches(user, PASSWORD + "!")


@pytest.mark.parametrize(
    ("email", "password", "role", "field"),
    [
        ("not-an-email", PASSWORD, "admin", "email"),
        ("a@b.org", "short", "admin", "password"),
        ("a@b.org", PASSWORD, "owner", "role"),
        ("a@b.org", PASSWORD, "therapist", "therapist"),
    ],
)
def test_bad_input_names_the_field(
    session: Session, email: str, password: str, role: str, field: str
) -> None:
    clinic = add_clinic(session)
    with pytest.raises(InvalidRequest) as raised:
        add_user(session, clinic, email, password, role)
    assert [error.field for error in raised.value.errors] == [field]


def test_same_email_twice_in_a_clinic_is_a_conflict(session: Session) -> None:
    clinic = add_clinic(session)
    add_user(session, clinic, "ana@example.org", PASSWORD, "coordinator")
    with pytest.raises(Conflict, match="already exists"):
        add_user(session, clinic, "ANA@example.org", PASSWORD, "admin")


def test_therapist_login_is_linked(session: Session) -> None:
    clinic = add_clinic(session)
    therapist = add_therapist(session, clinic)
    user = add_user(session, clinic, "t@example.org", PASSWORD, "therapist", therapist)
    assert user.role == Role.THERAPIST
    assert user.therapist is therapist
