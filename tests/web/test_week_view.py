"""The week page's view model from records built in memory (no database, no browser): the
cells' hours, days off, a care plan picked out, the visits without a date, the figures."""

from __future__ import annotations

import datetime as dt

import pytest

from api.pages.week_view import week_grid, week_status, week_view
from scheduler.models import (
    CarePlan,
    Clinic,
    Patient,
    Plan,
    PlanRoute,
    PlanStatus,
    PlanStop,
    Therapist,
    Visit,
    WeekPlan,
    WeekPlanStatus,
)
from tests.scheduler.week_factories import MONDAY

HOUR_S = 3600
# A stop as (visit, start "HH:MM", service minutes, waiting seconds before it).
Stop = tuple[Visit, str, int, int]


def _therapist(key: str, cap_minutes: int | None = None) -> Therapist:
    return Therapist(external_id=key, name=f"Therapist {key}", max_week_minutes=cap_minutes)


def _visit(key: str, care_plan: CarePlan | None) -> Visit:
    return Visit(external_id=key, patient=Patient(name=f"Patient of {key}"), care_plan=care_plan)


def _route(therapist: Therapist, travel_s: int, stops: list[Stop]) -> PlanRoute:
    route = PlanRoute(therapist=therapist, travel_s=travel_s)
    for position, (visit, start, minutes, wait_s) in enumerate(stops):
        hours, mins = map(int, start.split(":"))
        start_s = hours * HOUR_S + mins * 60
        route.stops.append(
            PlanStop(
                visit=visit,
                position=position,
                arrival_s=start_s - wait_s,
                start_s=start_s,
                end_s=start_s + minutes * 60,
                travel_s=0,
                wait_s=wait_s,
            )
        )
    return route


def _week(days: dict[int, list[PlanRoute]], **fields: object) -> WeekPlan:
    """A week plan from MONDAY to Sunday with a draft day plan on each day of ``days`` (0 is
    Monday) holding its routes."""
    plans = [
        Plan(
            id=100 + day,
            date=MONDAY + dt.timedelta(days=day),
            version=1,
            status=PlanStatus.DRAFT,
            routes=routes,
        )
        for day, routes in days.items()
    ]
    return WeekPlan(
        id=7,
        clinic=Clinic(name="Clinica", timezone="Europe/Andorra"),
        first_date=MONDAY,
        last_date=MONDAY + dt.timedelta(days=6),
        status=fields.pop("status", WeekPlanStatus.DONE),
        plans=plans,
        unplaced=fields.pop("unplaced", []),
        kpis=fields.pop("kpis", {}),
        **fields,
    )


@pytest.fixture
def care_plans() -> dict[str, CarePlan]:
    """cp1 (three visits), cp2 (one), cp3 (none placed: only without a date)."""
    return {key: CarePlan(external_id=key) for key in ("cp1", "cp2", "cp3")}


@pytest.fixture
def week(care_plans: dict[str, CarePlan]) -> WeekPlan:
    """t1 sees cp1 on Monday and Wednesday (and a visit booked by hand on Monday) and is on
    shift without visits on Tuesday; t2 sees cp1 and cp2 on Wednesday only. Nobody works
    Thursday to Sunday (no day plan), and one cp3 visit got no date."""
    t1, t2 = _therapist("t1", cap_minutes=240), _therapist("t2")
    cp1, cp2 = care_plans["cp1"], care_plans["cp2"]
    return _week(
        {
            0: [
                _route(
                    t1,
                    1200,
                    [(_visit("a", cp1), "09:00", 45, 300), (_visit("hand", None), "10:30", 30, 0)],
                ),
            ],
            1: [_route(t1, 0, [])],
            2: [
                _route(t1, 600, [(_visit("b", cp1), "09:15", 45, 0)]),
                _route(
                    t2,
                    900,
                    [(_visit("c", cp1), "11:00", 60, 120), (_visit("d", cp2), "13:00", 30, 0)],
                ),
            ],
        },
        unplaced=[
            {
                "care_plan": "cp3",
                "span": "the week of 2026-11-30",
                "reason": "NO_QUALIFIED_THERAPIST",
                "message": "no therapist on shift on an allowed day has the skills SLP",
            }
        ],
    )


