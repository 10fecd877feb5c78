"""The clinic's patients: list, read, create, update, delete.

An update changes only the fields given. Coordinates come both or neither. As in the CSV
import, a new address without new coordinates clears the stored ones: the patient waits to
be geocoded again.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

import sqlalchemy as sa

from scheduler.errors import FieldError, InvalidRequest
from scheduler.models import Patient, Therapist, Visit
from scheduler.records.inputs import UNSET, PatientFields, Unset
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
    set_columns,
    text_search,
    unique,
    update_record,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sqlalchemy.orm import Session

COLUMNS = (
    "external_id",
    "name",
    "address",
    "lat",
    "lon",
    "phone",
    "email",
    "access_notes",
    "required_skills",
)
PREFERRED = "preferred_therapist_ids"
EXCLUDED = "excluded_therapist_ids"
KIND = Kind(Patient, "patient")


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
        query = query.where(text_search(q, Patient.name, Patient.external_id, Patient.address))
    query = query.order_by(Patient.external_id, Patient.id)
    return fetch_page(session, query, limit, offset)


def get_patient(session: Session, clinic_id: int, patient_id: int) -> Patient:
    return get_owned(session, Patient, clinic_id, patient_id, KIND.noun)


def create_patient(session: Session, clinic_id: int, fields: PatientFields) -> Patient:
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
    session: Session, clinic_id: int, patient_id: int, changes: PatientFields
) -> Patient:
    """Change the fields given in ``changes``."""
    patient = get_patient(session, clinic_id, patient_id)
    return update_record(session, KIND, patient, changes, partial(_apply, session))


def delete_patient(session: Session, clinic_id: int, patient_id: int) -> None:
    """Delete the patient and their visits; ``Conflict`` while a stored plan has one of them."""
    patient = get_patient(session, clinic_id, patient_id)
    plans = plans_with_visits(session, sa.select(Visit.id).where(Visit.patient_id == patient.id))
    delete_record(session, KIND, patient, plans, "visits of theirs")


def _apply(session: Session, patient: Patient, fields: PatientFields) -> None:
    """Check ``fields`` against each other and the stored state, then set them."""
    errors = _coordinate_errors(patient, fields)
    preferred, faults = _therapists(session, patient, PREFERRED, fields.preferred_therapist_ids)
    errors += faults
    excluded, faults = _therapists(session, patient, EXCLUDED, fields.excluded_therapist_ids)
    errors += faults
    wanted = patient.preferred_therapists if preferred is None else preferred
    refused = patient.excluded_therapists if excluded is None else excluded
    both = sorted({t.id for t in wanted} & {t.id for t in refused})
    if both:
        listed = ", ".join(str(therapist_id) for therapist_id in both)
        message = f"therapist {listed} is also in {EXCLUDED}; a patient cannot want and refuse one"
        errors.append(FieldError(PREFERRED, message))
    if errors:
        raise InvalidRequest(errors)
    moved = fields.address is not UNSET and patient.address not in (None, fields.address)
    set_columns(patient, fields, COLUMNS)
    if moved and fields.lat is UNSET:
        patient.lat = patient.lon = None
    if fields.required_skills is not UNSET:
        patient.required_skills = unique(fields.required_skills)
    if preferred is not None:
        patient.preferred_therapists = preferred
    if excluded is not None:
        patient.excluded_therapists = excluded


def _therapists(
    session: Session, patient: Patient, name: str, ids: Sequence[int] | Unset
) -> tuple[list[Therapist] | None, list[FieldError]]:
    """The clinic's therapists that ``ids`` name (None if not given) and the faults found."""
    if ids is UNSET:
        return None, []
    wanted = unique(ids)
    found, faults = owned_ids(session, Therapist, patient.clinic_id, wanted, name, "therapist")
    return [found[i] for i in wanted if i in found], faults


def _coordinate_errors(patient: Patient, fields: PatientFields) -> list[FieldError]:
    """Both coordinates or neither, counting the stored one that ``fields`` leave alone."""
    lat = patient.lat if fields.lat is UNSET else fields.lat
    lon = patient.lon if fields.lon is UNSET else fields.lon
    if (lat is None) == (lon is None):
        return []
    empty, given = ("lon", "lat") if lon is None else ("lat", "lon")
    return [FieldError(empty, f"null while {given} is set; give both coordinates or neither")]
