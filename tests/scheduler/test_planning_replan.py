"""Re-planning a published clinic day from events (``scheduler.planning.replan``)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import pytest
import sqlalchemy as sa

from scheduler import planning
from scheduler.errors import Conflict, InvalidRequest
from scheduler.models import (
    OutboxMessage,
    Plan,
    PlanStatus,
    Priority,
    RecipientKind,
    ShiftExceptionKind,
    Visit,
    VisitStatus,
)
from scheduler.planning import (
    PlanOptions,
    create_plan,
    finish_plan,
    move_visit,
    publish_plan,
    service,
)
from scheduler.planning.replan import EventKind, ReplanEvent, clinic_now_s, start_replan
from scheduler.records.inputs import VisitFields
from solver import Params, Solution, solve
from solver.check import check_solution
from solver.freeze import frozen_routes
from tests.scheduler.factories import DAY
from tests.scheduler.planning_factories import SmallDay, add_small_day, solve_here

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from scheduler.planning.build import DayProblem

H = 3600
QUICK = PlanOptions(time_limit_s=30)


@pytest.fixture(autouse=True)
def _in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(service, "solve_in_worker", solve_here)


def _published(session: Session) -> tuple[SmallDay, int]:
    """The small day, planned and published: the day and the published plan's id."""
    day = add_small_day(session)
    session.commit()
    plan = create_plan(session, day.clinic.id, DAY, QUICK)
    publish_plan(session, day.clinic.id, plan.id)
    return day, plan.id


def _replan(
    session: Session,
    clinic_id: int,
    plan_id: int,
    events: list[ReplanEvent],
    now_s: int,
    promised_s: int = 1800,
) -> tuple[Plan, DayProblem, Solution]:
    plan, day = start_replan(
        session, clinic_id, plan_id, events, now_s, QUICK, promised_s=promised_s
    )
    solution = solve(day.problem, Params(time_limit_s=30, max_solutions=20))
    assert check_solution(day.problem, solution) == []
    finish_plan(session, plan, day, solution)
    return plan, day, solution


def _changes(plan: Plan) -> list[dict[str, object]]:
    assert plan.replan is not None
    changes: list[dict[str, object]] = plan.replan["changes"]
    return changes


def _stops(plan: Plan) -> dict[str, list[tuple[str, int]]]:
    return {
        row.therapist.external_id: [(s.visit.external_id, s.start_s) for s in row.stops]
        for row in plan.routes
    }


def test_a_replan_without_events_is_the_published_plan(session: Session) -> None:
    day, published_id = _published(session)
    published = planning.get_plan(session, day.clinic.id, published_id)
    before = _stops(published)
    plan, _, solution = _replan(session, day.clinic.id, published_id, [], 10 * H)
    assert plan.status == PlanStatus.DRAFT
    assert _stops(plan) == before
    assert plan.replan is not None
    assert plan.replan["from_plan"] == published_id
    assert _changes(plan) == []
    assert "still holds" in solution.stats.strategy


def test_a_sick_therapist_gets_a_changed_shift_and_loses_only_unstarted_visits(
    session: Session,
) -> None:
    """t2 (v3 at 13:00, v2 after it) stops at 10:00: v2 goes to t1, v3 (OT, which only t2
    has) is left out; t2 gets a changed shift."""
    day, published_id = _published(session)
    before = _stops(planning.get_plan(session, day.clinic.id, published_id))
    assert [v for v, _ in before["t2"]] == ["v3", "v2"]
    now_s = 10 * H
    event = ReplanEvent(EventKind.THERAPIST_UNAVAILABLE, therapist="t2", from_s=now_s)
    plan, problem_day, _ = _replan(session, day.clinic.id, published_id, [event], now_s)
    exception = next(e for e in day.therapists["t2"].exceptions if e.date == DAY)
    assert (exception.kind, exception.end) == (ShiftExceptionKind.CHANGED, dt.time(10, 0))
    assert _stops(plan).get("t2", []) == []
    assert [v for v, _ in _stops(plan)["t1"]] == ["v1", "v2"]
    assert _stops(plan)["t1"][0] == before["t1"][0]
    kinds = {c["visit_id"]: c["change"] for c in _changes(plan)}
    assert kinds == {"v2": "moved", "v3": "unassigned"}
    assert set(frozen_routes(problem_day.problem)) == {"t1"}


