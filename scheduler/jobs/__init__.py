"""Solve jobs: the queue that API servers and workers share (``queue``), the rows that make
it safe across machines (``store``), running one job (``run``), and the two runners that
carry jobs to a worker: ``inline`` (threads of the server, the default) and ``celery``
(a broker and ``homevisit worker`` processes). ``job_queue(settings, sessions)`` picks one.

May import: config, day_json, db, errors, models, planning.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from scheduler.jobs.inline import InlineRunner
from scheduler.jobs.queue import SWEEP_EVERY_S, JobQueue
from scheduler.jobs.store import JobPolicy

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from scheduler.config import Settings

# An inline server refreshes the jobs it holds at every sweep: three sweeps without, and
# the server is gone.
INLINE_RESEND_S = 3 * SWEEP_EVERY_S


def job_queue(settings: Settings, sessions: sessionmaker[Session]) -> JobQueue:
    """The job queue that ``settings.jobs`` names, on ``sessions``."""
    policy = JobPolicy.from_settings(settings)
    if settings.jobs == "celery":
        # Imported here: Celery is an optional dependency (the ``celery`` extra).
        from scheduler.jobs.celery_app import CeleryRunner, make_celery

        return JobQueue(sessions, CeleryRunner(make_celery(settings), settings), policy)
    runner = InlineRunner(settings.solver_processes)
    queue = JobQueue(sessions, runner, replace(policy, resend_s=INLINE_RESEND_S))
    runner.bind(queue.run)
    return queue


__all__ = ["INLINE_RESEND_S", "JobPolicy", "JobQueue", "job_queue"]
