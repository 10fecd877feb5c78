"""parse_problem / load_problem_file: the problem JSON of DESIGN.md section 9."""

from __future__ import annotations

import copy
import itertools
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scheduler.day_json.generate import generate_day
from scheduler.day_json.problem import load_problem_file, parse_problem
from scheduler.errors import FieldError, InvalidRequest
from scheduler.records import limits
from scheduler.travel import GeodesicProvider
from solver.problem import BreakRule, Priority, TimeWindow, TravelMatrix

if TYPE_CHECKING:
    from pathlib import Path

Json = dict[str, Any]
Key = str | int
Edit = tuple[Sequence[Key], object]
DELETE = object()

DURATIONS_S = [[0, 300, 600], [310, 0, 420], [590, 400, 0]]
DISTANCES_M = [[0, 2500, 5000], [2600, 0, 3500], [4900, 3300, 0]]


def day_with_matrix() -> Json:
    """Three locations with a matrix; t1 is fully specified, t2 (bicycle) and v2 minimal."""
    return {
        "date": "2026-11-30",
        "timezone": "Europe/Andorra",
        "locations": [
            {"id": "home-a", "lat": 42.507, "lon": 1.521},
            {"id": "p1", "lat": 42.51, "lon": 1.53},
            {"id": "p2", "lat": 42.52, "lon": 1.54},
        ],
        "matrix": {"durations_s": DURATIONS_S, "distances_m": DISTANCES_M},
        "therapists": [
            {
                "id": "t1",
                "start_location": "home-a",
                "end_location": "p2",
                "shift": {"start": "08:00", "end": "16:30"},
                "skills": ["PT", "lang:es"],
                "max_visits": 8,
                "max_work_minutes": 480,
                "overtime_minutes": 30,
                "break": {"earliest": "11:30", "latest_end": "14:00", "minutes": 30},
                "travel_mode": "car",
            },
            {
                "id": "t2",
                "start_location": "p1",
                "shift": {"start": "07:15", "end": "12:45"},
                "travel_mode": "bicycle",
            },
        ],
        "visits": [
            {
                "id": "v1",
                "location": "p1",
                "duration_minutes": 45,
                "windows": [
                    {"start": "13:30", "end": "13:45"},
                    {"start": "10:00", "end": "12:00"},
                    {"start": "09:00", "end": "10:00"},
                    {"start": "13:00", "end": "14:00"},
                ],
                "skills": ["PT"],
                "priority": "high",
                "preferred_therapists": ["t1"],
                "excluded_therapists": ["t2"],
                "pinned_therapist": None,
            },
            {"id": "v2", "location": "p2", "duration_minutes": 0},
        ],
        "options": {"time_limit_s": 2.5, "seed": 3},
    }


def day_without_matrix() -> Json:
    """The same day with travel left to the provider."""
    data = day_with_matrix()
    del data["matrix"]
    return data


def edited(data: Json, *edits: Edit) -> Json:
    """A deep copy of ``data`` with the value at each path replaced (or removed: DELETE)."""
    result = copy.deepcopy(data)
    for path, value in edits:
        parent: Any = result
        for key in path[:-1]:
            parent = parent[key]
        if value is DELETE:
            del parent[path[-1]]
        elif isinstance(parent, list) and path[-1] == len(parent):
            parent.append(value)
        else:
            parent[path[-1]] = value
    return result


