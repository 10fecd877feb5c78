"""PyVRP as a peer on VRPLIB instances (Solomon, Gehring-Homberger), beside our solver.

PyVRP reads the ``.vrp`` file itself, with distances and times scaled by 1,000 and
rounded (its ``exact`` convention, the nearest to the real-valued hierarchical BKS). It
minimises distance with the header's fleet as a limit: it has no vehicle-count objective,
so its fleet is whatever its shortest plan uses. Its routes are measured as ours are, by
``route_distance`` and ``real_valued_violations`` on the instance.

pyvrp is an optional extra (``pip install -e '.[benchmark]'``), imported only when called.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

MISSING = (
    "the PyVRP peer needs pyvrp, which is not installed: "
    "pip install -e '.[benchmark]' (or pip install 'pyvrp==0.14.*')"
)


@dataclass(frozen=True)
class PeerPlan:
    """A peer's routes, customers numbered as in ``.sol`` files (1..n), and its wall time."""

    routes: list[list[int]]
    wall_s: float


def solve_with_pyvrp(path: Path, time_limit_s: float, seed: int = 1) -> PeerPlan:
    """Solve one instance with PyVRP's default genetic search for ``time_limit_s``."""
    try:
        import pyvrp
        from pyvrp.stop import MaxRuntime
    except ModuleNotFoundError as error:
        raise ModuleNotFoundError(MISSING) from error
    started = time.monotonic()
    data = pyvrp.read(path, round_func="exact")
    result = pyvrp.solve(data, stop=MaxRuntime(time_limit_s), seed=seed, display=False)
    # An activity's idx counts clients from 0; client locations follow the depots.
    depots = data.num_depots
    routes = [
        [activity.idx + depots for activity in route if activity.is_client()]
        for route in result.best.routes()
    ]
    return PeerPlan([route for route in routes if route], time.monotonic() - started)
