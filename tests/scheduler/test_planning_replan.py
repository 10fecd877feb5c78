"""Re-planning a published clinic day from events (``scheduler.planning.replan``)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pytest
import sqlalchemy as sa

from scheduler import planning
from scheduler.errors import Conflict, InvalidRequest
from scheduler.models import Plan, PlanStatus, Priority, ShiftExceptionKind, Visit, VisitStatus
from scheduler.planning import PlanOptions, create_plan, finish_plan, publish_plan, service
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
    session: Session, clinic_id: int, plan_id: int, events: list[ReplanEvent], now_s: int
) -> tuple[Plan, DayProblem, Solution]:
    plan, day = start_replan(session, clinic_id, plan_id, events, now_s, QUICK)
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
    day, published_id = _published(session)
    before = _stops(planning.get_plan(session, day.clinic.id, published_id))
    now_s = 10 * H
    event = ReplanEvent(EventKind.THERAPIST_UNAVAILABLE, therapist="t1", from_s=now_s)
    plan, problem_day, _ = _replan(session, day.clinic.id, published_id, [event], now_s)
    exception = next(e for e in day.therapists["t1"].exceptions if e.date == DAY)
    assert (exception.kind, exception.end) == (ShiftExceptionKind.CHANGED, dt.time(10, 0))
    started = [(v, s) for v, s in before.get("t1", []) if s < now_s]
    assert _stops(plan).get("t1", [])[: len(started)] == started
    assert all(s < now_s for _, s in _stops(plan).get("t1", []))
    moved = {c["visit_id"] for c in _changes(plan)}
    assert moved == {v for v, s in before.get("t1", []) if s >= now_s}
    assert set(frozen_routes(problem_day.problem)) <= {"t1", "t2"}


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