class RecordingProvider:
    """A provider that answers 60 s / 1000 m between distinct points and records its calls."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, str]] = []

    def matrices(self, points: Sequence[tuple[float, float]], mode: str) -> TravelMatrix:
        self.calls.append((len(points), mode))
        off_diagonal = 1 - np.eye(len(points), dtype=np.int64)
        return TravelMatrix(60 * off_diagonal, 1000 * off_diagonal)


# --- valid input ---------------------------------------------------------------------------


def test_times_and_minutes_become_seconds() -> None:
    parsed = parse_problem(day_with_matrix())
    t1 = parsed.problem.therapists[0]
    assert (t1.shift_start_s, t1.shift_end_s) == (8 * 3600, 16 * 3600 + 30 * 60)
    assert t1.max_work_s == 480 * 60
    assert t1.overtime_max_s == 30 * 60
    assert t1.break_rule == BreakRule(11 * 3600 + 30 * 60, 14 * 3600, 30 * 60)
    assert parsed.problem.visits[0].service_s == 45 * 60


def test_references_become_indices_and_sets() -> None:
    parsed = parse_problem(day_with_matrix())
    t1 = parsed.problem.therapists[0]
    v1 = parsed.problem.visits[0]
    assert (t1.start_location, t1.end_location) == (0, 2)
    assert t1.skills == frozenset({"PT", "lang:es"})
    assert t1.max_visits == 8
    assert v1.location == 1
    assert v1.required_skills == frozenset({"PT"})
    assert v1.priority is Priority.HIGH
    assert v1.preferred_therapists == frozenset({"t1"})
    assert v1.excluded_therapists == frozenset({"t2"})
    assert parsed.location_ids == ("home-a", "p1", "p2")


def test_omitted_fields_take_their_defaults() -> None:
    parsed = parse_problem(edited(day_with_matrix(), (("options",), DELETE)))
    t2 = parsed.problem.therapists[1]
    v2 = parsed.problem.visits[1]
    assert t2.end_location == t2.start_location == 1
    assert t2.skills == frozenset()
    assert (t2.max_visits, t2.max_work_s, t2.break_rule, t2.overtime_max_s) == (None, None, None, 0)
    assert v2.windows == ()
    assert v2.service_s == 0
    assert v2.priority is Priority.NORMAL
    assert (v2.preferred_therapists, v2.excluded_therapists) == (frozenset(), frozenset())
    assert v2.pinned_therapist is None
    assert v2.allowed_therapists is None
    assert (parsed.time_limit_s, parsed.seed) == (None, None)


def test_overlapping_and_touching_windows_are_merged_and_sorted() -> None:
    windows = parse_problem(day_with_matrix()).problem.visits[0].windows
    assert windows == (TimeWindow(9 * 3600, 12 * 3600), TimeWindow(13 * 3600, 14 * 3600))


@given(
    st.lists(
        st.tuples(st.integers(0, 24 * 60), st.integers(0, 180)).map(
            lambda pair: (pair[0], min(pair[0] + pair[1], 24 * 60))
        ),
        min_size=1,
        max_size=6,
    )
)
def test_merged_windows_are_sorted_disjoint_and_cover_the_same_minutes(
    spans: list[tuple[int, int]],
) -> None:
    def clock(minute: int) -> str:
        return f"{minute // 60:02d}:{minute % 60:02d}"

    windows_json = [{"start": clock(start), "end": clock(end)} for start, end in spans]
    data = edited(day_with_matrix(), (("visits", 1, "windows"), windows_json))
    merged = parse_problem(data).problem.visits[1].windows
    assert all(left.end_s < right.start_s for left, right in itertools.pairwise(merged))

    def covered(windows: Sequence[tuple[int, int]]) -> set[int]:
        return {minute for start, end in windows for minute in range(start, end + 1)}

    assert covered([(w.start_s // 60, w.end_s // 60) for w in merged]) == covered(spans)


def test_date_timezone_options_and_day_label() -> None:
    parsed = parse_problem(day_with_matrix())
    assert parsed.date.isoformat() == "2026-11-30"
    assert parsed.timezone == "Europe/Andorra"
    assert parsed.problem.day_label == "2026-11-30"
    assert (parsed.time_limit_s, parsed.seed) == (2.5, 3)


def test_a_given_matrix_serves_every_travel_mode() -> None:
    travel = parse_problem(day_with_matrix()).problem.travel
    assert set(travel) == {"car", "bicycle"}
    assert travel["car"] is travel["bicycle"]
    assert travel["car"].durations_s.tolist() == DURATIONS_S
    assert travel["car"].distances_m is not None
    assert travel["car"].distances_m.tolist() == DISTANCES_M
    assert travel["car"].durations_s.dtype == np.int64


def test_a_matrix_without_distances_has_none() -> None:
    data = edited(day_with_matrix(), (("matrix", "distances_m"), DELETE))
    assert parse_problem(data).problem.travel["car"].distances_m is None


def test_without_matrix_the_provider_is_called_once_per_mode() -> None:
    provider = RecordingProvider()
    travel = parse_problem(day_without_matrix(), provider).problem.travel
    assert provider.calls == [(3, "car"), (3, "bicycle")]
    assert travel["car"].durations_s[0, 1] == 60


def test_without_matrix_or_provider_geodesic_estimates_are_used() -> None:
    data = day_without_matrix()
    travel = parse_problem(data).problem.travel
    points = [(location["lat"], location["lon"]) for location in data["locations"]]
    expected = GeodesicProvider().matrices(points, "bicycle")
    assert np.array_equal(travel["bicycle"].durations_s, expected.durations_s)


@pytest.mark.parametrize(
    ("edit", "check"),
    [
        pytest.param(
            (("therapists", 0, "shift", "end"), "24:00"),
            lambda parsed: parsed.problem.therapists[0].shift_end_s == 86400,
            id="midnight-as-24:00",
        ),
        pytest.param(
            (("visits", 1, "duration_minutes"), 45.0),
            lambda parsed: parsed.problem.visits[1].service_s == 2700,
            id="integral-float",
        ),
        pytest.param(
            (("visits", 0, "windows"), None),
            lambda parsed: parsed.problem.visits[0].windows == (),
            id="null-windows-as-omitted",
        ),
        pytest.param(
            (("visits",), []),
            lambda parsed: parsed.problem.visits == (),
            id="no-visits",
        ),
        pytest.param(
            (("visits", 1, "windows"), [{"start": "10:00", "end": "10:00"}]),
            lambda parsed: parsed.problem.visits[1].windows == (TimeWindow(36000, 36000),),
            id="zero-length-window",
        ),
    ],
)
def test_accepted_edge_cases(edit: Edit, check: Any) -> None:
    assert check(parse_problem(edited(day_with_matrix(), edit)))


# --- invalid input -------------------------------------------------------------------------

T0 = ("therapists", 0)
V0 = ("visits", 0)
BREAK = (*T0, "break")
DUR = ("matrix", "durations_s")
T2 = day_with_matrix()["therapists"][1]

INVALID_CASES = [
    # root
    ((("date",), DELETE), "date", "required field 'date' is missing"),
    ((("colour",), "red"), "colour", "unknown field 'colour'"),
    ((("date",), "30/11/2026"), "date", "not a date in YYYY-MM-DD format"),
    ((("date",), "2026-02-30"), "date", "not a valid date"),
    ((("date",), "9999-12-31"), "date", "9999-12-31 is outside the dates the service plans"),
    ((("date",), "0001-01-01"), "date", "(from 2000-01-01 to 2099-12-31)"),
    ((("timezone",), "Mars/Olympus"), "timezone", "unknown time zone 'Mars/Olympus'"),
    ((("timezone",), "Europe"), "timezone", "unknown time zone 'Europe'"),
    ((("timezone",), "../Europe/Paris"), "timezone", "unknown time zone"),
    ((("timezone",), 5), "timezone", "timezone must be a string, not a number"),
    ((("visits",), "v1"), "visits", "visits must be an array, not a string"),
    # locations
    ((("locations",), []), "locations", "at least one location is required"),
    ((("locations", 1, "lat"), 91), "locations[1].lat", "lat 91 is outside [-90, 90]"),
    ((("locations", 1, "lon"), -180.5), "locations[1].lon", "outside [-180, 180]"),
    ((("locations", 1, "lat"), "42"), "locations[1].lat", "must be a number, not a string"),
    (
        [(("locations", 3), {"id": "p1", "lat": 0, "lon": 0}), (("matrix",), DELETE)],
        "locations[3].id",
        "duplicate location id 'p1' (also locations[1])",
    ),
    ((("locations", 0, "name"), "x"), "locations[0].name", "unknown field 'name'"),
    # therapists
    ((("therapists",), []), "therapists", "at least one therapist is required"),
    (((*T0, "shift"), DELETE), "therapists[0].shift", "required field 'shift' is missing"),
    (((*T0, "shift", "start"), "8:00"), "therapists[0].shift.start", "HH:MM"),
    (((*T0, "shift", "start"), "24:01"), "therapists[0].shift.start", "HH:MM"),
    (((*T0, "shift", "start"), 800), "therapists[0].shift.start", "must be a time in HH:MM"),
    (
        ((*T0, "shift", "end"), "07:00"),
        "therapists[0].shift.end",
        "shift ends at 07:00 before it starts at 08:00",
    ),
    (((*T0, "shift", "end"), "08:00"), "therapists[0].shift.end", "must end after it starts"),
    (((*T0, "start_location"), "nowhere"), "therapists[0].start_location", "unknown location"),
    ((("therapists", 1, "end_location"), "p9"), "therapists[1].end_location", "'p9'"),
    ((("therapists", 2), {**T2, "id": "t1"}), "therapists[2].id", "duplicate therapist id 't1'"),
    ((("visits", 1, "id"), " "), "visits[1].id", "id must not be empty"),
    (((*T0, "colour"), "red"), "therapists[0].colour", "unknown field 'colour'"),
    (((*T0, "capacity"), 3), "therapists[0].capacity", "unknown field 'capacity'"),
    (((*T0, "max_visits"), -1), "therapists[0].max_visits", "must not be negative, got -1"),
    (((*T0, "max_visits"), 2.5), "therapists[0].max_visits", "must be a whole number"),
    (((*T0, "max_visits"), True), "therapists[0].max_visits", "integer, not a boolean"),
    (((*T0, "max_work_minutes"), "480"), "therapists[0].max_work_minutes", "not a string"),
    (((*T0, "overtime_minutes"), -5), "therapists[0].overtime_minutes", "must not be negative"),
    (((*T0, "travel_mode"), "boat"), "therapists[0].travel_mode", "unknown travel mode 'boat'"),
    (((*T0, "skills"), "PT"), "therapists[0].skills", "must be an array"),
    (((*T0, "skills", 1), 3), "therapists[0].skills[1]", "must be a string"),
    # breaks
    (((*BREAK, "minutes"), 0), "therapists[0].break.minutes", "must be positive, got 0"),
    (((*BREAK, "minutes"), -30), "therapists[0].break.minutes", "must be positive"),
    (((*BREAK, "minutes"), 200), "therapists[0].break.minutes", "break does not fit in"),
    (
        ((*BREAK, "latest_end"), "11:00"),
        "therapists[0].break.latest_end",
        "break window ends at 11:00 before it starts at 11:30",
    ),
    (
        ((*BREAK,), {"earliest": "17:30", "latest_end": "18:30", "minutes": 30}),
        "therapists[0].break",
        "inside the shift 08:00-17:00",
    ),
    (((*BREAK, "length"), 30), "therapists[0].break.length", "unknown field 'length'"),
    (((*BREAK, "earliest"), DELETE), "therapists[0].break.earliest", "is missing"),
    # visits
    (((*V0, "duration_minutes"), -15), "visits[0].duration_minutes", "must not be negative"),
    (((*V0, "duration_minutes"), 2.5), "visits[0].duration_minutes", "whole number"),
    (((*V0, "duration_minutes"), 10**7), "visits[0].duration_minutes", "at most 1000000"),
    (((*V0, "duration_minutes"), DELETE), "visits[0].duration_minutes", "is missing"),
    (((*V0, "windows"), []), "visits[0].windows", "windows is empty"),
    (
        ((*V0, "windows", 2, "end"), "08:00"),
        "visits[0].windows[2].end",
        "window ends at 08:00 before it starts at 09:00",
    ),
    (((*V0, "windows", 0, "start"), "9am"), "visits[0].windows[0].start", "'9am' is not a time"),
    (((*V0, "windows"), "09:00"), "visits[0].windows", "must be an array"),
    (((*V0, "location"), "p9"), "visits[0].location", "unknown location 'p9'"),
    ((("visits", 1, "id"), "v1"), "visits[1].id", "duplicate visit id 'v1' (also visits[0])"),
    (((*V0, "priority"), "urgent"), "visits[0].priority", "unknown priority 'urgent'"),
    (((*V0, "preferred_therapists"), ["t9"]), "visits[0].preferred_therapists[0]", "'t9'"),
    (((*V0, "excluded_therapists"), ["t1", "t9"]), "visits[0].excluded_therapists[1]", "'t9'"),
    (((*V0, "pinned_therapist"), "t9"), "visits[0].pinned_therapist", "unknown therapist 't9'"),
    (((*V0, "colour"), "red"), "visits[0].colour", "unknown field 'colour'"),
    ((V0, 5), "visits[0]", "must be an object, not a number"),
    # matrix
    (((*DUR,), DELETE), "matrix.durations_s", "required field 'durations_s' is missing"),
    (((*DUR,), DURATIONS_S[:2]), "matrix.durations_s", "has 2 rows; expected 3"),
    (((*DUR, 2), [0, 1]), "matrix.durations_s[2]", "has 2 entries; expected 3"),
    (((*DUR, 2), 7), "matrix.durations_s[2]", "must be an array, not a number"),
    (((*DUR, 1, 2), -4), "matrix.durations_s[1][2]", "must not be negative, got -4"),
    (((*DUR, 1, 2), 1.5), "matrix.durations_s[1][2]", "whole number"),
    (((*DUR, 1, 2), "5"), "matrix.durations_s[1][2]", "non-negative integer, not a string"),
    (((*DUR, 1, 2), 2**50), "matrix.durations_s[1][2]", "too large"),
    ((("matrix", "distances_m", 0, 1), True), "matrix.distances_m[0][1]", "not a boolean"),
    ((("matrix", "speed"), 3), "matrix.speed", "unknown field 'speed'"),
    # options
    ((("options", "time_limit_s"), 0), "options.time_limit_s", "must be positive"),
    ((("options", "time_limit_s"), "10"), "options.time_limit_s", "must be a number"),
    ((("options", "seed"), -1), "options.seed", "must not be negative"),
    ((("options", "seed"), 2**32), "options.seed", "must be at most 4294967295"),
    ((("options", "threads"), 4), "options.threads", "unknown field 'threads'"),
]


@pytest.mark.parametrize(
    ("edit", "path", "fragment"),
    [pytest.param(*case, id=f"{case[1]}:{case[2]}") for case in INVALID_CASES],
)
def test_invalid_input_is_reported_at_its_path(
    edit: Edit | list[Edit], path: str, fragment: str
) -> None:
    edits = edit if isinstance(edit, list) else [edit]
    with pytest.raises(InvalidRequest) as caught:
        parse_problem(edited(day_with_matrix(), *edits))
    assert [(error.field, fragment in error.message) for error in caught.value.errors] == [
        (path, True)
    ], caught.value.errors


def test_every_fault_is_reported_at_once() -> None:
    data = edited(
        day_with_matrix(),
        (("colour",), "red"),
        (("therapists", 0, "shift", "end"), "07:00"),
        (("visits", 0, "location"), "p9"),
        (("visits", 0, "windows", 2, "end"), "08:00"),
        (("visits", 1, "duration_minutes"), -5),
        (("matrix", "durations_s", 2), [0, 1]),
        (("options", "seed"), "zero"),
    )
    with pytest.raises(InvalidRequest) as caught:
        parse_problem(data)
    assert [error.field for error in caught.value.errors] == [
        "colour",
        "therapists[0].shift.end",
        "visits[0].location",
        "visits[0].windows[2].end",
        "visits[1].duration_minutes",
        "matrix.durations_s[2]",
        "options.seed",
    ]
    assert "visits[0].location: unknown location 'p9'" in str(caught.value)


def test_a_bad_reference_is_not_reported_twice() -> None:
    """A therapist with a faulty shift is still known to the visits that refer to it."""
    data = edited(day_with_matrix(), (("therapists", 0, "shift"), "all day"))
    with pytest.raises(InvalidRequest) as caught:
        parse_problem(data)
    assert [error.field for error in caught.value.errors] == ["therapists[0].shift"]


def test_a_wholly_wrong_matrix_reports_a_bounded_number_of_rows() -> None:
    size = 30
    data = day_without_matrix()
    data["locations"] = [{"id": f"l{i}", "lat": 0.0, "lon": i / 100} for i in range(size)]
    data["therapists"] = [
        {"id": "t", "start_location": "l0", "shift": {"start": "08:00", "end": "09:00"}}
    ]
    data["visits"] = []
    data["matrix"] = {"durations_s": [[-1] * size for _ in range(size)]}
    with pytest.raises(InvalidRequest) as caught:
        parse_problem(data)
    errors = caught.value.errors
    assert len(errors) == 11
    assert errors[0].field == "matrix.durations_s[0][0]"
    assert errors[-1] == type(errors[-1])("matrix.durations_s", "20 more rows hold invalid entries")


@pytest.mark.parametrize(
    ("section", "limit"),
    [
        ("locations", limits.MAX_DAY_LOCATIONS),
        ("therapists", limits.MAX_DAY_THERAPISTS),
        ("visits", limits.MAX_DAY_VISITS),
    ],
)
def test_a_day_too_large_is_refused_before_its_entries_are_read(section: str, limit: int) -> None:
    """One entry too many, each of them invalid: only the size is reported."""
    data = edited(day_with_matrix(), ((section,), [{}] * (limit + 1)))
    with pytest.raises(InvalidRequest) as caught:
        parse_problem(data)
    message = f"{limit + 1:,} {section} are too many; at most {limit:,} in one day"
    assert caught.value.errors == [FieldError(section, message)]


def test_a_matrix_with_more_rows_than_a_day_may_have_locations_is_refused() -> None:
    rows = limits.MAX_DAY_LOCATIONS + 1
    data = edited(day_with_matrix(), (("matrix", "distances_m"), [[]] * rows))
    with pytest.raises(InvalidRequest) as caught:
        parse_problem(data)
    message = f"{rows:,} matrix rows are too many; at most 3,000, one per location"
    assert caught.value.errors == [FieldError("matrix.distances_m", message)]


def test_the_xlarge_benchmark_day_is_within_the_limits() -> None:
    parsed = parse_problem(generate_day("xlarge", 1))
    assert (len(parsed.problem.therapists), len(parsed.problem.visits)) == (200, 2000)


@pytest.mark.parametrize("data", [[], "day", None, 3], ids=["array", "string", "null", "number"])
def test_a_root_that_is_not_an_object(data: object) -> None:
    with pytest.raises(InvalidRequest) as caught:
        parse_problem(data)
    assert [error.field for error in caught.value.errors] == [""]
    assert "must be an object" in caught.value.errors[0].message


# --- files -----------------------------------------------------------------------------------


def test_load_problem_file(tmp_path: Path) -> None:
    path = tmp_path / "day.json"
    path.write_text(json.dumps(day_with_matrix()), encoding="utf-8")
    assert load_problem_file(path).problem.visits[0].id == "v1"


def test_json_syntax_error_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{\n  "date": "2026-11-30",\n  "timezone" "UTC"\n}\n', encoding="utf-8")
    with pytest.raises(InvalidRequest, match="line 3, column 14") as caught:
        load_problem_file(path)
    assert caught.value.errors[0].field == ""
