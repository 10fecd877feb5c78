"""Caches of geocoding answers and of travel times between coordinate pairs."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from scheduler.models.base import Base, utc_now

MICRODEGREES = 1_000_000


def to_microdegrees(degrees: float) -> int:
    """A coordinate rounded to 6 decimals (about 0.1 m), as the integer key of the cache."""
    return round(degrees * MICRODEGREES)


class GeocodeCache(Base):
    """What ``provider`` answered for an address ``query`` (normalised by the geocoder)."""

    __tablename__ = "geocode_cache"
    __table_args__ = (sa.UniqueConstraint("provider", "query"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(sa.String(100))
    query: Mapped[str] = mapped_column(sa.String(500))
    lat: Mapped[float]
    lon: Mapped[float]
    created_at: Mapped[dt.datetime] = mapped_column(default=utc_now)


class MatrixCache(Base):
    """The travel time and distance from one point to another for a provider and mode.

    Coordinates are stored as integer microdegrees (``to_microdegrees``): rounded to 6
    decimals as the key needs, and compared exactly on both engines, which floats are not.
    ``provider`` names the provider and whatever settings change its answers.
    """

    __tablename__ = "matrix_cache"
    __table_args__ = (
        sa.UniqueConstraint(
            "provider",
            "mode",
            "origin_lat_e6",
            "origin_lon_e6",
            "destination_lat_e6",
            "destination_lon_e6",
            name="uq_matrix_cache_key",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(sa.String(100))
    mode: Mapped[str] = mapped_column(sa.String(20))
    origin_lat_e6: Mapped[int]
    origin_lon_e6: Mapped[int]
    destination_lat_e6: Mapped[int]
    destination_lon_e6: Mapped[int]
    duration_s: Mapped[int]
    distance_m: Mapped[int | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utc_now)
