"""scheduler.travel.cache: warm matrices equal cold ones and ask the provider nothing."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from scheduler.errors import InvalidRequest
from scheduler.models import MatrixCache, to_microdegrees
from scheduler.travel import GeodesicProvider, TravelTimeProvider, cache
from scheduler.travel.cache import CachedProvider

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sqlalchemy.engine import Engine

    from solver.problem import TravelMatrix

# Andorra la Vella and Escaldes: a clinic, three patients and two more across the valley.
POINTS = [
    (42.5063, 1.5218),
    (42.5075, 1.5240),
    (42.5101, 1.5372),
    (42.5012, 1.5165),
    (42.5138, 1.5420),
    (42.4990, 1.5105),
]


class CountingProvider:
    """Geodesic travel times; records the points of every request. ``with_distances=False``
    answers durations only, as a provider without distances would."""

    def __init__(self, with_distances: bool = True) -> None:
        self.inner = GeodesicProvider()
        self.with_distances = with_distances
        self.requests: list[list[tuple[float, float]]] = []

    def matrices(self, points: Sequence[tuple[float, float]], mode: str) -> TravelMatrix:
        self.requests.append(list(points))
        matrix = self.inner.matrices(points, mode)
        return matrix if self.with_distances else replace(matrix, distances_m=None)


def _cached_pairs(session: Session) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(MatrixCache)) or 0


def _assert_same(matrix: TravelMatrix, expected: TravelMatrix) -> None:
    np.testing.assert_array_equal(matrix.durations_s, expected.durations_s)
    assert (matrix.distances_m is None) == (expected.distances_m is None)
    if expected.distances_m is not None:
        np.testing.assert_array_equal(matrix.distances_m, expected.distances_m)


def test_is_a_travel_time_provider(session: Session) -> None:
    provider: TravelTimeProvider = CachedProvider(GeodesicProvider(), session, "geodesic")
    assert provider.matrices(POINTS[:2], "car").size == 2


def test_a_cold_matrix_is_the_providers_and_is_stored(session: Session) -> None:
    counting = CountingProvider()
    matrix = CachedProvider(counting, session, "geodesic").matrices(POINTS[:4], "car")
    _assert_same(matrix, GeodesicProvider().matrices(POINTS[:4], "car"))
    assert [len(request) for request in counting.requests] == [4]
    assert _cached_pairs(session) == 4 * 3


def test_a_warm_matrix_equals_the_cold_one_without_a_provider_call(session: Session) -> None:
    """Re-planning the same day: a new CachedProvider (as a new request would build)."""
    cold = CachedProvider(CountingProvider(), session, "geodesic").matrices(POINTS, "car")
    counting = CountingProvider()
    warm = CachedProvider(counting, session, "geodesic").matrices(POINTS, "car")
    _assert_same(warm, cold)
    assert counting.requests == []


def test_a_reordered_subset_is_answered_from_the_cache(session: Session) -> None:
    counting = CountingProvider()
    cached = CachedProvider(counting, session, "geodesic")
    cached.matrices(POINTS, "car")
    subset = [POINTS[4], POINTS[0], POINTS[2]]
    _assert_same(cached.matrices(subset, "car"), GeodesicProvider().matrices(subset, "car"))
    assert len(counting.requests) == 1


def test_a_new_point_asks_once_and_stores_only_its_pairs(session: Session) -> None:
    """The provider computes squares: the new point with every known one, in one request."""
    counting = CountingProvider()
    cached = CachedProvider(counting, session, "geodesic")
    cached.matrices(POINTS[:4], "car")
    matrix = cached.matrices(POINTS[:5], "car")
    _assert_same(matrix, GeodesicProvider().matrices(POINTS[:5], "car"))
    assert [len(request) for request in counting.requests] == [4, 5]
    assert _cached_pairs(session) == 4 * 3 + 2 * 4


def test_two_known_days_together_ask_only_for_the_points_of_new_pairs(session: Session) -> None:
    """Days {0, 1, 2} and {0, 1, 3} are cached: only the pairs between 2 and 3 are new."""
    counting = CountingProvider()
    cached = CachedProvider(counting, session, "geodesic")
    cached.matrices([POINTS[0], POINTS[1], POINTS[2]], "car")
    cached.matrices([POINTS[0], POINTS[1], POINTS[3]], "car")
    matrix = cached.matrices(POINTS[:4], "car")
    _assert_same(matrix, GeodesicProvider().matrices(POINTS[:4], "car"))
    assert counting.requests[-1] == [POINTS[2], POINTS[3]]


def test_the_same_place_twice_is_asked_once(session: Session) -> None:
    """Two patients in one building: one point for the provider, zero travel between them."""
    counting = CountingProvider()
    points = [POINTS[0], POINTS[1], POINTS[1]]
    matrix = CachedProvider(counting, session, "geodesic").matrices(points, "car")
    _assert_same(matrix, GeodesicProvider().matrices(points, "car"))
    assert counting.requests == [[POINTS[0], POINTS[1]]]


def test_coordinates_are_keyed_to_six_decimals(session: Session) -> None:
    """A point 0.04 m away is the same key: the provider is asked at the rounded point."""
    counting = CountingProvider()
    cached = CachedProvider(counting, session, "geodesic")
    cold = cached.matrices([(42.5063001, 1.5218), POINTS[1]], "car")
    assert counting.requests == [[POINTS[0], POINTS[1]]]
    _assert_same(cached.matrices(POINTS[:2], "car"), cold)
    assert len(counting.requests) == 1


@pytest.mark.parametrize(
    ("mode", "provider_name"), [("bicycle", "geodesic"), ("car", "osrm:andorra")]
)
def test_modes_and_providers_are_cached_apart(
    session: Session, mode: str, provider_name: str
) -> None:
    CachedProvider(CountingProvider(), session, "geodesic").matrices(POINTS[:3], "car")
    counting = CountingProvider()
    matrix = CachedProvider(counting, session, provider_name).matrices(POINTS[:3], mode)
    _assert_same(matrix, GeodesicProvider().matrices(POINTS[:3], mode))
    assert len(counting.requests) == 1


def test_unknown_distances_stay_unknown(session: Session) -> None:
    """A provider without distances: stored as NULL, and the warm matrix has none either."""
    counting = CountingProvider(with_distances=False)
    cached = CachedProvider(counting, session, "durations-only")
    cold = cached.matrices(POINTS[:3], "car")
    warm = cached.matrices(POINTS[:3], "car")
    assert cold.distances_m is None
    _assert_same(warm, cold)
    assert len(counting.requests) == 1


class _RacingProvider(CountingProvider):
    """Another process stores one of the missing pairs while this one computes."""

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session

    def matrices(self, points: Sequence[tuple[float, float]], mode: str) -> TravelMatrix:
        (from_lat, from_lon), (to_lat, to_lon) = points[0], points[1]
        self.session.add(
            MatrixCache(
                provider="geodesic",
                mode=mode,
                origin_lat_e6=to_microdegrees(from_lat),
                origin_lon_e6=to_microdegrees(from_lon),
                destination_lat_e6=to_microdegrees(to_lat),
                destination_lon_e6=to_microdegrees(to_lon),
                duration_s=1,
                distance_m=1,
            )
        )
        self.session.flush()
        return super().matrices(points, mode)


def test_a_pair_stored_meanwhile_is_skipped(session: Session) -> None:
    """No unique-key error; this request answers with what it computed."""
    provider = CachedProvider(_RacingProvider(session), session, "geodesic")
    matrix = provider.matrices(POINTS[:3], "car")
    _assert_same(matrix, GeodesicProvider().matrices(POINTS[:3], "car"))
    assert _cached_pairs(session) == 3 * 2


def test_chunked_loads_and_batched_inserts(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Origins 2 a query and pairs 7 a statement: the same matrices as in one go."""
    monkeypatch.setattr(cache, "CHUNK_POINTS", 2)
    monkeypatch.setattr(cache, "INSERT_BATCH_ROWS", 7)
    counting = CountingProvider()
    cached = CachedProvider(counting, session, "geodesic")
    cold = cached.matrices(POINTS, "car")
    warm = cached.matrices(POINTS[::-1], "car")
    _assert_same(cold, GeodesicProvider().matrices(POINTS, "car"))
    _assert_same(warm, GeodesicProvider().matrices(POINTS[::-1], "car"))
    assert len(counting.requests) == 1
    assert _cached_pairs(session) == len(POINTS) * (len(POINTS) - 1)


@pytest.mark.parametrize("count", [0, 1])
def test_no_pairs_no_request(session: Session, count: int) -> None:
    counting = CountingProvider()
    matrix = CachedProvider(counting, session, "geodesic").matrices(POINTS[:count], "car")
    assert matrix.durations_s.shape == (count, count)
    assert counting.requests == []


def test_an_unknown_mode_is_the_providers_error(session: Session) -> None:
    with pytest.raises(InvalidRequest, match="unknown travel mode 'rocket'"):
        CachedProvider(GeodesicProvider(), session, "geodesic").matrices(POINTS[:2], "rocket")


def test_with_a_session_factory_each_request_commits(migrated: Engine) -> None:
    """What a request learnt is there for the next one, in a session of its own."""
    sessions = sessionmaker(migrated)
    cold = CachedProvider(CountingProvider(), sessions, "geodesic").matrices(POINTS, "car")
    counting = CountingProvider()
    warm = CachedProvider(counting, sessions, "geodesic").matrices(POINTS, "car")
    _assert_same(warm, cold)
    assert counting.requests == []
    with sessions() as session:
        assert _cached_pairs(session) == len(POINTS) * (len(POINTS) - 1)
