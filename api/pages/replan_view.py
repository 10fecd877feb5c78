"""The roster page's re-planning: the panel's choices, and a re-plan's changes in names.

The panel lists what an event may name in the published plan (its therapists and visits,
by external id, as ``POST /plans/{id}/replan`` takes them). A re-planned plan keeps its
changes and whom to tell in ``Plan.replan`` with external ids only; here they get the
therapists' and patients' names so that the coordinator reads who and when.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from api.pages.common import clock_hhmm, hhmm
from api.pages.roster_view import plan_clock

if TYPE_CHECKING:
    from scheduler.day_json.roster import RosterNames
    from scheduler.models import Plan

# The latest time the panel's time field can hold (``clinic_now_s`` may answer 24:00).
LAST_MINUTE_S = 24 * 3600 - 60
DASH = "\N{EM DASH}"
CHANGE_WORDS = {
    "added": "Added",
    "removed": "Removed",
    "moved": "Moved to another therapist",
    "retimed": "Retimed",
    "unassigned": "Unassigned",
}


@dataclass(frozen=True)
class Choice:
    """An option of a select: the external id the API takes, and what the coordinator reads."""

    value: str
    label: str


@dataclass(frozen=True)
class ReplanPanel:
    """The "re-plan from now" form of the published plan ``plan_id``."""

    plan_id: int
    version: int
    now: str
    therapists: list[Choice]
    visits: list[Choice]


def replan_panel(published: Plan, now_s: int) -> ReplanPanel:
    """The form's choices: the published plan's therapists, and its visits with where and
    when each is planned (stops first, by start, then the unassigned ones). ``now_s`` is on
    the solver's axis; the form shows it, as the times, on the wall clock."""
    clock = plan_clock(published)
    routes = sorted(published.routes, key=lambda route: route.therapist.name)
    therapists = [Choice(r.therapist.external_id, r.therapist.name) for r in routes]
    stops = sorted(
        ((stop, route) for route in routes for stop in route.stops),
        key=lambda pair: (pair[0].start_s, pair[1].therapist.name),
    )
    visits = [
        Choice(
            stop.visit.external_id,
            f"{clock.hhmm(stop.start_s)} {stop.visit.patient.name}, {route.therapist.name}"
            f" ({stop.visit.external_id})",
        )
        for stop, route in stops
    ]
    visits += [
        Choice(
            item.visit.external_id,
            f"{item.visit.patient.name}, unassigned ({item.visit.external_id})",
        )
        for item in published.unassigned
    ]
    now = hhmm(min(max(clock.wall_s(now_s), 0), LAST_MINUTE_S))
    return ReplanPanel(published.id, published.version, now, therapists, visits)


@dataclass(frozen=True)
class ChangeRow:
    """One changed visit: ``kind`` as the API names it, the rest in words."""

    kind: str
    visit: str
    visit_id: str
    change: str
    before: str
    after: str
    reason: str
    message: str


@dataclass(frozen=True)
class ReplanChanges:
    """What a re-plan changes against the plan it re-plans, and whom to tell."""

    from_version: int | None
    now: str
    promised_minutes: int | None
    events: list[str]
    rows: list[ChangeRow]
    therapists: list[str]
    patients: list[str]


def replan_changes(
    replan: dict[str, Any], names: RosterNames, from_version: int | None
) -> ReplanChanges | None:
    """The stored ``Plan.replan`` in names; None until the re-plan is solved (no changes)."""
    if "changes" not in replan:
        return None
    changes: list[dict[str, Any]] = replan.get("changes") or []
    notify: dict[str, Any] = replan.get("notify") or {}
    by_visit = {change.get("visit_id"): change for change in changes}
    rows = [_row(change, names) for change in changes]
    patients = [
        _patient_to_tell(visit_id, by_visit.get(visit_id), names)
        for visit_id in notify.get("visits") or []
    ]
    return ReplanChanges(
        from_version=from_version,
        now=str(replan.get("now") or ""),
        promised_minutes=replan.get("promised_minutes"),
        events=[_event_words(event, names) for event in replan.get("events") or []],
        rows=rows,
        therapists=[_therapist(t, names) for t in notify.get("therapists") or []],
        patients=patients,
    )


def _therapist(therapist_id: Any, names: RosterNames) -> str:
    return names.therapists.get(str(therapist_id), str(therapist_id))


def _patient(visit_id: Any, names: RosterNames) -> str:
    visit = names.visits.get(str(visit_id))
    return str(visit_id) if visit is None else visit.patient


def _placement(placement: dict[str, Any] | None, names: RosterNames) -> str:
    if not placement:
        return DASH
    return (
        f"{_therapist(placement.get('therapist_id'), names)} {clock_hhmm(placement.get('start'))}"
    )


def _row(change: dict[str, Any], names: RosterNames) -> ChangeRow:
    kind = str(change.get("change", ""))
    return ChangeRow(
        kind=kind,
        visit=_patient(change.get("visit_id"), names),
        visit_id=str(change.get("visit_id", "")),
        change=CHANGE_WORDS.get(kind, kind),
        before=_placement(change.get("before"), names),
        after=_placement(change.get("after"), names),
        reason=str(change.get("reason") or ""),
        message=str(change.get("message") or ""),
    )


def _patient_to_tell(visit_id: Any, change: dict[str, Any] | None, names: RosterNames) -> str:
    """``Patient p2: 11:20 with Therapist t1`` or ``Patient p3: not planned``."""
    who = _patient(visit_id, names)
    after = (change or {}).get("after")
    if (change or {}).get("change") == "removed":
        return f"{who}: visit cancelled"
    if not after:
        return f"{who}: not planned"
    when = clock_hhmm(after.get("start"))
    return f"{who}: {when} with {_therapist(after.get('therapist_id'), names)}"


def _event_words(event: dict[str, Any], names: RosterNames) -> str:
    """An event as the coordinator entered it, in words."""
    kind = event.get("kind")
    therapist = _therapist(event.get("therapist_id"), names)
    visit = event.get("visit_id") or event.get("new_visit")
    patient = f"{_patient(visit, names)} ({visit})"
    minutes = event.get("minutes")
    if kind == "therapist_unavailable":
        since = event.get("from")
        return f"{therapist} unavailable" + (f" from {since}" if since else "")
    if kind == "running_late":
        return f"{therapist} running {minutes} min late"
    if kind == "visit_cancelled":
        return f"{patient} cancelled"
    if kind == "visit_extended":
        return f"{patient} extended by {minutes} min"
    if kind == "visit_added":
        return f"{patient} added"
    return str(kind)
