"""The OpenAPI document: examples on every schema, a description on every operation."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import FastAPI


def test_every_schema_has_examples(app: FastAPI) -> None:
    schemas = app.openapi()["components"]["schemas"]
    missing = sorted(name for name, schema in schemas.items() if not schema.get("examples"))
    assert missing == []


def test_every_operation_is_described_and_documents_the_error_shape(app: FastAPI) -> None:
    for path, item in app.openapi()["paths"].items():
        for method, operation in item.items():
            label = f"{method.upper()} {path}"
            assert operation.get("description") or operation.get("summary"), label
            error = operation["responses"]["422"]["content"]["application/json"]["schema"]
            assert error == {"$ref": "#/components/schemas/ErrorRead"}, label
