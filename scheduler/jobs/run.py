"""Run one solve job on this machine: claim it, solve, keep the lease, store the result.

The same code runs in an API server's thread (``inline`` jobs) and in a Celery worker
(``celery`` jobs), for a day plan's job and a week plan's alike. The search runs in a child
process (``solve_in_worker``, ``solve_week_in_worker``: it holds the GIL); about once a
second this thread renews the job's lease, writes the search's progress to the plan row
and reads the plan's status back, so a cancel from any server stops the solve within about
a second, and a worker that dies stops renewing: its lease runs out and the job is claimed
again (``store.claim``).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from typing import TYPE_CHECKING

from scheduler.jobs.store import (
    Claim,
    ClaimOutcome,
    claim,
    drop_job,
    fail_job,
    release_job,
    renew,
    take_result,
)
from scheduler.models.base import utc_now
from scheduler.planning.queries import get_plan
from scheduler.planning.service import finish_plan
from scheduler.planning.week import fail_week, finish_week, get_week
from scheduler.planning.worker import SolveCancelled, solve_in_worker, solve_week_in_worker
from solver.solution import Solution, SolveStatus

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from scheduler.jobs.store import JobPolicy
    from solver.params import Progress
    from solver.week.solution import WeekSolution

log = logging.getLogger(__name__)

RENEW_EVERY_S = 1.0
# How often a worker that finds another worker's live lease on its job looks again.
BUSY_POLL_S = 1.0
UNEXPECTED = "the solve job failed unexpectedly; the worker's log has details"


def worker_name() -> str:
    """This thread as a job owner: host, process and thread, unique among live workers."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{threading.get_ident() % 10**8}"


def run_job(
    sessions: sessionmaker[Session],
    job_id: int,
    policy: JobPolicy,
    stopping: threading.Event | None = None,
) -> int | None:
    """Run the solve job if it is this worker's to run; any outcome is stored. Returns the
    job's clinic, whose share of the queue may now have room (None: not known).

    A job another worker holds a live lease on is waited for up to a lease (Celery
    redelivers the job of a killed worker at once, before its lease runs out), then left
    to that worker.
    """
    owner = worker_name()
    waited_s = 0.0
    while True:
        with sessions() as session:
            taken = claim(session, job_id, owner, policy, utc_now())
        if taken.outcome != ClaimOutcome.BUSY or waited_s > policy.lease_s:
            break
        time.sleep(BUSY_POLL_S)
        waited_s += BUSY_POLL_S
    if taken.outcome != ClaimOutcome.CLAIMED:
        return taken.clinic_id
    log.info("job %d: solving, attempt %d, on %s", job_id, taken.attempt, owner)
    try:
        result = _solve(_Lease(sessions, job_id, owner, policy, taken, stopping), taken)
    except SolveCancelled:
        with sessions() as session:
            if stopping is not None and stopping.is_set():
                release_job(session, job_id, owner)  # another worker takes it from here
            else:
                drop_job(session, job_id, owner)
        return taken.clinic_id
    except Exception:
        log.exception("job %d: the solve job failed", job_id)
        with sessions() as session:
            fail_job(session, job_id, UNEXPECTED)
        return taken.clinic_id
    with sessions() as session:
        if take_result(session, job_id, owner):
            _store(session, taken, result)
            # A week that could not be stored fails after a rollback, which gave the job
            # back its row: forget it, so it holds no place in the clinic's share.
            drop_job(session, job_id, owner)
    return taken.clinic_id


class _Lease:
    """The callbacks of a running solve: keep the lease, record progress, stop when told."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        job_id: int,
        owner: str,
        policy: JobPolicy,
        taken: Claim,
        stopping: threading.Event | None,
    ) -> None:
        self.sessions, self.job_id, self.owner, self.policy = sessions, job_id, owner, policy
        self.taken, self.stopping = taken, stopping
        self.last_renewal = time.monotonic()
        self.latest: dict[str, object] | None = None
        self.keep_going = True

    def on_tick(self, elapsed_s: float, progress: Progress | None) -> None:
        self.latest = _progress_json(elapsed_s, progress, self.taken)

    def should_stop(self) -> bool:
        # Asked every 0.2 s; the database is written and read about once a second.
        if self.keep_going and time.monotonic() - self.last_renewal >= RENEW_EVERY_S:
            self.last_renewal = time.monotonic()
            with self.sessions() as session:
                self.keep_going = renew(
                    session, self.job_id, self.owner, self.policy, utc_now(), self.latest
                )
        return not self.keep_going or (self.stopping is not None and self.stopping.is_set())


def _solve(lease: _Lease, taken: Claim) -> Solution | WeekSolution | str:
    """The day's or the week's solution, or why the solver process failed."""
    assert taken.params is not None
    try:
        if taken.week is not None:
            return solve_week_in_worker(
                taken.week.problem, taken.params, lease.on_tick, lease.should_stop
            )
        assert taken.day is not None
        return solve_in_worker(taken.day.problem, taken.params, lease.on_tick, lease.should_stop)
    except RuntimeError as error:
        return f"the solver process failed: {error}"


def _store(session: Session, taken: Claim, result: Solution | WeekSolution | str) -> None:
    assert taken.plan_id is not None
    if taken.day is not None:
        plan = get_plan(session, taken.day.clinic_id, taken.plan_id)
        if isinstance(result, str):
            result = Solution(SolveStatus.FAILED, error=result)
        assert isinstance(result, Solution)
        finish_plan(session, plan, taken.day, result)
        return
    assert taken.week is not None
    week = get_week(session, taken.week.clinic_id, taken.plan_id)
    if isinstance(result, str):
        fail_week(session, week, result)
    else:
        assert not isinstance(result, Solution)
        finish_week(session, week, taken.week, result)


def _progress_json(elapsed_s: float, progress: Progress | None, taken: Claim) -> dict[str, object]:
    if taken.week is not None:
        assert taken.params is not None
        return {
            "elapsed_s": round(elapsed_s, 1),
            "time_limit_s": taken.params.time_limit_s,
            "attempt": taken.attempt,
        }
    return {
        "elapsed_s": round(elapsed_s, 1),
        "best_cost": None if progress is None else progress.best_cost,
        "solutions_found": 0 if progress is None else progress.solutions_found,
        "attempt": taken.attempt,
    }
