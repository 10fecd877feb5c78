"""Large-neighbourhood search: the day improved a few nearby routes at a time.

One OR-Tools model of a whole large day is too slow to search (its break constraints
cost time in proportion to therapists x visits), and fixed regions never exchange
visits across their borders. So the outer loop is ours: it picks a neighbourhood (a
therapist, the therapists whose routes pass nearest to theirs, and the left-out visits
nearest to those routes), solves that small day with OR-Tools from its current routes
for a short time, and keeps the result when it costs less than before. Neighbourhoods
share no therapist and no left-out visit, so a change to one cannot spoil another, and
each kept change lowers the whole day's cost by exactly what it lowers its own.
With ``workers`` above 1 that many neighbourhoods are solved at once, one per process.
"""

from __future__ import annotations

import math
import multiprocessing
import random
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from solver.budget import MIN_SEARCH_S
from solver.outcome import PRIORITY_RANK, objective
from solver.params import Params, Progress
from solver.whole_day import solve_routes

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from concurrent.futures import Future

    from solver.budget import Deadline
    from solver.problem import Problem, Visit
    from solver.solution import Route

# Measured on generated 600-visit days (see the closing note of the solver issue): about
# eight routes and fifteen left-out visits solve to a local optimum in a second or two.
NEIGHBOURHOOD_ROUTES = 12
NEIGHBOURHOOD_LEFT_OUT = 25
NEIGHBOURHOOD_S = 1.0
# A neighbourhood's search stops after this many solutions without improvement.
NEIGHBOURHOOD_STALL = 30
# The search ends early after this many sweeps (each therapist a seed once) that kept no
# change.
IDLE_SWEEPS = 2


@dataclass(frozen=True)
class Neighbourhood:
    """Therapist indices (into the day's therapists) and the left-out visits offered."""

    therapists: tuple[int, ...]
    left_out: tuple[str, ...]


@dataclass(frozen=True)
class Outcome:
    """How a neighbourhood search went, for statistics."""

    routes: tuple[Route, ...]
    tried: int
    kept: int
    stopped_idle: bool


