"""The FastAPI application: ``create_app(settings)``.

At creation it refuses a database whose schema is behind (``homevisit db upgrade`` fixes it)
and a missing secret key. While it runs, it sweeps the solve jobs (``scheduler.jobs``):
a job that lost its server or worker is run again, or its plan fails, by whichever server
or worker sweeps first.

Every request body is bounded (``HOMEVISIT_MAX_BODY_MB``, ``HOMEVISIT_MAX_UPLOAD_MB`` for the
CSV uploads), every response says ``nosniff``, and ``/docs`` and ``/redoc`` exist only with
``HOMEVISIT_API_DOCS`` (``/openapi.json`` always does).
"""

from __future__ import annotations

import gc
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
from api.route_cache import RouteCache
from api.routes import ROUTERS
from api.schemas.common import ERROR_RESPONSES
from scheduler.config import Settings
from scheduler.db.engine import make_engine, require_current_schema
from scheduler.db.notifications import ChangeListener
from scheduler.errors import InvalidRequest
from scheduler.jobs import job_queue

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from sqlalchemy.engine import Engine

# Database connections of one server process, and as many requests in progress and
# threads for the blocking routes (``api.limits`` says why they must match); the solve
# jobs' progress updates borrow from the overflow.
DATABASE_CONNECTIONS = 16
GC_THRESHOLDS = (50_000, 50, 100)
# How long a starting server waits for its change listener before serving without it.
LISTEN_WAIT_S = 5.0

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
    jobs = job_queue(settings, sessions)
    cache = RouteCache(settings.route_cache_mb * 1024 * 1024)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = DATABASE_CONNECTIONS
        jobs.start_sweeping()
        listener = _start_listening(app, engine, cache)
        if app.state.tune_gc:
            _tune_gc()
        yield
        if listener is not None:
            listener.stop()
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
    app.state.route_cache = cache
    app.state.tune_gc = False  # create_server_app's
    # False: keep no callers (also set by the tests whose transaction never commits).
    app.state.listen_for_changes = (
        cache.enabled and settings.listen_for_changes and ChangeListener.can_listen(engine)
    )
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


def create_server_app() -> FastAPI:
    """The app of a ``homevisit serve`` process: ``create_app`` from the environment, and
    the garbage collector tuned for a process that serves nothing else."""
    app = create_app()
    app.state.tune_gc = True
    return app


def _tune_gc() -> None:
    # What exists once the app has started (routes, schemas, mappers) lives as long as the
    # process: frozen, the collector stops walking it. A larger first generation collects
    # less often at the allocation rate of thousands of small requests a second; the
    # pauses of full collections showed as the slowest 1 % of the hot reads.
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def _start_listening(app: FastAPI, engine: Engine, cache: RouteCache) -> ChangeListener | None:
    """Hear the database's change notifications, so that callers can be kept (on PostgreSQL)."""
    if not app.state.listen_for_changes:
        return None
    listener = ChangeListener(engine, cache.apply, cache.clear)
    listener.start()
    cache.listening = lambda: listener.listening
    app.state.change_listener = listener
    # Not listening yet only means no callers are kept until it does.
    listener.wait_listening(LISTEN_WAIT_S)
    return listener


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