def test_a_cancelled_visit_is_cancelled_and_listed_as_removed(session: Session) -> None:
    day, published_id = _published(session)
    routed = [
        v
        for stops in _stops(planning.get_plan(session, day.clinic.id, published_id)).values()
        for v, _ in stops
    ]
    target = routed[-1]
    event = ReplanEvent(EventKind.VISIT_CANCELLED, visit=target)
    plan, _, _ = _replan(session, day.clinic.id, published_id, [event], 7 * H)
    assert day.visits[target].status == VisitStatus.CANCELLED
    assert [(c["visit_id"], c["change"]) for c in _changes(plan)] == [(target, "removed")]
    publish_plan(session, day.clinic.id, plan.id)
    assert planning.get_plan(session, day.clinic.id, published_id).status == PlanStatus.SUPERSEDED


def test_an_urgent_visit_is_booked_and_planned(session: Session) -> None:
    day, published_id = _published(session)
    patient = day.visits["v2"].patient
    fields = VisitFields(
        external_id="u1",
        patient_id=patient.id,
        date=DAY,
        duration_minutes=20,
        priority=Priority.HIGH,
    )
    event = ReplanEvent(EventKind.VISIT_ADDED, new_visit=fields)
    plan, _, _ = _replan(session, day.clinic.id, published_id, [event], 10 * H)
    assert ("u1", "added") in {(c["visit_id"], c["change"]) for c in _changes(plan)}


def test_a_therapist_running_late_holds_their_visit_under_way(session: Session) -> None:
    """t1 is in v1 (09:00-09:45) at 09:30 and runs 40 minutes late: v1 ends at 10:10 at the
    earliest; no other therapist's visit gets an actual time."""
    day, published_id = _published(session)
    event = ReplanEvent(EventKind.RUNNING_LATE, therapist="t1", minutes=40)
    _, problem_day = start_replan(
        session, day.clinic.id, published_id, [event], 9 * H + 30 * 60, QUICK
    )
    replan = problem_day.problem.replan
    assert replan is not None
    assert set(replan.actual) == {"v1"}
    assert (replan.actual["v1"].start_s, replan.actual["v1"].end_s) == (9 * H, 10 * H + 600)


def test_a_check_in_is_the_actual_start_and_a_checked_in_visit_cannot_be_cancelled(
    session: Session,
) -> None:
    day, published_id = _published(session)
    first_t1 = _stops(planning.get_plan(session, day.clinic.id, published_id))["t1"][0]
    visit = day.visits[first_t1[0]]
    zone_midnight = dt.datetime.combine(DAY, dt.time(), tzinfo=dt.UTC)  # Andorra is UTC+1
    visit.checked_in_at = (zone_midnight + dt.timedelta(seconds=first_t1[1] + 900 - H)).replace(
        tzinfo=None
    )
    session.commit()
    with pytest.raises(InvalidRequest) as caught:
        start_replan(
            session,
            day.clinic.id,
            published_id,
            [ReplanEvent(EventKind.VISIT_CANCELLED, visit=visit.external_id)],
            11 * H,
            QUICK,
        )
    assert [e.field for e in caught.value.errors] == ["events[0].visit_id"]
    assert visit.status != VisitStatus.CANCELLED
    plan, _, _ = _replan(session, day.clinic.id, published_id, [], 11 * H)
    assert _stops(plan)["t1"][0] == (visit.external_id, first_t1[1] + 900)


def test_faulty_events_are_named_and_nothing_is_recorded(session: Session) -> None:
    """A booking and a cancellation before the faulty events are not kept either."""
    day, published_id = _published(session)
    patient = day.visits["v2"].patient
    booking = VisitFields(external_id="u9", patient_id=patient.id, date=DAY, duration_minutes=20)
    events = [
        ReplanEvent(EventKind.VISIT_ADDED, new_visit=booking),
        ReplanEvent(EventKind.VISIT_CANCELLED, visit="v2"),
        ReplanEvent(EventKind.THERAPIST_UNAVAILABLE, therapist="nobody"),
        ReplanEvent(EventKind.VISIT_EXTENDED, visit="v1"),
    ]
    with pytest.raises(InvalidRequest) as caught:
        start_replan(session, day.clinic.id, published_id, events, 10 * H, QUICK)
    assert [e.field for e in caught.value.errors] == ["events[2].therapist_id", "events[3].minutes"]
    session.expire_all()
    assert day.visits["v2"].status != VisitStatus.CANCELLED
    assert session.scalar(sa.select(Visit).where(Visit.external_id == "u9")) is None


