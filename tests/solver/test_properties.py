"""Random small days: every plan passes the checker and accounts for every visit once."""

from __future__ import annotations

from collections import Counter

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solver import (
    BreakRule,
    Metaheuristic,
    Params,
    Priority,
    Problem,
    Therapist,
    TimeWindow,
    TravelMatrix,
    Visit,
    solve,
)
from solver.check import check_solution

H = 3600
SKILLS = ("PT", "OT", "SLP")


@st.composite
def travel(draw: st.DrawFn, size: int) -> TravelMatrix:
    """Random points on a 20 km square; asymmetric rounding keeps the matrix realistic."""
    points = np.array(
        draw(
            st.lists(
                st.tuples(st.integers(0, 20_000), st.integers(0, 20_000)),
                min_size=size,
                max_size=size,
            )
        )
    )
    metres = np.rint(np.hypot(*(points[:, None, :] - points[None, :, :]).transpose(2, 0, 1)))
    return TravelMatrix((metres / 8).astype(np.int64), metres.astype(np.int64))


@st.composite
def therapists(draw: st.DrawFn, locations: int) -> tuple[Therapist, ...]:
    count = draw(st.integers(1, 3))
    result = []
    for i in range(count):
        start_h = draw(st.sampled_from([8, 8, 12]))
        end_h = start_h + draw(st.sampled_from([4, 8]))
        lunch = BreakRule(11 * H + 1800, 14 * H, 1800) if end_h - start_h == 8 else None
        result.append(
            Therapist(
                f"t{i}",
                draw(st.integers(0, locations - 1)),
                draw(st.integers(0, locations - 1)),
                start_h * H,
                end_h * H,
                frozenset(draw(st.sets(st.sampled_from(SKILLS), min_size=1))),
                max_visits=draw(st.sampled_from([None, 2, 4])),
                max_work_s=draw(st.sampled_from([None, 5 * H])),
                break_rule=draw(st.sampled_from([lunch, None])),
                overtime_max_s=draw(st.sampled_from([0, 1800])),
            )
        )
    return tuple(result)


@st.composite
def windows(draw: st.DrawFn) -> tuple[TimeWindow, ...]:
    count = draw(st.integers(0, 2))
    starts = sorted(draw(st.lists(st.integers(7 * 4, 17 * 4), min_size=count, max_size=count)))
    spans = draw(st.lists(st.integers(0, 12), min_size=count, max_size=count))
    merged: list[TimeWindow] = []
    for start, span in zip(starts, spans, strict=True):
        window = TimeWindow(start * 900, (start + span) * 900)
        if merged and window.start_s <= merged[-1].end_s:
            merged[-1] = TimeWindow(merged[-1].start_s, max(merged[-1].end_s, window.end_s))
        else:
            merged.append(window)
    return tuple(merged)


@st.composite
def problems(draw: st.DrawFn) -> Problem:
    size = draw(st.integers(2, 9))
    staff = draw(therapists(size))
    ids = [t.id for t in staff] + ["absent"]
    visits = tuple(
        Visit(
            f"v{i}",
            draw(st.integers(0, size - 1)),
            draw(st.sampled_from([30, 45, 60])) * 60,
            draw(windows()),
            frozenset(draw(st.sets(st.sampled_from(SKILLS), max_size=1))),
            draw(st.sampled_from(list(Priority))),
            excluded_therapists=frozenset(draw(st.sets(st.sampled_from(ids), max_size=1))),
            preferred_therapists=frozenset(draw(st.sets(st.sampled_from(ids), max_size=1))),
            pinned_therapist=draw(st.sampled_from([None, None, None, *ids])),
        )
        for i in range(draw(st.integers(0, 6)))
    )
    return Problem({"car": draw(travel(size))}, staff, visits)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_every_plan_passes_the_checker(problem: Problem) -> None:
    solution = solve(problem, Params(time_limit_s=60, metaheuristic=Metaheuristic.NONE))
    assert check_solution(problem, solution) == []
    seen = Counter(s.visit_id for r in solution.routes for s in r.stops)
    seen.update(u.visit_id for u in solution.unassigned)
    assert seen == Counter(v.id for v in problem.visits)
