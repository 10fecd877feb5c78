"""What a re-plan changed against the current plan, and whom to tell.

One entry per visit (frozen ones aside) that was added to a route, removed (no longer in
the day), moved to another therapist, retimed beyond the promise, or left out of the new
plan. The therapists
to tell are those whose sequence of stops changed or who have a changed visit; the patients,
those of every visit with a change except a move to another therapist at the promised time
(the rule the outbox sends by).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from solver.freeze import frozen_routes

if TYPE_CHECKING:
    from solver.current_plan import Replan
    from solver.problem import Problem
    from solver.solution import Solution, UnassignedReason


class ChangeKind(StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    MOVED = "moved"
    RETIMED = "retimed"
    UNASSIGNED = "unassigned"


@dataclass(frozen=True)
class Placement:
    therapist_id: str
    start_s: int


@dataclass(frozen=True)
class Change:
    """One visit's change; ``before``/``after`` is None where it is on no route."""

    visit_id: str
    kind: ChangeKind
    before: Placement | None
    after: Placement | None
    reason: UnassignedReason | None = None
    message: str | None = None


@dataclass(frozen=True)
class Changes:
    """The changes in the problem's visit order (removed ones last) and whom to tell."""

    changes: tuple[Change, ...]
    therapists_to_tell: tuple[str, ...]
    visits_to_tell: tuple[str, ...]


def _placements(routes: dict[str, list[tuple[str, int]]]) -> dict[str, Placement]:
    return {vid: Placement(tid, start_s) for tid, stops in routes.items() for vid, start_s in stops}


def plan_changes(problem: Problem, solution: Solution) -> Changes:
    """Compare the solution with ``problem.replan``'s current plan.

    Parameters
    ----------
    problem
        The re-planned day; its ``replan`` holds the current plan and the promise.
    solution
        The new plan.
    """
    replan = problem.replan
    assert replan is not None
    before_routes = {
        r.therapist_id: [(s.visit_id, s.start_s) for s in r.stops] for r in replan.routes
    }
    after_routes = {
        r.therapist_id: [(s.visit_id, s.start_s) for s in r.stops] for r in solution.routes
    }
    frozen = {vid for route in frozen_routes(problem).values() for vid in route.visit_ids}
    before, after = _placements(before_routes), _placements(after_routes)
    left_out = {item.visit_id: item for item in solution.unassigned}
    in_day = [visit.id for visit in problem.visits]
    removed = [vid for vid in before if vid not in set(in_day)]
    changes = []
    for vid in [*in_day, *removed]:
        if vid in frozen:  # it happened as it happened; nobody is told
            continue
        change = _change(vid, before.get(vid), after.get(vid), replan, vid in set(in_day))
        if (
            change is None
            and vid in left_out
            and vid not in before
            and vid not in replan.unassigned
        ):
            change = Change(vid, ChangeKind.UNASSIGNED, None, None)
        if change is not None and change.kind == ChangeKind.UNASSIGNED:
            item = left_out.get(vid)
            if item is not None:
                change = Change(vid, change.kind, change.before, None, item.reason, item.message)
        if change is not None:
            changes.append(change)
    return Changes(
        tuple(changes),
        _therapists_to_tell(problem, before_routes, after_routes, changes),
        tuple(change.visit_id for change in changes if _patient_told(change, replan)),
    )


def _patient_told(change: Change, replan: Replan) -> bool:
    """A patient hears of every change but a new therapist at the promised time."""
    if change.kind != ChangeKind.MOVED or change.before is None or change.after is None:
        return True
    return abs(change.after.start_s - change.before.start_s) > replan.promised_s


def _change(
    vid: str, before: Placement | None, after: Placement | None, replan: Replan, in_day: bool
) -> Change | None:
    if not in_day:
        return Change(vid, ChangeKind.REMOVED, before, None)
    if before is None:
        return None if after is None else Change(vid, ChangeKind.ADDED, None, after)
    if after is None:
        return Change(vid, ChangeKind.UNASSIGNED, before, None)
    if before.therapist_id != after.therapist_id:
        return Change(vid, ChangeKind.MOVED, before, after)
    if abs(after.start_s - before.start_s) > replan.promised_s:
        return Change(vid, ChangeKind.RETIMED, before, after)
    return None


def _therapists_to_tell(
    problem: Problem,
    before_routes: dict[str, list[tuple[str, int]]],
    after_routes: dict[str, list[tuple[str, int]]],
    changes: list[Change],
) -> tuple[str, ...]:
    """Therapists whose order of stops changed or who have a changed stop, in the
    problem's order (then any therapist no longer in it)."""
    touched = {
        placement.therapist_id
        for change in changes
        for placement in (change.before, change.after)
        if placement is not None
    }
    order = [t.id for t in problem.therapists]
    order += [tid for tid in before_routes if tid not in set(order)]
    return tuple(
        tid
        for tid in order
        if tid in touched
        or [v for v, _ in before_routes.get(tid, [])] != [v for v, _ in after_routes.get(tid, [])]
    )
