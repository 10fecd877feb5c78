"""Logging in and out of the pages: the token lives in an HttpOnly, SameSite=Strict cookie.

The login form is throttled as ``POST /auth/login`` is. Logging out is a write with the
cookie, so it needs the page header as every other one does: the pages' ``logout.js`` sends
the form with it.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from api.deps import (
    TOKEN_COOKIE,
    LoginAttemptDep,
    SessionDep,
    SettingsDep,
    require_page_header,
)
from api.pages.common import PageUser, landing_path, redirect, render, to_login
from scheduler.accounts.tokens import log_in, revoke_token
from scheduler.errors import InvalidRequest, NotAuthenticated, TooManyAttempts
from scheduler.records.store import MAX_ID

router = APIRouter()


@router.get("/")
def home() -> RedirectResponse:
    """The pages start at /app."""
    return redirect("/app")


@router.get("/app")
def app_home(user: PageUser) -> RedirectResponse:
    """The caller's page: the day for a therapist, the roster for staff; else the login."""
    return to_login() if user is None else redirect(landing_path(user))


@router.get("/app/login", response_model=None)
def login_page(request: Request, user: PageUser) -> HTMLResponse | RedirectResponse:
    """The login form."""
    if user is not None:
        return redirect(landing_path(user))
    return render(request, "login.html", {"email": "", "error": None, "ask_clinic": False})


@router.post("/app/login", response_model=None)
def login_form(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    attempt: LoginAttemptDep,
    email: Annotated[str, Form(max_length=254)],
    password: Annotated[str, Form(max_length=1024)],
    clinic_id: Annotated[int | None, Form(ge=1, le=MAX_ID)] = None,
) -> HTMLResponse | RedirectResponse:
    """Check the email and password; set the token cookie and open the caller's page."""
    assert settings.secret_key is not None
    ttl = dt.timedelta(hours=settings.token_ttl_hours)
    try:
        issued = log_in(session, settings.secret_key, email, password, clinic_id, ttl, attempt)
    except (NotAuthenticated, InvalidRequest, TooManyAttempts) as error:
        # A form answers with the form again, saying what was wrong.
        return _login_refused(request, email, error)
    response = redirect(landing_path(issued.user))
    response.set_cookie(
        TOKEN_COOKIE,
        issued.token,
        max_age=int(ttl.total_seconds()),
        path="/",
        secure=request.url.scheme == "https",
        httponly=True,
        samesite="strict",
    )
    return response


def _login_refused(
    request: Request, email: str, error: NotAuthenticated | InvalidRequest | TooManyAttempts
) -> HTMLResponse:
    ask_clinic = isinstance(error, InvalidRequest)
    if isinstance(error, TooManyAttempts):
        message = f"{str(error)[:1].upper()}{str(error)[1:]}."
    elif ask_clinic:
        message = "This email has logins in several clinics: enter the clinic number."
    else:
        message = "Wrong email or password."
    context = {"email": email, "error": message, "ask_clinic": ask_clinic}
    status = 429 if isinstance(error, TooManyAttempts) else 401
    response = render(request, "login.html", context, status_code=status)
    if isinstance(error, TooManyAttempts):
        response.headers["Retry-After"] = str(error.retry_after_s)
    return response


@router.post("/app/logout")
def logout_form(request: Request, session: SessionDep, settings: SettingsDep) -> RedirectResponse:
    """End the cookie's token and forget it."""
    # Else another site could log the user out with a form of its own.
    require_page_header(request)
    token = request.cookies.get(TOKEN_COOKIE)
    if token and settings.secret_key is not None:
        revoke_token(session, settings.secret_key, token)
    response = to_login()
    response.delete_cookie(TOKEN_COOKIE, path="/", httponly=True, samesite="strict")
    return response
