"""Request bodies are bounded (413 in the usual error shape, naming the limit and its
setting), CSV uploads by a larger limit, and unreadable JSON is a 422 like other bad JSON."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.deps import get_session
from tests.api.callers import caller, fields
from tests.api.conftest import settings_for

if TYPE_CHECKING:
    from collections.abc import Iterator

    from httpx import Response
    from sqlalchemy.engine import Engine
    from sqlalchemy.orm import Session

KIB = 1024
# The limits of ``small``: 1 KiB for a body, 4 KiB for an upload.
BODY_MB = KIB / 2**20
UPLOAD_MB = 4 * KIB / 2**20
JSON = {"content-type": "application/json"}


@pytest.fixture
def small(shared_engine: Engine, session: Session) -> Iterator[TestClient]:
    """A client of an app whose limits are 1 KiB for a body and 4 KiB for an upload."""
    settings = dataclasses.replace(
        settings_for(shared_engine), max_body_mb=BODY_MB, max_upload_mb=UPLOAD_MB
    )
    app = create_app(settings, shared_engine)
    app.dependency_overrides[get_session] = lambda: session
    with TestClient(app) as client:
        yield client
    app.state.jobs.shutdown()


def assert_too_large(response: Response, limit: str, setting: str) -> None:
    assert response.status_code == 413
    body = response.json()
    assert body["detail"] == "request body too large"
    assert fields(body) == {""}
    message = body["errors"][0]["message"]
    assert f"larger than {limit}" in message
    assert setting in message


def test_a_body_declared_larger_than_the_limit_is_refused(small: TestClient) -> None:
    body = b'{"date": "' + b"x" * (2 * KIB) + b'"}'
    response = small.post("/solve", content=body, headers=JSON)
    assert response.request.headers["content-length"] == str(len(body))
    assert_too_large(response, "1,024 bytes", "HOMEVISIT_MAX_BODY_MB")


def test_a_chunked_body_is_counted_as_it_arrives(small: TestClient) -> None:
    """Without a Content-Length, the bytes read are counted: the limit still holds."""

    def chunks() -> Iterator[bytes]:
        yield b'{"email": "a@b.example", "password": "'
        for _ in range(8):
            yield b"x" * 200
        yield b'"}'

    response = small.post("/auth/login", content=chunks(), headers=JSON)
    assert "content-length" not in response.request.headers
    assert_too_large(response, "1,024 bytes", "HOMEVISIT_MAX_BODY_MB")


def test_the_schema_documents_the_413(small: TestClient) -> None:
    operations = small.get("/openapi.json").json()["paths"]["/solve"]["post"]["responses"]
    schema = operations["413"]["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/ErrorRead"}


def test_a_body_within_the_limit_is_read(small: TestClient) -> None:
    response = small.post("/auth/login", json={"email": "a@b.example", "password": "x" * 900})
    assert response.status_code == 401


def test_a_csv_upload_has_the_larger_limit(small: TestClient, session: Session) -> None:
    """2 KiB is too much for a JSON body but not for an upload; 5 KiB is too much for both."""
    staff = caller(session)
    sheet = b"external_id,name\n" + b"t1,Ana\n" * 300
    assert 2 * KIB < len(sheet) < 3 * KIB
    upload = small.post(
        "/therapists/import", headers=staff.headers, files={"file": ("t.csv", sheet, "text/csv")}
    )
    assert upload.status_code == 422
    assert "line 1.discipline" in fields(upload.json())
    as_json = small.post("/therapists", headers={**staff.headers, **JSON}, content=sheet)
    assert_too_large(as_json, "1,024 bytes", "HOMEVISIT_MAX_BODY_MB")
    large = small.post(
        "/patients/import",
        headers=staff.headers,
        files={"file": ("p.csv", sheet * 2, "text/csv")},
    )
    assert_too_large(large, "4,096 bytes", "HOMEVISIT_MAX_UPLOAD_MB")


def test_the_default_limits_name_whole_mebibytes(shared_engine: Engine) -> None:
    """The defaults, 10 MiB and 20 MiB: an 11 MiB body is refused, an 11 MiB upload not."""
    app = create_app(settings_for(shared_engine), shared_engine)
    body = b" " * (11 * 2**20)
    with TestClient(app) as client:
        refused = client.post("/auth/login", content=body, headers=JSON)
        upload = client.post("/visits/import", files={"file": ("v.csv", body, "text/csv")})
    app.state.jobs.shutdown()
    assert_too_large(refused, "10 MiB", "HOMEVISIT_MAX_BODY_MB")
    assert upload.status_code == 401  # read in full, then the missing login


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"[" * 5000 + b"]" * 5000, "the JSON body is nested too deeply to read"),
        (b'{"email": "\xff"}', "the JSON body is not UTF-8 text"),
    ],
)
def test_unreadable_json_is_a_422_like_other_bad_json(
    client: TestClient, body: bytes, message: str
) -> None:
    response = client.post("/auth/login", content=body, headers=JSON)
    assert response.status_code == 422
    assert response.json() == {
        "detail": "invalid request",
        "errors": [{"field": "", "message": message}],
    }
    broken = client.post("/auth/login", content=b'{"email": ', headers=JSON)
    assert broken.status_code == 422
