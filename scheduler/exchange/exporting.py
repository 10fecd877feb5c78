"""Exports of a stored plan: CSV (one row per stop), the plan JSON, ICS per therapist, GeoJSON,
and the names its terminal roster shows.

Every export reads the plan's stored rows (routes in the order they were stored, stops in
route order) and names therapists, visits and patients by their external ids and names.
Times are the plan's local wall-clock times on its date (``HH:MM:SS``; hours past 23 run
into the next day), except in ICS, where they are the real instants in UTC; both come from
the stored (elapsed) seconds through the day's ``DayClock``.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from scheduler.day_json.plan import route_json, stop_json
from scheduler.day_json.roster import RosterNames, VisitNames
from scheduler.errors import Conflict, NotFound
from scheduler.exchange import ics
from scheduler.local_time import DayClock, day_clock
from scheduler.models import (
    Patient,
    Plan,
    PlanRoute,
    PlanStatus,
    PlanStop,
    PlanUnassigned,
    Therapist,
    Visit,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sqlalchemy.orm import Session


JsonObject = dict[str, Any]
CSV_COLUMNS = (
    "therapist",
    "order",
    "visit",
    "patient",
    "address",
    "arrival",
    "start",
    "end",
    "travel_min",
    "wait_min",
)
PRODUCT_ID = "-//homevisit//plan export//EN"


@dataclass(frozen=True)
class _StoredPlan:
    """A plan with its routes, stops and unassigned visits loaded."""

    plan: Plan
    routes: list[PlanRoute]
    unassigned: list[PlanUnassigned]

    @property
    def clock(self) -> DayClock:
        return plan_clock(self.plan)


def plan_clock(plan: Plan) -> DayClock:
    """The clock of the plan's date in its clinic's zone."""
    return day_clock(plan.date, plan.clinic.timezone)


# A route's stops with their visits and patients, which every export names.
_STOPS_WITH_PATIENTS = selectinload(PlanRoute.stops).options(
    selectinload(PlanStop.visit).selectinload(Visit.patient)
)


def _require_solved(plan: Plan) -> None:
    if plan.status == PlanStatus.SOLVING:
        raise Conflict(f"plan {plan.id} is still being solved; export it when it is done")


def _load(session: Session, plan: Plan) -> _StoredPlan:
    """The plan's rows in two queries (plus eager loads); a plan still solving has none."""
    _require_solved(plan)
    routes = session.scalars(
        sa.select(PlanRoute)
        .where(PlanRoute.plan_id == plan.id)
        .options(selectinload(PlanRoute.therapist), _STOPS_WITH_PATIENTS)
        .order_by(PlanRoute.id)
    ).all()
    unassigned = session.scalars(
        sa.select(PlanUnassigned)
        .where(PlanUnassigned.plan_id == plan.id)
        .options(selectinload(PlanUnassigned.visit).selectinload(Visit.patient))
        .order_by(PlanUnassigned.id)
    ).all()
    return _StoredPlan(plan, list(routes), list(unassigned))


# --- CSV -----------------------------------------------------------------------------


def plan_csv(session: Session, plan: Plan) -> str:
    """One row per stop, by route then order: ``CSV_COLUMNS`` (order from 1, minutes to 0.1)."""
    stored = _load(session, plan)
    clock = stored.clock
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for route in stored.routes:
        for stop in route.stops:
            writer.writerow(
                [
                    route.therapist.name,
                    stop.position + 1,
                    stop.visit.external_id,
                    stop.visit.patient.name,
                    stop.visit.patient.address,
                    clock.hhmmss(stop.arrival_s),
                    clock.hhmmss(stop.start_s),
                    clock.hhmmss(stop.end_s),
                    _minutes(stop.travel_s),
                    _minutes(stop.wait_s),
                ]
            )
    return out.getvalue()


def _minutes(seconds: int) -> str:
    return f"{seconds / 60:.1f}"


# --- plan JSON -----------------------------------------------------------------------


