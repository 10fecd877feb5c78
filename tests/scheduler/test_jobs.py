"""The solve jobs' rules in the database (``scheduler.jobs.store``), on both engines: a
clinic's share of the queue, one claim at a time, a lost worker taken over after its lease,
attempts bounded, one result per plan, and the sweep that puts back what was lost; for a
day plan's job and for a week plan's."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import replace
from typing import TYPE_CHECKING

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from scheduler.jobs import INLINE_RESEND_S, JobPolicy, JobQueue
from scheduler.jobs.celery_app import LEGACY_PLAN_TASK, make_celery
from scheduler.jobs.inline import InlineRunner
from scheduler.jobs.store import (
    NO_JOB,
    ORPHAN_GRACE_S,
    ClaimOutcome,
    add_job,
    claim,
    lost_too_often,
    queue_share,
    release_job,
    renew,
    sweep,
    take_result,
)
from scheduler.models import Clinic, JobState, Plan, PlanJob, PlanStatus, WeekPlan, WeekPlanStatus
from scheduler.models.base import utc_now
from scheduler.planning import build_day
from scheduler.planning.service import cancel_plan
from scheduler.planning.week import WeekOptions, cancel_week, start_week
from scheduler.travel import GeodesicProvider
from solver.params import Params
from tests.api.conftest import settings_for
from tests.scheduler.factories import DAY, add_clinic, add_plan
from tests.scheduler.planning_factories import add_small_day
from tests.scheduler.week_factories import MONDAY, add_small_week

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from scheduler.planning import DayProblem

POLICY = JobPolicy(per_clinic=2, max_attempts=3, lease_s=15.0, resend_s=600.0)
NOW = dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC)
PARAMS = Params(time_limit_s=1.0)


def later(seconds: float) -> dt.datetime:
    return NOW + dt.timedelta(seconds=seconds)


def small_day(session: Session) -> DayProblem:
    return build_day(session, add_small_day(session).clinic, DAY, GeodesicProvider())


def add_solving(session: Session, clinic: Clinic, day: DayProblem, version: int) -> int:
    """A ``solving`` plan with its waiting job; the job's id."""
    plan = add_plan(session, clinic, PlanStatus.SOLVING, version=version)
    return add_job(session, plan, day, PARAMS)


def queued_job(session: Session) -> tuple[int, DayProblem]:
    """A solving plan whose job was sent to the runner, on the small day; the job's id."""
    day = small_day(session)
    job_id = add_solving(session, _clinic(session, day), day, 1)
    assert queue_share(session, day.clinic_id, POLICY, NOW) == [job_id]
    return job_id, day


def plan_of(session: Session, job_id: int) -> int:
    plan_id = session.get_one(PlanJob, job_id).plan_id
    assert plan_id is not None
    return plan_id


def _clinic(session: Session, day: DayProblem) -> Clinic:
    return session.get_one(Clinic, day.clinic_id)


def state_of(session: Session, job_id: int) -> JobState | None:
    session.expire_all()
    job = session.get(PlanJob, job_id)
    return None if job is None else job.state


def test_a_clinic_gets_its_share_and_another_clinic_is_not_starved(session: Session) -> None:
    """Five solves of one clinic queue two; the other clinic's one is queued at once."""
    day = small_day(session)
    busy = _clinic(session, day)
    other = add_clinic(session, "Other clinic")
    busy_ids = [add_solving(session, busy, day, version) for version in range(1, 6)]
    other_id = add_solving(session, other, day, 1)
    assert queue_share(session, busy.id, POLICY, NOW) == busy_ids[:2]
    assert queue_share(session, busy.id, POLICY, NOW) == []
    assert queue_share(session, other.id, POLICY, NOW) == [other_id]
    # One of the busy clinic's solves ends: the oldest waiting one takes its place.
    session.execute(sa.delete(PlanJob).where(PlanJob.id == busy_ids[0]))
    assert queue_share(session, busy.id, POLICY, NOW) == [busy_ids[2]]


