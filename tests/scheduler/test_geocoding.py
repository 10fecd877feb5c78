"""scheduler.travel.geocoding: the geocode cache, given coordinates, clear failures."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
import sqlalchemy as sa
from geopy.exc import GeocoderQuotaExceeded, GeocoderTimedOut, GeocoderUnavailable
from geopy.location import Location

from scheduler.config import Settings
from scheduler.errors import InvalidRequest
from scheduler.models import GeocodeCache
from scheduler.travel.geocoding import (
    GeopyGeocoder,
    ensure_coordinates,
    geocode_address,
    nominatim_geocoder,
    normalise_query,
)
from tests.scheduler.factories import add_clinic, add_patient
from tests.scheduler.fixture_geocoder import ANDORRA_PLACES, FixtureGeocoder

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

MERITXELL = "Avinguda Meritxell 10, Andorra la Vella"
MERITXELL_AT = ANDORRA_PLACES[MERITXELL]
NOWHERE = "Carrer Inexistent 99, Andorra la Vella"


def _cached(session: Session) -> list[tuple[str, str, float, float]]:
    rows = session.execute(
        sa.select(GeocodeCache.provider, GeocodeCache.query, GeocodeCache.lat, GeocodeCache.lon)
    )
    return [(provider, query, lat, lon) for provider, query, lat, lon in rows]


def test_a_new_address_is_looked_up_and_cached(session: Session) -> None:
    geocoder = FixtureGeocoder()
    assert geocode_address(session, geocoder, MERITXELL, "fixture") == MERITXELL_AT
    assert geocoder.queries == [MERITXELL]
    assert _cached(session) == [("fixture", MERITXELL.lower(), *MERITXELL_AT)]


def test_a_cache_hit_does_not_call_the_geocoder_again(session: Session) -> None:
    """The second spelling differs in case and spaces only: the same normalised query."""
    geocoder = FixtureGeocoder()
    geocode_address(session, geocoder, MERITXELL, "fixture")
    again = geocode_address(session, geocoder, "  avinguda MERITXELL  10,\tandorra la vella ")
    assert again == MERITXELL_AT
    assert geocoder.calls == 1


def test_the_cache_is_per_provider(session: Session) -> None:
    geocode_address(session, FixtureGeocoder(name="first"), MERITXELL)
    second = FixtureGeocoder(name="second")
    geocode_address(session, second, MERITXELL)
    assert second.calls == 1
    assert sorted(provider for provider, *_ in _cached(session)) == ["first", "second"]


def test_normalise_query_trims_lowers_and_single_spaces() -> None:
    assert normalise_query("  Carrer  Major\t1,\nEncamp ") == "carrer major 1, encamp"


def test_a_patient_with_coordinates_never_calls_the_geocoder(session: Session) -> None:
    patient = add_patient(session, add_clinic(session))
    patient.lat, patient.lon = 42.51, 1.53
    geocoder = FixtureGeocoder({})
    ensure_coordinates(session, geocoder, patient)
    assert (patient.lat, patient.lon) == (42.51, 1.53)
    assert geocoder.calls == 0
    assert _cached(session) == []


def test_a_patient_without_coordinates_gets_them(session: Session) -> None:
    patient = add_patient(session, add_clinic(session))
    patient.address = MERITXELL
    geocoder = FixtureGeocoder()
    ensure_coordinates(session, geocoder, patient)
    session.flush()
    assert (patient.lat, patient.lon) == MERITXELL_AT
    assert geocoder.calls == 1


def test_an_unknown_address_is_an_error_naming_the_patient(session: Session) -> None:
    patient = add_patient(session, add_clinic(session), external_id="p7")
    patient.address = NOWHERE
    with pytest.raises(InvalidRequest) as raised:
        ensure_coordinates(session, FixtureGeocoder(), patient)
    [error] = raised.value.errors
    assert error.field == "address"
    assert error.message == (
        f"patient 'p7': fixture found no place for address {NOWHERE!r}; correct it or give "
        "the coordinates"
    )
    assert patient.lat is None
    assert _cached(session) == []


@pytest.mark.parametrize(
    "failure",
    [
        GeocoderTimedOut("Service timed out"),
        GeocoderUnavailable("Connection refused"),
        GeocoderQuotaExceeded("HTTP Error 429: Too Many Requests"),
    ],
    ids=lambda failure: type(failure).__name__,
)
def test_a_failed_lookup_is_an_error_naming_the_address(
    session: Session, failure: Exception
) -> None:
    """geopy's errors become one InvalidRequest saying the lookup failed, not "not found"."""
    geocoder = FixtureGeocoder({MERITXELL: failure})
    with pytest.raises(InvalidRequest) as raised:
        geocode_address(session, geocoder, MERITXELL)
    [error] = raised.value.errors
    assert error.field == "address"
    assert error.message.startswith(f"looking up address {MERITXELL!r} with fixture failed")
    assert str(failure) in error.message
    assert raised.value.__cause__ is failure


