"""solver.clock: the one formatting and parsing of HH:MM and HH:MM:SS."""

from __future__ import annotations

import datetime as dt

import pytest

from solver.clock import (
    format_hhmm,
    format_hhmmss,
    hhmm_of,
    minute_of_day,
    parse_hhmm,
    time_of_day,
)

H = 3600


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "00:00:00"),
        (9 * H + 5 * 60 + 7, "09:05:07"),
        (24 * H, "24:00:00"),
        (25 * H + 30 * 60, "25:30:00"),
        (None, None),
    ],
)
def test_format_hhmmss(seconds: int | None, text: str | None) -> None:
    assert format_hhmmss(seconds) == text


def test_format_hhmmss_keeps_the_sign_of_a_time_before_midnight() -> None:
    """The checker's messages and the plan can hold a time before the day's start."""
    assert format_hhmmss(-90) == "-00:01:30"


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "00:00"), (9 * H + 5 * 60 + 59, "09:05"), (24 * H, "24:00"), (26 * H, "26:00")],
)
def test_format_hhmm_drops_the_seconds(seconds: int, text: str) -> None:
    assert format_hhmm(seconds) == text


@pytest.mark.parametrize(
    ("text", "options", "seconds"),
    [
        ("09:30", {}, 9 * H + 30 * 60),
        ("23:59", {}, 23 * H + 59 * 60),
        ("24:00", {}, None),
        ("24:00", {"end_of_day": True}, 24 * H),
        ("9:30", {}, None),
        ("9:30", {"one_digit_hour": True}, 9 * H + 30 * 60),
        ("24:01", {"end_of_day": True}, None),
        ("12:60", {}, None),
        ("noon", {}, None),
        ("", {}, None),
    ],
)
def test_parse_hhmm(text: str, options: dict[str, bool], seconds: int | None) -> None:
    assert parse_hhmm(text, **options) == seconds


def test_time_of_day_and_minute_of_day_round_trip() -> None:
    time = time_of_day(13 * H + 45 * 60 + 10)
    assert time == dt.time(13, 45, 10)
    assert minute_of_day(time) == 13 * 60 + 45


def test_hhmm_of_cuts_the_seconds_of_a_plan_time() -> None:
    assert hhmm_of("07:05:00") == "07:05"
