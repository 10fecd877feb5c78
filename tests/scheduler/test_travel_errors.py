"""UnroutableLocations and TravelServiceUnavailable: how road-router faults read."""

from __future__ import annotations

from scheduler.errors import (
    InvalidRequest,
    LocationFault,
    SchedulerError,
    TravelServiceUnavailable,
    UnroutableLocations,
)

FAULTS = [
    LocationFault(1, 48.8566, 2.3522, "is 694,000 m from the nearest road the router knows"),
    LocationFault(3, 42.5, 1.6, "has no road route to or from 3 of the other 3 locations"),
]


def test_unroutable_locations_are_invalid_requests() -> None:
    """The API answers them 422, with one error a location."""
    assert issubclass(UnroutableLocations, InvalidRequest)
    assert issubclass(TravelServiceUnavailable, SchedulerError)
    assert not issubclass(TravelServiceUnavailable, InvalidRequest)


def test_faults_are_named_by_position_until_renamed() -> None:
    error = UnroutableLocations(FAULTS)
    assert str(error) == (
        "some locations cannot be routed: 2 errors\n"
        "  locations[1]: location 1 at (48.856600, 2.352200) is 694,000 m from the nearest "
        "road the router knows\n"
        "  locations[3]: location 3 at (42.500000, 1.600000) has no road route to or from 3 "
        "of the other 3 locations"
    )


def test_reindexed_faults_take_the_callers_positions() -> None:
    error = UnroutableLocations(FAULTS).reindexed([10, 11, 12, 13])
    assert [fault.position for fault in error.faults] == [11, 13]
    assert [e.field for e in error.errors] == ["locations[11]", "locations[13]"]


def test_named_faults_use_the_records_fields_and_labels() -> None:
    fields = ["therapists.t1.home", "patients.p1", "patients.p2", "patients.p3"]
    labels = ["the home of therapist t1", "patient p1 (Ana)", "patient p2", "patient p3 (Joan)"]
    error = UnroutableLocations(FAULTS).named(fields, labels, "the day cannot be planned")
    assert error.detail == "the day cannot be planned"
    assert [(e.field, e.message.split(" at ")[0]) for e in error.errors] == [
        ("patients.p1", "patient p1 (Ana)"),
        ("patients.p3", "patient p3 (Joan)"),
    ]
