"""The coordinator's roster on a desktop: solve a generated day, see it, pin, publish, compare."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import expect

from tests.web.a11y import low_contrast_text, overflow_px, unnamed_controls
from tests.web.conftest import PHONE, log_in, screenshot

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

    from tests.web.conftest import Site

THERAPISTS = 6  # the generated "small" day
DISCIPLINES = {"PT", "OT", "SLP"}


def _skills(label: str) -> set[str]:
    """The skills an option's label lists in brackets."""
    listed = re.search(r"\[(.*?)\]", label)
    return set(listed[1].split(", ")) if listed else set()


def _option(form: Locator, field: str, name: str) -> str:
    """The label of the option of ``field`` that names ``name``."""
    options = form.get_by_label(field).locator("option").all_inner_texts()
    return next(option for option in options if option.startswith(f"{name} ["))


def _solve(page: Page) -> None:
    """Press Solve with a one-second search; wait for the page to show the new version."""
    page.get_by_label("Search time (seconds)").fill("1")
    page.get_by_role("button", name=re.compile(r"^Solve")).click()
    expect(page.locator("#status")).to_contain_text("Solving version")
    expect(page.get_by_label("Solving")).to_be_visible()
    expect(page).to_have_url(re.compile(r"plan=\d+$"), timeout=60_000)


@pytest.mark.slow
def test_a_coordinator_solves_pins_publishes_and_compares(desktop: Page, site: Site) -> None:
    """Tomorrow has no plan: solve it, pin a visit where it is (checked first), publish,
    solve again and compare the new draft with the published version."""
    log_in(desktop, site.coordinator_email)
    expect(desktop).to_have_url(re.compile(r"/app/roster$"))
    desktop.get_by_label("Date").fill(site.tomorrow.isoformat())
    desktop.get_by_role("button", name="Show").click()
    expect(desktop.locator("main")).to_contain_text("No plan for this day yet")

    _solve(desktop)
    expect(desktop.get_by_role("heading", name=re.compile(r"Version \d+: draft"))).to_be_visible()
    rows = desktop.locator(".timeline .row")
    expect(rows).to_have_count(THERAPISTS)
    assert desktop.locator(".timeline .block.visit").count() > 10
    assert desktop.locator(".timeline .block.travel").count() > 10
    expect(desktop.locator(".timeline .block.break").first).to_be_visible()
    expect(desktop.locator(".map-route").first).to_be_visible()
    expect(desktop.locator(".kpis")).to_contain_text("Visits planned")
    expect(desktop.locator(".unassigned h2")).to_contain_text("Unassigned visits")
    screenshot(desktop, "desktop-roster")

    pin = desktop.locator("form[data-edit=pin]")
    label = pin.get_by_label("Visit").locator("option").first.inner_text()
    planned = re.fullmatch(r".+ \((.+) \d\d:\d\d\)", label)
    assert planned is not None, f"the first visit is not planned: {label}"
    pin.get_by_label("Visit").select_option(label=label)
    pin.get_by_label("Therapist").select_option(label=_option(pin, "Therapist", planned[1]))
    pin.get_by_role("button", name="Check pin").click()
    expect(desktop.locator("#edit-summary")).to_have_text("This pin breaks no rule.")
    screenshot(desktop, "desktop-roster-pin-preview")
    desktop.get_by_role("button", name="Save this pin").click()
    expect(desktop.locator(".timeline .block.visit.pinned")).to_have_count(1)

    desktop.get_by_role("button", name=re.compile(r"^Publish version")).click()
    expect(
        desktop.get_by_role("heading", name=re.compile(r"Version \d+: published"))
    ).to_be_visible()

    _solve(desktop)
    comparison = desktop.locator(".comparison")
    expect(comparison).to_contain_text("Compared with the published version")
    expect(desktop.locator(".versions")).to_contain_text("(published)")
    screenshot(desktop, "desktop-roster-compare")


@pytest.mark.slow
def test_a_move_that_breaks_a_rule_is_shown_before_it_is_saved(desktop: Page, site: Site) -> None:
    """Moving a visit to a therapist without its discipline: the check names the skill, and
    discarding keeps the draft as it was."""
    log_in(desktop, site.coordinator_email)
    desktop.goto(f"/app/roster?date={site.tomorrow.isoformat()}")
    if not desktop.locator("form[data-edit=move]").count():
        _solve(desktop)
    before = desktop.locator(".timeline").inner_text()
    move = desktop.locator("form[data-edit=move]")
    visits = move.get_by_label("Visit").locator("option").all_inner_texts()
    therapists = move.get_by_label("To therapist").locator("option").all_inner_texts()
    visit, therapist = next(
        (visit, therapist)
        for visit in visits
        for therapist in therapists
        if _skills(visit) & DISCIPLINES - _skills(therapist)
    )
    move.get_by_label("Visit").select_option(label=visit)
    move.get_by_label("To therapist").select_option(label=therapist)
    move.get_by_role("button", name="Check move").click()
    expect(desktop.locator("#edit-summary")).to_have_text(re.compile(r"^This move breaks \d+ rule"))
    expect(desktop.locator("#edit-list li").first).to_contain_text("skill")
    screenshot(desktop, "desktop-roster-move-preview")
    desktop.get_by_role("button", name="Discard").click()
    expect(desktop.locator("#edit-result")).to_be_hidden()
    desktop.reload()
    assert desktop.locator(".timeline").inner_text() == before


@pytest.mark.slow
def test_the_roster_page_is_accessible(desktop: Page, site: Site) -> None:
    """Every control is named and text contrast is AA; at phone width nothing but the
    timeline scrolls sideways."""
    log_in(desktop, site.coordinator_email)
    desktop.goto(f"/app/roster?date={site.today.isoformat()}")
    expect(desktop.locator(".timeline .row").first).to_be_visible()
    assert unnamed_controls(desktop) == []
    assert low_contrast_text(desktop) == []
    assert overflow_px(desktop) == 0
    desktop.set_viewport_size(PHONE)
    assert overflow_px(desktop) == 0
    screenshot(desktop, "phone-roster")