def test_a_cell_s_hours_are_its_service_travel_and_waiting(week: WeekPlan) -> None:
    """Monday of t1: 45 + 30 min of visits, 20 min of travel, 5 min of waiting = 1 h 40;
    the row adds Wednesday's 45 + 10 min."""
    grid = week_grid(week)
    assert [row.therapist_key for row in grid.rows] == ["t1", "t2"]
    monday = grid.rows[0].cells[0]
    assert (monday.service_s, monday.travel_s, monday.wait_s) == (75 * 60, 1200, 300)
    assert monday.worked_s == 100 * 60
    assert monday.breakdown == "visits 1 h 15 min, travel 20 min, waiting 5 min"
    assert [(v.start, v.patient, v.care_plan) for v in monday.visits] == [
        ("09:00", "Patient of a", "cp1"),
        ("10:30", "Patient of hand", None),
    ]
    assert grid.rows[0].total_s == 100 * 60 + 55 * 60
    assert grid.rows[1].total_s == (60 + 30) * 60 + 900 + 120


def test_a_day_off_is_an_empty_cell_and_a_day_without_visits_is_not(week: WeekPlan) -> None:
    """t2 has no route Monday (off); t1's Tuesday route has no stops (on shift, 0 h);
    Thursday to Sunday have no day plan, so nobody works and no roster is linked."""
    grid = week_grid(week)
    t1, t2 = grid.rows
    assert t2.cells[0].off
    assert t2.cells[0].visits == ()
    assert t2.cells[0].worked_s == 0
    assert not t1.cells[1].off
    assert t1.cells[1].visits == ()
    assert t1.cells[1].worked_s == 0
    assert all(row.cells[d].off for row in grid.rows for d in range(3, 7))
    assert [day.plan_id for day in grid.days] == [100, 101, 102, None, None, None, None]
    assert [day.date.weekday() for day in grid.days] == list(range(7))


def test_a_care_plan_s_visits_are_picked_out_across_the_week(week: WeekPlan) -> None:
    """cp1: its three visits over two days and two therapists, and nothing else; cp3 is
    offered though only its visit without a date shows it."""
    view = week_view(week, "cp1")
    picked = [
        (row.therapist_key, cell.date.weekday(), visit.visit_key)
        for row in view.grid.rows
        for cell in row.cells
        for visit in cell.visits
        if visit.highlighted
    ]
    assert picked == [("t1", 0, "a"), ("t1", 2, "b"), ("t2", 2, "c")]
    highlighted_cells = [
        (row.therapist_key, cell.date.weekday())
        for row in view.grid.rows
        for cell in row.cells
        if cell.highlighted
    ]
    assert highlighted_cells == [("t1", 0), ("t1", 2), ("t2", 2)]
    assert view.care_plans == ["cp1", "cp2", "cp3"]
    assert view.highlight == "Care plan cp1: 3 visits highlighted."
    assert not any(row.highlighted for row in view.unplaced)
    cp3 = week_view(week, "cp3")
    assert not any(visit.highlighted for visit in cp3.grid.visits())
    assert [row.highlighted for row in cp3.unplaced] == [True]
    assert cp3.highlight == "Care plan cp3: 0 visits highlighted, 1 without a date."
    assert week_view(week, "cp9").highlight == "Care plan cp9: no visit in this week plan."
    assert week_view(week).highlight == ""
    assert not any(visit.highlighted for visit in week_view(week).grid.visits())


