"""The week's figures on a two-day week and a plan of it written by hand.

Day 0 has t1 and t2 on shift, day 1 t1, t3 and t4 (t2 is off). Each day has one
hand-booked visit. Five episodes:

- e1 (primary t1, 2 visits): t1 on both days.
- e2 (primary t2, 2 visits): t2 on day 0, t3 on day 1, when t2 is off.
- e3 (no primary, 1 visit): t3 on day 1.
- e4 (primary t3, 2 visits): neither placed.
- e5 (primary t1, 2 visits): t2 on day 0, t1 on day 1.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from solver import (
    Priority,
    Problem,
    Route,
    Solution,
    SolveStatus,
    Stop,
    Unassigned,
    UnassignedReason,
)
from solver.week.kpis import available_s, week_kpis
from solver.week.problem import Demand, Episode, WeekCap, WeekProblem
from solver.week.solution import Placed, Unplaced, WeekReason, WeekSolution
from tests.solver.conftest import H, day, therapist, visit

LABELS = ("2026-11-30", "2026-12-01")
PRIMARY = {"e1": "t1", "e2": "t2", "e3": None, "e4": "t3", "e5": "t1"}
COUNTS = {"e1": 2, "e2": 2, "e3": 1, "e4": 2, "e5": 2}
# (episode, day, therapist) of every placed visit.
PLACED = (
    ("e1", 0, "t1"),
    ("e1", 1, "t1"),
    ("e2", 0, "t2"),
    ("e2", 1, "t3"),
    ("e3", 1, "t3"),
    ("e5", 0, "t2"),
    ("e5", 1, "t1"),
)
# Per day, therapist -> (visit ids in order, work_s, travel_s).
ROUTES: tuple[dict[str, tuple[tuple[str, ...], int, int]], ...] = (
    {
        "t1": (("e1@2026-11-30",), 3 * H, 1200),
        "t2": (("h1", "e2@2026-11-30", "e5@2026-11-30"), 5 * H, 2400),
    },
    {
        "t1": (("e1@2026-12-01", "e5@2026-12-01"), 4 * H, 1800),
        "t3": (("e2@2026-12-01", "e3@2026-12-01"), 4 * H, 600),
        "t4": ((), 0, 0),
    },
)


def _episode(episode_id: str, location: int) -> Episode:
    primary = PRIMARY[episode_id]
    return Episode(
        id=episode_id,
        location=location,
        service_s=1800,
        windows=((), ()),
        demands=(Demand(0, 1, COUNTS[episode_id], "the two days"),),
        primary_therapist=primary,
    )


@pytest.fixture
def week() -> WeekProblem:
    """Two days with different therapists on shift, one hand-booked visit each."""
    days = (
        day([therapist("t1"), therapist("t2")], [visit("h1", 1)], day_label=LABELS[0]),
        day(
            [therapist("t1"), therapist("t3"), therapist("t4")],
            [visit("h2", 2)],
            day_label=LABELS[1],
        ),
    )
    episodes = tuple(_episode(e, location) for location, e in enumerate(PRIMARY, start=3))
    return WeekProblem(days=days, episodes=episodes)


def _day_solution(routes: dict[str, tuple[tuple[str, ...], int, int]]) -> Solution:
    built = []
    for therapist_id, (visit_ids, work_s, travel_s) in routes.items():
        stops = tuple(Stop(v, 9 * H, 9 * H, 9 * H + 1800, 600, None, 0) for v in visit_ids)
        start_s, end_s = (8 * H, 8 * H + work_s) if stops else (None, None)
        built.append(Route(therapist_id, stops, start_s, end_s, travel_s=travel_s, work_s=work_s))
    return Solution(SolveStatus.PARTIAL, routes=tuple(built))


def _with_episode_visits(week: WeekProblem, day_index: int) -> Problem:
    problem = week.days[day_index]
    placed = [e for e in week.episodes for p in PLACED if p[:2] == (e.id, day_index)]
    visits = tuple(week.episode_visit(e, day_index) for e in placed)
    return replace(problem, visits=problem.visits + visits)


@pytest.fixture
def plan(week: WeekProblem) -> WeekSolution:
    """The plan above; day 1 leaves h2 out, e4's two visits got no date."""
    days = (
        _day_solution(ROUTES[0]),
        replace(
            _day_solution(ROUTES[1]),
            unassigned=(Unassigned("h2", UnassignedReason.CAPACITY, "h2 does not fit."),),
        ),
    )
    return WeekSolution(
        day_problems=tuple(_with_episode_visits(week, d) for d in range(2)),
        days=days,
        placed=tuple(Placed(e, d, f"{e}@{LABELS[d]}", t) for e, d, t in PLACED),
        unplaced=(
            Unplaced("e4", 0, WeekReason.WEEK_CAPACITY, "No route has room."),
            Unplaced("e4", 0, WeekReason.WEEK_CAP, "t3's week is full."),
        ),
    )


