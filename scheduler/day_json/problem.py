"""The problem JSON of DESIGN.md section 9: validate it and build a ``solver.problem.Problem``.

Every fault is collected before one ``InvalidRequest`` is raised, each named by its path
(``visits[3].windows[0].end``) and described in one sentence. Times are read as wall-clock
seconds of ``date`` (h * 3600 + m * 60) and then put on the solver's axis, the seconds
elapsed since the date's local midnight in ``timezone`` (``scheduler.local_time``: they
differ on the days the clocks change); minutes become seconds.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import zoneinfo
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from scheduler.day_json.entities import References, read_therapist, read_visit
from scheduler.day_json.matrix import read_matrix
from scheduler.day_json.reader import FieldReader, child
from scheduler.day_json.replan import read_replan
from scheduler.errors import FieldError, InvalidRequest
from scheduler.local_time import DayClock, day_clock
from scheduler.records import limits
from scheduler.records.values import date_fault
from scheduler.travel import GeodesicProvider, TravelTimeProvider
from solver.problem import (
    DEFAULT_TRAVEL_MODE,
    ObjectiveWeights,
    Problem,
    Therapist,
    TravelMatrix,
    Visit,
)

if TYPE_CHECKING:
    from solver.current_plan import Replan

DETAIL = "invalid problem"
_ROOT_REQUIRED = ("date", "timezone", "locations", "therapists", "visits")
_ROOT_OPTIONAL = ("matrix", "options", "replan")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DAY_LISTS = (
    ("locations", limits.MAX_DAY_LOCATIONS),
    ("therapists", limits.MAX_DAY_THERAPISTS),
    ("visits", limits.MAX_DAY_VISITS),
)

_T = TypeVar("_T")
_EntityReader = Callable[[FieldReader, object, str, References], _T | None]


@dataclass(frozen=True, eq=False)
class ParsedProblem:
    """A validated problem JSON: the solver's ``Problem`` and what the plan JSON echoes.

    ``location_ids[i]`` is the id of matrix index ``i``. ``time_limit_s`` and ``seed`` are
    the ``options`` (None when not given). ``clock`` turns the problem's seconds back into
    the wall clock of ``date`` in ``timezone``.
    """

    problem: Problem
    date: dt.date
    timezone: str
    location_ids: tuple[str, ...]
    time_limit_s: float | None = None
    seed: int | None = None

    @property
    def clock(self) -> DayClock:
        return day_clock(self.date, self.timezone)


@dataclass(frozen=True)
class _Location:
    id: str
    lat: float
    lon: float


@dataclass(frozen=True)
class _Options:
    time_limit_s: float | None
    seed: int | None
    weights: ObjectiveWeights = field(default_factory=ObjectiveWeights)


@dataclass(frozen=True)
class _Day:
    """The validated sections of a problem JSON."""

    date: dt.date
    timezone: str
    locations: list[_Location]
    therapists: list[Therapist]
    visits: list[Visit]
    matrix: TravelMatrix | None
    options: _Options
    replan: Replan | None


def load_problem_file(
    path: str | Path, provider: TravelTimeProvider | None = None
) -> ParsedProblem:
    """Read and parse a problem JSON file; a syntax error is an ``InvalidRequest``.

    ``OSError`` (a missing or unreadable file) is not caught.
    """
    return parse_problem(read_json_file(path), provider)


def read_json_file(path: str | Path) -> object:
    """A JSON file's value; text that is not UTF-8 or not JSON is an ``InvalidRequest``."""
    raw = Path(path).read_bytes()
    try:
        return json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as error:
        raise InvalidRequest.single(
            "", f"{path} is not UTF-8 text: {error.reason}", DETAIL
        ) from None
    except json.JSONDecodeError as error:
        message = f"invalid JSON at line {error.lineno}, column {error.colno}: {error.msg}"
        raise InvalidRequest.single("", message, DETAIL) from None


