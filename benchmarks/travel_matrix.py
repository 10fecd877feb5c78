"""Time ``GeodesicProvider`` on a day-sized set of locations.

Usage: ``python -m benchmarks.travel_matrix [--locations 2000] [--repeat 5]``. Prints the
best and median wall time of one duration + distance matrix pair.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from scheduler.travel import GeodesicProvider

# Around Andorra la Vella, about 30 km across: a clinic's service area.
CENTRE_LAT, CENTRE_LON = 42.507, 1.521
SPREAD_DEG = 0.15


def random_points(count: int, seed: int) -> list[tuple[float, float]]:
    rng = np.random.default_rng(seed)
    lats = CENTRE_LAT + rng.uniform(-SPREAD_DEG, SPREAD_DEG, count)
    lons = CENTRE_LON + rng.uniform(-SPREAD_DEG, SPREAD_DEG, count)
    return list(zip(lats.tolist(), lons.tolist(), strict=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--locations", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    points = random_points(args.locations, seed=0)
    provider = GeodesicProvider()
    timings: list[float] = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        matrix = provider.matrices(points, "car")
        timings.append(time.perf_counter() - started)
    print(
        f"geodesic matrices for {args.locations} locations ({matrix.size}x{matrix.size}): "
        f"best {min(timings) * 1000:.1f} ms, median {statistics.median(timings) * 1000:.1f} ms "
        f"over {args.repeat} runs"
    )


if __name__ == "__main__":
    main()
