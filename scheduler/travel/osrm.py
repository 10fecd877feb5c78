"""Travel times from a self-hosted OSRM router's table service (``/table/v1/{profile}/...``).

OSRM answers durations (s) and distances (m) on the road network, as floats with one
decimal; they are rounded to whole seconds and metres here. A router serves the profile its
data was prepared with (``car.lua``, ...); ``profiles`` maps each travel mode it may answer
for to the profile name in the URL, and any other mode is an error rather than a guess.

osrm-routed refuses a table whose sources x destinations exceed ``--max-table-size``
squared (``TooBig``). A request is split into blocks of at most ``max_locations`` points:
one request per pair of blocks (sources from one, destinations from the other), so none
asks for more than ``max_locations`` sources or destinations and none sends more than twice
that many coordinates. The diagonal blocks are asked first: they give every point's distance
to the road it snaps to, so a wrong point fails the request before the rest is fetched.

Nothing is invented: a point farther than ``max_snap_m`` from any road (osrm-routed snaps
any coordinate, however far, to its nearest road), or a pair without a route (``null`` in
the table), raises ``UnroutableLocations`` naming the points; a router that is down, too
slow or answers an error raises ``TravelServiceUnavailable`` naming it.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import math
import re
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from scheduler.errors import (
    InvalidRequest,
    LocationFault,
    TravelServiceUnavailable,
    UnroutableLocations,
)
from solver.problem import TravelMatrix

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping, Sequence

FloatArray = npt.NDArray[np.float64]

DEFAULT_PROFILES: Mapping[str, str] = {"car": "driving"}
# Attempts after the first for a router that does not answer or answers 5xx; a 4xx or an
# OSRM error code is final.
DEFAULT_RETRIES = 2
DEFAULT_BACKOFF_S = 0.5
# Requests in flight at once: osrm-routed answers with 2 threads unless told otherwise.
DEFAULT_CONCURRENCY = 2
# MatrixCache.provider is a String(100).
_MAX_NAME_LENGTH = 100
_NO_SEGMENT = re.compile(r"coordinate (\d+)")
# Points named for pairs without a route: a map that misses the area would name them all.
_MAX_REPORTED = 20


@dataclass(frozen=True)
class _Table:
    """One table answer: rows are the request's sources, columns its destinations."""

    durations_s: FloatArray
    distances_m: FloatArray
    source_snap_m: FloatArray