def parse_problem(data: object, provider: TravelTimeProvider | None = None) -> ParsedProblem:
    """Validate a parsed problem JSON and build the solver's ``Problem``.

    Without a ``matrix``, ``provider`` (default ``GeodesicProvider()``) computes one pair
    of matrices per travel mode in use. Raises ``InvalidRequest`` listing every fault.
    """
    reader = FieldReader()
    root = reader.record(data, "", _ROOT_REQUIRED, _ROOT_OPTIONAL)
    oversized = [] if root is None else _size_faults(root)
    if oversized:
        # Refused before reading an entry: a day this size would hold the solver for long.
        raise InvalidRequest([*reader.errors, *oversized], DETAIL)
    day = None if root is None else _read_day(reader, root)
    if reader.errors or day is None:
        raise InvalidRequest(reader.errors, DETAIL)
    problem = Problem(
        travel=_travel(day.therapists, day.locations, day.matrix, provider),
        therapists=tuple(day.therapists),
        visits=tuple(day.visits),
        weights=day.options.weights,
        day_label=day.date.isoformat(),
        replan=day.replan,
    )
    return ParsedProblem(
        problem=day_clock(day.date, day.timezone).problem(problem),
        date=day.date,
        timezone=day.timezone,
        location_ids=tuple(location.id for location in day.locations),
        time_limit_s=day.options.time_limit_s,
        seed=day.options.seed,
    )


def _size_faults(root: dict[str, object]) -> list[FieldError]:
    """The lists of the day longer than ``scheduler.records.limits`` allows, and matrices
    with more rows than a day may have locations."""
    faults: list[FieldError] = []
    for name, limit in _DAY_LISTS:
        items = root.get(name)
        if isinstance(items, list) and (message := limits.too_many(len(items), name, limit)):
            faults.append(FieldError(name, f"{message} in one day"))
    matrix = root.get("matrix")
    for name in ("durations_s", "distances_m"):
        rows = matrix.get(name) if isinstance(matrix, dict) else None
        if not isinstance(rows, list):
            continue
        message = limits.too_many(len(rows), "matrix rows", limits.MAX_DAY_LOCATIONS)
        if message:
            faults.append(FieldError(child("matrix", name), f"{message}, one per location"))
    return faults


def _read_day(reader: FieldReader, root: dict[str, object]) -> _Day | None:
    """Every section of the problem, or None when one of them is invalid."""
    date = _read_date(reader, root.get("date"))
    timezone = _read_timezone(reader, root.get("timezone"))
    locations = _read_locations(reader, root.get("locations"))
    refs = References.collect(root.get("locations"), root.get("therapists"))
    replanning = root.get("replan") is not None
    therapists = _read_entities(
        reader,
        root.get("therapists"),
        "therapist",
        partial(read_therapist, replan=replanning),
        refs,
    )
    visits = _read_entities(reader, root.get("visits"), "visit", read_visit, refs)
    matrix = None
    if root.get("matrix") is not None:
        size = None if locations is None else len(locations)
        matrix = read_matrix(reader, root["matrix"], "matrix", size)
    options = _read_options(reader, root.get("options"))
    replan = None
    if replanning and therapists is not None and visits is not None:
        known = {visit.id: visit for visit in visits}
        replan = read_replan(reader, root["replan"], known, {t.id for t in therapists})
    if (
        date is None
        or timezone is None
        or locations is None
        or therapists is None
        or visits is None
        or options is None
    ):
        return None
    if replanning and replan is None:
        return None
    return _Day(date, timezone, locations, therapists, visits, matrix, options, replan)


def _read_date(reader: FieldReader, value: object) -> dt.date | None:
    text = reader.text(value, "date")
    if text is None:
        return None
    if _DATE.fullmatch(text) is None:
        reader.fail("date", f"{text!r} is not a date in YYYY-MM-DD format")
        return None
    try:
        date = dt.date.fromisoformat(text)
    except ValueError:
        reader.fail("date", f"{text!r} is not a valid date")
        return None
    if (fault := date_fault(date)) is not None:
        reader.fail("date", fault)
        return None
    return date


def _read_timezone(reader: FieldReader, value: object) -> str | None:
    name = reader.text(value, "timezone")
    if name is None:
        return None
    try:
        zoneinfo.ZoneInfo(name)
    # A directory such as "Europe" raises OSError, a malformed key ValueError.
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        reader.fail(
            "timezone", f"unknown time zone {name!r}; expected an IANA name such as Europe/Paris"
        )
        return None
    return name


def _read_locations(reader: FieldReader, value: object) -> list[_Location] | None:
    items = reader.array(value, "locations")
    if items is None:
        return None
    if not items:
        reader.fail("locations", "at least one location is required")
        return None
    _report_duplicates(reader, items, "locations", "location")
    locations: list[_Location] = []
    for index, item in enumerate(items):
        location = _read_location(reader, item, child("locations", index))
        if location is not None:
            locations.append(location)
    return locations if len(locations) == len(items) else None


