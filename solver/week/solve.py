"""``solve_week(problem, params) -> WeekSolution``: dates, therapists and routes together.

Rounds of two steps: CP-SAT chooses each episode visit's day and therapist against
estimated room (``solver.week.assign``), then the day solver routes every day whose visits
changed (``solver.week.route``, two days at a time on two workers). A visit a day could not
route marks its slot as failed and its therapist-day as full, and the next round assigns
again from the last answer. The rounds end when every day routes what it was given, after
``MAX_ROUNDS``, or at the time limit; then each visit still missing is inserted where it
fits or explained (``solver.week.reasons``).
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import TYPE_CHECKING

from solver.outcome import finish
from solver.params import Params
from solver.solution import SolveStatus
from solver.week.assign import Assignment, Limits, assign, candidates, estimates
from solver.week.greedy import greedy_assignment
from solver.week.reasons import Week, complete
from solver.week.route import day_key, day_problems, learn, route_days
from solver.week.solution import Placed, WeekSolution, WeekStats

if TYPE_CHECKING:
    from solver.problem import Problem
    from solver.solution import Solution
    from solver.week.problem import WeekProblem
    from solver.week.route import DayKey

MAX_ROUNDS = 4
# Of the time left at each round: CP-SAT's share, then the routing's share (the rest is
# kept for later rounds and the final insertions).
ASSIGN_SHARE = 0.15
ROUTE_SHARE = 0.6
# A day's search is never given less than this.
MIN_DAY_S = 1.0


def solve_week(problem: WeekProblem, params: Params | None = None) -> WeekSolution:
    """Plan a horizon of days: the episodes' visits placed and every day routed.

    Parameters
    ----------
    problem
        The days (therapists on shift, hand-booked visits), the episodes, the caps.
    params
        ``time_limit_s`` for the whole week, ``seed``, and ``workers``: days routed at
        once and CP-SAT's search workers.

    Returns
    -------
    WeekSolution
        Every day's problem as routed (with the episode visits placed on it) and its
        solution, the visits placed, and every visit ordered but not placed with a reason.
    """
    params = params or Params()
    clock = params.clock
    started = clock()
    deadline = started + params.time_limit_s
    options, sizes, limits = candidates(problem), estimates(problem), Limits()
    assignment: Assignment | None = None
    hint = greedy_assignment(problem, options, sizes, limits)
    problems: dict[int, Problem] = {}
    solutions: dict[int, Solution] = {}
    keys: dict[int, DayKey] = {}
    assign_s = route_s = 0.0
    rounds = 0
    while rounds < MAX_ROUNDS and (assignment is None or clock() < deadline):
        rounds += 1
        tick = clock()
        left = deadline - tick
        assignment = assign(
            problem,
            options,
            sizes,
            limits,
            left * ASSIGN_SHARE,
            hint if assignment is None else assignment,
            params.seed,
            params.workers,
        )
        assign_s += clock() - tick
        tick = clock()
        routed = day_problems(problem, assignment, sizes)
        changed = [d for d, day in enumerate(routed) if keys.get(d) != day_key(day)]
        waves = math.ceil(len(changed) / max(1, params.workers)) or 1
        per_day = max(MIN_DAY_S, (deadline - tick) * ROUTE_SHARE / waves)
        days = route_days([routed[d] for d in changed], params, per_day)
        dropped = 0
        for d, solution in zip(changed, days, strict=True):
            problems[d], solutions[d], keys[d] = routed[d], solution, day_key(routed[d])
            dropped += learn(problem, d, solution, assignment.slots, sizes, limits)
        route_s += clock() - tick
        if dropped == 0:
            break
    order = range(len(problem.days))
    week = _without_left_out(problem, [problems[d] for d in order], [solutions[d] for d in order])
    week.placed = _placed(problem, week)
    unplaced = complete(problem, week)
    stats = WeekStats(clock() - started, rounds, assign_s, route_s)
    return WeekSolution(
        tuple(week.problems), tuple(week.days), tuple(week.placed), tuple(unplaced), stats
    )


def _without_left_out(
    problem: WeekProblem, problems: list[Problem], solutions: list[Solution]
) -> Week:
    """The days without the episode visits their routing left out: those are missing
    from the week (``solver.week.reasons`` places or explains them), not from a day."""
    for d, (day, solution) in enumerate(zip(problems, solutions, strict=True)):
        label = problem.days[d].day_label
        ours = {episode.visit_id(label) for episode in problem.episodes}
        left_out = {u.visit_id for u in solution.unassigned} & ours
        if solution.status == SolveStatus.FAILED or not left_out:
            continue
        problems[d] = replace(day, visits=tuple(v for v in day.visits if v.id not in left_out))
        others = [u for u in solution.unassigned if u.visit_id not in left_out]
        solutions[d] = finish(problems[d], solution.routes, others, solution.stats)
    return Week(problems, solutions, [])


def _placed(problem: WeekProblem, week: Week) -> list[Placed]:
    """The episode visits the week added to the days' routes (a visit booked earlier may
    carry the same id as its episode's visit of that day: it is the day's own)."""
    placed = []
    for d, solution in enumerate(week.days):
        label = problem.days[d].day_label
        own = {visit.id for visit in problem.days[d].visits}
        episode_of = {e.visit_id(label): e.id for e in problem.episodes}
        for route in solution.routes:
            placed += [
                Placed(episode_of[stop.visit_id], d, stop.visit_id, route.therapist_id)
                for stop in route.stops
                if stop.visit_id in episode_of and stop.visit_id not in own
            ]
    return placed
