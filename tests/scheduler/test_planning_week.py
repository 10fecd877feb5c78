"""Planning a week from the care plans, on SQLite and PostgreSQL: the visits booked, the day
plans stored, what counts towards a frequency, the weekly cap, the reasons, publishing.

The week is Monday 2026-11-30 to Sunday 2026-12-06; the therapists work Monday to Friday.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import TYPE_CHECKING

import pytest
import sqlalchemy as sa

from scheduler.errors import Conflict, InvalidRequest
from scheduler.models import (
    CarePlan,
    Plan,
    PlanStatus,
    Priority,
    Therapist,
    Visit,
    VisitStatus,
    WeekPlanStatus,
)
from scheduler.planning import build_day
from scheduler.planning.week import (
    WeekOptions,
    cancel_week,
    finish_week,
    plan_week,
    publish_week,
    start_week,
)
from scheduler.planning.week_build import build_week, horizon
from scheduler.travel import GeodesicProvider
from solver.week.solve import solve_week
from tests.scheduler.planning_factories import add_home
from tests.scheduler.week_factories import MONDAY, add_care_plan, add_small_week

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from scheduler.models import Clinic

WEEK = WeekOptions(time_limit_s=20)


@pytest.fixture
def clinic(session: Session) -> Clinic:
    """The small week (``add_small_week``): t1 and t2, cp1 (p1) and cp2 (p2)."""
    return add_small_week(session)


def visits_of(session: Session, key: str) -> list[Visit]:
    plan = session.scalar(sa.select(CarePlan).where(CarePlan.external_id == key))
    assert plan is not None
    query = sa.select(Visit).where(Visit.care_plan_id == plan.id).order_by(Visit.date)
    return list(session.scalars(query))


def routed_by(plan: Plan) -> dict[int, int]:
    """Visit id -> therapist id of a day plan's stops."""
    return {stop.visit_id: route.therapist_id for route in plan.routes for stop in route.stops}


def test_a_week_books_the_care_plans_visits_and_plans_each_working_day(
    session: Session, clinic: Clinic
) -> None:
    week = plan_week(session, clinic.id, MONDAY, WEEK)
    assert week.status == WeekPlanStatus.DONE, week.error
    assert week.progress is None
    cp1, cp2 = visits_of(session, "cp1"), visits_of(session, "cp2")
    assert [(v.date - MONDAY).days for v in cp1] == [0, 2, 4]
    assert [(v.date - MONDAY).days for v in cp2] == [1, 3]
    assert all(v.status == VisitStatus.BOOKED and v.duration_minutes == 45 for v in cp1 + cp2)
    assert [p.date for p in week.plans] == list(horizon(MONDAY, 1)[:5])
    assert all(p.status == PlanStatus.DRAFT and p.week_plan_id == week.id for p in week.plans)
    routed = {visit: t for plan in week.plans for visit, t in routed_by(plan).items()}
    t1, t2 = (
        session.scalar(sa.select(Therapist.id).where(Therapist.external_id == k))
        for k in ("t1", "t2")
    )
    assert {routed[v.id] for v in cp1} == {t1}
    assert {routed[v.id] for v in cp2} == {t2}
    assert week.unplaced == []
    assert week.kpis is not None
    assert week.kpis["visits_placed"] == week.kpis["visits_ordered"] == 5


def test_visits_done_or_booked_count_towards_the_frequency(
    session: Session, clinic: Clinic
) -> None:
    """cp1 was seen on Monday: two more this week, and not on Tuesday (a day between)."""
    plan = session.scalar(sa.select(CarePlan).where(CarePlan.external_id == "cp1"))
    assert plan is not None
    session.add(
        Visit(
            clinic_id=clinic.id,
            patient_id=plan.patient_id,
            external_id="done",
            date=MONDAY,
            duration_minutes=45,
            status=VisitStatus.DONE,
            care_plan_id=plan.id,
        )
    )
    session.flush()
    plan_week(session, clinic.id, MONDAY, WEEK)
    new = [v for v in visits_of(session, "cp1") if v.external_id != "done"]
    assert len(new) == 2
    assert all((v.date - MONDAY).days >= 2 for v in new)


def test_planning_the_same_week_again_books_nothing_more(session: Session, clinic: Clinic) -> None:
    plan_week(session, clinic.id, MONDAY, WEEK)
    again = plan_week(session, clinic.id, MONDAY, WEEK)
    assert len(visits_of(session, "cp1")) == 3
    assert again.kpis is not None
    assert again.kpis["visits_ordered"] == 0
    assert {p.version for p in again.plans} == {2}


def test_a_weekly_cap_holds_over_the_week(session: Session, clinic: Clinic) -> None:
    """t1 may work two hours in the week: cp1 goes to t2, whose routes hold it."""
    t1 = session.scalar(sa.select(Therapist).where(Therapist.external_id == "t1"))
    assert t1 is not None
    t1.max_week_minutes = 120
    session.flush()
    week = plan_week(session, clinic.id, MONDAY, WEEK)
    work = sum(r.work_s for p in week.plans for r in p.routes if r.therapist_id == t1.id)
    assert work <= 120 * 60
    assert week.kpis is not None
    assert week.kpis["visits_placed"] == 5


