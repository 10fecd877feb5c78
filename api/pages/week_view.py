"""The week page's pictures of a week plan: the therapists x days grid, a care plan's visits
picked out in it, the continuity figures, the visits without a date, the status.

Pure functions from a loaded ``WeekPlan`` (``get_week_routes``) to frozen dataclasses, so
that the template only lays them out and the unit tests need no browser. A cell's hours
are what its day plan's route stores: the visits' service, the route's travel (the drive
home included) and the waiting at the stops; the break is not work.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from api.pages.common import duration
from scheduler.local_time import day_clock
from scheduler.models import WeekPlanStatus

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from scheduler.local_time import DayClock
    from scheduler.models import Plan, PlanRoute, Therapist, WeekPlan


@dataclass(frozen=True)
class VisitItem:
    """A visit in a cell: its start on the day's wall clock, patient, own id and care plan
    (its external id; None for a visit booked by hand)."""

    start: str
    patient: str
    visit_key: str
    care_plan: str | None
    highlighted: bool


@dataclass(frozen=True)
class Cell:
    """A therapist's day. ``off``: no route that day (not on shift, or no day plan); an
    on-shift day without visits has a route, zero hours and no visits."""

    date: dt.date
    off: bool
    service_s: int = 0
    travel_s: int = 0
    wait_s: int = 0
    visits: tuple[VisitItem, ...] = ()

    @property
    def worked_s(self) -> int:
        return self.service_s + self.travel_s + self.wait_s

    @property
    def highlighted(self) -> bool:
        return any(visit.highlighted for visit in self.visits)

    @property
    def breakdown(self) -> str:
        return (
            f"visits {duration(self.service_s)}, travel {duration(self.travel_s)},"
            f" waiting {duration(self.wait_s)}"
        )


@dataclass(frozen=True)
class TherapistRow:
    """A therapist's days; ``cap_s`` is their weekly cap (None: none), ``over_cap`` whether a
    calendar week of the grid (Monday to Sunday) holds more work than it."""

    name: str
    therapist_key: str
    cells: tuple[Cell, ...]
    cap_s: int | None
    over_cap: bool

    @property
    def total_s(self) -> int:
        return sum(cell.worked_s for cell in self.cells)


@dataclass(frozen=True)
class DayColumn:
    """A date of the week plan and its day plan, if the week made one."""

    date: dt.date
    plan_id: int | None = None
    version: int | None = None
    status: str | None = None


@dataclass(frozen=True)
class WeekGrid:
    days: tuple[DayColumn, ...]
    rows: tuple[TherapistRow, ...]

    def visits(self) -> list[VisitItem]:
        return [visit for row in self.rows for cell in row.cells for visit in cell.visits]


@dataclass(frozen=True)
class UnplacedRow:
    care_plan: str
    span: str
    reason: str
    message: str
    highlighted: bool


@dataclass(frozen=True)
class WeekStatus:
    """The week's status in words; ``elapsed_s`` / ``time_limit_s`` while solving, when the
    solve has reported them."""

    value: str
    text: str
    elapsed_s: float | None = None
    time_limit_s: float | None = None


@dataclass(frozen=True)
class WeekView:
    """Everything the page shows of one week plan; ``care_plan`` is the one picked out."""

    grid: WeekGrid
    figures: list[tuple[str, str]]
    unplaced: list[UnplacedRow]
    care_plans: list[str]
    care_plan: str | None
    highlight: str
    status: WeekStatus


def week_view(week: WeekPlan, care_plan: str | None = None) -> WeekView:
    """The page's view of ``week``, with the visits of ``care_plan`` picked out."""
    grid = week_grid(week, care_plan)
    unplaced = unplaced_rows(week.unplaced, care_plan)
    keys = {v.care_plan for v in grid.visits() if v.care_plan} | {u.care_plan for u in unplaced}
    return WeekView(
        grid=grid,
        figures=continuity_figures(week.kpis, grid),
        unplaced=unplaced,
        care_plans=sorted(keys),
        care_plan=care_plan,
        highlight=highlight_text(care_plan, grid, unplaced),
        status=week_status(week),
    )


