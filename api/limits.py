"""At most N requests of one server process in progress; the others wait in the event loop.

The routes are blocking (``def``): each request takes turns in the thread pool (its
dependencies, the route, the validation of its response) while its database session holds
a connection. If more requests were in progress than there are connections, requests
waiting for a connection could hold every thread while the requests that would return one
wait for a thread, and the server would stop. Waiting before the request starts costs
nothing and keeps the order of arrival.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Receive, Scope, Send


class InFlightLimit:
    """ASGI middleware: at most ``limit`` HTTP requests in progress at once."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit
        self._slots: asyncio.Semaphore | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self._slots is None:  # created in the server's event loop
            self._slots = asyncio.Semaphore(self.limit)
        async with self._slots:
            await self.app(scope, receive, send)
