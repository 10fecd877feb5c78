"""The generated clinic week of the week benchmark: its size, its determinism, and that
every episode can be served as it asks."""

from __future__ import annotations

import datetime
import itertools
from collections import Counter
from typing import TYPE_CHECKING

import pytest

from benchmarks.week_clinic import FULL_TIME_CAP_S, generate_week
from benchmarks.week_load import earliest_days, spaced_days, week_figures
from scheduler.day_json.towns import TOWNS

if TYPE_CHECKING:
    from solver.week.problem import Episode, WeekProblem

H = 3600


@pytest.fixture(scope="module")
def leeds() -> WeekProblem:
    """The benchmark's default week: Leeds, seed 1, 25 therapists, 120 care plans."""
    return generate_week("leeds", 1)


@pytest.fixture(scope="module", params=sorted(TOWNS))
def any_town(request: pytest.FixtureRequest) -> WeekProblem:
    """Seed 2 in each town: a valley, a coast and a rural district besides the city."""
    return generate_week(request.param, 2)


def _fingerprint(week: WeekProblem) -> tuple[object, ...]:
    """Everything a week holds, comparable with ``==``."""
    durations = week.days[0].travel["car"].durations_s
    return (
        week.episodes,
        week.caps,
        tuple((d.day_label, d.therapists, d.visits) for d in week.days),
        durations.tobytes(),
    )


def test_the_week_is_a_clinics_monday_to_friday(leeds: WeekProblem) -> None:
    labels = [day.day_label for day in leeds.days]
    assert labels == ["2026-11-30", "2026-12-01", "2026-12-02", "2026-12-03", "2026-12-04"]
    figures = week_figures(leeds)
    assert (figures.therapists, figures.episodes) == (25, 120)
    assert 260 <= figures.visits_ordered <= 340
    assert all(5 <= len(day.visits) <= 12 for day in leeds.days)