class OsrmProvider:
    """Duration and distance matrices from the OSRM router at ``base_url``.

    ``base_url`` is the part before ``/table/v1`` (``http://osrm:5000``, or a proxy's path);
    ``max_locations`` is the router's ``--max-table-size``; ``timeout_s`` bounds the wait
    for each answer, and a failed attempt is repeated ``retries`` times, ``backoff_s``,
    then twice as long, apart.
    """

    def __init__(
        self,
        base_url: str,
        profiles: Mapping[str, str] = DEFAULT_PROFILES,
        max_locations: int = 100,
        timeout_s: float = 30.0,
        max_snap_m: float = 1000.0,
        retries: int = DEFAULT_RETRIES,
        backoff_s: float = DEFAULT_BACKOFF_S,
        concurrency: int = DEFAULT_CONCURRENCY,
    ) -> None:
        if max_locations < 2:
            raise ValueError(f"max_locations must be at least 2, got {max_locations}")
        if not (timeout_s > 0 and max_snap_m > 0 and concurrency > 0):
            raise ValueError("timeout_s, max_snap_m and concurrency must be positive")
        if not (retries >= 0 and backoff_s >= 0):
            raise ValueError("retries and backoff_s must not be negative")
        self.base_url = base_url.rstrip("/")
        self.profiles = dict(profiles)
        self.max_locations = max_locations
        self.timeout_s = timeout_s
        self.max_snap_m = max_snap_m
        self.retries = retries
        self.backoff_s = backoff_s
        self.concurrency = concurrency

    @property
    def name(self) -> str:
        """The matrix cache's key for this router and its profiles (hashed if too long)."""
        profiles = ",".join(f"{mode}={profile}" for mode, profile in sorted(self.profiles.items()))
        name = f"osrm:{self.base_url}|{profiles}"
        if len(name) <= _MAX_NAME_LENGTH:
            return name
        return "osrm:sha256:" + hashlib.sha256(name.encode()).hexdigest()

    def matrices(self, points: Sequence[tuple[float, float]], mode: str) -> TravelMatrix:
        """Durations (s) and distances (m) between (lat, lon) points for ``mode``.

        Raises ``InvalidRequest`` for a mode without a profile, ``UnroutableLocations`` for
        points off the map or without routes, ``TravelServiceUnavailable`` if the router fails.
        """
        profile = self._profile(mode)
        _check_coordinates(points)
        size = len(points)
        durations = np.full((size, size), np.nan)
        distances = np.full((size, size), np.nan)
        blocks = _blocks(size, self.max_locations)
        diagonal = [(rows, rows) for rows in blocks]
        others = [(rows, columns) for rows in blocks for columns in blocks if rows != columns]
        pool = ThreadPoolExecutor(self.concurrency)
        try:
            snap_m = np.zeros(size)
            for (rows, columns), table in self._tables(pool, profile, points, diagonal):
                _fill(durations, distances, rows, columns, table)
                snap_m[rows.start : rows.stop] = table.source_snap_m
            self._check_snapping(points, snap_m)
            for (rows, columns), table in self._tables(pool, profile, points, others):
                _fill(durations, distances, rows, columns, table)
        finally:
            # After a failure, the requests not yet sent are not sent.
            pool.shutdown(cancel_futures=True)
        _check_routes(points, durations)
        np.fill_diagonal(durations, 0.0)
        np.fill_diagonal(distances, 0.0)
        return TravelMatrix(
            durations_s=np.rint(durations).astype(np.int64),
            distances_m=np.rint(np.nan_to_num(distances)).astype(np.int64),
        )

    def _tables(
        self,
        pool: ThreadPoolExecutor,
        profile: str,
        points: Sequence[tuple[float, float]],
        blocks: Sequence[tuple[range, range]],
    ) -> Iterator[tuple[tuple[range, range], _Table]]:
        """Each block (rows, columns) with its table, in order, ``concurrency`` at a time."""
        tables = pool.map(lambda block: self._table(profile, points, *block), blocks)
        return zip(blocks, tables, strict=True)

    def _profile(self, mode: str) -> str:
        profile = self.profiles.get(mode)
        if profile is None:
            served = ", ".join(self.profiles) or "none"
            raise InvalidRequest.single(
                "travel_mode",
                f"travel mode {mode!r} has no OSRM profile (modes served: {served}); "
                "add one to HOMEVISIT_OSRM_PROFILES or use the geodesic provider",
            )
        return profile

    def _check_snapping(self, points: Sequence[tuple[float, float]], snap_m: FloatArray) -> None:
        faults = [
            LocationFault(
                position,
                *points[position],
                f"is {distance_m:,.0f} m from the nearest road the router knows (at most "
                f"{self.max_snap_m:,.0f} m allowed); check the coordinates",
            )
            for position, distance_m in enumerate(snap_m.tolist())
            if not distance_m <= self.max_snap_m
        ]
        if faults:
            raise UnroutableLocations(faults)

    def _table(
        self, profile: str, points: Sequence[tuple[float, float]], rows: range, columns: range
    ) -> _Table:
        """One table request from ``rows`` to ``columns`` (positions in ``points``)."""
        if rows == columns and len(rows) > 1:
            positions, selection = list(rows), ""
        else:
            # Sources then destinations (twice the point for a one-point diagonal block:
            # OSRM wants two coordinates at least).
            positions = [*rows, *columns]
            sources = ";".join(map(str, range(len(rows))))
            destinations = ";".join(map(str, range(len(rows), len(positions))))
            selection = f"&sources={sources}&destinations={destinations}"
        coordinates = ";".join(f"{points[p][1]:.6f},{points[p][0]:.6f}" for p in positions)
        url = (
            f"{self.base_url}/table/v1/{profile}/{coordinates}"
            f"?annotations=duration,distance&generate_hints=false{selection}"
        )
        answer = self._get(url)
        code = answer.get("code")
        if code != "Ok":
            raise self._error(answer, positions, points)
        try:
            return _Table(
                durations_s=np.array(answer["durations"], dtype=np.float64),
                distances_m=np.array(answer["distances"], dtype=np.float64),
                source_snap_m=np.array(
                    [waypoint["distance"] for waypoint in answer["sources"]], dtype=np.float64
                ),
            )
        except (KeyError, TypeError, ValueError):
            raise TravelServiceUnavailable(
                f"the OSRM router at {self.base_url} answered a table without durations, "
                "distances and sources; is it an OSRM server?"
            ) from None

    def _get(self, url: str) -> dict[str, Any]:
        """The JSON answer (an OSRM error's too), after at most ``retries`` more attempts."""
        failure = ""
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(self.backoff_s * 2 ** (attempt - 1))
            request = urllib.request.Request(url, headers={"Accept": "application/json"})
            try:
                with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                    return self._json(response.read())
            except urllib.error.HTTPError as error:
                body = error.read()
                if error.code < 500:
                    return self._json(body, f"HTTP {error.code} {error.reason}")
                failure = f"HTTP {error.code} {error.reason}"
            except (OSError, http.client.HTTPException) as error:
                failure = _reason(error, self.timeout_s)
        attempts = self.retries + 1
        raise TravelServiceUnavailable(
            f"the OSRM router at {self.base_url} failed: {failure} "
            f"({attempts} attempt{'s' if attempts > 1 else ''}); check that it runs, or use "
            "the geodesic travel provider"
        )

    def _json(self, body: bytes, status: str = "") -> dict[str, Any]:
        try:
            answer = json.loads(body)
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            answered = f"answered {status or 'something'} that is not OSRM's JSON"
            raise TravelServiceUnavailable(f"the OSRM router at {self.base_url} {answered}")
        return answer

    def _error(
        self,
        answer: dict[str, Any],
        positions: Sequence[int],
        points: Sequence[tuple[float, float]],
    ) -> Exception:
        code, message = answer.get("code"), answer.get("message", "")
        if code == "NoSegment" and (found := _NO_SEGMENT.search(str(message))):
            position = positions[int(found.group(1))]
            return UnroutableLocations(
                [
                    LocationFault(
                        position, *points[position], "is not near any road the router knows"
                    )
                ]
            )
        hint = ""
        if code == "TooBig":
            hint = (
                f"; HOMEVISIT_OSRM_MAX_LOCATIONS ({self.max_locations}) must not exceed the "
                "router's --max-table-size"
            )
        return TravelServiceUnavailable(
            f"the OSRM router at {self.base_url} answered {code}: {message}{hint}"
        )