class _Day:
    """The current plan of the whole day, and what neighbourhoods are being solved."""

    def __init__(
        self,
        problem: Problem,
        visits: Sequence[Visit],
        candidates: Sequence[Sequence[int]],
        routes: tuple[Route, ...],
    ) -> None:
        self.problem = problem
        self.visits = {v.id: v for v in visits}
        self.candidates = {v.id: frozenset(c) for v, c in zip(visits, candidates, strict=True)}
        self.routes = list(routes)
        routed = {s.visit_id for r in routes for s in r.stops}
        self.left_out = {v.id for v in visits if v.id not in routed}
        self.busy_therapists: set[int] = set()
        self.busy_visits: set[str] = set()
        self.durations = problem.matrix_for(problem.therapists[0]).durations_s

    def locations(self, index: int) -> list[int]:
        therapist = self.problem.therapists[index]
        stops = [self.visits[s.visit_id].location for s in self.routes[index].stops]
        return [therapist.start_location, *stops]

    def places(self, index: int) -> list[int]:
        """Where a route goes: its stops, or the therapist's start while it has none.

        Not the start of a used route: when every therapist starts at the clinic, every
        route would be at no distance from every other.
        """
        therapist = self.problem.therapists[index]
        stops = [self.visits[s.visit_id].location for s in self.routes[index].stops]
        return stops or [therapist.start_location]

    def pick(self, seed: int) -> Neighbourhood:
        """The seed therapist, the free therapists whose routes pass nearest to theirs,
        and the free left-out visits those therapists may do, nearest and most important
        first."""
        seed_locations = self.places(seed)
        free = [
            i
            for i in range(len(self.problem.therapists))
            if i != seed and i not in self.busy_therapists
        ]
        gap = {i: int(self.durations[np.ix_(seed_locations, self.places(i))].min()) for i in free}
        members = [seed, *sorted(free, key=gap.__getitem__)[: NEIGHBOURHOOD_ROUTES - 1]]
        member_set = set(members)
        near = [loc for i in members for loc in self.locations(i)]
        offered = [
            v
            for v in self.left_out
            if v not in self.busy_visits and self.candidates[v] & member_set
        ]
        distance = {v: int(self.durations[self.visits[v].location, near].min()) for v in offered}
        offered.sort(key=lambda v: (PRIORITY_RANK[self.visits[v].priority], distance[v]))
        return Neighbourhood(tuple(sorted(members)), tuple(offered[:NEIGHBOURHOOD_LEFT_OUT]))

    def reserve(self, hood: Neighbourhood) -> None:
        self.busy_therapists.update(hood.therapists)
        self.busy_visits.update(hood.left_out)

    def release(self, hood: Neighbourhood) -> None:
        self.busy_therapists.difference_update(hood.therapists)
        self.busy_visits.difference_update(hood.left_out)

    def warm_start(self, hood: Neighbourhood) -> dict[str, tuple[str, ...]]:
        return {
            self.problem.therapists[i].id: tuple(s.visit_id for s in self.routes[i].stops)
            for i in hood.therapists
        }

    def cost(self, hood: Neighbourhood, routes: Sequence[Route]) -> int:
        """The objective of the neighbourhood's day with these routes."""
        sub = sub_day(self.problem, hood, self.warm_start(hood))
        routed = {s.visit_id for r in routes for s in r.stops}
        dropped = [v.id for v in sub.visits if v.id not in routed]
        return objective(sub, tuple(routes), dropped)

    def keep_if_better(self, hood: Neighbourhood, found: Sequence[Route]) -> bool:
        current = [self.routes[i] for i in hood.therapists]
        if self.cost(hood, found) >= self.cost(hood, current):
            return False
        for i, route in zip(hood.therapists, found, strict=True):
            self.routes[i] = route
        routed = {s.visit_id for r in found for s in r.stops}
        for visit_id in self.visits_of(hood, current):
            if visit_id in routed:
                self.left_out.discard(visit_id)
            else:
                self.left_out.add(visit_id)
        return True

    def visits_of(self, hood: Neighbourhood, routes: Sequence[Route]) -> list[str]:
        return [s.visit_id for r in routes for s in r.stops] + list(hood.left_out)

    def total_cost(self) -> int:
        return objective(self.problem, tuple(self.routes), sorted(self.left_out))


def sub_day(problem: Problem, hood: Neighbourhood, warm: Mapping[str, tuple[str, ...]]) -> Problem:
    """The neighbourhood as a day of its own: its therapists, their visits, the offered ones."""
    wanted = {v for route in warm.values() for v in route} | set(hood.left_out)
    return replace(
        problem,
        therapists=tuple(problem.therapists[i] for i in hood.therapists),
        visits=tuple(v for v in problem.visits if v.id in wanted),
    )


def solve_neighbourhood(
    problem: Problem,
    hood: Neighbourhood,
    warm: Mapping[str, tuple[str, ...]],
    time_s: float,
    params: Params,
) -> tuple[Route, ...]:
    """OR-Tools on the neighbourhood's day from its current routes, for ``time_s``, with
    ``params``' seed and metaheuristic."""
    sub_params = Params(
        time_limit_s=time_s,
        seed=params.seed,
        metaheuristic=params.metaheuristic,
        warm_start=warm,
        stall_solutions=NEIGHBOURHOOD_STALL,
    )
    return solve_routes(sub_day(problem, hood, warm), sub_params)


