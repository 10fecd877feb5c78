"""Clock times as text: the one definition of formatting and parsing ``HH:MM`` and ``HH:MM:SS``.

Times are seconds (or, for records, whole minutes) after the planning day's local midnight.
The module sits in ``solver/`` because the solver's own messages name times, and everything
above it (``scheduler/``, ``api/``) may import down; only the plan checker keeps its own
formatting (``solver/check_messages.py``), so that it shares no code with what it checks.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import overload

DAY_S = 24 * 3600

_HHMM = re.compile(r"([01]\d|2[0-3]):([0-5]\d)")
_H_MM = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)")


def format_hhmm(seconds: int) -> str:
    """``HH:MM`` from seconds after midnight, the seconds dropped; hours run past 23."""
    hours, minutes = divmod(seconds // 60, 60)
    return f"{hours:02d}:{minutes:02d}"


@overload
def format_hhmmss(seconds: int) -> str: ...
@overload
def format_hhmmss(seconds: int | None) -> str | None: ...
def format_hhmmss(seconds: int | None) -> str | None:
    """``HH:MM:SS`` from seconds after midnight, with a sign; hours run past 23; None stays None."""
    if seconds is None:
        return None
    sign = "-" if seconds < 0 else ""
    hours, rest = divmod(abs(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{sign}{hours:02d}:{minutes:02d}:{secs:02d}"


def hhmm_of(clock: str) -> str:
    """``HH:MM`` of an ``HH:MM:SS`` text (the plan JSON's times), for people to read."""
    return clock[:5]


def parse_hhmm(text: str, *, end_of_day: bool = False, one_digit_hour: bool = False) -> int | None:
    """Seconds after midnight from ``HH:MM`` (00:00 to 23:59), or None when it is not one.

    ``end_of_day`` also accepts ``24:00`` (a shift that ends at midnight); ``one_digit_hour``
    accepts ``9:00`` as people type it into a spreadsheet.
    """
    if end_of_day and text == "24:00":
        return DAY_S
    match = (_H_MM if one_digit_hour else _HHMM).fullmatch(text)
    if match is None:
        return None
    return int(match[1]) * 3600 + int(match[2]) * 60


def time_of_day(seconds: int) -> dt.time:
    """The ``datetime.time`` of seconds after midnight (below 24 h)."""
    hours, rest = divmod(seconds, 3600)
    return dt.time(hours, rest // 60, rest % 60)


def minute_of_day(clock: dt.time) -> int:
    """Minutes from midnight to ``clock``, its seconds dropped (records keep whole minutes)."""
    return clock.hour * 60 + clock.minute
