"""Therapists: the record, its lunch break, and the import report of the CSV upload."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic_core import PydanticCustomError

from api.schemas.fields import (
    Clock,
    DayMinutes,
    Discipline,
    Email,
    ExternalId,
    Latitude,
    Longitude,
    Name,
    PatchBody,
    Phone,
    Skills,
    omitted,
)
from scheduler.records import inputs, limits
from scheduler.travel import TRAVEL_MODES
from solver.problem import DEFAULT_TRAVEL_MODE

if TYPE_CHECKING:
    from scheduler.models import Therapist


def _travel_mode(value: str) -> str:
    if value not in TRAVEL_MODES:
        raise PydanticCustomError(
            "travel_mode",
            "{value} is not one of {modes}",
            {"value": repr(value), "modes": ", ".join(TRAVEL_MODES)},
        )
    return value


TravelMode = Annotated[
    str, AfterValidator(_travel_mode), Field(json_schema_extra={"enum": list(TRAVEL_MODES)})
]
MaxVisits = Annotated[int, Field(ge=1, le=limits.MAX_VISITS)]
MaxWeekMinutes = Annotated[
    int,
    Field(
        ge=1,
        le=limits.WEEK_MINUTES,
        description="The most working minutes in a week; at least max_work_minutes.",
    ),
]
OvertimeMinutes = Annotated[
    int,
    Field(
        ge=0,
        le=limits.DAY_MINUTES,
        description="How long the route may run past the shift end, at a cost; 0: never.",
    ),
]

BREAK_EXAMPLE: dict[str, Any] = {"earliest": "11:30", "latest_end": "14:00", "minutes": 30}
THERAPIST_EXAMPLE: dict[str, Any] = {
    "external_id": "t-ana",
    "name": "Ana Puig",
    "email": "ana.puig@clinic.example",
    "phone": "+376 812 000",
    "discipline": "PT",
    "skills": ["PT", "lang:es"],
    "home_lat": 42.507,
    "home_lon": 1.521,
    "travel_mode": "car",
    "max_visits": 8,
    "max_work_minutes": 480,
    "max_week_minutes": 2400,
    "break": BREAK_EXAMPLE,
    "overtime_minutes": 0,
}


class TherapistBreak(BaseModel):
    """A lunch break of ``minutes``, taken between ``earliest`` and ``latest_end``."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [BREAK_EXAMPLE]})

    earliest: Clock
    latest_end: Clock
    minutes: DayMinutes


class TherapistCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [THERAPIST_EXAMPLE]})

    external_id: ExternalId
    name: Name
    email: Email | None = None
    phone: Phone | None = None
    discipline: Discipline
    skills: Skills = Field(default_factory=list)
    home_lat: Latitude
    home_lon: Longitude
    travel_mode: TravelMode = DEFAULT_TRAVEL_MODE
    max_visits: MaxVisits | None = None
    max_work_minutes: DayMinutes | None = None
    max_week_minutes: MaxWeekMinutes | None = None
    break_: TherapistBreak | None = Field(default=None, alias="break")
    overtime_minutes: OvertimeMinutes = 0

    def to_fields(self) -> inputs.TherapistFields:
        return _fields(self)


class TherapistUpdate(PatchBody):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"max_visits": 6, "break": None}, {"skills": ["PT"]}]}
    )

    external_id: ExternalId = omitted()
    name: Name = omitted()
    email: Email | None = None
    phone: Phone | None = None
    discipline: Discipline = omitted()
    skills: Skills = omitted()
    home_lat: Latitude = omitted()
    home_lon: Longitude = omitted()
    travel_mode: TravelMode = omitted()
    max_visits: MaxVisits | None = None
    max_work_minutes: DayMinutes | None = None
    max_week_minutes: MaxWeekMinutes | None = None
    break_: TherapistBreak | None = Field(default=None, alias="break")
    overtime_minutes: OvertimeMinutes = omitted()

    def to_fields(self) -> inputs.TherapistFields:
        return _fields(self)


def _fields(body: TherapistCreate | TherapistUpdate) -> inputs.TherapistFields:
    """The fields that ``body`` sent, for the record services."""
    rule = body.break_
    break_ = (
        None
        if rule is None
        else inputs.TherapistBreak(rule.earliest, rule.latest_end, rule.minutes)
    )
    fields = inputs.TherapistFields(
        external_id=body.external_id,
        name=body.name,
        email=body.email,
        phone=body.phone,
        discipline=body.discipline,
        skills=body.skills,
        home_lat=body.home_lat,
        home_lon=body.home_lon,
        travel_mode=body.travel_mode,
        max_visits=body.max_visits,
        max_work_minutes=body.max_work_minutes,
        max_week_minutes=body.max_week_minutes,
        overtime_minutes=body.overtime_minutes,
        break_=break_,
    )
    return fields.keep(body.model_fields_set)


class TherapistRead(BaseModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={"examples": [{"id": 7, **THERAPIST_EXAMPLE}]},
    )

    id: int
    external_id: str
    name: str
    email: str | None
    phone: str | None
    discipline: str
    skills: list[str]
    home_lat: float
    home_lon: float
    travel_mode: str
    max_visits: int | None
    max_work_minutes: int | None
    max_week_minutes: int | None
    break_: TherapistBreak | None = Field(alias="break")
    overtime_minutes: int

    @classmethod
    def from_record(cls, therapist: Therapist) -> TherapistRead:
        earliest, latest_end = therapist.break_earliest, therapist.break_latest_end
        minutes = therapist.break_minutes
        rule = None
        if earliest is not None and latest_end is not None and minutes is not None:
            rule = TherapistBreak(earliest=earliest, latest_end=latest_end, minutes=minutes)
        fields = {name: getattr(therapist, name) for name in cls.model_fields if name != "break_"}
        return cls.model_validate({**fields, "break": rule})
