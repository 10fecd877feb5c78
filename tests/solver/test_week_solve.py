"""The week solver: frequency, spacing, continuity, the weekly cap and the reasons.

Every week is five days (2026-12-07 .. 2026-12-11) of one line of locations (conftest:
ten minutes' drive a step); homes come first, then patients. One worker, so that CP-SAT
and the day searches run in this process and the small weeks solve to the same answer.
"""

from __future__ import annotations

from dataclasses import replace
from itertools import pairwise

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ortools.sat.python import cp_model

from solver import Params, Priority, Problem, Therapist, TimeWindow
from solver.check import check_solution
from solver.timing import route_faults, time_route
from solver.week.assign import Limits, Model, candidates, estimates
from solver.week.check import check_week
from solver.week.greedy import greedy_assignment
from solver.week.problem import Demand, Episode, WeekCap, WeekProblem
from solver.week.solution import WeekReason, WeekSolution
from solver.week.solve import solve_week
from tests.solver.conftest import H, line_matrix, therapist, visit

DAYS = 5
LABELS = tuple(f"2026-12-{7 + d:02d}" for d in range(DAYS))
ANY_DAY: tuple[tuple[TimeWindow, ...] | None, ...] = ((),) * DAYS
PARAMS = Params(time_limit_s=30, workers=1)


def week(
    therapists: tuple[Therapist, ...],
    episodes: tuple[Episode, ...],
    size: int = 12,
    **kwargs: object,
) -> WeekProblem:
    travel = {"car": line_matrix(size)}
    days = tuple(Problem(travel, therapists, (), day_label=label) for label in LABELS)
    return WeekProblem(days, episodes, **kwargs)  # type: ignore[arg-type]


def episode(id: str, location: int, count: int, **kwargs: object) -> Episode:
    fields: dict[str, object] = {
        "service_s": 45 * 60,
        "windows": ANY_DAY,
        "demands": (Demand(0, DAYS - 1, count, "the week of 2026-12-07"),),
        "required_skills": frozenset({"PT"}),
    }
    fields.update(kwargs)
    return Episode(id, location, **fields)  # type: ignore[arg-type]


def pt(id: str, home: int, **kwargs: object) -> Therapist:
    return therapist(id, home, skills=frozenset({"PT"}), **kwargs)


def days_of(solution: WeekSolution, episode_id: str) -> list[int]:
    return sorted(p.day for p in solution.placed if p.episode_id == episode_id)


def therapists_of(solution: WeekSolution, episode_id: str) -> set[str]:
    return {p.therapist_id for p in solution.placed if p.episode_id == episode_id}


def passes_the_checkers(problem: WeekProblem, solution: WeekSolution) -> bool:
    """The week checker's verdict, and the day checker's on the problems the solver says
    it routed."""
    days = zip(solution.day_problems, solution.days, strict=True)
    return check_week(problem, solution) == [] and not any(check_solution(*d) for d in days)


@pytest.fixture
def three_a_week() -> WeekProblem:
    """One therapist, one episode of three visits a week, a day between visits."""
    return week((pt("t1", 0),), (episode("e1", 3, 3, min_days_between=1),))


def test_three_visits_a_week_a_day_apart(three_a_week: WeekProblem) -> None:
    solution = solve_week(three_a_week, PARAMS)
    assert days_of(solution, "e1") == [0, 2, 4]
    assert solution.unplaced == ()
    assert passes_the_checkers(three_a_week, solution)


def test_days_the_plan_does_not_allow_cannot_give_the_count(three_a_week: WeekProblem) -> None:
    """Monday to Wednesday with a day between visits hold two of the three."""
    windows = ((), (), (), None, None)
    problem = replace(three_a_week, episodes=(replace(three_a_week.episodes[0], windows=windows),))
    solution = solve_week(problem, PARAMS)
    assert days_of(solution, "e1") == [0, 2]
    assert [u.reason for u in solution.unplaced] == [WeekReason.FREQUENCY_INFEASIBLE]
    assert "room for 2 of its 3 visits" in solution.unplaced[0].message


def test_a_visit_booked_before_the_horizon_keeps_its_spacing(three_a_week: WeekProblem) -> None:
    """The Sunday before was a visit: Monday is too close with a day between visits."""
    first = replace(three_a_week.episodes[0], booked_days=(-1,), demands=(Demand(0, 4, 2, "w"),))
    solution = solve_week(replace(three_a_week, episodes=(first,)), PARAMS)
    assert len(days_of(solution, "e1")) == 2
    assert 0 not in days_of(solution, "e1")


def test_the_visits_keep_their_windows_on_each_day() -> None:
    """Tuesday only in the afternoon, Thursday only in the morning; other days not allowed."""
    windows = (None, (TimeWindow(13 * H, 15 * H),), None, (TimeWindow(9 * H, 10 * H),), None)
    problem = week((pt("t1", 0),), (episode("e1", 2, 2, windows=windows),))
    solution = solve_week(problem, PARAMS)
    starts = {
        d: stop.start_s
        for d, day in enumerate(solution.days)
        for route in day.routes
        for stop in route.stops
    }
    assert 13 * H <= starts[1] <= 15 * H
    assert 9 * H <= starts[3] <= 10 * H