def week_dates(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=d) for d in range((last - first).days + 1)]


def week_grid(week: WeekPlan, care_plan: str | None = None) -> WeekGrid:
    """A row per therapist with a route on any day of the week's day plans, by name; a
    column per date from the first to the last."""
    dates = week_dates(week.first_date, week.last_date)
    plans = {plan.date: plan for plan in week.plans}
    days = tuple(_column(date, plans.get(date)) for date in dates)
    routes: dict[str, dict[dt.date, PlanRoute]] = {}
    therapists: dict[str, Therapist] = {}
    for plan in week.plans:
        for route in plan.routes:
            therapists[route.therapist.external_id] = route.therapist
            routes.setdefault(route.therapist.external_id, {})[plan.date] = route
    clocks = {plan.date: day_clock(plan.date, week.clinic.timezone) for plan in week.plans}
    rows = []
    for key, therapist in therapists.items():
        cells = tuple(
            _cell(date, routes[key].get(date), clocks.get(date), care_plan) for date in dates
        )
        cap_s = therapist.max_week_minutes * 60 if therapist.max_week_minutes else None
        rows.append(TherapistRow(therapist.name, key, cells, cap_s, _over_cap(cells, cap_s)))
    rows.sort(key=lambda row: (row.name, row.therapist_key))
    return WeekGrid(days, tuple(rows))


def _column(date: dt.date, plan: Plan | None) -> DayColumn:
    if plan is None:
        return DayColumn(date)
    return DayColumn(date, plan.id, plan.version, plan.status.value)


def _cell(
    date: dt.date, route: PlanRoute | None, clock: DayClock | None, care_plan: str | None
) -> Cell:
    if route is None or clock is None:
        return Cell(date, off=True)
    visits = []
    for stop in route.stops:
        plan_key = stop.visit.care_plan.external_id if stop.visit.care_plan else None
        picked = care_plan is not None and plan_key == care_plan
        start = clock.hhmm(stop.start_s)
        visits.append(
            VisitItem(start, stop.visit.patient.name, stop.visit.external_id, plan_key, picked)
        )
    return Cell(
        date,
        off=False,
        service_s=sum(stop.end_s - stop.start_s for stop in route.stops),
        travel_s=route.travel_s,
        wait_s=sum(stop.wait_s for stop in route.stops),
        visits=tuple(visits),
    )


def _over_cap(cells: Sequence[Cell], cap_s: int | None) -> bool:
    """Whether a calendar week's work (Monday to Sunday) is above the cap."""
    if cap_s is None:
        return False
    by_week: dict[dt.date, int] = {}
    for cell in cells:
        monday = cell.date - dt.timedelta(days=cell.date.weekday())
        by_week[monday] = by_week.get(monday, 0) + cell.worked_s
    return any(worked_s > cap_s for worked_s in by_week.values())


def unplaced_rows(unplaced: Iterable[dict[str, Any]], care_plan: str | None) -> list[UnplacedRow]:
    """The visits the week gave no date, as stored: care plan, span, reason code, sentence."""
    return [
        UnplacedRow(
            care_plan=str(item.get("care_plan", "")),
            span=str(item.get("span", "")),
            reason=str(item.get("reason", "")),
            message=str(item.get("message", "")),
            highlighted=care_plan is not None and item.get("care_plan") == care_plan,
        )
        for item in unplaced
    ]


def highlight_text(care_plan: str | None, grid: WeekGrid, unplaced: Sequence[UnplacedRow]) -> str:
    """What is picked out, in the words ``week.js`` also uses when the choice changes."""
    if not care_plan:
        return ""
    shown = sum(1 for visit in grid.visits() if visit.highlighted)
    without = sum(1 for row in unplaced if row.highlighted)
    return _highlight_sentence(care_plan, shown, without)


