"""GeodesicProvider: great-circle distances, detour factor, speeds per travel mode."""

from __future__ import annotations

import numpy as np
import pytest
from geopy.distance import geodesic, great_circle

from scheduler.errors import InvalidRequest
from scheduler.travel import TRAVEL_MODES, GeodesicProvider, TravelTimeProvider

PARIS = (48.8566, 2.3522)
LONDON = (51.5074, -0.1278)
ANDORRA_LA_VELLA = (42.5063, 1.5218)
BARCELONA = (41.3874, 2.1686)
SYDNEY = (-33.8688, 151.2093)
MELBOURNE = (-37.8136, 144.9631)

CITY_PAIRS = [
    pytest.param(PARIS, LONDON, id="paris-london"),
    pytest.param(ANDORRA_LA_VELLA, BARCELONA, id="andorra-barcelona"),
    pytest.param(SYDNEY, MELBOURNE, id="sydney-melbourne"),
]


@pytest.fixture
def straight_provider() -> GeodesicProvider:
    """No detour and a car at 36 km/h (10 m/s): durations are distances / 10."""
    return GeodesicProvider(detour_factor=1.0, speeds_kmh={"car": 36.0})


@pytest.mark.parametrize(("origin", "destination"), CITY_PAIRS)
def test_distance_matches_geopy_great_circle(
    straight_provider: GeodesicProvider,
    origin: tuple[float, float],
    destination: tuple[float, float],
) -> None:
    matrix = straight_provider.matrices([origin, destination], "car")
    assert matrix.distances_m is not None
    expected_m = great_circle(origin, destination).meters
    assert matrix.distances_m[0, 1] == pytest.approx(expected_m, abs=1.0)
    assert matrix.distances_m[1, 0] == matrix.distances_m[0, 1]


@pytest.mark.parametrize(("origin", "destination"), CITY_PAIRS)
def test_distance_within_half_a_percent_of_the_ellipsoid(
    straight_provider: GeodesicProvider,
    origin: tuple[float, float],
    destination: tuple[float, float],
) -> None:
    matrix = straight_provider.matrices([origin, destination], "car")
    assert matrix.distances_m is not None
    assert matrix.distances_m[0, 1] == pytest.approx(
        geodesic(origin, destination).meters, rel=0.005
    )


def test_default_detour_and_car_speed() -> None:
    points = [PARIS, LONDON]
    matrix = GeodesicProvider().matrices(points, "car")
    straight_m = great_circle(PARIS, LONDON).meters
    assert matrix.distances_m is not None
    assert matrix.distances_m[0, 1] == pytest.approx(1.3 * straight_m, abs=1.0)
    assert matrix.durations_s[0, 1] == pytest.approx(1.3 * straight_m / (30 / 3.6), abs=1.0)


@pytest.mark.parametrize(
    ("mode", "speed_kmh"),
    [("car", 30.0), ("bicycle", 15.0), ("walking", 4.5), ("transit", 18.0)],
)
def test_each_mode_uses_its_speed(mode: str, speed_kmh: float) -> None:
    """1 km of road at the mode's default speed."""
    provider = GeodesicProvider(detour_factor=1.0)
    one_km_north = (ANDORRA_LA_VELLA[0] + 1000 / 111_194.9, ANDORRA_LA_VELLA[1])
    matrix = provider.matrices([ANDORRA_LA_VELLA, one_km_north], mode)
    assert matrix.durations_s[0, 1] == round(1000 / (speed_kmh / 3.6))


def test_matrices_are_int64_with_zero_diagonal() -> None:
    points = [PARIS, LONDON, BARCELONA]
    matrix = GeodesicProvider().matrices(points, "bicycle")
    assert matrix.distances_m is not None
    assert matrix.durations_s.dtype == np.int64
    assert matrix.distances_m.dtype == np.int64
    assert matrix.size == 3
    assert not matrix.durations_s.diagonal().any()
    assert np.array_equal(matrix.durations_s, matrix.durations_s.T)


def test_no_points_give_empty_matrices() -> None:
    matrix = GeodesicProvider().matrices([], "car")
    assert matrix.durations_s.shape == (0, 0)


def test_antipodes_are_half_the_circumference(straight_provider: GeodesicProvider) -> None:
    matrix = straight_provider.matrices([(0.0, 0.0), (0.0, 180.0)], "car")
    assert matrix.distances_m is not None
    assert matrix.distances_m[0, 1] == round(np.pi * 6_371_008.8)


def test_speed_override_keeps_the_other_modes() -> None:
    provider = GeodesicProvider(speeds_kmh={"car": 50.0})
    assert provider.speeds_kmh["car"] == 50.0
    assert provider.speeds_kmh["walking"] == 4.5


def test_unknown_mode_is_an_invalid_request() -> None:
    with pytest.raises(InvalidRequest, match="unknown travel mode 'boat'"):
        GeodesicProvider().matrices([PARIS], "boat")


@pytest.mark.parametrize(
    "kwargs", [{"detour_factor": 0.0}, {"speeds_kmh": {"car": 0.0}}], ids=["detour", "speed"]
)
def test_non_positive_settings_are_rejected(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="positive"):
        GeodesicProvider(**kwargs)  # type: ignore[arg-type]


def test_geodesic_provider_satisfies_the_protocol() -> None:
    provider: TravelTimeProvider = GeodesicProvider()
    assert set(TRAVEL_MODES) <= set(GeodesicProvider().speeds_kmh)
    assert provider.matrices([PARIS], "walking").size == 1
