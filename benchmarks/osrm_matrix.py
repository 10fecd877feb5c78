"""Time ``OsrmProvider`` on Andorra and measure the great-circle estimate against it.

Usage: ``python -m benchmarks.osrm_matrix [--url http://127.0.0.1:5000] [--sizes 500 2000]``
(default URL: ``HOMEVISIT_OSRM_URL``, else ``HOMEVISIT_TEST_OSRM_URL`` as ``.ci/osrm-router``
exports it). The router must serve ``andorra.osm.pbf``; ``--max-locations`` is its
``--max-table-size``. Points are the golden table's 40 (random points near roads) moved by
a few hundred metres at random, kept if the router snaps them within 150 m of a road.

Prints the wall time of each matrix, then the mean error of the default great-circle
provider and of one calibrated on 200 other points, against the router over the largest
matrix. Map data: (c) OpenStreetMap contributors, ODbL.
"""

from __future__ import annotations

import argparse
import json
import os
import time
import urllib.request
from pathlib import Path

import numpy as np

from scheduler.travel import GeodesicProvider
from scheduler.travel.calibrate import TravelErrors, calibrate, travel_errors
from scheduler.travel.osrm import OsrmProvider

GOLDEN = Path(__file__).resolve().parents[1].parent / "shared/data/osm/andorra_osrm_table_40.json"
SPREAD_DEG = 0.003  # about 300 m
MAX_SNAP_M = 150.0


def road_points(url: str, count: int, seed: int) -> list[tuple[float, float]]:
    """``count`` points near the golden ones that the router snaps within ``MAX_SNAP_M``."""
    rng = np.random.default_rng(seed)
    centres = [(lat, lon) for lon, lat in json.loads(GOLDEN.read_text())["coordinates_lonlat"]]
    points: list[tuple[float, float]] = []
    while len(points) < count:
        lat, lon = centres[int(rng.integers(len(centres)))]
        lat, lon = lat + rng.normal(0, SPREAD_DEG), lon + rng.normal(0, SPREAD_DEG)
        with urllib.request.urlopen(f"{url}/nearest/v1/driving/{lon:.6f},{lat:.6f}") as answer:
            nearest = json.loads(answer.read())
        if nearest["code"] == "Ok" and nearest["waypoints"][0]["distance"] <= MAX_SNAP_M:
            points.append((round(lat, 6), round(lon, 6)))
    return points


def _errors(name: str, errors: TravelErrors) -> str:
    distance = ""
    if errors.distance_mean_m is not None and errors.distance_mean_relative is not None:
        distance = (
            f", distance {errors.distance_mean_m:,.0f} m ({errors.distance_mean_relative:.1%})"
        )
    return (
        f"  {name:<34} duration {errors.duration_mean_s:,.0f} s "
        f"({errors.duration_mean_relative:.1%}){distance}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_url = os.environ.get("HOMEVISIT_OSRM_URL") or os.environ.get("HOMEVISIT_TEST_OSRM_URL")
    parser.add_argument("--url", default=default_url, required=default_url is None)
    parser.add_argument("--sizes", type=int, nargs="+", default=[500, 2000])
    parser.add_argument("--max-locations", type=int, default=100)
    args = parser.parse_args()
    provider = OsrmProvider(args.url, max_locations=args.max_locations)
    started = time.perf_counter()
    points = road_points(args.url, max(args.sizes), seed=0)
    print(f"{len(points)} points near Andorra's roads in {time.perf_counter() - started:.1f} s")
    for size in sorted(args.sizes):
        blocks = -(-size // args.max_locations)
        started = time.perf_counter()
        road = provider.matrices(points[:size], "car")
        elapsed = time.perf_counter() - started
        print(
            f"OSRM {size} x {size} (max {args.max_locations} locations, {blocks * blocks} "
            f"requests): {elapsed:.2f} s"
        )
    sample = road_points(args.url, 200, seed=1)
    calibration = calibrate(provider, sample)
    print(
        f"calibrated on 200 other points: detour factor {calibration.detour_factor:.3f}, "
        f"car {calibration.speed_kmh:.1f} km/h"
    )
    print(f"mean error against OSRM over the {road.size} x {road.size} matrix:")
    compared = points[: road.size]
    default = GeodesicProvider().matrices(compared, "car")
    print(_errors("default (1.3, 30 km/h)", travel_errors(default, road)))
    fitted = calibration.provider().matrices(compared, "car")
    print(_errors("calibrated", travel_errors(fitted, road)))


if __name__ == "__main__":
    main()
