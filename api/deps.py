"""Dependencies of the routes: the settings, a database session, the caller and their role."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from scheduler.accounts.throttle import LoginAttempt, ThrottlePolicy
from scheduler.accounts.tokens import user_for_token
from scheduler.config import Settings
from scheduler.errors import NotAuthenticated, NotPermitted
from scheduler.jobs import JobQueue
from scheduler.models import Role, Therapist, User
from scheduler.models.base import utc_now

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable

_bearer = HTTPBearer(auto_error=False, description="The token that `POST /auth/login` returns.")
# The pages keep the same token in this HttpOnly, SameSite=Strict cookie (set by the login
# page), so their scripts call the API without handling the token; SameSite=Strict keeps
# other sites' requests from carrying it.
TOKEN_COOKIE = "homevisit_token"
# A cookie-carried write must also carry this header, which the pages' scripts set: another
# site cannot add a custom header without a CORS preflight, which this API never allows.
# SameSite=Strict alone still trusts sibling subdomains.
PAGE_HEADER = "X-Homevisit-Page"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_session(request: Request) -> AsyncIterator[Session]:
    # Async, so that closing the session (returning its connection) needs no request thread.
    with request.app.state.sessions() as session:
        yield session


def get_jobs(request: Request) -> JobQueue:
    jobs: JobQueue = request.app.state.jobs
    return jobs


Clock = Callable[[], dt.datetime]


def get_clock() -> Clock:
    """What the routes take the time from (tests put a clock of their own in its place)."""
    return utc_now


SettingsDep = Annotated[Settings, Depends(get_settings)]
ClockDep = Annotated[Clock, Depends(get_clock)]
SessionDep = Annotated[Session, Depends(get_session)]
JobsDep = Annotated[JobQueue, Depends(get_jobs)]
BearerCredentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def get_login_attempt(request: Request, settings: SettingsDep, clock: ClockDep) -> LoginAttempt:
    """The throttle's view of a login request. Behind a proxy, the client's address is the
    forwarded one only where uvicorn trusts the proxy (docs/deployment.md)."""
    policy = ThrottlePolicy(
        settings.login_account_limit, settings.login_address_limit, settings.login_window_s
    )
    address = request.client.host if request.client is not None else None
    return LoginAttempt(address, clock(), policy)


LoginAttemptDep = Annotated[LoginAttempt, Depends(get_login_attempt)]


def require_page_header(request: Request) -> None:
    """``NotPermitted`` unless the request carries the header that only the pages' own
    scripts send (see ``PAGE_HEADER``)."""
    if PAGE_HEADER not in request.headers:
        raise NotPermitted(f"a write with the page's cookie must carry the {PAGE_HEADER} header")


async def get_credentials(
    request: Request, bearer: BearerCredentials
) -> HTTPAuthorizationCredentials | None:
    """The bearer token of the Authorization header, else the pages' cookie."""
    if bearer is not None:
        return bearer
    token = request.cookies.get(TOKEN_COOKIE)
    if not token:
        return None
    if request.method not in _SAFE_METHODS:
        require_page_header(request)
    return HTTPAuthorizationCredentials(scheme="Bearer", credentials=token)


Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(get_credentials)]


def get_current_user(session: SessionDep, settings: SettingsDep, credentials: Credentials) -> User:
    if credentials is None:
        raise NotAuthenticated("this needs a bearer token; get one from POST /auth/login")
    assert settings.secret_key is not None  # create_app refuses to start without one
    return user_for_token(session, settings.secret_key, credentials.credentials)


CurrentUser = Annotated[User, Depends(get_current_user)]


def require_role(role: Role, *roles: Role) -> None:
    """``NotPermitted`` unless ``role`` is one of ``roles``."""
    if role not in roles:
        allowed = " or ".join(each.value for each in roles)
        raise NotPermitted(f"this needs the role {allowed}; you are {role.value}")


def _role_in(*roles: Role) -> Callable[[User], Awaitable[User]]:
    # Async, as the other checks here: they do no I/O, so they need no request thread.
    async def check(user: CurrentUser) -> User:
        require_role(user.role, *roles)
        return user

    return check


AdminUser = Annotated[User, Depends(_role_in(Role.ADMIN))]
StaffUser = Annotated[User, Depends(_role_in(Role.ADMIN, Role.COORDINATOR))]
TherapistUser = Annotated[User, Depends(_role_in(Role.THERAPIST))]


NO_THERAPIST_RECORD = "this login is not linked to a therapist record"


async def get_own_therapist(user: TherapistUser) -> Therapist:
    if user.therapist is None:
        raise NotPermitted(NO_THERAPIST_RECORD)
    return user.therapist


OwnTherapist = Annotated[Therapist, Depends(get_own_therapist)]
