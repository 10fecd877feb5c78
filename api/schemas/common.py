"""Shapes shared by every resource: the error body and a page of a listing."""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")


class FieldErrorRead(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"field": "visits[3].windows[0].end", "message": "ends before it starts"}]
        }
    )

    field: str = Field(description="Dotted path of the faulty field; empty for the whole request.")
    message: str = Field(description="What is wrong, in one sentence.")


class ErrorRead(BaseModel):
    """Every error response has this shape."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "detail": "invalid request",
                    "errors": [{"field": "date", "message": "Input should be a valid date"}],
                }
            ]
        }
    )

    detail: str
    errors: list[FieldErrorRead] = Field(default_factory=list)


class Page(BaseModel, Generic[T]):
    """One page of a listing; ``total`` counts every match, not only this page."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"items": [], "total": 0, "limit": 50, "offset": 0}]}
    )

    items: list[T]
    total: int = Field(ge=0, examples=[42])
    limit: int = Field(ge=1, examples=[50])
    offset: int = Field(ge=0, examples=[0])


ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    status: {"model": ErrorRead, "description": text}
    for status, text in (
        (401, "No valid bearer token."),
        (403, "The caller's role may not do this."),
        (404, "No such record, or the caller may not see it."),
        (409, "The request clashes with the stored state."),
        (413, "The request body is larger than the server's limit (HOMEVISIT_MAX_BODY_MB)."),
        (422, "Invalid input; each error names its field."),
        (503, "The database (or the travel-time service) is unavailable, or its schema is old."),
    )
}