def test_one_claim_at_a_time_and_a_lost_worker_is_taken_over(session: Session) -> None:
    """A live lease makes a second claim busy; once it runs out, another worker takes over
    (a second attempt) and the first worker's next renewal tells it to stop."""
    job_id, day = queued_job(session)
    first = claim(session, job_id, "w1", POLICY, NOW)
    assert first.outcome == ClaimOutcome.CLAIMED
    assert first.day is not None
    assert first.day.visit_ids == day.visit_ids
    assert first.attempt == 1
    assert claim(session, job_id, "w2", POLICY, later(14)).outcome == ClaimOutcome.BUSY
    assert renew(session, job_id, "w1", POLICY, later(14), None)
    # w1 renewed at +14 s: its lease now ends at +29 s.
    assert claim(session, job_id, "w2", POLICY, later(28)).outcome == ClaimOutcome.BUSY
    second = claim(session, job_id, "w2", POLICY, later(29))
    assert second.outcome == ClaimOutcome.CLAIMED
    assert second.attempt == 2
    assert not renew(session, job_id, "w1", POLICY, later(30), None)
    assert renew(session, job_id, "w2", POLICY, later(30), None)


def test_the_attempt_after_the_last_fails_the_plan(session: Session) -> None:
    """A day that loses its worker every time ends failed, saying so, and its job is gone."""
    job_id, _ = queued_job(session)
    plan_id = plan_of(session, job_id)
    policy = replace(POLICY, max_attempts=2)
    outcomes = [
        claim(session, job_id, f"w{n}", policy, later(n * policy.lease_s)).outcome for n in range(3)
    ]
    assert outcomes == [ClaimOutcome.CLAIMED, ClaimOutcome.CLAIMED, ClaimOutcome.EXHAUSTED]
    plan = session.get_one(Plan, plan_id)
    session.refresh(plan)
    assert plan.status == PlanStatus.FAILED
    assert plan.error == lost_too_often(2)
    assert state_of(session, job_id) is None


def test_a_cancel_stops_the_worker_at_its_next_renewal(session: Session) -> None:
    job_id, day = queued_job(session)
    assert claim(session, job_id, "w1", POLICY, NOW).outcome == ClaimOutcome.CLAIMED
    cancel_plan(session, day.clinic_id, plan_of(session, job_id))
    assert not renew(session, job_id, "w1", POLICY, later(1), None)
    # The running job is not forgotten by the cancel (its worker is still at it) ...
    assert state_of(session, job_id) == JobState.RUNNING
    # ... but a worker that claims it once the lease ran out finds nothing to do.
    assert claim(session, job_id, "w2", POLICY, later(60)).outcome == ClaimOutcome.GONE
    assert state_of(session, job_id) is None


def test_cancel_forgets_a_job_no_worker_started(session: Session) -> None:
    """So that it no longer takes a place in its clinic's share."""
    job_id, day = queued_job(session)
    cancel_plan(session, day.clinic_id, plan_of(session, job_id))
    assert state_of(session, job_id) is None
    assert claim(session, job_id, "w1", POLICY, NOW).outcome == ClaimOutcome.GONE


def test_only_the_worker_holding_the_job_stores_a_result_once(session: Session) -> None:
    job_id, _ = queued_job(session)
    claim(session, job_id, "w1", POLICY, NOW)
    assert not take_result(session, job_id, "w2")
    assert take_result(session, job_id, "w1")
    session.commit()
    assert not take_result(session, job_id, "w1")


def test_the_sweep_puts_back_what_lost_its_worker_or_its_message(session: Session) -> None:
    """A lease run out for a whole lease again, a job given back at shutdown and a queued
    job never claimed within ``resend_s`` are sent again; a recent one is left alone."""
    day = small_day(session)
    clinic = _clinic(session, day)
    lost, released, forgotten, recent = (add_solving(session, clinic, day, v) for v in range(1, 5))
    policy = replace(POLICY, per_clinic=4)
    assert queue_share(session, clinic.id, policy, NOW) == [lost, released, forgotten, recent]
    claim(session, lost, "dead", policy, NOW)
    claim(session, released, "stopping", policy, NOW)
    release_job(session, released, "stopping")
    session.execute(sa.update(PlanJob).where(PlanJob.id == recent).values(queued_at=later(500)))
    found = sweep(session, policy, later(policy.resend_s))
    assert sorted(found.resend) == sorted([lost, released, forgotten])
    assert state_of(session, lost) == JobState.QUEUED
    # The released job's attempt was not counted: the worker stopped, it was not lost.
    assert session.get_one(PlanJob, released).attempts == 0
    # Sent again now, so not again at the next sweep.
    assert sweep(session, policy, later(policy.resend_s + 1)).resend == []


