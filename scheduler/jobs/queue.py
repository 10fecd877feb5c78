"""The solve queue that API servers and workers share: submit, dispatch, sweep, solve now.

``JobQueue`` is the same whichever runner carries the jobs (``HOMEVISIT_JOBS``): ``inline``
(threads of this process, ``scheduler.jobs.inline``) or ``celery`` (a broker and
``homevisit worker`` processes, ``scheduler.jobs.celery_app``). Fairness, attempts and the
lost-worker rules live in the database (``scheduler.jobs.store``), so they hold across
servers; the runner only carries plan ids.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy.exc import SQLAlchemyError

from scheduler.jobs.run import run_plan_job
from scheduler.jobs.store import (
    JobPolicy,
    add_job,
    clinic_of_job,
    queue_share,
    sweep,
    touch_queued,
)
from scheduler.models.base import utc_now

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from scheduler.models import Plan
    from scheduler.planning.build import DayProblem
    from solver.params import Params

log = logging.getLogger(__name__)

# Every server and worker sweeps this often (the lease is 15 s by default).
SWEEP_EVERY_S = 5.0


class JobRunner(Protocol):
    """Carries jobs to a worker: a plan's job by id, or a stateless problem, answered."""

    def send(self, plan_id: int) -> None: ...

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

    def submit(self, session: Session, plan: Plan, day: DayProblem, params: Params) -> None:
        """Queue the solve of the ``solving`` plan, stored by ``session`` (which commits)."""
        # Callables do not cross processes: the worker sets its own progress callback.
        add_job(session, plan, day, replace(params, on_progress=None))
        self.dispatch(plan.clinic_id, session)

    def dispatch(self, clinic_id: int, session: Session | None = None) -> None:
        """Send the clinic's waiting jobs that its share has room for (in ``session``, a
        request's, so that a request never holds two of the pool's connections)."""
        if session is None:
            with self.sessions() as own:
                plan_ids = queue_share(own, clinic_id, self.policy, utc_now())
        else:
            plan_ids = queue_share(session, clinic_id, self.policy, utc_now())
        for plan_id in plan_ids:
            self.runner.send(plan_id)

    def run(self, plan_id: int) -> None:
        """Run the plan's job here (a worker's entry point), then fill its clinic's share.

        A database that is away is logged, not raised: the job's lease runs out and the
        sweep of any server or worker puts it back."""
        try:
            run_plan_job(self.sessions, plan_id, self.policy, self.stopping)
            with self.sessions() as session:
                clinic_id = clinic_of_job(session, plan_id)
            if clinic_id is not None and not self.stopping.is_set():
                self.dispatch(clinic_id)
        except SQLAlchemyError:
            log.exception(
                "plan %d: the database failed the solve job; the sweep retries it", plan_id
            )

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
        for plan_id in found.resend:
            self.runner.send(plan_id)
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