def improve_routes(
    problem: Problem,
    visits: Sequence[Visit],
    candidates: Sequence[Sequence[int]],
    routes: tuple[Route, ...],
    until: Deadline,
    params: Params,
) -> Outcome:
    """Improve the day's routes neighbourhood by neighbourhood until ``until``.

    Parameters
    ----------
    problem
        The planning day.
    visits, candidates
        The visits that passed the pre-checks and their therapists' indices.
    routes
        The current plan, one route per therapist in the problem's order.
    until
        When the search must be done; it also ends after ``IDLE_SWEEPS`` sweeps over
        the therapists that kept nothing.
    params
        ``workers`` neighbourhoods are solved at once (one process each, from 2 up);
        ``seed`` orders the seeds; ``metaheuristic`` searches each neighbourhood (``NONE``
        stops at a local optimum, so tests need no clock); ``on_progress`` hears each
        kept change.

    Returns
    -------
    Outcome
        The routes (never costlier than ``routes``) and how many neighbourhoods were
        tried and kept.
    """
    day = _Day(problem, visits, candidates, routes)
    loop = _Loop(day, params, until)
    if params.workers > 1:
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(
            params.workers, mp_context=context, initializer=_hold, initargs=(problem,)
        ) as pool:
            loop.run_parallel(pool, params.workers)
    else:
        loop.run_here()
    return Outcome(tuple(day.routes), loop.tried, loop.kept, loop.idle())


class _Loop:
    """Seeds in a shuffled round, the stop rules, and the bookkeeping of one search."""

    def __init__(self, day: _Day, params: Params, until: Deadline) -> None:
        self.day, self.params, self.until = day, params, until
        # What the neighbourhoods' searches need of the parameters; it crosses processes.
        self.search = Params(seed=params.seed, metaheuristic=params.metaheuristic)
        self.rng = random.Random(params.seed)
        self.seeds: list[int] = []
        self.tried = self.kept = self.since_kept = 0
        therapists = len(day.problem.therapists)
        self.idle_limit = IDLE_SWEEPS * math.ceil(therapists / NEIGHBOURHOOD_ROUTES)

    def idle(self) -> bool:
        return self.since_kept >= self.idle_limit

    def time_s(self) -> float | None:
        left_s = self.until.remaining_s()
        if left_s < MIN_SEARCH_S * 4 or self.idle():
            return None
        return min(NEIGHBOURHOOD_S, left_s)

    def next_hood(self) -> Neighbourhood | None:
        """The next free seed's neighbourhood; None when every therapist is busy."""
        therapists = len(self.day.problem.therapists)
        for _ in range(therapists):
            if not self.seeds:
                self.seeds = list(range(therapists))
                self.rng.shuffle(self.seeds)
            seed = self.seeds.pop()
            if seed not in self.day.busy_therapists:
                return self.day.pick(seed)
        return None

    def record(self, hood: Neighbourhood, found: Sequence[Route]) -> None:
        self.tried += 1
        if self.day.keep_if_better(hood, found):
            self.kept += 1
            self.since_kept = 0
            if self.params.on_progress is not None:
                progress = Progress(self.until.elapsed_s(), self.day.total_cost(), self.kept)
                self.params.on_progress(progress)
        else:
            self.since_kept += 1

    def run_here(self) -> None:
        while (time_s := self.time_s()) is not None and (hood := self.next_hood()):
            warm = self.day.warm_start(hood)
            found = solve_neighbourhood(self.day.problem, hood, warm, time_s, self.search)
            self.record(hood, found)

    def run_parallel(self, pool: ProcessPoolExecutor, workers: int) -> None:
        running: dict[Future[tuple[Route, ...]], Neighbourhood] = {}
        while True:
            while len(running) < workers and (time_s := self.time_s()) is not None:
                hood = self.next_hood()
                if hood is None:
                    break
                self.day.reserve(hood)
                warm = self.day.warm_start(hood)
                future = pool.submit(_solve_held, hood, warm, time_s, self.search)
                running[future] = hood
            if not running:
                return
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                hood = running.pop(future)
                self.day.release(hood)
                self.record(hood, future.result())


_held: Problem | None = None


def _hold(problem: Problem) -> None:
    """Worker start-up: keep the day, so that each task only carries its neighbourhood."""
    global _held
    _held = problem


def _solve_held(
    hood: Neighbourhood, warm: Mapping[str, tuple[str, ...]], time_s: float, params: Params
) -> tuple[Route, ...]:
    assert _held is not None
    return solve_neighbourhood(_held, hood, warm, time_s, params)
