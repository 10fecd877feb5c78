"""Fit the great-circle provider to a road router, for a clinic that has no router to use.

The geodesic estimate is great-circle distance x detour factor (road distance) and that
/ speed (duration). Against a road provider's matrix over a sample of the clinic's places,
the detour factor is the least-squares slope of road distance on great-circle distance, and
great-circle metres per road second the same for durations; both lines pass through zero,
as the estimate does. ``homevisit travel calibrate`` prints the result as settings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from scheduler.errors import InvalidRequest
from scheduler.travel.geodesic import GeodesicProvider, great_circle_m

if TYPE_CHECKING:
    from collections.abc import Sequence

    import numpy.typing as npt

    from scheduler.travel import TravelTimeProvider
    from solver.problem import TravelMatrix


@dataclass(frozen=True)
class TravelErrors:
    """How far estimates are from road answers over the compared pairs: the mean absolute
    error and the mean of |estimate - road| / road. Distances are None if either side has
    none."""

    duration_mean_s: float
    duration_mean_relative: float
    distance_mean_m: float | None
    distance_mean_relative: float | None


@dataclass(frozen=True)
class Calibration:
    """The fitted detour factor and speed of ``mode``, and the errors before and after, over
    ``pairs`` ordered pairs of distinct places."""

    mode: str
    pairs: int
    detour_factor: float
    speed_kmh: float
    before: TravelErrors
    after: TravelErrors

    def provider(self, baseline: GeodesicProvider | None = None) -> GeodesicProvider:
        """``baseline`` (default: the default geodesic) with the fitted figures."""
        speeds = dict((baseline or GeodesicProvider()).speeds_kmh)
        return GeodesicProvider(self.detour_factor, {**speeds, self.mode: self.speed_kmh})


def calibrate(
    road: TravelTimeProvider,
    points: Sequence[tuple[float, float]],
    mode: str = "car",
    baseline: GeodesicProvider | None = None,
) -> Calibration:
    """Fit the geodesic figures of ``mode`` to ``road``'s matrix between ``points``.

    ``baseline`` (default ``GeodesicProvider()``) gives the errors before calibration and
    the detour factor kept if the road provider gives no distances. Raises
    ``InvalidRequest`` if fewer than two distinct places are given.
    """
    return fit(points, road.matrices(points, mode), mode, baseline)


def fit(
    points: Sequence[tuple[float, float]],
    road: TravelMatrix,
    mode: str = "car",
    baseline: GeodesicProvider | None = None,
) -> Calibration:
    """``calibrate`` on a road matrix already computed between ``points``."""
    baseline = baseline or GeodesicProvider()
    compared = _compared(road)
    straight_m = great_circle_m(points)[compared]
    if not (straight_m > 0).any():
        raise InvalidRequest.single(
            "points", "calibration needs two places at least, apart and with a road between"
        )
    squares = float(np.dot(straight_m, straight_m))
    detour_factor = baseline.detour_factor
    if road.distances_m is not None:
        detour_factor = float(np.dot(straight_m, road.distances_m[compared])) / squares
    straight_m_per_s = squares / float(np.dot(straight_m, road.durations_s[compared]))
    speed_kmh = detour_factor * straight_m_per_s * 3.6
    fitted = GeodesicProvider(detour_factor, {**baseline.speeds_kmh, mode: speed_kmh})
    return Calibration(
        mode=mode,
        pairs=int(compared.sum()),
        detour_factor=detour_factor,
        speed_kmh=speed_kmh,
        before=travel_errors(baseline.matrices(points, mode), road),
        after=travel_errors(fitted.matrices(points, mode), road),
    )


def travel_errors(estimate: TravelMatrix, road: TravelMatrix) -> TravelErrors:
    """The errors of ``estimate`` against ``road`` over the pairs of distinct places with a
    positive road duration and distance."""
    compared = _compared(road)
    if not compared.any():
        raise InvalidRequest.single("points", "no pair of distinct places to compare")
    duration, duration_relative = _errors(estimate.durations_s, road.durations_s, compared)
    if estimate.distances_m is None or road.distances_m is None:
        return TravelErrors(duration, duration_relative, None, None)
    distance, distance_relative = _errors(estimate.distances_m, road.distances_m, compared)
    return TravelErrors(duration, duration_relative, distance, distance_relative)


def format_calibration(calibration: Calibration, baseline: GeodesicProvider) -> str:
    """The fitted figures next to the current ones, with the errors of each."""
    mode = calibration.mode
    rows = [
        ("now", baseline.detour_factor, baseline.speeds_kmh[mode], calibration.before),
        ("calibrated", calibration.detour_factor, calibration.speed_kmh, calibration.after),
    ]
    lines = [
        f"{calibration.pairs:,} pairs, travel mode {mode}",
        f"{'geodesic':<12}{'detour':>8}{'km/h':>8}{'mean error':>18}{'distance error':>20}",
    ]
    for name, detour, speed, errors in rows:
        distance = "-"
        if errors.distance_mean_m is not None and errors.distance_mean_relative is not None:
            distance = f"{errors.distance_mean_m:,.0f} m {errors.distance_mean_relative:.0%}"
        duration = f"{errors.duration_mean_s:,.0f} s {errors.duration_mean_relative:.0%}"
        lines.append(f"{name:<12}{detour:>8.2f}{speed:>8.1f}{duration:>18}{distance:>20}")
    return "\n".join(lines)


def _compared(road: TravelMatrix) -> npt.NDArray[np.bool_]:
    compared = road.durations_s > 0
    if road.distances_m is not None:
        compared &= road.distances_m > 0
    np.fill_diagonal(compared, False)
    return compared


def _errors(
    estimate: npt.NDArray[np.int64], road: npt.NDArray[np.int64], compared: npt.NDArray[np.bool_]
) -> tuple[float, float]:
    truth = road[compared].astype(np.float64)
    error = np.abs(estimate[compared] - truth)
    return float(error.mean()), float((error / truth).mean())
