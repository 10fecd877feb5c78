"""scheduler.travel.select: the clinic's provider from the settings, and a day planned on
the road network of Andorra (the real router: skipped without ``HOMEVISIT_TEST_OSRM_URL``).
Map data: (c) OpenStreetMap contributors, ODbL."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from scheduler.cli.main import main
from scheduler.config import Settings
from scheduler.errors import InvalidRequest, TravelServiceUnavailable
from scheduler.models import (
    MatrixCache,
    Patient,
    Plan,
    PlanStatus,
    Therapist,
    WeeklyAvailability,
)
from scheduler.planning import PlanOptions, create_plan, service
from scheduler.travel import GeodesicProvider
from scheduler.travel.cache import CachedProvider
from scheduler.travel.osrm import OsrmProvider
from scheduler.travel.select import travel_provider
from solver import Metaheuristic
from tests.scheduler.factories import DAY, add_clinic
from tests.scheduler.osrm_data import golden_table, router_url
from tests.scheduler.planning_factories import add_booking, clock, solve_here

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from scheduler.models import Clinic

ROUTER = "http://osrm.clinic.example:5000"
# Greedy descent stops at a local optimum by itself: the plan never depends on the clock.
FAST = PlanOptions(metaheuristic=Metaheuristic.NONE, time_limit_s=60)


@pytest.mark.parametrize(
    ("installation", "clinic_choice"),
    [("geodesic", None), ("osrm", "geodesic"), ("geodesic", "geodesic")],
)
def test_geodesic_uses_the_configured_figures(
    session: Session, installation: str, clinic_choice: str | None
) -> None:
    clinic = add_clinic(session)
    clinic.travel_provider = clinic_choice
    settings = Settings(
        travel_provider=installation,
        osrm_url=ROUTER,
        geodesic_detour_factor=1.7,
        geodesic_speeds_kmh=(("car", 45.0),),
    )
    provider = travel_provider(settings, session, clinic)
    assert isinstance(provider, GeodesicProvider)
    assert provider.detour_factor == 1.7
    assert provider.speeds_kmh["car"] == 45.0
    assert provider.speeds_kmh["bicycle"] == 15.0


@pytest.mark.parametrize(
    ("installation", "clinic_choice"), [("osrm", None), ("geodesic", "osrm"), ("osrm", "osrm")]
)
def test_osrm_is_cached_under_the_router_and_its_profiles(
    session: Session, installation: str, clinic_choice: str | None
) -> None:
    clinic = add_clinic(session)
    clinic.travel_provider = clinic_choice
    settings = Settings(
        travel_provider=installation,
        osrm_url=ROUTER,
        osrm_profiles=(("car", "driving"), ("bicycle", "cycling")),
        osrm_max_locations=250,
        osrm_timeout_s=5.0,
        osrm_max_snap_m=300.0,
    )
    provider = travel_provider(settings, session, clinic)
    assert isinstance(provider, CachedProvider)
    assert provider.provider_name == f"osrm:{ROUTER}|bicycle=cycling,car=driving"
    router = provider.inner
    assert isinstance(router, OsrmProvider)
    assert (router.base_url, router.max_locations, router.timeout_s, router.max_snap_m) == (
        ROUTER,
        250,
        5.0,
        300.0,
    )


def test_a_clinic_on_osrm_without_a_router_is_unavailable(session: Session) -> None:
    clinic = add_clinic(session)
    clinic.travel_provider = "osrm"
    with pytest.raises(TravelServiceUnavailable, match="HOMEVISIT_OSRM_URL is not set"):
        travel_provider(Settings(), session, clinic)


def test_an_unknown_provider_on_the_clinic_is_named(session: Session) -> None:
    clinic = add_clinic(session)
    clinic.travel_provider = "teleport"
    with pytest.raises(InvalidRequest) as raised:
        travel_provider(Settings(), session, clinic)
    [error] = raised.value.errors
    assert error.field == "travel_provider"
    assert "unknown travel provider 'teleport'" in error.message


# --- a day on the real router ----------------------------------------------------------------


@pytest.fixture
def _in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """Solve in this process: the worker's checked result without spawning a process."""
    monkeypatch.setattr(service, "solve_in_worker", solve_here)


