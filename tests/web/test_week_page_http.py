"""The week page over HTTP, without a browser: who may see it, which week it opens, bad and
unknown ids, another clinic's week, the grid, a care plan picked out, escaping."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest
import sqlalchemy as sa

from scheduler.models import Role, Therapist, WeekPlanStatus
from tests.api.factories import PASSWORD, add_login
from tests.scheduler.factories import add_clinic
from tests.scheduler.week_factories import add_small_week, add_week, plan_week_here

DASH = "\N{EN DASH}"

if TYPE_CHECKING:
    from fastapi.testclient import TestClient
    from sqlalchemy.orm import Session

    from scheduler.models import Clinic, User, WeekPlan


@pytest.fixture
def clinic(session: Session) -> Clinic:
    """The small week's clinic (``add_small_week``): t1 and t2, cp1 (p1) and cp2 (p2)."""
    return add_small_week(session)


@pytest.fixture
def planned(session: Session, clinic: Clinic) -> WeekPlan:
    """The small week planned: cp1 with t1 Monday, Wednesday, Friday; cp2 with t2 Tuesday
    and Thursday."""
    return plan_week_here(session, clinic)


def _therapist(session: Session, clinic: Clinic, key: str) -> Therapist:
    query = sa.select(Therapist).where(
        Therapist.clinic_id == clinic.id, Therapist.external_id == key
    )
    return session.scalars(query).one()


def _log_in(client: TestClient, user: User) -> None:
    response = client.post("/app/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 303, response.text


def _cell(page: str, therapist: str, date: str) -> str:
    """The text of the grid's cell of ``therapist`` (external id) on ``date``."""
    row = re.search(rf'<tr data-therapist="{therapist}">(.*?)</tr>', page, re.S)
    assert row is not None, f"no row for {therapist}"
    cell = re.search(rf'<td class="[^"]*" data-date="{date}"[^>]*>(.*?)</td>', row[1], re.S)
    assert cell is not None, f"no cell for {therapist} on {date}"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", cell[1])).strip()


def test_a_therapist_is_sent_to_their_day_as_the_roster_does(
    client: TestClient, session: Session, clinic: Clinic, planned: WeekPlan
) -> None:
    therapist = _therapist(session, clinic, "t1")
    _log_in(client, add_login(session, clinic, Role.THERAPIST, therapist))
    for path in ("/app/week", f"/app/week?id={planned.id}", "/app/roster"):
        response = client.get(path)
        assert response.status_code == 303, path
        assert response.headers["location"] == "/app/day"


def test_without_a_cookie_the_week_page_asks_to_log_in(client: TestClient) -> None:
    response = client.get("/app/week")
    assert response.status_code == 303
    assert response.headers["location"] == "/app/login"


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.ADMIN])
def test_staff_see_the_newest_week_as_a_grid_with_its_figures(
    client: TestClient, session: Session, clinic: Clinic, planned: WeekPlan, role: Role
) -> None:
    """Without an id the page opens the newest week: a row per therapist, the days of the
    week with a link to each day plan's roster, a cell's hours and visits, the weekend
    empty, the totals and the week's figures."""
    _log_in(client, add_login(session, clinic, role))
    response = client.get("/app/week")
    assert response.status_code == 200
    page = response.text
    assert "Week plan Mon 30 Nov \N{EN DASH} Sun 6 Dec" in page
    assert page.count("<tr data-therapist=") == 2
    assert _cell(page, "t1", "2026-11-30") == "48 min 08:01 Patient p1 cp1"
    assert _cell(page, "t2", "2026-11-30") == "0 min no visits"
    assert _cell(page, "t2", "2026-12-01").endswith("Patient p2 cp2")
    assert _cell(page, "t1", "2026-12-05") == "day off"
    assert 'class="off" data-date="2026-12-06"' in page
    for plan in planned.plans:
        assert f'<a href="/app/roster?plan={plan.id}">{plan.date:%a} {plan.date.day} ' in page
    assert page.count('href="/app/roster?plan=') == 5
    totals = re.findall(r'data-total-s="(\d+)"', page)
    assert sorted(int(t) for t in totals) == [2 * 2856, 3 * 2856]
    assert "<dt>Episodes with one therapist</dt><dd>2 of 2 (100 %)</dd>" in page
    assert "<dt>Visits by the primary (days they work)</dt><dd>5 of 5 (100 %)</dd>" in page
    assert "<dt>Care-plan visits placed</dt><dd>5 of 5</dd>" in page
    assert "<dt>Most work per therapist</dt><dd>2 h 23 min</dd>" in page
    assert "Visits without a date (0)" in page
    assert "Done: 5 day plans." in page
    assert client.get("/app/static/week.js").status_code == 200


def test_a_care_plan_is_picked_out_without_script(
    client: TestClient, session: Session, clinic: Clinic, planned: WeekPlan
) -> None:
    """?care_plan=cp2 marks its two visits (and their cells) and nothing else, and the
    select shows it chosen; an empty choice picks out nothing."""
    _log_in(client, add_login(session, clinic, Role.COORDINATOR))
    page = client.get("/app/week", params={"id": planned.id, "care_plan": "cp2"}).text
    marked = re.findall(r'<a class="visit highlight"[^>]*data-care-plan="([^"]+)"', page)
    assert marked == ["cp2", "cp2"]
    assert page.count('<td class="day highlight"') == 2
    assert '<option value="cp2" selected>cp2</option>' in page
    assert "Care plan cp2: 2 visits highlighted." in page
    assert f'href="/app/week?id={planned.id}&amp;care_plan=cp1"' in page
    plain = client.get("/app/week", params={"id": planned.id, "care_plan": ""}).text
    assert "visit highlight" not in plain
    unknown = client.get("/app/week", params={"id": planned.id, "care_plan": "cp9"}).text
    assert "Care plan cp9: no visit in this week plan." in unknown


