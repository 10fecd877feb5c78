"""Large days solved region by region.

OR-Tools' break constraints cost time in proportion to therapists x visits, so a day of
200 therapists and 2,000 visits barely gets past its first plan. Therapists are grouped
by where they live; each group gets the visits our construction gave them (and the
left-over visits nearest to them) and is solved on its own from that construction.
The regions' routes together are the plan; what no region placed is probed against
the whole day for its reason.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import TYPE_CHECKING

from solver.budget import (
    expected_left_out,
    search_deadline,
    search_deadline_after_repair,
    search_time_left_s,
)
from solver.construct import construct_routes
from solver.params import Params, Progress
from solver.repair import warm_start_routes
from solver.whole_day import solve_routes

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from solver.budget import Deadline
    from solver.problem import IntMatrix, Problem, Visit
    from solver.solution import Route

# Regions hold about this many therapists; below it break constraints stay cheap.
REGION_THERAPISTS = 40


def region_count(problem: Problem) -> int:
    """How many regions a day's therapists make, about ``REGION_THERAPISTS`` each.

    Parameters
    ----------
    problem
        The planning day.

    Returns
    -------
    int
        1 or more for a day with therapists; regions are used only when above 1.
    """
    return math.ceil(len(problem.therapists) / REGION_THERAPISTS)


def _home_distances(problem: Problem) -> IntMatrix:
    homes = [t.start_location for t in problem.therapists]
    durations = problem.matrix_for(problem.therapists[0]).durations_s
    return durations[homes][:, homes]


def therapist_regions(problem: Problem, count: int) -> list[list[int]]:
    """Therapist indices in ``count`` balanced groups of neighbours.

    Seeds are picked farthest-first; each therapist then joins its nearest seed with
    room, those with most to lose from a second choice first.
    """
    distances = _home_distances(problem)
    seeds = [int(distances.sum(axis=1).argmax())]
    while len(seeds) < count:
        seeds.append(int(distances[:, seeds].min(axis=1).argmax()))
    capacity = math.ceil(len(problem.therapists) / count)
    to_seed = distances[:, seeds]
    ranked = sorted(to_seed.min(axis=1).argsort().tolist(), key=lambda i: _regret(to_seed[i]))
    regions: list[list[int]] = [[] for _ in seeds]
    for therapist in ranked:
        for region in to_seed[therapist].argsort().tolist():
            if len(regions[region]) < capacity:
                regions[region].append(therapist)
                break
    return [sorted(region) for region in regions if region]


def _regret(row: IntMatrix) -> int:
    ordered = sorted(row.tolist())
    return -(ordered[1] - ordered[0]) if len(ordered) > 1 else 0


def _visit_regions(
    problem: Problem,
    visits: Sequence[Visit],
    candidates: Sequence[Sequence[int]],
    routes: dict[str, tuple[str, ...]],
    region_of: dict[int, int],
) -> dict[str, int]:
    """Routed visits stay with their therapist's region, the rest go to the nearest
    qualified therapist's."""
    index_of = {t.id: i for i, t in enumerate(problem.therapists)}
    placed = {v: region_of[index_of[t]] for t, route in routes.items() for v in route}
    for visit, allowed in zip(visits, candidates, strict=True):
        if visit.id not in placed:
            nearest = min(allowed, key=lambda i: _home_to(problem, i, visit))
            placed[visit.id] = region_of[nearest]
    return placed


def _home_to(problem: Problem, index: int, visit: Visit) -> int:
    therapist = problem.therapists[index]
    return int(problem.matrix_for(therapist).durations_s[therapist.start_location, visit.location])


