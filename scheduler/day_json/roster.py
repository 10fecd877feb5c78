"""The plan JSON as a roster a coordinator reads in a terminal."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from solver.clock import hhmm_of

Plan = Mapping[str, Any]


def _minutes(seconds: int | None) -> str:
    return "-" if seconds is None else f"{round(seconds / 60)}"


def _hhmm(time: str | None) -> str:
    return "--:--" if time is None else hhmm_of(time)


def _break_line(pause: Plan, width: int) -> str:
    return f"      {'break':<{width}} {_hhmm(pause['start'])}-{_hhmm(pause['end'])}"


def _route_table(route: Plan) -> list[str]:
    stops: Sequence[Plan] = route["stops"]
    if not stops:
        return [f"{route['therapist_id']}: no visits", ""]
    header = (
        f"{route['therapist_id']}: {_hhmm(route['start'])}-{_hhmm(route['end'])}, "
        f"{len(stops)} visits, work {_minutes(route['work_s'])} min, "
        f"travel {_minutes(route['travel_s'])} min"
    )
    width = max(12, *(len(stop["visit_id"]) for stop in stops))
    lines = [header, f"   #  {'visit':<{width}} arrive  start  end    travel  wait"]
    pause = route.get("break")
    pause_shown = False
    for number, stop in enumerate(stops, start=1):
        if pause and not pause_shown and pause["start"] < stop["start"]:
            lines.append(_break_line(pause, width))
            pause_shown = True
        lines.append(
            f"  {number:>2}  {stop['visit_id']:<{width}} {_hhmm(stop['arrival'])}   "
            f"{_hhmm(stop['start'])}  {_hhmm(stop['end'])}  "
            f"{_minutes(stop['travel_s']):>5}m  {_minutes(stop['wait_s']):>3}m"
        )
    if pause and not pause_shown:
        lines.append(_break_line(pause, width))
    lines.append("")
    return lines


def _unassigned(plan: Plan) -> list[str]:
    unassigned: Sequence[Plan] = plan["unassigned"]
    if not unassigned:
        return ["Every visit is planned.", ""]
    lines = [f"Unassigned ({len(unassigned)}):"]
    width = max(12, *(len(u["visit_id"]) for u in unassigned))
    lines += [f"  {u['visit_id']:<{width}} {u['reason']:<24} {u['message']}" for u in unassigned]
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


def format_roster(plan: Plan) -> str:
    """One table per therapist, then the unassigned visits with reasons, then the KPIs."""
    if plan["status"] == "failed":
        return f"No plan: {plan.get('error')}"
    lines = [f"Roster for {plan['date']} ({plan['timezone']}), status {plan['status']}", ""]
    for route in plan["routes"]:
        lines += _route_table(route)
    return "\n".join(lines + _unassigned(plan) + _kpis(plan))
