"""The week benchmark's baseline: first days with room, then each day routed as booked.

Three days (2026-12-07 .. 09) of one line of locations (ten minutes' drive a step). Each
day a PT therapist t1 and a PT speaking Spanish t2 work 08:00-16:00 with 8 h of work: each
offers 8 h, so a day may be booked to 0.85 x 16 h = 13.6 h, 6.8 h of it for Spanish.
"""

from __future__ import annotations

import pytest

from benchmarks.week import WeekResult, format_ratios, format_result
from benchmarks.week_baseline import book_first_days, plan_booked_days
from solver import Problem, TimeWindow
from solver.week.check import check_week
from solver.week.kpis import week_kpis
from solver.week.problem import Demand, Episode, WeekProblem
from solver.week.solution import WeekReason
from tests.solver.conftest import DETERMINISTIC, H, line_matrix, therapist, visit

LABELS = ("2026-12-07", "2026-12-08", "2026-12-09")
PT = frozenset({"PT"})
SPANISH = frozenset({"PT", "lang:es"})


def _clock() -> float:
    return 0.0


def _week(*episodes: Episode, day0_visits: tuple[object, ...] = ()) -> WeekProblem:
    travel = {"car": line_matrix(10)}
    staff = (
        therapist("t1", 0, skills=PT, max_work_s=8 * H),
        therapist("t2", 1, skills=SPANISH, max_work_s=8 * H),
    )
    days = tuple(
        Problem(travel, staff, day0_visits if d == 0 else (), day_label=label)  # type: ignore[arg-type]
        for d, label in enumerate(LABELS)
    )
    return WeekProblem(days, episodes)


def _episode(id: str, count: int, service_h: float = 0.5, **kwargs: object) -> Episode:
    fields: dict[str, object] = {
        "windows": ((), (), ()),
        "demands": (Demand(0, 2, count, "the three days"),),
        "required_skills": PT,
    }
    fields.update(kwargs)
    return Episode(id, 4, int(service_h * H), **fields)  # type: ignore[arg-type]


@pytest.fixture
def spaced() -> WeekProblem:
    """One episode of two visits a day apart, and one with a visit booked on day 0."""
    return _week(
        _episode("e1", 2, min_days_between=1),
        _episode("e2", 2, booked_days=(0,)),
    )


def test_visits_go_on_the_first_days_the_spacing_allows(spaced: WeekProblem) -> None:
    """e1 skips day 1 (too close to day 0); e2 starts after its booked day."""
    booking = book_first_days(spaced)
    assert booking.days == {"e1": [0, 2], "e2": [1, 2]}
    assert booking.unplaced == []


def test_a_full_day_sends_the_next_visit_to_the_next_day() -> None:
    """4 h + 20 min each: three fit in t1 and t2's 13.6 h, a fourth does not."""
    week = _week(*(_episode(f"e{n}", 1, service_h=4) for n in range(1, 5)))
    assert book_first_days(week).days == {"e1": [0], "e2": [0], "e3": [0], "e4": [1]}


def test_a_skill_has_room_only_in_what_its_therapists_offer() -> None:
    """A hand-booked Spanish visit of 4 h takes most of t2's 6.8 h on day 0: the Spanish
    episode goes to day 1, though the two PTs together still have room on day 0."""
    booked = visit("h1", 5, minutes=240, required_skills=SPANISH)
    week = _week(_episode("e1", 1, service_h=3, required_skills=SPANISH), day0_visits=(booked,))
    assert book_first_days(week).days == {"e1": [1]}


@pytest.mark.parametrize(
    ("episode", "reason"),
    [
        (_episode("e1", 4), WeekReason.FREQUENCY_INFEASIBLE),
        (_episode("e1", 3, min_days_between=1), WeekReason.FREQUENCY_INFEASIBLE),
        (_episode("e1", 1, required_skills=frozenset({"OT"})), WeekReason.NO_QUALIFIED_THERAPIST),
    ],
    ids=["more_than_days", "spacing", "no_skill"],
)
def test_a_visit_no_day_could_take_says_why(episode: Episode, reason: WeekReason) -> None:
    booking = book_first_days(_week(episode))
    assert {u.reason for u in booking.unplaced} == {reason}


def test_a_visit_without_room_on_its_days_is_week_capacity() -> None:
    """Day 0 only: three visits of 4 h 20 fill it, the fourth has no room."""
    monday = ((), None, None)
    week = _week(*(_episode(f"e{n}", 1, service_h=4, windows=monday) for n in range(1, 5)))
    booking = book_first_days(week)
    (unplaced,) = booking.unplaced
    assert (unplaced.episode_id, unplaced.reason) == ("e4", WeekReason.WEEK_CAPACITY)


def test_the_days_are_routed_as_booked_and_pass_the_week_checker(spaced: WeekProblem) -> None:
    solution = plan_booked_days(spaced, book_first_days(spaced), DETERMINISTIC, _clock)
    assert sorted((p.episode_id, p.day) for p in solution.placed) == [
        ("e1", 0),
        ("e1", 2),
        ("e2", 1),
        ("e2", 2),
    ]
    assert check_week(spaced, solution) == []


def test_a_visit_the_day_cannot_route_is_unplaced_with_the_days_reason() -> None:
    """e1's window on day 0 starts after every shift: the day leaves it out, and it leaves
    the day's unassigned visits to the hand-booked h1, which cannot go either."""
    late = (TimeWindow(20 * H, 21 * H),)
    hand_booked = visit("h1", 5, windows=late)
    week = _week(_episode("e1", 1, windows=(late, None, None)), day0_visits=(hand_booked,))
    solution = plan_booked_days(week, book_first_days(week), DETERMINISTIC, _clock)
    (unplaced,) = solution.unplaced
    assert (unplaced.episode_id, unplaced.demand, unplaced.reason) == (
        "e1",
        0,
        WeekReason.WEEK_CAPACITY,
    )
    assert "2026-12-07: the day solver left e1@2026-12-07 out" in unplaced.message
    assert [u.visit_id for u in solution.days[0].unassigned] == ["h1"]
    assert [v.id for v in solution.day_problems[0].visits] == ["h1"]
    assert check_week(week, solution) == []


def test_rows_and_ratios_read_from_the_figures(spaced: WeekProblem) -> None:
    """The same plan as both methods: every ratio is 1."""
    solution = plan_booked_days(spaced, book_first_days(spaced), DETERMINISTIC, _clock)
    kpis = week_kpis(spaced, solution)
    results = [WeekResult("line", 1, method, kpis, 0.5, []) for method in ("baseline", "ours")]
    assert format_result(results[0]).split()[:5] == ["line", "1", "baseline", "4", "4"]
    assert (
        format_ratios(results) == f"{'':<13} ours/baseline: travel 1.000, placed 1.000, cost 1.000"
    )
    assert format_ratios(results[:1]) is None
