"""Callers for the record tests: a login of a role in a clinic, with its headers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from scheduler.models import Role
from tests.api.factories import add_login, auth_headers
from tests.scheduler.factories import add_clinic, add_therapist

if TYPE_CHECKING:
    from httpx import Response
    from sqlalchemy.orm import Session

    from scheduler.models import Clinic


@dataclass(frozen=True)
class Caller:
    clinic: Clinic
    headers: dict[str, str]


def caller(session: Session, role: Role = Role.COORDINATOR, clinic: Clinic | None = None) -> Caller:
    """A login of ``role`` in ``clinic`` (a new clinic if None); a therapist gets a record."""
    clinic = clinic or add_clinic(session, f"Clinic {role.value}")
    therapist = add_therapist(session, clinic, "self") if role == Role.THERAPIST else None
    return Caller(clinic, auth_headers(session, add_login(session, clinic, role, therapist)))


def fields(response_json: dict[str, object]) -> set[str]:
    """The fields that the errors of a 422 body name."""
    errors = response_json["errors"]
    assert isinstance(errors, list)
    return {error["field"] for error in errors}


def created(response: Response) -> dict[str, Any]:
    """The body of a 201 answer (the errors in the failure message otherwise)."""
    assert response.status_code == 201, response.json()
    body: dict[str, Any] = response.json()
    return body
