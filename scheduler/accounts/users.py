"""User accounts: creation with an argon2 password hash, and password checks."""

from __future__ import annotations

import contextlib
import functools
import re
import secrets
from typing import TYPE_CHECKING

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.exc import IntegrityError

from scheduler.errors import Conflict, FieldError, InvalidRequest
from scheduler.models import Role, User

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from scheduler.models import Clinic, Therapist

MIN_PASSWORD_LENGTH = 10
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_HASHER = PasswordHasher()


def _validate(
    email: str, password: str, role: str, therapist: Therapist | None
) -> list[FieldError]:
    errors = []
    if not _EMAIL.match(email):
        errors.append(FieldError("email", f"{email!r} is not an email address"))
    if len(password) < MIN_PASSWORD_LENGTH:
        errors.append(
            FieldError("password", f"must have at least {MIN_PASSWORD_LENGTH} characters")
        )
    if role not in {r.value for r in Role}:
        allowed = ", ".join(r.value for r in Role)
        errors.append(FieldError("role", f"{role!r} is not one of {allowed}"))
    elif (role == Role.THERAPIST) != (therapist is not None):
        errors.append(
            FieldError(
                "therapist",
                "a therapist login needs a therapist record, "
                "and only a therapist login may have one",
            )
        )
    return errors


def add_user(
    session: Session,
    clinic: Clinic,
    email: str,
    password: str,
    role: str,
    therapist: Therapist | None = None,
) -> User:
    """Create a login in ``clinic``; the email is stored lower-cased and must be new there,
    and a therapist may have only one login (``Conflict`` otherwise)."""
    email = email.strip().lower()
    errors = _validate(email, password, role, therapist)
    if errors:
        raise InvalidRequest(errors)
    taken = session.scalar(
        sa.select(User.id).where(User.clinic_id == clinic.id, User.email == email)
    )
    if taken is not None:
        raise Conflict(f"a user with email {email} already exists in this clinic")
    if therapist is not None:
        linked = session.scalar(sa.select(User.email).where(User.therapist_id == therapist.id))
        if linked is not None:
            raise Conflict(
                f"therapist {therapist.external_id!r} already has the login {linked}; "
                "a therapist has at most one"
            )
    user = User(
        clinic=clinic,
        email=email,
        password_hash=_HASHER.hash(password),
        role=Role(role),
        therapist=therapist,
    )
    # In a savepoint: a login stored by another request since the checks above breaks a
    # unique key here, which becomes a Conflict without undoing the caller's other work.
    try:
        with session.begin_nested():
            session.add(user)
    except IntegrityError as error:
        raise Conflict(
            f"a login with email {email}, or for this therapist, was added meanwhile"
        ) from error
    return user


def list_clinic_users(session: Session, clinic_id: int) -> list[User]:
    """The clinic's logins by email."""
    query = sa.select(User).where(User.clinic_id == clinic_id).order_by(User.email)
    return list(session.scalars(query))


def password_matches(user: User, password: str) -> bool:
    """Whether ``password`` is the user's; a damaged stored hash matches nothing."""
    try:
        return _HASHER.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@functools.cache
def _nobody_s_hash() -> str:
    # Made here, not stored: it then has the parameters of the hashes made today.
    return _HASHER.hash(secrets.token_urlsafe(16))


def check_nobody_s_password(password: str) -> None:
    """Do the work of ``password_matches`` for an email without a login, against a hash of
    nobody's made with the same parameters: else a wrong password would answer sooner for
    an unknown email than for a known one, which tells the emails that have logins."""
    with contextlib.suppress(VerificationError, InvalidHashError):
        _HASHER.verify(_nobody_s_hash(), password)
