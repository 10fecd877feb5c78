"""The solve jobs' rows: add, queue a clinic's share, claim, renew, finish, sweep.

Every step is one short transaction whose ``UPDATE ... WHERE`` says what state it expects,
so servers and workers on many machines can run them at once: the one whose update matched
the row goes on, the others learn that someone else did. The runner that carries a job to a
worker (a thread pool, or Celery) only ever carries the job's id. A job solves a day plan
(``plan_id``) or a week plan (``week_plan_id``): the rules are the same for both, and the
plan's row, of either table, is the truth for status, progress and cancel.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING

import sqlalchemy as sa

from scheduler.jobs.kinds import KINDS, Kind, kind_of, pack_input, unpack_input
from scheduler.models import Clinic, JobState, PlanJob, WeekPlan
from scheduler.planning.build import DayProblem
from scheduler.planning.week_build import WeekDays

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from scheduler.config import Settings
    from scheduler.models import Plan
    from solver.params import Params


def lost_too_often(attempts: int) -> str:
    """Why a plan failed whose worker was lost on each of its ``attempts``."""
    times = "once" if attempts == 1 else f"{attempts} times"
    return (
        f"the solve was started {times} and its worker stopped each time (killed, out of "
        "memory or its machine lost); start a new solve, with a smaller day or a shorter limit"
    )


NO_JOB = "this plan's solve job was lost (a server stopped before it was queued); start again"
# A ``solving`` plan with no job row, older than this, lost its job: see ``sweep``.
ORPHAN_GRACE_S = 60.0


@dataclass(frozen=True)
class JobPolicy:
    """How jobs share the workers and how a lost worker is noticed.

    ``per_clinic`` jobs of one clinic at most are queued or running at once, so that one
    clinic's twenty solves do not starve another's one; ``lease_s`` without a renewal means
    the worker died; ``max_attempts`` claims at most, then the plan fails; a queued job that
    no worker claimed within ``resend_s`` is sent again (its message may have been lost).
    """

    per_clinic: int = 2
    max_attempts: int = 3
    lease_s: float = 15.0
    resend_s: float = 600.0

    @classmethod
    def from_settings(cls, settings: Settings) -> JobPolicy:
        return cls(
            per_clinic=settings.jobs_per_clinic,
            max_attempts=settings.job_max_attempts,
            lease_s=settings.job_lease_s,
            resend_s=settings.job_resend_s,
        )


def add_job(
    session: Session, plan: Plan | WeekPlan, problem: DayProblem | WeekDays, params: Params
) -> int:
    """Store the solve of the ``solving`` day or week plan as a waiting job; commits and
    returns the job's id."""
    week = isinstance(plan, WeekPlan)
    assert week == isinstance(problem, WeekDays), "a week plan's job solves a week"
    job = PlanJob(
        plan_id=None if week else plan.id,
        week_plan_id=plan.id if week else None,
        clinic_id=plan.clinic_id,
        input=pack_input(problem, params),
        state=JobState.WAITING,
    )
    session.add(job)
    session.commit()
    return job.id


def queue_share(session: Session, clinic_id: int, policy: JobPolicy, now: dt.datetime) -> list[int]:
    """Move the clinic's oldest waiting jobs to ``queued``, as many as its share has room
    for; commits and returns their ids, for the caller to send to the runner.

    The clinic's row is locked meanwhile (PostgreSQL; SQLite's write lock serialises), so
    two servers queueing for one clinic at once cannot both fill its share.
    """
    session.execute(sa.select(Clinic.id).where(Clinic.id == clinic_id).with_for_update())
    active = session.scalar(
        sa.select(sa.func.count())
        .select_from(PlanJob)
        .where(PlanJob.clinic_id == clinic_id, PlanJob.state != JobState.WAITING)
    )
    room = policy.per_clinic - (active or 0)
    job_ids: list[int] = []
    if room > 0:
        job_ids = list(
            session.scalars(
                sa.select(PlanJob.id)
                .where(PlanJob.clinic_id == clinic_id, PlanJob.state == JobState.WAITING)
                .order_by(PlanJob.created_at, PlanJob.id)
                .limit(room)
            )
        )
    if job_ids:
        session.execute(
            sa.update(PlanJob)
            .where(PlanJob.id.in_(job_ids))
            .values(state=JobState.QUEUED, queued_at=now)
        )
    session.commit()
    return job_ids


class ClaimOutcome(Enum):
    CLAIMED = "claimed"  # this worker runs it now
    GONE = "gone"  # the plan is no longer solving, or its job is done: nothing to do
    BUSY = "busy"  # another worker holds a live lease on it
    EXHAUSTED = "exhausted"  # claimed too often: the plan is now failed


@dataclass(frozen=True)
class Claim:
    """What a claim found: a claimed job carries the built ``day`` (a day plan's job) or
    ``week`` (a week plan's), and ``plan_id``, the id of that day plan or week plan.
    ``clinic_id`` is the job's clinic, whose share may have room after it (None: unknown)."""

    outcome: ClaimOutcome
    day: DayProblem | None = field(default=None, repr=False)
    params: Params | None = field(default=None, repr=False)
    attempt: int = 0
    week: WeekDays | None = field(default=None, repr=False)
    plan_id: int | None = None
    clinic_id: int | None = None


