"""Typed reading of parsed JSON that collects every fault instead of stopping at the first.

Each ``FieldReader`` method takes a value and its path (``visits[3].windows[0].end``),
returns the converted value, or records a ``FieldError`` and returns None. The caller
raises one ``InvalidRequest`` with all of them at the end.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from scheduler.errors import FieldError
from solver.clock import parse_hhmm

if TYPE_CHECKING:
    from collections.abc import Collection

# Far above any real count or duration, far below what overflows the solver's int64 sums.
MAX_INTEGER = 10**9
MAX_MINUTES = 10**6


class _Missing:
    """The value of a required field that is absent (already reported as missing)."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING = _Missing()


def child(path: str, key: str | int) -> str:
    """The path of a field (``key`` a name) or an element (``key`` an index) under ``path``."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def json_type(value: object) -> str:
    """The JSON name of a parsed value's type, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _label(path: str) -> str:
    return path.rsplit(".", 1)[-1] if path else "the request"


class FieldReader:
    """Collects ``FieldError``s while converting JSON values."""

    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def fail(self, path: str, message: str) -> None:
        self.errors.append(FieldError(path, message))

    def _wrong_type(self, path: str, expected: str, value: object) -> None:
        if value is MISSING:
            return
        self.fail(path, f"{_label(path)} must be {expected}, not {json_type(value)}")

    def record(
        self, value: object, path: str, required: Collection[str], optional: Collection[str]
    ) -> dict[str, object] | None:
        """``value`` as an object; reports unknown fields and missing required ones.

        A missing required field reads as ``MISSING``, which the other methods reject
        without a second error.
        """
        if not isinstance(value, dict):
            self._wrong_type(path, "an object", value)
            return None
        for key in value:
            if key not in required and key not in optional:
                self.fail(child(path, str(key)), f"unknown field {str(key)!r}")
        fields = {str(key): item for key, item in value.items()}
        for key in required:
            if key not in fields:
                self.fail(child(path, key), f"required field {key!r} is missing")
                fields[key] = MISSING
        return fields

    def array(self, value: object, path: str) -> list[object] | None:
        if not isinstance(value, list):
            self._wrong_type(path, "an array", value)
            return None
        return value

    def text(self, value: object, path: str) -> str | None:
        """A non-empty string."""
        if not isinstance(value, str):
            self._wrong_type(path, "a string", value)
            return None
        if not value.strip():
            self.fail(path, f"{_label(path)} must not be empty")
            return None
        return value

    def texts(self, value: object, path: str) -> list[str] | None:
        """An array of non-empty strings."""
        items = self.array(value, path)
        if items is None:
            return None
        texts = [self.text(item, child(path, index)) for index, item in enumerate(items)]
        strings = [text for text in texts if text is not None]
        return strings if len(strings) == len(items) else None

    def number(self, value: object, path: str) -> float | None:
        """A finite number (integers included, booleans not)."""
        if isinstance(value, bool) or not isinstance(value, int | float):
            self._wrong_type(path, "a number", value)
            return None
        if not math.isfinite(value):
            self.fail(path, f"{_label(path)} must be a finite number, not {value}")
            return None
        return float(value)

    def integer(
        self, value: object, path: str, minimum: int = 0, maximum: int = MAX_INTEGER
    ) -> int | None:
        """An integer (an integral float such as ``45.0`` too) in [minimum, maximum]."""
        if isinstance(value, bool) or not isinstance(value, int | float):
            self._wrong_type(path, "an integer", value)
            return None
        if isinstance(value, float) and not value.is_integer():
            self.fail(path, f"{_label(path)} must be a whole number, not {value}")
            return None
        number = int(value)
        if number < minimum:
            self.fail(path, f"{_label(path)} {_minimum_text(minimum)}, got {number}")
            return None
        if number > maximum:
            self.fail(path, f"{_label(path)} must be at most {maximum}, got {number}")
            return None
        return number

    def minutes(self, value: object, path: str, minimum: int = 0) -> int | None:
        """A whole number of minutes of at least ``minimum``, in seconds."""
        minutes = self.integer(value, path, minimum, MAX_MINUTES)
        return None if minutes is None else minutes * 60

    def clock(self, value: object, path: str) -> int | None:
        """``HH:MM`` (00:00 to 23:59, or 24:00) as seconds from midnight."""
        if not isinstance(value, str):
            self._wrong_type(path, "a time in HH:MM format", value)
            return None
        seconds = parse_hhmm(value, end_of_day=True)
        if seconds is None:
            self.fail(path, f"{value!r} is not a time in HH:MM format (00:00 to 24:00)")
        return seconds


def _minimum_text(minimum: int) -> str:
    if minimum == 0:
        return "must not be negative"
    if minimum == 1:
        return "must be positive"
    return f"must be at least {minimum}"
