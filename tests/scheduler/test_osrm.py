"""OsrmProvider against a real router on Andorra, and against sockets that fail on purpose.

The router tests need ``HOMEVISIT_TEST_OSRM_URL`` (``.ci/run`` starts one with
``.ci/osrm-router``) and skip without it. Failures are real TCP sockets on 127.0.0.1: a
closed port, a listener that never answers, and a small HTTP server with a fixed answer.
Map data: (c) OpenStreetMap contributors, ODbL.
"""

from __future__ import annotations

import http.server
import json
import math
import socket
import threading
from contextlib import contextmanager
from typing import TYPE_CHECKING

import numpy as np
import pytest

from scheduler.errors import InvalidRequest, TravelServiceUnavailable, UnroutableLocations
from scheduler.travel.cache import CachedProvider
from scheduler.travel.osrm import OsrmProvider
from solver.problem import TravelMatrix
from tests.scheduler.osrm_data import golden_table, router_max_table_size, router_url

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from sqlalchemy.orm import Session

    from scheduler.travel import TravelTimeProvider

ANDORRA_LA_VELLA = (42.5063, 1.5218)
ESCALDES = (42.5105, 1.5336)
PARIS = (48.8566, 2.3522)
NULL_ISLAND = (0.0, 0.0)  # in the Gulf of Guinea


def _router(max_locations: int = 100, max_snap_m: float = 1000.0) -> OsrmProvider:
    """The test router; skips the test without one."""
    return OsrmProvider(router_url(), max_locations=max_locations, max_snap_m=max_snap_m)


def _assert_same(matrix: TravelMatrix, expected: TravelMatrix) -> None:
    np.testing.assert_array_equal(matrix.durations_s, expected.durations_s)
    assert matrix.distances_m is not None
    np.testing.assert_array_equal(matrix.distances_m, expected.distances_m)


# --- against the real router ---------------------------------------------------------------


def test_the_40_points_match_the_golden_table() -> None:
    """OSRM answers with one decimal and the provider rounds to whole seconds and metres; the
    golden table came from the same engine (osrm-bindings 26.10.0, CH) on the same file, so
    the rounded matrices are equal, not merely close."""
    golden = golden_table()
    provider: TravelTimeProvider = _router()
    matrix = provider.matrices(golden.points, "car")
    assert matrix.durations_s.dtype == np.int64
    _assert_same(matrix, golden.matrix)


@pytest.mark.parametrize(
    ("count", "max_locations"),
    [
        pytest.param(40, 7, id="6-blocks-of-6-or-7"),
        pytest.param(40, 39, id="2-blocks-of-20"),
        pytest.param(40, 2, id="20-blocks-of-2"),
        pytest.param(3, 2, id="a-one-point-block"),
    ],
)
def test_chunked_requests_give_the_matrix_of_one_request(count: int, max_locations: int) -> None:
    points = golden_table().points[:count]
    whole = _router(max_locations=100).matrices(points, "car")
    chunked = _router(max_locations=max_locations).matrices(points, "car")
    _assert_same(chunked, whole)


