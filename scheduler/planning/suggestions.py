"""Slot suggestions on a stored plan, and booking the chosen one into a new draft.

The visit to place is booked inside the request's transaction so that the day is built
with its patient; ``suggest_for_plan`` rolls the booking back (nothing is stored),
``accept_suggestion`` keeps it and stores the plan with the visit in as a new draft version
whose ``replan`` lists its changes (the visit added, any visit retimed by it).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import sqlalchemy as sa

from scheduler.errors import Conflict, FieldError, InvalidRequest
from scheduler.models import Clinic, Plan, PlanStatus, Therapist
from scheduler.planning.build import DayProblem, build_day
from scheduler.planning.queries import get_plan
from scheduler.planning.replan import replan_json, replan_of
from scheduler.planning.service import PlanOptions, finish_plan, new_version
from scheduler.records.visits import create_visit
from scheduler.travel import GeodesicProvider
from solver.check import check_solution
from solver.current_plan import DEFAULT_PROMISED_S
from solver.suggest import suggest_slots, with_suggestion

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from scheduler.records.inputs import VisitFields
    from scheduler.travel import TravelTimeProvider
    from solver.problem import Problem, Visit

SUGGESTED_PLANS = (PlanStatus.PUBLISHED, PlanStatus.DRAFT)


@dataclass(frozen=True)
class SlotOption:
    """One place for the visit: therapist (database id, external id, name), position in
    the route, start (seconds after midnight), added travel, visits it retimes beyond their
    promise (external ids), and its cost."""

    therapist_id: int
    therapist_key: str
    therapist_name: str
    position: int
    start_s: int
    added_travel_s: int
    retimed: tuple[str, ...]
    cost: int


def _day_with(
    session: Session,
    plan: Plan,
    fields: VisitFields,
    now_s: int,
    provider: TravelTimeProvider | None,
    promised_s: int,
) -> tuple[DayProblem, Problem, Visit]:
    """Book the visit (flushed, not committed) and build the plan's day with it: the
    problem without it (the plan in its ``replan``) and the visit itself."""
    try:
        booked = create_visit(session, plan.clinic_id, replace(fields, date=plan.date), False)
    except InvalidRequest as error:
        raise InvalidRequest(
            [FieldError(f"visit.{e.field}", e.message) for e in error.errors], error.detail
        ) from None
    clinic = session.get_one(Clinic, plan.clinic_id)
    visit_ids = [stop.visit_id for row in plan.routes for stop in row.stops]
    visit_ids += [item.visit_id for item in plan.unassigned]
    day = build_day(
        session, clinic, plan.date, provider or GeodesicProvider(), [*visit_ids, booked.id]
    )
    replan = replan_of(plan, clinic, now_s, promised_s, day)
    new = next(v for v in day.problem.visits if v.id == booked.external_id)
    others = tuple(v for v in day.problem.visits if v.id != booked.external_id)
    return day, replace(day.problem, visits=others, replan=replan), new


def _plan_to_suggest(session: Session, clinic_id: int, plan_id: int) -> Plan:
    plan = get_plan(session, clinic_id, plan_id)
    if plan.status not in SUGGESTED_PLANS:
        raise Conflict(f"plan {plan_id} is {plan.status}; suggest on a published plan or a draft")
    return plan


def suggest_for_plan(
    session: Session,
    clinic_id: int,
    plan_id: int,
    fields: VisitFields,
    now_s: int,
    count: int = 5,
    provider: TravelTimeProvider | None = None,
    promised_s: int = DEFAULT_PROMISED_S,
) -> list[SlotOption]:
    """The best ``count`` places for a new visit in the plan from ``now_s``; stores nothing.

    Raises ``NotFound`` (no such plan), ``Conflict`` (the plan is neither published nor a
    draft) or ``InvalidRequest`` (the visit's fields, named ``visit.<field>``).
    """
    plan = _plan_to_suggest(session, clinic_id, plan_id)
    try:
        day, problem, new = _day_with(session, plan, fields, now_s, provider, promised_s)
        suggestions = suggest_slots(problem, new, count)
        on_shift = sa.select(Therapist).where(Therapist.id.in_(day.therapist_ids.values()))
        names = {t.external_id: t.name for t in session.scalars(on_shift)}
    finally:
        session.rollback()
    return [
        SlotOption(
            therapist_id=day.therapist_ids[s.therapist_id],
            therapist_key=s.therapist_id,
            therapist_name=names[s.therapist_id],
            position=s.position,
            start_s=s.start_s,
            added_travel_s=s.added_travel_s,
            retimed=s.retimed,
            cost=s.cost,
        )
        for s in suggestions
    ]


def accept_suggestion(
    session: Session,
    clinic_id: int,
    plan_id: int,
    fields: VisitFields,
    therapist_key: str,
    position: int,
    now_s: int,
    provider: TravelTimeProvider | None = None,
    promised_s: int = DEFAULT_PROMISED_S,
) -> Plan:
    """Book the visit and store the plan with it at ``position`` of the therapist's route as
    a new draft (which the coordinator publishes). ``InvalidRequest`` when that slot breaks
    a rule (the plan or the visit changed since the suggestion)."""
    plan = _plan_to_suggest(session, clinic_id, plan_id)
    day, problem, new = _day_with(session, plan, fields, now_s, provider, promised_s)
    if therapist_key not in day.therapist_ids:
        session.rollback()
        raise InvalidRequest.single(
            "therapist_id", f"therapist {therapist_key!r} does not work that day"
        )
    solution = with_suggestion(problem, new, therapist_key, position)
    whole = replace(problem, visits=(*problem.visits, new))
    if violations := check_solution(whole, solution):
        session.rollback()
        mine = [v for v in violations if v.therapist_id == therapist_key]
        if mine:
            message = f"the slot no longer fits: {mine[0].message}"
            raise InvalidRequest.single("position", message)
        raise Conflict(
            f"plan {plan_id} no longer keeps the clinic's records ({violations[0].message});"
            " re-plan the day first"
        )
    clinic = session.get_one(Clinic, plan.clinic_id)
    draft = new_version(session, clinic, plan.date, PlanOptions(promised_minutes=promised_s // 60))
    draft.replan = {
        "from_plan": plan.id,
        **replan_json(day.clock, now_s),
        "promised_minutes": promised_s // 60,
        "events": [{"kind": "visit_added", "visit_id": new.id, "therapist_id": therapist_key}],
    }
    finish_plan(session, draft, replace(day, problem=whole), solution)
    return draft
