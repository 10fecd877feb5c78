"""scheduler.config: the settings from HOMEVISIT_* variables, and a clear error for a bad one."""

from __future__ import annotations

import dataclasses

import pytest

from scheduler.config import Settings
from scheduler.errors import InvalidRequest


def test_defaults_without_variables() -> None:
    settings = Settings.from_env({})
    assert settings == Settings(
        database_url="sqlite:///homevisit.db",
        travel_provider="geodesic",
        solver_time_limit_s=10.0,
        secret_key=None,
        geocoder_domain="nominatim.openstreetmap.org",
        geocoder_user_agent="homevisit",
        geocoder_min_delay_s=1.0,
    )


def test_every_variable_is_read() -> None:
    settings = Settings.from_env(
        {
            "HOMEVISIT_DATABASE_URL": "postgresql+psycopg://homevisit@db:5432/homevisit",
            "HOMEVISIT_TRAVEL_PROVIDER": "osrm",
            "HOMEVISIT_SOLVER_TIME_LIMIT_S": "2.5",
            "HOMEVISIT_SECRET_KEY": "s3cret",
            "HOMEVISIT_GEOCODER_DOMAIN": "http://nominatim.clinic.example:8080",
            "HOMEVISIT_GEOCODER_USER_AGENT": "clinic-andorra",
            "HOMEVISIT_GEOCODER_MIN_DELAY_S": "0",
            "HOMEVISIT_OSRM_URL": "http://osrm:5000",
            "OTHER": "ignored",
        }
    )
    assert settings.database_url == "postgresql+psycopg://homevisit@db:5432/homevisit"
    assert settings.travel_provider == "osrm"
    assert settings.solver_time_limit_s == 2.5
    assert settings.secret_key == "s3cret"
    assert settings.geocoder_domain == "http://nominatim.clinic.example:8080"
    assert settings.geocoder_user_agent == "clinic-andorra"
    assert settings.geocoder_min_delay_s == 0.0


def test_an_empty_variable_counts_as_unset() -> None:
    assert Settings.from_env({"HOMEVISIT_DATABASE_URL": "", "HOMEVISIT_SECRET_KEY": ""}) == (
        Settings()
    )


def test_settings_are_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        Settings().secret_key = "x"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("HOMEVISIT_DATABASE_URL", "not a url", "is not a database URL"),
        ("HOMEVISIT_TRAVEL_PROVIDER", "teleport", "unknown provider 'teleport'"),
        ("HOMEVISIT_SOLVER_TIME_LIMIT_S", "ten", "positive number of seconds, got 'ten'"),
        ("HOMEVISIT_SOLVER_TIME_LIMIT_S", "0", "positive number of seconds, got '0'"),
        ("HOMEVISIT_SOLVER_TIME_LIMIT_S", "inf", "positive number of seconds, got 'inf'"),
        ("HOMEVISIT_GEOCODER_DOMAIN", "ftp://osm.example", "must use http:// or https://"),
        ("HOMEVISIT_GEOCODER_DOMAIN", "https://", "must be a host such as"),
        ("HOMEVISIT_GEOCODER_DOMAIN", "my nominatim", "must be a host such as"),
        ("HOMEVISIT_GEOCODER_MIN_DELAY_S", "-1", "zero or a positive number of seconds"),
        ("HOMEVISIT_GEOCODER_MIN_DELAY_S", "nan", "zero or a positive number of seconds"),
        ("HOMEVISIT_OSRM_URL", "osrm:5000", "must start with http:// or https://"),
        ("HOMEVISIT_OSRM_URL", "http://", "must be a URL such as http://osrm:5000"),
        ("HOMEVISIT_OSRM_PROFILES", "driving", "expected mode=value pairs such as"),
        ("HOMEVISIT_OSRM_PROFILES", "boat=driving", "unknown travel mode 'boat'"),
        ("HOMEVISIT_OSRM_PROFILES", "car=a,car=b", "travel mode 'car' is given twice"),
        ("HOMEVISIT_OSRM_PROFILES", "car=dri/ving", "profile 'dri/ving' of car is not a plain"),
        ("HOMEVISIT_OSRM_MAX_LOCATIONS", "1", "whole number of at least 2, got '1'"),
        ("HOMEVISIT_OSRM_MAX_LOCATIONS", "1e3", "whole number of at least 2, got '1e3'"),
        ("HOMEVISIT_OSRM_TIMEOUT_S", "0", "must be a positive number, got '0'"),
        ("HOMEVISIT_OSRM_MAX_SNAP_M", "far", "must be a positive number, got 'far'"),
        ("HOMEVISIT_GEODESIC_DETOUR_FACTOR", "-1.3", "must be a positive number, got '-1.3'"),
        ("HOMEVISIT_GEODESIC_SPEEDS_KMH", "car=fast", "the speed of car must be positive"),
        ("HOMEVISIT_GEODESIC_SPEEDS_KMH", "car:30", "expected mode=value pairs such as"),
        ("HOMEVISIT_PROMISED_MINUTES", "-5", "whole number of at least 0, got '-5'"),
        ("HOMEVISIT_SMTP_FROM", "roster", "must be an email address, got 'roster'"),
        ("HOMEVISIT_SMTP_PORT", "70000", "must be a port number up to 65535"),
        ("HOMEVISIT_SMTP_STARTTLS", "maybe", "must be true or false, got 'maybe'"),
        ("HOMEVISIT_WEBHOOK_URL", "hooks.example/x", "must be an http:// or https:// URL"),
        ("HOMEVISIT_DELIVERY_MAX_ATTEMPTS", "0", "whole number of at least 1, got '0'"),
        ("HOMEVISIT_DELIVERY_BACKOFF_S", "soon", "must be a positive number, got 'soon'"),
        ("HOMEVISIT_DELIVERY_LEASE_S", "0", "must be a positive number, got '0'"),
        ("HOMEVISIT_PUBLIC_BASE_URL", "homevisit.example", "must start with http:// or https://"),
        ("HOMEVISIT_PUBLIC_BASE_URL", "https://", "must be a URL such as https://"),
        ("HOMEVISIT_PUBLIC_BASE_URL", "https://a.example/?x=1", "must be a URL such as"),
        ("HOMEVISIT_PUBLIC_BASE_URL", "https://a .example", "must be a URL such as"),
        ("HOMEVISIT_LOGIN_ACCOUNT_LIMIT", "0", "whole number of at least 1, got '0'"),
        ("HOMEVISIT_LOGIN_ADDRESS_LIMIT", "many", "whole number of at least 1, got 'many'"),
        ("HOMEVISIT_LOGIN_WINDOW_S", "-900", "must be a positive number, got '-900'"),
        ("HOMEVISIT_ROUTE_CACHE_MB", "-1", "whole number of at least 0, got '-1'"),
        ("HOMEVISIT_LISTEN_FOR_CHANGES", "sometimes", "must be true or false, got 'sometimes'"),
        ("HOMEVISIT_MAX_BODY_MB", "0", "must be a positive number, got '0'"),
        ("HOMEVISIT_MAX_UPLOAD_MB", "lots", "must be a positive number, got 'lots'"),
        ("HOMEVISIT_API_DOCS", "on", "must be true or false, got 'on'"),
    ],
)
def test_a_bad_value_names_the_variable(variable: str, value: str, message: str) -> None:
    with pytest.raises(InvalidRequest) as raised:
        Settings.from_env({variable: value})
    [error] = raised.value.errors
    assert error.field == variable
    assert message in error.message