def plan_json(session: Session, plan: Plan) -> JsonObject:
    """The plan JSON of DESIGN.md section 9 from the stored rows, ``kpis`` and solver stats.

    ``status`` is ``failed`` for a failed plan, else ``partial`` when a visit is left out
    and ``complete`` when none is.
    """
    stored = _load(session, plan)
    if plan.status == PlanStatus.FAILED:
        status = "failed"
    else:
        status = "partial" if stored.unassigned else "complete"
    return {
        "status": status,
        "error": plan.error,
        "date": plan.date.isoformat(),
        "timezone": plan.clinic.timezone,
        "routes": [_route_json(stored.clock, route) for route in stored.routes],
        "unassigned": [
            {"visit_id": item.visit.external_id, "reason": item.reason, "message": item.message}
            for item in stored.unassigned
        ],
        "kpis": plan.kpis,
        "solver": plan.solver_stats,
    }


def _route_json(clock: DayClock, route: PlanRoute) -> JsonObject:
    stops = [
        stop_json(clock, stop.visit.external_id, stop, stop.distance_m) for stop in route.stops
    ]
    return route_json(clock, route.therapist.external_id, route, route.distance_m, stops)


def roster_names(session: Session, plan: Plan) -> RosterNames:
    """The names ``format_roster`` shows with the plan JSON of ``plan``: the name of each
    therapist with a route in it, the patient's name and address of each visit in it."""
    therapists = session.execute(
        sa.select(Therapist.external_id, Therapist.name)
        .join(PlanRoute, PlanRoute.therapist_id == Therapist.id)
        .where(PlanRoute.plan_id == plan.id)
    )
    in_plan = sa.union(
        sa.select(PlanStop.visit_id).join(PlanRoute).where(PlanRoute.plan_id == plan.id),
        sa.select(PlanUnassigned.visit_id).where(PlanUnassigned.plan_id == plan.id),
    )
    visits = session.execute(
        sa.select(Visit.external_id, Patient.name, Patient.address)
        .join(Visit.patient)
        .where(Visit.id.in_(in_plan))
    )
    return RosterNames(
        therapists=dict(therapists.all()),
        visits={external_id: VisitNames(name, address) for external_id, name, address in visits},
    )


# --- ICS -----------------------------------------------------------------------------


def plan_ics(session: Session, plan: Plan, therapist: Therapist) -> str:
    """The therapist's visits in the plan as an iCalendar (RFC 5545) stream, times in UTC.

    An event's UID belongs to the visit, and its SEQUENCE is the plan's version, so a
    calendar that subscribes to the feed updates a visit moved by a newer plan. Events of a
    plan not yet published are ``TENTATIVE``.
    """
    name = f"{therapist.name}: visits on {plan.date.isoformat()}"
    return therapist_ics(session, [plan], therapist, name)


