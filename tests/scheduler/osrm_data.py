"""The golden OSRM table on Andorra and the real router that ``.ci/osrm-router`` starts.

Map data and the table derived from it: (c) OpenStreetMap contributors, ODbL 1.0.
``andorra_osrm_table_40.json`` was made with osrm-bindings 26.10.0 (car.lua, CH); its
durations and distances have one decimal, as OSRM answers them.
"""

from __future__ import annotations

import functools
import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from solver.problem import IntMatrix, TravelMatrix

# Shipped with the repository (tests/data/README.md gives its source and licence).
GOLDEN_TABLE = Path(__file__).resolve().parents[1] / "data" / "andorra_osrm_table_40.json"
URL_VARIABLE = "HOMEVISIT_TEST_OSRM_URL"
# The router's --max-table-size; .ci/osrm-router starts it with osrm-routed's default.
MAX_TABLE_VARIABLE = "HOMEVISIT_TEST_OSRM_MAX_TABLE_SIZE"
DEFAULT_MAX_TABLE_SIZE = 100


@dataclass(frozen=True)
class GoldenTable:
    """The 40 points as (lat, lon) and OSRM's matrices rounded to whole seconds and metres."""

    points: list[tuple[float, float]]
    durations_s: IntMatrix
    distances_m: IntMatrix

    @property
    def matrix(self) -> TravelMatrix:
        return TravelMatrix(durations_s=self.durations_s, distances_m=self.distances_m)


@functools.cache
def golden_table() -> GoldenTable:
    data = json.loads(GOLDEN_TABLE.read_text())
    return GoldenTable(
        points=[(lat, lon) for lon, lat in data["coordinates_lonlat"]],
        durations_s=np.rint(np.array(data["durations_s"])).astype(np.int64),
        distances_m=np.rint(np.array(data["distances_m"])).astype(np.int64),
    )


def router_url() -> str:
    """The URL of the test router; skips the test, saying why, when none is configured."""
    url = os.environ.get(URL_VARIABLE)
    if not url:
        pytest.skip(
            f"{URL_VARIABLE} is not set: these tests need a real OSRM router on "
            "andorra.osm.pbf; .ci/run starts one with .ci/osrm-router"
        )
    return url


def router_max_table_size() -> int:
    return int(os.environ.get(MAX_TABLE_VARIABLE) or DEFAULT_MAX_TABLE_SIZE)