def test_the_public_base_url_is_read_without_its_trailing_slash() -> None:
    """Paths are appended to it; unset, no feed URL is handed out."""
    settings = Settings.from_env({"HOMEVISIT_PUBLIC_BASE_URL": "https://clinic.example/hv/"})
    assert settings.public_base_url == "https://clinic.example/hv"
    assert Settings.from_env({}).public_base_url is None


def test_the_login_throttle_variables_are_read() -> None:
    settings = Settings.from_env(
        {
            "HOMEVISIT_LOGIN_ACCOUNT_LIMIT": "5",
            "HOMEVISIT_LOGIN_ADDRESS_LIMIT": "200",
            "HOMEVISIT_LOGIN_WINDOW_S": "600",
        }
    )
    assert (settings.login_account_limit, settings.login_address_limit) == (5, 200)
    assert settings.login_window_s == 600.0
    defaults = Settings.from_env({})
    assert (defaults.login_account_limit, defaults.login_address_limit) == (10, 50)
    assert defaults.login_window_s == 900.0


def test_a_bad_database_url_is_not_echoed() -> None:
    """The URL may hold a password: the message does not repeat it."""
    with pytest.raises(InvalidRequest) as raised:
        Settings.from_env({"HOMEVISIT_DATABASE_URL": "postgresql//u:hunter2@db/homevisit"})
    assert "hunter2" not in str(raised.value)


def test_the_travel_variables_are_read() -> None:
    settings = Settings.from_env(
        {
            "HOMEVISIT_TRAVEL_PROVIDER": "osrm",
            "HOMEVISIT_OSRM_URL": "http://osrm.clinic.example:5000/",
            "HOMEVISIT_OSRM_PROFILES": "car=driving, bicycle=cycling",
            "HOMEVISIT_OSRM_MAX_LOCATIONS": "500",
            "HOMEVISIT_OSRM_TIMEOUT_S": "5",
            "HOMEVISIT_OSRM_MAX_SNAP_M": "250",
            "HOMEVISIT_GEODESIC_DETOUR_FACTOR": "1.76",
            "HOMEVISIT_GEODESIC_SPEEDS_KMH": "car=46.7,walking=4",
        }
    )
    assert settings.osrm_url == "http://osrm.clinic.example:5000"
    assert settings.osrm_profiles == (("car", "driving"), ("bicycle", "cycling"))
    assert (settings.osrm_max_locations, settings.osrm_timeout_s) == (500, 5.0)
    assert settings.osrm_max_snap_m == 250.0
    assert settings.geodesic_detour_factor == 1.76
    assert settings.geodesic_speeds_kmh == (("car", 46.7), ("walking", 4.0))