def test_a_solving_plan_whose_job_was_never_stored_fails_after_a_grace(session: Session) -> None:
    """Its server stopped between storing the plan and its job: nothing would ever run it."""
    clinic = add_clinic(session)
    orphan = add_plan(session, clinic, PlanStatus.SOLVING)
    created = orphan.created_at
    assert sweep(session, POLICY, created + dt.timedelta(seconds=1)).failed == 0
    assert sweep(session, POLICY, created + dt.timedelta(seconds=ORPHAN_GRACE_S)).failed == 1
    session.refresh(orphan)
    assert orphan.status == PlanStatus.FAILED
    assert orphan.error == NO_JOB


def test_the_sweep_names_the_clinics_with_waiting_jobs(session: Session) -> None:
    """A dispatch that was lost (a server stopped) is made by the next sweep."""
    day = small_day(session)
    job_id = add_solving(session, _clinic(session, day), day, 1)
    assert sweep(session, POLICY, NOW).clinics == [day.clinic_id]
    assert state_of(session, job_id) == JobState.WAITING


def solving_week(session: Session, clinic: Clinic | None = None) -> tuple[int, WeekPlan]:
    """A solving week plan of the small week (in ``clinic``, or a new one) with its waiting
    job; the job's id."""
    clinic = clinic or add_small_week(session, "Week clinic")
    week, days = start_week(session, clinic.id, MONDAY, WeekOptions(time_limit_s=20))
    return add_job(session, week, days, PARAMS), week


def test_a_week_s_job_takes_a_place_in_its_clinic_s_share(session: Session) -> None:
    """Beside a day plan's job: the clinic's share of two is full, a third solve waits."""
    job_id, week = solving_week(session)
    day = build_day(session, week.clinic, MONDAY, GeodesicProvider())
    day_jobs = [add_solving(session, week.clinic, day, v) for v in (1, 2)]
    assert queue_share(session, week.clinic_id, POLICY, NOW) == [job_id, day_jobs[0]]
    claimed = claim(session, job_id, "w1", POLICY, NOW)
    assert claimed.outcome == ClaimOutcome.CLAIMED
    assert claimed.week is not None
    assert claimed.day is None
    assert (claimed.plan_id, claimed.clinic_id) == (week.id, week.clinic_id)
    assert [e.id for e in claimed.week.problem.episodes] == ["cp1", "cp2"]


def test_a_cancelled_week_stops_its_worker_and_a_queued_one_is_forgotten(
    session: Session,
) -> None:
    running, week = solving_week(session)
    queued, other = solving_week(session, week.clinic)
    assert queue_share(session, week.clinic_id, POLICY, NOW) == [running, queued]
    claim(session, running, "w1", POLICY, NOW)
    assert renew(session, running, "w1", POLICY, later(1), {"elapsed_s": 1.0})
    session.refresh(week)
    assert week.progress == {"elapsed_s": 1.0}
    for cancelled in (week, other):
        cancel_week(session, week.clinic_id, cancelled.id)
    assert not renew(session, running, "w1", POLICY, later(2), None)
    assert not take_result(session, running, "w1")
    assert state_of(session, running) == JobState.RUNNING
    assert state_of(session, queued) is None


def test_a_week_whose_worker_is_lost_too_often_fails_saying_so(session: Session) -> None:
    job_id, week = solving_week(session)
    queue_share(session, week.clinic_id, POLICY, NOW)
    policy = replace(POLICY, max_attempts=1)
    claim(session, job_id, "w1", policy, NOW)
    exhausted = claim(session, job_id, "w2", policy, later(policy.lease_s))
    assert exhausted.outcome == ClaimOutcome.EXHAUSTED
    session.refresh(week)
    assert (week.status, week.error) == (WeekPlanStatus.FAILED, lost_too_often(1))
    assert state_of(session, job_id) is None


