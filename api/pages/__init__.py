"""The web pages: the therapist's day on a phone, the coordinator's roster and week plans.

Server-rendered (Jinja2, autoescaped), with a little plain JavaScript; every asset is served
from ``/app/static``. The pages keep the login's token in an HttpOnly cookie and leave the
OpenAPI schema alone.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles

from api.pages import login, phone, roster, week
from api.pages.common import STATIC_DIR

router = APIRouter(include_in_schema=False)
for _module in (login, phone, roster, week):
    router.include_router(_module.router)


def install_pages(app: FastAPI) -> None:
    """Serve the pages and their static files."""
    app.include_router(router)
    app.mount("/app/static", StaticFiles(directory=STATIC_DIR), name="static")
