"""The roster page's pictures of a plan: the timeline, the map, the KPIs, the comparison.

Everything is computed here from a loaded plan so that the template only lays it out.
Times are the stored seconds elapsed since the plan date's local midnight: blocks are placed
by them (a drive across a change of the clocks is as wide as it lasts) and labelled with the
wall clock of the day (``DayClock``), as 24-hour ``HH:MM``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from api.pages.common import duration
from api.pages.svgmap import polyline, projection, route_colour
from scheduler.local_time import day_clock

if TYPE_CHECKING:
    from scheduler.local_time import DayClock
    from scheduler.models import Patient, Plan, PlanRoute
    from scheduler.planning import PlanComparison, VisitChange

HOUR_S = 3600
DEFAULT_AXIS_S = (8 * HOUR_S, 17 * HOUR_S)
MAP_BOX = (900, 560, 24)
DASH = "\N{EN DASH}"


@dataclass(frozen=True)
class Block:
    """A span on a timeline row: ``visit``, ``travel``, ``wait`` or ``break``; ``left`` and
    ``width`` in percent of the axis."""

    kind: str
    left: float
    width: float
    label: str
    title: str
    pinned: bool = False


@dataclass(frozen=True)
class TimelineRow:
    therapist_id: int
    name: str
    colour: str
    locked: bool
    summary: str
    blocks: list[Block]


@dataclass(frozen=True)
class Timeline:
    """One row per therapist; ``ticks`` are (HH:MM, percent) on the hours."""

    ticks: list[tuple[str, float]]
    rows: list[TimelineRow]


def _routes(plan: Plan) -> list[PlanRoute]:
    return sorted(plan.routes, key=lambda route: route.therapist.name)


@dataclass(frozen=True)
class _Axis:
    """The timeline's time axis: positions are percentages of its span."""

    start_s: int
    end_s: int
    clock: DayClock

    def percent(self, seconds: int) -> float:
        return round(100 * seconds / (self.end_s - self.start_s), 3)

    def block(self, kind: str, start_s: int, end_s: int, label: str, pinned: bool = False) -> Block:
        title = f"{label}: {self.clock.hhmm(start_s)}{DASH}{self.clock.hhmm(end_s)}"
        left, width = self.percent(start_s - self.start_s), self.percent(end_s - start_s)
        return Block(kind, left, width, label, title, pinned)


