"""How to search: time limit, strategies, warm start, locks, progress reporting."""

from __future__ import annotations

import time
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping


class FirstSolution(StrEnum):
    """Construction heuristic. ``AUTO`` picks by problem size (see ``solver.in_process``);
    ``OWN_INSERTION`` is ``solver.construct``, fed to OR-Tools as a warm start."""

    AUTO = "auto"
    OWN_INSERTION = "own_insertion"
    PARALLEL_CHEAPEST_INSERTION = "parallel_cheapest_insertion"
    LOCAL_CHEAPEST_INSERTION = "local_cheapest_insertion"
    SAVINGS = "savings"
    PATH_CHEAPEST_ARC = "path_cheapest_arc"


class Metaheuristic(StrEnum):
    GUIDED_LOCAL_SEARCH = "guided_local_search"
    ITERATED_LOCAL_SEARCH = "iterated_local_search"
    SIMULATED_ANNEALING = "simulated_annealing"
    TABU_SEARCH = "tabu_search"
    NONE = "none"


@dataclass(frozen=True)
class Progress:
    """What a running search has achieved so far."""

    elapsed_s: float
    best_cost: int
    solutions_found: int


@dataclass(frozen=True)
class Params:
    """Search parameters.

    ``max_solutions`` stops the search after that many improving solutions: tests use it
    (with a generous time limit) so that results do not depend on machine speed.
    ``warm_start`` and ``locked_prefixes`` map a therapist id to visit ids in route order;
    a locked prefix is kept as the start of that therapist's route.
    ``seed`` is recorded with the plan; the search itself is deterministic for a given
    problem and time (OR-Tools' routing search takes no seed); on a large day it orders the
    neighbourhoods' seeds. ``workers`` above 1 runs a portfolio of searches in that many
    processes (``solver.portfolio``) without progress reports, or on a large day solves
    that many neighbourhoods at once (``solver.neighbourhoods``), with progress.
    ``stall_solutions`` stops the search after that many solutions in a row that do not
    improve the best (a count, so the stop does not depend on machine speed); None sizes
    it by the day (``stall_limit``), 0 runs to the time limit.
    ``time_limit_s`` bounds the whole solve, set-up, repair and reasons included
    (``solver.budget``), measured on ``clock``: monotonic seconds, injectable so that tests
    need not race a real limit. A portfolio's workers use ``time.monotonic``.
    """

    time_limit_s: float = 10.0
    seed: int = 0
    workers: int = 1
    first_solution: FirstSolution = FirstSolution.AUTO
    metaheuristic: Metaheuristic = Metaheuristic.GUIDED_LOCAL_SEARCH
    max_solutions: int | None = None
    stall_solutions: int | None = None
    warm_start: Mapping[str, tuple[str, ...]] | None = None
    locked_prefixes: Mapping[str, tuple[str, ...]] | None = None
    on_progress: Callable[[Progress], None] | None = None
    log_search: bool = False
    clock: Callable[[], float] = time.monotonic


# Solutions in a row without improvement before the search stops, per visit and at least.
STALL_SOLUTIONS_PER_VISIT = 0.05
STALL_SOLUTIONS_MIN = 3


def stall_limit(params: Params, visit_count: int) -> int:
    """How many non-improving solutions end the search (0: never).

    Measured on eight generated 40-visit days of four towns (10 s limit): three without
    improvement stopped them after 0.5-3.2 s with the cost that ten reached after 1.5-4.5 s,
    and 0.0-0.2 % above the full 10 s run's. A day that still improves (a 180-visit day
    reports nearly only improving solutions) runs on to its time limit.
    """
    if params.stall_solutions is not None:
        return params.stall_solutions
    return max(STALL_SOLUTIONS_MIN, int(visit_count * STALL_SOLUTIONS_PER_VISIT))
