"""Plans: starting a solve, its progress and result (``PlanRead.from_record``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.fields import PlanDate
from scheduler.day_json.plan import break_json
from scheduler.local_time import DayClock, day_clock
from scheduler.models import (
    Channel,
    Plan,
    PlanRoute,
    PlanStatus,
    PlanStop,
    PlanUnassigned,
    RecipientKind,
)
from scheduler.notify import FailedMessage, NotificationSummary
from scheduler.records.store import MAX_ID
from solver.clock import format_hhmmss
from solver.params import FirstSolution, Metaheuristic

MAX_TIME_LIMIT_S = 600.0
MAX_WORKERS = 4
MAX_PROMISED_MINUTES = 24 * 60

_CLOCK = Field(description="Local wall-clock time HH:MM:SS on the plan's date.")


class PlanOptionsCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"time_limit_s": 10, "seed": 0}]}
    )

    time_limit_s: float | None = Field(
        default=None,
        gt=0,
        le=MAX_TIME_LIMIT_S,
        description=(
            "Seconds the whole solve may take; the server's HOMEVISIT_SOLVER_TIME_LIMIT_S"
            " if omitted."
        ),
    )
    seed: int = Field(default=0, ge=0, le=MAX_ID)
    workers: int = Field(default=1, ge=1, le=MAX_WORKERS, description="Solver processes.")
    first_solution: FirstSolution = FirstSolution.AUTO
    metaheuristic: Metaheuristic = Metaheuristic.GUIDED_LOCAL_SEARCH
    promised_minutes: int | None = Field(
        default=None,
        ge=0,
        le=MAX_PROMISED_MINUTES,
        description="How far a visit may move before its patient is told when the plan is"
        " published; the server's HOMEVISIT_PROMISED_MINUTES if omitted.",
    )


class PlanCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"date": "2026-11-30", "options": {"time_limit_s": 10}}]},
    )

    date: PlanDate
    options: PlanOptionsCreate = Field(default_factory=PlanOptionsCreate)


class ProgressRead(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"elapsed_s": 3.2, "best_cost": 418230, "solutions_found": 17}]
        }
    )

    elapsed_s: float
    best_cost: int | None
    solutions_found: int
    attempt: int = Field(
        1, description="which start of this solve: above 1 after a worker was lost mid-solve"
    )


class BreakRead(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"start": "12:10:00", "end": "12:40:00"}]}
    )

    start: str
    end: str


class StopRead(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "position": 0,
                    "visit_id": 12,
                    "visit_external_id": "v-0012",
                    "patient_id": 4,
                    "patient_name": "Maria Puig",
                    "arrival": "08:21:00",
                    "start": "08:30:00",
                    "end": "09:15:00",
                    "travel_s": 1260,
                    "distance_m": 9800,
                    "wait_s": 540,
                }
            ]
        }
    )

    position: int
    visit_id: int
    visit_external_id: str
    patient_id: int
    patient_name: str
    arrival: str = _CLOCK
    start: str = _CLOCK
    end: str = _CLOCK
    travel_s: int = Field(description="From the previous stop (or the start location).")
    distance_m: int | None
    wait_s: int

    @classmethod
    def from_record(cls, stop: PlanStop, clock: DayClock) -> StopRead:
        return cls(
            position=stop.position,
            visit_id=stop.visit_id,
            visit_external_id=stop.visit.external_id,
            patient_id=stop.visit.patient_id,
            patient_name=stop.visit.patient.name,
            arrival=format_hhmmss(clock.wall_s(stop.arrival_s)),
            start=format_hhmmss(clock.wall_s(stop.start_s)),
            end=format_hhmmss(clock.wall_s(stop.end_s)),
            travel_s=stop.travel_s,
            distance_m=stop.distance_m,
            wait_s=stop.wait_s,
        )


class RouteRead(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "therapist_id": 7,
                    "therapist_external_id": "t-ana",
                    "therapist_name": "Ana Vidal",
                    "locked": False,
                    "start": "08:00:00",
                    "end": "16:05:00",
                    "travel_s": 5400,
                    "distance_m": 41000,
                    "work_s": 27300,
                    "break": {"start": "12:10:00", "end": "12:40:00"},
                    "stops": [],
                }
            ]
        }
    )

    therapist_id: int
    therapist_external_id: str
    therapist_name: str
    locked: bool
    start: str | None
    end: str | None
    travel_s: int
    distance_m: int | None
    work_s: int
    break_: BreakRead | None = Field(alias="break", serialization_alias="break")
    stops: list[StopRead]

    @classmethod
    def from_record(cls, route: PlanRoute, clock: DayClock) -> RouteRead:
        used = bool(route.stops)
        pause = break_json(clock, used, route.break_start_s, route.break_end_s)
        return cls(
            therapist_id=route.therapist_id,
            therapist_external_id=route.therapist.external_id,
            therapist_name=route.therapist.name,
            locked=route.locked,
            start=clock.hhmmss(route.start_s) if used else None,
            end=clock.hhmmss(route.end_s) if used else None,
            travel_s=route.travel_s,
            distance_m=route.distance_m,
            work_s=route.work_s,
            **{"break": BreakRead.model_validate(pause) if pause else None},
            stops=[StopRead.from_record(stop, clock) for stop in route.stops],
        )


class UnassignedRead(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "visit_id": 31,
                    "visit_external_id": "v-0031",
                    "patient_name": "Joan Riba",
                    "reason": "NO_QUALIFIED_THERAPIST",
                    "message": "no therapist of the day has the skills SLP, lang:es",
                }
            ]
        }
    )

    visit_id: int
    visit_external_id: str
    patient_name: str
    reason: str
    message: str

    @classmethod
    def from_record(cls, item: PlanUnassigned) -> UnassignedRead:
        return cls(
            visit_id=item.visit_id,
            visit_external_id=item.visit.external_id,
            patient_name=item.visit.patient.name,
            reason=item.reason,
            message=item.message,
        )


class ViolationRead(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "kind": "WINDOW",
                    "message": "v-0012 starts at 12:05, after its window ends at 12:00",
                    "therapist_id": "t-ana",
                    "visit_id": "v-0012",
                }
            ]
        }
    )

    kind: str
    message: str
    therapist_id: str | None = None
    visit_id: str | None = None


_FAILED_EXAMPLE: dict[str, Any] = {
    "delivery_id": "0b8f6c1e-3f1a-4c47-9a57-1f0d2b7c9e15",
    "recipient_kind": "patient",
    "recipient_id": 42,
    "channel": "webhook",
    "subject": "Your visit on Monday 30 November 2026",
    "attempts": 6,
    "error": "the webhook answered HTTP 500",
}
_COUNTS_EXAMPLE: dict[str, Any] = {
    "pending": 0,
    "sending": 0,
    "sent": 11,
    "failed": 1,
    "skipped": 6,
}


class NotificationCountsRead(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_COUNTS_EXAMPLE]})

    pending: int
    sending: int
    sent: int
    failed: int
    skipped: int


class FailedMessageRead(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_FAILED_EXAMPLE]})

    delivery_id: str
    recipient_kind: RecipientKind
    recipient_id: int = Field(description="The therapist's or the patient's id.")
    channel: Channel
    subject: str
    attempts: int
    error: str

    @classmethod
    def from_failed(cls, message: FailedMessage) -> FailedMessageRead:
        return cls(
            delivery_id=message.delivery_id,
            recipient_kind=message.recipient_kind,
            recipient_id=message.recipient_id,
            channel=message.channel,
            subject=message.subject,
            attempts=message.attempts,
            error=message.error,
        )


class NotificationsRead(BaseModel):
    """The messages that publishing the plan wrote to the outbox, by status, and the ones
    that failed for good; all zero for a plan never published."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"counts": _COUNTS_EXAMPLE, "failed": [_FAILED_EXAMPLE]}]}
    )

    counts: NotificationCountsRead
    failed: list[FailedMessageRead]

    @classmethod
    def from_summary(cls, summary: NotificationSummary) -> NotificationsRead:
        counts = {status.value: count for status, count in summary.counts.items()}
        return cls(
            counts=NotificationCountsRead.model_validate(counts),
            failed=[FailedMessageRead.from_failed(message) for message in summary.failed],
        )


