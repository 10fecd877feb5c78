"""Windows as the records store them: sorted, overlapping and touching ones merged, each
ending no earlier than it starts (DESIGN.md section 9). Visits and care plans share them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from scheduler.errors import FieldError
from solver.clock import format_hhmm, minute_of_day
from solver.problem import merged_windows

if TYPE_CHECKING:
    from collections.abc import Sequence

    from scheduler.models import Window
    from scheduler.records.inputs import VisitWindow

ANY_TIME = "leave it out or send null to allow any time in a shift"


def stored_windows(
    spans: Sequence[VisitWindow] | None, field: str = "windows", empty: str = ANY_TIME
) -> tuple[list[Window], list[FieldError]]:
    """The windows to store (merged, as the planner reads them) and the faults found, each
    named under ``field``; ``empty`` says what to send instead of an empty list."""
    if spans is None:
        return [], []
    if not spans:
        return [], [FieldError(field, f"{field} is empty; {empty}")]
    errors = [
        FieldError(
            f"{field}[{index}].end",
            f"the window ends at {span.end:%H:%M} before it starts at {span.start:%H:%M}",
        )
        for index, span in enumerate(spans)
        if span.end < span.start
    ]
    # merged_windows is blind to units: these spans are minutes, whatever its fields say.
    merged = merged_windows((minute_of_day(span.start), minute_of_day(span.end)) for span in spans)
    windows: list[Window] = [
        {"start": format_hhmm(window.start_s * 60), "end": format_hhmm(window.end_s * 60)}
        for window in merged
    ]
    return windows, errors