def claim(session: Session, job_id: int, owner: str, policy: JobPolicy, now: dt.datetime) -> Claim:
    """Take the job for ``owner``: a queued one, or a running one whose lease ran out (its
    worker died). Counts an attempt; the attempt after ``max_attempts`` fails the plan."""
    claimable = sa.or_(
        PlanJob.state == JobState.QUEUED,
        sa.and_(PlanJob.state == JobState.RUNNING, PlanJob.lease_until <= now),
    )
    claimed = session.execute(
        sa.update(PlanJob)
        .where(PlanJob.id == job_id, claimable)
        .values(
            state=JobState.RUNNING,
            owner=owner,
            lease_until=now + dt.timedelta(seconds=policy.lease_s),
            attempts=PlanJob.attempts + 1,
        )
        .returning(PlanJob.attempts, PlanJob.plan_id, PlanJob.week_plan_id, PlanJob.clinic_id)
    ).first()
    if claimed is None:
        job = session.get(PlanJob, job_id)
        session.commit()
        if job is None or job.state == JobState.WAITING:
            return Claim(ClaimOutcome.GONE)
        return Claim(ClaimOutcome.BUSY)
    attempt, clinic_id = int(claimed.attempts), claimed.clinic_id
    kind, plan_id = kind_of(claimed.plan_id, claimed.week_plan_id)
    if attempt > policy.max_attempts:
        fail_job(session, job_id, lost_too_often(attempt - 1))
        return Claim(ClaimOutcome.EXHAUSTED, clinic_id=clinic_id)
    if kind.status(session, plan_id) != kind.solving:
        session.execute(sa.delete(PlanJob).where(PlanJob.id == job_id))
        session.commit()
        return Claim(ClaimOutcome.GONE, clinic_id=clinic_id)
    data = session.scalar(sa.select(PlanJob.input).where(PlanJob.id == job_id))
    session.commit()
    assert data is not None
    problem, params = unpack_input(data)
    day = problem if isinstance(problem, DayProblem) else None
    week = problem if isinstance(problem, WeekDays) else None
    return Claim(ClaimOutcome.CLAIMED, day, params, attempt, week, plan_id, clinic_id)


def renew(
    session: Session,
    job_id: int,
    owner: str,
    policy: JobPolicy,
    now: dt.datetime,
    progress: dict[str, object] | None,
) -> bool:
    """Renew ``owner``'s lease and record the search's progress; false when the solve
    should stop: the plan is no longer ``solving`` (cancelled) or the job was taken over."""
    held = session.execute(
        sa.update(PlanJob)
        .where(PlanJob.id == job_id, PlanJob.owner == owner)
        .values(lease_until=now + dt.timedelta(seconds=policy.lease_s))
        .returning(PlanJob.plan_id, PlanJob.week_plan_id)
    ).first()
    if held is None:
        session.commit()
        return False
    kind, plan_id = kind_of(held.plan_id, held.week_plan_id)
    if progress is not None:
        session.execute(
            sa.update(kind.plans).where(kind.solving_plan(plan_id)).values(progress=progress)
        )
    status = kind.status(session, plan_id)
    session.commit()
    return status == kind.solving


def take_result(session: Session, job_id: int, owner: str) -> bool:
    """Delete ``owner``'s job and lock its ``solving`` plan for the result, without
    committing: true when the caller may store the result in this transaction.

    The no-op update locks the plan row (PostgreSQL) or the database (SQLite) until the
    result is committed, so a cancel cannot land in between; a cancel that came first, or a
    worker that took the job over, leaves nothing to store. So a plan never gets two results.
    """
    mine = session.execute(
        sa.delete(PlanJob)
        .where(PlanJob.id == job_id, PlanJob.owner == owner)
        .returning(PlanJob.plan_id, PlanJob.week_plan_id)
    ).first()
    if mine is not None:
        kind, plan_id = kind_of(mine.plan_id, mine.week_plan_id)
        solving = session.execute(
            sa.update(kind.plans).where(kind.solving_plan(plan_id)).values(status=kind.solving)
        )
        if getattr(solving, "rowcount", 0) == 1:
            return True
    session.rollback()
    return False


def drop_job(session: Session, job_id: int, owner: str | None = None) -> None:
    """Forget the job (its plan was cancelled, or ``owner`` gives it up); commits."""
    statement = sa.delete(PlanJob).where(PlanJob.id == job_id)
    if owner is not None:
        statement = statement.where(PlanJob.owner == owner)
    session.execute(statement)
    session.commit()