@pytest.mark.parametrize(
    ("address", "message"),
    [
        pytest.param(" \t ", "the address is empty", id="blank"),
        pytest.param("x" * 501, "is 501 characters long, more than 500", id="too-long"),
    ],
)
def test_an_unusable_address_is_refused_without_a_lookup(
    session: Session, address: str, message: str
) -> None:
    geocoder = FixtureGeocoder()
    with pytest.raises(InvalidRequest) as raised:
        geocode_address(session, geocoder, address)
    assert message in raised.value.errors[0].message
    assert geocoder.calls == 0


class _RacingGeocoder(FixtureGeocoder):
    """Another process caches the same address while this one is asking the geocoder."""

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session

    def geocode(self, query: str) -> tuple[float, float] | None:
        self.session.add(GeocodeCache(provider=self.name, query=query.lower(), lat=1.0, lon=2.0))
        self.session.flush()
        return super().geocode(query)


def test_an_address_cached_meanwhile_is_not_a_conflict(session: Session) -> None:
    """The unique key does not fail the lookup; the row stored first stays."""
    coordinates = geocode_address(session, _RacingGeocoder(session), MERITXELL)
    assert coordinates == MERITXELL_AT
    assert [(lat, lon) for *_, lat, lon in _cached(session)] == [(1.0, 2.0)]


def test_nominatim_geocoder_uses_the_settings() -> None:
    settings = Settings(
        geocoder_domain="http://localhost:8080/nominatim",
        geocoder_user_agent="clinic-andorra",
        geocoder_min_delay_s=0.5,
    )
    geocoder = nominatim_geocoder(settings)
    assert geocoder.name == "nominatim:localhost:8080/nominatim"
    rate_limiter = geocoder.lookup.func  # type: ignore[attr-defined]
    assert rate_limiter.min_delay_seconds == 0.5
    assert rate_limiter.swallow_exceptions is False
    nominatim = rate_limiter.func.__self__
    assert nominatim.api == "http://localhost:8080/nominatim/search"
    assert nominatim.headers["User-Agent"] == "clinic-andorra"


def test_nominatim_defaults_to_the_public_server_over_https() -> None:
    geocoder = nominatim_geocoder(Settings())
    nominatim = geocoder.lookup.func.func.__self__  # type: ignore[attr-defined]
    assert nominatim.api == "https://nominatim.openstreetmap.org/search"
    assert nominatim.headers["User-Agent"] == "homevisit"
    assert geocoder.lookup.func.min_delay_seconds == 1.0  # type: ignore[attr-defined]


def test_geopy_geocoder_returns_the_location_as_lat_lon() -> None:
    found = GeopyGeocoder("geopy", lambda query: Location(query, (42.5, 1.52), {}))
    assert found.geocode(MERITXELL) == (42.5, 1.52)
    assert GeopyGeocoder("geopy", lambda _query: None).geocode(NOWHERE) is None
