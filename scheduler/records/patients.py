"""The clinic's patients: list, read, create, update, delete.

``fields`` hold ``external_id``, ``name``, ``address``, ``lat``, ``lon``, ``phone``,
``access_notes``, ``required_skills`` and the ids of therapists of the clinic in
``preferred_therapist_ids`` and ``excluded_therapist_ids``; an update changes only the fields
it holds. Coordinates come both or neither. As in the CSV import, a new address without new
coordinates clears the stored ones: the patient waits to be geocoded again.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from scheduler.errors import FieldError, InvalidRequest
from scheduler.models import Patient, Therapist, Visit
from scheduler.records.store import (
    DEFAULT_LIMIT,
    Kind,
    Page,
    create_record,
    delete_record,
    fetch_page,
    get_owned,
    owned_ids,
    plans_with_visits,
    unique,
    update_record,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

    from sqlalchemy.orm import Session

COLUMNS = (
    "external_id",
    "name",
    "address",
    "lat",
    "lon",
    "phone",
    "access_notes",
    "required_skills",
)
REQUIRED = ("external_id", "name", "address")
PREFERRED = "preferred_therapist_ids"
EXCLUDED = "excluded_therapist_ids"
KIND = Kind(Patient, "patient", (*COLUMNS, PREFERRED, EXCLUDED), REQUIRED)


def list_patients(
    session: Session,
    clinic_id: int,
    *,
    q: str | None = None,
    limit: int = DEFAULT_LIMIT,
    offset: int = 0,
) -> Page[Patient]:
    """The clinic's patients by external id; ``q`` is a part of the name, external id or
    address (any case)."""
    query = sa.select(Patient).where(Patient.clinic_id == clinic_id)
    if q:
        query = query.where(
            Patient.name.icontains(q, autoescape=True)
            | Patient.external_id.icontains(q, autoescape=True)
            | Patient.address.icontains(q, autoescape=True)
        )
    query = query.order_by(Patient.external_id, Patient.id)
    return fetch_page(session, query, limit, offset)


def get_patient(session: Session, clinic_id: int, patient_id: int) -> Patient:
    return get_owned(session, Patient, clinic_id, patient_id, KIND.noun)


def create_patient(session: Session, clinic_id: int, fields: Mapping[str, Any]) -> Patient:
    """A new patient of the clinic; ``Conflict`` if the external id is taken."""
    patient = Patient(
        clinic_id=clinic_id,
        access_notes="",
        required_skills=[],
        preferred_therapists=[],
        excluded_therapists=[],
    )
    return create_record(session, KIND, patient, fields, partial(_apply, session))


def update_patient(
    session: Session, clinic_id: int, patient_id: int, changes: Mapping[str, Any]
) -> Patient:
    """Change the fields in ``changes``."""
    patient = get_patient(session, clinic_id, patient_id)
    return update_record(session, KIND, patient, changes, partial(_apply, session))


def delete_patient(session: Session, clinic_id: int, patient_id: int) -> None:
    """Delete the patient and their visits; ``Conflict`` while a stored plan has one of them."""
    patient = get_patient(session, clinic_id, patient_id)
    plans = plans_with_visits(session, sa.select(Visit.id).where(Visit.patient_id == patient.id))
    delete_record(session, KIND, patient, plans, "visits of theirs")


def _apply(session: Session, patient: Patient, fields: Mapping[str, Any]) -> None:
    """Check ``fields`` against each other and the stored state, then set them."""
    errors = _coordinate_errors(patient, fields)
    therapists: dict[str, list[Therapist]] = {}
    for name in (PREFERRED, EXCLUDED):
        if name in fields:
            ids = unique(fields[name])
            found, faults = owned_ids(session, Therapist, patient.clinic_id, ids, name, "therapist")
            therapists[name] = [found[i] for i in ids if i in found]
            errors += faults
    preferred = therapists.get(PREFERRED, patient.preferred_therapists)
    excluded = therapists.get(EXCLUDED, patient.excluded_therapists)
    both = sorted({t.id for t in preferred} & {t.id for t in excluded})
    if both:
        listed = ", ".join(str(therapist_id) for therapist_id in both)
        message = f"therapist {listed} is also in {EXCLUDED}; a patient cannot want and refuse one"
        errors.append(FieldError(PREFERRED, message))
    if errors:
        raise InvalidRequest(errors)
    moved = "address" in fields and patient.address not in (None, fields["address"])
    for name in COLUMNS:
        if name in fields:
            setattr(patient, name, fields[name])
    if moved and "lat" not in fields:
        patient.lat = patient.lon = None
    if "required_skills" in fields:
        patient.required_skills = unique(fields["required_skills"])
    if PREFERRED in therapists:
        patient.preferred_therapists = preferred
    if EXCLUDED in therapists:
        patient.excluded_therapists = excluded


def _coordinate_errors(patient: Patient, fields: Mapping[str, Any]) -> list[FieldError]:
    """Both coordinates or neither, counting the stored one that ``fields`` leave alone."""
    lat = fields.get("lat", patient.lat)
    lon = fields.get("lon", patient.lon)
    if (lat is None) == (lon is None):
        return []
    empty, given = ("lon", "lat") if lon is None else ("lat", "lon")
    return [FieldError(empty, f"null while {given} is set; give both coordinates or neither")]
