"""The settings, read once from ``HOMEVISIT_*`` environment variables.

``Settings.from_env()`` is the one place that reads the environment; everything else takes a
``Settings`` (or the single value it needs) as an argument, so tests build their own.

| variable | default | meaning |
| --- | --- | --- |
| ``HOMEVISIT_DATABASE_URL`` | ``sqlite:///homevisit.db`` | SQLAlchemy URL of the database |
| ``HOMEVISIT_TRAVEL_PROVIDER`` | ``geodesic`` | travel times: ``geodesic`` or ``osrm`` |
| ``HOMEVISIT_SOLVER_TIME_LIMIT_S`` | ``10`` | seconds a plan's whole solve may take |
| ``HOMEVISIT_SECRET_KEY`` | none | key that signs tokens; the API requires one |
| ``HOMEVISIT_TOKEN_TTL_HOURS`` | ``12`` | how long a login's bearer token stays valid |
| ``HOMEVISIT_PUBLIC_BASE_URL`` | none | the server's URL as users reach it; none: no feed URLs |
| ``HOMEVISIT_LOGIN_ACCOUNT_LIMIT`` | ``10`` | login attempts for one email per window |
| ``HOMEVISIT_LOGIN_ADDRESS_LIMIT`` | ``50`` | login attempts from one client address per window |
| ``HOMEVISIT_LOGIN_WINDOW_S`` | ``900`` | the throttle's window, and how long a lock lasts |
| ``HOMEVISIT_SOLVER_PROCESSES`` | ``1`` | plan solves the API runs at the same time |
| ``HOMEVISIT_GEOCODER_DOMAIN`` | ``nominatim.openstreetmap.org`` | Nominatim host[:port][/path] |
| ``HOMEVISIT_GEOCODER_USER_AGENT`` | ``homevisit`` | User-Agent sent to the geocoder |
| ``HOMEVISIT_GEOCODER_MIN_DELAY_S`` | ``1.0`` | seconds between two geocoder requests |
| ``HOMEVISIT_OSRM_URL`` | none | base URL of an OSRM router, e.g. ``http://osrm:5000`` |
| ``HOMEVISIT_OSRM_PROFILES`` | ``car=driving`` | OSRM profile per travel mode, comma-separated |
| ``HOMEVISIT_OSRM_MAX_LOCATIONS`` | ``100`` | the router's ``--max-table-size`` |
| ``HOMEVISIT_OSRM_TIMEOUT_S`` | ``30`` | seconds to wait for one answer of the router |
| ``HOMEVISIT_OSRM_MAX_SNAP_M`` | ``1000`` | farthest a point may lie from the road it snaps to |
| ``HOMEVISIT_GEODESIC_DETOUR_FACTOR`` | ``1.3`` | road distance / great-circle distance |
| ``HOMEVISIT_GEODESIC_SPEEDS_KMH`` | none | speeds replacing the defaults, e.g. ``car=27.5`` |
| ``HOMEVISIT_PROMISED_MINUTES`` | ``30`` | how far a visit may move before its patient is told |
| ``HOMEVISIT_SMTP_HOST`` | none | mail server for the outbox's email; none: email is skipped |
| ``HOMEVISIT_SMTP_PORT`` | ``25`` | its port (587 for submission with STARTTLS) |
| ``HOMEVISIT_SMTP_FROM`` | none | the sender's address; required with a host |
| ``HOMEVISIT_SMTP_USER``, ``_PASSWORD`` | none | login, both or neither |
| ``HOMEVISIT_SMTP_STARTTLS`` | ``false`` | upgrade the connection with STARTTLS before the login |
| ``HOMEVISIT_WEBHOOK_URL`` | none | where the outbox POSTs every message; none: skipped |
| ``HOMEVISIT_WEBHOOK_SECRET`` | none | key of the HMAC-SHA256 signature; required with a URL |
| ``HOMEVISIT_DELIVERY_MAX_ATTEMPTS`` | ``6`` | attempts before a message is ``failed`` |
| ``HOMEVISIT_DELIVERY_BACKOFF_S`` | ``30`` | pause after a failed attempt, doubling each time |
| ``HOMEVISIT_DELIVERY_LEASE_S`` | ``60`` | how long a worker holds a claimed message |
| ``HOMEVISIT_DELIVERY_TIMEOUT_S`` | ``10`` | seconds to wait for the mail server or the webhook |
| ``HOMEVISIT_DELIVERY_POLL_S`` | ``5`` | pause of ``homevisit deliver`` when nothing is due |
| ``HOMEVISIT_JOBS`` | ``inline`` | who solves: ``inline`` (API servers) or ``celery`` (workers) |
| ``HOMEVISIT_BROKER_URL`` | ``amqp://guest:guest@127.0.0.1:5672//`` | Celery's broker |
| ``HOMEVISIT_RESULT_BACKEND`` | ``redis://127.0.0.1:6379/0`` | stateless solves' answers |
| ``HOMEVISIT_PLAN_QUEUE`` | ``homevisit.plans`` | the broker queue of plan solves |
| ``HOMEVISIT_SOLVE_QUEUE`` | ``homevisit.solve`` | the queue of stateless ``POST /solve`` |
| ``HOMEVISIT_JOBS_PER_CLINIC`` | ``2`` | a clinic's solves queued or running at once |
| ``HOMEVISIT_JOB_MAX_ATTEMPTS`` | ``3`` | starts of a solve whose worker is lost, then failed |
| ``HOMEVISIT_JOB_LEASE_S`` | ``15`` | a solve not renewed for this long is taken over |
| ``HOMEVISIT_JOB_RESEND_S`` | ``600`` | a queued solve no worker took is sent again |
| ``HOMEVISIT_SOLVE_WAIT_S`` | ``30`` | ``POST /solve``'s wait for a worker, beyond its limit |
| ``HOMEVISIT_ROUTE_CACHE_MB`` | ``64`` | routes and feeds one server process keeps; ``0``: none |
| ``HOMEVISIT_LISTEN_FOR_CHANGES`` | ``true`` | PostgreSQL: keep callers, told of changes (NOTIFY) |
| ``HOMEVISIT_MAX_BODY_MB`` | ``10`` | largest request body the API reads, in MiB; larger: 413 |
| ``HOMEVISIT_MAX_UPLOAD_MB`` | ``20`` | the same for the CSV uploads (``.../import``) |
| ``HOMEVISIT_API_DOCS`` | ``false`` | ``true``: serve ``/docs`` and ``/redoc`` (CDN scripts) |

A variable set to the empty string counts as unset. The geocoder domain may start with
``http://`` (a self-hosted Nominatim) or ``https://`` (the default). ``osrm`` needs
``HOMEVISIT_OSRM_URL``; travel modes without an OSRM profile cannot use it (an OSRM server
serves one profile; list a mode only if the URL answers for its profile).
``homevisit travel calibrate`` prints geodesic figures fitted to an OSRM router.
Calendar-feed URLs are built from ``HOMEVISIT_PUBLIC_BASE_URL`` (``https://host[/prefix]``),
never from a request's ``Host`` header; without it the API hands out no feed URL (URLs given
out before keep working). Logins slow down from half of a limit and lock at it
(``scheduler.accounts.throttle``).
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypedDict

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from scheduler.errors import InvalidRequest
from scheduler.travel.geodesic import DEFAULT_DETOUR_FACTOR, DEFAULT_SPEEDS_KMH

if TYPE_CHECKING:
    from collections.abc import Mapping

PREFIX = "HOMEVISIT_"
DEFAULT_DATABASE_URL = "sqlite:///homevisit.db"
DEFAULT_TRAVEL_PROVIDER = "geodesic"
DEFAULT_SOLVER_TIME_LIMIT_S = 10.0
DEFAULT_TOKEN_TTL_HOURS = 12.0
DEFAULT_LOGIN_ACCOUNT_LIMIT = 10
# Higher than an account's: a clinic's office shares one address among its staff.
DEFAULT_LOGIN_ADDRESS_LIMIT = 50
DEFAULT_LOGIN_WINDOW_S = 900.0
DEFAULT_SOLVER_PROCESSES = 1
DEFAULT_GEOCODER_DOMAIN = "nominatim.openstreetmap.org"
DEFAULT_GEOCODER_USER_AGENT = "homevisit"
# The public Nominatim's usage policy: at most one request a second.
DEFAULT_GEOCODER_MIN_DELAY_S = 1.0
GEOCODER_SCHEMES = ("http", "https")
TRAVEL_PROVIDERS = ("geodesic", "osrm")
DEFAULT_OSRM_PROFILES: tuple[tuple[str, str], ...] = (("car", "driving"),)
# osrm-routed's own default --max-table-size.
DEFAULT_OSRM_MAX_LOCATIONS = 100
DEFAULT_OSRM_TIMEOUT_S = 30.0
# Geocoded addresses lie on or beside a road; a point farther than this is a wrong one.
DEFAULT_OSRM_MAX_SNAP_M = 1000.0
_PROFILE = re.compile(r"[A-Za-z0-9_.-]+")
DEFAULT_PROMISED_MINUTES = 30
DEFAULT_SMTP_PORT = 25
DEFAULT_DELIVERY_MAX_ATTEMPTS = 6
DEFAULT_DELIVERY_BACKOFF_S = 30.0
DEFAULT_DELIVERY_LEASE_S = 60.0
DEFAULT_DELIVERY_TIMEOUT_S = 10.0
DEFAULT_DELIVERY_POLL_S = 5.0
JOB_RUNNERS = ("inline", "celery")
DEFAULT_BROKER_URL = "amqp://guest:guest@127.0.0.1:5672//"
DEFAULT_RESULT_BACKEND = "redis://127.0.0.1:6379/0"
DEFAULT_PLAN_QUEUE = "homevisit.plans"
DEFAULT_SOLVE_QUEUE = "homevisit.solve"
DEFAULT_JOBS_PER_CLINIC = 2
DEFAULT_JOB_MAX_ATTEMPTS = 3
DEFAULT_JOB_LEASE_S = 15.0
DEFAULT_JOB_RESEND_S = 600.0
DEFAULT_SOLVE_WAIT_S = 30.0
DEFAULT_ROUTE_CACHE_MB = 64
# Room for the large benchmark day (600 visits) with both matrices, about 6 MiB.
DEFAULT_MAX_BODY_MB = 10.0
# Far above any clinic's sheet (20,000 visits are about 2 MiB).
DEFAULT_MAX_UPLOAD_MB = 20.0
EMAIL_ADDRESS = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_FLAGS = {"1": True, "true": True, "yes": True, "0": False, "false": False, "no": False}


@dataclass(frozen=True)
class Settings:
    """How this installation runs; build it with ``Settings.from_env()``."""

    database_url: str = DEFAULT_DATABASE_URL
    travel_provider: str = DEFAULT_TRAVEL_PROVIDER
    solver_time_limit_s: float = DEFAULT_SOLVER_TIME_LIMIT_S
    secret_key: str | None = None
    token_ttl_hours: float = DEFAULT_TOKEN_TTL_HOURS
    public_base_url: str | None = None
    login_account_limit: int = DEFAULT_LOGIN_ACCOUNT_LIMIT
    login_address_limit: int = DEFAULT_LOGIN_ADDRESS_LIMIT
    login_window_s: float = DEFAULT_LOGIN_WINDOW_S
    solver_processes: int = DEFAULT_SOLVER_PROCESSES
    geocoder_domain: str = DEFAULT_GEOCODER_DOMAIN
    geocoder_user_agent: str = DEFAULT_GEOCODER_USER_AGENT
    geocoder_min_delay_s: float = DEFAULT_GEOCODER_MIN_DELAY_S
    osrm_url: str | None = None
    osrm_profiles: tuple[tuple[str, str], ...] = DEFAULT_OSRM_PROFILES
    osrm_max_locations: int = DEFAULT_OSRM_MAX_LOCATIONS
    osrm_timeout_s: float = DEFAULT_OSRM_TIMEOUT_S
    osrm_max_snap_m: float = DEFAULT_OSRM_MAX_SNAP_M
    geodesic_detour_factor: float = DEFAULT_DETOUR_FACTOR
    # Only the speeds that replace ``DEFAULT_SPEEDS_KMH``.
    geodesic_speeds_kmh: tuple[tuple[str, float], ...] = ()
    promised_minutes: int = DEFAULT_PROMISED_MINUTES
    smtp_host: str | None = None
    smtp_port: int = DEFAULT_SMTP_PORT
    smtp_from: str | None = None
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    webhook_url: str | None = None
    webhook_secret: str | None = None
    delivery_max_attempts: int = DEFAULT_DELIVERY_MAX_ATTEMPTS
    delivery_backoff_s: float = DEFAULT_DELIVERY_BACKOFF_S
    delivery_lease_s: float = DEFAULT_DELIVERY_LEASE_S
    delivery_timeout_s: float = DEFAULT_DELIVERY_TIMEOUT_S
    delivery_poll_s: float = DEFAULT_DELIVERY_POLL_S
    jobs: str = "inline"
    broker_url: str = DEFAULT_BROKER_URL
    result_backend: str = DEFAULT_RESULT_BACKEND
    plan_queue: str = DEFAULT_PLAN_QUEUE
    solve_queue: str = DEFAULT_SOLVE_QUEUE
    jobs_per_clinic: int = DEFAULT_JOBS_PER_CLINIC
    job_max_attempts: int = DEFAULT_JOB_MAX_ATTEMPTS
    job_lease_s: float = DEFAULT_JOB_LEASE_S
    job_resend_s: float = DEFAULT_JOB_RESEND_S
    solve_wait_s: float = DEFAULT_SOLVE_WAIT_S
    # Megabytes of rendered routes and feeds a server process keeps; 0 keeps nothing
    # (neither bodies nor callers: every request reads the database).
    route_cache_mb: int = DEFAULT_ROUTE_CACHE_MB
    # On PostgreSQL, servers LISTEN for the commits' change notifications and keep callers
    # meanwhile; false reads every caller's token from the database.
    listen_for_changes: bool = True
    max_body_mb: float = DEFAULT_MAX_BODY_MB
    max_upload_mb: float = DEFAULT_MAX_UPLOAD_MB
    # Swagger UI and ReDoc load their scripts from a CDN into a page where a token is typed.
    api_docs: bool = False

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
            token_ttl_hours=_token_ttl(_read(environ, "token_ttl_hours")),
            public_base_url=_public_base_url(_read(environ, "public_base_url")),
            login_account_limit=_whole(
                environ, "login_account_limit", DEFAULT_LOGIN_ACCOUNT_LIMIT, 1
            ),
            login_address_limit=_whole(
                environ, "login_address_limit", DEFAULT_LOGIN_ADDRESS_LIMIT, 1
            ),
            login_window_s=_positive(environ, "login_window_s", DEFAULT_LOGIN_WINDOW_S),
            solver_processes=_solver_processes(_read(environ, "solver_processes")),
            geocoder_domain=_geocoder_domain(_read(environ, "geocoder_domain")),
            geocoder_user_agent=(
                _read(environ, "geocoder_user_agent") or DEFAULT_GEOCODER_USER_AGENT
            ),
            geocoder_min_delay_s=_min_delay(_read(environ, "geocoder_min_delay_s")),
            osrm_url=_osrm_url(_read(environ, "osrm_url"), provider),
            osrm_profiles=_osrm_profiles(_read(environ, "osrm_profiles")),
            osrm_max_locations=_max_locations(_read(environ, "osrm_max_locations")),
            osrm_timeout_s=_positive(environ, "osrm_timeout_s", DEFAULT_OSRM_TIMEOUT_S),
            osrm_max_snap_m=_positive(environ, "osrm_max_snap_m", DEFAULT_OSRM_MAX_SNAP_M),
            geodesic_detour_factor=_positive(
                environ, "geodesic_detour_factor", DEFAULT_DETOUR_FACTOR
            ),
            geodesic_speeds_kmh=_speeds(_read(environ, "geodesic_speeds_kmh")),
            promised_minutes=_whole(environ, "promised_minutes", DEFAULT_PROMISED_MINUTES, 0),
            **_smtp(environ),
            **_webhook(environ),
            delivery_max_attempts=_whole(
                environ, "delivery_max_attempts", DEFAULT_DELIVERY_MAX_ATTEMPTS, 1
            ),
            delivery_backoff_s=_positive(environ, "delivery_backoff_s", DEFAULT_DELIVERY_BACKOFF_S),
            delivery_lease_s=_positive(environ, "delivery_lease_s", DEFAULT_DELIVERY_LEASE_S),
            delivery_timeout_s=_positive(environ, "delivery_timeout_s", DEFAULT_DELIVERY_TIMEOUT_S),
            delivery_poll_s=_positive(environ, "delivery_poll_s", DEFAULT_DELIVERY_POLL_S),
            **_jobs(environ),
            route_cache_mb=_whole(environ, "route_cache_mb", DEFAULT_ROUTE_CACHE_MB, 0),
            listen_for_changes=_flag(environ, "listen_for_changes", default=True),
            max_body_mb=_positive(environ, "max_body_mb", DEFAULT_MAX_BODY_MB),
            max_upload_mb=_positive(environ, "max_upload_mb", DEFAULT_MAX_UPLOAD_MB),
            api_docs=_flag(environ, "api_docs"),
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


def _token_ttl(value: str | None) -> float:
    if value is None:
        return DEFAULT_TOKEN_TTL_HOURS
    hours = _float_or_nan(value)
    if not (math.isfinite(hours) and hours > 0):
        raise _invalid("token_ttl_hours", f"must be a positive number of hours, got {value!r}")
    return hours


def _solver_processes(value: str | None) -> int:
    if value is None:
        return DEFAULT_SOLVER_PROCESSES
    if not value.isdigit() or int(value) < 1:
        raise _invalid("solver_processes", f"must be a whole number of at least 1, got {value!r}")
    return int(value)


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


def _positive(environ: Mapping[str, str], name: str, default: float) -> float:
    value = _read(environ, name)
    if value is None:
        return default
    number = _float_or_nan(value)
    if not (math.isfinite(number) and number > 0):
        raise _invalid(name, f"must be a positive number, got {value!r}")
    return number


def _osrm_url(value: str | None, provider: str) -> str | None:
    if value is None:
        if provider == "osrm":
            raise _invalid("osrm_url", "must be set when HOMEVISIT_TRAVEL_PROVIDER is osrm")
        return None
    scheme, separator, rest = value.partition("://")
    if scheme not in GEOCODER_SCHEMES or not separator:
        raise _invalid("osrm_url", f"must start with http:// or https://, got {value!r}")
    if not rest.strip("/") or any(character.isspace() for character in value):
        raise _invalid("osrm_url", f"must be a URL such as http://osrm:5000, got {value!r}")
    return value.rstrip("/")


def _public_base_url(value: str | None) -> str | None:
    if value is None:
        return None
    scheme, separator, rest = value.partition("://")
    if scheme not in GEOCODER_SCHEMES or not separator:
        raise _invalid("public_base_url", f"must start with http:// or https://, got {value!r}")
    host = rest.split("/", 1)[0]
    # A query or fragment would swallow the path appended to it.
    if not host or any(c.isspace() or c in "?#" for c in value):
        raise _invalid(
            "public_base_url",
            f"must be a URL such as https://homevisit.example.org[/prefix], got {value!r}",
        )
    return value.rstrip("/")


def _pairs(value: str, name: str, example: str) -> list[tuple[str, str]]:
    """``mode=value`` pairs separated by commas, each mode a known travel mode, once."""
    pairs: list[tuple[str, str]] = []
    for item in value.split(","):
        mode, separator, setting = (part.strip() for part in item.partition("="))
        if not separator or not setting:
            raise _invalid(name, f"expected mode=value pairs such as {example}, got {value!r}")
        if mode not in DEFAULT_SPEEDS_KMH:
            known = ", ".join(DEFAULT_SPEEDS_KMH)
            raise _invalid(name, f"unknown travel mode {mode!r}; expected one of {known}")
        if mode in dict(pairs):
            raise _invalid(name, f"travel mode {mode!r} is given twice")
        pairs.append((mode, setting))
    return pairs


def _osrm_profiles(value: str | None) -> tuple[tuple[str, str], ...]:
    if value is None:
        return DEFAULT_OSRM_PROFILES
    pairs = _pairs(value, "osrm_profiles", "car=driving,bicycle=cycling")
    for mode, profile in pairs:
        if _PROFILE.fullmatch(profile) is None:
            raise _invalid("osrm_profiles", f"profile {profile!r} of {mode} is not a plain name")
    return tuple(pairs)


def _max_locations(value: str | None) -> int:
    if value is None:
        return DEFAULT_OSRM_MAX_LOCATIONS
    if not value.isdigit() or int(value) < 2:
        raise _invalid("osrm_max_locations", f"must be a whole number of at least 2, got {value!r}")
    return int(value)


def _speeds(value: str | None) -> tuple[tuple[str, float], ...]:
    if value is None:
        return ()
    speeds: list[tuple[str, float]] = []
    for mode, text in _pairs(value, "geodesic_speeds_kmh", "car=27.5,bicycle=14"):
        speed = _float_or_nan(text)
        if not (math.isfinite(speed) and speed > 0):
            raise _invalid(
                "geodesic_speeds_kmh", f"the speed of {mode} must be positive, got {text!r}"
            )
        speeds.append((mode, speed))
    return tuple(speeds)


def _whole(environ: Mapping[str, str], name: str, default: int, minimum: int) -> int:
    value = _read(environ, name)
    if value is None:
        return default
    if not value.isdigit() or int(value) < minimum:
        raise _invalid(name, f"must be a whole number of at least {minimum}, got {value!r}")
    return int(value)


def _flag(environ: Mapping[str, str], name: str, default: bool = False) -> bool:
    value = _read(environ, name)
    if value is None:
        return default
    if value.lower() not in _FLAGS:
        raise _invalid(name, f"must be true or false, got {value!r}")
    return _FLAGS[value.lower()]


class _Smtp(TypedDict):
    smtp_host: str | None
    smtp_port: int
    smtp_from: str | None
    smtp_user: str | None
    smtp_password: str | None
    smtp_starttls: bool


class _Webhook(TypedDict):
    webhook_url: str | None
    webhook_secret: str | None


def _smtp(environ: Mapping[str, str]) -> _Smtp:
    """The mail server: a sender address is required with a host, a login is both or neither."""
    host, sender = _read(environ, "smtp_host"), _read(environ, "smtp_from")
    user, password = _read(environ, "smtp_user"), _read(environ, "smtp_password")
    port = _whole(environ, "smtp_port", DEFAULT_SMTP_PORT, 1)
    if port > 65535:
        raise _invalid("smtp_port", f"must be a port number up to 65535, got {port}")
    if host is not None and sender is None:
        raise _invalid("smtp_from", "must be set when HOMEVISIT_SMTP_HOST is")
    if sender is not None and EMAIL_ADDRESS.fullmatch(sender) is None:
        raise _invalid("smtp_from", f"must be an email address, got {sender!r}")
    if (user is None) != (password is None):
        given, missing = ("user", "password") if password is None else ("password", "user")
        raise _invalid(f"smtp_{missing}", f"must be set when HOMEVISIT_SMTP_{given.upper()} is")
    return {
        "smtp_host": host,
        "smtp_port": port,
        "smtp_from": sender,
        "smtp_user": user,
        "smtp_password": password,
        "smtp_starttls": _flag(environ, "smtp_starttls"),
    }


def _webhook(environ: Mapping[str, str]) -> _Webhook:
    """The integrator's webhook: an http(s) URL, signed with a secret it must come with."""
    url, secret = _read(environ, "webhook_url"), _read(environ, "webhook_secret")
    if url is None:
        return {"webhook_url": None, "webhook_secret": secret}
    scheme, separator, rest = url.partition("://")
    if scheme not in GEOCODER_SCHEMES or not separator or not rest or " " in url:
        raise _invalid("webhook_url", f"must be an http:// or https:// URL, got {url!r}")
    if secret is None:
        # An unsigned webhook would let anyone who finds the URL post fake changes.
        raise _invalid("webhook_secret", "must be set when HOMEVISIT_WEBHOOK_URL is")
    return {"webhook_url": url, "webhook_secret": secret}


