"""The plan JSON as a roster a coordinator reads in a terminal.

The plan JSON carries ids only. A stored plan's commands pass ``RosterNames`` as well, and
the roster then names each therapist and each stop's patient and address (the visit id stays
in the last column: coordinators search by it). Without names (``homevisit solve``) the
roster shows the ids alone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from solver.clock import hhmm_of

Plan = Mapping[str, Any]

# Stop lines with names aim to fit this many columns: the address gets what is left.
LINE_WIDTH = 100
MIN_ADDRESS_WIDTH = 20
MAX_PATIENT_WIDTH = 22
# "   1  09:00   09:00  10:00     10m    0m": the number, the times, travel and wait.
_TIMES_WIDTH = 40
_ELLIPSIS = "…"
_GAP = "  "
_WORD_ENDS = " ,;"


@dataclass(frozen=True)
class VisitNames:
    """Who and where a visit is: the patient's name and address."""

    patient: str
    address: str


_UNKNOWN_VISIT = VisitNames("-", "-")


@dataclass(frozen=True)
class RosterNames:
    """Display names for a plan JSON's ids: ``therapists`` by therapist id, ``visits`` by
    visit id. A therapist missing from them shows as the id alone, a visit's patient and
    address as ``-``."""

    therapists: Mapping[str, str] = field(default_factory=dict)
    visits: Mapping[str, VisitNames] = field(default_factory=dict)

    def therapist(self, therapist_id: str) -> str:
        name = self.therapists.get(therapist_id)
        return therapist_id if name is None else f"{name} ({therapist_id})"

    def visit(self, visit_id: str) -> VisitNames:
        return self.visits.get(visit_id, _UNKNOWN_VISIT)


