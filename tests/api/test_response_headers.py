"""Every response says ``nosniff``; ``/docs`` and ``/redoc`` (whose assets come from a CDN)
exist only with ``HOMEVISIT_API_DOCS``, ``/openapi.json`` always."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from fastapi.testclient import TestClient

from api.app import create_app
from tests.api.conftest import settings_for

if TYPE_CHECKING:
    from fastapi import FastAPI
    from sqlalchemy.engine import Engine


def test_every_kind_of_response_says_nosniff(app: FastAPI) -> None:
    """JSON, an error, the schema, a page, a static file, and a 500 from an unexpected error."""

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("unexpected")

    with TestClient(app, raise_server_exceptions=False) as client:
        responses = {
            path: client.get(path)
            for path in (
                "/health",
                "/therapists",
                "/openapi.json",
                "/app/login",
                "/app/static/style.css",
                "/boom",
            )
        }
    assert {path: r.status_code for path, r in responses.items()} == {
        "/health": 200,
        "/therapists": 401,
        "/openapi.json": 200,
        "/app/login": 200,
        "/app/static/style.css": 200,
        "/boom": 500,
    }
    for path, response in responses.items():
        # Once, even where the pages set it themselves.
        assert response.headers.get_list("x-content-type-options") == ["nosniff"], path


def test_the_docs_pages_are_off_by_default(client: TestClient) -> None:
    assert client.get("/docs").status_code == 404
    assert client.get("/redoc").status_code == 404
    assert client.get("/openapi.json").status_code == 200


def test_the_docs_pages_are_served_when_enabled(shared_engine: Engine) -> None:
    settings = dataclasses.replace(settings_for(shared_engine), api_docs=True)
    app = create_app(settings, shared_engine)
    with TestClient(app) as client:
        docs, redoc = client.get("/docs"), client.get("/redoc")
    app.state.jobs.shutdown()
    assert docs.status_code == redoc.status_code == 200
    assert "/openapi.json" in docs.text
