"""Plan solves in the background, for the HTTP API: submit, follow, cancel.

``PlanJobs.submit`` returns at once; a thread of its own waits for one of ``processes`` slots,
then drives a worker process (``solve_in_worker``; the search holds the GIL, so it cannot run
in the server's process). About once a second the thread writes the search's progress to the
plan row and reads the plan's status back: any server process can report progress, and a
plan set to ``cancelled`` (by ``cancel_plan``, in any process) stops its solve.

A server that stops while plans are solving leaves them ``solving``; ``fail_interrupted_plans``
at start-up marks them failed, so no plan waits forever.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

import sqlalchemy as sa

from scheduler.errors import Conflict
from scheduler.models import Plan, PlanStatus
from scheduler.planning.queries import get_plan
from scheduler.planning.service import finish_plan
from scheduler.planning.worker import SolveCancelled, solve_in_worker
from solver.solution import Solution, SolveStatus

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from scheduler.planning.build import DayProblem
    from solver.params import Params, Progress
    from solver.problem import Problem

log = logging.getLogger(__name__)

PROGRESS_EVERY_S = 1.0
INTERRUPTED = "the server stopped while this plan was solving; start a new solve"


class PlanJobs:
    """Runs plan solves in worker processes, at most ``processes`` at a time."""

    def __init__(self, sessions: sessionmaker[Session], processes: int = 1) -> None:
        self._sessions = sessions
        self._slots = threading.BoundedSemaphore(processes)
        # Waiting jobs cost a thread each, not a process: the semaphore bounds the processes.
        self._threads = ThreadPoolExecutor(thread_name_prefix="plan-job")
        self._stopping = threading.Event()

    def submit(self, plan_id: int, day: DayProblem, params: Params) -> None:
        """Solve the ``solving`` plan ``plan_id`` (already committed) in the background."""
        self._threads.submit(self._run, plan_id, day, params)

    def solve_now(self, problem: Problem, params: Params) -> Solution:
        """Solve in a worker process as soon as a slot is free, and wait for the result."""
        with self._slots:
            return solve_in_worker(problem, params)

    def shutdown(self) -> None:
        """Stop every running solve (their plans stay ``solving`` until the next start-up)."""
        self._stopping.set()
        self._threads.shutdown(wait=True, cancel_futures=True)

    def _run(self, plan_id: int, day: DayProblem, params: Params) -> None:
        try:
            with self._slots:
                if self._still_solving(plan_id, None):
                    self._solve(plan_id, day, params)
        except Exception:
            log.exception("plan %d: the solve job failed", plan_id)
            self._fail(plan_id, "the solve job failed unexpectedly; the server log has details")

    def _solve(self, plan_id: int, day: DayProblem, params: Params) -> None:
        last_check = time.monotonic()
        latest: dict[str, object] | None = None
        cancelled = False

        def on_tick(elapsed_s: float, progress: Progress | None) -> None:
            nonlocal latest
            latest = _progress_json(elapsed_s, progress)

        def should_stop() -> bool:
            # Asked every 0.2 s; the database is written and read about once a second.
            nonlocal last_check, cancelled
            if not cancelled and time.monotonic() - last_check >= PROGRESS_EVERY_S:
                last_check = time.monotonic()
                cancelled = not self._still_solving(plan_id, latest)
            return cancelled or self._stopping.is_set()

        try:
            solution = solve_in_worker(day.problem, params, on_tick, should_stop)
        except SolveCancelled:
            return
        except RuntimeError as error:
            solution = Solution(SolveStatus.FAILED, error=f"the solver process failed: {error}")
        with self._sessions() as session:
            # A no-op update that claims the plan: it locks the row (PostgreSQL) or the
            # database (SQLite) until finish_plan commits, so a cancel cannot land between
            # this check and the result; a cancel that came first leaves it cancelled.
            claim = session.execute(
                sa.update(Plan)
                .where(Plan.id == plan_id, Plan.status == PlanStatus.SOLVING)
                .values(status=PlanStatus.SOLVING)
            )
            if getattr(claim, "rowcount", 0) == 1:
                finish_plan(session, get_plan(session, day.clinic_id, plan_id), day, solution)

    def _still_solving(self, plan_id: int, progress: dict[str, object] | None) -> bool:
        """Record the progress; false once the plan is no longer ``solving`` (cancelled)."""
        with self._sessions() as session:
            if progress is not None:
                session.execute(
                    sa.update(Plan)
                    .where(Plan.id == plan_id, Plan.status == PlanStatus.SOLVING)
                    .values(progress=progress)
                )
                session.commit()
            status = session.scalar(sa.select(Plan.status).where(Plan.id == plan_id))
        return status == PlanStatus.SOLVING

    def _fail(self, plan_id: int, error: str) -> None:
        with self._sessions() as session:
            session.execute(
                sa.update(Plan)
                .where(Plan.id == plan_id, Plan.status == PlanStatus.SOLVING)
                .values(status=PlanStatus.FAILED, error=error, progress=None)
            )
            session.commit()


def _progress_json(elapsed_s: float, progress: Progress | None) -> dict[str, object]:
    return {
        "elapsed_s": round(elapsed_s, 1),
        "best_cost": None if progress is None else progress.best_cost,
        "solutions_found": 0 if progress is None else progress.solutions_found,
    }


def cancel_plan(session: Session, clinic_id: int, plan_id: int) -> Plan:
    """Cancel a solve (its worker stops within about a second); a draft or failed plan is
    cancelled too, so it cannot be published. ``Conflict`` for a published or superseded one.
    """
    plan = get_plan(session, clinic_id, plan_id)
    if plan.status in (PlanStatus.PUBLISHED, PlanStatus.SUPERSEDED):
        raise Conflict(f"plan {plan_id} is {plan.status.value}; it can no longer be cancelled")
    if plan.status != PlanStatus.CANCELLED:
        plan.status = PlanStatus.CANCELLED
        plan.progress = None
        session.commit()
    return plan


def fail_interrupted_plans(session: Session) -> int:
    """Mark every ``solving`` plan failed (at start-up: no process is solving them any more)."""
    result = session.execute(
        sa.update(Plan)
        .where(Plan.status == PlanStatus.SOLVING)
        .values(status=PlanStatus.FAILED, error=INTERRUPTED, progress=None)
    )
    session.commit()
    return int(getattr(result, "rowcount", 0))
