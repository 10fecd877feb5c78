"""Liveness with a database round trip."""

from __future__ import annotations

import sqlalchemy as sa
from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict

from api.deps import SessionDep

router = APIRouter(tags=["health"])


class HealthRead(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"status": "ok", "database": "ok"}]})

    status: str
    database: str


@router.get("/health")
def health(session: SessionDep) -> HealthRead:
    """Whether the server runs and reaches its database."""
    session.execute(sa.text("SELECT 1"))
    return HealthRead(status="ok", database="ok")