def solve_by_regions(
    problem: Problem,
    params: Params,
    visits: Sequence[Visit],
    candidates: Sequence[Sequence[int]],
    deadline: Deadline,
) -> tuple[dict[str, Route], float]:
    """Solve each region from the construction, then once more where left-overs fit.

    A visit left out by its region may fit a neighbouring region's routes; those are
    inserted with the construction's rule and only the regions that gained visits are
    solved again. Returns each therapist's route and the time the construction (the
    first full plan) took. ``visits``/``candidates`` are those that passed the pre-checks.
    Everything is done by the search's share of ``deadline`` (``solver.budget``), the
    construction excepted: a region with no time left keeps what the construction gave
    it, and the repair between the rounds stops. That repair's time also sizes the
    reserve for the repair and the probe after the search.
    """
    routes = construct_routes(problem, visits, candidates)
    construction_s = deadline.elapsed_s()
    left_out = expected_left_out(len(visits), sum(map(len, routes.values())))
    until = search_deadline(deadline, left_out, len(problem.therapists))
    regions = therapist_regions(problem, region_count(problem))
    region_of = {t: r for r, members in enumerate(regions) for t in members}
    visit_region = _visit_regions(problem, visits, candidates, routes, region_of)
    rounds = _Rounds(problem, params, regions, until)
    first_round = until.at_share(FIRST_ROUND_SHARE)
    solved = rounds.solve(range(len(regions)), routes, visit_region, first_round)
    current = {r.therapist_id: tuple(s.visit_id for s in r.stops) for r in solved.values()}
    repair_from_s = deadline.elapsed_s()
    repaired = construct_routes(problem, visits, candidates, initial=current, deadline=until)
    until = search_deadline_after_repair(deadline, until, deadline.elapsed_s() - repair_from_s)
    for therapist_id, route in repaired.items():
        visit_region.update(dict.fromkeys(route, region_of[rounds.index[therapist_id]]))
    # With nothing to repair, the time left goes on improving every region.
    again = _changed_regions(problem, region_of, current, repaired) or list(range(len(regions)))
    solved.update(rounds.solve(again, repaired, visit_region, until))
    return solved, construction_s


def _changed_regions(
    problem: Problem,
    region_of: dict[int, int],
    before: dict[str, tuple[str, ...]],
    after: dict[str, tuple[str, ...]],
) -> list[int]:
    """The regions in which a therapist's route differs between the two plans."""
    return sorted(
        {
            region_of[i]
            for i, t in enumerate(problem.therapists)
            if after.get(t.id, ()) != before.get(t.id, ())
        }
    )


# Share of the search's time (counted from the solve's start) for the first pass over all
# regions.
FIRST_ROUND_SHARE = 0.75


class _Rounds:
    """Solves chosen regions in turn, each in an equal share of what is left of a round."""

    def __init__(
        self, problem: Problem, params: Params, regions: list[list[int]], until: Deadline
    ) -> None:
        self.problem, self.params, self.regions = problem, params, regions
        self.index = {t.id: i for i, t in enumerate(problem.therapists)}
        self.progress = _ProgressSum(params, until)

    def solve(
        self,
        chosen: Sequence[int],
        routes: dict[str, tuple[str, ...]],
        visit_region: dict[str, int],
        round_until: Deadline,
    ) -> dict[str, Route]:
        problem, solved = self.problem, {}
        for done, number in enumerate(chosen):
            members = self.regions[number]
            ids = {problem.therapists[i].id for i in members}
            region = replace(
                problem,
                therapists=tuple(problem.therapists[i] for i in members),
                visits=tuple(v for v in problem.visits if visit_region.get(v.id) == number),
            )
            # A share of what is left, set-up included: a region whose share is too short
            # to search keeps its start, so none is left empty.
            region_until = round_until.split(len(chosen) - done)
            warm = {t: r for t, r in routes.items() if t in ids}
            if search_time_left_s(region_until) is None:
                found = warm_start_routes(region, region.visits, warm)
            else:
                share_params = Params(
                    time_limit_s=region_until.remaining_s(),
                    seed=self.params.seed,
                    metaheuristic=self.params.metaheuristic,
                    warm_start=warm,
                    on_progress=self.progress.for_region(number),
                    clock=self.params.clock,
                )
                found = solve_routes(region, share_params, region_until)
            solved.update({r.therapist_id: r for r in found})
        return solved


class _ProgressSum:
    """Reports the whole day's progress while regions are solved one by one."""

    def __init__(self, params: Params, until: Deadline) -> None:
        self.params, self.until = params, until
        self.best: dict[int, int] = {}
        self.found = 0

    def for_region(self, region: int) -> Callable[[Progress], None] | None:
        if self.params.on_progress is None:
            return None

        def report(progress: Progress) -> None:
            self.best[region] = progress.best_cost
            self.found += 1
            assert self.params.on_progress is not None
            self.params.on_progress(
                Progress(self.until.elapsed_s(), sum(self.best.values()), self.found)
            )

        return report