def release_job(session: Session, job_id: int, owner: str) -> None:
    """Give the job back (this worker is shutting down): queued again, the attempt not
    counted, and due to be sent again at the next sweep; commits."""
    session.execute(
        sa.update(PlanJob)
        .where(PlanJob.id == job_id, PlanJob.owner == owner)
        .values(
            state=JobState.QUEUED,
            owner=None,
            lease_until=None,
            queued_at=None,
            attempts=PlanJob.attempts - 1,
        )
    )
    session.commit()


def touch_queued(session: Session, job_ids: list[int], now: dt.datetime | None) -> None:
    """Mark queued jobs as held: ``now`` by a live process that will run them (the inline
    runner, at each sweep), or None to have the next sweep send them again; commits."""
    if job_ids:
        session.execute(
            sa.update(PlanJob)
            .where(PlanJob.id.in_(job_ids), PlanJob.state == JobState.QUEUED)
            .values(queued_at=now)
        )
        session.commit()


def fail_job(session: Session, job_id: int, error: str) -> None:
    """The job's plan fails with ``error`` (if still solving) and the job is forgotten;
    commits."""
    job = session.execute(
        sa.select(PlanJob.plan_id, PlanJob.week_plan_id).where(PlanJob.id == job_id)
    ).first()
    if job is not None:
        kind, plan_id = kind_of(job.plan_id, job.week_plan_id)
        session.execute(
            sa.update(kind.plans)
            .where(kind.solving_plan(plan_id))
            .values(status=kind.failed, error=error, progress=None)
        )
    session.execute(sa.delete(PlanJob).where(PlanJob.id == job_id))
    session.commit()


def job_of_plan(session: Session, plan_id: int) -> int | None:
    """The id of the day plan's job, if it has one."""
    return session.scalar(sa.select(PlanJob.id).where(PlanJob.plan_id == plan_id))


@dataclass(frozen=True)
class Sweep:
    """What a sweep found: jobs to send again, clinics whose share may have room, and how
    many plans (day or week) it failed."""

    resend: list[int]
    clinics: list[int]
    failed: int


def sweep(session: Session, policy: JobPolicy, now: dt.datetime) -> Sweep:
    """Put back the jobs that lost their worker or their message; commits.

    - A running job whose lease ran out ``lease_s`` ago is queued again: the runner normally
      redelivers it (Celery's late acknowledgement) and the new worker claims it as soon as
      the lease runs out; if that did not happen, the sweep sends it again. Claims count the
      attempts, so a day that kills its worker every time ends ``failed``.
    - A queued job no worker claimed within ``resend_s`` is sent again, and one a worker
      gave back when it shut down (``release_job``) at once.
    - Jobs of cancelled plans are forgotten, and a ``solving`` plan with no job (its server
      stopped between storing the plan and its job) fails.
    Any server or worker may sweep at any time: sending a job twice is harmless, since only
    one claim of it can succeed at a time. With no job and no solving plan it only reads:
    on SQLite a write every few seconds would contend with every request's.
    """
    anything = sa.select(
        sa.or_(
            sa.exists().where(PlanJob.id.is_not(None)),
            *(sa.exists().where(kind.plans.status == kind.solving) for kind in KINDS),
        )
    )
    if not session.scalar(anything):
        session.commit()
        return Sweep([], [], 0)
    not_solving = [
        kind.column.in_(sa.select(kind.plans.id).where(kind.plans.status != kind.solving))
        for kind in KINDS
    ]
    session.execute(sa.delete(PlanJob).where(sa.or_(*not_solving)))
    lost_lease = now - dt.timedelta(seconds=policy.lease_s)
    lost = list(
        session.scalars(
            sa.update(PlanJob)
            .where(PlanJob.state == JobState.RUNNING, PlanJob.lease_until <= lost_lease)
            .values(state=JobState.QUEUED, owner=None, lease_until=None, queued_at=now)
            .returning(PlanJob.id)
        )
    )
    stale = list(
        session.scalars(
            sa.update(PlanJob)
            .where(
                PlanJob.state == JobState.QUEUED,
                sa.or_(
                    PlanJob.queued_at.is_(None),
                    PlanJob.queued_at <= now - dt.timedelta(seconds=policy.resend_s),
                ),
            )
            .values(queued_at=now)
            .returning(PlanJob.id)
        )
    )
    failed = sum(_fail_orphans(session, kind, now) for kind in KINDS)
    clinics = list(
        session.scalars(
            sa.select(PlanJob.clinic_id).where(PlanJob.state == JobState.WAITING).distinct()
        )
    )
    session.commit()
    return Sweep(lost + stale, clinics, failed)


def _fail_orphans(session: Session, kind: Kind, now: dt.datetime) -> int:
    """Fail the plans of ``kind`` solving without a job for ``ORPHAN_GRACE_S``; how many."""
    orphans = session.execute(
        sa.update(kind.plans)
        .where(
            kind.plans.status == kind.solving,
            kind.plans.created_at <= now - dt.timedelta(seconds=ORPHAN_GRACE_S),
            ~sa.exists().where(kind.column == kind.plans.id),
        )
        .values(status=kind.failed, error=NO_JOB, progress=None)
    )
    return int(getattr(orphans, "rowcount", 0))
