"""The pages over HTTP, without a browser: the login cookie, redirects, escaping, content."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest

from api.deps import PAGE_HEADER, TOKEN_COOKIE
from api.pages.replan_view import replan_panel
from scheduler.models import PlanStatus, Role
from tests.api.conftest import PUBLIC_BASE_URL
from tests.api.factories import PASSWORD, add_login
from tests.scheduler.factories import DAY, add_clinic
from tests.scheduler.planning_factories import add_routed_plan, add_small_day

if TYPE_CHECKING:
    from fastapi.testclient import TestClient
    from sqlalchemy.orm import Session

    from scheduler.models import Plan, User
    from tests.scheduler.planning_factories import SmallDay


def _log_in(client: TestClient, user: User, password: str = PASSWORD) -> str:
    """Post the login form; the response's redirect target."""
    response = client.post("/app/login", data={"email": user.email, "password": password})
    assert response.status_code == 303, response.text
    location: str = response.headers["location"]
    return location


def test_the_login_form_refuses_a_clinic_number_beyond_the_database_integer(
    client: TestClient, session: Session
) -> None:
    """A 422, rather than the database refusing the number (a 500)."""
    user = add_login(session, add_clinic(session), Role.COORDINATOR)
    form = {"email": user.email, "password": PASSWORD, "clinic_id": str(2**31)}
    assert client.post("/app/login", data=form).status_code == 422


@pytest.mark.parametrize("path", ["/app", "/app/day", "/app/roster", "/app/day?date=2026-11-30"])
def test_without_a_cookie_the_pages_ask_to_log_in(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 303
    assert response.headers["location"] == "/app/login"


def test_the_login_sets_an_httponly_strict_cookie_and_opens_the_role_s_page(
    client: TestClient, session: Session
) -> None:
    day = add_small_day(session)
    therapist = add_login(session, day.clinic, Role.THERAPIST, day.therapists["t1"])
    coordinator = add_login(session, day.clinic, Role.COORDINATOR)
    response = client.post("/app/login", data={"email": therapist.email, "password": PASSWORD})
    assert response.headers["location"] == "/app/day"
    cookie = response.headers["set-cookie"].lower()
    assert cookie.startswith(f"{TOKEN_COOKIE}=")
    assert {"httponly", "samesite=strict", "path=/"} <= {p.strip() for p in cookie.split(";")}
    assert client.get("/app/roster").headers["location"] == "/app/day"
    client.cookies.clear()
    assert _log_in(client, coordinator) == "/app/roster"
    assert client.get("/app/day").headers["location"] == "/app/roster"
    assert client.get("/app/login").headers["location"] == "/app/roster"


def test_a_wrong_password_shows_the_form_again(client: TestClient, session: Session) -> None:
    user = add_login(session, add_clinic(session), Role.COORDINATOR)
    response = client.post("/app/login", data={"email": user.email, "password": "wrong"})
    assert response.status_code == 401
    assert "Wrong email or password." in response.text
    assert "set-cookie" not in response.headers


def test_the_api_accepts_the_cookie_until_logout(client: TestClient, session: Session) -> None:
    user = add_login(session, add_clinic(session), Role.COORDINATOR)
    _log_in(client, user)
    token = client.cookies[TOKEN_COOKIE]
    assert client.get("/auth/me").json()["email"] == user.email
    logout = client.post("/app/logout", headers={PAGE_HEADER: "1"})
    assert logout.headers["location"] == "/app/login"
    assert TOKEN_COOKIE not in client.cookies
    client.cookies.set(TOKEN_COOKIE, token)
    assert client.get("/auth/me").status_code == 401
    assert client.get("/app/roster").headers["location"] == "/app/login"


def test_the_day_escapes_what_the_clinic_typed(client: TestClient, session: Session) -> None:
    day = add_small_day(session)
    t1, v1 = day.therapists["t1"], day.visits["v1"]
    v1.patient.name = "<script>alert(1)</script>"
    v1.patient.access_notes = '"><img src=x onerror=alert(2)>'
    add_routed_plan(session, day.clinic, {t1: [(v1, 9 * 3600)]}, status=PlanStatus.PUBLISHED)
    _log_in(client, add_login(session, day.clinic, Role.THERAPIST, t1))
    page = client.get("/app/day", params={"date": DAY.isoformat()})
    assert page.status_code == 200
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "<script>alert" not in page.text
    assert "<img src=x" not in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]


