"""Runs a solve, a day's or a week's, in a worker process and relays its progress.

The OR-Tools search holds the GIL for its whole run, so a solve in a thread would
freeze the caller (no progress display, no web requests). A process does not.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import queue
import signal
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from solver import Params, Problem, Progress, Route, Solution, SolveStatus, solve
from solver.check import Violation, check_solution
from solver.week.solution import WeekSolution
from solver.week.solve import solve_week

if TYPE_CHECKING:
    from collections.abc import Callable
    from multiprocessing.queues import Queue

    from solver.week.problem import WeekProblem

POLL_S = 0.2
PR_SET_PDEATHSIG = 1  # from <sys/prctl.h>
SHOWN_VIOLATIONS = 5


def checked(problem: Problem, solution: Solution) -> Solution:
    """The solution, or a failed one naming the violations if the checker finds any.

    A plan that breaks a hard rule is a solver bug; it must never pass as valid.
    """
    if solution.status == SolveStatus.FAILED:
        return solution
    violations = check_solution(problem, solution)
    if not violations:
        return solution
    return Solution(
        SolveStatus.FAILED,
        routes=tuple(Route(r.therapist_id) for r in solution.routes),
        stats=solution.stats,
        error=violations_error(violations),
    )


def violations_error(violations: list[Violation]) -> str:
    """The error of a plan the checker rejects: the count and the first few rules."""
    shown = "; ".join(v.message for v in violations[:SHOWN_VIOLATIONS])
    return f"the plan checker found {len(violations)} broken rules (a solver bug): {shown}"


class SolveCancelled(Exception):
    """``should_stop`` asked to stop; the worker process was ended."""


def _die_with(parent_pid: int) -> None:
    """Have Linux kill this process when the thread that started it ends, so that a solve
    whose worker was killed (kill -9, out of memory) does not run on, unseen, for its whole
    limit. Elsewhere, or if the parent is already gone, nothing is set / the child exits."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent_pid:  # the parent died before the line above
        os._exit(1)


def _run(problem: Problem, params: Params, messages: Queue[object], parent_pid: int) -> None:
    _die_with(parent_pid)
    params = replace(params, on_progress=messages.put)
    messages.put(solve(problem, params))


def _run_week(
    problem: WeekProblem, params: Params, messages: Queue[object], parent_pid: int
) -> None:
    _die_with(parent_pid)
    messages.put(solve_week(problem, params))


def solve_in_worker(
    problem: Problem,
    params: Params,
    on_tick: Callable[[float, Progress | None], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> Solution:
    """Solve in a child process; ``on_tick(elapsed_s, best_progress)`` runs every 0.2 s.

    ``should_stop()`` is asked as often; when it answers true the child is killed and
    ``SolveCancelled`` raised.

    The caller checks the result (``checked``, or the planning service, which stores
    the violations), once, in its own process.

    The child gets ``params`` without its callback (callables do not cross processes).
    """
    solution = _in_child(_run, problem, params, on_tick, should_stop)
    assert isinstance(solution, Solution)
    return solution


def solve_week_in_worker(
    problem: WeekProblem,
    params: Params,
    on_tick: Callable[[float, Progress | None], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> WeekSolution:
    """``solve_week`` in a child process, as ``solve_in_worker`` runs a day's solve.

    The week's search reports no progress of its own: ``on_tick`` gets the elapsed time
    and None. The caller checks the result (``solver.week.check.check_week``).
    """
    solution = _in_child(_run_week, problem, params, on_tick, should_stop)
    assert isinstance(solution, WeekSolution)
    return solution


def _in_child(
    run: Callable[[Any, Params, Queue[object], int], None],
    problem: Problem | WeekProblem,
    params: Params,
    on_tick: Callable[[float, Progress | None], None] | None,
    should_stop: Callable[[], bool] | None,
) -> object:
    """The result that ``run`` puts on the queue in a child process, relaying progress."""
    context = multiprocessing.get_context("spawn")
    messages: Queue[object] = context.Queue()
    # Not a daemon: a daemon may not start processes, and a portfolio solve does.
    child = context.Process(
        target=run, args=(problem, replace(params, on_progress=None), messages, os.getpid())
    )
    child.start()
    latest: Progress | None = None
    waited = 0.0
    try:
        while True:
            if should_stop is not None and should_stop():
                child.kill()
                raise SolveCancelled
            try:
                message = messages.get(timeout=POLL_S)
            except queue.Empty:
                if not child.is_alive():
                    raise RuntimeError("the solver process ended without a result") from None
                waited += POLL_S
                if on_tick is not None:
                    on_tick(waited, latest)
                continue
            if not isinstance(message, Progress):
                return message
            latest = message
            waited = message.elapsed_s
            if on_tick is not None:
                on_tick(waited, latest)
    finally:
        child.join(timeout=5)
        if child.is_alive():
            child.kill()