def _highlight_sentence(care_plan: str, shown: int, without: int) -> str:
    if not shown and not without:
        return f"Care plan {care_plan}: no visit in this week plan."
    text = f"Care plan {care_plan}: {shown} {'visit' if shown == 1 else 'visits'} highlighted"
    return text + (f", {without} without a date." if without else ".")


def continuity_figures(kpis: dict[str, Any] | None, grid: WeekGrid) -> list[tuple[str, str]]:
    """The week's KPIs as (label, value); a figure the stored KPIs lack is counted from the
    day plans where they hold it (travel, work per therapist), else left out."""
    if kpis is None:
        return []
    figures = []
    if {"visits_placed", "visits_ordered"} <= kpis.keys():
        figures.append(
            ("Care-plan visits placed", f"{kpis['visits_placed']} of {kpis['visits_ordered']}")
        )
    if {"single_therapist_episodes", "episodes_served"} <= kpis.keys():
        single, served = kpis["single_therapist_episodes"], kpis["episodes_served"]
        figures.append(("Episodes with one therapist", _of(single, served)))
    if {"primary_hits", "primary_visits"} <= kpis.keys():
        hits, counted = kpis["primary_hits"], kpis["primary_visits"]
        figures.append(("Visits by the primary (days they work)", _of(hits, counted)))
    travel_s = kpis.get("travel_s")
    if travel_s is None:
        travel_s = sum(cell.travel_s for row in grid.rows for cell in row.cells)
    figures.append(("Travel", duration(travel_s)))
    figures += _work_figures(kpis, grid)
    return figures


def _work_figures(kpis: dict[str, Any], grid: WeekGrid) -> list[tuple[str, str]]:
    if {"work_min_s", "work_mean_s", "work_max_s"} <= kpis.keys():
        low, mean, high = kpis["work_min_s"], kpis["work_mean_s"], kpis["work_max_s"]
    elif grid.rows:
        totals = [row.total_s for row in grid.rows]
        low, mean, high = min(totals), sum(totals) / len(totals), max(totals)
    else:
        return []
    figures = [
        ("Least work per therapist", duration(round(low))),
        ("Mean work per therapist", duration(round(mean))),
        ("Most work per therapist", duration(round(high))),
    ]
    if "balanced_share" in kpis:
        figures.append(("Therapists within 15 % of the mean", _percent(kpis["balanced_share"])))
    if "fair_share_balanced" in kpis:
        share = _percent(kpis["fair_share_balanced"])
        figures.append(("Therapists within 15 % of their share by hours available", share))
    return figures


def _of(part: int, whole: int) -> str:
    return f"{part} of {whole} ({_percent(part / whole if whole else 0.0)})"


def _percent(share: float) -> str:
    return f"{100 * share:.0f} %"


def week_status(week: WeekPlan) -> WeekStatus:
    """The status in a sentence; a solving week's progress as its solve last stored it."""
    value = week.status.value
    if week.status == WeekPlanStatus.SOLVING:
        progress = week.progress or {}
        elapsed, limit = progress.get("elapsed_s"), progress.get("time_limit_s")
        if elapsed is None or not limit:
            return WeekStatus(value, "Solving: waiting for the solver to start.")
        attempt = progress.get("attempt", 1)
        text = f"Solving: {elapsed:.0f} s of at most {limit:g} s"
        text += f" (attempt {attempt})." if attempt > 1 else "."
        return WeekStatus(value, text, float(elapsed), float(limit))
    if week.status == WeekPlanStatus.FAILED:
        return WeekStatus(value, f"Failed: {week.error or 'no reason was stored'}. Nothing booked.")
    if week.status == WeekPlanStatus.CANCELLED:
        return WeekStatus(value, "Cancelled while solving. Nothing booked.")
    days = len(week.plans)
    return WeekStatus(value, f"Done: {days} day {'plan' if days == 1 else 'plans'}.")
