"""Field types shared by the record schemas: texts, ids, coordinates, clock times, and the
default of PATCH fields that may be left out but not set to null.

Texts are bounded, not blank, free of NUL (which PostgreSQL refuses) and stored as sent. Ids
and skills have no ``;`` (it separates them in the CSV files) and no white space at either
end (the CSV import strips cells). Each type's JSON schema says what it accepts, so clients
and fuzzers see the rules the server applies.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    PlainSerializer,
    WithJsonSchema,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError

from scheduler.exchange import csv_table
from scheduler.records import limits
from scheduler.records.store import MAX_ID
from scheduler.records.values import DATE_RANGE, date_fault

# Patterns in the JSON schema's dialect that Python's ``re`` reads alike.
_PLAIN = r"[^\x00]*\S[^\x00]*"
_LISTABLE = r"[^;\x00\s]([^;\x00]*[^;\x00\s])?"
_ANY_TEXT = r"[^\x00]*"
_CLOCK = r"^([01]?[0-9]|2[0-3]):[0-5][0-9]$"


def _checked_text(pattern: str) -> AfterValidator:
    """The pattern's rules, each fault in words (pydantic would quote the pattern)."""

    def check(value: str) -> str:
        if re.fullmatch(pattern, value, re.DOTALL):
            return value
        if "\x00" in value:
            raise PydanticCustomError("nul_character", "must not contain the NUL character")
        if csv_table.LIST_SEPARATOR in value:
            raise PydanticCustomError(
                "list_separator",
                "{value} contains ';', which separates items in the CSV files' lists",
                {"value": repr(value)},
            )
        if not value.strip():
            raise PydanticCustomError("blank", "must not be blank")
        raise PydanticCustomError("padded", "must not start or end with white space")

    return AfterValidator(check)


def _text(max_length: int, pattern: str = _PLAIN, **schema: Any) -> Any:
    """A string of at most ``max_length`` characters matching ``pattern``."""
    return Field(
        min_length=0 if pattern == _ANY_TEXT else 1,
        max_length=max_length,
        json_schema_extra={"pattern": f"^{pattern}$", **schema},
    )


ExternalId = Annotated[
    str,
    _text(
        limits.EXTERNAL_ID_LENGTH,
        _LISTABLE,
        description="The clinic's own id (EHR, spreadsheet); unique in the clinic.",
    ),
    _checked_text(_LISTABLE),
]
Name = Annotated[str, _text(limits.NAME_LENGTH), _checked_text(_PLAIN)]
Discipline = Annotated[
    str,
    _text(
        limits.DISCIPLINE_LENGTH,
        _LISTABLE,
        description="PT, OT, SLP, ...; it counts as one of the skills.",
    ),
    _checked_text(_LISTABLE),
]
Skill = Annotated[
    str,
    _text(limits.SKILL_LENGTH, _LISTABLE, examples=["PT", "lang:es"]),
    _checked_text(_LISTABLE),
]


def bounded(noun: str, limit: int) -> BeforeValidator:
    """At most ``limit`` items (``noun``, plural), refused before any item is validated and
    in the words of the CSV import (``scheduler.records.limits.too_many``); pair it with
    ``Field(max_length=limit)``, which puts the bound in the JSON schema."""

    def check(value: object) -> object:
        if isinstance(value, list) and (message := limits.too_many(len(value), noun, limit)):
            raise PydanticCustomError("too_many", message)
        return value

    return BeforeValidator(check)


Skills = Annotated[
    list[Skill], Field(max_length=limits.MAX_SKILLS), bounded("skills", limits.MAX_SKILLS)
]
Address = Annotated[str, _text(limits.ADDRESS_LENGTH), _checked_text(_PLAIN)]
Phone = Annotated[str, _text(limits.PHONE_LENGTH), _checked_text(_PLAIN)]


def _email(value: str) -> str:
    if re.fullmatch(limits.EMAIL_PATTERN, value) is None:
        raise PydanticCustomError(
            "email", "{value} is not an email address", {"value": repr(value)}
        )
    return value


Email = Annotated[
    str,
    Field(
        min_length=1,
        max_length=limits.EMAIL_LENGTH,
        json_schema_extra={"pattern": f"^{limits.EMAIL_PATTERN}$"},
        description="Where the outbox's email goes.",
    ),
    AfterValidator(_email),
]
Notes = Annotated[str, _text(limits.ACCESS_NOTES_LENGTH, _ANY_TEXT), _checked_text(_ANY_TEXT)]
SearchText = Annotated[str, _text(limits.NAME_LENGTH), _checked_text(_PLAIN)]
RecordId = Annotated[int, Field(ge=1, le=MAX_ID)]
Latitude = Annotated[
    float, Field(ge=-limits.MAX_LATITUDE, le=limits.MAX_LATITUDE, allow_inf_nan=False)
]
Longitude = Annotated[
    float, Field(ge=-limits.MAX_LONGITUDE, le=limits.MAX_LONGITUDE, allow_inf_nan=False)
]
DayMinutes = Annotated[int, Field(ge=1, le=limits.DAY_MINUTES)]


def _clock(value: object) -> dt.time:
    if isinstance(value, dt.time):
        return value
    if not isinstance(value, str):
        raise PydanticCustomError("clock", "must be a time in HH:MM format (00:00 to 23:59)")
    try:
        return csv_table.clock(value)
    except csv_table.CellError as error:
        raise PydanticCustomError("clock", str(error)) from None


Clock = Annotated[
    dt.time,
    BeforeValidator(_clock),
    PlainSerializer(lambda time: f"{time:%H:%M}", return_type=str, when_used="json"),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": _CLOCK,
            "description": "A local wall-clock time, HH:MM.",
            "examples": ["08:30"],
        }
    ),
]


def _planning_date(value: dt.date) -> dt.date:
    if (fault := date_fault(value)) is not None:
        raise PydanticCustomError("date_range", fault)
    return value


PlanDate = Annotated[
    dt.date,
    AfterValidator(_planning_date),
    Field(
        description=f"A date, YYYY-MM-DD, {DATE_RANGE}.",
        json_schema_extra={
            "formatMinimum": limits.FIRST_DATE.isoformat(),
            "formatMaximum": limits.LAST_DATE.isoformat(),
        },
    ),
]


def omitted() -> Any:
    """The default of a PATCH field that may be left out (unchanged) but not set to null.

    The field's type has no None, so an explicit null fails validation; the default is
    never validated and ``model_dump(exclude_unset=True)`` leaves it out. ``PatchBody``
    keeps the null default out of the JSON schema.
    """
    return Field(default=None)


class PatchBody(BaseModel):
    """A PATCH body: every field optional, unknown ones refused; only nullable fields
    (whose type includes None) take null, and null clears them."""

    model_config = ConfigDict(extra="forbid")

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        schema = handler.resolve_ref_schema(handler(core_schema))
        for field in schema.get("properties", {}).values():
            nullable = {"type": "null"} in field.get("anyOf", [])
            if not nullable and "default" in field and field["default"] is None:
                del field["default"]
        return schema
