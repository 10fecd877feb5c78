"""Addresses to coordinates: a configured geopy geocoder behind a cache table.

``geocode_address`` answers from ``GeocodeCache`` when it can and asks the geocoder only for
an address it has not seen (per provider, the address trimmed, lower-cased and with single
spaces). ``ensure_coordinates`` is what importers call: a patient whose coordinates are
given never reaches the geocoder. A failed lookup is an ``InvalidRequest`` on the address.

Addresses the geocoder does not find are not cached: the next import asks again, which
matters once the address has been corrected on the geocoder's side (OpenStreetMap edits).
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any, Protocol

import sqlalchemy as sa
from geopy.exc import GeopyError
from geopy.extra.rate_limiter import RateLimiter
from geopy.geocoders import Nominatim

from scheduler.db.engine import insert_skipping_duplicates
from scheduler.errors import InvalidRequest
from scheduler.models import GeocodeCache

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlalchemy.orm import Session

    from scheduler.config import Settings
    from scheduler.models import Patient

# The length of ``GeocodeCache.query``.
MAX_QUERY_LENGTH = 500
# geopy's default (1 s) is short for the public Nominatim at a busy hour.
GEOCODER_TIMEOUT_S = 10.0
# RateLimiter retries a failed request (server error, timeout) after a pause, then raises.
GEOCODER_RETRIES = 2
GEOCODER_RETRY_WAIT_S = 5.0


class Geocoder(Protocol):
    """Finds the coordinates of an address.

    ``geocode`` returns (lat, lon), or ``None`` when the geocoder knows no such place; it
    raises a ``geopy.exc.GeopyError`` when the lookup itself fails (timeout, server down,
    request refused).
    """

    @property
    def name(self) -> str:
        """Whose answers these are (the cache's ``provider``), e.g. ``nominatim:<domain>``."""
        ...

    def geocode(self, query: str) -> tuple[float, float] | None:
        """The (lat, lon) of ``query``, or ``None`` if nothing matches."""
        ...


class GeopyGeocoder:
    """A ``Geocoder`` over ``lookup``, a geopy ``geocode`` callable (a geocoder's method or
    a ``RateLimiter`` around it) that returns a ``geopy.Location`` or ``None``."""

    def __init__(self, name: str, lookup: Callable[[str], Any]) -> None:
        self._name = name
        self.lookup = lookup

    @property
    def name(self) -> str:
        """The provider name the cache stores answers under."""
        return self._name

    def geocode(self, query: str) -> tuple[float, float] | None:
        """The first match's (lat, lon), or ``None``."""
        location = self.lookup(query)
        if location is None:
            return None
        return float(location.latitude), float(location.longitude)


def nominatim_geocoder(settings: Settings) -> GeopyGeocoder:
    """Nominatim at ``settings.geocoder_domain``, at most one request every
    ``geocoder_min_delay_s`` seconds (in this process), with the configured user agent."""
    scheme, domain = split_geocoder_domain(settings.geocoder_domain)
    nominatim = Nominatim(
        domain=domain,
        scheme=scheme,
        user_agent=settings.geocoder_user_agent,
        timeout=GEOCODER_TIMEOUT_S,
    )
    rate_limited = RateLimiter(
        nominatim.geocode,
        min_delay_seconds=settings.geocoder_min_delay_s,
        max_retries=GEOCODER_RETRIES,
        error_wait_seconds=max(GEOCODER_RETRY_WAIT_S, settings.geocoder_min_delay_s),
        # Raise after the retries: swallowed, a timeout would read as "no such address".
        swallow_exceptions=False,
    )
    return GeopyGeocoder(f"nominatim:{domain}", functools.partial(rate_limited, exactly_one=True))


def split_geocoder_domain(value: str) -> tuple[str, str]:
    """(scheme, domain) of a configured geocoder domain; ``https`` unless it says ``http://``."""
    scheme, separator, domain = value.partition("://")
    return (scheme, domain) if separator else ("https", value)


def normalise_query(address: str) -> str:
    """The cache key of an address: trimmed, lower-cased, runs of whitespace as one space."""
    return " ".join(address.split()).lower()


def geocode_address(
    session: Session,
    geocoder: Geocoder,
    address: str,
    provider_name: str | None = None,
    *,
    record: str | None = None,
) -> tuple[float, float]:
    """The (lat, lon) of ``address``, from the cache or else from ``geocoder`` (then cached).

    ``provider_name`` keys the cache (default: ``geocoder.name``). ``record`` (such as
    ``patient 'p1'``) starts the error message. Raises ``InvalidRequest`` on the field
    ``address`` when the address is empty or too long, the geocoder finds nothing, or the
    lookup fails.
    """
    provider = provider_name or geocoder.name
    query = normalise_query(address)
    _check_query(query, address, record)
    cached = session.execute(
        sa.select(GeocodeCache.lat, GeocodeCache.lon).where(
            GeocodeCache.provider == provider, GeocodeCache.query == query
        )
    ).one_or_none()
    if cached is not None:
        return cached.lat, cached.lon
    coordinates = _look_up(geocoder, " ".join(address.split()), provider, record)
    # Skipping a duplicate: another process cached the same address meanwhile.
    session.execute(
        insert_skipping_duplicates(GeocodeCache, session.get_bind().dialect),
        [{"provider": provider, "query": query, "lat": coordinates[0], "lon": coordinates[1]}],
    )
    return coordinates


def ensure_coordinates(session: Session, geocoder: Geocoder, patient: Patient) -> None:
    """Fill in the patient's ``lat``/``lon`` from the address unless both are given (then
    the geocoder is not called). Raises ``InvalidRequest`` naming the patient and address."""
    if patient.lat is not None and patient.lon is not None:
        return
    patient.lat, patient.lon = geocode_address(
        session, geocoder, patient.address, record=f"patient {patient.external_id!r}"
    )


def _look_up(
    geocoder: Geocoder, query: str, provider: str, record: str | None
) -> tuple[float, float]:
    try:
        coordinates = geocoder.geocode(query)
    except GeopyError as error:
        reason = str(error) or type(error).__name__
        raise _invalid(
            record,
            f"looking up address {query!r} with {provider} failed ({reason}); try again "
            "later or give the coordinates",
        ) from error
    if coordinates is None:
        raise _invalid(
            record,
            f"{provider} found no place for address {query!r}; correct it or give the coordinates",
        )
    return coordinates


def _check_query(query: str, address: str, record: str | None) -> None:
    if not query:
        raise _invalid(record, "the address is empty; give an address or the coordinates")
    if len(query) > MAX_QUERY_LENGTH:
        raise _invalid(
            record,
            f"the address is {len(query)} characters long, more than {MAX_QUERY_LENGTH}: "
            f"{address[:40]!r}...",
        )


def _invalid(record: str | None, message: str) -> InvalidRequest:
    return InvalidRequest.single("address", f"{record}: {message}" if record else message)
