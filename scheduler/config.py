"""The settings, read once from ``HOMEVISIT_*`` environment variables.

``Settings.from_env()`` is the one place that reads the environment; everything else takes a
``Settings`` (or the single value it needs) as an argument, so tests build their own.

| variable | default | meaning |
| --- | --- | --- |
| ``HOMEVISIT_DATABASE_URL`` | ``sqlite:///homevisit.db`` | SQLAlchemy URL of the database |
| ``HOMEVISIT_TRAVEL_PROVIDER`` | ``geodesic`` | travel times: ``geodesic`` or ``osrm`` |
| ``HOMEVISIT_SOLVER_TIME_LIMIT_S`` | ``10`` | seconds of search per plan |
| ``HOMEVISIT_SECRET_KEY`` | none | key that signs tokens; the API requires one |
| ``HOMEVISIT_GEOCODER_DOMAIN`` | ``nominatim.openstreetmap.org`` | Nominatim host[:port][/path] |
| ``HOMEVISIT_GEOCODER_USER_AGENT`` | ``homevisit`` | User-Agent sent to the geocoder |
| ``HOMEVISIT_GEOCODER_MIN_DELAY_S`` | ``1.0`` | seconds between two geocoder requests |

A variable set to the empty string counts as unset. The geocoder domain may start with
``http://`` (a self-hosted Nominatim) or ``https://`` (the default).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from scheduler.errors import InvalidRequest

if TYPE_CHECKING:
    from collections.abc import Mapping

PREFIX = "HOMEVISIT_"
DEFAULT_DATABASE_URL = "sqlite:///homevisit.db"
DEFAULT_TRAVEL_PROVIDER = "geodesic"
DEFAULT_SOLVER_TIME_LIMIT_S = 10.0
DEFAULT_GEOCODER_DOMAIN = "nominatim.openstreetmap.org"
DEFAULT_GEOCODER_USER_AGENT = "homevisit"
# The public Nominatim's usage policy: at most one request a second.
DEFAULT_GEOCODER_MIN_DELAY_S = 1.0
GEOCODER_SCHEMES = ("http", "https")
TRAVEL_PROVIDERS = ("geodesic", "osrm")


@dataclass(frozen=True)
class Settings:
    """How this installation runs; build it with ``Settings.from_env()``."""

    database_url: str = DEFAULT_DATABASE_URL
    travel_provider: str = DEFAULT_TRAVEL_PROVIDER
    solver_time_limit_s: float = DEFAULT_SOLVER_TIME_LIMIT_S
    secret_key: str | None = None
    geocoder_domain: str = DEFAULT_GEOCODER_DOMAIN
    geocoder_user_agent: str = DEFAULT_GEOCODER_USER_AGENT
    geocoder_min_delay_s: float = DEFAULT_GEOCODER_MIN_DELAY_S

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> Settings:
        """The settings from ``HOMEVISIT_*`` variables; ``InvalidRequest`` names a bad one."""
        database_url = _read(environ, "database_url") or DEFAULT_DATABASE_URL
        provider = _read(environ, "travel_provider") or DEFAULT_TRAVEL_PROVIDER
        return cls(
            database_url=check_database_url(database_url),
            travel_provider=_travel_provider(provider),
            solver_time_limit_s=_time_limit(_read(environ, "solver_time_limit_s")),
            secret_key=_read(environ, "secret_key"),
            geocoder_domain=_geocoder_domain(_read(environ, "geocoder_domain")),
            geocoder_user_agent=(
                _read(environ, "geocoder_user_agent") or DEFAULT_GEOCODER_USER_AGENT
            ),
            geocoder_min_delay_s=_min_delay(_read(environ, "geocoder_min_delay_s")),
        )


def _read(environ: Mapping[str, str], name: str) -> str | None:
    return environ.get(PREFIX + name.upper()) or None


def _invalid(name: str, message: str) -> InvalidRequest:
    return InvalidRequest.single(PREFIX + name.upper(), message, detail="invalid configuration")


def check_database_url(value: str, field: str = PREFIX + "DATABASE_URL") -> str:
    """``value`` if SQLAlchemy can parse it; else ``InvalidRequest`` on ``field``."""
    try:
        make_url(value)
    except ArgumentError:
        # The value is not echoed: it may hold a password.
        raise InvalidRequest.single(
            field,
            "is not a database URL; expected for example sqlite:///homevisit.db or "
            "postgresql+psycopg://user@host:5432/homevisit",
            detail="invalid configuration",
        ) from None
    return value


def _travel_provider(value: str) -> str:
    if value not in TRAVEL_PROVIDERS:
        known = ", ".join(TRAVEL_PROVIDERS)
        raise _invalid("travel_provider", f"unknown provider {value!r}; expected one of {known}")
    return value


def _float_or_nan(value: str) -> float:
    try:
        return float(value)
    except ValueError:
        return math.nan


def _time_limit(value: str | None) -> float:
    if value is None:
        return DEFAULT_SOLVER_TIME_LIMIT_S
    seconds = _float_or_nan(value)
    if not (math.isfinite(seconds) and seconds > 0):
        raise _invalid(
            "solver_time_limit_s", f"must be a positive number of seconds, got {value!r}"
        )
    return seconds


def _geocoder_domain(value: str | None) -> str:
    if value is None:
        return DEFAULT_GEOCODER_DOMAIN
    scheme, separator, host = value.partition("://")
    if not separator:
        host = value
    elif scheme not in GEOCODER_SCHEMES:
        raise _invalid("geocoder_domain", f"must use http:// or https://, got {value!r}")
    if not host or any(character.isspace() for character in value):
        raise _invalid(
            "geocoder_domain",
            f"must be a host such as nominatim.openstreetmap.org, got {value!r}",
        )
    return value


def _min_delay(value: str | None) -> float:
    if value is None:
        return DEFAULT_GEOCODER_MIN_DELAY_S
    seconds = _float_or_nan(value)
    if not (math.isfinite(seconds) and seconds >= 0):
        raise _invalid(
            "geocoder_min_delay_s", f"must be zero or a positive number of seconds, got {value!r}"
        )
    return seconds
