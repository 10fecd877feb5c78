"""``homevisit worker``: a Celery worker that runs solve jobs (with ``HOMEVISIT_JOBS=celery``).

It takes plan solves and stateless solves from the broker's two queues (or the ones named
with ``--queues``), at most ``--concurrency`` at a time, each in a child process of its own,
and sweeps the job table like the API servers do. Stop it with SIGTERM: the solves it is
running give their jobs back, and another worker takes them.
"""

from __future__ import annotations

import os
import socket
from typing import TYPE_CHECKING

from scheduler.cli.common import command_parser
from scheduler.config import Settings
from scheduler.db import engine as db
from scheduler.errors import InvalidRequest

if TYPE_CHECKING:
    import argparse

    from scheduler.cli.common import Subparsers

EXAMPLE = """example:
  HOMEVISIT_JOBS=celery HOMEVISIT_BROKER_URL=amqp://guest:guest@rabbitmq:5672// \\
    homevisit worker --concurrency 2
  homevisit worker --queues plans      # a worker for the clinics' plans only"""
QUEUES = ("plans", "solve")


def add_parsers(commands: Subparsers) -> None:
    """Register ``worker``."""
    worker = command_parser(commands, "worker", EXAMPLE, "run solve jobs from the broker")
    worker.add_argument(
        "--concurrency",
        type=int,
        help="solves at once (default HOMEVISIT_SOLVER_PROCESSES); each takes a core",
    )
    worker.add_argument(
        "--queues",
        nargs="+",
        choices=QUEUES,
        default=list(QUEUES),
        help="which queues to take from: plan solves, stateless solves (default both)",
    )


def run_worker(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    if settings.jobs != "celery":
        raise InvalidRequest.single(
            "HOMEVISIT_JOBS",
            f"must be celery to run a worker, got {settings.jobs!r} (inline solves run in "
            "the API server)",
            detail="invalid configuration",
        )
    concurrency = settings.solver_processes if args.concurrency is None else args.concurrency
    if concurrency < 1:
        raise InvalidRequest.single("--concurrency", f"must be at least 1, got {concurrency}")
    engine = db.make_engine(settings.database_url)
    try:
        db.require_current_schema(engine)
    finally:
        engine.dispose()
    from scheduler.jobs.celery_app import make_celery  # Celery is the optional extra

    names = {"plans": settings.plan_queue, "solve": settings.solve_queue}
    app = make_celery(settings)
    app.worker_main(
        [
            "worker",
            "--pool=threads",
            f"--concurrency={concurrency}",
            f"--queues={','.join(names[queue] for queue in args.queues)}",
            f"--hostname=homevisit-{os.getpid()}@{socket.gethostname()}",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
        ]
    )
    return 0
