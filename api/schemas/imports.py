"""The CSV upload of therapists, patients, visits or care plans, and what it did."""

from __future__ import annotations

from fastapi import UploadFile
from pydantic import BaseModel, ConfigDict, Field


class ImportRead(BaseModel):
    """The file was valid and every row is stored: ``created`` new, ``updated`` known ones
    (matched by external id)."""

    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={"examples": [{"kind": "visits", "created": 15, "updated": 3}]},
    )

    kind: str = Field(description="therapists, patients, visits or care_plans")
    created: int = Field(ge=0)
    updated: int = Field(ge=0)


class CsvUpload(BaseModel):
    """A multipart form with the CSV file (UTF-8, header row first) in ``file``; the README's
    "CSV import" lists the columns of each kind."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "file": "external_id,patient,date,duration_minutes,windows\n"
                    "v-0042,p-0042,2026-11-30,45,09:00-12:00\n"
                }
            ]
        },
    )

    file: UploadFile = Field(description="The CSV file.")
