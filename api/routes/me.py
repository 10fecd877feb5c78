"""The therapist's day: the published route, check-in/out, and the calendar feed."""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import TYPE_CHECKING, Annotated
from urllib.parse import quote

from fastapi import APIRouter, Path, Request, Response

from api.conditional import NOT_MODIFIED_RESPONSE, IfNoneMatch
from api.deps import OwnTherapist, SessionDep, SettingsDep, TherapistUser
from api.hot_reads import (
    TokenCaller,
    caller_today,
    day_response,
    feed_caller,
    own_therapist_id,
)
from api.params import UserId, VisitId
from api.route_cache import BodyKey, Caller
from api.schemas.fields import PlanDate
from api.schemas.me import (
    CheckRead,
    FeedRead,
    MyRouteRead,
    PatientOnRouteRead,
    RouteChangeRead,
    RouteStopRead,
)
from api.schemas.plans import BreakRead
from scheduler.accounts.tokens import feed_secret, rotate_feed
from scheduler.day_json.plan import break_json
from scheduler.errors import Conflict
from scheduler.local_time import DayClock, day_clock
from scheduler.models import PlanStop, Therapist, Visit
from scheduler.therapist_day.service import (
    RouteChanges,
    TherapistDay,
    check_in,
    check_out,
    feed_calendar,
    next_stop,
    route_changes,
    therapist_day,
)
from solver.clock import format_hhmmss

if TYPE_CHECKING:
    from sqlalchemy.orm import Session
    from starlette.applications import Starlette

    from scheduler.config import Settings
    from scheduler.models import User

router = APIRouter(tags=["therapist"])
ICS_TYPE = "text/calendar; charset=utf-8"
JSON = "application/json"


def _stop_read(stop: PlanStop, clock: DayClock) -> RouteStopRead:
    visit, patient = stop.visit, stop.visit.patient
    located = patient.lat is not None and patient.lon is not None
    where = f"{patient.lat},{patient.lon}"
    return RouteStopRead(
        position=stop.position,
        visit_id=visit.id,
        arrival=format_hhmmss(clock.wall_s(stop.arrival_s)),
        start=format_hhmmss(clock.wall_s(stop.start_s)),
        end=format_hhmmss(clock.wall_s(stop.end_s)),
        travel_s=stop.travel_s,
        wait_s=stop.wait_s,
        duration_minutes=visit.duration_minutes,
        skills=visit.needed_skills,
        status=visit.status,
        checked_in_at=visit.checked_in_at,
        checked_out_at=visit.checked_out_at,
        patient=PatientOnRouteRead.model_validate(patient, from_attributes=True),
        navigation_url=(
            f"https://www.google.com/maps/dir/?api=1&destination={quote(where)}"
            if located
            else None
        ),
        geo_url=f"geo:{where}" if located else None,
    )


def my_route_read(therapist: Therapist, day: TherapistDay, changes: RouteChanges) -> MyRouteRead:
    route = day.route
    used = route is not None and bool(route.stops)
    clock = day_clock(day.date, therapist.clinic.timezone)
    pause = break_json(clock, used, route.break_start_s, route.break_end_s) if route else None
    following = next_stop(day)
    last_leg = None
    if route is not None and used:
        last_leg = route.travel_s - sum(stop.travel_s for stop in route.stops)
    return MyRouteRead(
        date=day.date,
        published=day.plan is not None,
        plan_id=day.plan.id if day.plan else None,
        plan_version=day.plan.version if day.plan else None,
        therapist_name=therapist.name,
        timezone=therapist.clinic.timezone,
        start=clock.hhmmss(route.start_s) if route and used else None,
        end=clock.hhmmss(route.end_s) if route and used else None,
        travel_back_s=last_leg,
        **{"break": BreakRead.model_validate(pause) if pause else None},
        home={"lat": therapist.home_lat, "lon": therapist.home_lon},
        next_visit_id=following.visit_id if following else None,
        stops=[_stop_read(stop, clock) for stop in day.stops],
        previous_version=changes.previous_version,
        changes=[
            RouteChangeRead(
                kind=change.kind,
                visit_id=change.visit_id,
                patient_name=change.patient_name,
                before_start=clock.hhmmss(change.before_start_s),
                after_start=clock.hhmmss(change.after_start_s),
            )
            for change in changes.changes
        ],
    )


@router.get("/me/route", response_model=MyRouteRead, responses=NOT_MODIFIED_RESPONSE)
async def my_route(
    request: Request,
    caller: TokenCaller,
    session: SessionDep,
    date: PlanDate | None = None,
    if_none_match: IfNoneMatch = None,
) -> Response:
    """The caller's published route of a date (default today in the clinic's timezone)."""
    therapist_id = own_therapist_id(caller)
    date = date or caller_today(caller)
    key = BodyKey(caller.clinic_id, "route", therapist_id, date)
    render = partial(render_route, date=date)
    return await day_response(request, session, caller, key, if_none_match, JSON, render)