def test_the_roster_shows_a_plan_and_the_static_files_are_served(
    client: TestClient, session: Session
) -> None:
    day = add_small_day(session)
    t1, t2 = day.therapists["t1"], day.therapists["t2"]
    v1, v3 = day.visits["v1"], day.visits["v3"]
    add_routed_plan(session, day.clinic, {t1: [(v1, 9 * 3600)], t2: [(v3, 13 * 3600)]})
    _log_in(client, add_login(session, day.clinic, Role.COORDINATOR))
    page = client.get("/app/roster", params={"date": DAY.isoformat()})
    assert page.status_code == 200
    assert "Version 1: draft" in page.text
    assert page.text.count('class="row"') == 2
    assert "Patient p1" in page.text
    for asset, kind in (("style.css", "text/css"), ("roster.js", "javascript")):
        response = client.get(f"/app/static/{asset}")
        assert response.status_code == 200
        assert kind in response.headers["content-type"]


def test_the_roster_compares_a_draft_with_the_published_version(
    client: TestClient, session: Session
) -> None:
    """The draft moves v1 from t1 to t2: the comparison names the patient and both places."""
    day = add_small_day(session)
    t1, t2 = day.therapists["t1"], day.therapists["t2"]
    v1, v2 = day.visits["v1"], day.visits["v2"]
    add_routed_plan(
        session, day.clinic, {t1: [(v1, 9 * 3600), (v2, 11 * 3600)]}, status=PlanStatus.PUBLISHED
    )
    add_routed_plan(session, day.clinic, {t1: [(v2, 11 * 3600)], t2: [(v1, 9 * 3600)]})
    _log_in(client, add_login(session, day.clinic, Role.COORDINATOR))
    page = client.get("/app/roster", params={"date": DAY.isoformat()}).text
    assert "Version 2: draft" in page
    assert "Compared with the published version 1" in page
    assert "Moved to another therapist (1)" in page
    assert "Patient p1 (v1): Therapist t1 09:00 → Therapist t2 09:00" in page


def test_a_cookie_write_needs_the_page_header(client: TestClient, session: Session) -> None:
    """Another site's form cannot add the header, so it cannot write with the cookie."""
    user = add_login(session, add_clinic(session), Role.COORDINATOR)
    _log_in(client, user)
    forged = client.post("/plans", json={"date": DAY.isoformat()})
    assert forged.status_code == 403
    assert PAGE_HEADER in forged.json()["detail"]
    assert client.get("/auth/me").status_code == 200  # reading needs no header
    own = client.post("/auth/logout", headers={PAGE_HEADER: "1"})
    assert own.status_code == 204


def test_logging_out_needs_the_page_header(client: TestClient, session: Session) -> None:
    """Another site's form posting to /app/logout ends nothing: the token still works."""
    user = add_login(session, add_clinic(session), Role.COORDINATOR)
    _log_in(client, user)
    forged = client.post("/app/logout")
    assert forged.status_code == 403
    assert PAGE_HEADER in forged.json()["detail"]
    assert "set-cookie" not in forged.headers
    assert client.get("/auth/me").status_code == 200


def test_every_page_sends_its_logout_form_with_the_page_header(
    client: TestClient, session: Session
) -> None:
    """The pages load the script that adds the header to the logout form."""
    day = add_small_day(session)
    _log_in(client, add_login(session, day.clinic, Role.THERAPIST, day.therapists["t1"]))
    page = client.get("/app/day", params={"date": DAY.isoformat()}).text
    assert 'action="/app/logout"' in page
    assert '<script src="/app/static/logout.js" defer></script>' in page
    script = client.get("/app/static/logout.js").text
    assert f'"{PAGE_HEADER}": "1"' in script


def test_the_day_links_the_feed_under_the_public_base_url(
    client: TestClient, session: Session
) -> None:
    """Not under the Host header the request came with."""
    day = add_small_day(session)
    _log_in(client, add_login(session, day.clinic, Role.THERAPIST, day.therapists["t1"]))
    page = client.get("/app/day", headers={"Host": "attacker.example"}).text
    assert f"{PUBLIC_BASE_URL}/feeds/" in page
    assert "webcal://" + PUBLIC_BASE_URL.split("://", 1)[1] + "/feeds/" in page
    assert "attacker.example" not in page


