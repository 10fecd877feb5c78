"""The hot reads (``/me/route``, the calendar feeds), which every phone polls: on the event
loop, the database only when the route cache (``api.route_cache``) has not got the answer.

A request that finds its caller and its body kept costs no query and no request thread; a
304 needs only the caller. What the cache has not got is read in the thread pool, as the
other routes do.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import TYPE_CHECKING, Annotated
from zoneinfo import ZoneInfo

from fastapi import Depends, Request, Response
from sqlalchemy.orm import joinedload
from starlette.concurrency import run_in_threadpool

from api.conditional import day_etag, matches, not_modified, validator_headers
from api.deps import NO_THERAPIST_RECORD, Credentials, SessionDep, SettingsDep, require_role
from api.route_cache import BodyKey, Caller, RouteCache
from scheduler.accounts.tokens import login_for_token, token_key, user_for_feed
from scheduler.errors import NotAuthenticated, NotFound, NotPermitted
from scheduler.models import Role, Therapist

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlalchemy.orm import Session

    from scheduler.models import User


def route_cache(request: Request) -> RouteCache:
    cache: RouteCache = request.app.state.route_cache
    return cache


def _caller(user: User, expires_at: dt.datetime | None) -> Caller:
    if expires_at is not None and expires_at.tzinfo is None:
        expires_at = expires_at.replace(tzinfo=dt.UTC)  # SQLite gives stored UTC times naive
    return Caller(
        user_id=user.id,
        role=user.role,
        clinic_id=user.clinic_id,
        therapist_id=user.therapist_id,
        timezone=user.clinic.timezone,
        routes_version=user.clinic.routes_version,
        expires_at=expires_at,
    )


def _token_caller(session: Session, secret_key: str, token: str) -> Caller:
    return _caller(*login_for_token(session, secret_key, token))


async def get_token_caller(
    request: Request, credentials: Credentials, session: SessionDep, settings: SettingsDep
) -> Caller:
    """The caller of a token (header or the pages' cookie), kept or looked up."""
    if credentials is None:
        raise NotAuthenticated("this needs a bearer token; get one from POST /auth/login")
    assert settings.secret_key is not None  # create_app refuses to start without one
    cache = route_cache(request)
    key = "token:" + token_key(settings.secret_key, credentials.credentials)
    caller = cache.caller(key)
    if caller is None:
        epoch = cache.epoch()
        caller = await run_in_threadpool(
            _token_caller, session, settings.secret_key, credentials.credentials
        )
        cache.keep_caller(key, caller, epoch)
    return caller


TokenCaller = Annotated[Caller, Depends(get_token_caller)]


def _feed_caller(session: Session, secret_key: str, user_id: int, secret: str) -> Caller:
    user = user_for_feed(session, secret_key, user_id, secret)
    if user.therapist is None:
        raise NotFound("no such calendar feed")
    return _caller(user, None)


async def feed_caller(
    request: Request, session: Session, secret_key: str, user_id: int, secret: str
) -> Caller:
    """The therapist whose feed URL this is, kept or looked up."""
    cache = route_cache(request)
    digest = hashlib.sha256(secret.encode(errors="surrogatepass")).hexdigest()
    key = f"feed:{user_id}:{digest}"
    caller = cache.caller(key)
    if caller is None:
        epoch = cache.epoch()
        caller = await run_in_threadpool(_feed_caller, session, secret_key, user_id, secret)
        cache.keep_caller(key, caller, epoch)
    return caller


def own_therapist_id(caller: Caller) -> int:
    """The caller's therapist record; ``NotPermitted`` as for ``api.deps.OwnTherapist``."""
    require_role(caller.role, Role.THERAPIST)
    if caller.therapist_id is None:
        raise NotPermitted(NO_THERAPIST_RECORD)
    return caller.therapist_id


def caller_today(caller: Caller) -> dt.date:
    """Today in the caller's clinic."""
    return dt.datetime.now(ZoneInfo(caller.timezone)).date()


async def day_response(
    request: Request,
    session: Session,
    caller: Caller,
    key: BodyKey,
    if_none_match: str | None,
    media_type: str,
    render: Callable[[Session, Therapist], bytes | str],
) -> Response:
    """The 304, the kept body, or the body ``render`` makes of the therapist's day."""
    etag = day_etag(key.kind, caller.routes_version, key.therapist_id, key.day)
    if matches(if_none_match, etag):
        return not_modified(etag)
    cache = route_cache(request)
    body = cache.body(key, caller.routes_version)
    if body is None:
        body = await run_in_threadpool(_render, session, key.therapist_id, render)
        cache.keep_body(key, caller.routes_version, body)
    return Response(body, media_type=media_type, headers=validator_headers(etag))


def _render(
    session: Session, therapist_id: int, render: Callable[[Session, Therapist], bytes | str]
) -> bytes:
    therapist = session.get_one(Therapist, therapist_id, options=[joinedload(Therapist.clinic)])
    body = render(session, therapist)
    return body.encode() if isinstance(body, str) else body
