"""Manual edits of a draft on SQLite and PostgreSQL: move, pin, lock; what an edit breaks."""

from __future__ import annotations

import re
from collections import Counter
from typing import TYPE_CHECKING

import pytest

from scheduler.errors import Conflict, InvalidRequest, NotFound
from scheduler.models import PlanStatus, ShiftException, ShiftExceptionKind
from scheduler.planning import (
    PlanOptions,
    build_day,
    create_plan,
    get_plan,
    lock_route,
    move_visit,
    pin_visit,
    publish_plan,
    service,
)
from scheduler.planning.translate import plan_solution
from scheduler.travel import GeodesicProvider
from solver import Metaheuristic
from solver.check import check_solution
from tests.scheduler.factories import DAY, add_clinic
from tests.scheduler.planning_factories import (
    SmallDay,
    add_booking,
    add_home,
    add_small_day,
    solve_here,
)

# Greedy descent stops at a local optimum by itself: the plan never depends on the clock.
FAST = PlanOptions(metaheuristic=Metaheuristic.NONE, time_limit_s=60)

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from scheduler.models import Plan


@pytest.fixture
def day(session: Session) -> SmallDay:
    return add_small_day(session)


@pytest.fixture
def draft(session: Session, day: SmallDay, monkeypatch: pytest.MonkeyPatch) -> Plan:
    """The small day solved in this process: t1 does v1; t2 does v3 then v2; v4 unassigned."""
    monkeypatch.setattr(service, "solve_in_worker", solve_here)
    plan = create_plan(session, day.clinic.id, DAY, FAST)
    assert _routes(plan) == {"t1": ["v1"], "t2": ["v3", "v2"]}
    return plan


def _routes(plan: Plan) -> dict[str, list[str]]:
    return {
        route.therapist.external_id: [stop.visit.external_id for stop in route.stops]
        for route in plan.routes
    }


def _stored_faults(session: Session, plan: Plan) -> list[str]:
    """The checker's findings on the plan as stored, against a freshly built day."""
    plan = get_plan(session, plan.clinic_id, plan.id)
    visit_ids = [s.visit_id for r in plan.routes for s in r.stops]
    visit_ids += [u.visit_id for u in plan.unassigned]
    clinic = plan.clinic
    problem = build_day(session, clinic, plan.date, GeodesicProvider(), visit_ids).problem
    return [v.message for v in check_solution(problem, plan_solution(plan))]


def _placements(plan: Plan) -> Counter[str]:
    routed = [stop.visit.external_id for route in plan.routes for stop in route.stops]
    return Counter(routed + [item.visit.external_id for item in plan.unassigned])


def test_a_valid_move_retimes_both_routes(session: Session, day: SmallDay, draft: Plan) -> None:
    result = move_visit(
        session, draft.clinic_id, draft.id, day.visits["v2"].id, day.therapists["t1"].id, 1
    )
    assert (result.ok, result.violations, result.broken) == (True, (), ())
    plan = get_plan(session, draft.clinic_id, draft.id)
    assert _routes(plan) == {"t1": ["v1", "v2"], "t2": ["v3"]}
    assert [stop.position for route in plan.routes for stop in route.stops] == [0, 1, 0]
    assert _stored_faults(session, plan) == []
    assert plan.kpis is not None
    assert plan.kpis["visits_planned"] == 3
    assert plan.status is PlanStatus.DRAFT


def test_an_edit_that_breaks_a_window_is_reported(
    session: Session, day: SmallDay, draft: Plan
) -> None:
    """v1 (09:00-11:00) after t2's afternoon visits cannot start in time."""
    result = move_visit(
        session, draft.clinic_id, draft.id, day.visits["v1"].id, day.therapists["t2"].id, 2
    )
    assert not result.ok
    assert len(result.broken) == 1
    expected = r"visit v1 starts at 1\d:\d\d:\d\d on t2's route, outside its window 09:00-11:00"
    assert re.fullmatch(expected, result.broken[0])
    plan = get_plan(session, draft.clinic_id, draft.id)
    assert _routes(plan) == {"t1": [], "t2": ["v3", "v2", "v1"]}
    t1 = next(route for route in plan.routes if route.therapist.external_id == "t1")
    assert (t1.start_s, t1.end_s, t1.break_start_s, t1.travel_s) == (None, None, None, 0)
    assert [v["kind"] for v in plan.violations] == ["window"]
    assert _stored_faults(session, plan) == list(result.violations)
    with pytest.raises(Conflict, match="breaks 1 hard rules"):
        publish_plan(session, draft.clinic_id, draft.id)
    # Moving it back repairs the plan: nothing broken, nothing left.
    repaired = move_visit(
        session, draft.clinic_id, draft.id, day.visits["v1"].id, day.therapists["t1"].id, 0
    )
    assert (repaired.violations, repaired.broken) == ((), ())
    assert publish_plan(session, draft.clinic_id, draft.id).status is PlanStatus.PUBLISHED


