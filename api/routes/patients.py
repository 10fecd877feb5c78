"""Patients and the patients' CSV upload; for admins and coordinators of the clinic."""

from __future__ import annotations

from fastapi import APIRouter, status

from api.deps import SessionDep, StaffUser
from api.params import CsvFile, Limit, Offset, PatientId, Search, page_read, read_csv
from api.schemas.common import Page
from api.schemas.imports import ImportRead
from api.schemas.patients import PatientCreate, PatientRead, PatientUpdate
from scheduler.exchange.upload import import_csv
from scheduler.records import patients
from scheduler.records.store import DEFAULT_LIMIT

router = APIRouter(prefix="/patients", tags=["patients"])


@router.get("")
def list_patients(
    user: StaffUser,
    session: SessionDep,
    q: Search = None,
    limit: Limit = DEFAULT_LIMIT,
    offset: Offset = 0,
) -> Page[PatientRead]:
    """The clinic's patients by external id; `q` also matches the address."""
    page = patients.list_patients(session, user.clinic_id, q=q, limit=limit, offset=offset)
    return page_read(page, PatientRead.from_record)


@router.post("", status_code=status.HTTP_201_CREATED)
def create_patient(body: PatientCreate, user: StaffUser, session: SessionDep) -> PatientRead:
    """Add a patient; the external id must be new in the clinic."""
    patient = patients.create_patient(session, user.clinic_id, body.to_fields())
    return PatientRead.from_record(patient)


@router.post("/import")
def import_patients(file: CsvFile, user: StaffUser, session: SessionDep) -> ImportRead:
    """Create or update patients from a CSV file: every row, or none and each fault listed."""
    report = import_csv(session, user.clinic_id, "patients", read_csv(file))
    return ImportRead.model_validate(report)


@router.get("/{patient_id}")
def get_patient(patient_id: PatientId, user: StaffUser, session: SessionDep) -> PatientRead:
    """One patient."""
    return PatientRead.from_record(patients.get_patient(session, user.clinic_id, patient_id))


@router.patch("/{patient_id}")
def update_patient(
    patient_id: PatientId, body: PatientUpdate, user: StaffUser, session: SessionDep
) -> PatientRead:
    """Change the fields sent; a new address without coordinates clears the stored ones."""
    patient = patients.update_patient(session, user.clinic_id, patient_id, body.to_fields())
    return PatientRead.from_record(patient)


@router.delete("/{patient_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_patient(patient_id: PatientId, user: StaffUser, session: SessionDep) -> None:
    """Delete a patient and their visits; 409 while a stored plan has one of the visits."""
    patients.delete_patient(session, user.clinic_id, patient_id)
