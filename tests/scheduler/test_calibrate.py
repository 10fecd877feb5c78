"""scheduler.travel.calibrate: geodesic figures fitted to road travel, on the golden Andorra
table and through ``homevisit travel calibrate`` (the real router, when configured).
Map data: (c) OpenStreetMap contributors, ODbL."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import pytest
from sqlalchemy.orm import Session

from scheduler.cli.main import main
from scheduler.errors import InvalidRequest
from scheduler.models import Patient, Therapist
from scheduler.travel import GeodesicProvider
from scheduler.travel.calibrate import calibrate, fit, format_calibration, travel_errors
from scheduler.travel.osrm import OsrmProvider
from tests.scheduler.factories import add_clinic
from tests.scheduler.osrm_data import golden_table, router_url

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine


def test_calibration_lowers_the_error_on_andorras_roads() -> None:
    """Mountain roads: far more detour than the default 1.3, and faster than 30 km/h."""
    golden = golden_table()
    calibration = fit(golden.points, golden.matrix)
    assert calibration.pairs == 40 * 39
    assert 1.6 < calibration.detour_factor < 1.9
    assert 40 < calibration.speed_kmh < 55
    before, after = calibration.before, calibration.after
    assert after.duration_mean_s < before.duration_mean_s
    assert after.duration_mean_relative < before.duration_mean_relative
    assert after.distance_mean_m is not None
    assert before.distance_mean_m is not None
    assert after.distance_mean_m < before.distance_mean_m


def test_the_errors_are_those_of_the_calibrated_provider() -> None:
    golden = golden_table()
    calibration = fit(golden.points, golden.matrix)
    provider = calibration.provider()
    assert provider.detour_factor == calibration.detour_factor
    assert provider.speeds_kmh["car"] == calibration.speed_kmh
    assert provider.speeds_kmh["bicycle"] == 15.0
    errors = travel_errors(provider.matrices(golden.points, "car"), golden.matrix)
    assert errors == calibration.after
    default = travel_errors(GeodesicProvider().matrices(golden.points, "car"), golden.matrix)
    assert default == calibration.before


def test_figures_a_geodesic_road_gives_are_found_again() -> None:
    """Road travel that is exactly a great-circle estimate: the fit recovers its figures (up
    to the rounding to whole seconds and metres)."""
    points = golden_table().points
    road = GeodesicProvider(1.55, {"car": 42.0}).matrices(points, "car")
    calibration = fit(points, road)
    assert calibration.detour_factor == pytest.approx(1.55, rel=1e-4)
    assert calibration.speed_kmh == pytest.approx(42.0, rel=1e-4)
    assert calibration.after.duration_mean_s < 1.0


def test_without_road_distances_the_detour_factor_is_kept() -> None:
    golden = golden_table()
    baseline = GeodesicProvider(1.7)
    calibration = fit(golden.points, replace(golden.matrix, distances_m=None), "car", baseline)
    assert calibration.detour_factor == 1.7
    assert calibration.after.distance_mean_m is None
    assert calibration.after.duration_mean_s < calibration.before.duration_mean_s


def test_one_place_is_not_enough() -> None:
    with pytest.raises(InvalidRequest, match="calibration needs two places at least"):
        calibrate(GeodesicProvider(), [(42.5, 1.5), (42.5, 1.5)])


def test_the_report_shows_both_figures_and_errors() -> None:
    golden = golden_table()
    text = format_calibration(fit(golden.points, golden.matrix), GeodesicProvider())
    lines = text.splitlines()
    assert lines[0] == "1,560 pairs, travel mode car"
    assert lines[2].startswith("now             1.30    30.0")
    assert lines[3].startswith("calibrated")


def test_calibrating_against_the_router_fits_the_golden_table() -> None:
    golden = golden_table()
    calibration = calibrate(OsrmProvider(router_url()), golden.points)
    assert calibration == fit(golden.points, golden.matrix)


def _andorra_clinic(engine: Engine) -> None:
    """Two therapists and 20 patients at the golden points; one patient has no coordinates."""
    points = golden_table().points
    with Session(engine) as session:
        clinic = add_clinic(session)
        for i, (lat, lon) in enumerate(points[:2]):
            session.add(
                Therapist(
                    clinic=clinic,
                    external_id=f"t{i}",
                    name=f"T {i}",
                    discipline="PT",
                    skills=["PT"],
                    home_lat=lat,
                    home_lon=lon,
                )
            )
        for i, (lat, lon) in enumerate(points[2:22]):
            session.add(
                Patient(
                    clinic=clinic, external_id=f"p{i}", name=f"P {i}", address="-", lat=lat, lon=lon
                )
            )
        session.add(Patient(clinic=clinic, external_id="px", name="No place", address="Carrer 1"))
        session.commit()


def test_the_calibrate_command_prints_the_settings(
    capsys: pytest.CaptureFixture[str], migrated: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOMEVISIT_OSRM_URL", router_url())
    _andorra_clinic(migrated)
    url = migrated.url.render_as_string(hide_password=False)
    code = main(["travel", "calibrate", "--database-url", url, "--sample", "12"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert out.startswith(f"Clinica Andorra: 12 places, against osrm:{router_url()}|car=driving\n")
    assert "\n132 pairs, travel mode car\n" in out
    assert "  HOMEVISIT_GEODESIC_DETOUR_FACTOR=1." in out
    assert "  HOMEVISIT_GEODESIC_SPEEDS_KMH=car=" in out


def test_the_calibrate_command_needs_a_router(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HOMEVISIT_OSRM_URL", raising=False)
    monkeypatch.delenv("HOMEVISIT_TRAVEL_PROVIDER", raising=False)
    code = main(["travel", "calibrate", "--database-url", "sqlite:///unused.db"])
    _, err = capsys.readouterr()
    assert code == 1
    assert err == "calibration needs a road router: set HOMEVISIT_OSRM_URL\n"