def _published_and_replanned(session: Session) -> tuple[SmallDay, Plan, Plan]:
    """Version 1 published (t1: v1 09:00; t2: v3 13:00, v2 14:00), and version 2, its
    re-plan with t2 unavailable from 10:00 as ``POST /plans/{id}/replan`` stores it: v2
    moved to t1, v3 (OT) unassigned."""
    day = add_small_day(session)
    t1, t2 = day.therapists["t1"], day.therapists["t2"]
    v1, v2, v3 = (day.visits[key] for key in ("v1", "v2", "v3"))
    published = add_routed_plan(
        session,
        day.clinic,
        {t1: [(v1, 9 * 3600)], t2: [(v3, 13 * 3600), (v2, 14 * 3600 + 15 * 60)]},
        status=PlanStatus.PUBLISHED,
    )
    draft = add_routed_plan(
        session, day.clinic, {t1: [(v1, 9 * 3600), (v2, 11 * 3600)], t2: []}, unassigned=(v3,)
    )
    draft.replan = {
        "from_plan": published.id,
        "now": "10:00",
        "promised_minutes": 30,
        "events": [{"kind": "therapist_unavailable", "therapist_id": "t2", "from": "10:00"}],
        "changes": [
            {
                "visit_id": "v2",
                "change": "moved",
                "before": {"therapist_id": "t2", "start": "14:15:00"},
                "after": {"therapist_id": "t1", "start": "11:00:00"},
                "reason": None,
                "message": None,
            },
            {
                "visit_id": "v3",
                "change": "unassigned",
                "before": {"therapist_id": "t2", "start": "13:00:00"},
                "after": None,
                "reason": "NO_QUALIFIED_THERAPIST",
                "message": "no therapist with the skill OT works then",
            },
        ],
        "notify": {"therapists": ["t1", "t2"], "visits": ["v2", "v3"]},
    }
    session.flush()
    return day, published, draft


def _cells(page: str, visit_id: str) -> list[str]:
    """The text of the changes table's cells in the row of ``visit_id``."""
    row = re.search(rf'<tr class="change-\w+" data-visit="{visit_id}">(.*?)</tr>', page, re.S)
    assert row is not None, f"no change row for {visit_id}"
    cells = re.findall(r"<td>(.*?)</td>", row[1], re.S)
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", cell)).strip() for cell in cells]


def test_a_published_day_offers_to_replan_with_its_therapists_and_visits(
    client: TestClient, session: Session
) -> None:
    """The panel posts to the published plan; its selects name each therapist and each
    visit by external id, with where and when the visit is; a day without a published plan
    has no panel."""
    day = add_small_day(session)
    t1, t2 = day.therapists["t1"], day.therapists["t2"]
    v1, v2, v3 = (day.visits[key] for key in ("v1", "v2", "v3"))
    draft = add_routed_plan(session, day.clinic, {t1: [(v1, 9 * 3600)]})
    _log_in(client, add_login(session, day.clinic, Role.COORDINATOR))
    page = client.get("/app/roster", params={"date": DAY.isoformat()}).text
    assert "Version 1: draft" in page
    assert "replan-form" not in page

    draft.status = PlanStatus.SUPERSEDED
    published = add_routed_plan(
        session,
        day.clinic,
        {t1: [(v1, 9 * 3600)], t2: [(v3, 13 * 3600), (v2, 14 * 3600 + 15 * 60)]},
        unassigned=(day.visits["v4"],),
        status=PlanStatus.PUBLISHED,
    )
    page = client.get("/app/roster", params={"date": DAY.isoformat()}).text
    assert f'<form id="replan-form" data-plan="{published.id}"' in page
    assert "Re-plan from now" in page
    assert '<option value="t2">Therapist t2</option>' in page
    assert '<option value="v3">13:00 Patient p3, Therapist t2 (v3)</option>' in page
    assert '<option value="v4">Patient p4, unassigned (v4)</option>' in page
    for kind in ("therapist_unavailable", "visit_cancelled", "running_late", "visit_extended"):
        assert f'data-add="{kind}"' in page
        assert f'<template id="replan-{kind}">' in page
    # The clinic's time now on DAY: midnight before the day, its last minute after it.
    assert re.search(r'id="replan-now" name="now" type="time" value="\d\d:\d\d"', page)
    now = {s: replan_panel(published, s).now for s in (0, 10 * 3600 + 30 * 60, 86400)}
    assert now == {0: "00:00", 37800: "10:30", 86400: "23:59"}