class _Jobs(TypedDict):
    jobs: str
    broker_url: str
    result_backend: str
    plan_queue: str
    solve_queue: str
    jobs_per_clinic: int
    job_max_attempts: int
    job_lease_s: float
    job_resend_s: float
    solve_wait_s: float


def _jobs(environ: Mapping[str, str]) -> _Jobs:
    """Who runs the solves, and the queue's rules (``scheduler.jobs``)."""
    runner = _read(environ, "jobs") or "inline"
    if runner not in JOB_RUNNERS:
        raise _invalid("jobs", f"must be one of {', '.join(JOB_RUNNERS)}, got {runner!r}")
    queues = {
        name: _queue_name(environ, name, default)
        for name, default in (
            ("plan_queue", DEFAULT_PLAN_QUEUE),
            ("solve_queue", DEFAULT_SOLVE_QUEUE),
        )
    }
    if queues["plan_queue"] == queues["solve_queue"]:
        # Stateless solves must not wait behind the clinics' plans, nor the other way round.
        raise _invalid("solve_queue", "must differ from HOMEVISIT_PLAN_QUEUE")
    return {
        "jobs": runner,
        "broker_url": _broker_url(environ, "broker_url", DEFAULT_BROKER_URL, ("amqp", "redis")),
        "result_backend": _broker_url(
            environ, "result_backend", DEFAULT_RESULT_BACKEND, ("redis", "rpc")
        ),
        "plan_queue": queues["plan_queue"],
        "solve_queue": queues["solve_queue"],
        "jobs_per_clinic": _whole(environ, "jobs_per_clinic", DEFAULT_JOBS_PER_CLINIC, 1),
        "job_max_attempts": _whole(environ, "job_max_attempts", DEFAULT_JOB_MAX_ATTEMPTS, 1),
        "job_lease_s": _positive(environ, "job_lease_s", DEFAULT_JOB_LEASE_S),
        "job_resend_s": _positive(environ, "job_resend_s", DEFAULT_JOB_RESEND_S),
        "solve_wait_s": _positive(environ, "solve_wait_s", DEFAULT_SOLVE_WAIT_S),
    }


def _queue_name(environ: Mapping[str, str], name: str, default: str) -> str:
    value = _read(environ, name) or default
    if _PROFILE.fullmatch(value) is None:
        raise _invalid(name, f"must be a plain name (letters, digits, . _ -), got {value!r}")
    return value


def _broker_url(
    environ: Mapping[str, str], name: str, default: str, schemes: tuple[str, ...]
) -> str:
    value = _read(environ, name) or default
    scheme, separator, _rest = value.partition("://")
    if not separator or scheme not in schemes:
        known = ", ".join(f"{s}://" for s in schemes)
        # Not echoed: a broker URL may hold a password.
        raise _invalid(name, f"must be a URL starting with one of {known}")
    return value
