"""The pages in a real browser: the app served by uvicorn, driven by Playwright in Chromium.

One server for the whole run, on a SQLite file of its own, seeded with two generated days
of the demo clinic ("small": 6 therapists, 40 visits): today, with a published plan in two
versions (the second drops the therapist's last visit, so the day says what changed), and
tomorrow, without a plan, for the coordinator to solve. A second clinic holds the planning
tests' small day (``add_small_day``), solved and published, for a re-plan during the day;
a third the week planning tests' small week (``add_small_week``), planned, for the week page.

Chromium is Debian's (``apt-get install chromium``); Playwright's own browser download is
not used. Without ``/usr/bin/chromium`` the browser tests are skipped, saying why. The
screenshots go to ``.artifacts/screenshots`` (git-ignored).
"""

from __future__ import annotations

import datetime as dt
import socket
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
import uvicorn
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from api.app import create_app
from api.deps import get_session
from scheduler.accounts.users import add_user
from scheduler.cli.demo import seed_demo_day
from scheduler.config import Settings
from scheduler.db.engine import make_engine, upgrade
from scheduler.models import (
    Plan,
    PlanRoute,
    PlanStatus,
    PlanStop,
    PlanUnassigned,
    Role,
    Therapist,
    WeeklyAvailability,
)
from scheduler.planning import PlanOptions, create_plan, get_plan, publish_plan
from tests.api.conftest import settings_for
from tests.scheduler.factories import DAY
from tests.scheduler.planning_factories import add_small_day
from tests.scheduler.week_factories import add_small_week, plan_week_here

if TYPE_CHECKING:
    from collections.abc import Iterator

    from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize

CHROMIUM = Path("/usr/bin/chromium")
# Without the background-networking switches Chromium's own connections are refused by
# the closed network of the CI machine, and it stalls.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / ".artifacts" / "screenshots"
PHONE: ViewportSize = {"width": 360, "height": 740}
DESKTOP: ViewportSize = {"width": 1366, "height": 900}
PASSWORD = "correct horse battery"
SECRET_KEY = "web-test-secret-key-not-for-production"
# A guard against a hung server, not a speed target.
START_GUARD_S = 30


@dataclass(frozen=True)
class SmallDaySite:
    """The small day's clinic: its date, published plan and logins (by therapist id)."""

    date: dt.date
    plan_id: int
    coordinator_email: str
    therapist_emails: dict[str, str]
    stops: dict[str, list[str]]


@dataclass(frozen=True)
class SmallWeekSite:
    """The small week's clinic: its planned week plan and the coordinator's login."""

    week_id: int
    coordinator_email: str


@dataclass(frozen=True)
class Site:
    """The running app and what was seeded in it."""

    url: str
    today: dt.date
    tomorrow: dt.date
    therapist_email: str
    coordinator_email: str
    therapist_name: str
    removed_patient: str
    stops: list[str]
    small_day: SmallDaySite
    small_week: SmallWeekSite


def _free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


def _work_every_day(session: Session, clinic_id: int) -> None:
    """The demo works Monday to Friday; the tests run any day of the week."""
    for therapist in session.scalars(sa.select(Therapist).where(Therapist.clinic_id == clinic_id)):
        weekday = therapist.availability[0]
        for day in range(5, 7):
            therapist.availability.append(
                WeeklyAvailability(weekday=day, start=weekday.start, end=weekday.end)
            )


def _without_last_stop(session: Session, published: Plan, therapist_id: int) -> Plan:
    """A new version of ``published`` with the therapist's last visit left out."""
    copy = Plan(
        clinic_id=published.clinic_id,
        date=published.date,
        version=published.version + 1,
        status=PlanStatus.DRAFT,
        parameters=published.parameters,
        kpis=published.kpis,
        solver_stats=published.solver_stats,
        violations=[],
    )
    for route in published.routes:
        stops = list(route.stops)
        if route.therapist_id == therapist_id:
            last = stops.pop()
            copy.unassigned.append(
                PlanUnassigned(visit_id=last.visit_id, reason="CAPACITY", message="left out")
            )
        new_route = PlanRoute(
            therapist_id=route.therapist_id,
            **{
                column: getattr(route, column)
                for column in ("start_s", "end_s", "break_start_s", "break_end_s")
            },
            travel_s=route.travel_s,
            distance_m=route.distance_m,
            work_s=route.work_s,
        )
        new_route.stops = [
            PlanStop(
                visit_id=stop.visit_id,
                position=stop.position,
                arrival_s=stop.arrival_s,
                start_s=stop.start_s,
                end_s=stop.end_s,
                travel_s=stop.travel_s,
                distance_m=stop.distance_m,
                wait_s=stop.wait_s,
            )
            for stop in stops
        ]
        copy.routes.append(new_route)
    copy.unassigned += [
        PlanUnassigned(visit_id=item.visit_id, reason=item.reason, message=item.message)
        for item in published.unassigned
    ]
    session.add(copy)
    session.commit()
    return copy