def test_visits_ordered_are_the_demands_counts(week: WeekProblem, plan: WeekSolution) -> None:
    kpis = week_kpis(week, plan)
    assert (kpis.visits_ordered, kpis.visits_placed) == (9, 7)


def test_single_therapist_share_is_over_episodes_served(
    week: WeekProblem, plan: WeekSolution
) -> None:
    """e1 and e3 saw one therapist; e2 and e5 two; e4 nobody, so it is not counted."""
    kpis = week_kpis(week, plan)
    assert (kpis.episodes_served, kpis.single_therapist_episodes) == (4, 2)
    assert kpis.single_therapist_share == 0.5


def test_primary_share_counts_days_the_primary_works(week: WeekProblem, plan: WeekSolution) -> None:
    """e2's day-1 visit is left out (t2 is off), e3's (no primary) too; e5's day 0 misses."""
    kpis = week_kpis(week, plan)
    assert (kpis.primary_visits, kpis.primary_hits) == (5, 4)
    assert kpis.primary_share == pytest.approx(0.8)


def test_work_is_summed_over_days_for_every_therapist_on_shift(
    week: WeekProblem, plan: WeekSolution
) -> None:
    """t4 is on shift without visits: 0 h, which counts in the minimum and the mean."""
    kpis = week_kpis(week, plan)
    assert kpis.work_s == {"t1": 7 * H, "t2": 5 * H, "t3": 4 * H, "t4": 0}
    assert (kpis.work_min_s, kpis.work_mean_s, kpis.work_max_s) == (0, 4 * H, 7 * H)


def test_balanced_share_is_within_fifteen_percent_of_the_mean(
    week: WeekProblem, plan: WeekSolution
) -> None:
    """Mean 4 h: only t3 (4 h) is within 3.4-4.6 h."""
    assert week_kpis(week, plan).balanced_share == 0.25


def test_fair_share_is_by_the_hours_each_therapist_has(
    week: WeekProblem, plan: WeekSolution
) -> None:
    """16 h of work over five therapist-days: t1 (two days) has a fair 6.4 h and works 7
    (within 15 %); t2, t3 and t4 (one day each) have 3.2 h and work 5, 4 and 0."""
    assert week_kpis(week, plan).fair_share_balanced == 0.25


def test_a_weekly_cap_bounds_the_hours_available(week: WeekProblem) -> None:
    """t1's two days offer twice a day's hours; a cap of 3 h leaves 3 h."""
    capped = replace(week, caps=(WeekCap("t1", 0, 1, 3 * H),))
    one_day = available_s(week)["t2"]
    assert available_s(week)["t1"] == 2 * one_day
    assert available_s(capped)["t1"] == 3 * H


def test_the_cost_prices_continuity_travel_and_what_is_left_out(
    week: WeekProblem, plan: WeekSolution
) -> None:
    """e2 and e5 see a second therapist; e2's day-1 visit (t3) and e5's day-0 visit (t2)
    are not by their primary; e4's two visits have no date and day 1 leaves h2 out: all
    normal visits."""
    weights, normal = week.weights, week.days[0].weights.drop_penalty[Priority.NORMAL]
    kpis = week_kpis(week, plan)
    assert kpis.continuity_cost == 2 * weights.extra_therapist + 2 * weights.not_primary
    assert kpis.cost == kpis.travel_s + kpis.continuity_cost + 3 * normal


def test_travel_sums_every_days_routes(week: WeekProblem, plan: WeekSolution) -> None:
    assert week_kpis(week, plan).travel_s == 1200 + 2400 + 1800 + 600


def test_unplaced_are_counted_by_reason(week: WeekProblem, plan: WeekSolution) -> None:
    assert week_kpis(week, plan).unplaced_by_reason == {
        WeekReason.WEEK_CAPACITY: 1,
        WeekReason.WEEK_CAP: 1,
    }


def test_hand_booked_visits_are_the_days_own(week: WeekProblem, plan: WeekSolution) -> None:
    """h1 is on t2's route; h2 is left out; the episodes' visits do not count here."""
    kpis = week_kpis(week, plan)
    assert (kpis.hand_booked_total, kpis.hand_booked_planned) == (2, 1)


def test_nothing_placed_gives_zero_shares(week: WeekProblem) -> None:
    """An empty plan: no episode served, no primary visit; nobody worked, all alike."""
    empty = Solution(SolveStatus.PARTIAL)
    nothing = WeekSolution(day_problems=week.days, days=(empty, empty), placed=(), unplaced=())
    kpis = week_kpis(week, nothing)
    assert (kpis.single_therapist_share, kpis.primary_share) == (0.0, 0.0)
    assert (kpis.work_min_s, kpis.work_mean_s, kpis.work_max_s) == (0, 0.0, 0)
    assert kpis.balanced_share == kpis.fair_share_balanced == 1.0
    assert (kpis.visits_ordered, kpis.visits_placed, kpis.hand_booked_planned) == (9, 0, 0)
