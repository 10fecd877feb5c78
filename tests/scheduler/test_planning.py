"""The planning services on SQLite and PostgreSQL: create, publish, compare, get and list."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from typing import TYPE_CHECKING

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from scheduler.errors import Conflict, InvalidRequest, NotFound
from scheduler.models import (
    Plan,
    PlanStatus,
    Visit,
    VisitStatus,
)
from scheduler.planning import (
    PlanOptions,
    compare_plans,
    create_plan,
    get_plan,
    list_plans,
    publish_plan,
    queries,
    service,
)
from solver import Metaheuristic, Route, Solution, SolveStatus, Stop
from tests.scheduler.factories import DAY, add_clinic
from tests.scheduler.fixture_geocoder import FixtureGeocoder
from tests.scheduler.planning_factories import (
    add_booking,
    add_home,
    add_routed_plan,
    add_small_day,
    add_staff,
    solve_here,
)

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from solver import Params, Problem

H = 3600
# Greedy descent stops at a local optimum by itself: the plan never depends on the clock.
FAST = PlanOptions(metaheuristic=Metaheuristic.NONE, time_limit_s=60)
TUESDAY = DAY + dt.timedelta(days=1)


@pytest.fixture
def _in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """Solve in this process: the worker's checked result without spawning a process."""
    monkeypatch.setattr(service, "solve_in_worker", solve_here)


def _placements(plan: Plan) -> Counter[str]:
    """How often each visit appears on a route or as unassigned."""
    routed = [stop.visit.external_id for route in plan.routes for stop in route.stops]
    return Counter(routed + [item.visit.external_id for item in plan.unassigned])


# --- creating a plan -------------------------------------------------------------------------


def test_create_plan_solves_in_a_worker_and_stores_a_draft(session: Session) -> None:
    """Every booked visit is on a route or unassigned, exactly once (the real worker)."""
    day = add_small_day(session)
    ticks: list[float] = []
    plan = create_plan(session, day.clinic.id, DAY, FAST, on_tick=lambda s, _: ticks.append(s))
    plan = get_plan(session, day.clinic.id, plan.id)
    assert plan.status is PlanStatus.DRAFT
    assert (plan.version, plan.error, plan.violations) == (1, None, [])
    assert _placements(plan) == Counter({"v1": 1, "v2": 1, "v3": 1, "v4": 1})
    assert [(u.visit.external_id, u.reason) for u in plan.unassigned] == [
        ("v4", "NO_QUALIFIED_THERAPIST")
    ]
    assert sorted(route.therapist.external_id for route in plan.routes) == ["t1", "t2"]
    v3_route = next(r for r in plan.routes if any(s.visit.external_id == "v3" for s in r.stops))
    assert v3_route.therapist.external_id == "t2"
    assert plan.kpis is not None
    assert (plan.kpis["visits_total"], plan.kpis["visits_planned"]) == (4, 3)
    assert plan.solver_stats is not None
    assert plan.solver_stats["solutions_found"] >= 1
    assert plan.parameters["metaheuristic"] == "none"
    assert plan.parameters["time_limit_s"] == 60


@pytest.mark.usefixtures("_in_process")
def test_each_plan_of_a_day_is_a_new_version(session: Session) -> None:
    day = add_small_day(session)
    first = create_plan(session, day.clinic.id, DAY, FAST)
    second = create_plan(session, day.clinic.id, DAY, FAST)
    assert (first.version, second.version) == (1, 2)
    assert [p.id for p in list_plans(session, day.clinic.id, DAY)] == [first.id, second.id]
    assert list_plans(session, day.clinic.id, TUESDAY) == []


@pytest.mark.usefixtures("_in_process")
def test_a_day_without_therapists_leaves_every_visit_unassigned(session: Session) -> None:
    clinic = add_clinic(session)
    add_booking(session, add_home(session, clinic, "p1", 1.0), "v1")
    plan = create_plan(session, clinic.id, DAY, FAST)
    assert plan.status is PlanStatus.DRAFT
    assert [u.reason for u in plan.unassigned] == ["NO_QUALIFIED_THERAPIST"]


