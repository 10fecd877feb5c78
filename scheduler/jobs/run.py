"""Run one plan's solve job on this machine: claim it, solve, keep the lease, store the result.

The same code runs in an API server's thread (``inline`` jobs) and in a Celery worker
(``celery`` jobs). The search runs in a child process (``solve_in_worker``: it holds the GIL);
about once a second this thread renews the job's lease, writes the search's progress to the
plan row and reads the plan's status back, so a cancel from any server stops the solve
within about a second, and a worker that dies stops renewing: its lease runs out and the job
is claimed again (``store.claim``).
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
from scheduler.planning.worker import SolveCancelled, solve_in_worker
from solver.solution import Solution, SolveStatus

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from scheduler.jobs.store import JobPolicy
    from solver.params import Progress

log = logging.getLogger(__name__)

RENEW_EVERY_S = 1.0
# How often a worker that finds another worker's live lease on its job looks again.
BUSY_POLL_S = 1.0
UNEXPECTED = "the solve job failed unexpectedly; the worker's log has details"


def worker_name() -> str:
    """This thread as a job owner: host, process and thread, unique among live workers."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{threading.get_ident() % 10**8}"


def run_plan_job(
    sessions: sessionmaker[Session],
    plan_id: int,
    policy: JobPolicy,
    stopping: threading.Event | None = None,
) -> None:
    """Run the plan's solve job if it is this worker's to run; any outcome is stored.

    A job another worker holds a live lease on is waited for up to a lease (Celery
    redelivers the job of a killed worker at once, before its lease runs out), then left
    to that worker.
    """
    owner = worker_name()
    waited_s = 0.0
    while True:
        with sessions() as session:
            taken = claim(session, plan_id, owner, policy, utc_now())
        if taken.outcome != ClaimOutcome.BUSY or waited_s > policy.lease_s:
            break
        time.sleep(BUSY_POLL_S)
        waited_s += BUSY_POLL_S
    if taken.outcome != ClaimOutcome.CLAIMED:
        return
    assert taken.day is not None
    assert taken.params is not None
    log.info("plan %d: solving, attempt %d, on %s", plan_id, taken.attempt, owner)
    try:
        solution = _solve(sessions, plan_id, owner, policy, taken, stopping)
    except SolveCancelled:
        with sessions() as session:
            if stopping is not None and stopping.is_set():
                release_job(session, plan_id, owner)  # another worker takes it from here
            else:
                drop_job(session, plan_id, owner)
        return
    except Exception:
        log.exception("plan %d: the solve job failed", plan_id)
        with sessions() as session:
            fail_job(session, plan_id, UNEXPECTED)
        return
    with sessions() as session:
        if take_result(session, plan_id, owner):
            finish_plan(
                session, get_plan(session, taken.day.clinic_id, plan_id), taken.day, solution
            )


def _solve(
    sessions: sessionmaker[Session],
    plan_id: int,
    owner: str,
    policy: JobPolicy,
    taken: Claim,
    stopping: threading.Event | None,
) -> Solution:
    assert taken.day is not None
    assert taken.params is not None
    last_renewal = time.monotonic()
    latest: dict[str, object] | None = None
    keep_going = True

    def on_tick(elapsed_s: float, progress: Progress | None) -> None:
        nonlocal latest
        latest = _progress_json(elapsed_s, progress, taken.attempt)

    def should_stop() -> bool:
        # Asked every 0.2 s; the database is written and read about once a second.
        nonlocal last_renewal, keep_going
        if keep_going and time.monotonic() - last_renewal >= RENEW_EVERY_S:
            last_renewal = time.monotonic()
            with sessions() as session:
                keep_going = renew(session, plan_id, owner, policy, utc_now(), latest)
        return not keep_going or (stopping is not None and stopping.is_set())

    try:
        return solve_in_worker(taken.day.problem, taken.params, on_tick, should_stop)
    except RuntimeError as error:
        return Solution(SolveStatus.FAILED, error=f"the solver process failed: {error}")


def _progress_json(elapsed_s: float, progress: Progress | None, attempt: int) -> dict[str, object]:
    return {
        "elapsed_s": round(elapsed_s, 1),
        "best_cost": None if progress is None else progress.best_cost,
        "solutions_found": 0 if progress is None else progress.solutions_found,
        "attempt": attempt,
    }