def test_an_unknown_week_is_a_404_that_names_it(
    client: TestClient, session: Session, clinic: Clinic
) -> None:
    _log_in(client, add_login(session, clinic, Role.COORDINATOR))
    response = client.get("/app/week", params={"id": 999999})
    assert response.status_code == 404
    assert response.json()["detail"] == "week plan 999999 not found"


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ({"id": "abc"}, "valid integer"),
        ({"id": "0"}, "greater than or equal to 1"),
        ({"id": str(2**31)}, "less than or equal to"),
        ({"care_plan": "x" * 101}, "at most 100 characters"),
    ],
)
def test_a_bad_parameter_is_a_422_that_names_it_as_the_roster_s(
    client: TestClient, session: Session, clinic: Clinic, query: dict[str, str], words: str
) -> None:
    """As /app/roster answers a bad ``plan`` (the API's 422 for bad input), never a 500."""
    _log_in(client, add_login(session, clinic, Role.COORDINATOR))
    response = client.get("/app/week", params=query)
    assert response.status_code == 422
    (fault,) = response.json()["errors"]
    assert fault["field"] == next(iter(query))
    assert words in fault["message"]
    assert client.get("/app/roster", params={"plan": "abc"}).json()["errors"][0]["field"] == "plan"


def test_a_clinic_without_a_week_plan_is_told_so(
    client: TestClient, session: Session, clinic: Clinic
) -> None:
    _log_in(client, add_login(session, clinic, Role.COORDINATOR))
    response = client.get("/app/week")
    assert response.status_code == 200
    assert "No week plan yet." in response.text
    assert "homevisit plan-week" in response.text


def test_another_clinic_s_week_is_not_shown(
    client: TestClient, session: Session, planned: WeekPlan
) -> None:
    """Not by its id (a 404, as an unknown one), and not as the newest week either."""
    other = add_clinic(session, "Clinica Altra")
    _log_in(client, add_login(session, other, Role.COORDINATOR))
    response = client.get("/app/week", params={"id": planned.id})
    assert response.status_code == 404
    assert response.json()["detail"] == f"week plan {planned.id} not found"
    page = client.get("/app/week").text
    assert "No week plan yet." in page
    assert "Patient p1" not in page


def test_the_page_opens_the_newest_week_in_play_and_links_the_others(
    client: TestClient, session: Session, clinic: Clinic, planned: WeekPlan
) -> None:
    """A newer week that failed is listed but not opened; opened by id, it says why."""
    failed = add_week(session, clinic, WeekPlanStatus.FAILED)
    failed.error = "the solver process failed: <killed>"
    session.flush()
    _log_in(client, add_login(session, clinic, Role.COORDINATOR))
    page = client.get("/app/week").text
    assert f'<a href="/app/week?id={planned.id}" aria-current="page">' in page
    assert f'<a href="/app/week?id={failed.id}">Mon 30 Nov {DASH} Sun 6 Dec (failed)</a>' in page
    shown = client.get("/app/week", params={"id": failed.id}).text
    assert "Failed: the solver process failed: &lt;killed&gt;. Nothing booked." in shown
    assert "<killed>" not in shown
    assert "data-therapist" not in shown


def test_a_solving_week_shows_its_progress(
    client: TestClient, session: Session, clinic: Clinic
) -> None:
    week = add_week(session, clinic, WeekPlanStatus.SOLVING)
    week.progress = {"elapsed_s": 12.4, "time_limit_s": 60.0, "attempt": 1}
    session.flush()
    _log_in(client, add_login(session, clinic, Role.COORDINATOR))
    page = client.get("/app/week", params={"id": week.id}).text
    assert 'data-status="solving"' in page
    assert "Solving: 12 s of at most 60 s." in page
    assert (
        '<progress id="week-progress" aria-labelledby="week-status" max="60.0" value="12.4">'
        in page
    )


def test_the_visits_without_a_date_are_listed_and_everything_is_escaped(
    client: TestClient, session: Session, clinic: Clinic
) -> None:
    """The stored reason and sentence of each; what the clinic typed (a care plan's id, a
    patient's name) and what the address carries are escaped."""
    week = add_week(session, clinic)
    week.unplaced = [
        {
            "care_plan": "<script>cp</script>",
            "span": "the week of 2026-11-30",
            "reason": "NO_QUALIFIED_THERAPIST",
            "message": "no therapist on shift on an allowed day has the skills SLP",
        }
    ]
    session.flush()
    _log_in(client, add_login(session, clinic, Role.COORDINATOR))
    page = client.get(
        "/app/week", params={"id": week.id, "care_plan": '"><img src=x onerror=alert(1)>'}
    ).text
    assert "Visits without a date (1)" in page
    assert "<strong>NO_QUALIFIED_THERAPIST</strong>" in page
    assert "no therapist on shift on an allowed day has the skills SLP" in page
    assert "&lt;script&gt;cp&lt;/script&gt;" in page
    assert "<script>cp" not in page
    assert "<img src=x" not in page


def test_the_roster_links_the_week_pages(
    client: TestClient, session: Session, clinic: Clinic, planned: WeekPlan
) -> None:
    """The top bar links the week plans; a day plan the week made links its week."""
    _log_in(client, add_login(session, clinic, Role.COORDINATOR))
    page = client.get("/app/roster", params={"plan": planned.plans[0].id}).text
    assert '<a href="/app/week">Week plans</a>' in page
    assert f'<a href="/app/week?id={planned.id}">Planned with its week' in page
    week = client.get("/app/week").text
    assert '<a href="/app/week" aria-current="page">Week plans</a>' in week