@pytest.mark.usefixtures("_in_process")
def test_a_day_without_visits_is_an_empty_draft(session: Session) -> None:
    clinic = add_clinic(session)
    add_staff(session, clinic, "t1")
    plan = create_plan(session, clinic.id, DAY, FAST)
    assert plan.status is PlanStatus.DRAFT
    assert [(len(route.stops), route.start_s) for route in plan.routes] == [(0, None)]
    assert plan.kpis is not None
    assert plan.kpis["visits_total"] == 0


def test_invalid_options_are_refused_before_anything_is_stored(session: Session) -> None:
    clinic = add_clinic(session)
    options = PlanOptions(time_limit_s=0, workers=0, seed=-1)
    with pytest.raises(InvalidRequest) as raised:
        create_plan(session, clinic.id, DAY, options)
    assert [error.field for error in raised.value.errors] == ["time_limit_s", "workers", "seed"]
    assert list_plans(session, clinic.id) == []


def test_a_plan_the_checker_rejects_is_stored_as_failed(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The solve claims v1 at 07:00, before its window and the shift, and forgets v2..v4."""

    def broken(problem: Problem, params: Params, on_tick: object) -> Solution:
        del problem, params, on_tick
        stop = Stop("v1", 7 * H, 7 * H, 7 * H + 2700, 0, 0, 0)
        route = Route("t1", (stop,), 7 * H, 8 * H, travel_s=0, work_s=H)
        return Solution(SolveStatus.COMPLETE, routes=(route,))

    monkeypatch.setattr(service, "solve_in_worker", broken)
    day = add_small_day(session)
    plan = create_plan(session, day.clinic.id, DAY, FAST)
    assert plan.status is PlanStatus.FAILED
    assert plan.error is not None
    assert plan.error.startswith("the plan checker found")
    kinds = {violation["kind"] for violation in plan.violations}
    assert {"window", "shift", "missing_visit"} <= kinds
    assert "visit v1 starts at 07:00:00 on t1's route, outside its window 09:00-11:00" in plan.error
    assert (plan.routes, plan.unassigned) == ([], [])
    with pytest.raises(Conflict, match="is failed; only a draft can be published"):
        publish_plan(session, plan.clinic_id, plan.id)


def test_a_failed_search_is_stored_as_failed(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    def nothing(problem: Problem, params: Params, on_tick: object) -> Solution:
        del problem, params, on_tick
        return Solution(SolveStatus.FAILED, error="the search found no plan within the time limit")

    monkeypatch.setattr(service, "solve_in_worker", nothing)
    day = add_small_day(session)
    plan = create_plan(session, day.clinic.id, DAY, FAST)
    assert (plan.status, plan.error) == (
        PlanStatus.FAILED,
        "the search found no plan within the time limit",
    )


def test_an_unknown_clinic_is_not_found(session: Session) -> None:
    with pytest.raises(NotFound, match="clinic 999999 not found"):
        create_plan(session, 999_999, DAY, FAST)
    with pytest.raises(NotFound):
        list_plans(session, 999_999)


def test_another_clinics_plan_is_not_found(session: Session) -> None:
    day = add_small_day(session)
    plan = add_routed_plan(session, day.clinic, {})
    other = add_clinic(session, "Other")
    assert get_plan(session, day.clinic.id, plan.id) is plan
    with pytest.raises(NotFound, match=f"plan {plan.id} not found"):
        get_plan(session, other.id, plan.id)
    with pytest.raises(NotFound):
        get_plan(session, day.clinic.id, 999_999)


# --- publishing --------------------------------------------------------------------------------


def test_publishing_supersedes_the_previous_plan_and_marks_visits(session: Session) -> None:
    day = add_small_day(session)
    t1, v = day.therapists["t1"], day.visits
    first = add_routed_plan(
        session, day.clinic, {t1: [(v["v1"], 9 * H), (v["v2"], 10 * H)]}, (v["v3"],)
    )
    second = add_routed_plan(
        session, day.clinic, {t1: [(v["v1"], 9 * H), (v["v3"], 13 * H)]}, (v["v2"],)
    )
    publish_plan(session, first.clinic_id, first.id)
    assert (v["v1"].status, v["v2"].status, v["v3"].status) == (
        VisitStatus.PLANNED,
        VisitStatus.PLANNED,
        VisitStatus.BOOKED,
    )
    published = publish_plan(session, second.clinic_id, second.id)
    assert published.status is PlanStatus.PUBLISHED
    assert get_plan(session, first.clinic_id, first.id).status is PlanStatus.SUPERSEDED
    statuses = {visit.external_id: visit.status for visit in session.scalars(sa.select(Visit))}
    assert statuses["v1"] is VisitStatus.PLANNED
    assert statuses["v2"] is VisitStatus.BOOKED  # left out of the new plan
    assert statuses["v3"] is VisitStatus.PLANNED
    assert statuses["v5"] is VisitStatus.CANCELLED


@pytest.mark.parametrize(
    "status", [PlanStatus.PUBLISHED, PlanStatus.SUPERSEDED, PlanStatus.FAILED, PlanStatus.SOLVING]
)
def test_only_a_draft_can_be_published(session: Session, status: PlanStatus) -> None:
    day = add_small_day(session)
    plan = add_routed_plan(session, day.clinic, {}, status=status)
    with pytest.raises(Conflict, match=f"plan {plan.id} is {status.value}; only a draft"):
        publish_plan(session, plan.clinic_id, plan.id)
    with pytest.raises(NotFound):
        publish_plan(session, day.clinic.id, 999_999)


def _publish_in_thread(
    engine: Engine, clinic_id: int, plan_id: int, outcomes: dict[int, str]
) -> None:
    with Session(engine) as session:
        try:
            publish_plan(session, clinic_id, plan_id)
        except Conflict as error:
            outcomes[plan_id] = f"{type(error.__cause__).__name__}: {error}"
        else:
            outcomes[plan_id] = "published"


def test_two_publishes_of_the_same_day_at_once_one_wins(
    migrated: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both transactions read the day before either writes; the second writer loses."""
    with Session(migrated) as session:
        day = add_small_day(session)
        t1, t2, v = day.therapists["t1"], day.therapists["t2"], day.visits
        old = add_routed_plan(
            session, day.clinic, {t1: [(v["v1"], 9 * H)]}, status=PlanStatus.PUBLISHED
        )
        a = add_routed_plan(session, day.clinic, {t1: [(v["v1"], 9 * H)]}, (v["v2"],))
        b = add_routed_plan(session, day.clinic, {t2: [(v["v2"], 9 * H)]}, (v["v1"],))
        session.commit()
        ids = (old.id, a.id, b.id)
        clinic_id = day.clinic.id
    barrier = threading.Barrier(2, timeout=20)
    read_published = queries.published_plan

    def read_then_wait(session: Session, clinic_id: int, date: dt.date) -> Plan | None:
        found = read_published(session, clinic_id, date)
        barrier.wait()
        return found

    monkeypatch.setattr(service, "published_plan", read_then_wait)
    outcomes: dict[int, str] = {}
    threads = [
        threading.Thread(target=_publish_in_thread, args=(migrated, clinic_id, plan_id, outcomes))
        for plan_id in ids[1:]
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(outcomes) == 2
    winner = next(plan_id for plan_id, outcome in outcomes.items() if outcome == "published")
    loser = a.id if winner == b.id else b.id
    # PostgreSQL refuses through the unique index of published plans, SQLite its write lock.
    cause, message = outcomes[loser].split(": ", 1)
    assert cause in {"IntegrityError", "OperationalError"}
    assert message == f"another plan of the same day was published at the same time as plan {loser}"
    with Session(migrated) as session:
        statuses = dict(session.execute(sa.select(Plan.id, Plan.status)).all())
        visits = dict(session.execute(sa.select(Visit.external_id, Visit.status)).all())
    assert statuses == {
        ids[0]: PlanStatus.SUPERSEDED,
        winner: PlanStatus.PUBLISHED,
        loser: PlanStatus.DRAFT,
    }
    routed = "v1" if winner == a.id else "v2"
    assert [key for key, status in visits.items() if status is VisitStatus.PLANNED] == [routed]


# --- comparing ------------------------------------------------------------------------------------


def test_compare_finds_moved_shifted_dropped_and_added_visits(session: Session) -> None:
    day = add_small_day(session)
    t1, t2, v = day.therapists["t1"], day.therapists["t2"], day.visits
    before = add_routed_plan(
        session,
        day.clinic,
        {t1: [(v["v1"], 9 * H), (v["v2"], 10 * H)], t2: [(v["v3"], 13 * H)]},
        (v["v4"],),
    )
    after = add_routed_plan(
        session,
        day.clinic,
        {t1: [(v["v1"], 9 * H + 600)], t2: [(v["v2"], 11 * H), (v["v4"], 14 * H)]},
        (v["v3"],),
    )
    before.kpis, after.kpis = (
        {"travel_s": 1000, "utilisation": 0.5},
        {"travel_s": 800, "utilisation": 0.625},
    )
    session.flush()
    comparison = compare_plans(session, before.clinic_id, before.id, after.id, shift_minutes=15)
    assert [
        (c.visit_key, c.before and c.before.therapist_key, c.after and c.after.therapist_key)
        for c in comparison.moved
    ] == [("v2", "t1", "t2")]
    assert [(c.visit_key, c.shift_s) for c in comparison.shifted] == [("v2", 3600)]  # v1: 10 min
    assert [c.visit_key for c in comparison.dropped] == ["v3"]
    assert [c.visit_key for c in comparison.added] == ["v4"]
    assert comparison.kpi_deltas == {"travel_s": -200, "utilisation": 0.125}
    assert [
        c.visit_key
        for c in compare_plans(session, before.clinic_id, before.id, after.id, 5).shifted
    ] == [
        "v1",
        "v2",
    ]


def test_only_plans_of_one_clinic_and_date_compare(session: Session) -> None:
    day = add_small_day(session)
    plan = add_routed_plan(session, day.clinic, {})
    other_day = add_routed_plan(session, day.clinic, {})
    other_day.date = TUESDAY
    foreign = add_routed_plan(session, add_clinic(session, "Other"), {})
    with pytest.raises(InvalidRequest, match="only plans of the same clinic and date compare"):
        compare_plans(session, plan.clinic_id, plan.id, other_day.id)
    with pytest.raises(NotFound):
        compare_plans(session, plan.clinic_id, plan.id, foreign.id)


@pytest.mark.usefixtures("_in_process")
def test_patients_without_coordinates_are_geocoded_when_planning(session: Session) -> None:
    """Only the patient lacking coordinates is looked up; the plan then covers the day."""
    day = add_small_day(session)
    patient = day.visits["v1"].patient
    patient.lat = patient.lon = None
    patient.address = "Carrer Major 1, Andorra la Vella"
    session.flush()
    geocoder = FixtureGeocoder({patient.address: (42.5063, 1.5218)})
    plan = create_plan(session, day.clinic.id, DAY, FAST, geocoder=geocoder)
    assert geocoder.queries == [patient.address]
    located = session.get(type(patient), patient.id)
    assert located is not None
    assert (located.lat, located.lon) == (42.5063, 1.5218)
    assert plan.status is PlanStatus.DRAFT


def test_a_failed_lookup_names_the_patient_and_plans_nothing(session: Session) -> None:
    day = add_small_day(session)
    for key in ("v1", "v2"):
        patient = day.visits[key].patient
        patient.lat = patient.lon = None
        patient.address = f"Nowhere {key}"
    session.flush()
    with pytest.raises(InvalidRequest) as raised:
        create_plan(session, day.clinic.id, DAY, FAST, geocoder=FixtureGeocoder({}))
    messages = " ".join(error.message for error in raised.value.errors)
    assert "'p1'" in messages
    assert "'p2'" in messages
    assert session.scalar(sa.select(sa.func.count(Plan.id))) == 0
