"""scheduler.errors: the error classes and how InvalidRequest reads."""

from __future__ import annotations

import dataclasses

import pytest

from scheduler.errors import Conflict, FieldError, InvalidRequest, NotFound, SchedulerError


def test_every_error_is_a_scheduler_error() -> None:
    for error_class in (NotFound, Conflict, InvalidRequest):
        assert issubclass(error_class, SchedulerError)


def test_field_error_is_frozen() -> None:
    error = FieldError("visits[0].id", "id must not be empty")
    with pytest.raises(dataclasses.FrozenInstanceError):
        error.field = "x"  # type: ignore[misc]


def test_invalid_request_lists_every_fault() -> None:
    error = InvalidRequest(
        [
            FieldError(
                "visits[3].windows[0].end", "window ends at 08:00 before it starts at 09:00"
            ),
            FieldError("", "the request is empty"),
        ],
        "invalid problem",
    )
    assert str(error) == (
        "invalid problem: 2 errors\n"
        "  visits[3].windows[0].end: window ends at 08:00 before it starts at 09:00\n"
        "  the request is empty"
    )
    assert error.detail == "invalid problem"
    assert len(error.errors) == 2


def test_single_fault() -> None:
    error = InvalidRequest.single("date", "'x' is not a date in YYYY-MM-DD format")
    assert error.errors == [FieldError("date", "'x' is not a date in YYYY-MM-DD format")]
    assert str(error) == "invalid request: 1 error\n  date: 'x' is not a date in YYYY-MM-DD format"