def test_a_visit_nobody_can_do_is_stored_with_its_reason(session: Session, clinic: Clinic) -> None:
    t1 = session.scalar(sa.select(Therapist).where(Therapist.external_id == "t1"))
    assert t1 is not None
    patient = add_home(session, clinic, "p3", 1.0)
    add_care_plan(session, patient, "cp3", t1, discipline="SLP", visits_per_week=1)
    week = plan_week(session, clinic.id, MONDAY, WEEK)
    assert week.unplaced == [
        {
            "care_plan": "cp3",
            "span": "the week of 2026-11-30",
            "reason": "NO_QUALIFIED_THERAPIST",
            "message": week.unplaced[0]["message"],
        }
    ]
    assert visits_of(session, "cp3") == []


def test_a_partial_first_week_asks_for_its_share(session: Session, clinic: Clinic) -> None:
    """cp1 starting on Wednesday covers three of its five weekdays: two of three visits."""
    plan = session.scalar(sa.select(CarePlan).where(CarePlan.external_id == "cp1"))
    assert plan is not None
    plan.first_date = MONDAY + dt.timedelta(days=2)
    session.flush()
    week = build_week(session, clinic, horizon(MONDAY, 1), GeodesicProvider())
    episode = next(e for e in week.problem.episodes if e.id == "cp1")
    assert [(d.first_day, d.last_day, d.count) for d in episode.demands] == [(0, 6, 2)]
    assert [w is not None for w in episode.windows] == [
        False,
        False,
        True,
        True,
        True,
        False,
        False,
    ]


def test_a_total_is_paced_over_the_episode(session: Session, clinic: Clinic) -> None:
    """Six visits over two weeks of Monday to Friday: three in the first week."""
    t1 = session.scalar(sa.select(Therapist).where(Therapist.external_id == "t1"))
    assert t1 is not None
    patient = add_home(session, clinic, "p3", 1.0)
    last = MONDAY + dt.timedelta(days=13)
    add_care_plan(session, patient, "cp3", t1, visits_per_week=None, visits_total=6, last_date=last)
    week = build_week(session, clinic, horizon(MONDAY, 1), GeodesicProvider())
    episode = next(e for e in week.problem.episodes if e.id == "cp3")
    assert [d.count for d in episode.demands] == [3]


def test_bad_options_name_their_field(session: Session, clinic: Clinic) -> None:
    with pytest.raises(InvalidRequest) as raised:
        plan_week(session, clinic.id, MONDAY, WeekOptions(weeks=0, time_limit_s=0))
    assert [e.field for e in raised.value.errors] == ["weeks", "time_limit_s"]


def test_a_patient_without_coordinates_is_named(session: Session, clinic: Clinic) -> None:
    patient = session.scalar(sa.select(CarePlan).where(CarePlan.external_id == "cp2"))
    assert patient is not None
    patient.patient.lat = None
    session.flush()
    with pytest.raises(InvalidRequest) as raised:
        plan_week(session, clinic.id, MONDAY, WEEK)
    assert [e.field for e in raised.value.errors] == ["patients.p2"]
    assert session.scalar(sa.select(sa.func.count()).select_from(Visit)) == 0


def test_publishing_the_week_publishes_every_day(session: Session, clinic: Clinic) -> None:
    week = plan_week(session, clinic.id, MONDAY, WEEK)
    published = publish_week(session, clinic.id, week.id)
    assert [p.status for p in published] == [PlanStatus.PUBLISHED] * 5
    assert {v.status for v in visits_of(session, "cp1")} == {VisitStatus.PLANNED}


def test_a_day_planned_again_prefers_the_care_plan_s_primary(
    session: Session, clinic: Clinic
) -> None:
    plan_week(session, clinic.id, MONDAY, WEEK)
    day = build_day(session, clinic, MONDAY, GeodesicProvider())
    visit = next(v for v in day.problem.visits if v.id.startswith("cp1"))
    assert visit.preferred_therapists == {"t1"}
    assert visit.priority == Priority.NORMAL


def test_a_week_the_checker_rejects_fails_and_books_nothing(
    session: Session, clinic: Clinic
) -> None:
    """The solution loses its list of placed visits: the routes hold visits of no booking."""
    week, days = start_week(session, clinic.id, MONDAY, WEEK)
    solution = solve_week(days.problem, WEEK.params())
    finish_week(session, week, days, replace(solution, placed=()))
    assert week.status == WeekPlanStatus.FAILED
    assert week.error is not None
    assert "please report it" in week.error
    assert week.plans == []
    assert visits_of(session, "cp1") == []


def test_a_week_cancelled_while_solving_stays_cancelled(session: Session, clinic: Clinic) -> None:
    week, days = start_week(session, clinic.id, MONDAY, WEEK)
    cancel_week(session, clinic.id, week.id)
    finish_week(session, week, days, solve_week(days.problem, WEEK.params()))
    assert week.status == WeekPlanStatus.CANCELLED
    assert week.plans == []
    assert visits_of(session, "cp1") == []
    with pytest.raises(Conflict):
        publish_week(session, clinic.id, week.id)
