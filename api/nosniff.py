"""``X-Content-Type-Options: nosniff`` on every response, so that no browser reads a JSON
answer (which may echo what a client sent) as HTML or script.

It wraps the whole middleware stack, outside Starlette's ``ServerErrorMiddleware``, so
that the 500 answers get it too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADER = (b"x-content-type-options", b"nosniff")


class NoSniff:
    """ASGI middleware: adds the header unless the response already has it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if all(name.lower() != HEADER[0] for name, _value in headers):
                    message = {**message, "headers": [*headers, HEADER]}
            await send(message)

        await self.app(scope, receive, send_with_header)
