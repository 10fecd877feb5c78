"""Maps drawn as SVG from coordinates alone: no tiles, no network.

Points are projected equirectangularly (longitude scaled by the cosine of the mean
latitude), which is true to shape over the few kilometres of a clinic's day.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable

# Distinct colours, each dark enough for white text on it (contrast >= 4.5).
ROUTE_COLOURS = (
    "#1f5f9e",
    "#b23c17",
    "#2e7d32",
    "#7b1fa2",
    "#ad1457",
    "#00695c",
    "#6d4c41",
    "#3949ab",
    "#6b6b00",
    "#c62828",
    "#455a64",
    "#8a5300",
)


def route_colour(index: int) -> str:
    return ROUTE_COLOURS[index % len(ROUTE_COLOURS)]


@dataclass(frozen=True)
class Projection:
    """Maps (lat, lon) into a ``width`` x ``height`` box, keeping ``margin`` free."""

    width: float
    height: float
    margin: float
    north: float
    west: float
    scale: float
    x_factor: float
    x_offset: float
    y_offset: float

    def xy(self, lat: float, lon: float) -> tuple[float, float]:
        """The point's position in the box, rounded to 0.1."""
        x = self.x_offset + (lon - self.west) * self.x_factor * self.scale
        y = self.y_offset + (self.north - lat) * self.scale
        return round(x, 1), round(y, 1)


def projection(
    points: Iterable[tuple[float, float]], width: float, height: float, margin: float
) -> Projection:
    """The projection that fits every (lat, lon) point in the box, centred."""
    located = list(points) or [(0.0, 0.0)]
    lats = [lat for lat, _ in located]
    lons = [lon for _, lon in located]
    x_factor = math.cos(math.radians((min(lats) + max(lats)) / 2))
    span_x = (max(lons) - min(lons)) * x_factor
    span_y = max(lats) - min(lats)
    inner_w, inner_h = width - 2 * margin, height - 2 * margin
    scale = min(
        inner_w / span_x if span_x > 0 else math.inf,
        inner_h / span_y if span_y > 0 else math.inf,
    )
    if not math.isfinite(scale):
        scale = 1.0
    return Projection(
        width=width,
        height=height,
        margin=margin,
        north=max(lats),
        west=min(lons),
        scale=scale,
        x_factor=x_factor,
        x_offset=margin + (inner_w - span_x * scale) / 2,
        y_offset=margin + (inner_h - span_y * scale) / 2,
    )


def polyline(points: Iterable[tuple[float, float]]) -> str:
    """SVG ``points`` text of already projected points."""
    return " ".join(f"{x},{y}" for x, y in points)
