"""The CSV import (``scheduler.exchange.importing``) as a service: one file, all rows or none, one
transaction committed here."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from scheduler.errors import NotFound, SchedulerError
from scheduler.exchange.care_plan_import import import_care_plans
from scheduler.exchange.importing import (
    ImportReport,
    import_patients,
    import_therapists,
    import_visits,
)
from scheduler.models import Clinic
from scheduler.records.store import commit

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlalchemy.orm import Session

ImportKind = Literal["therapists", "patients", "visits", "care_plans"]
IMPORTERS: dict[ImportKind, Callable[[Session, Clinic, bytes], ImportReport]] = {
    "therapists": import_therapists,
    "patients": import_patients,
    "visits": import_visits,
    "care_plans": import_care_plans,
}


def import_csv(session: Session, clinic_id: int, kind: ImportKind, data: bytes) -> ImportReport:
    """Create or update the clinic's records of ``kind`` from a CSV file.

    A file with any fault raises ``InvalidRequest`` listing each (``line 3.duration_minutes``)
    and stores nothing.
    """
    clinic = session.get(Clinic, clinic_id)
    if clinic is None:
        raise NotFound(f"clinic {clinic_id} not found")
    try:
        report = IMPORTERS[kind](session, clinic, data)
    except SchedulerError:
        session.rollback()
        raise
    commit(session, f"the {kind} import")
    return report
