"""The figures a week plan is judged by: what got a date, continuity of care, fair
workloads and driving, from any ``WeekSolution`` of a ``WeekProblem``.

Pure: every figure comes from the problem and the solution as given (``placed``, the day
routes, ``unplaced``); nothing is re-solved or re-checked (``check_week`` does that).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

from solver.week.problem import working_s

if TYPE_CHECKING:
    from solver.week.problem import WeekProblem
    from solver.week.solution import WeekReason, WeekSolution

# A therapist's work over the horizon is "balanced" within this share of the mean.
BALANCE_BAND = 0.15


@dataclass(frozen=True)
class WeekKpis:
    """A week plan's figures.

    Episodes: ``visits_ordered`` sums the demands' counts, ``visits_placed`` counts the
    placed visits; of the ``episodes_served`` (at least one visit placed),
    ``single_therapist_episodes`` saw one therapist only. ``primary_visits`` counts the
    placed visits of episodes with a primary on days the primary is on shift, and
    ``primary_hits`` those of them the primary does.

    Work: ``work_s`` is each therapist's summed route work over the horizon, for every
    therapist on shift at least one day (0 for one who visits nobody); min, mean and max
    are over those therapists, and ``balanced_share`` is the share within
    ``BALANCE_BAND`` of the mean (all of them when nobody works). A part-timer is below
    the mean however fair the week, so ``fair_share_balanced`` compares each therapist
    with their fair share instead: the horizon's work split by the hours each has
    (``available_s``: every day on shift, the shift or ``max_work_s`` if less, without the
    break; no more than a weekly cap allows). ``travel_s`` sums the days' routes.

    Cost, by the documented weights (``WeekWeights``, and the days' drop penalties):
    ``continuity_cost`` prices every therapist an episode sees beyond the first and every
    visit of an episode with a primary done by someone else; ``cost`` adds the travel (a
    unit a second) and the drop penalty of every visit ordered or booked but not on a
    route. It is what the week's search trades, so two plans compare on it whatever they
    gave up.

    ``hand_booked_total`` / ``hand_booked_planned`` count the days' own visits (those of
    ``WeekProblem.days``) and those on a route. Shares are 0.0 where nothing is counted.
    """

    visits_ordered: int
    visits_placed: int
    episodes_served: int
    single_therapist_episodes: int
    single_therapist_share: float
    primary_visits: int
    primary_hits: int
    primary_share: float
    work_s: dict[str, int]
    work_min_s: int
    work_mean_s: float
    work_max_s: int
    balanced_share: float
    fair_share_balanced: float
    travel_s: int
    continuity_cost: int
    cost: int
    unplaced_by_reason: dict[WeekReason, int]
    hand_booked_total: int
    hand_booked_planned: int


def week_kpis(problem: WeekProblem, solution: WeekSolution) -> WeekKpis:
    """The figures of ``solution`` as a plan of ``problem``.

    Parameters
    ----------
    problem
        The horizon: its days (therapists on shift, hand-booked visits) and episodes.
    solution
        A plan of it: the day solutions (``days[d]`` for day d), the placed and the
        unplaced visits.

    Returns
    -------
    WeekKpis
        Counts, shares and seconds as ``WeekKpis`` describes them.
    """
    served, single = _continuity(solution)
    primary_visits, primary_hits = _primary_counts(problem, solution)
    work_s = _work_by_therapist(problem, solution)
    low, mean, high, balanced = _work_spread(list(work_s.values()))
    hand_total, hand_planned = _hand_booked(problem, solution)
    travel_s = sum(route.travel_s for day in solution.days for route in day.routes)
    continuity = _continuity_cost(problem, solution)
    return WeekKpis(
        visits_ordered=sum(d.count for e in problem.episodes for d in e.demands),
        visits_placed=len(solution.placed),
        episodes_served=served,
        single_therapist_episodes=single,
        single_therapist_share=_share(single, served),
        primary_visits=primary_visits,
        primary_hits=primary_hits,
        primary_share=_share(primary_hits, primary_visits),
        work_s=work_s,
        work_min_s=low,
        work_mean_s=mean,
        work_max_s=high,
        balanced_share=balanced,
        fair_share_balanced=_fair_share_balanced(work_s, available_s(problem)),
        travel_s=travel_s,
        continuity_cost=continuity,
        cost=travel_s + continuity + _penalties(problem, solution),
        unplaced_by_reason=dict(Counter(item.reason for item in solution.unplaced)),
        hand_booked_total=hand_total,
        hand_booked_planned=hand_planned,
    )


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def _continuity(solution: WeekSolution) -> tuple[int, int]:
    """Episodes with a placed visit, and those of them seen by one therapist only."""
    therapists: dict[str, set[str]] = {}
    for placed in solution.placed:
        therapists.setdefault(placed.episode_id, set()).add(placed.therapist_id)
    return len(therapists), sum(1 for seen in therapists.values() if len(seen) == 1)


def _continuity_cost(problem: WeekProblem, solution: WeekSolution) -> int:
    weights = problem.weights
    primary = {e.id: e.primary_therapist for e in problem.episodes}
    therapists: dict[str, set[str]] = {}
    cost = 0
    for placed in solution.placed:
        therapists.setdefault(placed.episode_id, set()).add(placed.therapist_id)
        wanted = primary.get(placed.episode_id)
        cost += weights.not_primary if wanted not in (None, placed.therapist_id) else 0
    return cost + sum(weights.extra_therapist * (len(s) - 1) for s in therapists.values())


def _penalties(problem: WeekProblem, solution: WeekSolution) -> int:
    """The drop penalty of every episode visit without a date and every hand-booked visit
    its day left out."""
    if not problem.days:
        return 0
    penalty = problem.days[0].weights.drop_penalty
    priority = {e.id: e.priority for e in problem.episodes}
    cost = sum(penalty[priority[u.episode_id]] for u in solution.unplaced)
    for day, plan in zip(problem.days, solution.days, strict=True):
        routed = {stop.visit_id for route in plan.routes for stop in route.stops}
        cost += sum(penalty[v.priority] for v in day.visits if v.id not in routed)
    return cost


def _primary_counts(problem: WeekProblem, solution: WeekSolution) -> tuple[int, int]:
    """Placed visits whose primary is on shift that day, and those the primary does.

    A visit on a day the primary is off could not have been theirs, so it is not counted.
    """
    primary = {e.id: e.primary_therapist for e in problem.episodes}
    on_shift = [{t.id for t in day.therapists} for day in problem.days]
    counted = hits = 0
    for placed in solution.placed:
        wanted = primary.get(placed.episode_id)
        if wanted is None or wanted not in on_shift[placed.day]:
            continue
        counted += 1
        hits += placed.therapist_id == wanted
    return counted, hits


def _work_by_therapist(problem: WeekProblem, solution: WeekSolution) -> dict[str, int]:
    """Summed route work of every therapist on shift at least one day of the horizon."""
    work_s = {t.id: 0 for day in problem.days for t in day.therapists}
    for day in solution.days:
        for route in day.routes:
            if route.therapist_id in work_s:
                work_s[route.therapist_id] += route.work_s
    return work_s


def _work_spread(work_s: list[int]) -> tuple[int, float, int, float]:
    """Min, mean, max, and the share within ``BALANCE_BAND`` of the mean."""
    if not work_s:
        return 0, 0.0, 0, 0.0
    mean = sum(work_s) / len(work_s)
    balanced = sum(1 for work in work_s if abs(work - mean) <= BALANCE_BAND * mean)
    return min(work_s), mean, max(work_s), balanced / len(work_s)


def available_s(problem: WeekProblem) -> dict[str, int]:
    """The hours each therapist on shift has over the horizon, within their weekly caps."""
    by_day: dict[str, dict[int, int]] = {}
    for d, day in enumerate(problem.days):
        for t in day.therapists:
            by_day.setdefault(t.id, {})[d] = working_s(t)
    for cap in problem.caps:
        days = by_day.get(cap.therapist_id, {})
        inside = [d for d in days if cap.first_day <= d <= cap.last_day]
        total = sum(days[d] for d in inside)
        if total > cap.max_work_s:
            for d in inside:
                days[d] = days[d] * cap.max_work_s // total
    return {t: sum(days.values()) for t, days in by_day.items()}


def _fair_share_balanced(work_s: dict[str, int], available: dict[str, int]) -> float:
    """The share of therapists whose work is within ``BALANCE_BAND`` of their fair share."""
    total_work, total_available = sum(work_s.values()), sum(available.values())
    if not work_s or total_work == 0 or total_available == 0:
        return 1.0 if not total_work else 0.0
    fair = {t: total_work * available[t] / total_available for t in work_s}
    within = sum(1 for t, work in work_s.items() if abs(work - fair[t]) <= BALANCE_BAND * fair[t])
    return within / len(work_s)


def _hand_booked(problem: WeekProblem, solution: WeekSolution) -> tuple[int, int]:
    """The days' own visits, and how many of them are on a route of their day."""
    total = planned = 0
    for day, plan in zip(problem.days, solution.days, strict=True):
        routed = {stop.visit_id for route in plan.routes for stop in route.stops}
        total += len(day.visits)
        planned += sum(1 for visit in day.visits if visit.id in routed)
    return total, planned