@pytest.fixture
def near_and_far() -> WeekProblem:
    """An episode whose primary lives one step further from the patient than another
    therapist."""
    therapists = (pt("near", 4), pt("primary", 3))
    return week(therapists, (episode("e1", 5, 3, primary_therapist="primary"),))


def test_continuity_is_kept_when_it_costs_little_driving(near_and_far: WeekProblem) -> None:
    """Twenty minutes more driving a visit there and back (ten, as the assignment counts
    a visit's share) is less than the hour a visit by another therapist costs."""
    solution = solve_week(near_and_far, PARAMS)
    assert therapists_of(solution, "e1") == {"primary"}


def test_continuity_is_given_up_when_it_costs_a_lot(near_and_far: WeekProblem) -> None:
    """At two hours a step, each of the primary's visits would cost four hours more
    driving: one other therapist takes the whole episode."""
    slow = {"car": line_matrix(12, step_s=2 * H)}
    days = tuple(replace(day, travel=slow) for day in near_and_far.days)
    long_shift = tuple(
        replace(t, shift_start_s=0, shift_end_s=24 * H) for t in near_and_far.days[0].therapists
    )
    days = tuple(replace(day, therapists=long_shift) for day in days)
    solution = solve_week(replace(near_and_far, days=days), PARAMS)
    assert therapists_of(solution, "e1") == {"near"}
    assert len(days_of(solution, "e1")) == 3


def test_the_primary_s_absence_moves_the_episode_to_one_other_therapist() -> None:
    """The primary works only Monday: the other four days are all one colleague's."""
    therapists = (pt("a", 3), pt("b", 3), pt("primary", 3))
    problem = week(therapists, (episode("e1", 4, 3, primary_therapist="primary"),))
    off = tuple(
        replace(day, therapists=therapists[:2]) if d else day for d, day in enumerate(problem.days)
    )
    solution = solve_week(replace(problem, days=off), PARAMS)
    assert len(days_of(solution, "e1")) == 3
    assert len(therapists_of(solution, "e1") - {"primary"}) == 1


def test_a_weekly_cap_is_never_exceeded() -> None:
    """Two therapists, five long visits; the primary may work four hours in the week."""
    therapists = (pt("primary", 0), pt("other", 0))
    episodes = tuple(
        episode(f"e{i}", 2 + i, 1, primary_therapist="primary", service_s=90 * 60) for i in range(5)
    )
    problem = week(therapists, episodes, caps=(WeekCap("primary", 0, 4, 4 * H),))
    solution = solve_week(problem, PARAMS)
    work = sum(r.work_s for day in solution.days for r in day.routes if r.therapist_id == "primary")
    assert work <= 4 * H
    assert len(solution.placed) == 5
    assert passes_the_checkers(problem, solution)


def test_nobody_with_the_skill_is_the_reason() -> None:
    problem = week((pt("t1", 0),), (episode("e1", 3, 1, required_skills=frozenset({"SLP"})),))
    solution = solve_week(problem, PARAMS)
    assert [u.reason for u in solution.unplaced] == [WeekReason.NO_QUALIFIED_THERAPIST]


@pytest.fixture
def full_week() -> WeekProblem:
    """One therapist with room for two 3-hour visits a day, and three episodes of five
    such visits a week each (one must, one high, one low)."""
    therapists = (pt("t1", 0, shift_end_s=16 * H + 30 * 60),)
    episodes = tuple(
        episode(name, 1, 5, service_s=3 * H, priority=priority)
        for name, priority in (
            ("low", Priority.LOW),
            ("must", Priority.MUST),
            ("high", Priority.HIGH),
        )
    )
    return week(therapists, episodes)


def test_a_full_week_keeps_the_higher_priorities(full_week: WeekProblem) -> None:
    solution = solve_week(full_week, PARAMS)
    assert len(days_of(solution, "must")) == 5
    assert len(days_of(solution, "high")) == 5
    assert days_of(solution, "low") == []
    assert {u.reason for u in solution.unplaced} == {WeekReason.WEEK_CAPACITY}
    assert passes_the_checkers(full_week, solution)


def test_week_capacity_is_true_no_route_takes_one_more_visit(full_week: WeekProblem) -> None:
    """The probe's claim, checked from outside: with a low visit added to any day's route
    at any position, the day breaks a rule."""
    solution = solve_week(full_week, PARAMS)
    low = full_week.episodes[0]
    for d, (problem, day) in enumerate(zip(solution.day_problems, solution.days, strict=True)):
        extra = full_week.episode_visit(low, d)
        stops = [s.visit_id for s in day.routes[0].stops]
        for position in range(len(stops) + 1):
            order = [*stops[:position], extra.id, *stops[position:]]
            assert _faults(replace(problem, visits=(*problem.visits, extra)), order)


def _faults(problem: Problem, order: list[str]) -> int:
    therapist_ = problem.therapists[0]
    by_id = {v.id: v for v in problem.visits}
    visits = [by_id[v] for v in order]
    return route_faults(problem, therapist_, visits, time_route(problem, therapist_, visits))