def therapist_ics(
    session: Session, plans: Sequence[Plan], therapist: Therapist, calendar_name: str
) -> str:
    """The therapist's visits in several plans (of their clinic) as one calendar stream."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODUCT_ID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{ics.escape_text(calendar_name)}",
        f"X-WR-TIMEZONE:{therapist.clinic.timezone}",
    ]
    for plan in plans:
        if therapist.clinic_id != plan.clinic_id:
            raise NotFound(f"therapist {therapist.external_id!r} is not in the plan's clinic")
        _require_solved(plan)
    # Only this therapist's routes: a feed of two months must not load every route of them.
    routes = session.scalars(
        sa.select(PlanRoute)
        .where(PlanRoute.plan_id.in_([plan.id for plan in plans]))
        .where(PlanRoute.therapist_id == therapist.id)
        .options(_STOPS_WITH_PATIENTS)
    )
    route_of_plan = {route.plan_id: route for route in routes}
    for plan in plans:
        route = route_of_plan.get(plan.id)
        clock = day_clock(plan.date, therapist.clinic.timezone)
        for stop in route.stops if route is not None else ():
            lines.extend(_event(plan, stop, clock))
    lines.append("END:VCALENDAR")
    return ics.calendar(lines)


def _event(plan: Plan, stop: PlanStop, clock: DayClock) -> list[str]:
    visit, patient = stop.visit, stop.visit.patient
    status = "CONFIRMED" if plan.status == PlanStatus.PUBLISHED else "TENTATIVE"
    lines = [
        "BEGIN:VEVENT",
        f"UID:homevisit-clinic-{plan.clinic_id}-visit-{visit.id}@homevisit",
        f"DTSTAMP:{ics.utc_stamp(plan.created_at)}",
        f"SEQUENCE:{plan.version}",
        f"DTSTART:{ics.utc_stamp(clock.instant(stop.start_s))}",
        f"DTEND:{ics.utc_stamp(clock.instant(stop.end_s))}",
        f"SUMMARY:{ics.escape_text(f'Visit: {patient.name}')}",
        f"LOCATION:{ics.escape_text(patient.address)}",
        f"DESCRIPTION:{ics.escape_text(_description(stop, clock))}",
        f"STATUS:{status}",
    ]
    if patient.lat is not None and patient.lon is not None:
        lines.append(f"GEO:{patient.lat};{patient.lon}")
    lines.append("END:VEVENT")
    return lines


def _description(stop: PlanStop, clock: DayClock) -> str:
    visit, patient = stop.visit, stop.visit.patient
    lines = [
        f"Visit {visit.external_id}: {visit.duration_minutes} min, priority {visit.priority.value}",
        f"Arrive {clock.hhmmss(stop.arrival_s)} ({round(stop.travel_s / 60)} min travel)",
    ]
    skills = visit.needed_skills
    if skills:
        lines.append(f"Skills: {', '.join(skills)}")
    if patient.phone:
        lines.append(f"Phone: {patient.phone}")
    if patient.access_notes:
        lines.append(f"Access: {patient.access_notes}")
    return "\n".join(lines)


# --- GeoJSON -------------------------------------------------------------------------


def plan_geojson(session: Session, plan: Plan) -> JsonObject:
    """A FeatureCollection: per used route a LineString home → stops → home, per stop a
    Point, per unassigned visit a Point; coordinates ``[lon, lat]``.

    Features carry ``kind`` (``route``, ``stop``, ``unassigned``). A patient without
    coordinates (the address changed since the plan) has no Point and no vertex.
    """
    stored = _load(session, plan)
    clock = stored.clock
    features: list[JsonObject] = []
    for route in stored.routes:
        if route.stops:
            features.append(_route_feature(clock, route))
        for stop in route.stops:
            point = _patient_point(stop.visit.patient)
            if point is not None:
                features.append(_feature(point, _stop_properties(clock, route, stop)))
    for item in stored.unassigned:
        point = _patient_point(item.visit.patient)
        if point is not None:
            properties = {"kind": "unassigned", **_visit_properties(item.visit)}
            properties.update(reason=item.reason, message=item.message)
            features.append(_feature(point, properties))
    return {"type": "FeatureCollection", "features": features}


def _route_feature(clock: DayClock, route: PlanRoute) -> JsonObject:
    therapist = route.therapist
    home = [therapist.home_lon, therapist.home_lat]
    stops = [
        point["coordinates"]
        for stop in route.stops
        if (point := _patient_point(stop.visit.patient)) is not None
    ]
    properties = {
        "kind": "route",
        "therapist_id": therapist.external_id,
        "therapist": therapist.name,
        "discipline": therapist.discipline,
        "travel_mode": therapist.travel_mode,
        "start": clock.hhmmss(route.start_s),
        "end": clock.hhmmss(route.end_s),
        "travel_s": route.travel_s,
        "distance_m": route.distance_m,
        "work_s": route.work_s,
        "stops": len(route.stops),
    }
    geometry = {"type": "LineString", "coordinates": [home, *stops, home]}
    return _feature(geometry, properties)


def _stop_properties(clock: DayClock, route: PlanRoute, stop: PlanStop) -> JsonObject:
    return {
        "kind": "stop",
        **_visit_properties(stop.visit),
        "therapist_id": route.therapist.external_id,
        "order": stop.position + 1,
        "arrival": clock.hhmmss(stop.arrival_s),
        "start": clock.hhmmss(stop.start_s),
        "end": clock.hhmmss(stop.end_s),
        "travel_s": stop.travel_s,
        "wait_s": stop.wait_s,
    }


def _visit_properties(visit: Visit) -> JsonObject:
    return {
        "visit_id": visit.external_id,
        "patient": visit.patient.name,
        "address": visit.patient.address,
        "duration_minutes": visit.duration_minutes,
        "priority": visit.priority.value,
    }


def _patient_point(patient: Patient) -> JsonObject | None:
    if patient.lat is None or patient.lon is None:
        return None
    return {"type": "Point", "coordinates": [patient.lon, patient.lat]}


def _feature(geometry: JsonObject, properties: JsonObject) -> JsonObject:
    return {"type": "Feature", "geometry": geometry, "properties": properties}