def test_a_solving_week_whose_job_was_never_stored_fails_after_a_grace(
    session: Session,
) -> None:
    week, _ = start_week(session, add_small_week(session).id, MONDAY, WeekOptions())
    assert sweep(session, POLICY, week.created_at + dt.timedelta(seconds=1)).failed == 0
    late = week.created_at + dt.timedelta(seconds=ORPHAN_GRACE_S)
    assert sweep(session, POLICY, late).failed == 1
    session.refresh(week)
    assert (week.status, week.error) == (WeekPlanStatus.FAILED, NO_JOB)


def committed_job(engine: Engine) -> tuple[sessionmaker[Session], Plan, DayProblem, int]:
    """The small day, committed, with a solving plan and its waiting job (the job's id)."""
    sessions = sessionmaker(engine, expire_on_commit=False)
    with sessions() as session:
        day = small_day(session)
        session.commit()
        plan = add_plan(session, _clinic(session, day), PlanStatus.SOLVING)
        job_id = add_job(session, plan, day, PARAMS)
    return sessions, plan, day, job_id


def test_a_solve_whose_server_died_is_finished_by_another_server(migrated: Engine) -> None:
    """The dead server claimed the job and stopped renewing; the other server's sweep sends
    it again once the lease ran out, and runs it to a draft (attempt 2)."""
    sessions, plan, day, job_id = committed_job(migrated)
    with sessions() as session:
        queue_share(session, day.clinic_id, POLICY, utc_now())
        claim(session, job_id, "dead-server", POLICY, utc_now() - dt.timedelta(seconds=60))
    runner = InlineRunner()
    survivor = JobQueue(sessions, runner, replace(POLICY, resend_s=INLINE_RESEND_S))
    runner.bind(survivor.run)
    try:
        survivor.sweep()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with sessions() as session:
                stored = session.get_one(Plan, plan.id)
                if stored.status != PlanStatus.SOLVING:
                    break
            time.sleep(0.2)
    finally:
        survivor.shutdown()
    assert stored.status == PlanStatus.DRAFT, stored.error
    with sessions() as session:
        assert session.get(PlanJob, job_id) is None


@pytest.mark.parametrize("held", [True, False])
def test_an_inline_server_that_stops_gives_back_the_jobs_it_had_not_started(
    migrated: Engine, held: bool
) -> None:
    """At shutdown, jobs still waiting for a slot are marked to be sent again at the next
    sweep of any server; while the server lives, its sweep keeps them as held."""
    sessions, _, day, job_id = committed_job(migrated)
    runner = InlineRunner()  # never bound: it holds the job without running it
    queue = JobQueue(sessions, runner, replace(POLICY, resend_s=INLINE_RESEND_S))
    queue.dispatch(day.clinic_id)
    assert runner.pending() == [job_id]
    try:
        if held:
            queue.sweep()
            with sessions() as session:
                assert sweep(session, queue.policy, utc_now()).resend == []
    finally:
        queue.shutdown()
    if not held:
        with sessions() as session:
            assert sweep(session, queue.policy, utc_now()).resend == [job_id]


@pytest.mark.slow
def test_a_celery_message_of_the_old_task_still_runs_its_plan_s_job(migrated: Engine) -> None:
    """Queued before revision 0011, it names the day plan rather than the job: a worker of
    this version finds the plan's job and solves it."""
    sessions, plan, day, job_id = committed_job(migrated)
    with sessions() as session:
        queue_share(session, day.clinic_id, POLICY, utc_now())
    app = make_celery(settings_for(migrated))
    app.tasks[LEGACY_PLAN_TASK].run(plan.id)
    with sessions() as session:
        assert session.get_one(Plan, plan.id).status == PlanStatus.DRAFT
        assert session.get(PlanJob, job_id) is None
