"""The therapist's day on a phone: log in, the route, check in and out, the next stop."""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from api.pages.common import long_date
from tests.web.a11y import enlarge_text, low_contrast_text, overflow_px, unnamed_controls
from tests.web.conftest import log_in, screenshot

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from tests.web.conftest import Site


def _london_now() -> set[str]:
    """The clinic's HH:MM now and a minute either side (the click may cross a minute)."""
    now = dt.datetime.now(ZoneInfo("Europe/London"))
    return {f"{now + dt.timedelta(minutes=m):%H:%M}" for m in (-1, 0, 1)}


@pytest.mark.slow
def test_a_therapist_checks_in_and_out_and_sees_the_next_stop(phone: Page, site: Site) -> None:
    """Logging in opens today's route; checking out of the first stop makes the second next."""
    log_in(phone, site.therapist_email)
    expect(phone).to_have_url(re.compile(r"/app/day$"))
    expect(phone.get_by_role("heading", level=1)).to_have_text(long_date(site.today))
    stops = phone.locator("li.stop")
    expect(stops).to_have_count(len(site.stops))
    expect(phone.locator("li.stop h2")).to_have_text(site.stops)
    expect(phone.locator(".changes")).to_contain_text("Removed: ")
    expect(phone.locator(".changes")).to_contain_text(site.removed_patient)
    expect(phone.locator(".route-map circle")).to_have_count(len(site.stops))
    expect(phone.locator(".leg.break")).to_have_count(1)
    first, second = stops.nth(0), stops.nth(1)
    expect(first).to_have_class(re.compile(r"\bnext\b"))
    screenshot(phone, "phone-day")

    first.get_by_role("button", name="Check in").click()
    expect(first.locator(".badge.active")).to_contain_text("Checked in")
    checked_in = first.locator(".badge.active").inner_text().split()[-1]
    assert checked_in in _london_now()
    first.get_by_role("button", name="Check out").click()
    expect(first.locator(".badge.done")).to_contain_text(f"Done {checked_in}")
    expect(second).to_have_class(re.compile(r"\bnext\b"))
    expect(phone.locator(".next-link")).to_contain_text(site.stops[1])
    expect(phone).to_have_url(re.compile(r"#stop-\d+$"))
    screenshot(phone, "phone-day-after-check-out")


@pytest.mark.slow
def test_the_day_page_is_readable_on_a_small_phone(phone: Page, site: Site) -> None:
    """Every control is named, text contrast is AA, and 360 px never scroll sideways, even
    with text at 150 %."""
    log_in(phone, site.therapist_email)
    expect(phone.locator("li.stop").first).to_be_visible()
    assert unnamed_controls(phone) == []
    assert low_contrast_text(phone) == []
    assert overflow_px(phone) == 0
    enlarge_text(phone)
    assert overflow_px(phone) == 0
    screenshot(phone, "phone-day-large-text")


@pytest.mark.slow
def test_the_day_page_on_a_desktop(desktop: Page, site: Site) -> None:
    log_in(desktop, site.therapist_email)
    expect(desktop.locator("li.stop").first).to_be_visible()
    assert overflow_px(desktop) == 0
    screenshot(desktop, "desktop-day")


@pytest.mark.slow
def test_log_out_sends_the_page_header_and_ends_the_login(phone: Page, site: Site) -> None:
    """The button posts through logout.js (a plain form would be refused) and the token ends."""
    log_in(phone, site.therapist_email)
    expect(phone.locator("li.stop").first).to_be_visible()
    with phone.expect_request("**/app/logout") as logout:
        phone.get_by_role("button", name="Log out").click()
    assert logout.value.headers.get("x-homevisit-page") == "1"
    expect(phone).to_have_url(re.compile(r"/app/login$"))
    phone.goto("/app/day")
    expect(phone).to_have_url(re.compile(r"/app/login$"))
