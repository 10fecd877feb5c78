"""Travel times and distances between coordinates, behind one protocol.

``GeodesicProvider`` (great-circle estimates) is the default; road-network providers such as
OSRM implement the same ``TravelTimeProvider`` protocol.

May import: config, errors, models, db.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from scheduler.travel.geodesic import DEFAULT_SPEEDS_KMH, GeodesicProvider

if TYPE_CHECKING:
    from collections.abc import Sequence

    from solver.problem import TravelMatrix

# The travel modes a therapist may have; every provider answers for each of them.
TRAVEL_MODES: tuple[str, ...] = tuple(DEFAULT_SPEEDS_KMH)


class TravelTimeProvider(Protocol):
    """Computes square travel matrices between points; rows are origins."""

    def matrices(self, points: Sequence[tuple[float, float]], mode: str) -> TravelMatrix:
        """Durations (int s) and distances (int m) between (lat, lon) points for ``mode``.

        Raises ``InvalidRequest`` for a travel mode the provider does not know.
        """
        ...


__all__ = ["TRAVEL_MODES", "GeodesicProvider", "TravelTimeProvider"]