def _seed_small_day(session: Session) -> SmallDaySite:
    """The small day solved and published: t1 visits v1, t2 v3 (OT) and then v2."""
    day = add_small_day(session)
    session.commit()
    draft = create_plan(session, day.clinic.id, DAY, PlanOptions(time_limit_s=1))
    plan = get_plan(session, day.clinic.id, publish_plan(session, day.clinic.id, draft.id).id)
    stops = {
        route.therapist.external_id: [stop.visit.external_id for stop in route.stops]
        for route in plan.routes
        if route.stops
    }
    assert stops == {"t1": ["v1"], "t2": ["v3", "v2"]}, f"the small day's plan changed: {stops}"
    emails = {key: f"{key}@andorra.example" for key in ("t1", "t2")}
    for key, email in emails.items():
        add_user(session, day.clinic, email, PASSWORD, Role.THERAPIST, day.therapists[key])
    add_user(session, day.clinic, "coordinator@andorra.example", PASSWORD, Role.COORDINATOR)
    session.commit()
    return SmallDaySite(DAY, plan.id, "coordinator@andorra.example", emails, stops)


def _seed_small_week(session: Session) -> SmallWeekSite:
    """The small week planned (cp1 with t1 Monday, Wednesday, Friday; cp2 with t2 Tuesday
    and Thursday), and its clinic's coordinator."""
    clinic = add_small_week(session, "Clinica Setmana")
    session.commit()
    week = plan_week_here(session, clinic)
    add_user(session, clinic, "coordinator@week.example", PASSWORD, Role.COORDINATOR)
    session.commit()
    return SmallWeekSite(week.id, "coordinator@week.example")


def _seed(engine: sa.Engine, today: dt.date) -> Site:
    tomorrow = today + dt.timedelta(days=1)
    with Session(engine, expire_on_commit=False) as session:
        clinic = seed_demo_day(session, today, size="small")
        seed_demo_day(session, tomorrow, size="small")
        _work_every_day(session, clinic.id)
        session.commit()
        first = create_plan(session, clinic.id, today, PlanOptions(time_limit_s=1))
        publish_plan(session, first.clinic_id, first.id)
        first = get_plan(session, first.clinic_id, first.id)
        busiest = max(first.routes, key=lambda route: len(route.stops))
        removed = busiest.stops[-1].visit.patient.name
        second = _without_last_stop(session, first, busiest.therapist_id)
        publish_plan(session, second.clinic_id, second.id)
        add_user(
            session, clinic, "therapist@clinic.example", PASSWORD, Role.THERAPIST, busiest.therapist
        )
        add_user(session, clinic, "coordinator@clinic.example", PASSWORD, Role.COORDINATOR)
        session.commit()
        return Site(
            url="",
            today=today,
            tomorrow=tomorrow,
            therapist_email="therapist@clinic.example",
            coordinator_email="coordinator@clinic.example",
            therapist_name=busiest.therapist.name,
            removed_patient=removed,
            stops=[stop.visit.patient.name for stop in busiest.stops[:-1]],
            small_day=_seed_small_day(session),
            small_week=_seed_small_week(session),
        )


@pytest.fixture
def client(shared_engine: sa.Engine, session: Session) -> Iterator[TestClient]:
    """The app over HTTP without a server, every request inside the test's rolled-back
    ``session``; no redirects followed."""
    app = create_app(settings_for(shared_engine), shared_engine)
    app.dependency_overrides[get_session] = lambda: session
    with TestClient(app, follow_redirects=False) as client:
        yield client
    app.state.jobs.shutdown()


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The app on a seeded SQLite file, served on a free local port."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium); .ci/run installs it")
    url = f"sqlite:///{tmp_path_factory.mktemp('web') / 'homevisit.db'}"
    engine = make_engine(url)
    upgrade(engine)
    seeded = _seed(engine, dt.datetime.now(ZoneInfo("Europe/London")).date())
    settings = Settings(database_url=url, secret_key=SECRET_KEY, solver_time_limit_s=1.0)
    app = create_app(settings, engine)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    sock = _free_socket()
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + START_GUARD_S
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    host, port = sock.getsockname()
    yield replace(seeded, url=f"http://{host}:{port}")
    server.should_exit = True
    thread.join(timeout=START_GUARD_S)
    sock.close()
    engine.dispose()


@pytest.fixture(scope="session")
def browser(site: Site) -> Iterator[Browser]:
    """Debian's Chromium, headless, driven by Playwright."""
    del site  # the server first: it skips the run when Chromium is missing
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def phone(browser: Browser, site: Site) -> Iterator[Page]:
    """A page on a 360 x 740 touch phone; a script error fails the test."""
    context = browser.new_context(
        base_url=site.url, viewport=PHONE, is_mobile=True, has_touch=True, locale="en-GB"
    )
    yield from _page(context)


@pytest.fixture
def desktop(browser: Browser, site: Site) -> Iterator[Page]:
    """A page on a 1366 x 900 desktop screen; a script error fails the test."""
    yield from _page(browser.new_context(base_url=site.url, viewport=DESKTOP, locale="en-GB"))


def _page(context: BrowserContext) -> Iterator[Page]:
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert errors == [], f"script errors on the page: {errors}"


def log_in(page: Page, email: str) -> None:
    """Fill the login form the app redirects to."""
    page.goto("/app")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)