def timeline(plan: Plan) -> Timeline:
    """The plan's routes on one time axis, whole hours around the earliest start and the
    latest end."""
    used = [r for r in plan.routes if r.stops and r.start_s is not None and r.end_s is not None]
    first = min((r.start_s or 0 for r in used), default=DEFAULT_AXIS_S[0])
    last = max((r.end_s or 0 for r in used), default=DEFAULT_AXIS_S[1])
    axis_start = first // HOUR_S * HOUR_S
    clock = plan_clock(plan)
    axis = _Axis(axis_start, max(-(-last // HOUR_S) * HOUR_S, axis_start + HOUR_S), clock)
    rows = [
        TimelineRow(
            route.therapist_id,
            route.therapist.name,
            route_colour(index),
            route.locked,
            _route_summary(clock, route),
            _route_blocks(axis, route),
        )
        for index, route in enumerate(_routes(plan))
    ]
    ticks = [
        (clock.hhmm(second), axis.percent(second - axis.start_s))
        for second in range(axis.start_s, axis.end_s + 1, HOUR_S)
    ]
    return Timeline(ticks, rows)


def _route_blocks(axis: _Axis, route: PlanRoute) -> list[Block]:
    """Travel, waits and visits in route order, then the drive home and the break."""
    blocks: list[Block] = []
    cursor = route.start_s
    for stop in route.stops:
        if cursor is not None and stop.arrival_s > cursor:
            blocks.append(axis.block("travel", cursor, stop.arrival_s, "travel"))
        if stop.start_s > stop.arrival_s:
            blocks.append(axis.block("wait", stop.arrival_s, stop.start_s, "wait"))
        pinned = stop.visit.pinned_therapist_id == route.therapist_id
        name = stop.visit.patient.name + (" (pinned)" if pinned else "")
        blocks.append(axis.block("visit", stop.start_s, stop.end_s, name, pinned))
        cursor = stop.end_s
    if route.stops and cursor is not None and route.end_s is not None:
        if route.end_s > cursor:
            blocks.append(axis.block("travel", cursor, route.end_s, "travel home"))
        if route.break_start_s is not None and route.break_end_s is not None:
            blocks.append(axis.block("break", route.break_start_s, route.break_end_s, "break"))
    return blocks


def _route_summary(clock: DayClock, route: PlanRoute) -> str:
    if not route.stops or route.start_s is None or route.end_s is None:
        return "no visits"
    return f"{len(route.stops)} visits, {clock.hhmm(route.start_s)}{DASH}{clock.hhmm(route.end_s)}"


def plan_clock(plan: Plan) -> DayClock:
    """The clock of the plan's date in its clinic's zone."""
    return day_clock(plan.date, plan.clinic.timezone)


@dataclass(frozen=True)
class MapStop:
    x: float
    y: float
    number: int
    label: str


@dataclass(frozen=True)
class MapRoute:
    name: str
    colour: str
    home: tuple[float, float]
    path: str
    stops: list[MapStop]


@dataclass(frozen=True)
class PlanMap:
    """The SVG map: one colour per route, the unassigned visits as grey crosses."""

    width: int
    height: int
    routes: list[MapRoute]
    unassigned: list[tuple[float, float, str]]


def plan_map(plan: Plan) -> PlanMap:
    """Every used route from home through its stops and back, and the unassigned visits."""
    used = [route for route in _routes(plan) if route.stops]
    points = [(r.therapist.home_lat, r.therapist.home_lon) for r in used]
    points += [p for r in used for s in r.stops if (p := _located(s.visit.patient))]
    points += [p for item in plan.unassigned if (p := _located(item.visit.patient))]
    box = projection(points, *MAP_BOX)
    routes = []
    for index, route in enumerate(_routes(plan)):
        if not route.stops:
            continue
        home = box.xy(route.therapist.home_lat, route.therapist.home_lon)
        stops = [
            MapStop(*box.xy(*where), number, stop.visit.patient.name)
            for number, stop in enumerate(route.stops, start=1)
            if (where := _located(stop.visit.patient))
        ]
        path = polyline([home, *((s.x, s.y) for s in stops), home])
        routes.append(MapRoute(route.therapist.name, route_colour(index), home, path, stops))
    unassigned = [
        (*box.xy(*where), item.visit.patient.name)
        for item in plan.unassigned
        if (where := _located(item.visit.patient))
    ]
    return PlanMap(MAP_BOX[0], MAP_BOX[1], routes, unassigned)


def _located(patient: Patient) -> tuple[float, float] | None:
    if patient.lat is None or patient.lon is None:
        return None
    return (patient.lat, patient.lon)


def kpi_rows(plan: Plan) -> list[tuple[str, str]]:
    """The plan's KPIs as (label, value) in words and units a coordinator reads."""
    kpis: dict[str, Any] = plan.kpis or {}
    if not kpis:
        return []
    rows = [("Visits planned", f"{kpis.get('visits_planned', 0)} of {kpis.get('visits_total')}")]
    if "travel_s" in kpis:
        rows.append(("Travel", duration(kpis["travel_s"])))
    if kpis.get("distance_m") is not None:
        rows.append(("Distance", f"{kpis['distance_m'] / 1000:.1f} km"))
    if "overtime_s" in kpis:
        rows.append(("Overtime", duration(kpis["overtime_s"])))
    if "preferred_hits" in kpis:
        hits, misses = kpis["preferred_hits"], kpis.get("preferred_misses", 0)
        rows.append(("Preferred therapist", f"{hits} kept, {misses} missed"))
    if "utilisation" in kpis:
        rows.append(("Utilisation", f"{100 * kpis['utilisation']:.0f} %"))
    if "waiting_s" in kpis:
        rows.append(("Waiting", duration(kpis["waiting_s"])))
    return rows


@dataclass(frozen=True)
class ChangeLine:
    visit: str
    before: str
    after: str


@dataclass(frozen=True)
class ComparisonView:
    """A comparison in names: the sections that have changes, each with its lines."""

    before_version: int
    shift_minutes: int
    sections: list[tuple[str, list[ChangeLine]]]
    kpi_deltas: list[tuple[str, str]]


def comparison_view(before: Plan, after: Plan, comparison: PlanComparison) -> ComparisonView:
    """The changes from the published plan ``before`` to ``after``, named for people."""
    therapists = {r.therapist_id: r.therapist.name for p in (before, after) for r in p.routes}
    clock = plan_clock(after)
    patients = {
        stop.visit_id: stop.visit.patient.name
        for plan in (before, after)
        for route in plan.routes
        for stop in route.stops
    }

    def where(change: VisitChange, side: str) -> str:
        placement = change.before if side == "before" else change.after
        if placement is None:
            return "not planned"
        return f"{therapists.get(placement.therapist_id, '?')} {clock.hhmm(placement.start_s)}"

    def lines(changes: tuple[VisitChange, ...]) -> list[ChangeLine]:
        return [
            ChangeLine(
                f"{patients.get(c.visit_id, '?')} ({c.visit_key})",
                where(c, "before"),
                where(c, "after"),
            )
            for c in changes
        ]

    minutes = comparison.shift_minutes
    sections = [
        (title, changes)
        for title, changes in (
            ("Moved to another therapist", lines(comparison.moved)),
            (f"Starting more than {minutes} min earlier or later", lines(comparison.shifted)),
            ("No longer planned", lines(comparison.dropped)),
            ("Newly planned", lines(comparison.added)),
        )
        if changes
    ]
    deltas = [
        (key, f"{value:+g}")
        for key, value in comparison.kpi_deltas.items()
        if value is not None and value != 0
    ]
    return ComparisonView(before.version, minutes, sections, deltas)
