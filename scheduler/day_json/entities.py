"""The therapists and visits of a problem JSON (see ``scheduler.day_json.problem``).

Each reader records every fault it finds and returns None when there was one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from scheduler.day_json.reader import FieldReader, child
from scheduler.travel import TRAVEL_MODES
from solver.clock import format_hhmm
from solver.problem import (
    DEFAULT_TRAVEL_MODE,
    BreakRule,
    Priority,
    Therapist,
    TimeWindow,
    Visit,
    merged_windows,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

_THERAPIST_REQUIRED = ("id", "start_location", "shift")
_THERAPIST_OPTIONAL = (
    "end_location",
    "skills",
    "max_visits",
    "max_work_minutes",
    "break",
    "overtime_minutes",
    "travel_mode",
)
_VISIT_REQUIRED = ("id", "location", "duration_minutes")
_VISIT_OPTIONAL = (
    "windows",
    "skills",
    "priority",
    "preferred_therapists",
    "excluded_therapists",
    "pinned_therapist",
)

Span = tuple[int, int]


@dataclass(frozen=True)
class References:
    """The ids that other records may refer to: location id -> matrix index, therapist ids.

    Collected leniently (any entry with a string id counts) so that one faulty location
    or therapist is reported once, not again at every reference to it. None when the list
    itself is unusable (not an array, or empty): that fault is reported, the references not.
    """

    location_index: Mapping[str, int] | None
    therapist_ids: frozenset[str] | None

    @classmethod
    def collect(cls, locations: object, therapists: object) -> References:
        location_ids = _ids(locations)
        location_index: dict[str, int] = {}
        for index, location_id in enumerate(location_ids):
            if location_id is not None:
                location_index.setdefault(location_id, index)
        therapist_ids = [item for item in _ids(therapists) if item is not None]
        return cls(
            location_index if location_ids else None,
            frozenset(therapist_ids) if _ids(therapists) else None,
        )

    def location(self, reader: FieldReader, value: object, path: str) -> int | None:
        location_id = reader.text(value, path)
        if location_id is None or self.location_index is None:
            return None
        index = self.location_index.get(location_id)
        if index is None:
            reader.fail(path, f"unknown location {location_id!r}")
        return index

    def therapist(self, reader: FieldReader, value: object, path: str) -> str | None:
        therapist_id = reader.text(value, path)
        if therapist_id is None or self.therapist_ids is None:
            return None
        if therapist_id not in self.therapist_ids:
            reader.fail(path, f"unknown therapist {therapist_id!r}")
            return None
        return therapist_id

    def therapists(self, reader: FieldReader, value: object, path: str) -> frozenset[str] | None:
        items = reader.array(value, path)
        if items is None:
            return None
        ids = [self.therapist(reader, item, child(path, index)) for index, item in enumerate(items)]
        known = [item for item in ids if item is not None]
        return frozenset(known) if len(known) == len(ids) else None


def _ids(items: object) -> list[str | None]:
    if not isinstance(items, list):
        return []
    ids: list[str | None] = []
    for item in items:
        item_id = item.get("id") if isinstance(item, dict) else None
        ids.append(item_id if isinstance(item_id, str) else None)
    return ids


def read_therapist(
    reader: FieldReader, value: object, path: str, refs: References, replan: bool = False
) -> Therapist | None:
    """One entry of ``therapists``. In a re-plan (``replan``), a break that no longer fits
    the shift (the therapist stops early) is not asked for, rather than refused."""
    fields = reader.record(value, path, _THERAPIST_REQUIRED, _THERAPIST_OPTIONAL)
    if fields is None:
        return None
    errors_before = len(reader.errors)
    therapist_id = reader.text(fields.get("id"), child(path, "id"))
    start = refs.location(reader, fields.get("start_location"), child(path, "start_location"))
    end = start
    if fields.get("end_location") is not None:
        end = refs.location(reader, fields["end_location"], child(path, "end_location"))
    shift = _read_span(reader, fields.get("shift"), child(path, "shift"), "shift")
    max_visits = _optional_int(reader, fields, "max_visits", path)
    max_work_s = _optional_minutes(reader, fields, "max_work_minutes", path)
    overtime_s = _optional_minutes(reader, fields, "overtime_minutes", path) or 0
    break_rule = None
    if fields.get("break") is not None:
        break_rule = _read_break(
            reader, fields["break"], child(path, "break"), shift, overtime_s, replan
        )
    travel_mode = _read_travel_mode(reader, fields.get("travel_mode"), child(path, "travel_mode"))
    skills = _read_skills(reader, fields.get("skills"), child(path, "skills"))
    if len(reader.errors) > errors_before or therapist_id is None or shift is None:
        return None
    if start is None or end is None:
        return None
    return Therapist(
        id=therapist_id,
        start_location=start,
        end_location=end,
        shift_start_s=shift[0],
        shift_end_s=shift[1],
        skills=skills,
        max_visits=max_visits,
        max_work_s=max_work_s,
        break_rule=break_rule,
        overtime_max_s=overtime_s,
        travel_mode=travel_mode,
    )


def read_visit(reader: FieldReader, value: object, path: str, refs: References) -> Visit | None:
    """One entry of ``visits``."""
    fields = reader.record(value, path, _VISIT_REQUIRED, _VISIT_OPTIONAL)
    if fields is None:
        return None
    errors_before = len(reader.errors)
    visit_id = reader.text(fields.get("id"), child(path, "id"))
    location = refs.location(reader, fields.get("location"), child(path, "location"))
    service_s = reader.minutes(fields.get("duration_minutes"), child(path, "duration_minutes"))
    windows: tuple[TimeWindow, ...] | None = ()
    if fields.get("windows") is not None:
        windows = _read_windows(reader, fields["windows"], child(path, "windows"))
    priority = _read_priority(reader, fields.get("priority"), child(path, "priority"))
    preferred = _optional_therapists(reader, fields, "preferred_therapists", path, refs)
    excluded = _optional_therapists(reader, fields, "excluded_therapists", path, refs)
    pinned = None
    if fields.get("pinned_therapist") is not None:
        pinned = refs.therapist(reader, fields["pinned_therapist"], child(path, "pinned_therapist"))
    skills = _read_skills(reader, fields.get("skills"), child(path, "skills"))
    if visit_id is None or location is None or service_s is None or windows is None:
        return None
    if len(reader.errors) > errors_before:
        return None
    return Visit(
        id=visit_id,
        location=location,
        service_s=service_s,
        windows=windows,
        required_skills=skills,
        priority=priority,
        excluded_therapists=excluded,
        preferred_therapists=preferred,
        pinned_therapist=pinned,
    )


def _optional_int(
    reader: FieldReader, fields: Mapping[str, object], key: str, path: str
) -> int | None:
    value = fields.get(key)
    return None if value is None else reader.integer(value, child(path, key))


def _optional_minutes(
    reader: FieldReader, fields: Mapping[str, object], key: str, path: str
) -> int | None:
    value = fields.get(key)
    return None if value is None else reader.minutes(value, child(path, key))


def _optional_therapists(
    reader: FieldReader, fields: Mapping[str, object], key: str, path: str, refs: References
) -> frozenset[str]:
    value = fields.get(key)
    if value is None:
        return frozenset()
    return refs.therapists(reader, value, child(path, key)) or frozenset()


def _read_skills(reader: FieldReader, value: object, path: str) -> frozenset[str]:
    if value is None:
        return frozenset()
    return frozenset(reader.texts(value, path) or ())


def _read_travel_mode(reader: FieldReader, value: object, path: str) -> str:
    if value is None:
        return DEFAULT_TRAVEL_MODE
    mode = reader.text(value, path)
    if mode is not None and mode not in TRAVEL_MODES:
        expected = ", ".join(TRAVEL_MODES)
        reader.fail(path, f"unknown travel mode {mode!r}; expected one of {expected}")
    return mode or DEFAULT_TRAVEL_MODE


def _read_priority(reader: FieldReader, value: object, path: str) -> Priority:
    if value is None:
        return Priority.NORMAL
    name = reader.text(value, path)
    if name is None:
        return Priority.NORMAL
    try:
        return Priority(name)
    except ValueError:
        expected = ", ".join(priority.value for priority in Priority)
        reader.fail(path, f"unknown priority {name!r}; expected one of {expected}")
        return Priority.NORMAL


def _read_span(reader: FieldReader, value: object, path: str, noun: str) -> Span | None:
    """A ``{"start", "end"}`` object; a window may be empty (a fixed start), a shift not."""
    fields = reader.record(value, path, ("start", "end"), ())
    if fields is None:
        return None
    start = reader.clock(fields.get("start"), child(path, "start"))
    end = reader.clock(fields.get("end"), child(path, "end"))
    if start is None or end is None:
        return None
    if end < start:
        message = f"{noun} ends at {format_hhmm(end)} before it starts at {format_hhmm(start)}"
        reader.fail(child(path, "end"), message)
        return None
    if end == start and noun == "shift":
        message = f"shift must end after it starts, not at the same time ({format_hhmm(end)})"
        reader.fail(child(path, "end"), message)
        return None
    return start, end


def _read_windows(reader: FieldReader, value: object, path: str) -> tuple[TimeWindow, ...] | None:
    """Sorted, with overlapping and touching windows merged."""
    items = reader.array(value, path)
    if items is None:
        return None
    if not items:
        reader.fail(path, "windows is empty; leave it out to allow any time in a shift")
        return None
    spans = [
        _read_span(reader, item, child(path, index), "window") for index, item in enumerate(items)
    ]
    valid = [span for span in spans if span is not None]
    if len(valid) != len(items):
        return None
    return merged_windows(valid)


def _read_break(
    reader: FieldReader,
    value: object,
    path: str,
    shift: Span | None,
    overtime_s: int,
    outside_shift_dropped: bool,
) -> BreakRule | None:
    """The break; it must fit its own window, and that window inside the shift (or, when
    ``outside_shift_dropped``, a break that does not is None)."""
    fields = reader.record(value, path, ("earliest", "latest_end", "minutes"), ())
    if fields is None:
        return None
    earliest = reader.clock(fields.get("earliest"), child(path, "earliest"))
    latest_end = reader.clock(fields.get("latest_end"), child(path, "latest_end"))
    duration_s = reader.minutes(fields.get("minutes"), child(path, "minutes"), minimum=1)
    if earliest is None or latest_end is None or duration_s is None:
        return None
    window = f"{format_hhmm(earliest)}-{format_hhmm(latest_end)}"
    minutes = duration_s // 60
    if latest_end < earliest:
        ends, starts = format_hhmm(latest_end), format_hhmm(earliest)
        message = f"break window ends at {ends} before it starts at {starts}"
        reader.fail(child(path, "latest_end"), message)
        return None
    if latest_end - earliest < duration_s:
        reader.fail(child(path, "minutes"), f"a {minutes}-minute break does not fit in {window}")
        return None
    if shift is not None:
        shift_end = shift[1] + overtime_s
        if min(latest_end, shift_end) - max(earliest, shift[0]) < duration_s:
            if outside_shift_dropped:
                return None
            where = f"{format_hhmm(shift[0])}-{format_hhmm(shift_end)}"
            message = f"break window {window} leaves no {minutes} minutes inside the shift {where}"
            reader.fail(path, message)
            return None
    return BreakRule(earliest, latest_end, duration_s)
