"""The ``inline`` runner: jobs run in threads of the process that queued them.

The default, so that ``homevisit serve`` (and the README's demo) needs nothing more. At most
``processes`` plan solves run at once, each driving its own child process; stateless solves
have slots of their own, so integrators cannot starve the clinics' plans. The jobs still go
through the database (``scheduler.jobs.store``): a server that dies mid-solve leaves a job
whose lease runs out, and another server's sweep (or this one's after a restart) runs it.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from scheduler.jobs.stateless import solve_problem_json

if TYPE_CHECKING:
    from collections.abc import Callable

    from solver.params import Params


class InlineRunner:
    """Runs jobs in this process's threads, at most ``processes`` solves at a time."""

    def __init__(self, processes: int = 1) -> None:
        self._slots = threading.BoundedSemaphore(processes)
        self._stateless_slots = threading.BoundedSemaphore(processes)
        # Waiting jobs cost a thread each, not a process: the semaphore bounds the processes.
        self._threads = ThreadPoolExecutor(thread_name_prefix="plan-job")
        self._run: Callable[[int], None] | None = None
        self._pending: set[int] = set()
        self._lock = threading.Lock()
        self._stopping = threading.Event()

    def bind(self, run: Callable[[int], None]) -> None:
        """What runs a job: ``JobQueue.run``."""
        self._run = run

    def send(self, job_id: int) -> None:
        with self._lock:
            self._pending.add(job_id)
        self._threads.submit(self._job, job_id)

    def pending(self) -> list[int]:
        """The jobs this process holds but has not started: their lease is this process."""
        with self._lock:
            return sorted(self._pending)

    def _job(self, job_id: int) -> None:
        with self._slots:
            if self._run is None or self._stopping.is_set():
                return  # it stays pending: ``JobQueue.shutdown`` gives it back
            with self._lock:
                self._pending.discard(job_id)
            self._run(job_id)

    def solve_problem(self, problem: dict[str, Any], params: Params) -> dict[str, Any]:
        with self._stateless_slots:
            return solve_problem_json(problem, params)

    def shutdown(self) -> None:
        self._stopping.set()
        self._threads.shutdown(wait=True, cancel_futures=True)
