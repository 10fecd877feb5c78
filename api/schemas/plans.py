"""Plans: starting a solve, its progress and result, manual edits, comparisons."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from scheduler.day_json.plan import break_json
from scheduler.models import Plan, PlanRoute, PlanStatus, PlanStop
from scheduler.planning import Placement, PlanComparison, VisitChange
from scheduler.records.store import MAX_ID
from solver.clock import format_hhmmss
from solver.params import FirstSolution, Metaheuristic

MAX_TIME_LIMIT_S = 600.0
MAX_WORKERS = 4

_CLOCK = Field(description="Local wall-clock time HH:MM:SS on the plan's date.")


class PlanOptionsCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"time_limit_s": 10, "seed": 0}]}
    )

    time_limit_s: float | None = Field(
        default=None,
        gt=0,
        le=MAX_TIME_LIMIT_S,
        description="Seconds of search; the server's HOMEVISIT_SOLVER_TIME_LIMIT_S if omitted.",
    )
    seed: int = Field(default=0, ge=0, le=MAX_ID)
    workers: int = Field(default=1, ge=1, le=MAX_WORKERS, description="Solver processes.")
    first_solution: FirstSolution = FirstSolution.AUTO
    metaheuristic: Metaheuristic = Metaheuristic.GUIDED_LOCAL_SEARCH


class PlanCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"date": "2026-11-30", "options": {"time_limit_s": 10}}]},
    )

    date: dt.date
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


class PinCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"visit_id": 12, "therapist_id": 7, "dry_run": True}]},
    )

    visit_id: int = Field(ge=1, le=MAX_ID)
    therapist_id: int = Field(ge=1, le=MAX_ID)
    dry_run: bool = Field(default=False, description="Only say what the edit would break.")


class MoveCreate(PinCreate):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"visit_id": 12, "therapist_id": 7, "position": 0, "dry_run": False}]
        },
    )

    position: int = Field(ge=0, le=1000, description="Place on the route, from 0.")


class LockCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"therapist_id": 7, "locked": True}]},
    )

    therapist_id: int = Field(ge=1, le=MAX_ID)
    locked: bool = True
    dry_run: bool = False


class EditRead(BaseModel):
    """What the edit leaves broken (``violations``) and what it broke (``broken``)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "ok": False,
                    "dry_run": True,
                    "violations": ["v-0012 starts at 12:05, after its window ends at 12:00"],
                    "broken": ["v-0012 starts at 12:05, after its window ends at 12:00"],
                    "plan": None,
                }
            ]
        }
    )

    ok: bool
    dry_run: bool
    violations: list[str]
    broken: list[str]
    plan: PlanRead | None = Field(description="The stored plan after the edit; null on a dry run.")


class PlacementRead(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"therapist_id": 7, "therapist_external_id": "t-ana", "start": "09:00:00"}]
        }
    )

    therapist_id: int
    therapist_external_id: str
    start: str


class VisitChangeRead(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "visit_id": 12,
                    "visit_external_id": "v-0012",
                    "before": {
                        "therapist_id": 7,
                        "therapist_external_id": "t-ana",
                        "start": "09:00:00",
                    },
                    "after": {
                        "therapist_id": 7,
                        "therapist_external_id": "t-ana",
                        "start": "10:30:00",
                    },
                }
            ]
        }
    )

    visit_id: int
    visit_external_id: str
    before: PlacementRead | None
    after: PlacementRead | None


class ComparisonRead(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "before_id": 4,
                    "after_id": 5,
                    "shift_minutes": 15,
                    "moved": [],
                    "shifted": [],
                    "dropped": [],
                    "added": [],
                    "kpi_deltas": {"travel_s": -320},
                }
            ]
        }
    )

    before_id: int
    after_id: int
    shift_minutes: int
    moved: list[VisitChangeRead]
    shifted: list[VisitChangeRead]
    dropped: list[VisitChangeRead]
    added: list[VisitChangeRead]
    kpi_deltas: dict[str, float | None]


# --- from the stored rows -------------------------------------------------------------


def _stop_read(stop: PlanStop) -> StopRead:
    return StopRead(
        position=stop.position,
        visit_id=stop.visit_id,
        visit_external_id=stop.visit.external_id,
        patient_id=stop.visit.patient_id,
        patient_name=stop.visit.patient.name,
        arrival=format_hhmmss(stop.arrival_s),
        start=format_hhmmss(stop.start_s),
        end=format_hhmmss(stop.end_s),
        travel_s=stop.travel_s,
        distance_m=stop.distance_m,
        wait_s=stop.wait_s,
    )


def _route_read(route: PlanRoute) -> RouteRead:
    used = bool(route.stops)
    pause = break_json(used, route.break_start_s, route.break_end_s)
    return RouteRead(
        therapist_id=route.therapist_id,
        therapist_external_id=route.therapist.external_id,
        therapist_name=route.therapist.name,
        locked=route.locked,
        start=format_hhmmss(route.start_s) if used else None,
        end=format_hhmmss(route.end_s) if used else None,
        travel_s=route.travel_s,
        distance_m=route.distance_m,
        work_s=route.work_s,
        **{"break": BreakRead.model_validate(pause) if pause else None},
        stops=[_stop_read(stop) for stop in route.stops],
    )


def plan_read(plan: Plan) -> PlanRead:
    """The API's view of a stored plan (routes, stops and unassigned visits loaded)."""
    summary = PlanSummaryRead.model_validate(plan)
    return PlanRead(
        **summary.model_dump(),
        parameters=plan.parameters,
        progress=ProgressRead.model_validate(plan.progress) if plan.progress else None,
        solver=plan.solver_stats,
        violations=[ViolationRead.model_validate(v) for v in plan.violations],
        routes=[_route_read(route) for route in sorted(plan.routes, key=lambda r: r.id)],
        unassigned=[
            UnassignedRead(
                visit_id=item.visit_id,
                visit_external_id=item.visit.external_id,
                patient_name=item.visit.patient.name,
                reason=item.reason,
                message=item.message,
            )
            for item in plan.unassigned
        ],
    )


def _placement_read(placement: Placement | None) -> PlacementRead | None:
    if placement is None:
        return None
    return PlacementRead(
        therapist_id=placement.therapist_id,
        therapist_external_id=placement.therapist_key,
        start=format_hhmmss(placement.start_s),
    )


def _changes(changes: tuple[VisitChange, ...]) -> list[VisitChangeRead]:
    return [
        VisitChangeRead(
            visit_id=change.visit_id,
            visit_external_id=change.visit_key,
            before=_placement_read(change.before),
            after=_placement_read(change.after),
        )
        for change in changes
    ]


def comparison_read(comparison: PlanComparison) -> ComparisonRead:
    return ComparisonRead(
        before_id=comparison.before_id,
        after_id=comparison.after_id,
        shift_minutes=comparison.shift_minutes,
        moved=_changes(comparison.moved),
        shifted=_changes(comparison.shifted),
        dropped=_changes(comparison.dropped),
        added=_changes(comparison.added),
        kpi_deltas=comparison.kpi_deltas,
    )
