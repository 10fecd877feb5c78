"""The ``celery`` runner: solve jobs as Celery tasks on a broker, run by ``homevisit worker``.

Two durable queues: plan solves (``HOMEVISIT_PLAN_QUEUE``, the task carries the job id, of a
day plan's or a week plan's job) and stateless solves (``HOMEVISIT_SOLVE_QUEUE``, the task
carries the problem JSON and returns the plan JSON through the result backend). Tasks are
acknowledged late and rejected when their worker is lost, so RabbitMQ hands the task of a
killed worker to another one; the job's lease (``scheduler.jobs.store``) makes sure only one
worker solves a plan at a time. Workers
use Celery's thread pool: each task drives the search in a child process of its own.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from celery import Celery, signals
from celery.exceptions import TimeoutError as CeleryTimeout
from kombu import Exchange, Queue  # type: ignore[attr-defined]
from sqlalchemy.orm import sessionmaker

from scheduler.db.engine import make_engine
from scheduler.errors import Unavailable
from scheduler.jobs.queue import JobQueue
from scheduler.jobs.stateless import solve_problem_json
from scheduler.jobs.store import JobPolicy, job_of_plan
from solver.params import Params

if TYPE_CHECKING:
    from scheduler.config import Settings

log = logging.getLogger(__name__)

PLAN_TASK = "homevisit.solve_job"
# The task of servers older than revision 0011, whose jobs had no id of their own: its
# messages may still wait in the broker after an upgrade. It carries the day plan's id.
LEGACY_PLAN_TASK = "homevisit.solve_plan"
SOLVE_TASK = "homevisit.solve_problem"
# A worker's database connections: one per solve thread, plus the sweep and dispatch.
EXTRA_CONNECTIONS = 2


def make_celery(settings: Settings) -> Celery:
    """The Celery app of ``settings`` with the two tasks; the worker's side is made lazily."""
    app = Celery("homevisit", broker=settings.broker_url, backend=settings.result_backend)
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        task_queues=tuple(_queue(name) for name in (settings.plan_queue, settings.solve_queue)),
        task_default_queue=settings.plan_queue,
        task_routes={
            PLAN_TASK: {"queue": settings.plan_queue},
            LEGACY_PLAN_TASK: {"queue": settings.plan_queue},
            SOLVE_TASK: {"queue": settings.solve_queue},
        },
        broker_connection_retry_on_startup=True,
        result_expires=3600,
        worker_hijack_root_logger=False,
        # Cancel and the lost-worker rules go through the database, not Celery's control.
        worker_enable_remote_control=False,
        worker_send_task_events=False,
    )
    worker_side: list[JobQueue] = []

    def jobs() -> JobQueue:
        if not worker_side:
            worker_side.append(worker_queue(settings, app))
        return worker_side[0]

    # Not shared with other Celery apps of the process (tests make several): each task
    # runs on its own app's job queue.
    @app.task(name=PLAN_TASK, shared=False)  # type: ignore[untyped-decorator]
    def solve_job(job_id: int) -> None:
        jobs().run(job_id)

    @app.task(name=LEGACY_PLAN_TASK, shared=False)  # type: ignore[untyped-decorator]
    def solve_plan(plan_id: int) -> None:
        with jobs().sessions() as session:
            job_id = job_of_plan(session, plan_id)
        if job_id is not None:
            jobs().run(job_id)

    @app.task(name=SOLVE_TASK, shared=False)  # type: ignore[untyped-decorator]
    def solve_problem(problem: dict[str, Any], time_limit_s: float, seed: int) -> dict[str, Any]:
        return solve_problem_json(problem, Params(time_limit_s=time_limit_s, seed=seed))

    @signals.worker_ready.connect(weak=False)  # type: ignore[untyped-decorator]
    def start(**_: object) -> None:
        jobs().start_sweeping()

    @signals.worker_shutting_down.connect(weak=False)  # type: ignore[untyped-decorator]
    def stop(**_: object) -> None:
        # Running solves stop and give their jobs back (sent again by the next sweep of
        # any server or worker) rather than keep a warm shutdown waiting for the search.
        if worker_side:
            worker_side[0].stopping.set()

    return app


def _queue(name: str) -> Queue:
    """A durable queue on an exchange of its own: two queues on Celery's default exchange
    and key would each get every task."""
    exchange = Exchange(name, type="direct", durable=True)  # type: ignore[no-untyped-call]
    return Queue(name, exchange, routing_key=name, durable=True)  # type: ignore[no-untyped-call]


def worker_queue(settings: Settings, app: Celery) -> JobQueue:
    """The job queue of a worker process: its own database pool, sending on ``app``."""
    engine = make_engine(
        settings.database_url,
        pool_size=settings.solver_processes + EXTRA_CONNECTIONS,
        max_overflow=2,
    )
    sessions = sessionmaker(engine, expire_on_commit=False)
    return JobQueue(sessions, CeleryRunner(app, settings), JobPolicy.from_settings(settings))


class CeleryRunner:
    """Sends jobs to the broker; a stateless solve waits for its answer, within bounds."""

    def __init__(self, app: Celery, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    def send(self, job_id: int) -> None:
        self.app.send_task(PLAN_TASK, args=[job_id], queue=self.settings.plan_queue)

    def pending(self) -> list[int]:
        return []  # the broker holds them

    def solve_problem(self, problem: dict[str, Any], params: Params) -> dict[str, Any]:
        wait_s = self.settings.solve_wait_s
        result = self.app.send_task(
            SOLVE_TASK,
            args=[problem, params.time_limit_s, params.seed],
            queue=self.settings.solve_queue,
            # A task no worker started within the wait is dropped: nobody waits for it.
            expires=wait_s,
        )
        try:
            answer: dict[str, Any] = result.get(
                timeout=wait_s + params.time_limit_s, propagate=True, disable_sync_subtasks=False
            )
        except CeleryTimeout:
            result.forget()
            raise Unavailable(
                f"no solve worker answered within {wait_s + params.time_limit_s:g} s; "
                "the workers are busy or not running (homevisit worker)",
                retry_after_s=int(wait_s),
            ) from None
        return answer

    def shutdown(self) -> None:
        pass
