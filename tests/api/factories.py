"""Logins for API tests: a user of a role in a clinic, and the headers that carry its token."""

from __future__ import annotations

from typing import TYPE_CHECKING

from scheduler.accounts.tokens import issue_token
from scheduler.accounts.users import add_user
from scheduler.models import Role
from tests.api.conftest import PUBLIC_BASE_URL, SECRET_KEY

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from scheduler.models import Clinic, Therapist, User

PASSWORD = "correct horse battery"


def add_login(
    session: Session, clinic: Clinic, role: Role, therapist: Therapist | None = None
) -> User:
    """A user of ``role``; a therapist login is linked to ``therapist``."""
    email = f"{role.value}-{therapist.id if therapist else 0}-{clinic.id}@clinic.example"
    return add_user(session, clinic, email, PASSWORD, role, therapist)


def auth_headers(session: Session, user: User) -> dict[str, str]:
    """The Authorization header of a fresh token of ``user``."""
    token = issue_token(session, SECRET_KEY, user).token
    return {"Authorization": f"Bearer {token}"}


def served_path(url: str) -> str:
    """The path under which the app serves a URL it handed out under the public base URL
    (a proxy in front of it strips the base's own path)."""
    assert url.startswith(PUBLIC_BASE_URL + "/"), url
    return url.removeprefix(PUBLIC_BASE_URL)


__all__ = ["PASSWORD", "Role", "add_login", "auth_headers", "served_path"]
