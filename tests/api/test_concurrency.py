"""Many requests at once on a real server: every one is answered (no pool deadlock)."""

from __future__ import annotations

import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

import httpx
import pytest
import uvicorn
from sqlalchemy.orm import Session

from api.app import DATABASE_CONNECTIONS, create_app
from scheduler.models import PlanStatus, Role
from tests.api.conftest import settings_for
from tests.api.factories import add_login, auth_headers
from tests.scheduler.factories import DAY
from tests.scheduler.planning_factories import add_routed_plan, add_small_day

if TYPE_CHECKING:
    from collections.abc import Iterator

    from sqlalchemy.engine import Engine

CLIENTS = 8 * DATABASE_CONNECTIONS


@pytest.fixture
def served(migrated: Engine) -> Iterator[tuple[str, dict[str, str]]]:
    """``homevisit``'s app under uvicorn on a free port, and a therapist's headers."""
    with Session(migrated, expire_on_commit=False) as session:
        day = add_small_day(session)
        t1 = day.therapists["t1"]
        add_routed_plan(
            session, day.clinic, {t1: [(day.visits["v1"], 9 * 3600)]}, status=PlanStatus.PUBLISHED
        )
        headers = auth_headers(session, add_login(session, day.clinic, Role.THERAPIST, t1))
        session.commit()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = create_app(settings_for(migrated), migrated)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", headers
    server.should_exit = True
    thread.join(timeout=10)


@pytest.mark.slow
def test_more_clients_than_connections_are_all_answered(
    served: tuple[str, dict[str, str]],
) -> None:
    """With more requests in flight than database connections, none waits forever: before
    the in-flight limit, this stalled until the pool's 30-s timeout and answered 503."""
    base, headers = served
    url = f"{base}/me/route?date={DAY.isoformat()}"

    def fetch(_: int) -> int:
        return httpx.get(url, headers=headers, timeout=60).status_code

    with ThreadPoolExecutor(CLIENTS) as clients:
        statuses = list(clients.map(fetch, range(CLIENTS * 2)))
    assert statuses == [200] * (CLIENTS * 2)