def _fill(
    durations: FloatArray, distances: FloatArray, rows: range, columns: range, table: _Table
) -> None:
    cells = (slice(rows.start, rows.stop), slice(columns.start, columns.stop))
    durations[cells] = table.durations_s
    distances[cells] = table.distances_m


def _blocks(size: int, most: int) -> list[range]:
    """``range(size)`` cut into the fewest blocks of at most ``most``, of even sizes."""
    count = math.ceil(size / most)
    return [range(i * size // count, (i + 1) * size // count) for i in range(count)]


def _reason(error: BaseException, timeout_s: float) -> str:
    reason = error.reason if isinstance(error, urllib.error.URLError) else error
    if isinstance(reason, TimeoutError):
        return f"no answer within {timeout_s:g} s"
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused"
    return str(reason) or type(reason).__name__


def _check_coordinates(points: Sequence[tuple[float, float]]) -> None:
    faults = [
        LocationFault(
            position, lat, lon, "is not a coordinate (latitude -90..90, longitude -180..180)"
        )
        for position, (lat, lon) in enumerate(points)
        if not (-90 <= lat <= 90 and -180 <= lon <= 180)
    ]
    if faults:
        raise UnroutableLocations(faults)


def _check_routes(points: Sequence[tuple[float, float]], durations: FloatArray) -> None:
    """Name few points whose pairs cover the pairs without a route (at most
    ``_MAX_REPORTED``).

    Greedy: the point with the most missing pairs first. A point on a road cut off from the
    rest has none with every other point; naming the others too would hide it.
    """
    missing = np.isnan(durations)
    np.fill_diagonal(missing, False)
    faults: list[LocationFault] = []
    while missing.any() and len(faults) < _MAX_REPORTED:
        partners = missing | missing.T
        counts = partners.sum(axis=1)
        worst = int(np.argmax(counts))
        faults.append(
            LocationFault(
                worst,
                *points[worst],
                f"has no road route to or from {counts[worst]} of the other "
                f"{len(points) - 1} locations; it may be on a road cut off from the others",
            )
        )
        missing[worst, :] = False
        missing[:, worst] = False
    if faults:
        raise UnroutableLocations(faults)