def test_a_hand_booked_visit_is_routed_with_the_episodes() -> None:
    problem = week((pt("t1", 0),), (episode("e1", 3, 1),))
    first = replace(problem.days[0], visits=(visit("booked", 6),))
    solution = solve_week(replace(problem, days=(first, *problem.days[1:])), PARAMS)
    routed = {s.visit_id for day in solution.days for r in day.routes for s in r.stops}
    assert "booked" in routed
    assert len(days_of(solution, "e1")) == 1


@st.composite
def random_weeks(draw: st.DrawFn) -> WeekProblem:
    """Two or three therapists (one of them OT), up to six episodes of one to three visits
    with random homes, windows, allowed days, spacing and a weekly cap."""
    homes = draw(st.lists(st.integers(0, 3), min_size=2, max_size=3))
    therapists = tuple(
        therapist(f"t{i}", home, skills=frozenset({"PT" if i else "OT"}))
        for i, home in enumerate(homes)
    )
    count = draw(st.integers(1, 6))
    episodes = tuple(draw(_random_episode(f"e{i}", len(homes))) for i in range(count))
    cap = WeekCap("t1", 0, DAYS - 1, draw(st.integers(1, 20)) * H)
    return week(therapists, episodes, caps=(cap,))


@st.composite
def _random_episode(draw: st.DrawFn, id: str, therapists: int) -> Episode:
    morning = (TimeWindow(9 * H, 11 * H),)
    windows = tuple(draw(st.sampled_from([None, (), morning])) for _ in range(DAYS))
    return episode(
        id,
        draw(st.integers(4, 11)),
        draw(st.integers(1, 3)),
        windows=windows,
        service_s=draw(st.sampled_from([30, 45, 60, 120])) * 60,
        required_skills=frozenset({draw(st.sampled_from(["PT", "OT"]))}),
        min_days_between=draw(st.integers(0, 2)),
        primary_therapist=f"t{draw(st.integers(0, therapists - 1))}",
        booked_days=tuple(draw(st.lists(st.integers(-3, 4), max_size=1))),
    )


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_weeks())
def test_every_week_passes_the_week_checker(problem: WeekProblem) -> None:
    """Whatever the week, its plan keeps every day's rules, the spacing, the counts and
    the cap, and every visit ordered is placed or explained."""
    solution = solve_week(problem, PARAMS)
    assert passes_the_checkers(problem, solution)


def test_neighbours_visits_share_their_days() -> None:
    """Two patients next door to each other, twice a week each, one therapist: a day out
    to their street serves both (a day apart from each other would drive twice as far)."""
    episodes = (episode("e1", 5, 2, min_days_between=1), episode("e2", 5, 2, min_days_between=1))
    solution = solve_week(week((pt("t1", 0),), episodes), PARAMS)
    assert days_of(solution, "e1") == days_of(solution, "e2")
    assert len(days_of(solution, "e1")) == 2


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_weeks())
def test_the_first_assignment_keeps_the_rules(problem: WeekProblem) -> None:
    """The greedy start CP-SAT gets: one visit a day, the spacing (booked days too), at
    most each demand's count, a therapist the episode may have, and no room overrun."""
    options, sizes = candidates(problem), estimates(problem)
    slots = greedy_assignment(problem, options, sizes, Limits()).slots
    for e, item in enumerate(problem.episodes):
        days = sorted(d for (e2, d) in slots if e2 == e)
        every = sorted([*days, *item.booked_days])
        assert all(b - a > item.min_days_between for a, b in pairwise(every))
        for demand in item.demands:
            assert sum(demand.first_day <= d <= demand.last_day for d in days) <= demand.count
        assert all(slots[(e, d)] in options[(e, d)] for d in days)
    for (d, t), room in sizes.room_s.items():
        load = sum(sizes.load_s[e] for (e, d2), t2 in slots.items() if (d2, t2) == (d, t))
        assert load <= room


def _hinted_start_keeps_the_rules(problem: WeekProblem) -> bool:
    """The greedy start as a hint: every variable of the model that is not a constant has
    a value (CP-SAT ignores an incomplete hint in a short solve) and, fixed to it, the
    model is feasible."""
    options, sizes, limits = candidates(problem), estimates(problem), Limits()
    built = Model(problem, options, sizes, limits)
    built.build()
    built.add_hint(greedy_assignment(problem, options, sizes, limits))
    proto = built.model.proto
    free = [i for i, var in enumerate(proto.variables) if len(set(var.domain)) > 1]
    if not set(free) <= set(proto.solution_hint.vars):
        return False
    solver = cp_model.CpSolver()
    solver.parameters.fix_variables_to_their_hinted_value = True
    return solver.solve(built.model) == cp_model.OPTIMAL


def test_the_start_cp_sat_gets_is_complete_and_feasible(full_week: WeekProblem) -> None:
    assert _hinted_start_keeps_the_rules(full_week)


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_weeks())
def test_every_start_cp_sat_gets_is_complete_and_feasible(problem: WeekProblem) -> None:
    assert _hinted_start_keeps_the_rules(problem)
