"""The therapist's day on a phone: the route's stops in order, a map, check-in and check-out.

The page shows what ``GET /me/route`` answers; its script records the check-ins through
the JSON API (the token cookie authenticates it) and reloads the page.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from api.deps import SessionDep, SettingsDep
from api.pages.common import PageUser, landing_path, local_hhmm, redirect, render, to_login
from api.pages.svgmap import polyline, projection
from api.routes.me import feed_url, my_route_read
from api.schemas.fields import PlanDate
from api.schemas.me import MyRouteRead, RouteStopRead
from scheduler.models import Role
from scheduler.therapist_day.service import clinic_today, route_changes, therapist_day

router = APIRouter()
# Width, height and margin of the map's SVG box.
MAP_BOX = (340, 220, 18)


@dataclass(frozen=True)
class StopView:
    """One stop card: the stop, its number, whether it is next, the actual times."""

    stop: RouteStopRead
    number: int
    is_next: bool
    checked_in: str
    checked_out: str


@dataclass(frozen=True)
class AgendaItem:
    """A row of the day: ``leave``, ``travel``, ``stop``, ``break`` or ``home``."""

    kind: str
    start: str = ""
    end: str = ""
    travel_s: int = 0
    wait_s: int = 0
    stop: StopView | None = None


@dataclass(frozen=True)
class MapStop:
    x: float
    y: float
    number: int
    is_next: bool


@dataclass(frozen=True)
class RouteMap:
    """The route map's SVG box, home, path (``points`` text) and numbered stops."""

    width: int
    height: int
    home: tuple[float, float]
    path: str
    stops: list[MapStop]


def _seconds(clock: str | None) -> int | None:
    if not clock:
        return None
    hours, minutes, seconds = (int(part) for part in clock.split(":"))
    return hours * 3600 + minutes * 60 + seconds


def agenda(route: MyRouteRead) -> list[AgendaItem]:
    """The day in order: leaving home, travel and each stop, the break where it falls, home."""
    if not route.stops:
        return []
    pause = route.break_
    pause_start = _seconds(pause.start) if pause else None
    items = [AgendaItem("leave", start=route.start or "")]
    for number, stop in enumerate(route.stops, start=1):
        if pause and pause_start is not None and pause_start < (_seconds(stop.start) or 0):
            items.append(AgendaItem("break", start=pause.start, end=pause.end))
            pause = None
        items.append(AgendaItem("travel", travel_s=stop.travel_s, wait_s=stop.wait_s))
        checked = (
            local_hhmm(stop.checked_in_at, route.timezone),
            local_hhmm(stop.checked_out_at, route.timezone),
        )
        view = StopView(stop, number, stop.visit_id == route.next_visit_id, *checked)
        items.append(AgendaItem("stop", start=stop.start, end=stop.end, stop=view))
    if pause:
        items.append(AgendaItem("break", start=pause.start, end=pause.end))
    items.append(AgendaItem("home", start=route.end or "", travel_s=route.travel_back_s or 0))
    return items


def route_map(route: MyRouteRead) -> RouteMap | None:
    """The SVG map: home, the numbered stops, the path between them; None without stops."""
    places = [
        (number, stop.patient.lat, stop.patient.lon, stop.visit_id == route.next_visit_id)
        for number, stop in enumerate(route.stops, start=1)
        if stop.patient.lat is not None and stop.patient.lon is not None
    ]
    if not places:
        return None
    home = (route.home["lat"], route.home["lon"])
    box = projection([home, *((lat, lon) for _, lat, lon, _ in places)], *MAP_BOX)
    home_xy = box.xy(*home)
    stops = [MapStop(*box.xy(lat, lon), number, is_next) for number, lat, lon, is_next in places]
    path = polyline([home_xy, *((stop.x, stop.y) for stop in stops), home_xy])
    return RouteMap(MAP_BOX[0], MAP_BOX[1], home_xy, path, stops)


@router.get("/app/day", response_model=None)
def day_page(
    request: Request,
    user: PageUser,
    session: SessionDep,
    settings: SettingsDep,
    date: PlanDate | None = None,
) -> HTMLResponse | RedirectResponse:
    """The therapist's route of a date (default today), for a phone."""
    if user is None:
        return to_login()
    if user.role != Role.THERAPIST:
        return redirect(landing_path(user))
    therapist = user.therapist
    if therapist is None:
        message = {"message": "This login is not linked to a therapist record."}
        return render(request, "message.html", message, status_code=403)
    today = clinic_today(therapist)
    day = therapist_day(session, therapist, date or today)
    route = my_route_read(therapist, day, route_changes(session, therapist, day))
    feed = feed_url(request.app, settings, user)
    context: dict[str, Any] = {
        "route": route,
        "today": today,
        "previous_day": route.date - dt.timedelta(days=1),
        "next_day": route.date + dt.timedelta(days=1),
        "agenda": agenda(route),
        "map": route_map(route),
        "next_stop": next((s for s in route.stops if s.visit_id == route.next_visit_id), None),
        "feed_url": feed,
        "webcal_url": None if feed is None else "webcal://" + feed.split("://", 1)[1],
    }
    return render(request, "phone.html", context)