def _beyond_the_router_limit() -> list[tuple[float, float]]:
    """The 40 golden points, then copies 11 m further north until 20 more than the router's
    --max-table-size."""
    golden = golden_table().points
    count = router_max_table_size() + 20
    copies = [(lat + 0.0001 * (1 + i // 40), lon) for i, (lat, lon) in enumerate(golden * count)]
    return [*golden, *copies][:count]


def test_more_points_than_the_router_takes_in_one_request() -> None:
    """Split at the router's own limit, every request is accepted, and the golden points'
    part of the matrix is the golden table."""
    points = _beyond_the_router_limit()
    matrix = _router(max_locations=router_max_table_size()).matrices(points, "car")
    assert matrix.size == len(points)
    assert matrix.distances_m is not None
    first = TravelMatrix(matrix.durations_s[:40, :40], matrix.distances_m[:40, :40])
    _assert_same(first, golden_table().matrix)


def test_a_limit_above_the_routers_is_named_in_the_error() -> None:
    points = _beyond_the_router_limit()
    provider = _router(max_locations=len(points))
    with pytest.raises(TravelServiceUnavailable) as raised:
        provider.matrices(points, "car")
    message = str(raised.value)
    assert f"the OSRM router at {router_url()} answered TooBig" in message
    assert "HOMEVISIT_OSRM_MAX_LOCATIONS" in message


def test_points_far_from_any_road_are_named() -> None:
    """osrm-routed snaps any coordinate to its nearest road, however far: Paris would become
    a street in Andorra without the snap check."""
    points = [ANDORRA_LA_VELLA, PARIS, ESCALDES, NULL_ISLAND]
    with pytest.raises(UnroutableLocations) as raised:
        _router().matrices(points, "car")
    fields = [error.field for error in raised.value.errors]
    assert fields == ["locations[1]", "locations[3]"]
    paris = raised.value.errors[0].message
    assert paris.startswith("location 1 at (48.856600, 2.352200) is ")
    assert "m from the nearest road the router knows (at most 1,000 m allowed)" in paris


def test_the_snap_limit_is_a_setting() -> None:
    """The first golden point lies 20.9 m from its road."""
    points = golden_table().points[:2]
    with pytest.raises(UnroutableLocations) as raised:
        _router(max_snap_m=10.0).matrices(points, "car")
    assert [error.field for error in raised.value.errors] == ["locations[0]"]
    assert "is 21 m from the nearest road" in raised.value.errors[0].message


def test_the_cache_reports_a_point_at_its_place_in_the_request(session: Session) -> None:
    """The cache asks the router only for the distinct points; the error names the position
    the caller gave."""
    golden = golden_table().points
    router = _router()
    cached = CachedProvider(router, session, router.name)
    cached.matrices(golden[:2], "car")
    with pytest.raises(UnroutableLocations) as raised:
        cached.matrices([golden[0], golden[1], golden[0], PARIS], "car")
    assert [error.field for error in raised.value.errors] == ["locations[3]"]


def test_cached_road_matrices_equal_the_routers(session: Session) -> None:
    golden = golden_table()
    router = _router()
    cold = CachedProvider(router, session, router.name).matrices(golden.points[:10], "car")
    warm = CachedProvider(router, session, router.name).matrices(golden.points[:10], "car")
    _assert_same(cold, warm)
    np.testing.assert_array_equal(cold.durations_s, golden.durations_s[:10, :10])


# --- without a router: settings, coordinates, and sockets that fail ---------------------------


def test_a_travel_mode_without_a_profile_is_an_error() -> None:
    provider = OsrmProvider("http://127.0.0.1:9", profiles={"car": "driving"})
    with pytest.raises(InvalidRequest) as raised:
        provider.matrices([ANDORRA_LA_VELLA, ESCALDES], "bicycle")
    [error] = raised.value.errors
    assert error.field == "travel_mode"
    assert "travel mode 'bicycle' has no OSRM profile (modes served: car)" in error.message


@pytest.mark.parametrize(
    "point", [(95.0, 1.52), (42.5, 181.0), (math.nan, 1.52)], ids=["lat", "lon", "nan"]
)
def test_a_point_that_is_no_coordinate_is_named_before_any_request(
    point: tuple[float, float],
) -> None:
    provider = OsrmProvider("http://127.0.0.1:9")
    with pytest.raises(UnroutableLocations) as raised:
        provider.matrices([ANDORRA_LA_VELLA, point], "car")
    [error] = raised.value.errors
    assert error.field == "locations[1]"
    assert "is not a coordinate" in error.message


def test_no_points_need_no_request() -> None:
    matrix = OsrmProvider("http://127.0.0.1:9").matrices([], "car")
    assert matrix.size == 0


def test_the_cache_key_names_the_router_and_its_profiles() -> None:
    provider = OsrmProvider("http://osrm:5000/", {"car": "driving", "bicycle": "cycling"})
    assert provider.name == "osrm:http://osrm:5000|bicycle=cycling,car=driving"
    long = OsrmProvider("http://" + "a" * 120 + ":5000")
    assert long.name.startswith("osrm:sha256:")
    assert len(long.name) <= 100


@pytest.fixture
def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_a_router_that_is_down_is_named(closed_port: int) -> None:
    url = f"http://127.0.0.1:{closed_port}"
    provider = OsrmProvider(url, retries=1, backoff_s=0)
    with pytest.raises(TravelServiceUnavailable) as raised:
        provider.matrices([ANDORRA_LA_VELLA, ESCALDES], "car")
    assert str(raised.value) == (
        f"the OSRM router at {url} failed: connection refused (2 attempts); check that it "
        "runs, or use the geodesic travel provider"
    )


@contextmanager
def _silent_server() -> Iterator[tuple[str, Callable[[], int]]]:
    """A listener that accepts connections and never answers; yields its URL and a count of
    the connections it accepted."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    held: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                held.append(listener.accept()[0])
            except OSError:
                return

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}", lambda: len(held)
    finally:
        listener.shutdown(socket.SHUT_RDWR)
        listener.close()
        thread.join(5)
        for connection in held:
            connection.close()


def test_a_router_that_never_answers_times_out_after_bounded_retries() -> None:
    with _silent_server() as (url, connections):
        provider = OsrmProvider(url, timeout_s=0.2, retries=2, backoff_s=0)
        with pytest.raises(TravelServiceUnavailable) as raised:
            provider.matrices([ANDORRA_LA_VELLA, ESCALDES], "car")
        assert connections() == 3
    assert f"the OSRM router at {url} failed: no answer within 0.2 s (3 attempts)" in str(
        raised.value
    )


def test_a_failure_stops_the_requests_not_yet_sent() -> None:
    """40 points in 20 blocks: 20 diagonal requests queued, 2 in flight; after the first
    timeout no more than the two taken meanwhile are sent."""
    with _silent_server() as (url, connections):
        provider = OsrmProvider(url, max_locations=2, timeout_s=0.2, retries=0)
        with pytest.raises(TravelServiceUnavailable):
            provider.matrices(golden_table().points, "car")
        assert connections() <= 4


@contextmanager
def _answering(status: int, body: str) -> Iterator[tuple[str, list[str]]]:
    """An HTTP server that answers every GET with ``status`` and ``body``; yields its URL and
    the paths it was asked for."""
    paths: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            paths.append(self.path)
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:
            """Quiet."""

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", paths
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_a_failing_proxy_is_retried_then_named() -> None:
    with _answering(502, "<html>Bad Gateway</html>") as (url, paths):
        provider = OsrmProvider(url, retries=2, backoff_s=0)
        with pytest.raises(TravelServiceUnavailable) as raised:
            provider.matrices([ANDORRA_LA_VELLA, ESCALDES], "car")
    assert len(paths) == 3
    assert "HTTP 502 Bad Gateway (3 attempts)" in str(raised.value)


def test_a_server_that_is_not_osrm_is_named_without_retrying() -> None:
    not_found = _answering(404, "<html>Not Found</html>")
    with not_found as (url, paths), pytest.raises(TravelServiceUnavailable) as raised:
        OsrmProvider(url, backoff_s=0).matrices([ANDORRA_LA_VELLA, ESCALDES], "car")
    assert len(paths) == 1
    assert str(raised.value) == (
        f"the OSRM router at {url} answered HTTP 404 Not Found that is not OSRM's JSON"
    )


def test_an_osrm_error_code_is_named_without_retrying() -> None:
    answer = json.dumps({"code": "InvalidOptions", "message": "Coordinates are invalid"})
    with _answering(400, answer) as (url, paths), pytest.raises(TravelServiceUnavailable) as raised:
        OsrmProvider(url).matrices([ANDORRA_LA_VELLA, ESCALDES], "car")
    assert len(paths) == 1
    assert str(raised.value) == (
        f"the OSRM router at {url} answered InvalidOptions: Coordinates are invalid"
    )


def test_the_request_is_osrms_table_with_durations_and_distances() -> None:
    answer = json.dumps(
        {
            "code": "Ok",
            "durations": [[0, 258], [302.9, 0]],
            "distances": [[0, 3396.3], [4189.1, 0]],
            "sources": [{"distance": 2.7}, {"distance": 20.9}],
        }
    )
    with _answering(200, answer) as (url, paths):
        provider = OsrmProvider(url + "/osrm/", {"car": "car-fast"})
        matrix = provider.matrices([ANDORRA_LA_VELLA, ESCALDES], "car")
    assert paths == [
        "/osrm/table/v1/car-fast/1.521800,42.506300;1.533600,42.510500"
        "?annotations=duration,distance&generate_hints=false"
    ]
    assert matrix.durations_s.tolist() == [[0, 258], [303, 0]]
    assert matrix.distances_m is not None
    assert matrix.distances_m.tolist() == [[0, 3396], [4189, 0]]


def test_a_point_the_router_cannot_snap_is_named() -> None:
    """A router started with --default-radius refuses far points itself (NoSegment)."""
    answer = json.dumps(
        {"code": "NoSegment", "message": "Could not find a matching segment for coordinate 1"}
    )
    with _answering(400, answer) as (url, _), pytest.raises(UnroutableLocations) as raised:
        OsrmProvider(url).matrices([ANDORRA_LA_VELLA, PARIS], "car")
    [error] = raised.value.errors
    assert error.field == "locations[1]"
    assert (
        error.message == "location 1 at (48.856600, 2.352200) is not near any road the router knows"
    )


def test_pairs_without_a_route_name_the_cut_off_point_only() -> None:
    """Point 2 has no route to or from the others; they all have routes between them."""
    answer = json.dumps(
        {
            "code": "Ok",
            "durations": [[0, 60, None], [60, 0, None], [None, None, 0]],
            "distances": [[0, 500, None], [500, 0, None], [None, None, 0]],
            "sources": [{"distance": 1.0}] * 3,
        }
    )
    with _answering(200, answer) as (url, _), pytest.raises(UnroutableLocations) as raised:
        OsrmProvider(url).matrices([ANDORRA_LA_VELLA, ESCALDES, (42.5, 1.6)], "car")
    [error] = raised.value.errors
    assert error.field == "locations[2]"
    assert "has no road route to or from 2 of the other 2 locations" in error.message