def _read_location(reader: FieldReader, value: object, path: str) -> _Location | None:
    fields = reader.record(value, path, ("id", "lat", "lon"), ())
    if fields is None:
        return None
    location_id = reader.text(fields.get("id"), child(path, "id"))
    lat = _read_coordinate(reader, fields.get("lat"), child(path, "lat"), 90.0)
    lon = _read_coordinate(reader, fields.get("lon"), child(path, "lon"), 180.0)
    if location_id is None or lat is None or lon is None:
        return None
    return _Location(location_id, lat, lon)


def _read_coordinate(reader: FieldReader, value: object, path: str, bound: float) -> float | None:
    number = reader.number(value, path)
    if number is None:
        return None
    if not -bound <= number <= bound:
        name = path.rsplit(".", 1)[-1]
        reader.fail(path, f"{name} {number:g} is outside [-{bound:g}, {bound:g}]")
        return None
    return number


def _read_entities(
    reader: FieldReader, value: object, noun: str, read: _EntityReader[_T], refs: References
) -> list[_T] | None:
    """The therapists or the visits (``noun`` says which); None unless every one is valid."""
    path = f"{noun}s"
    items = reader.array(value, path)
    if items is None:
        return None
    # A day without visits is a valid (empty) plan; one without therapists is a mistake.
    if noun == "therapist" and not items:
        reader.fail(path, "at least one therapist is required")
        return None
    _report_duplicates(reader, items, path, noun)
    entities = [read(reader, item, child(path, index), refs) for index, item in enumerate(items)]
    valid = [entity for entity in entities if entity is not None]
    return valid if len(valid) == len(items) else None


def _report_duplicates(reader: FieldReader, items: list[object], path: str, noun: str) -> None:
    first_index: dict[str, int] = {}
    for index, item in enumerate(items):
        item_id = item.get("id") if isinstance(item, dict) else None
        if not isinstance(item_id, str):
            continue
        if item_id in first_index:
            first = child(path, first_index[item_id])
            reader.fail(
                child(child(path, index), "id"), f"duplicate {noun} id {item_id!r} (also {first})"
            )
        else:
            first_index[item_id] = index


_OPTIONS = ("time_limit_s", "seed", "therapist_change_minutes", "retime_cost_per_minute")


def _read_options(reader: FieldReader, value: object) -> _Options | None:
    if value is None:
        return _Options(None, None)
    fields = reader.record(value, "options", (), _OPTIONS)
    if fields is None:
        return None
    time_limit_s = None
    if fields.get("time_limit_s") is not None:
        time_limit_s = reader.number(fields["time_limit_s"], "options.time_limit_s")
        if time_limit_s is not None and time_limit_s <= 0:
            reader.fail(
                "options.time_limit_s", f"time_limit_s must be positive, got {time_limit_s:g}"
            )
    seed = None
    if fields.get("seed") is not None:
        seed = reader.integer(fields["seed"], "options.seed", minimum=0, maximum=2**32 - 1)
    return _Options(time_limit_s, seed, _read_disruption(reader, fields))


def _read_disruption(reader: FieldReader, fields: dict[str, object]) -> ObjectiveWeights:
    """A re-plan's weights: a therapist change as minutes of driving, and the minutes of
    driving one minute of moving a start beyond the promise is worth."""
    weights = ObjectiveWeights()
    if fields.get("therapist_change_minutes") is not None:
        path = "options.therapist_change_minutes"
        change_s = reader.minutes(fields["therapist_change_minutes"], path)
        if change_s is not None:
            weights = replace(weights, therapist_change=change_s * weights.travel_per_s)
    if fields.get("retime_cost_per_minute") is not None:
        path = "options.retime_cost_per_minute"
        per_minute = reader.integer(fields["retime_cost_per_minute"], path, maximum=1000)
        if per_minute is not None:
            weights = replace(weights, retime_per_s=per_minute * weights.travel_per_s)
    return weights


def _travel(
    therapists: Sequence[Therapist],
    locations: Sequence[_Location],
    matrix: TravelMatrix | None,
    provider: TravelTimeProvider | None,
) -> dict[str, TravelMatrix]:
    """One pair of matrices per travel mode in use: the given matrix, or the provider's."""
    modes = list(dict.fromkeys(therapist.travel_mode for therapist in therapists))
    modes = modes or [DEFAULT_TRAVEL_MODE]
    if matrix is not None:
        return dict.fromkeys(modes, matrix)
    provider = provider or GeodesicProvider()
    points = [(location.lat, location.lon) for location in locations]
    return {mode: provider.matrices(points, mode) for mode in modes}
