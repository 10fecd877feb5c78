"""What the pages share: the templates, the caller from the token cookie, times as shown."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import jinja2
from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from api.deps import TOKEN_COOKIE, SessionDep, SettingsDep
from scheduler.accounts.tokens import user_for_token
from scheduler.errors import NotAuthenticated
from scheduler.models import Role, User
from solver.clock import format_hhmm, hhmm_of

HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"
LOGIN_PATH = "/app/login"
# Every asset comes from the app itself; the timeline positions its blocks with inline styles.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def hhmm(seconds: int | None) -> str:
    """``HH:MM`` (24-hour) from wall-clock seconds after midnight; empty for None."""
    return "" if seconds is None else format_hhmm(seconds)


def clock_hhmm(clock: str | None) -> str:
    """``HH:MM`` from the API's ``HH:MM:SS``; empty for None."""
    return hhmm_of(clock) if clock else ""


def duration(seconds: int | None) -> str:
    """``1 h 05 min`` / ``12 min``, rounded to the minute."""
    minutes = round((seconds or 0) / 60)
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60:02d} min"


def local_hhmm(moment: dt.datetime | None, timezone: str) -> str:
    """A UTC timestamp as ``HH:MM`` in the clinic's timezone (SQLite returns it naive)."""
    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(ZoneInfo(timezone)).strftime("%H:%M")


def long_date(day: dt.date) -> str:
    """``Friday 27 November 2026``."""
    return f"{day:%A} {day.day} {day:%B %Y}"


def short_date(day: dt.date) -> str:
    """``Fri 27 Nov``."""
    return f"{day:%a} {day.day} {day:%b}"


def _environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters.update(
        hhmm=hhmm, clock=clock_hhmm, duration=duration, long_date=long_date, short_date=short_date
    )
    return environment


templates = Jinja2Templates(env=_environment())


def render(
    request: Request, name: str, context: dict[str, Any], status_code: int = 200
) -> HTMLResponse:
    """The template as an HTML page with the pages' security headers."""
    return templates.TemplateResponse(
        request, name, context, status_code=status_code, headers=SECURITY_HEADERS
    )


def get_page_user(request: Request, session: SessionDep, settings: SettingsDep) -> User | None:
    """The user of the token cookie, or None (no cookie, or an expired or revoked token)."""
    token = request.cookies.get(TOKEN_COOKIE)
    if not token or settings.secret_key is None:
        return None
    try:
        return user_for_token(session, settings.secret_key, token)
    except NotAuthenticated:
        return None


PageUser = Annotated[User | None, Depends(get_page_user)]


def landing_path(user: User) -> str:
    """Where a user's pages start: therapists on their day, staff on the roster."""
    return "/app/day" if user.role == Role.THERAPIST else "/app/roster"


def redirect(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303, headers={"Cache-Control": "no-store"})


def to_login() -> RedirectResponse:
    return redirect(LOGIN_PATH)
