"""Path, query and file parameters shared by the record routes, and a page of records as a
``Page`` of schemas.

Ids are bounded by the database's integer column, so a larger one is a 422 rather than an
overflow inside the database.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, TypeVar

from fastapi import File, Path, Query

from api.schemas.common import Page
from api.schemas.fields import SearchText
from api.schemas.imports import CsvUpload
from scheduler.records.store import MAX_ID, MAX_LIMIT, MAX_OFFSET

if TYPE_CHECKING:
    from collections.abc import Callable

    from scheduler.records.store import Page as RecordPage

E = TypeVar("E")
S = TypeVar("S")

TherapistId = Annotated[int, Path(ge=1, le=MAX_ID, description="The therapist's id.")]
PatientId = Annotated[int, Path(ge=1, le=MAX_ID, description="The patient's id.")]
CarePlanId = Annotated[int, Path(ge=1, le=MAX_ID, description="The care plan's id.")]
VisitId = Annotated[int, Path(ge=1, le=MAX_ID, description="The visit's id.")]
ExceptionId = Annotated[int, Path(ge=1, le=MAX_ID, description="The shift exception's id.")]
UserId = Annotated[int, Path(ge=1, le=MAX_ID, description="The user's id.")]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="At most this many items.")]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Skip this many matches.")]
Search = Annotated[
    SearchText | None, Query(description="Part of the name or external id, in any case.")
]

CsvFile = Annotated[CsvUpload, File()]


def read_csv(upload: CsvUpload) -> bytes:
    """The uploaded file's bytes (``api.body_limit`` bounds the request with the upload limit
    of ``HOMEVISIT_MAX_UPLOAD_MB``)."""
    return upload.file.file.read()


def page_read(page: RecordPage[E], read: Callable[[E], S]) -> Page[S]:
    """The page with each record turned into its schema by ``read``."""
    return Page[S](
        items=[read(item) for item in page.items],
        total=page.total,
        limit=page.limit,
        offset=page.offset,
    )


__all__ = [
    "CarePlanId",
    "CsvFile",
    "ExceptionId",
    "Limit",
    "Offset",
    "PatientId",
    "Search",
    "TherapistId",
    "UserId",
    "VisitId",
    "page_read",
    "read_csv",
]
