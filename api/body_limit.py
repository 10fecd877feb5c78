"""At most N bytes of request body, counted as they arrive; a larger body is a 413.

A ``Content-Length`` above the limit is refused before the application runs. A body
without one (chunked), or longer than it announced, is counted as the route reads it: past
the limit, reading raises ``BodyTooLarge``. FastAPI passes an ``HTTPException`` raised
while it reads the body on unchanged, so the error handlers answer in the usual shape, and
nothing beyond the limit is ever held or parsed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.datastructures import Headers

from api.errors import HTTPFault, error_response

if TYPE_CHECKING:
    from collections.abc import Collection

    from starlette.types import ASGIApp, Message, Receive, Scope, Send

MIB = 2**20


class BodyTooLarge(HTTPFault):
    """The request body is longer than ``limit_bytes`` (``setting`` sets the limit)."""

    def __init__(self, limit_bytes: int, setting: str) -> None:
        size = f"{limit_bytes // MIB} MiB" if limit_bytes % MIB == 0 else f"{limit_bytes:,} bytes"
        message = f"the request body is larger than {size}, this server's limit ({setting})"
        super().__init__(413, "request body too large", [("", message)])


class BodySizeLimit:
    """ASGI middleware: bodies of at most ``default_bytes``, ``upload_bytes`` on the paths
    in ``upload_paths``; each limit comes with the name of the setting behind it."""

    def __init__(
        self,
        app: ASGIApp,
        default: tuple[int, str],
        upload: tuple[int, str],
        upload_paths: Collection[str],
    ) -> None:
        self.app = app
        self.default = default
        self.upload = upload
        self.upload_paths = frozenset(upload_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit_bytes, setting = self.upload if scope["path"] in self.upload_paths else self.default
        too_large = BodyTooLarge(limit_bytes, setting)
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > limit_bytes:
            await _refuse(too_large, scope, receive, send)
            return
        received = 0
        started = False

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit_bytes:
                    raise too_large
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, watched_send)
        except BodyTooLarge:
            # Only if a reader other than a route let it through.
            if started:
                raise
            await _refuse(too_large, scope, receive, send)


async def _refuse(error: BodyTooLarge, scope: Scope, receive: Receive, send: Send) -> None:
    response = error_response(error.status_code, error.detail, error.errors)
    await response(scope, receive, send)
