"""The FastAPI application: ``create_app(settings)``.

At creation it refuses a database whose schema is behind (``homevisit db upgrade`` fixes it)
and a missing secret key. ``homevisit serve`` also marks plans left ``solving`` by a stopped
server as failed, once, before it starts the server processes.

Every request body is bounded (``HOMEVISIT_MAX_BODY_MB``, ``HOMEVISIT_MAX_UPLOAD_MB`` for the
CSV uploads), every response says ``nosniff``, and ``/docs`` and ``/redoc`` exist only with
``HOMEVISIT_API_DOCS`` (``/openapi.json`` always does).
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from functools import partial
from typing import TYPE_CHECKING, Any

import anyio.to_thread
from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from sqlalchemy.orm import sessionmaker

from api.body_limit import MIB, BodySizeLimit
from api.errors import install_error_handlers
from api.limits import InFlightLimit
from api.nosniff import NoSniff
from api.pages import install_pages
from api.routes import ROUTERS
from api.schemas.common import ERROR_RESPONSES
from scheduler.config import Settings
from scheduler.db.engine import make_engine, require_current_schema
from scheduler.errors import InvalidRequest
from scheduler.planning.jobs import PlanJobs

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from sqlalchemy.engine import Engine

# Database connections of one server process, and as many requests in progress and
# threads for the blocking routes (``api.limits`` says why they must match); the solve
# jobs' progress updates borrow from the overflow.
DATABASE_CONNECTIONS = 16

DESCRIPTION = """Plans home visits of therapists: clinic records, solve jobs, the therapist's day.

Log in with `POST /auth/login`, then send `Authorization: Bearer <token>`. Every error has
the shape `{"detail": ..., "errors": [{"field": ..., "message": ...}]}`."""


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    """The API on ``settings`` (default: from the environment), on ``engine`` if given."""
    settings = settings or Settings.from_env()
    if not settings.secret_key:
        raise InvalidRequest.single(
            "HOMEVISIT_SECRET_KEY",
            "must be set to serve the API (it keys the tokens); for example the output of "
            "`python3 -c 'import secrets; print(secrets.token_urlsafe(32))'`",
            detail="invalid configuration",
        )
    engine = engine or make_engine(
        settings.database_url, pool_size=DATABASE_CONNECTIONS, max_overflow=4
    )
    require_current_schema(engine)
    sessions = sessionmaker(engine, expire_on_commit=False)
    jobs = PlanJobs(sessions, settings.solver_processes)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = DATABASE_CONNECTIONS
        yield
        jobs.shutdown()

    app = FastAPI(
        title="homevisit",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        responses=ERROR_RESPONSES,
        docs_url="/docs" if settings.api_docs else None,
        redoc_url="/redoc" if settings.api_docs else None,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = sessions
    app.state.jobs = jobs
    app.add_middleware(InFlightLimit, limit=DATABASE_CONNECTIONS)
    install_error_handlers(app)
    for router in ROUTERS:
        app.include_router(router)
    app.openapi = partial(_openapi_with_enum_examples, app)  # type: ignore[method-assign]
    install_pages(app)
    # Added last, so outside the in-flight limit: a refused body waits for no slot.
    app.add_middleware(
        BodySizeLimit,
        default=(int(settings.max_body_mb * MIB), "HOMEVISIT_MAX_BODY_MB"),
        upload=(int(settings.max_upload_mb * MIB), "HOMEVISIT_MAX_UPLOAD_MB"),
        upload_paths=_upload_paths(),
    )
    build_stack = app.build_middleware_stack
    app.build_middleware_stack = lambda: NoSniff(build_stack())  # type: ignore[method-assign]
    return app


def _upload_paths() -> set[str]:
    """The CSV uploads: every route at ``.../import`` (each resource's upload is there)."""
    return {
        route.path
        for router in ROUTERS
        for route in router.routes
        if isinstance(route, APIRoute) and route.path.endswith("/import")
    }


def _openapi_with_enum_examples(app: FastAPI) -> dict[str, Any]:
    """The OpenAPI schema, where every enum (the domain's own, with no pydantic config)
    gets its values as examples, so that every schema has examples."""
    if app.openapi_schema is None:
        schema = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
        )
        for component in schema.get("components", {}).get("schemas", {}).values():
            if "enum" in component and "examples" not in component:
                component["examples"] = list(component["enum"])
        app.openapi_schema = schema
    return app.openapi_schema
