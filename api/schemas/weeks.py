"""Week plans: starting one (``WeekCreate``), its progress, day plans, unplaced visits and
KPIs (``WeekRead.from_record``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.fields import PlanDate
from api.schemas.plans import MAX_WORKERS
from scheduler.models import Plan, PlanStatus, WeekPlan, WeekPlanStatus
from scheduler.planning.week import DEFAULT_WEEK_TIME_LIMIT_S, MAX_WEEKS, WeekOptions
from scheduler.records.store import MAX_ID

MAX_WEEK_TIME_LIMIT_S = 1800.0

_KPIS_EXAMPLE: dict[str, Any] = {
    "visits_ordered": 5,
    "visits_placed": 5,
    "episodes_served": 2,
    "single_therapist_episodes": 2,
    "single_therapist_share": 1.0,
    "primary_visits": 5,
    "primary_hits": 5,
    "primary_share": 1.0,
    "travel_s": 5400,
}
_DAY_EXAMPLE: dict[str, Any] = {
    "id": 41,
    "date": "2026-11-30",
    "version": 1,
    "status": "draft",
    "visits_planned": 12,
    "visits_total": 12,
}
_UNPLACED_EXAMPLE: dict[str, Any] = {
    "care_plan": "cp-0012",
    "span": "the week of 2026-11-30",
    "reason": "NO_QUALIFIED_THERAPIST",
    "message": "no therapist on shift on an allowed day has the skills SLP",
}


class WeekOptionsCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"time_limit_s": 60, "seed": 0}]}
    )

    time_limit_s: float = Field(
        default=DEFAULT_WEEK_TIME_LIMIT_S,
        gt=0,
        le=MAX_WEEK_TIME_LIMIT_S,
        description="Seconds the whole week's solve may take (it may finish earlier).",
    )
    seed: int = Field(default=0, ge=0, le=MAX_ID)
    workers: int = Field(
        default=1,
        ge=1,
        le=MAX_WORKERS,
        description="Days routed at once, and the day-and-therapist assignment's workers.",
    )


class WeekCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"first_date": "2026-11-30", "weeks": 2, "options": {"time_limit_s": 120}}]
        },
    )

    first_date: PlanDate = Field(
        description="The horizon's first date (any weekday; weeks count Monday to Sunday)."
    )
    weeks: int = Field(default=1, ge=1, le=MAX_WEEKS, description="Weeks from first_date.")
    options: WeekOptionsCreate = Field(default_factory=WeekOptionsCreate)

    def to_options(self) -> WeekOptions:
        return WeekOptions(
            weeks=self.weeks,
            time_limit_s=self.options.time_limit_s,
            seed=self.options.seed,
            workers=self.options.workers,
        )


class WeekProgressRead(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"elapsed_s": 12.4, "time_limit_s": 60, "attempt": 1}]}
    )

    elapsed_s: float
    time_limit_s: float
    attempt: int = Field(
        1, description="which start of this solve: above 1 after a worker was lost mid-solve"
    )


class WeekDayRead(BaseModel):
    """A day plan the week made: a draft to publish with the week or on its own."""

    model_config = ConfigDict(json_schema_extra={"examples": [_DAY_EXAMPLE]})

    id: int = Field(description="The day plan's id (GET /plans/{id}).")
    date: dt.date
    version: int
    status: PlanStatus
    visits_planned: int
    visits_total: int

    @classmethod
    def from_record(cls, plan: Plan) -> WeekDayRead:
        kpis = plan.kpis or {}
        return cls(
            id=plan.id,
            date=plan.date,
            version=plan.version,
            status=plan.status,
            visits_planned=kpis.get("visits_planned", 0),
            visits_total=kpis.get("visits_total", 0),
        )


class WeekUnplacedRead(BaseModel):
    """A care-plan visit the week could not date."""

    model_config = ConfigDict(json_schema_extra={"examples": [_UNPLACED_EXAMPLE]})

    care_plan: str = Field(description="The care plan's external id.")
    span: str = Field(description="The part of the horizon it was asked for.")
    reason: str
    message: str


_SUMMARY_EXAMPLE: dict[str, Any] = {
    "id": 3,
    "first_date": "2026-11-30",
    "last_date": "2026-12-06",
    "status": "done",
    "created_at": "2026-11-27T17:30:00Z",
    "error": None,
    "kpis": _KPIS_EXAMPLE,
}


class WeekSummaryRead(BaseModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={"examples": [_SUMMARY_EXAMPLE]},
    )

    id: int
    first_date: dt.date
    last_date: dt.date
    status: WeekPlanStatus
    created_at: dt.datetime
    error: str | None
    kpis: dict[str, Any] | None = Field(description="The week's figures once done.")


class WeekRead(WeekSummaryRead):
    """A week plan: while ``solving``, its progress; when done, its day plans, the care-plan
    visits without a date with their reasons, and its KPIs."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    **_SUMMARY_EXAMPLE,
                    "parameters": {"weeks": 1, "time_limit_s": 60, "seed": 0, "workers": 1},
                    "progress": None,
                    "solver": {"wall_s": 8.2, "rounds": 1},
                    "plans": [_DAY_EXAMPLE],
                    "unplaced": [_UNPLACED_EXAMPLE],
                }
            ]
        }
    )

    parameters: dict[str, Any]
    progress: WeekProgressRead | None
    solver: dict[str, Any] | None
    plans: list[WeekDayRead]
    unplaced: list[WeekUnplacedRead]

    @classmethod
    def from_record(cls, week: WeekPlan) -> WeekRead:
        """The API's view of a stored week plan (its day plans loaded)."""
        summary = WeekSummaryRead.model_validate(week)
        return cls(
            **summary.model_dump(),
            parameters=week.parameters,
            progress=WeekProgressRead.model_validate(week.progress) if week.progress else None,
            solver=week.solver_stats,
            plans=[WeekDayRead.from_record(plan) for plan in week.plans],
            unplaced=[WeekUnplacedRead.model_validate(item) for item in week.unplaced],
        )