def test_the_visits_without_a_date_are_listed_with_reason_and_message(week: WeekPlan) -> None:
    (row,) = week_view(week).unplaced
    assert (row.care_plan, row.span, row.reason) == (
        "cp3",
        "the week of 2026-11-30",
        "NO_QUALIFIED_THERAPIST",
    )
    assert row.message == "no therapist on shift on an allowed day has the skills SLP"


def test_a_weekly_cap_is_shown_and_a_week_above_it_flagged(week: WeekPlan) -> None:
    """t1 works 2 h 35 min against a cap of 4 h; with a cap of 2 h it is over."""
    t1, t2 = week_grid(week).rows
    assert (t1.cap_s, t1.over_cap) == (4 * HOUR_S, False)
    assert (t2.cap_s, t2.over_cap) == (None, False)
    week.plans[0].routes[0].therapist.max_week_minutes = 120
    assert week_grid(week).rows[0].over_cap


def test_the_figures_are_the_stored_kpis(week: WeekPlan) -> None:
    week.kpis = {
        "visits_ordered": 6,
        "visits_placed": 5,
        "episodes_served": 2,
        "single_therapist_episodes": 1,
        "single_therapist_share": 0.5,
        "primary_visits": 4,
        "primary_hits": 3,
        "primary_share": 0.75,
        "work_min_s": 3600,
        "work_mean_s": 5400.0,
        "work_max_s": 7200,
        "balanced_share": 0.0,
        "travel_s": 5400,
    }
    assert dict(week_view(week).figures) == {
        "Care-plan visits placed": "5 of 6",
        "Episodes with one therapist": "1 of 2 (50 %)",
        "Visits by the primary (days they work)": "3 of 4 (75 %)",
        "Travel": "1 h 30 min",
        "Least work per therapist": "1 h 00 min",
        "Mean work per therapist": "1 h 30 min",
        "Most work per therapist": "2 h 00 min",
        "Therapists within 15 % of the mean": "0 %",
    }


def test_figures_the_stored_kpis_lack_are_counted_from_the_day_plans(week: WeekPlan) -> None:
    """Travel and work per therapist from the routes: t1 2 h 35 min, t2 1 h 47 min."""
    week.kpis = {"visits_ordered": 5, "visits_placed": 4}
    figures = dict(week_view(week).figures)
    assert figures == {
        "Care-plan visits placed": "4 of 5",
        "Travel": "45 min",
        "Least work per therapist": "1 h 47 min",
        "Mean work per therapist": "2 h 11 min",
        "Most work per therapist": "2 h 35 min",
    }
    week.kpis = None
    assert week_view(week).figures == []


@pytest.mark.parametrize(
    ("status", "fields", "text"),
    [
        (
            WeekPlanStatus.SOLVING,
            {"progress": {"elapsed_s": 12.4, "time_limit_s": 60.0, "attempt": 1}},
            "Solving: 12 s of at most 60 s.",
        ),
        (
            WeekPlanStatus.SOLVING,
            {"progress": {"elapsed_s": 3.0, "time_limit_s": 60.0, "attempt": 2}},
            "Solving: 3 s of at most 60 s (attempt 2).",
        ),
        (WeekPlanStatus.SOLVING, {}, "Solving: waiting for the solver to start."),
        (WeekPlanStatus.FAILED, {"error": "the solver process failed"}, "Failed: the solver"),
        (WeekPlanStatus.CANCELLED, {}, "Cancelled while solving. Nothing booked."),
        (WeekPlanStatus.DONE, {}, "Done: 3 day plans."),
    ],
)
def test_the_status_says_where_the_week_is(
    week: WeekPlan, status: WeekPlanStatus, fields: dict[str, object], text: str
) -> None:
    week.status = status
    for name, value in fields.items():
        setattr(week, name, value)
    shown = week_status(week)
    assert shown.value == status.value
    assert shown.text.startswith(text)
    if week.progress:
        assert (shown.elapsed_s, shown.time_limit_s) == (
            week.progress["elapsed_s"],
            week.progress["time_limit_s"],
        )
