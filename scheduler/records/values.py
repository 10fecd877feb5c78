"""Values the records hold that the API, the CSV import and the services read alike."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Collection

    from scheduler.models import Window

# Weekday 0 is Monday, as in ``datetime.date.weekday()``.
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def in_windows(start: dt.time, windows: Collection[Window]) -> bool:
    """Whether ``start`` lies in one of the visit's windows (both ends included)."""
    clock = f"{start:%H:%M}"
    return any(window["start"] <= clock <= window["end"] for window in windows)
