"""The declarative base, the constraint naming convention and the column helpers.

Only portable types: ``JSON`` (not ``JSONB``), enums stored as strings with a CHECK
constraint (``native_enum=False``), times and dates as ``Time``/``Date``. The same metadata
runs on SQLite and PostgreSQL, and the Alembic migrations are written against it.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase

if TYPE_CHECKING:
    from enum import StrEnum

# Stable names for every constraint and index, so migrations can refer to them by name on
# both engines. Multi-column keys whose generated name would pass PostgreSQL's 63-character
# limit get an explicit name instead.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Room for new enum values without widening the column (the CHECK constraint still changes).
ENUM_LENGTH = 20


class UtcDateTime(sa.types.TypeDecorator[dt.datetime]):
    """A moment, stored and read back in UTC on every engine.

    SQLite keeps no zone (it would return the wall-clock value naive) and PostgreSQL returns
    ``timestamptz`` in the session's zone: values are converted to UTC before they are
    written and read back as aware UTC datetimes, so every timestamp carries its zone, the
    same on both. A naive value is taken to be UTC already.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, _dialect: sa.Dialect) -> Any:
        return None if value is None else _in_utc(value)

    def process_result_value(self, value: Any, _dialect: sa.Dialect) -> dt.datetime | None:
        return None if value is None else _in_utc(value)


def _in_utc(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


class Base(DeclarativeBase):
    """The base of every entity."""

    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: dict[Any, Any] = {  # noqa: RUF012 (SQLAlchemy reads it as a class attribute)
        dt.datetime: UtcDateTime(),
    }


def string_enum(enum_class: type[StrEnum], name: str) -> sa.Enum:
    """A portable enum column type: the members' values as strings, checked by a constraint."""
    return sa.Enum(
        enum_class,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=ENUM_LENGTH,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


def utc_now() -> dt.datetime:
    """Now, in UTC (the default of every ``created_at``)."""
    return dt.datetime.now(dt.UTC)
