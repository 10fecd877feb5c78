"""Real receivers for the outbox's channels, on 127.0.0.1 in threads of the test process.

``WebhookReceiver``: an ``http.server`` that records every POST (headers and raw body) and
answers with a chosen status; it can hold the n-th request unanswered, to stand for a
receiver that stalls while a worker waits on it. ``SmtpReceiver``: an ``aiosmtpd`` server
that records every mail it accepts. Both listen on a port the system picks.
"""

from __future__ import annotations

import email
import email.policy
import json
import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from aiosmtpd.controller import Controller

from scheduler.notify.channels import DELIVERY_HEADER, SIGNATURE_HEADER

if TYPE_CHECKING:
    import asyncio
    from collections.abc import Awaitable
    from email.message import EmailMessage
    from types import TracebackType

    from aiosmtpd.smtp import SMTP, Envelope, Session


@dataclass(frozen=True)
class Received:
    """One POST as the receiver got it."""

    delivery_id: str
    signature: str
    content_type: str
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class WebhookReceiver:
    """Records POSTs; answers ``status`` (or ``statuses`` in turn, then ``status``), and
    holds the ``stall_on``-th request (from 1) unanswered until ``release`` is set."""

    status: int = 200
    statuses: list[int] = field(default_factory=list)
    stall_on: int | None = None
    received: list[Received] = field(default_factory=list)
    stalled: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/hook"

    def delivery_ids(self) -> list[str]:
        with self._lock:
            return [item.delivery_id for item in self.received]

    def _record(self, item: Received) -> tuple[int, bool]:
        with self._lock:
            self.received.append(item)
            count = len(self.received)
            status = self.statuses.pop(0) if self.statuses else self.status
        return status, count == self.stall_on

    def __enter__(self) -> WebhookReceiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                item = Received(
                    self.headers.get(DELIVERY_HEADER, ""),
                    self.headers.get(SIGNATURE_HEADER, ""),
                    self.headers.get("Content-Type", ""),
                    body,
                )
                status, stall = receiver._record(item)
                if stall:
                    receiver.stalled.set()
                    receiver.release.wait(120)
                    return  # the sender is gone by now: no answer
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                del format, args

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.release.set()
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()


class _Inbox:
    """aiosmtpd's handler: keeps each accepted mail; refuses the addresses in ``refused``."""

    def __init__(self, refused: set[str]) -> None:
        self.mails: list[tuple[str, list[str], EmailMessage]] = []
        self.refused = refused

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        del server, session, options
        if address in self.refused:
            return "550 no such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        del server, session
        content = envelope.original_content or b""
        message = email.message_from_bytes(content, policy=email.policy.default)
        self.mails.append((envelope.mail_from or "", list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


class _BoundController(Controller):
    """A controller on a socket bound beforehand, so that the system picks a free port."""

    def __init__(self, handler: _Inbox, listener: socket.socket) -> None:
        self.listener = listener
        host, port = listener.getsockname()[:2]
        # A fixed server name: aiosmtpd would look up the host's name on every connection.
        super().__init__(handler, hostname=host, port=port, server_hostname="localhost")

    def _create_server(self) -> Awaitable[asyncio.AbstractServer]:
        return self.loop.create_server(self._factory_invoker, sock=self.listener)


class SmtpReceiver:
    """A real SMTP server (aiosmtpd) on 127.0.0.1; ``mails`` holds what it accepted."""

    def __init__(self, refused: set[str] | None = None) -> None:
        self.inbox = _Inbox(refused or set())
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        self.controller = _BoundController(self.inbox, listener)
        self.host, self.port = listener.getsockname()[:2]

    @property
    def mails(self) -> list[tuple[str, list[str], EmailMessage]]:
        return self.inbox.mails

    def __enter__(self) -> SmtpReceiver:
        self.controller.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.controller.stop()
