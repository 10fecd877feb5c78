"""Travel times from great-circle distances: no road data, no network, fast.

The great-circle (haversine) distance on a sphere of the mean Earth radius, times a detour
factor for the road network, divided by an average speed per travel mode. Good enough to
plan a day where no road data is configured; ``osrm`` does better where it is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from scheduler.errors import InvalidRequest
from solver.problem import TravelMatrix

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

# IUGG mean Earth radius (R1); geopy's great_circle uses the same figure to the metre.
EARTH_RADIUS_M = 6_371_008.8

DEFAULT_DETOUR_FACTOR = 1.3

# Door-to-door averages in town, stops and parking included.
DEFAULT_SPEEDS_KMH: Mapping[str, float] = {
    "car": 30.0,
    "bicycle": 15.0,
    "walking": 4.5,
    "transit": 18.0,
}

FloatArray = npt.NDArray[np.float64]


def great_circle_m(points: Sequence[tuple[float, float]]) -> FloatArray:
    """Pairwise haversine distances in metres between (lat, lon) points, as a float matrix."""
    coordinates = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    lat = np.radians(coordinates[:, 0])
    lon = np.radians(coordinates[:, 1])
    half_dlat = (lat[:, None] - lat[None, :]) / 2.0
    half_dlon = (lon[:, None] - lon[None, :]) / 2.0
    cos_lat = np.cos(lat)
    a = np.sin(half_dlat) ** 2 + np.outer(cos_lat, cos_lat) * np.sin(half_dlon) ** 2
    # Rounding can push a a hair above 1 for antipodal points.
    np.clip(a, 0.0, 1.0, out=a)
    distances: FloatArray = 2.0 * EARTH_RADIUS_M * np.arcsin(np.sqrt(a))
    return distances


class GeodesicProvider:
    """Great-circle distance x ``detour_factor``, divided by the speed of the travel mode.

    ``speeds_kmh`` overrides or adds to ``DEFAULT_SPEEDS_KMH``.
    """

    def __init__(
        self,
        detour_factor: float = DEFAULT_DETOUR_FACTOR,
        speeds_kmh: Mapping[str, float] | None = None,
    ) -> None:
        if not detour_factor > 0:
            raise ValueError(f"detour_factor must be positive, got {detour_factor}")
        speeds = {**DEFAULT_SPEEDS_KMH, **(speeds_kmh or {})}
        for mode, speed in speeds.items():
            if not speed > 0:
                raise ValueError(f"the speed of travel mode {mode!r} must be positive, got {speed}")
        self.detour_factor = detour_factor
        self.speeds_kmh: Mapping[str, float] = speeds

    def matrices(self, points: Sequence[tuple[float, float]], mode: str) -> TravelMatrix:
        """Duration (s) and distance (m) matrices between (lat, lon) points for ``mode``."""
        speed_kmh = self.speeds_kmh.get(mode)
        if speed_kmh is None:
            known = ", ".join(self.speeds_kmh)
            raise InvalidRequest.single(
                "travel_mode", f"unknown travel mode {mode!r}; expected one of {known}"
            )
        road_m = great_circle_m(points) * self.detour_factor
        durations_s = np.rint(road_m / (speed_kmh / 3.6)).astype(np.int64)
        distances_m = np.rint(road_m).astype(np.int64)
        return TravelMatrix(durations_s=durations_s, distances_m=distances_m)