def _cut(text: str, width: int) -> str:
    """``text`` in at most ``width`` characters, ending in an ellipsis where it was cut.

    The cut falls after a whole word when one ends in the second half of the room, so that
    ``53 Roundhay Road, Leeds`` becomes ``53 Roundhay Road…``, not ``53 Roundhay Road, Le…``.
    """
    if len(text) <= width:
        return text
    kept = text[: width - 1]
    if text[width - 1] not in _WORD_ENDS:
        boundary = kept.rfind(" ", width // 2)
        kept = kept if boundary == -1 else kept[:boundary]
    return kept.rstrip(_WORD_ENDS) + _ELLIPSIS


def _minutes(seconds: int | None) -> str:
    return "-" if seconds is None else f"{round(seconds / 60)}"


def _hhmm(time: str | None) -> str:
    return "--:--" if time is None else hhmm_of(time)


def _times(stop: Plan) -> str:
    """Arrival, start, end, travel and wait, under ``arrive  start  end    travel  wait``."""
    return (
        f"{_hhmm(stop['arrival'])}   {_hhmm(stop['start'])}  {_hhmm(stop['end'])}  "
        f"{_minutes(stop['travel_s']):>5}m  {_minutes(stop['wait_s']):>3}m"
    )


@dataclass(frozen=True)
class _IdColumns:
    """Ids only: the visit id after the stop number, as wide as the table's longest id."""

    visit: int

    @classmethod
    def of(cls, visit_ids: Sequence[str]) -> _IdColumns:
        return cls(max([12, *(len(visit_id) for visit_id in visit_ids)]))

    def heading(self) -> str:
        return f"   #  {'visit':<{self.visit}} arrive  start  end    travel  wait"

    def stop(self, number: int, stop: Plan) -> str:
        return f"  {number:>2}  {stop['visit_id']:<{self.visit}} {_times(stop)}"

    def pause(self, pause: Plan) -> str:
        return f"      {'break':<{self.visit}} {_hhmm(pause['start'])}-{_hhmm(pause['end'])}"

    def unassigned(self, item: Plan) -> str:
        return f"  {item['visit_id']:<{self.visit}} {item['reason']:<24} {item['message']}"


@dataclass(frozen=True)
class _NameColumns:
    """Names: the times, the patient, the address (cut to the line), the visit id last.

    The widths are the plan's, so that the columns of every table line up.
    """

    names: RosterNames
    patient: int
    address: int
    visit: int

    @classmethod
    def of(cls, plan: Plan, names: RosterNames) -> _NameColumns:
        visit_ids = [stop["visit_id"] for route in plan["routes"] for stop in route["stops"]]
        visit_ids += [item["visit_id"] for item in plan["unassigned"]]
        shown = [names.visit(visit_id) for visit_id in visit_ids]
        patient = min(MAX_PATIENT_WIDTH, max([len("patient"), *(len(v.patient) for v in shown)]))
        visit = max([len("visit"), *(len(visit_id) for visit_id in visit_ids)])
        room = LINE_WIDTH - _TIMES_WIDTH - patient - visit - 3 * len(_GAP)
        longest = max([len("address"), *(len(v.address) for v in shown)])
        return cls(names, patient, min(longest, max(MIN_ADDRESS_WIDTH, room)), visit)

    def heading(self) -> str:
        return (
            f"   #  arrive  start  end    travel  wait{_GAP}"
            f"{'patient':<{self.patient}}{_GAP}{'address':<{self.address}}{_GAP}visit"
        )

    def stop(self, number: int, stop: Plan) -> str:
        shown = self.names.visit(stop["visit_id"])
        patient = _cut(shown.patient, self.patient)
        address = _cut(shown.address, self.address)
        return (
            f"  {number:>2}  {_times(stop)}{_GAP}{patient:<{self.patient}}"
            f"{_GAP}{address:<{self.address}}{_GAP}{stop['visit_id']}"
        )

    def pause(self, pause: Plan) -> str:
        return f"      {'break':<8}{_hhmm(pause['start'])}-{_hhmm(pause['end'])}"

    def unassigned(self, item: Plan) -> str:
        patient = _cut(self.names.visit(item["visit_id"]).patient, self.patient)
        return (
            f"  {patient:<{self.patient}}{_GAP}{item['visit_id']:<{self.visit}}{_GAP}"
            f"{item['reason']:<24} {item['message']}"
        )


def _route_table(route: Plan, who: str, columns: _IdColumns | _NameColumns) -> list[str]:
    stops: Sequence[Plan] = route["stops"]
    if not stops:
        return [f"{who}: no visits", ""]
    header = (
        f"{who}: {_hhmm(route['start'])}-{_hhmm(route['end'])}, "
        f"{len(stops)} visits, work {_minutes(route['work_s'])} min, "
        f"travel {_minutes(route['travel_s'])} min"
    )
    lines = [header, columns.heading()]
    pause = route.get("break")
    pause_shown = False
    for number, stop in enumerate(stops, start=1):
        if pause and not pause_shown and pause["start"] < stop["start"]:
            lines.append(columns.pause(pause))
            pause_shown = True
        lines.append(columns.stop(number, stop))
    if pause and not pause_shown:
        lines.append(columns.pause(pause))
    lines.append("")
    return lines


def _unassigned(plan: Plan, columns: _NameColumns | None) -> list[str]:
    unassigned: Sequence[Plan] = plan["unassigned"]
    if not unassigned:
        return ["Every visit is planned.", ""]
    shown = columns or _IdColumns.of([item["visit_id"] for item in unassigned])
    lines = [f"Unassigned ({len(unassigned)}):"]
    lines += [shown.unassigned(item) for item in unassigned]
    return [*lines, ""]


def _kpis(plan: Plan) -> list[str]:
    kpis: Plan = plan["kpis"]
    solver: Plan = plan["solver"]
    distance = kpis.get("distance_m")
    first = solver.get("first_solution_s")
    return [
        f"Planned {kpis['visits_planned']} of {kpis['visits_total']} visits; "
        f"travel {kpis['travel_s'] / 3600:.1f} h"
        + ("" if distance is None else f", {distance / 1000:.1f} km")
        + f"; overtime {_minutes(kpis['overtime_s'])} min; "
        f"preferred therapist {kpis['preferred_hits']} hits, "
        f"{kpis['preferred_misses']} misses; utilisation {kpis['utilisation']:.0%}"
        + f"; waiting {_minutes(kpis.get('waiting_s', 0))} min",
        f"Solver: {solver['strategy']}, {solver['wall_s']:.1f} s, first plan after "
        + ("-" if first is None else f"{first:.2f} s")
        + f", {solver['solutions_found']} improving solutions",
    ]


def format_roster(plan: Plan, names: RosterNames | None = None) -> str:
    """One table per therapist, then the unassigned visits with reasons, then the KPIs.

    With ``names``, therapists and patients are named and stops show the address; without,
    the roster shows the plan's ids.
    """
    if plan["status"] == "failed":
        return f"No plan: {plan.get('error')}"
    lines = [f"Roster for {plan['date']} ({plan['timezone']}), status {plan['status']}", ""]
    named = None if names is None else _NameColumns.of(plan, names)
    for route in plan["routes"]:
        therapist_id = route["therapist_id"]
        if named is None:
            visit_ids = [stop["visit_id"] for stop in route["stops"]]
            lines += _route_table(route, therapist_id, _IdColumns.of(visit_ids))
        else:
            lines += _route_table(route, named.names.therapist(therapist_id), named)
    return "\n".join(lines + _unassigned(plan, named) + _kpis(plan))
