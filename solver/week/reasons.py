"""After the rounds: every visit a care plan still lacks is inserted where it fits, or given
a reason that is true.

In priority order (every ``must``, then ``high`` ...), each missing visit is tried at every
position of every qualified route of every day its episode allows and its spacing leaves
free, with the day's time rules (``solver.timing.earliest_end``) and the therapist's weekly
cap. The cheapest insertion worth its penalty is made; otherwise the reason says what
stopped it: the plan's own rules (``FREQUENCY_INFEASIBLE``), nobody qualified
(``NO_QUALIFIED_THERAPIST``), the weekly cap (``WEEK_CAP``), the cost (``NOT_WORTH_PENALTY``)
or full routes (``WEEK_CAPACITY``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from solver.outcome import finish
from solver.problem import Priority
from solver.reasons import eligibility
from solver.solution import SolveStatus
from solver.timing import earliest_end, route_faults, time_route
from solver.week.solution import Placed, Unplaced, WeekReason

if TYPE_CHECKING:
    from collections.abc import Sequence

    from solver.problem import Problem, Visit
    from solver.solution import Route, Solution
    from solver.week.problem import Demand, Episode, WeekProblem

PRIORITY_ORDER = (Priority.MUST, Priority.HIGH, Priority.NORMAL, Priority.LOW)


def rules_allow(
    episode: Episode, demand: Demand, days: int, taken: Sequence[int] | None = None
) -> int:
    """How many visits the span can hold by the plan's own rules: allowed days, the
    spacing between visits and from the ``taken`` days (the booked ones by default);
    taking the earliest day each time gives the most."""
    gap = episode.min_days_between
    taken = list(episode.booked_days if taken is None else taken)
    count = 0
    for d in range(max(0, demand.first_day), min(days - 1, demand.last_day) + 1):
        if episode.windows[d] is None or any(abs(d - b) <= gap for b in taken):
            continue
        taken.append(d)
        count += 1
    return count


@dataclass
class Week:
    """The week as it stands: each day's problem and routes, the visits placed."""

    problems: list[Problem]
    days: list[Solution]
    placed: list[Placed]


@dataclass(frozen=True)
class _Insertion:
    cost: int
    day: int
    route_index: int
    route: Route
    visit: Visit


def complete(problem: WeekProblem, week: Week) -> list[Unplaced]:
    """Insert what fits and explain the rest (``week`` is updated in place)."""
    missing = _missing(problem, week)
    missing.sort(key=lambda m: PRIORITY_ORDER.index(problem.episodes[m[0]].priority))
    return [u for e, k in missing if (u := _place_or_explain(problem, week, e, k)) is not None]


def _missing(problem: WeekProblem, week: Week) -> list[tuple[int, int]]:
    """(episode, demand) once per visit missing."""
    by_episode: dict[str, list[int]] = {}
    for p in week.placed:
        by_episode.setdefault(p.episode_id, []).append(p.day)
    found = []
    for e, episode in enumerate(problem.episodes):
        days = by_episode.get(episode.id, [])
        for k, demand in enumerate(episode.demands):
            placed = sum(demand.first_day <= d <= demand.last_day for d in days)
            found += [(e, k)] * (demand.count - placed)
    return found


def _place_or_explain(problem: WeekProblem, week: Week, e: int, k: int) -> Unplaced | None:
    episode = problem.episodes[e]
    demand = episode.demands[k]
    if _frequency_short(problem, week, episode, demand):
        return Unplaced(
            episode.id, k, WeekReason.FREQUENCY_INFEASIBLE, _frequency(problem, episode, demand)
        )
    days = _free_days(problem, week, episode, demand)
    if not days:
        message = (
            f"the visits already placed {demand.label} leave no allowed day that keeps "
            f"{episode.min_days_between} days between visits; plan again with a longer limit"
        )
        return Unplaced(episode.id, k, WeekReason.WEEK_CAPACITY, message)
    qualified = {d: eligibility(problem.days[d], problem.episode_visit(episode, d)) for d in days}
    if not any(q.candidates for q in qualified.values()):
        message = (
            f"no qualified therapist works on a day {demand.label} allows and its spacing "
            "leaves free"
        )
        return Unplaced(episode.id, k, WeekReason.NO_QUALIFIED_THERAPIST, message)
    best, capped = None, False
    for d, able in qualified.items():
        for index in able.candidates:
            trial, over_cap = _cheapest(problem, week, e, d, index)
            capped |= over_cap
            if trial is not None and (best is None or trial.cost < best.cost):
                best = trial
    if best is not None and (
        episode.priority == Priority.MUST or best.cost < _penalty(problem, episode)
    ):
        _insert(problem, week, e, best)
        return None
    return Unplaced(episode.id, k, *_why_not(problem, episode, demand, best, capped))


def _frequency_short(problem: WeekProblem, week: Week, episode: Episode, demand: Demand) -> bool:
    placed = sum(
        p.episode_id == episode.id and demand.first_day <= p.day <= demand.last_day
        for p in week.placed
    )
    return placed >= rules_allow(episode, demand, len(problem.days))


