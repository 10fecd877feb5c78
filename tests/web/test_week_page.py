"""The week page in Chromium: the small week's grid, a care plan picked out with the select
and with a visit, the link to a day's roster, accessibility."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import expect

from tests.web.a11y import low_contrast_text, overflow_px, unnamed_controls
from tests.web.conftest import PHONE, log_in, screenshot

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from tests.web.conftest import Site

CP1_VISITS = ["cp1@2026-11-30", "cp1@2026-12-02", "cp1@2026-12-04"]
CP2_VISITS = ["cp2@2026-12-01", "cp2@2026-12-03"]


def _highlighted(page: Page) -> list[str]:
    """The visit ids of the grid's visits picked out, in grid order."""
    visits = page.locator(".week-grid .visit.highlight")
    return [visits.nth(i).get_attribute("data-visit") or "" for i in range(visits.count())]


def _cell(page: Page, therapist: str, date: str) -> str:
    """The text of a grid cell as shown, its lines joined by spaces."""
    cell = page.locator(f'tr[data-therapist="{therapist}"] td[data-date="{date}"]')
    return " ".join(cell.inner_text().split())


@pytest.mark.slow
def test_a_coordinator_reads_the_week_and_picks_out_a_care_plan(desktop: Page, site: Site) -> None:
    """From the roster's bar to the week: two therapists over seven days, the weekend
    empty; choosing cp1 picks out exactly its three visits (t1's Monday, Wednesday and
    Friday), clicking a cp2 visit exactly cp2's two; the page is accessible at desktop and
    phone widths, and a day's header opens that day's roster."""
    log_in(desktop, site.small_week.coordinator_email)
    expect(desktop).to_have_url(re.compile(r"/app/roster$"))
    desktop.get_by_role("navigation", name="Pages").get_by_role("link", name="Week plans").click()
    expect(desktop).to_have_url(re.compile(r"/app/week$"))
    expect(desktop.get_by_role("heading", level=1)).to_have_text(
        "Week plan Mon 30 Nov \N{EN DASH} Sun 6 Dec"
    )
    grid = desktop.locator(".week-grid table")
    expect(grid.locator("tbody tr")).to_have_count(2)
    expect(grid.locator("thead th")).to_have_count(1 + 7 + 1)
    assert _cell(desktop, "t1", "2026-11-30") == "48 min 08:01 Patient p1 cp1"
    assert "Patient p2 cp2" in _cell(desktop, "t2", "2026-12-01")
    expect(grid.locator("td.off")).to_have_count(2 * 2)  # nobody works the weekend
    expect(grid.locator('td[data-date="2026-12-05"] .visit')).to_have_count(0)
    expect(desktop.locator(".kpis")).to_contain_text("Episodes with one therapist")
    expect(desktop.locator(".kpis")).to_contain_text("2 of 2 (100 %)")
    assert _highlighted(desktop) == []

    desktop.get_by_label("Highlight a care plan").select_option("cp1")
    expect(desktop.locator(".week-grid .visit.highlight")).to_have_count(3)
    assert _highlighted(desktop) == CP1_VISITS
    expect(grid.locator("td.day.highlight")).to_have_count(3)
    expect(desktop.locator("#highlight-status")).to_have_text(
        "Care plan cp1: 3 visits highlighted."
    )
    expect(desktop).to_have_url(re.compile(r"care_plan=cp1$"))
    expect(desktop.get_by_role("button", name="Highlight")).to_be_hidden()
    screenshot(desktop, "desktop-week")

    desktop.locator('.week-grid a.visit[data-visit="cp2@2026-12-03"]').click()
    expect(desktop.locator(".week-grid .visit.highlight")).to_have_count(2)
    assert _highlighted(desktop) == CP2_VISITS
    expect(desktop.get_by_label("Highlight a care plan")).to_have_value("cp2")
    expect(desktop).to_have_url(re.compile(r"care_plan=cp2$"))

    desktop.reload()  # the server marks the same visits from the address
    assert _highlighted(desktop) == CP2_VISITS

    assert unnamed_controls(desktop) == []
    assert low_contrast_text(desktop) == []
    assert overflow_px(desktop) == 0
    desktop.set_viewport_size(PHONE)
    assert overflow_px(desktop) == 0
    screenshot(desktop, "phone-week")

    desktop.get_by_role("link", name=re.compile(r"^Wed 2 Dec")).click()
    expect(desktop).to_have_url(re.compile(r"/app/roster\?plan=\d+$"))
    expect(desktop.get_by_role("heading", level=1)).to_have_text(
        "Roster for Wednesday 2 December 2026"
    )
    expect(desktop.get_by_role("link", name=re.compile("see the week plan"))).to_be_visible()
