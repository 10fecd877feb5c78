"""What changed between two plans of the same day: visits moved, shifted, dropped, added."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from scheduler.errors import InvalidRequest

if TYPE_CHECKING:
    from collections.abc import Mapping

    from scheduler.models import Plan


@dataclass(frozen=True)
class Placement:
    """Where a plan puts a visit: the therapist (database id and external id), the start."""

    therapist_id: int
    therapist_key: str
    start_s: int


@dataclass(frozen=True)
class VisitChange:
    """One visit in both plans' terms; ``before``/``after`` is None where it is on no route."""

    visit_id: int
    visit_key: str
    before: Placement | None
    after: Placement | None

    @property
    def shift_s(self) -> int | None:
        """How much later (negative: earlier) the visit starts in the second plan."""
        if self.before is None or self.after is None:
            return None
        return self.after.start_s - self.before.start_s


@dataclass(frozen=True)
class PlanComparison:
    """From plan ``before_id`` to plan ``after_id``.

    ``moved``: on a route in both, another therapist. ``shifted``: on a route in both,
    starting more than ``shift_minutes`` earlier or later (a moved visit may be shifted
    too). ``dropped``: on a route only before; ``added``: only after. ``kpi_deltas``:
    after minus before for each numeric KPI (None where either plan lacks it).
    """

    before_id: int
    after_id: int
    shift_minutes: int
    moved: tuple[VisitChange, ...]
    shifted: tuple[VisitChange, ...]
    dropped: tuple[VisitChange, ...]
    added: tuple[VisitChange, ...]
    kpi_deltas: dict[str, float | None]


def compare(before: Plan, after: Plan, shift_minutes: int) -> PlanComparison:
    """Compare two loaded plans; ``InvalidRequest`` unless they share clinic and date."""
    if (before.clinic_id, before.date) != (after.clinic_id, after.date):
        message = (
            f"plan {before.id} is of {before.date.isoformat()} and plan {after.id} of"
            f" {after.date.isoformat()}; only plans of the same clinic and date compare"
        )
        raise InvalidRequest.single("b_id", message)
    if shift_minutes < 0:
        raise InvalidRequest.single("shift_minutes", "shift_minutes must not be negative")
    was, now = _placements(before), _placements(after)
    keys = {**_visit_keys(before), **_visit_keys(after)}
    changes = [
        VisitChange(visit_id, keys[visit_id], was.get(visit_id), now.get(visit_id))
        for visit_id in sorted(was.keys() | now.keys(), key=lambda v: keys[v])
    ]
    both = [c for c in changes if c.before is not None and c.after is not None]
    return PlanComparison(
        before_id=before.id,
        after_id=after.id,
        shift_minutes=shift_minutes,
        moved=tuple(c for c in both if _therapist(c.before) != _therapist(c.after)),
        shifted=tuple(c for c in both if abs(c.shift_s or 0) > shift_minutes * 60),
        dropped=tuple(c for c in changes if c.after is None),
        added=tuple(c for c in changes if c.before is None),
        kpi_deltas=_kpi_deltas(before.kpis or {}, after.kpis or {}),
    )


def _therapist(placement: Placement | None) -> int | None:
    return None if placement is None else placement.therapist_id


def _placements(plan: Plan) -> dict[int, Placement]:
    return {
        stop.visit_id: Placement(route.therapist_id, route.therapist.external_id, stop.start_s)
        for route in plan.routes
        for stop in route.stops
    }


def _visit_keys(plan: Plan) -> dict[int, str]:
    keys = {stop.visit_id: stop.visit.external_id for route in plan.routes for stop in route.stops}
    keys.update({item.visit_id: item.visit.external_id for item in plan.unassigned})
    return keys


def _kpi_deltas(
    before: Mapping[str, object], after: Mapping[str, object]
) -> dict[str, float | None]:
    deltas: dict[str, float | None] = {}
    for key in dict.fromkeys([*before, *after]):
        old, new = _number(before.get(key)), _number(after.get(key))
        deltas[key] = None if old is None or new is None else round(new - old, 3)
    return deltas


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return value
