"""Manual edits of a draft (pin, move, lock) and comparisons of two plans."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.plans import PlanRead
from scheduler.local_time import DayClock
from scheduler.planning import Placement, PlanComparison, VisitChange
from scheduler.records.store import MAX_ID
from solver.clock import format_hhmmss


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

    @classmethod
    def from_placement(cls, placement: Placement | None, clock: DayClock) -> PlacementRead | None:
        if placement is None:
            return None
        return cls(
            therapist_id=placement.therapist_id,
            therapist_external_id=placement.therapist_key,
            start=format_hhmmss(clock.wall_s(placement.start_s)),
        )


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

    @classmethod
    def from_change(cls, change: VisitChange, clock: DayClock) -> VisitChangeRead:
        return cls(
            visit_id=change.visit_id,
            visit_external_id=change.visit_key,
            before=PlacementRead.from_placement(change.before, clock),
            after=PlacementRead.from_placement(change.after, clock),
        )


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

    @classmethod
    def from_comparison(cls, comparison: PlanComparison, clock: DayClock) -> ComparisonRead:
        """The comparison, its times on the wall clock of the plans' day."""

        def changes(found: tuple[VisitChange, ...]) -> list[VisitChangeRead]:
            return [VisitChangeRead.from_change(change, clock) for change in found]

        return cls(
            before_id=comparison.before_id,
            after_id=comparison.after_id,
            shift_minutes=comparison.shift_minutes,
            moved=changes(comparison.moved),
            shifted=changes(comparison.shifted),
            dropped=changes(comparison.dropped),
            added=changes(comparison.added),
            kpi_deltas=comparison.kpi_deltas,
        )
