"""The large-neighbourhood search: what a neighbourhood holds, what it keeps, when it stops."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

import pytest
from hypothesis import HealthCheck, given, settings

from solver import Metaheuristic, Params, Priority
from solver.budget import Deadline
from solver.check import check_solution
from solver.construct import construct_routes
from solver.neighbourhoods import Neighbourhood, _Day, improve_routes
from solver.outcome import explain_dropped, finish, objective, pre_check
from solver.repair import warm_start_routes
from solver.solution import Route, SolveStats, Stop
from tests.solver.conftest import day, therapist, visit
from tests.solver.test_properties import problems

if TYPE_CHECKING:
    from solver import Problem, Solution

# Greedy descent in each neighbourhood stops at a local optimum by itself, and the loop
# stops after sweeps that keep nothing: no test waits for this limit.
FAR_S = 600.0
DESCENT = Params(metaheuristic=Metaheuristic.NONE)


def started(problem: Problem) -> _Day:
    _, visits, candidates = pre_check(problem)
    start = construct_routes(problem, visits, candidates)
    return _Day(problem, visits, candidates, warm_start_routes(problem, visits, start))


def improved(problem: Problem, params: Params = DESCENT) -> tuple[Solution, int, bool]:
    """The construction improved by neighbourhoods, finished like a solve; also the
    construction's objective and whether the search stopped for want of improvement."""
    unassigned, visits, candidates = pre_check(problem)
    start = warm_start_routes(problem, visits, construct_routes(problem, visits, candidates))
    routed = {s.visit_id for r in start for s in r.stops}
    ruled_out = [u.visit_id for u in unassigned]
    before = objective(problem, start, ruled_out + [v.id for v in visits if v.id not in routed])
    outcome = improve_routes(problem, visits, candidates, start, Deadline.after(FAR_S), params)
    unassigned += explain_dropped(problem, visits, candidates, outcome.routes)
    solution = finish(problem, outcome.routes, unassigned, SolveStats())
    return solution, before, outcome.stopped_idle


@pytest.fixture
def street() -> Problem:
    """Four therapists living at 0, 2, 5 and 7 on a line; one visit at each home's next
    stop, and three left-out candidates: a low one next door, a must one farther away,
    and one only t7 may do."""
    therapists = [therapist(f"t{home}", home) for home in (0, 2, 5, 7)]
    visits = [visit(f"v{home}", home + 1) for home in (0, 2, 5)]
    visits += [
        visit("near_low", 1, priority=Priority.LOW),
        visit("far_must", 4, priority=Priority.MUST),
        visit("t7_only", 6, allowed_therapists=frozenset({"t7"})),
    ]
    return day(therapists, visits, size=8)


def test_a_neighbourhood_is_the_nearest_routes_and_the_left_out_they_may_do(
    street: Problem, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Around t0, two routes: t0 and t2 (the nearest). Offered: the must visit first, then
    the normal ones nearest first, the low one last although it is next door; never the
    visit only t7 may do."""
    monkeypatch.setattr("solver.neighbourhoods.NEIGHBOURHOOD_ROUTES", 2)
    current = started(street)
    current.routes = [Route(t.id) for t in street.therapists]
    current.left_out = {v.id for v in street.visits}
    hood = current.pick(0)
    assert hood.therapists == (0, 1)
    assert hood.left_out[0] == "far_must"
    assert set(hood.left_out[1:3]) == {"v0", "v2"}
    assert hood.left_out[3:] == ("v5", "near_low")


def test_routes_from_one_clinic_are_near_by_their_stops(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every therapist starts at the clinic (0): routes are near by where they go, not by
    the start they share. t_a goes to 5; the nearest two others go to 4 and 6, although the
    therapists listed first go to 1 and 2."""
    monkeypatch.setattr("solver.neighbourhoods.NEIGHBOURHOOD_ROUTES", 3)
    stops = {"t_1": 1, "t_2": 2, "t_a": 5, "t_4": 4, "t_6": 6}
    problem = day(
        [therapist(t, 0) for t in stops], [visit(f"v{t}", loc) for t, loc in stops.items()]
    )
    current = started(problem)
    current.routes = [Route(t, (Stop(f"v{t}", 0, 0, 0, 0, 0, 0),)) for t in stops]
    current.left_out = set()
    hood = current.pick(2)
    assert [problem.therapists[i].id for i in hood.therapists] == ["t_a", "t_4", "t_6"]


def test_busy_therapists_and_visits_stay_out_of_the_next_neighbourhood(street: Problem) -> None:
    """While one neighbourhood is being solved, the next shares nothing with it."""
    current = started(street)
    current.routes = [Route(t.id) for t in street.therapists]
    current.left_out = {v.id for v in street.visits}
    first = Neighbourhood((0, 1), ("far_must", "v0"))
    current.reserve(first)
    second = current.pick(3)
    assert not set(second.therapists) & {0, 1}
    assert not set(second.left_out) & {"far_must", "v0"}
    current.release(first)
    assert current.pick(3).therapists == (0, 1, 2, 3)


def test_a_costlier_neighbourhood_plan_is_not_kept(street: Problem) -> None:
    """Dropping every visit costs more than the construction's routes: they stay. The
    construction's routes offered back (no cheaper) are not a change either."""
    current = started(street)
    routes_before = list(current.routes)
    hood = Neighbourhood((0, 1, 2, 3), tuple(sorted(current.left_out)))
    assert not current.keep_if_better(hood, [Route(t.id) for t in street.therapists])
    assert not current.keep_if_better(hood, routes_before)
    assert current.routes == routes_before


def test_a_cheaper_neighbourhood_plan_is_kept_and_its_visits_leave_the_left_out(
    street: Problem,
) -> None:
    """From empty routes, the construction's routes cost less: they are kept, and the
    visits on them are no longer left out."""
    current = started(street)
    constructed = list(current.routes)
    current.routes = [Route(t.id) for t in street.therapists]
    current.left_out = {v.id for v in street.visits}
    hood = Neighbourhood((0, 1, 2, 3), tuple(sorted(current.left_out)))
    assert current.keep_if_better(hood, constructed)
    assert current.routes == constructed
    routed = {s.visit_id for r in constructed for s in r.stops}
    assert current.left_out == {v.id for v in street.visits} - routed


def test_the_search_stops_after_sweeps_that_keep_nothing(street: Problem) -> None:
    """With a limit far away, the search ends because nothing improves any more, and the
    plan is never costlier than the construction it started from."""
    solution, before, stopped_idle = improved(street)
    assert stopped_idle
    assert solution.cost.objective <= before
    assert check_solution(street, solution) == []


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_the_search_never_ends_worse_than_its_start_or_breaks_a_rule(problem: Problem) -> None:
    solution, before, _ = improved(problem)
    assert solution.cost.objective <= before
    assert check_solution(problem, solution) == []
    seen = Counter(s.visit_id for r in solution.routes for s in r.stops)
    seen.update(u.visit_id for u in solution.unassigned)
    assert seen == Counter(v.id for v in problem.visits)


def test_two_workers_solve_disjoint_neighbourhoods_into_one_valid_plan(street: Problem) -> None:
    """The same day through two worker processes: a valid plan, no costlier than the
    construction, every visit once."""
    solution, before, _ = improved(street, Params(workers=2, metaheuristic=Metaheuristic.NONE))
    assert solution.cost.objective <= before
    assert check_solution(street, solution) == []
    seen = Counter(s.visit_id for r in solution.routes for s in r.stops)
    seen.update(u.visit_id for u in solution.unassigned)
    assert seen == Counter(v.id for v in street.visits)
