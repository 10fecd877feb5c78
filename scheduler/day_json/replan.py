"""The ``replan`` part of a problem JSON: the current plan, check-in times, ``now``.

```json
"replan": {"now": "10:30",
           "current": {"routes": [{"therapist_id": "t1", "start": "08:40",
                                   "stops": [{"visit_id": "v3", "start": "09:05"}]}],
                       "unassigned": ["v9"]},
           "actual": {"v3": {"start": "09:12", "end": "09:58"}},
           "promised_minutes": 30}
```
``current`` may be a plan JSON as ``homevisit solve`` writes it (its other route and stop
fields are read past; times may be ``HH:MM:SS``). Every fault is collected with its path.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from scheduler.day_json.reader import FieldReader, child
from solver.clock import format_hhmm
from solver.current_plan import DEFAULT_PROMISED_S, ActualTimes, CurrentRoute, CurrentStop, Replan

if TYPE_CHECKING:
    from collections.abc import Collection, Mapping

    from solver.problem import Visit

_REPLAN_REQUIRED = ("now", "current")
_REPLAN_OPTIONAL = ("actual", "promised_minutes")
# The plan JSON's own fields, accepted so that a written plan can be passed as it is.
_PLAN_FIELDS = ("status", "error", "date", "timezone", "kpis", "solver", "changes", "notify")
_ROUTE_FIELDS = ("end", "travel_s", "distance_m", "work_s")
_STOP_FIELDS = ("arrival", "end", "travel_s", "distance_m", "wait_s")
_TIME = re.compile(r"(\d{2}):([0-5]\d)(?::([0-5]\d))?")
_LATEST_S = 48 * 3600


def read_time(reader: FieldReader, value: object, path: str) -> int | None:
    """``HH:MM`` or ``HH:MM:SS`` (a plan's times; hours may pass 23) as seconds."""
    match = _TIME.fullmatch(value) if isinstance(value, str) else None
    if match is None or int(match[1]) * 3600 > _LATEST_S:
        reader.fail(path, f"{value!r} is not a time in HH:MM or HH:MM:SS format")
        return None
    return int(match[1]) * 3600 + int(match[2]) * 60 + int(match[3] or 0)


def read_replan(
    reader: FieldReader,
    value: object,
    visits: Mapping[str, Visit],
    therapist_ids: Collection[str],
) -> Replan | None:
    """The ``replan`` object, checked against the day's visits and therapists."""
    fields = reader.record(value, "replan", _REPLAN_REQUIRED, _REPLAN_OPTIONAL)
    if fields is None:
        return None
    errors_before = len(reader.errors)
    now_s = reader.clock(fields.get("now"), "replan.now")
    current = _read_current(reader, fields.get("current"), therapist_ids)
    actual = _read_actual(reader, fields.get("actual"))
    promised_s = DEFAULT_PROMISED_S
    if fields.get("promised_minutes") is not None:
        minutes = reader.minutes(fields["promised_minutes"], "replan.promised_minutes")
        promised_s = DEFAULT_PROMISED_S if minutes is None else minutes
    if now_s is None or current is None or actual is None or len(reader.errors) > errors_before:
        return None
    routes, unassigned = current
    replan = Replan(now_s, routes, actual, unassigned, promised_s)
    _check_consistency(reader, replan, visits)
    return None if len(reader.errors) > errors_before else replan


def _read_current(
    reader: FieldReader, value: object, therapist_ids: Collection[str]
) -> tuple[tuple[CurrentRoute, ...], frozenset[str]] | None:
    path = "replan.current"
    fields = reader.record(value, path, ("routes",), ("unassigned", *_PLAN_FIELDS))
    if fields is None:
        return None
    items = reader.array(fields.get("routes"), child(path, "routes"))
    if items is None:
        return None
    routes = []
    seen_therapists: set[str] = set()
    seen_visits: dict[str, str] = {}
    for index, item in enumerate(items):
        route_path = child(child(path, "routes"), index)
        route = _read_route(reader, item, route_path)
        if route is None:
            continue
        if route.therapist_id not in therapist_ids:
            reader.fail(
                child(route_path, "therapist_id"), f"unknown therapist {route.therapist_id!r}"
            )
        if route.therapist_id in seen_therapists:
            reader.fail(
                child(route_path, "therapist_id"), f"a second route of {route.therapist_id!r}"
            )
        seen_therapists.add(route.therapist_id)
        for stop_index, stop in enumerate(route.stops):
            stop_path = child(child(child(route_path, "stops"), stop_index), "visit_id")
            if stop.visit_id in seen_visits:
                where = seen_visits[stop.visit_id]
                reader.fail(
                    stop_path,
                    f"visit {stop.visit_id!r} is on the current plan twice (also {where})",
                )
            seen_visits[stop.visit_id] = stop_path
        routes.append(route)
    unassigned = _read_unassigned(reader, fields.get("unassigned"), child(path, "unassigned"))
    if unassigned is None or len(routes) != len(items):
        return None
    return tuple(routes), unassigned


def _read_route(reader: FieldReader, value: object, path: str) -> CurrentRoute | None:
    fields = reader.record(
        value, path, ("therapist_id", "stops"), ("start", "break", *_ROUTE_FIELDS)
    )
    if fields is None:
        return None
    therapist_id = reader.text(fields.get("therapist_id"), child(path, "therapist_id"))
    start_s = None
    if fields.get("start") is not None:
        start_s = read_time(reader, fields["start"], child(path, "start"))
    pause = None
    if fields.get("break") is not None:
        pause = _read_break(reader, fields["break"], child(path, "break"))
    items = reader.array(fields.get("stops"), child(path, "stops"))
    if items is None or therapist_id is None:
        return None
    stops = [
        _read_stop(reader, item, child(child(path, "stops"), i)) for i, item in enumerate(items)
    ]
    valid = [stop for stop in stops if stop is not None]
    if len(valid) != len(items):
        return None
    return CurrentRoute(
        therapist_id,
        tuple(valid),
        start_s,
        None if pause is None else pause[0],
        None if pause is None else pause[1],
    )


def _read_stop(reader: FieldReader, value: object, path: str) -> CurrentStop | None:
    fields = reader.record(value, path, ("visit_id", "start"), _STOP_FIELDS)
    if fields is None:
        return None
    visit_id = reader.text(fields.get("visit_id"), child(path, "visit_id"))
    start_s = read_time(reader, fields.get("start"), child(path, "start"))
    if visit_id is None or start_s is None:
        return None
    return CurrentStop(visit_id, start_s)


def _read_break(reader: FieldReader, value: object, path: str) -> tuple[int, int] | None:
    fields = reader.record(value, path, ("start", "end"), ())
    if fields is None:
        return None
    start_s = read_time(reader, fields.get("start"), child(path, "start"))
    end_s = read_time(reader, fields.get("end"), child(path, "end"))
    if start_s is None or end_s is None:
        return None
    if end_s < start_s:
        reader.fail(child(path, "end"), "the break ends before it starts")
        return None
    return start_s, end_s


def _read_unassigned(reader: FieldReader, value: object, path: str) -> frozenset[str] | None:
    """Visit ids, or the plan JSON's ``{"visit_id", "reason", "message"}`` entries."""
    if value is None:
        return frozenset()
    items = reader.array(value, path)
    if items is None:
        return None
    ids: list[str] = []
    for index, item in enumerate(items):
        item_path = child(path, index)
        if isinstance(item, dict):
            fields = reader.record(item, item_path, ("visit_id",), ("reason", "message"))
            item = None if fields is None else fields.get("visit_id")
            item_path = child(item_path, "visit_id")
        text = reader.text(item, item_path)
        if text is not None:
            ids.append(text)
    return frozenset(ids) if len(ids) == len(items) else None


def _read_actual(reader: FieldReader, value: object) -> dict[str, ActualTimes] | None:
    if value is None:
        return {}
    if not isinstance(value, dict):
        reader.fail("replan.actual", "actual must be an object of visit id to check-in times")
        return None
    actual: dict[str, ActualTimes] = {}
    for visit_id, item in value.items():
        path = child("replan.actual", str(visit_id))
        fields = reader.record(item, path, (), ("start", "end"))
        if fields is None:
            continue
        start_s = end_s = None
        if fields.get("start") is not None:
            start_s = read_time(reader, fields["start"], child(path, "start"))
        if fields.get("end") is not None:
            end_s = read_time(reader, fields["end"], child(path, "end"))
            if fields.get("start") is None:
                reader.fail(child(path, "end"), "a check-out needs its check-in (start)")
        if start_s is not None and end_s is not None and end_s < start_s:
            reader.fail(child(path, "end"), "the visit ends before it starts")
        actual[str(visit_id)] = ActualTimes(start_s, end_s)
    return actual


def _check_consistency(reader: FieldReader, replan: Replan, visits: Mapping[str, Visit]) -> None:
    """Check-ins belong to current stops and happened by ``now``; a stop under way or done
    is still in the day (a visit that has started cannot be cancelled)."""
    now = format_hhmm(replan.now_s)
    on_route = replan.current_start()
    for visit_id, times in replan.actual.items():
        path = child("replan.actual", visit_id)
        if visit_id not in on_route:
            reader.fail(path, f"visit {visit_id!r} has check-in times but is on no current route")
        if times.start_s is not None and times.start_s > replan.now_s:
            reader.fail(child(path, "start"), f"the check-in is after now ({now})")
        if times.end_s is not None and times.end_s > replan.now_s:
            reader.fail(child(path, "end"), f"the check-out is after now ({now})")
    for route in replan.routes:
        for stop in route.stops:
            checked_in = replan.actual.get(stop.visit_id)
            started_s = stop.start_s
            if checked_in is not None and checked_in.start_s is not None:
                started_s = checked_in.start_s
            if started_s < replan.now_s and stop.visit_id not in visits:
                reader.fail(
                    "replan.current",
                    f"visit {stop.visit_id!r} started before now ({now}) on {route.therapist_id}'s"
                    " route, so it must stay in visits",
                )
