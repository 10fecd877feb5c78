"""Property: whatever the time and the event, a re-plan keeps every frozen stop as it was
and passes the independent checker."""

from __future__ import annotations

from dataclasses import replace
from functools import cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduler.day_json.generate import generate_day
from scheduler.day_json.problem import parse_problem
from solver import Params, Problem, Solution, solve
from solver.check import check_solution
from solver.freeze import frozen_routes
from tests.solver.conftest import replanned, stops

QUICK = Params(time_limit_s=60, max_solutions=3)


@cache
def generated_day() -> tuple[Problem, Solution]:
    problem = parse_problem(generate_day("small", 3)).problem
    return problem, solve(problem, QUICK)


def _event(problem: Problem, solution: Solution, kind: str, pick: int) -> Problem:
    routed = [r for r in solution.routes if r.stops]
    route = routed[pick % len(routed)]
    if kind == "sick":
        at = problem.replan.now_s if problem.replan else 0
        therapists = tuple(
            replace(t, shift_end_s=max(t.shift_start_s, at)) if t.id == route.therapist_id else t
            for t in problem.therapists
        )
        return replace(problem, therapists=therapists)
    visit_id = route.stops[pick % len(route.stops)].visit_id
    if kind == "cancel":
        return replace(problem, visits=tuple(v for v in problem.visits if v.id != visit_id))
    return replace(
        problem,
        visits=tuple(
            replace(v, service_s=v.service_s + 1800) if v.id == visit_id else v
            for v in problem.visits
        ),
    )


@pytest.mark.slow
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    now_minutes=st.integers(8 * 60, 16 * 60),
    kind=st.sampled_from(["none", "sick", "cancel", "longer"]),
    pick=st.integers(0, 1000),
)
def test_frozen_stops_never_change(now_minutes: int, kind: str, pick: int) -> None:
    problem, solution = generated_day()
    day = replanned(problem, solution, now_minutes / 60)
    if kind != "none":
        day = _event(day, solution, kind, pick)
    again = solve(day, QUICK)
    assert check_solution(day, again) == []
    for tid, frozen in frozen_routes(day).items():
        expected = [(s.visit_id, s.start_s, s.end_s) for s in frozen.stops]
        assert stops(again, tid)[: len(expected)] == expected


@pytest.mark.slow
@pytest.mark.parametrize("now_h", [8, 9, 10, 11, 13, 14, 15, 16])
def test_a_re_plan_with_nothing_changed_keeps_the_plan(now_h: float) -> None:
    """No event: every route comes back as it was, times included."""
    problem, solution = generated_day()
    again = solve(replanned(problem, solution, now_h), QUICK)
    assert again.routes == solution.routes


@pytest.mark.slow
@pytest.mark.xfail(
    strict=True,
    reason="known gap (2026-12-07): at 12:00 two therapists are between stops (t003 driving, "
    "t005 on its break at v0017's door); the reduced day starts them at the last frozen stop "
    "at 12:00, so the current plan does not stand and the re-plan moves starts within their "
    "promise",
)
def test_a_re_plan_at_lunch_with_nothing_changed_keeps_the_plan() -> None:
    """12:00 on the same day, when two therapists are between stops."""
    problem, solution = generated_day()
    again = solve(replanned(problem, solution, 12.0), QUICK)
    assert again.routes == solution.routes
