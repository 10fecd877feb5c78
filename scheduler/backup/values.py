"""A column's values in the file: JSON scalars chosen by the column's type, the same for
every database.

Dates are ``YYYY-MM-DD``, times ``HH:MM:SS``, timestamps ISO 8601 in UTC with the offset
(SQLite hands back timestamps without a zone; they were stored in UTC), enums their value,
JSON columns as they are. ``decode`` checks what ``encode`` promises, so a file edited by
hand or by another program is refused with the column and the problem named.
"""

from __future__ import annotations

import datetime as dt
import enum
import math
from typing import Any

import sqlalchemy as sa


class BadValue(ValueError):
    """A value in the file that its column cannot hold; the message continues "is ..."."""


def encode(column: sa.Column[Any], value: Any) -> Any:
    """The JSON form of a value read from the database."""
    if value is None:
        return None
    kind = _stored_type(column)
    if isinstance(kind, sa.DateTime):
        moment = value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
        return moment.astimezone(dt.UTC).isoformat()
    if isinstance(kind, sa.Date | sa.Time):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    return value


def decode(column: sa.Column[Any], value: Any) -> Any:
    """The value to insert for the JSON form ``value``; ``BadValue`` if it cannot be one."""
    if value is None:
        if not column.nullable:
            raise BadValue("missing (null) where the column needs a value")
        return None
    kind = _stored_type(column)
    if isinstance(kind, sa.JSON):
        return value
    if isinstance(kind, sa.DateTime):
        moment = _parse(dt.datetime.fromisoformat, value, "a timestamp")
        if moment.tzinfo is None:
            raise BadValue(f"{value!r}, a timestamp without a UTC offset")
        return moment
    if isinstance(kind, sa.Date):
        return _parse(dt.date.fromisoformat, value, "a date YYYY-MM-DD")
    if isinstance(kind, sa.Time):
        return _parse(dt.time.fromisoformat, value, "a time HH:MM:SS")
    if isinstance(kind, sa.Boolean):
        return _typed(value, bool, "true or false")
    if isinstance(kind, sa.Integer):
        if isinstance(value, bool):
            raise BadValue(f"{value!r}, not a whole number")
        return _typed(value, int, "a whole number")
    if isinstance(kind, sa.Float):
        number = _typed(value, int | float, "a number")
        if isinstance(number, bool) or not math.isfinite(number):
            raise BadValue(f"{value!r}, not a finite number")
        return float(number)
    if isinstance(kind, sa.String):
        return _text(kind, value)
    raise BadValue(f"of a column type ({kind}) that backups do not know")


def _stored_type(column: sa.Column[Any]) -> Any:
    """The column's type as the database stores it: a decorated type's own (the UTC
    timestamps are ``DateTime`` underneath)."""
    kind = column.type
    return kind.impl_instance if isinstance(kind, sa.types.TypeDecorator) else kind


def _text(kind: sa.String, value: Any) -> str:
    text: str = _typed(value, str, "text")
    if kind.length is not None and len(text) > kind.length:
        raise BadValue(f"{len(text)} characters long, more than the column's {kind.length}")
    if "\x00" in text:
        raise BadValue("text with a NUL character")
    if isinstance(kind, sa.Enum) and text not in kind.enums:
        raise BadValue(f"{text!r}, not one of {', '.join(kind.enums)}")
    return text


def _typed(value: Any, expected: Any, words: str) -> Any:
    if not isinstance(value, expected):
        raise BadValue(f"{value!r}, not {words}")
    return value


def _parse(parse: Any, value: Any, words: str) -> Any:
    if not isinstance(value, str):
        raise BadValue(f"{value!r}, not {words}")
    try:
        return parse(value)
    except ValueError:
        raise BadValue(f"{value!r}, not {words}") from None
