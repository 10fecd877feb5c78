"""The solve queue that API servers and workers share: submit, dispatch, sweep, solve now.

``JobQueue`` is the same whichever runner carries the jobs (``HOMEVISIT_JOBS``): ``inline``
(threads of this process, ``scheduler.jobs.inline``) or ``celery`` (a broker and
``homevisit worker`` processes, ``scheduler.jobs.celery_app``). Fairness, attempts and the
lost-worker rules live in the database (``scheduler.jobs.store``), so they hold across
servers; the runner only carries job ids. A job solves a day plan or a week plan.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy.exc import SQLAlchemyError

from scheduler.jobs.run import run_job
from scheduler.jobs.store import JobPolicy, add_job, queue_share, sweep, touch_queued
from scheduler.models.base import utc_now

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from scheduler.models import Plan, WeekPlan
    from scheduler.planning.build import DayProblem
    from scheduler.planning.week_build import WeekDays
    from solver.params import Params

log = logging.getLogger(__name__)

# Every server and worker sweeps this often (the lease is 15 s by default).
SWEEP_EVERY_S = 5.0


class JobRunner(Protocol):
    """Carries jobs to a worker: a plan's job by its id, or a stateless problem, answered."""

    def send(self, job_id: int) -> None: ...

    def pending(self) -> list[int]: ...

    def solve_problem(self, problem: dict[str, Any], params: Params) -> dict[str, Any]: ...

    def shutdown(self) -> None: ...


class JobQueue:
    """Solve jobs on ``runner`` with ``policy``; ``run`` is what a worker calls."""

    def __init__(
        self, sessions: sessionmaker[Session], runner: JobRunner, policy: JobPolicy
    ) -> None:
        self.sessions = sessions
        self.runner = runner
        self.policy = policy
        self.stopping = threading.Event()
        self._sweeper: threading.Thread | None = None

    def submit(
        self,
        session: Session,
        plan: Plan | WeekPlan,
        problem: DayProblem | WeekDays,
        params: Params,
    ) -> int:
        """Queue the solve of the ``solving`` day plan (its built day) or week plan (its
        built week), stored by ``session`` (which commits); the job's id."""
        # Callables do not cross processes: the worker sets its own progress callback.
        job_id = add_job(session, plan, problem, replace(params, on_progress=None))
        self.dispatch(plan.clinic_id, session)
        return job_id

    def dispatch(self, clinic_id: int, session: Session | None = None) -> None:
        """Send the clinic's waiting jobs that its share has room for (in ``session``, a
        request's, so that a request never holds two of the pool's connections)."""
        if session is None:
            with self.sessions() as own:
                job_ids = queue_share(own, clinic_id, self.policy, utc_now())
        else:
            job_ids = queue_share(session, clinic_id, self.policy, utc_now())
        for job_id in job_ids:
            self.runner.send(job_id)

    def run(self, job_id: int) -> None:
        """Run the job here (a worker's entry point), then fill its clinic's share.

        A database that is away is logged, not raised: the job's lease runs out and the
        sweep of any server or worker puts it back."""
        try:
            clinic_id = run_job(self.sessions, job_id, self.policy, self.stopping)
            if clinic_id is not None and not self.stopping.is_set():
                self.dispatch(clinic_id)
        except SQLAlchemyError:
            log.exception("job %d: the database failed the solve job; the sweep retries it", job_id)

    def solve_problem(self, problem: dict[str, Any], params: Params) -> dict[str, Any]:
        """Solve a stateless problem JSON on the runner and return its plan JSON."""
        return self.runner.solve_problem(problem, params)

    def sweep(self) -> None:
        """Send again what lost its worker or message; fill the shares that have room."""
        with self.sessions() as session:
            touch_queued(session, self.runner.pending(), utc_now())
            found = sweep(session, self.policy, utc_now())
        if found.failed:
            log.warning("%d solving plans had lost their job and are now failed", found.failed)
        for job_id in found.resend:
            self.runner.send(job_id)
        for clinic_id in found.clinics:
            self.dispatch(clinic_id)

    def start_sweeping(self, every_s: float = SWEEP_EVERY_S) -> None:
        """Sweep in a background thread until ``shutdown``."""

        def loop() -> None:
            while not self.stopping.wait(every_s):
                try:
                    self.sweep()
                except Exception:  # the database may be away for a moment: try again later
                    log.exception("the job sweep failed")

        self._sweeper = threading.Thread(target=loop, name="job-sweep", daemon=True)
        self._sweeper.start()

    def shutdown(self) -> None:
        """Stop sweeping and stop this process's solves; their jobs go back to the queue."""
        self.stopping.set()
        self.runner.shutdown()
        if self._sweeper is not None:
            self._sweeper.join()
        try:
            with self.sessions() as session:
                touch_queued(session, self.runner.pending(), None)
        except SQLAlchemyError:  # they are sent again after resend_s all the same
            log.exception("could not give back the solves this process had not started")
