"""The travel provider of a clinic: the one place that turns settings into a provider.

A clinic's ``travel_provider`` column wins; null means the installation's
``HOMEVISIT_TRAVEL_PROVIDER``. OSRM answers are kept in the matrix cache under the router's
URL and profiles; great-circle estimates are not (computing them is faster than loading them).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scheduler.config import TRAVEL_PROVIDERS
from scheduler.errors import InvalidRequest, TravelServiceUnavailable
from scheduler.travel.cache import CachedProvider
from scheduler.travel.geodesic import GeodesicProvider
from scheduler.travel.osrm import OsrmProvider

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from scheduler.config import Settings
    from scheduler.models import Clinic
    from scheduler.travel import TravelTimeProvider


def travel_provider(settings: Settings, session: Session, clinic: Clinic) -> TravelTimeProvider:
    """The clinic's travel provider; new OSRM pairs are cached in ``session``'s transaction.

    Raises ``InvalidRequest`` for an unknown provider name stored on the clinic and
    ``TravelServiceUnavailable`` for ``osrm`` without ``HOMEVISIT_OSRM_URL``.
    """
    name = clinic.travel_provider or settings.travel_provider
    if name == "geodesic":
        return geodesic_provider(settings)
    if name != "osrm":
        known = ", ".join(TRAVEL_PROVIDERS)
        raise InvalidRequest.single(
            "travel_provider",
            f"clinic {clinic.name!r} has an unknown travel provider {name!r}; expected one "
            f"of {known}",
        )
    router = osrm_provider(settings)
    if router is None:
        raise TravelServiceUnavailable(
            f"clinic {clinic.name!r} uses the osrm travel provider but HOMEVISIT_OSRM_URL is "
            "not set"
        )
    return CachedProvider(router, session, router.name)


def geodesic_provider(settings: Settings) -> GeodesicProvider:
    """Great-circle estimates with the configured detour factor and speeds."""
    return GeodesicProvider(settings.geodesic_detour_factor, dict(settings.geodesic_speeds_kmh))


def osrm_provider(settings: Settings) -> OsrmProvider | None:
    """The configured OSRM router (without the cache), or None if no URL is set."""
    if settings.osrm_url is None:
        return None
    return OsrmProvider(
        settings.osrm_url,
        profiles=dict(settings.osrm_profiles),
        max_locations=settings.osrm_max_locations,
        timeout_s=settings.osrm_timeout_s,
        max_snap_m=settings.osrm_max_snap_m,
    )