def test_pinning_puts_the_visit_on_the_therapists_route(
    session: Session, day: SmallDay, draft: Plan
) -> None:
    v2, t1 = day.visits["v2"], day.therapists["t1"]
    result = pin_visit(session, draft.clinic_id, draft.id, v2.id, t1.id)
    assert result.ok
    assert v2.pinned_therapist_id == t1.id
    routes = _routes(get_plan(session, draft.clinic_id, draft.id))
    assert (sorted(routes["t1"]), routes["t2"]) == (["v1", "v2"], ["v3"])
    assert _stored_faults(session, draft) == []


def test_pinning_an_unassigned_visit_reports_the_missing_skill(
    session: Session, day: SmallDay, draft: Plan
) -> None:
    result = pin_visit(
        session, draft.clinic_id, draft.id, day.visits["v4"].id, day.therapists["t1"].id
    )
    assert result.broken == (
        "visit v4 is on t1's route but needs the skills SLP, which t1 does not have",
    )
    plan = get_plan(session, draft.clinic_id, draft.id)
    assert plan.unassigned == []
    assert _placements(plan) == Counter({"v1": 1, "v2": 1, "v3": 1, "v4": 1})


def test_a_locked_route_keeps_its_visits(session: Session, day: SmallDay, draft: Plan) -> None:
    t1, t2, v = day.therapists["t1"], day.therapists["t2"], day.visits
    assert lock_route(session, draft.clinic_id, draft.id, t2.id).ok
    with pytest.raises(Conflict, match="t2's route is locked"):
        move_visit(session, draft.clinic_id, draft.id, v["v2"].id, t1.id, 0)
    with pytest.raises(Conflict, match="t2's route is locked"):
        move_visit(session, draft.clinic_id, draft.id, v["v1"].id, t2.id, 0)
    with pytest.raises(Conflict, match="t2's route is locked"):
        pin_visit(session, draft.clinic_id, draft.id, v["v3"].id, t1.id)
    assert _routes(get_plan(session, draft.clinic_id, draft.id)) == {
        "t1": ["v1"],
        "t2": ["v3", "v2"],
    }
    lock_route(session, draft.clinic_id, draft.id, t2.id, locked=False)
    assert move_visit(session, draft.clinic_id, draft.id, v["v2"].id, t1.id, 0).ok


def test_only_a_draft_can_be_edited(session: Session, day: SmallDay, draft: Plan) -> None:
    publish_plan(session, draft.clinic_id, draft.id)
    with pytest.raises(Conflict, match="is published; only a draft can be edited"):
        move_visit(
            session, draft.clinic_id, draft.id, day.visits["v2"].id, day.therapists["t1"].id, 0
        )
    with pytest.raises(Conflict):
        lock_route(session, draft.clinic_id, draft.id, day.therapists["t1"].id)


def test_edits_refuse_what_is_not_in_the_plan(session: Session, day: SmallDay, draft: Plan) -> None:
    v2, t1 = day.visits["v2"], day.therapists["t1"]
    with pytest.raises(InvalidRequest, match=r"position 2 is outside t1's route \(0 to 1\)"):
        move_visit(session, draft.clinic_id, draft.id, v2.id, t1.id, 2)
    with pytest.raises(InvalidRequest, match="therapist t3 is not on shift on 2026-11-30"):
        move_visit(session, draft.clinic_id, draft.id, v2.id, day.therapists["t3"].id, 0)
    with pytest.raises(InvalidRequest, match="visit v5 is not in plan"):
        move_visit(session, draft.clinic_id, draft.id, day.visits["v5"].id, t1.id, 0)
    other = add_clinic(session, "Other")
    foreign = add_booking(session, add_home(session, other, "q1", 1.0), "w1")
    with pytest.raises(NotFound, match=f"visit {foreign.id} not found"):
        move_visit(session, draft.clinic_id, draft.id, foreign.id, t1.id, 0)
    with pytest.raises(NotFound):
        move_visit(session, draft.clinic_id, 999_999, v2.id, t1.id, 0)
    assert _routes(get_plan(session, draft.clinic_id, draft.id)) == {
        "t1": ["v1"],
        "t2": ["v3", "v2"],
    }


def test_a_route_of_a_therapist_gone_off_shift_cannot_change(
    session: Session, day: SmallDay, draft: Plan
) -> None:
    """t1 took leave after the plan was made: plan the day again rather than edit."""
    t1 = day.therapists["t1"]
    t1.exceptions = [ShiftException(date=DAY, kind=ShiftExceptionKind.LEAVE)]
    session.commit()
    with pytest.raises(Conflict, match="t1 is no longer on shift on 2026-11-30"):
        move_visit(
            session, draft.clinic_id, draft.id, day.visits["v1"].id, day.therapists["t2"].id, 0
        )
    result = lock_route(session, draft.clinic_id, draft.id, day.therapists["t2"].id)
    assert result.broken == ()
    assert "the plan has a route for t1, who is not in the problem" in result.violations
