"""Logging in and out, the caller, and the clinic's user accounts (admins only)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, status

from api.deps import (
    AdminUser,
    Credentials,
    CurrentUser,
    LoginAttemptDep,
    SessionDep,
    SettingsDep,
)
from api.params import UserId
from api.schemas.auth import LoginCreate, RevokedRead, TokenRead, UserCreate, UserRead
from api.schemas.common import ErrorRead
from scheduler.accounts.tokens import log_in, revoke_token, revoke_user_tokens, rotate_user_feed
from scheduler.accounts.users import add_user, list_clinic_users
from scheduler.records.therapists import get_therapist

router = APIRouter(tags=["accounts"])


TOO_MANY_ATTEMPTS: dict[int | str, dict[str, Any]] = {
    429: {
        "model": ErrorRead,
        "description": "Too many failed logins for the email or from the address lately; "
        "`Retry-After` says how many seconds to wait.",
        "headers": {"Retry-After": {"schema": {"type": "integer"}}},
    }
}


@router.post("/auth/login", responses=TOO_MANY_ATTEMPTS)
def login(
    body: LoginCreate, session: SessionDep, settings: SettingsDep, attempt: LoginAttemptDep
) -> TokenRead:
    """Exchange an email and password for a bearer token (throttled after failures)."""
    assert settings.secret_key is not None
    issued = log_in(
        session,
        settings.secret_key,
        body.email,
        body.password,
        body.clinic_id,
        dt.timedelta(hours=settings.token_ttl_hours),
        attempt,
    )
    return TokenRead(access_token=issued.token, expires_at=issued.expires_at)


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(
    _user: CurrentUser, credentials: Credentials, session: SessionDep, settings: SettingsDep
) -> None:
    """End the token this request carries."""
    assert credentials is not None
    assert settings.secret_key is not None
    revoke_token(session, settings.secret_key, credentials.credentials)


@router.get("/auth/me")
def who_am_i(user: CurrentUser) -> UserRead:
    """The caller's account."""
    return UserRead.model_validate(user)


@router.get("/users")
def list_users(admin: AdminUser, session: SessionDep) -> list[UserRead]:
    """The clinic's logins."""
    return [UserRead.model_validate(user) for user in list_clinic_users(session, admin.clinic_id)]


@router.post("/users", status_code=status.HTTP_201_CREATED)
def create_user(body: UserCreate, admin: AdminUser, session: SessionDep) -> UserRead:
    """Add a login to the clinic; a therapist login names its therapist record."""
    therapist = None
    if body.therapist_id is not None:
        therapist = get_therapist(session, admin.clinic_id, body.therapist_id)
    user = add_user(session, admin.clinic, body.email, body.password, body.role, therapist)
    session.commit()
    return UserRead.model_validate(user)


@router.post("/users/{user_id}/revoke-tokens")
def revoke_tokens(user_id: UserId, admin: AdminUser, session: SessionDep) -> RevokedRead:
    """End every token and the calendar-feed URL of a user of the clinic (a lost phone)."""
    return RevokedRead(revoked=revoke_user_tokens(session, admin.clinic_id, user_id))


@router.post("/users/{user_id}/rotate-feed", status_code=status.HTTP_204_NO_CONTENT)
def rotate_feed_of_user(user_id: UserId, admin: AdminUser, session: SessionDep) -> None:
    """Replace a user's calendar-feed URL; the old one stops working at once."""
    rotate_user_feed(session, admin.clinic_id, user_id)
