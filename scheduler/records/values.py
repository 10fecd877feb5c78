"""Values the records hold that the API, the CSV import and the services read alike."""

from __future__ import annotations

from typing import TYPE_CHECKING

from scheduler.records.limits import FIRST_DATE, LAST_DATE

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


DATE_RANGE = f"from {FIRST_DATE.isoformat()} to {LAST_DATE.isoformat()}"


def date_fault(date: dt.date) -> str | None:
    """Why the date is refused (outside ``FIRST_DATE``..``LAST_DATE``), or None."""
    if FIRST_DATE <= date <= LAST_DATE:
        return None
    return f"{date.isoformat()} is outside the dates the service plans ({DATE_RANGE})"
