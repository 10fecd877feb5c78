"""Route the days of an assignment with the day solver, and learn what did not fit.

Each day's problem is the day's own (its therapists on shift and hand-booked visits) with
the episodes' visits the assignment put on it, each allowed only to its therapist, so that
the day solver keeps the assignment's continuity and orders the routes. A therapist with a
weekly cap gets that day a ``max_work_s`` no larger than their share of the cap, in
proportion to the work the assignment gave each of their days: the day solver keeps it as
a hard rule, so that the week can never break the cap.
"""

from __future__ import annotations

import multiprocessing
from dataclasses import replace
from typing import TYPE_CHECKING

from solver.params import Params
from solver.solve import solve

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from solver.problem import Problem, Therapist
    from solver.solution import Solution
    from solver.week.assign import Assignment, Estimates, Limits
    from solver.week.problem import WeekProblem

DayKey = tuple[tuple[tuple[str, tuple[str, ...]], ...], tuple[tuple[str, int | None], ...]]


def day_problems(problem: WeekProblem, assignment: Assignment, sizes: Estimates) -> list[Problem]:
    """Every day of the week with the assignment's episode visits on it."""
    allot = _cap_allotments(problem, assignment, sizes)
    days = []
    for d, day in enumerate(problem.days):
        added = [
            problem.episode_visit(problem.episodes[e], d, therapist)
            for (e, d2), therapist in sorted(assignment.slots.items())
            if d2 == d
        ]
        therapists = tuple(_capped(t, allot.get((d, t.id))) for t in day.therapists)
        days.append(replace(day, therapists=therapists, visits=(*day.visits, *added)))
    return days


def _capped(therapist: Therapist, allot_s: int | None) -> Therapist:
    if allot_s is None:
        return therapist
    limit = therapist.max_work_s
    return replace(therapist, max_work_s=allot_s if limit is None else min(limit, allot_s))


def _cap_allotments(
    problem: WeekProblem, assignment: Assignment, sizes: Estimates
) -> dict[tuple[int, str], int]:
    """Each capped therapist-day's share of the weekly cap, where the days' own limits
    together could exceed it."""
    allot: dict[tuple[int, str], int] = {}
    for cap in problem.caps:
        days = [
            (d, t)
            for d in range(cap.first_day, cap.last_day + 1)
            for t in problem.days[d].therapists
            if t.id == cap.therapist_id
        ]
        if sum(_day_limit_s(t) for _, t in days) <= cap.max_work_s:
            continue
        work = {
            d: _estimated_work_s(problem, assignment, sizes, d, cap.therapist_id) for d, _ in days
        }
        total = sum(work.values()) or 1
        for d, _ in days:
            allot[(d, cap.therapist_id)] = cap.max_work_s * work[d] // total
    return allot


def _day_limit_s(therapist: Therapist) -> int:
    span = therapist.shift_end_s + therapist.overtime_max_s - therapist.shift_start_s
    return span if therapist.max_work_s is None else min(span, therapist.max_work_s)


def _estimated_work_s(
    problem: WeekProblem, assignment: Assignment, sizes: Estimates, d: int, therapist_id: str
) -> int:
    """The assignment's load of the therapist-day and an even share of its hand-booked
    visits (at least one visit's worth, so that no day gets nothing)."""
    own = sum(
        sizes.load_s[e] for (e, d2), t in assignment.slots.items() if d2 == d and t == therapist_id
    )
    share = sizes.booked_s[d] // max(1, len(problem.days[d].therapists))
    return own + share + 3600


def day_key(problem: Problem) -> DayKey:
    """What makes a day's problem differ between rounds: its visits with the therapist
    each is allowed to, and the therapists' work limits (the cap's shares)."""
    visits = tuple((v.id, tuple(sorted(v.allowed_therapists or ()))) for v in problem.visits)
    return visits, tuple((t.id, t.max_work_s) for t in problem.therapists)


def route_days(problems: Sequence[Problem], params: Params, time_limit_s: float) -> list[Solution]:
    """Each day solved by the day solver, ``params.workers`` days at a time.

    Each day gets ``time_limit_s`` in one process (a day of a week is small, and solving
    two days at once uses both cores better than a portfolio on one day).
    """
    day_params = Params(
        time_limit_s=time_limit_s,
        seed=params.seed,
        workers=1,
        max_solutions=params.max_solutions,
        stall_solutions=params.stall_solutions,
    )
    if params.workers <= 1 or len(problems) <= 1:
        return [solve(day, day_params) for day in problems]
    context = multiprocessing.get_context("spawn")
    with context.Pool(min(params.workers, len(problems))) as pool:
        return pool.starmap(solve, [(day, day_params) for day in problems])


def learn(
    problem: WeekProblem,
    day: int,
    routed: Solution,
    slots: Mapping[tuple[int, int], str],
    sizes: Estimates,
    limits: Limits,
) -> int:
    """Record the episode visits the day left out: their slot failed, and their
    therapist-day has no more room than the visits it kept. Returns how many."""
    label = problem.days[day].day_label
    left_out = {u.visit_id for u in routed.unassigned}
    dropped = 0
    for (e, d), therapist in slots.items():
        if d != day or problem.episodes[e].visit_id(label) not in left_out:
            continue
        dropped += 1
        limits.failed.add((e, d, therapist))
        kept = sum(
            sizes.load_s[e2]
            for (e2, d2), t in slots.items()
            if d2 == d and t == therapist and problem.episodes[e2].visit_id(label) not in left_out
        )
        limits.room_s[(d, therapist)] = kept
    return dropped
