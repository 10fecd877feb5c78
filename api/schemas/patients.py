"""Patients, with the therapists they prefer and the ones they must not get."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.fields import (
    Address,
    Email,
    ExternalId,
    Latitude,
    Longitude,
    Name,
    Notes,
    PatchBody,
    Phone,
    RecordId,
    Skills,
    bounded,
    omitted,
)
from scheduler.records import inputs, limits

if TYPE_CHECKING:
    from scheduler.models import Patient

TherapistIds = Annotated[
    list[RecordId],
    Field(
        max_length=limits.MAX_THERAPIST_REFERENCES,
        description="Ids of therapists of the clinic.",
    ),
    bounded("therapists", limits.MAX_THERAPIST_REFERENCES),
]
PATIENT_EXAMPLE: dict[str, Any] = {
    "external_id": "p-0042",
    "name": "Maria Serra",
    "address": "Av. Meritxell 12, Andorra la Vella",
    "lat": 42.5078,
    "lon": 1.5211,
    "phone": "+376 812 345",
    "email": "maria.serra@example.org",
    "access_notes": "Second floor, no lift; ring twice.",
    "required_skills": ["lang:es"],
    "preferred_therapist_ids": [7],
    "excluded_therapist_ids": [],
}


class PatientCreate(BaseModel):
    """Coordinates come both or neither; without them the patient waits to be geocoded."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [PATIENT_EXAMPLE]})

    external_id: ExternalId
    name: Name
    address: Address
    lat: Latitude | None = None
    lon: Longitude | None = None
    phone: Phone | None = None
    email: Email | None = None
    access_notes: Notes = ""
    required_skills: Skills = Field(default_factory=list)
    preferred_therapist_ids: TherapistIds = Field(default_factory=list)
    excluded_therapist_ids: TherapistIds = Field(default_factory=list)

    def to_fields(self) -> inputs.PatientFields:
        return _fields(self)


class PatientUpdate(PatchBody):
    """A new address without new coordinates clears the stored ones (geocoded again)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"phone": None}, {"address": "Carrer Major 3", "lat": 42.51, "lon": 1.53}]
        }
    )

    external_id: ExternalId = omitted()
    name: Name = omitted()
    address: Address = omitted()
    lat: Latitude | None = None
    lon: Longitude | None = None
    phone: Phone | None = None
    email: Email | None = None
    access_notes: Notes = omitted()
    required_skills: Skills = omitted()
    preferred_therapist_ids: TherapistIds = omitted()
    excluded_therapist_ids: TherapistIds = omitted()

    def to_fields(self) -> inputs.PatientFields:
        return _fields(self)


def _fields(body: PatientCreate | PatientUpdate) -> inputs.PatientFields:
    """The fields that ``body`` sent, for the record services."""
    fields = inputs.PatientFields(
        external_id=body.external_id,
        name=body.name,
        address=body.address,
        lat=body.lat,
        lon=body.lon,
        phone=body.phone,
        email=body.email,
        access_notes=body.access_notes,
        required_skills=body.required_skills,
        preferred_therapist_ids=body.preferred_therapist_ids,
        excluded_therapist_ids=body.excluded_therapist_ids,
    )
    return fields.keep(body.model_fields_set)


class PatientRead(BaseModel):
    model_config = ConfigDict(
        from_attributes=True, json_schema_extra={"examples": [{"id": 42, **PATIENT_EXAMPLE}]}
    )

    id: int
    external_id: str
    name: str
    address: str
    lat: float | None
    lon: float | None
    phone: str | None
    email: str | None
    access_notes: str
    required_skills: list[str]
    preferred_therapist_ids: list[int]
    excluded_therapist_ids: list[int]

    @classmethod
    def from_record(cls, patient: Patient) -> PatientRead:
        fields = {name: getattr(patient, name) for name in cls.model_fields if "_ids" not in name}
        return cls.model_validate(
            {
                **fields,
                "preferred_therapist_ids": [t.id for t in patient.preferred_therapists],
                "excluded_therapist_ids": [t.id for t in patient.excluded_therapists],
            }
        )