def test_the_request_limits_and_the_docs_pages() -> None:
    defaults = Settings.from_env({})
    assert (defaults.max_body_mb, defaults.max_upload_mb, defaults.api_docs) == (10, 20, False)
    settings = Settings.from_env(
        {
            "HOMEVISIT_MAX_BODY_MB": "64",
            "HOMEVISIT_MAX_UPLOAD_MB": "0.5",
            "HOMEVISIT_API_DOCS": "true",
        }
    )
    assert (settings.max_body_mb, settings.max_upload_mb, settings.api_docs) == (64, 0.5, True)


def test_the_travel_defaults() -> None:
    settings = Settings.from_env({})
    assert settings.osrm_url is None
    assert settings.osrm_profiles == (("car", "driving"),)
    assert (settings.osrm_max_locations, settings.osrm_timeout_s) == (100, 30.0)
    assert settings.osrm_max_snap_m == 1000.0
    assert (settings.geodesic_detour_factor, settings.geodesic_speeds_kmh) == (1.3, ())


def test_osrm_as_the_installations_provider_needs_its_url() -> None:
    with pytest.raises(InvalidRequest) as raised:
        Settings.from_env({"HOMEVISIT_TRAVEL_PROVIDER": "osrm"})
    [error] = raised.value.errors
    assert error.field == "HOMEVISIT_OSRM_URL"
    assert error.message == "must be set when HOMEVISIT_TRAVEL_PROVIDER is osrm"


def test_the_outbox_variables_are_read() -> None:
    settings = Settings.from_env(
        {
            "HOMEVISIT_PROMISED_MINUTES": "20",
            "HOMEVISIT_SMTP_HOST": "mail.clinic.example",
            "HOMEVISIT_SMTP_PORT": "587",
            "HOMEVISIT_SMTP_FROM": "roster@clinic.example",
            "HOMEVISIT_SMTP_USER": "roster",
            "HOMEVISIT_SMTP_PASSWORD": "s3cret",
            "HOMEVISIT_SMTP_STARTTLS": "true",
            "HOMEVISIT_WEBHOOK_URL": "https://hooks.clinic.example/homevisit",
            "HOMEVISIT_WEBHOOK_SECRET": "hook-key",
            "HOMEVISIT_DELIVERY_MAX_ATTEMPTS": "4",
            "HOMEVISIT_DELIVERY_BACKOFF_S": "10",
            "HOMEVISIT_DELIVERY_LEASE_S": "120",
            "HOMEVISIT_DELIVERY_TIMEOUT_S": "3",
            "HOMEVISIT_DELIVERY_POLL_S": "1",
        }
    )
    assert settings.promised_minutes == 20
    assert (settings.smtp_host, settings.smtp_port, settings.smtp_from) == (
        "mail.clinic.example",
        587,
        "roster@clinic.example",
    )
    assert (settings.smtp_user, settings.smtp_password, settings.smtp_starttls) == (
        "roster",
        "s3cret",
        True,
    )
    assert (settings.webhook_url, settings.webhook_secret) == (
        "https://hooks.clinic.example/homevisit",
        "hook-key",
    )
    assert (settings.delivery_max_attempts, settings.delivery_backoff_s) == (4, 10.0)
    assert (settings.delivery_lease_s, settings.delivery_timeout_s) == (120.0, 3.0)
    assert settings.delivery_poll_s == 1.0


def test_the_outbox_defaults_configure_no_channel() -> None:
    settings = Settings.from_env({})
    assert (settings.promised_minutes, settings.smtp_host, settings.webhook_url) == (30, None, None)
    assert (settings.smtp_port, settings.smtp_starttls) == (25, False)
    assert (settings.delivery_max_attempts, settings.delivery_lease_s) == (6, 60.0)


@pytest.mark.parametrize(
    ("given", "missing"),
    [
        ("HOMEVISIT_SMTP_HOST", "HOMEVISIT_SMTP_FROM"),
        ("HOMEVISIT_SMTP_USER", "HOMEVISIT_SMTP_PASSWORD"),
        ("HOMEVISIT_SMTP_PASSWORD", "HOMEVISIT_SMTP_USER"),
        ("HOMEVISIT_WEBHOOK_URL", "HOMEVISIT_WEBHOOK_SECRET"),
    ],
)
def test_a_channel_setting_needs_its_partner(given: str, missing: str) -> None:
    """A mail server without a sender, a login without a password, an unsigned webhook."""
    value = "https://hooks.clinic.example/x" if given.endswith("URL") else "x"
    with pytest.raises(InvalidRequest) as raised:
        Settings.from_env({given: value})
    [error] = raised.value.errors
    assert (error.field, error.message) == (missing, f"must be set when {given} is")


def test_the_route_cache_variables_are_read() -> None:
    defaults = Settings.from_env({})
    assert (defaults.route_cache_mb, defaults.listen_for_changes) == (64, True)
    settings = Settings.from_env(
        {"HOMEVISIT_ROUTE_CACHE_MB": "0", "HOMEVISIT_LISTEN_FOR_CHANGES": "false"}
    )
    assert (settings.route_cache_mb, settings.listen_for_changes) == (0, False)