def render_route(session: Session, therapist: Therapist, date: dt.date) -> bytes:
    """The body of ``GET /me/route``: the therapist's published route of ``date``."""
    day = therapist_day(session, therapist, date)
    read = my_route_read(therapist, day, route_changes(session, therapist, day))
    return read.model_dump_json(by_alias=True).encode()


def _check_read(session: Session, therapist: Therapist, visit: Visit) -> CheckRead:
    following = next_stop(therapist_day(session, therapist, visit.date))
    return CheckRead(
        visit_id=visit.id,
        status=visit.status,
        checked_in_at=visit.checked_in_at,
        checked_out_at=visit.checked_out_at,
        next_visit_id=following.visit_id if following else None,
    )


@router.post("/me/visits/{visit_id}/check-in")
def check_in_visit(visit_id: VisitId, therapist: OwnTherapist, session: SessionDep) -> CheckRead:
    """Record arriving at a visit of the caller's published route (the time is now)."""
    return _check_read(session, therapist, check_in(session, therapist, visit_id))


@router.post("/me/visits/{visit_id}/check-out")
def check_out_visit(visit_id: VisitId, therapist: OwnTherapist, session: SessionDep) -> CheckRead:
    """Record finishing a visit of the caller's published route (the time is now)."""
    return _check_read(session, therapist, check_out(session, therapist, visit_id))


ICS_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {"content": {"text/calendar": {}}, "description": "An iCalendar stream."},
    **NOT_MODIFIED_RESPONSE,
}


async def _calendar(
    request: Request, session: Session, caller: Caller, therapist_id: int, if_none_match: str | None
) -> Response:
    today = caller_today(caller)
    key = BodyKey(caller.clinic_id, "feed", therapist_id, today)
    render = partial(feed_calendar, today=today)
    return await day_response(request, session, caller, key, if_none_match, ICS_TYPE, render)


@router.get("/me/route.ics", response_class=Response, responses=ICS_RESPONSES)
async def my_calendar(
    request: Request, caller: TokenCaller, session: SessionDep, if_none_match: IfNoneMatch = None
) -> Response:
    """The caller's published visits, a week back to two months ahead, as iCalendar."""
    therapist_id = own_therapist_id(caller)
    return await _calendar(request, session, caller, therapist_id, if_none_match)


def feed_url(app: Starlette, settings: Settings, user: User) -> str | None:
    """The user's calendar-feed URL under the configured public base URL; None without one.

    Never from the request: its ``Host`` header is whatever the client sent, and a feed URL
    handed out under another host would give that host the therapist's patients."""
    if settings.public_base_url is None:
        return None
    assert settings.secret_key is not None
    secret = feed_secret(settings.secret_key, user)
    path = app.url_path_for("calendar_feed", user_id=str(user.id), secret=secret)
    return settings.public_base_url + str(path)


def _feed_read(request: Request, settings: Settings, user: User) -> FeedRead:
    url = feed_url(request.app, settings, user)
    if url is None:
        raise Conflict(
            "this server hands out no calendar-feed URLs: HOMEVISIT_PUBLIC_BASE_URL is not "
            "set; ask the administrator"
        )
    return FeedRead(url=url)


@router.get("/me/calendar-feed")
def my_feed(request: Request, settings: SettingsDep, user: TherapistUser) -> FeedRead:
    """The caller's calendar feed URL, to subscribe to without logging in."""
    return _feed_read(request, settings, user)


@router.post("/me/calendar-feed/rotate")
def rotate_my_feed(
    request: Request, settings: SettingsDep, user: TherapistUser, session: SessionDep
) -> FeedRead:
    """Replace the caller's feed URL; the old one stops working at once."""
    # Checked first: without a base URL the caller could not learn the new URL.
    _feed_read(request, settings, user)
    rotate_feed(session, user)
    return _feed_read(request, settings, user)


@router.get(
    "/feeds/{user_id}/{secret}/route.ics",
    name="calendar_feed",
    response_class=Response,
    responses=ICS_RESPONSES,
)
async def calendar_feed(
    request: Request,
    user_id: UserId,
    secret: Annotated[str, Path(max_length=100)],
    session: SessionDep,
    settings: SettingsDep,
    if_none_match: IfNoneMatch = None,
) -> Response:
    """A therapist's calendar feed; the secret in the URL stands in for a login."""
    assert settings.secret_key is not None
    caller = await feed_caller(request, session, settings.secret_key, user_id, secret)
    assert caller.therapist_id is not None  # feed_caller found no feed otherwise
    return await _calendar(request, session, caller, caller.therapist_id, if_none_match)
