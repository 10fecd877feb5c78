"""Logging in, the caller, and user accounts."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.fields import RecordId
from scheduler.models import Role


class LoginCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"email": "coordinator@clinic.example", "password": "correct horse 1"}]
        },
    )

    email: str = Field(min_length=1, max_length=254)
    password: str = Field(min_length=1, max_length=1024)
    clinic_id: RecordId | None = Field(
        default=None, description="Only needed when the email has logins in several clinics."
    )


class TokenRead(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "access_token": "q2Vd...",
                    "token_type": "bearer",
                    "expires_at": "2026-11-28T06:00:00Z",
                }
            ]
        }
    )

    access_token: str
    token_type: str = "bearer"
    expires_at: dt.datetime


class UserRead(BaseModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": 3,
                    "clinic_id": 1,
                    "email": "ana@clinic.example",
                    "role": "therapist",
                    "therapist_id": 7,
                }
            ]
        },
    )

    id: int
    clinic_id: int
    email: str
    role: Role
    therapist_id: int | None


class UserCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "email": "ana@clinic.example",
                    "password": "a long passphrase",
                    "role": "therapist",
                    "therapist_id": 7,
                }
            ]
        },
    )

    email: str = Field(min_length=1, max_length=254)
    password: str = Field(min_length=1, max_length=1024)
    role: Role
    therapist_id: RecordId | None = None


class RevokedRead(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"revoked": 2}]})

    revoked: int = Field(ge=0, description="How many valid tokens were ended.")
