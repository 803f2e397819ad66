"""Fixtures for the Magento tests: sandboxes on 127.0.0.1 loaded from the tiny order factory."""

from __future__ import annotations

import ssl
import threading
from collections.abc import Callable, Iterable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from magento_factory import Answer

from c5attn.config import SiteConfig
from c5attn.magento.client import MagentoClient
from c5attn.sandbox.magento_server import MagentoSandbox
from c5attn.sandbox.magento_store import load_orders


@pytest.fixture
def sandbox_factory(tmp_path: Path) -> Iterator[Callable[..., MagentoSandbox]]:
    """Start sandboxes (``server_class``: a subclass) over fresh stores; all are stopped after the test."""
    started: list[MagentoSandbox] = []

    def make(
        orders: Iterable[dict[str, Any]], server_class: type[MagentoSandbox] = MagentoSandbox, **kwargs: Any
    ) -> MagentoSandbox:
        db = tmp_path / f"magento-{len(started)}.db"
        load_orders(db, orders)
        sandbox = server_class(db, **kwargs)
        sandbox.start()
        started.append(sandbox)
        return sandbox

    yield make
    for sandbox in started:
        sandbox.stop()


@pytest.fixture
def client_factory() -> Iterator[Callable[..., MagentoClient]]:
    """Clients whose retry backoff does not really sleep (pass ``sleep=`` to record the waits)."""
    clients: list[MagentoClient] = []

    def make(site: SiteConfig, **kwargs: Any) -> MagentoClient:
        kwargs.setdefault("sleep", lambda seconds: None)
        client = MagentoClient(site, **kwargs)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


class _ScriptedHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    answers: list[Answer]
    seen: list[str]

    def do_GET(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.seen.append(f"{self.command} {self.path}")
        status, headers, body = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        self.send_response(status)
        for name, value in {"Content-Length": str(len(body)), **headers}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


@pytest.fixture
def scripted_server() -> Iterator[Callable[..., tuple[str, list[str]]]]:
    """A loopback server giving canned answers in order (the last one repeats); returns (url, seen)."""
    servers: list[ThreadingHTTPServer] = []

    def start(*answers: Answer, tls: ssl.SSLContext | None = None) -> tuple[str, list[str]]:
        seen: list[str] = []
        handler = type("Scripted", (_ScriptedHandler,), {"answers": list(answers), "seen": seen})
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        if tls is not None:
            server.socket = tls.wrap_socket(server.socket, server_side=True)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        servers.append(server)
        scheme = "https" if tls else "http"
        return f"{scheme}://127.0.0.1:{server.server_address[1]}", seen

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()