def test_one_in_five_therapists_is_part_time_with_a_cap_pro_rata(leeds: WeekProblem) -> None:
    days_on = Counter(t.id for day in leeds.days for t in day.therapists)
    assert sorted(Counter(days_on.values()).items())[-1] == (5, 20)
    assert all(days in (3, 4, 5) for days in days_on.values())
    caps = {cap.therapist_id: cap.max_work_s for cap in leeds.caps}
    assert all(caps[t] == FULL_TIME_CAP_S * days // 5 for t, days in days_on.items())
    assert caps[next(t for t, days in days_on.items() if days == 5)] == 37 * H + 1800


def test_disciplines_are_half_pt_and_a_fifth_slp(leeds: WeekProblem) -> None:
    skills = {t.id: t.skills for day in leeds.days for t in day.therapists}
    counts = Counter(d for s in skills.values() for d in s & {"PT", "OT", "SLP"})
    assert counts == {"PT": 12, "OT": 8, "SLP": 5}


def test_one_matrix_holds_homes_then_patients(leeds: WeekProblem) -> None:
    """Every day shares one travel dict; homes are 0-24, the episodes' patients next."""
    travel = leeds.days[0].travel
    assert all(day.travel is travel for day in leeds.days)
    homes = {t.start_location for day in leeds.days for t in day.therapists}
    assert homes == set(range(25))
    assert [e.location for e in leeds.episodes] == list(range(25, 145))
    one_offs = [v for day in leeds.days for v in day.visits if v.location >= 145]
    assert travel["car"].size == 145 + len(one_offs)


def test_same_seed_same_week_other_seed_another() -> None:
    first = _fingerprint(generate_week("andorra", 7))
    assert _fingerprint(generate_week("andorra", 7)) == first
    assert _fingerprint(generate_week("andorra", 8)) != first


def test_windows_leave_the_visit_inside_its_hours(leeds: WeekProblem) -> None:
    """Any time, or the whole visit within 08:30-12:00 or 13:00-16:00."""
    kinds = Counter[str]()
    for episode in leeds.episodes:
        windows = next(w for w in episode.windows if w is not None)
        if not windows:
            kinds["any"] += 1
            continue
        (window,) = windows
        end_s = window.end_s + episode.service_s
        assert (window.start_s, end_s) in ((8 * H + 1800, 12 * H), (13 * H, 16 * H))
        kinds["morning" if window.start_s < 12 * H else "afternoon"] += 1
    assert 40 <= kinds["any"] <= 80


def _is_spaced(days: tuple[int, ...], episode: Episode) -> bool:
    taken = [*days, *episode.booked_days]
    return all(abs(a - b) > episode.min_days_between for a, b in itertools.combinations(taken, 2))


def test_every_demand_fits_its_allowed_days_with_the_spacing(any_town: WeekProblem) -> None:
    """Checked by trying every set of days, not with the generator's own rule."""
    for episode in any_town.episodes:
        (demand,) = episode.demands
        assert (demand.first_day, demand.last_day, demand.count >= 1) == (0, 4, True)
        free = [d for d in episode.allowed_days() if d not in episode.booked_days]
        options = itertools.combinations(free, demand.count)
        assert any(_is_spaced(days, episode) for days in options), episode.id


def test_every_episode_has_a_qualified_primary_on_an_allowed_day(any_town: WeekProblem) -> None:
    for episode in any_town.episodes:
        primary = episode.primary_therapist
        assert primary is not None
        assert primary not in episode.excluded_therapists | episode.preferred_therapists
        on_allowed_days = [
            t
            for d in episode.allowed_days()
            for t in any_town.days[d].therapists
            if t.id == primary
        ]
        assert on_allowed_days, f"{episode.id}: {primary} works none of its days"
        assert episode.required_skills <= on_allowed_days[0].skills


def test_hand_booked_visits_of_episodes_are_in_their_booked_days(leeds: WeekProblem) -> None:
    """An episode with a visit booked ahead has it on that day, at its patient's home."""
    ahead = [(e, d) for e in leeds.episodes for d in e.booked_days]
    assert ahead
    for episode, day in ahead:
        booked = [v for v in leeds.days[day].visits if v.location == episode.location]
        assert len(booked) == 1
        assert episode.primary_therapist in booked[0].preferred_therapists


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"town": "york"}, "town must be one of"),
        ({"first_date": datetime.date(2026, 12, 1)}, "must be a Monday, not a Tuesday"),
    ],
)
def test_bad_arguments_are_refused(kwargs: dict[str, object], message: str) -> None:
    arguments: dict[str, object] = {"town": "leeds", "seed": 1, **kwargs}
    with pytest.raises(ValueError, match=message):
        generate_week(**arguments)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("days", "booked", "gap", "spaced"),
    [
        ((0, 1, 2, 3, 4), (), 1, [0, 2, 4]),
        ((0, 1, 2, 3, 4), (), 2, [0, 3]),
        ((1, 2, 3, 4), (), 1, [1, 3]),
        ((0, 1, 2, 3, 4), (2,), 1, [0, 4]),
        ((0, 1, 2, 3, 4), (-1,), 0, [0, 1, 2, 3, 4]),
        ((0, 1, 2, 3, 4), (-1,), 1, [1, 3]),
    ],
)
def test_spaced_days_take_each_day_as_early_as_allowed(
    days: tuple[int, ...], booked: tuple[int, ...], gap: int, spaced: list[int]
) -> None:
    assert spaced_days(days, booked, gap) == spaced
    assert earliest_days(days, booked, gap, len(spaced)) == spaced
    assert earliest_days(days, booked, gap, len(spaced) + 1) is None


def test_booked_share_counts_ordered_and_hand_booked_visits(leeds: WeekProblem) -> None:
    """Visits at 30-60 min + a 20-minute drive, over 20 x 37.5 h and five part-timers."""
    assert 0.3 < week_figures(leeds).booked_share < 0.6