def _andorra_day(session: Session, patients: int) -> Clinic:
    """A clinic on OSRM; t1 and t2 live at golden points 0 and 1, patient p<i> at point i+2
    with one 30-minute visit v<i> any time of t1's and t2's 08:00-16:00 shift."""
    clinic = add_clinic(session)
    clinic.travel_provider = "osrm"
    points = golden_table().points
    for key, (lat, lon) in (("t1", points[0]), ("t2", points[1])):
        therapist = Therapist(
            clinic=clinic,
            external_id=key,
            name=f"Therapist {key}",
            discipline="PT",
            skills=["PT"],
            home_lat=lat,
            home_lon=lon,
        )
        therapist.availability = [
            WeeklyAvailability(weekday=DAY.weekday(), start=clock("08:00"), end=clock("16:00"))
        ]
        session.add(therapist)
    for i, (lat, lon) in enumerate(points[2 : 2 + patients]):
        patient = Patient(
            clinic=clinic, external_id=f"p{i}", name=f"Patient {i}", address="-", lat=lat, lon=lon
        )
        session.add(patient)
        session.flush()
        add_booking(session, patient, f"v{i}", minutes=30)
    session.flush()
    return clinic


@pytest.mark.usefixtures("_in_process")
def test_a_day_planned_on_the_road_network_passes_the_checker(session: Session) -> None:
    """create_plan runs the independent checker: a draft has no violation. Each stop's travel
    is the golden table's duration from the previous place."""
    clinic = _andorra_day(session, patients=8)
    settings = Settings(osrm_url=router_url())
    plan = create_plan(
        session, clinic.id, DAY, FAST, provider=travel_provider(settings, session, clinic)
    )
    assert plan.status is PlanStatus.DRAFT
    assert (plan.error, plan.violations, plan.unassigned) == (None, [], [])
    golden = golden_table().durations_s
    homes = {"t1": 0, "t2": 1}
    for route in plan.routes:
        previous = homes[route.therapist.external_id]
        for stop in route.stops:
            place = int(stop.visit.patient.external_id[1:]) + 2
            assert stop.travel_s == golden[previous, place]
            previous = place
    assert sum(len(route.stops) for route in plan.routes) == 8
    cached = session.scalars(sa.select(MatrixCache.provider).distinct()).all()
    assert cached == [f"osrm:{router_url()}|car=driving"]


def test_a_patient_off_the_map_is_named_by_record(session: Session) -> None:
    clinic = _andorra_day(session, patients=3)
    far = session.scalars(sa.select(Patient).where(Patient.external_id == "p1")).one()
    far.lat, far.lon = 48.8566, 2.3522
    settings = Settings(osrm_url=router_url())
    with pytest.raises(InvalidRequest) as raised:
        create_plan(
            session, clinic.id, DAY, FAST, provider=travel_provider(settings, session, clinic)
        )
    assert raised.value.detail == "the day cannot be planned"
    [error] = raised.value.errors
    assert error.field == "patients.p1"
    assert error.message.startswith("patient p1 (Patient 1) at (48.856600, 2.352200) is ")


def test_the_plan_command_uses_the_clinics_router(
    capsys: pytest.CaptureFixture[str], migrated: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A patient in Paris plans fine on great-circle estimates; on the clinic's router (the
    installation's default stays geodesic) the command names them and stores nothing."""
    monkeypatch.setenv("HOMEVISIT_OSRM_URL", router_url())
    monkeypatch.delenv("HOMEVISIT_TRAVEL_PROVIDER", raising=False)
    with Session(migrated) as session:
        _andorra_day(session, patients=2)
        far = session.scalars(sa.select(Patient).where(Patient.external_id == "p1")).one()
        far.lat, far.lon = 48.8566, 2.3522
        session.commit()
    url = migrated.url.render_as_string(hide_password=False)
    code = main(["plan", "--date", DAY.isoformat(), "--database-url", url])
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert err.startswith("the day cannot be planned\n  patients.p1: patient p1 (Patient 1) at ")
    with Session(migrated) as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Plan)) == 0