class PlanSummaryRead(BaseModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": 5,
                    "date": "2026-11-30",
                    "version": 2,
                    "status": "draft",
                    "created_at": "2026-11-27T17:30:00Z",
                    "error": None,
                    "kpis": {"visits_total": 80, "visits_planned": 75},
                }
            ]
        },
    )

    id: int
    date: dt.date
    version: int
    status: PlanStatus
    created_at: dt.datetime
    error: str | None
    kpis: dict[str, Any] | None


class PlanRead(PlanSummaryRead):
    """A plan: while ``solving``, its progress; when done, routes, unassigned visits, KPIs."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 5,
                    "date": "2026-11-30",
                    "version": 2,
                    "status": "solving",
                    "created_at": "2026-11-27T17:30:00Z",
                    "error": None,
                    "kpis": None,
                    "parameters": {"time_limit_s": 10, "seed": 0},
                    "progress": {"elapsed_s": 3.2, "best_cost": 418230, "solutions_found": 17},
                    "solver": None,
                    "violations": [],
                    "routes": [],
                    "unassigned": [],
                    "notifications": {
                        "counts": {
                            "pending": 0,
                            "sending": 0,
                            "sent": 0,
                            "failed": 0,
                            "skipped": 0,
                        },
                        "failed": [],
                    },
                }
            ]
        }
    )

    parameters: dict[str, Any]
    progress: ProgressRead | None
    solver: dict[str, Any] | None
    violations: list[ViolationRead]
    routes: list[RouteRead]
    unassigned: list[UnassignedRead]
    notifications: NotificationsRead
    replan: dict[str, Any] | None = Field(
        default=None,
        description="A re-plan: the plan it re-plans (from_plan), now, the events and, once"
        " solved, its changes and whom to notify (docs/format.md).",
    )

    @classmethod
    def from_record(cls, plan: Plan, notifications: NotificationSummary) -> PlanRead:
        """The API's view of a stored plan (routes, stops and unassigned visits loaded) and
        of its outbox."""
        summary = PlanSummaryRead.model_validate(plan)
        clock = day_clock(plan.date, plan.clinic.timezone)
        return cls(
            **summary.model_dump(),
            parameters=plan.parameters,
            progress=ProgressRead.model_validate(plan.progress) if plan.progress else None,
            solver=plan.solver_stats,
            violations=[ViolationRead.model_validate(v) for v in plan.violations],
            routes=[
                RouteRead.from_record(route, clock)
                for route in sorted(plan.routes, key=lambda r: r.id)
            ],
            unassigned=[UnassignedRead.from_record(item) for item in plan.unassigned],
            notifications=NotificationsRead.from_summary(notifications),
            replan=plan.replan,
        )