def test_only_the_published_plan_is_replanned(session: Session) -> None:
    day = add_small_day(session)
    session.commit()
    draft = create_plan(session, day.clinic.id, DAY, QUICK)
    with pytest.raises(Conflict):
        start_replan(session, day.clinic.id, draft.id, [], 10 * H, QUICK)


def test_now_is_the_clinics_local_time_clamped_to_the_day(session: Session) -> None:
    clinic = add_small_day(session).clinic  # Europe/Andorra
    at = dt.datetime(DAY.year, DAY.month, DAY.day, 9, 30, tzinfo=dt.UTC)
    assert (
        clinic_now_s(clinic, DAY, at) == 10 * H + 1800
        or clinic_now_s(clinic, DAY, at) == 11 * H + 1800
    )
    assert clinic_now_s(clinic, DAY + dt.timedelta(days=1), at) == 0
    assert clinic_now_s(clinic, DAY - dt.timedelta(days=1), at) == 86400


def test_publishing_a_replan_tells_the_sick_therapist_and_the_moved_patients(
    session: Session,
) -> None:
    """The outbox of the re-plan's publish: the therapists whose routes changed, and the
    patient of every visit the re-plan lists as moved by more than the (one-minute) promise or
    left out."""
    day, published_id = _published(session)
    event = ReplanEvent(EventKind.THERAPIST_UNAVAILABLE, therapist="t2", from_s=10 * H)
    plan, _, _ = _replan(session, day.clinic.id, published_id, [event], 10 * H, promised_s=60)
    publish_plan(session, day.clinic.id, plan.id)
    messages = session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.plan_id == plan.id)
    ).all()
    told_therapists = {
        m.recipient_id for m in messages if m.recipient_kind == RecipientKind.THERAPIST
    }
    assert {day.therapists["t1"].id, day.therapists["t2"].id} <= told_therapists
    must_tell: set[str] = set()
    for change in _changes(plan):
        before: Any = change["before"]
        after: Any = change["after"]
        moved_s = (
            None
            if before is None or after is None
            else _seconds(after["start"]) - _seconds(before["start"])
        )
        if moved_s is None or abs(moved_s) > 60:
            must_tell.add(str(change["visit_id"]))
    told_patients = {m.recipient_id for m in messages if m.recipient_kind == RecipientKind.PATIENT}
    assert must_tell, "the scenario has a patient to tell"
    assert {day.visits[str(v)].patient_id for v in must_tell} <= told_patients


def _seconds(clock: str) -> int:
    hours, minutes, seconds = (int(part) for part in clock.split(":"))
    return hours * 3600 + minutes * 60 + seconds


def test_editing_a_replanned_draft_keeps_its_frozen_stops_as_locks(session: Session) -> None:
    """On the re-plan of t2's sick day, moving v2 within t1's route after the frozen v1 is
    fine and keeps v1's time; moving it before v1 breaks the lock, which the edit says."""
    day, published_id = _published(session)
    event = ReplanEvent(EventKind.THERAPIST_UNAVAILABLE, therapist="t2", from_s=10 * H)
    plan, _, _ = _replan(session, day.clinic.id, published_id, [event], 10 * H)
    v1_before = _stops(plan)["t1"][0]
    t1, v2 = day.therapists["t1"], day.visits["v2"]
    after = move_visit(session, day.clinic.id, plan.id, v2.id, t1.id, 1, dry_run=True)
    assert after.ok, after.violations
    assert _stops(after.plan)["t1"][0] == v1_before
    before_v1 = move_visit(session, day.clinic.id, plan.id, v2.id, t1.id, 0, dry_run=True)
    assert any("already under way or done" in message for message in before_v1.broken)


def test_an_edit_of_a_replanned_draft_updates_its_changes(session: Session) -> None:
    """The re-plan moved v2 from the sick t2 to t1; an edit that puts it back on t2 (which
    breaks t2's shortened shift, and says so) leaves no "moved" change for v2."""
    day, published_id = _published(session)
    event = ReplanEvent(EventKind.THERAPIST_UNAVAILABLE, therapist="t2", from_s=10 * H)
    plan, _, _ = _replan(session, day.clinic.id, published_id, [event], 10 * H)
    assert ("v2", "moved") in {(c["visit_id"], c["change"]) for c in _changes(plan)}
    t2, v2 = day.therapists["t2"], day.visits["v2"]
    edited = move_visit(session, day.clinic.id, plan.id, v2.id, t2.id, 0)
    assert not edited.ok
    assert ("v2", "moved") not in {(c["visit_id"], c["change"]) for c in _changes(edited.plan)}