def _frequency(problem: WeekProblem, episode: Episode, demand: Demand) -> str:
    most = rules_allow(episode, demand, len(problem.days))
    return (
        f"{demand.label} has room for {most} of its {demand.count} visits by the plan's own "
        f"rules (its allowed weekdays, {episode.min_days_between} days between visits and "
        "the visits already booked)"
    )


def _free_days(problem: WeekProblem, week: Week, episode: Episode, demand: Demand) -> list[int]:
    taken = [*episode.booked_days, *(p.day for p in week.placed if p.episode_id == episode.id)]
    last = min(len(problem.days) - 1, demand.last_day)
    return [
        d
        for d in range(max(0, demand.first_day), last + 1)
        if episode.windows[d] is not None
        and week.days[d].status != SolveStatus.FAILED
        and all(abs(d - t) > episode.min_days_between for t in taken)
    ]


def _penalty(problem: WeekProblem, episode: Episode) -> int:
    return problem.days[0].weights.drop_penalty[episode.priority]


def _cheapest(
    problem: WeekProblem, week: Week, e: int, d: int, index: int
) -> tuple[_Insertion | None, bool]:
    """The cheapest insertion into therapist ``index``'s route of day ``d`` that keeps the
    day's rules and the weekly cap, and whether the cap alone stopped one."""
    episode = problem.episodes[e]
    day = week.problems[d]
    therapist = problem.days[d].therapists[index]
    visit = problem.episode_visit(episode, d, therapist.id)
    by_id = {v.id: v for v in day.visits}
    order = [by_id[s.visit_id] for s in week.days[d].routes[index].stops]
    rows = day.matrix_for(therapist).duration_rows
    stops = [therapist.start_location, *(v.location for v in order), therapist.end_location]
    fits = []
    for position in range(len(order) + 1):
        trial = [*order[:position], visit, *order[position:]]
        if earliest_end(therapist, trial, rows) is None:
            continue
        before, after = stops[position], stops[position + 1]
        detour = rows[before][visit.location] + rows[visit.location][after] - rows[before][after]
        fits.append((detour + _continuity_cost(problem, week, episode, therapist.id), trial))
    capped = False
    with_visit = replace(day, visits=(*day.visits, visit))
    for cost, trial in sorted(fits, key=lambda f: f[0]):
        route = time_route(with_visit, therapist, trial)
        if route_faults(with_visit, therapist, trial, route):
            continue
        if _over_cap(problem, week, d, therapist.id, route.work_s):
            capped = True
            continue
        return _Insertion(cost, d, index, route, visit), capped
    return None, capped


def _continuity_cost(problem: WeekProblem, week: Week, episode: Episode, therapist_id: str) -> int:
    weights = problem.weights
    seen = {p.therapist_id for p in week.placed if p.episode_id == episode.id}
    cost = 0 if therapist_id == episode.primary_therapist else weights.not_primary
    return cost + (weights.extra_therapist if seen and therapist_id not in seen else 0)


def _over_cap(problem: WeekProblem, week: Week, d: int, therapist_id: str, work_s: int) -> bool:
    for cap in problem.caps:
        if cap.therapist_id != therapist_id or not cap.first_day <= d <= cap.last_day:
            continue
        others = sum(
            r.work_s
            for d2 in range(cap.first_day, cap.last_day + 1)
            if d2 != d
            for r in week.days[d2].routes
            if r.therapist_id == therapist_id
        )
        if others + work_s > cap.max_work_s:
            return True
    return False


def _insert(problem: WeekProblem, week: Week, e: int, best: _Insertion) -> None:
    d = best.day
    # The therapist's own limits, not the share of the weekly cap the rounds gave the day:
    # the insertion was checked against the cap itself.
    therapists = list(week.problems[d].therapists)
    therapists[best.route_index] = problem.days[d].therapists[best.route_index]
    day = replace(
        week.problems[d],
        therapists=tuple(therapists),
        visits=(*week.problems[d].visits, best.visit),
    )
    routes = tuple(
        best.route if i == best.route_index else r for i, r in enumerate(week.days[d].routes)
    )
    old = week.days[d]
    week.problems[d] = day
    week.days[d] = finish(day, routes, list(old.unassigned), old.stats)
    therapist_id = best.route.therapist_id
    week.placed.append(Placed(problem.episodes[e].id, d, best.visit.id, therapist_id))


def _why_not(
    problem: WeekProblem,
    episode: Episode,
    demand: Demand,
    best: _Insertion | None,
    capped: bool,
) -> tuple[WeekReason, str]:
    if best is not None:
        label = problem.days[best.day].day_label
        return WeekReason.NOT_WORTH_PENALTY, (
            f"it fits on {best.route.therapist_id}'s route on {label}, at a cost above what "
            f"its priority ({episode.priority}) allows"
        )
    if capped:
        return WeekReason.WEEK_CAP, (
            f"it fits a route in {demand.label} only beyond that therapist's weekly "
            "working-time cap"
        )
    return WeekReason.WEEK_CAPACITY, (
        f"no qualified therapist's route on a day {demand.label} allows has room for it "
        "(windows, breaks, working time)"
    )