def test_a_replan_draft_shows_its_changes_and_whom_to_tell(
    client: TestClient, session: Session
) -> None:
    """Each change in names (patient, therapist, time, reason), the events it answers, and
    the therapists and patients told once it is published; no second comparison."""
    day, published, draft = _published_and_replanned(session)
    day.visits["v2"].patient.name = "<b>Patient p2</b>"
    _log_in(client, add_login(session, day.clinic, Role.COORDINATOR))
    page = client.get("/app/roster", params={"plan": draft.id}).text
    assert "Version 2: draft" in page
    assert "Changes against version 1" in page
    assert "Re-planned from 10:00 after: Therapist t2 unavailable from 10:00." in page
    assert _cells(page, "v2") == [
        "&lt;b&gt;Patient p2&lt;/b&gt; v2",
        "Moved to another therapist",
        "Therapist t2 14:15",
        "Therapist t1 11:00",
        "",
    ]
    assert _cells(page, "v3") == [
        "Patient p3 v3",
        "Unassigned",
        "Therapist t2 13:00",
        "\N{EM DASH}",
        "NO_QUALIFIED_THERAPIST no therapist with the skill OT works then",
    ]
    assert "Therapists to tell once published (2)" in page
    assert "<li>Therapist t1</li>" in page
    assert "<li>Therapist t2</li>" in page
    assert "Patients to tell once published (2)" in page
    assert "<li>&lt;b&gt;Patient p2&lt;/b&gt;: 11:00 with Therapist t1</li>" in page
    assert "<li>Patient p3: not planned</li>" in page
    assert "<b>Patient p2</b>" not in page
    assert "Compared with the published version" not in page
    assert f'data-plan="{published.id}"' in page  # the panel re-plans the published one
    assert 'id="publish"' in page


def test_a_published_replan_still_lists_its_changes(client: TestClient, session: Session) -> None:
    """After publishing, a reload of the new version shows what it changed against the one
    it superseded (the roster opens on it)."""
    day, published, draft = _published_and_replanned(session)
    published.status = PlanStatus.SUPERSEDED
    session.flush()
    draft.status = PlanStatus.PUBLISHED
    session.flush()
    _log_in(client, add_login(session, day.clinic, Role.COORDINATOR))
    page = client.get("/app/roster", params={"date": DAY.isoformat()}).text
    assert "Version 2: published" in page
    assert "Changes against version 1" in page
    assert "Therapists to tell (2)" in page
    assert "Patients to tell (2)" in page
    assert _cells(page, "v2")[1:4] == [
        "Moved to another therapist",
        "Therapist t2 14:15",
        "Therapist t1 11:00",
    ]
    assert f'data-plan="{draft.id}"' in page  # the next re-plan starts from this version


def test_a_replan_still_solving_shows_no_changes_and_no_panel(
    client: TestClient, session: Session
) -> None:
    """While the re-plan solves, the page follows it; it offers no second re-plan."""
    day, _published, draft = _published_and_replanned(session)
    draft.status = PlanStatus.SOLVING
    stored = draft.replan or {}
    draft.replan = {key: stored[key] for key in ("from_plan", "now", "events")}
    session.flush()
    _log_in(client, add_login(session, day.clinic, Role.COORDINATOR))
    page = client.get("/app/roster", params={"plan": draft.id}).text
    assert 'data-status="solving"' in page
    assert "Changes against" not in page
    assert "replan-form" not in page


def test_after_a_published_replan_each_phone_says_what_changed(
    client: TestClient, session: Session
) -> None:
    """t1 got v2; t2, unavailable from 10:00, lost v3 and v2 and has no visit left."""
    day, published, draft = _published_and_replanned(session)
    published.status = PlanStatus.SUPERSEDED
    session.flush()
    draft.status = PlanStatus.PUBLISHED
    session.flush()
    expected = {
        "t1": ["New visit: 11:00 Patient p2"],
        "t2": ["Removed: 13:00 Patient p3", "Removed: 14:15 Patient p2"],
    }
    for key, lines in expected.items():
        client.cookies.clear()
        _log_in(client, add_login(session, day.clinic, Role.THERAPIST, day.therapists[key]))
        page = client.get("/app/day", params={"date": DAY.isoformat()}).text
        assert "Changed since version 1" in page
        changes = re.search(r'<section class="changes".*?</section>', page, re.S)
        assert changes is not None
        items = re.findall(r"<li>(.*?)</li>", changes[0], re.S)
        shown = [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", item)).strip() for item in items]
        assert shown == lines
    assert "You have no visits this day." in page


@pytest.mark.parametrize(
    ("role", "page"), [(Role.THERAPIST, "/app/day"), (Role.COORDINATOR, "/app/roster")]
)
def test_a_date_outside_the_range_is_a_422_and_its_ends_are_pages(
    client: TestClient, session: Session, role: Role, page: str
) -> None:
    """9999-12-31 was a 500 (its next day does not exist); the range's ends render."""
    day = add_small_day(session)
    user = add_login(
        session, day.clinic, role, day.therapists["t1"] if role == Role.THERAPIST else None
    )
    _log_in(client, user)
    for date in ("9999-12-31", "0001-01-01"):
        response = client.get(page, params={"date": date})
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "date"
        assert "from 2000-01-01 to 2099-12-31" in response.json()["errors"][0]["message"]
    for date in ("2000-01-01", "2099-12-31"):
        assert client.get(page, params={"date": date}).status_code == 200
