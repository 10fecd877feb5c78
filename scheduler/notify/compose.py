"""The messages' words and payloads: a therapist's route, a patient's visit time, a cancelled
or no longer planned visit.

Each message is a ``Content``: a subject and a plain text for people (the email), and a JSON
payload for machines (the webhook) that holds the same facts plus the text. Times are local
wall-clock ``HH:MM`` on the plan's date, in the clinic's timezone (``plan_clock``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from scheduler.local_time import DayClock, day_clock
from scheduler.models import RecipientKind, VisitStatus

if TYPE_CHECKING:
    import datetime as dt

    from scheduler.models import Patient, Plan, PlanRoute, PlanStop, Therapist, Visit

JsonObject = dict[str, Any]


class Topic(StrEnum):
    """What a message is about (the payload's ``topic``)."""

    ROUTE = "route"
    VISIT_TIME = "visit_time"
    VISIT_CANCELLED = "visit_cancelled"
    VISIT_NOT_PLANNED = "visit_not_planned"


@dataclass(frozen=True)
class Content:
    """One message's subject, text and payload (without the delivery id)."""

    subject: str
    text: str
    payload: JsonObject


def plan_clock(plan: Plan) -> DayClock:
    """The clock of the plan's date in its clinic's zone: the stored seconds as people's."""
    return day_clock(plan.date, plan.clinic.timezone)


def long_date(day: dt.date) -> str:
    """``Monday 30 November 2026``."""
    return f"{day:%A} {day.day} {day:%B %Y}"


def route_message(
    plan: Plan, therapist: Therapist, route: PlanRoute | None, first: bool
) -> Content:
    """A therapist's route of the plan, stop by stop; ``first``: the date's first published
    plan (else the route changed); ``route`` None or without stops: no visits that day."""
    stops, clock = live_stops(route), plan_clock(plan)
    day = long_date(plan.date)
    subject = f"Your route for {day}" + ("" if first else " has changed")
    opening = f"Here is your route for {day}" if first else f"Your route for {day} changed"
    lines = [f"Hello {therapist.name},", ""]
    if route is None or not stops:
        lines.append(f"{opening}: you have no visits that day ({_version(plan)}).")
    else:
        lines += [f"{opening} ({_version(plan)}):", ""]
        lines += [_stop_line(clock, number, stop) for number, stop in enumerate(stops, 1)]
        if route.break_start_s is not None and route.break_end_s is not None:
            lines.append(f"Break {_span(clock, route.break_start_s, route.break_end_s)}.")
        if route.start_s is not None and route.end_s is not None:
            lines.append(
                f"Leave at {clock.hhmm(route.start_s)}, back at {clock.hhmm(route.end_s)}."
            )
    payload = _payload(plan, Topic.ROUTE, _therapist_json(therapist), subject, lines)
    payload["first"] = first
    payload["route"] = _route_json(clock, route, stops)
    return Content(subject, "\n".join(lines) + "\n", payload)


def visit_time_message(
    plan: Plan, stop: PlanStop, therapist: Therapist, was_s: int | None, promised_minutes: int
) -> Content:
    """A patient's visit starts at the stop's start; ``was_s``: its start in the previous
    plan. The patient is told to expect the therapist within ``promised_minutes`` of it."""
    visit, clock = stop.visit, plan_clock(plan)
    day = long_date(plan.date)
    subject = f"Your visit on {day}"
    start = clock.hhmm(stop.start_s)
    earliest = max(stop.start_s - promised_minutes * 60, 0)
    latest = stop.start_s + promised_minutes * 60
    expect = (
        f"between {clock.hhmm(earliest)} and {clock.hhmm(latest)}"
        if promised_minutes
        else f"at {start}"
    )
    lines = [
        f"Hello {visit.patient.name},",
        "",
        f"Your visit from {plan.clinic.name} on {day} is planned to start at {start}"
        f" with {therapist.name}; expect them {expect}.",
    ]
    if was_s is not None:
        lines.append(f"It was planned for {clock.hhmm(was_s)} before.")
    payload = _payload(plan, Topic.VISIT_TIME, _patient_json(visit.patient), subject, lines)
    payload["visit"] = {
        **_visit_json(clock, visit, was_s),
        "start": start,
        "end": clock.hhmm(stop.end_s),
        "earliest": clock.hhmm(earliest),
        "latest": clock.hhmm(latest),
        "therapist": {"name": therapist.name},
    }
    return Content(subject, "\n".join(lines) + "\n", payload)


def visit_off_message(plan: Plan, visit: Visit, was_s: int | None) -> Content:
    """A patient's visit is cancelled (its status) or no longer on any route of the plan;
    ``was_s``: its start in the previous plan, if it had one."""
    cancelled, clock = visit.status == VisitStatus.CANCELLED, plan_clock(plan)
    day = long_date(plan.date)
    was = "" if was_s is None else f" (planned for {clock.hhmm(was_s)})"
    opening = f"Your visit from {plan.clinic.name} on {day}{was}"
    if cancelled:
        subject, topic = f"Your visit on {day} is cancelled", Topic.VISIT_CANCELLED
        sentence = f"{opening} is cancelled."
    else:
        subject, topic = f"Your visit on {day} is not planned", Topic.VISIT_NOT_PLANNED
        sentence = f"{opening} could not be planned; the clinic will contact you about a new time."
    lines = [f"Hello {visit.patient.name},", "", sentence]
    payload = _payload(plan, topic, _patient_json(visit.patient), subject, lines)
    payload["visit"] = _visit_json(clock, visit, was_s)
    return Content(subject, "\n".join(lines) + "\n", payload)


def live_stops(route: PlanRoute | None) -> list[PlanStop]:
    """The route's stops in order, without visits cancelled since the plan was made."""
    if route is None:
        return []
    return [stop for stop in route.stops if stop.visit.status != VisitStatus.CANCELLED]


def _version(plan: Plan) -> str:
    return f"{plan.clinic.name}, plan version {plan.version}"


def _clock(clock: DayClock, seconds: int | None) -> str | None:
    return None if seconds is None else clock.hhmm(seconds)


def _span(clock: DayClock, start_s: int, end_s: int) -> str:
    return f"{clock.hhmm(start_s)}-{clock.hhmm(end_s)}"


def _stop_line(clock: DayClock, number: int, stop: PlanStop) -> str:
    patient = stop.visit.patient
    span = _span(clock, stop.start_s, stop.end_s)
    return f"{number:2d}. {span}  {patient.name}, {patient.address}"


def _payload(
    plan: Plan, topic: Topic, recipient: JsonObject, subject: str, lines: list[str]
) -> JsonObject:
    return {
        "topic": topic.value,
        "clinic": {
            "id": plan.clinic_id,
            "name": plan.clinic.name,
            "timezone": plan.clinic.timezone,
        },
        "plan": {"id": plan.id, "date": plan.date.isoformat(), "version": plan.version},
        "recipient": recipient,
        "subject": subject,
        "text": "\n".join(lines) + "\n",
    }


def _therapist_json(therapist: Therapist) -> JsonObject:
    return {
        "kind": RecipientKind.THERAPIST.value,
        "id": therapist.id,
        "external_id": therapist.external_id,
        "name": therapist.name,
        "email": therapist.email,
        "phone": therapist.phone,
    }


def _patient_json(patient: Patient) -> JsonObject:
    return {
        "kind": RecipientKind.PATIENT.value,
        "id": patient.id,
        "external_id": patient.external_id,
        "name": patient.name,
        "email": patient.email,
        "phone": patient.phone,
    }


def _route_json(clock: DayClock, route: PlanRoute | None, stops: list[PlanStop]) -> JsonObject:
    if route is None or not stops:
        return {"start": None, "end": None, "break": None, "stops": []}
    pause = None
    if route.break_start_s is not None and route.break_end_s is not None:
        pause = {
            "start": _clock(clock, route.break_start_s),
            "end": _clock(clock, route.break_end_s),
        }
    return {
        "start": _clock(clock, route.start_s),
        "end": _clock(clock, route.end_s),
        "break": pause,
        "stops": [
            {
                "position": number,
                "visit_id": stop.visit.external_id,
                "start": _clock(clock, stop.start_s),
                "end": _clock(clock, stop.end_s),
                "patient": {"name": stop.visit.patient.name, "address": stop.visit.patient.address},
            }
            for number, stop in enumerate(stops, 1)
        ],
    }


def _visit_json(clock: DayClock, visit: Visit, was_s: int | None) -> JsonObject:
    return {
        "id": visit.external_id,
        "status": visit.status.value,
        "previous_start": _clock(clock, was_s),
    }
