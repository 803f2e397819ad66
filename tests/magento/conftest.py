"""Fixtures for the Magento tests: sandboxes on 127.0.0.1 loaded from the tiny order factory."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

from c5attn.config import SiteConfig
from c5attn.magento.client import MagentoClient
from c5attn.sandbox.magento_server import MagentoSandbox
from c5attn.sandbox.magento_store import load_orders

FIXTURES = Path(__file__).parent / "fixtures"
TOKEN = "sandbox-token"


def site_for(url: str, **overrides: Any) -> SiteConfig:
    """A site pointing at a sandbox, with the sandbox's bearer token unless overridden."""
    settings: dict[str, Any] = {"magento_token": TOKEN, "magento_timeout_seconds": 5.0}
    settings.update(overrides)
    return SiteConfig(name="test", magento_url=url, counterpoint_dsn="unused", **settings)


@pytest.fixture
def sandbox_factory(tmp_path: Path) -> Iterator[Callable[..., MagentoSandbox]]:
    """Start sandboxes over fresh stores; all are stopped after the test."""
    started: list[MagentoSandbox] = []

    def make(orders: Iterable[dict[str, Any]], **kwargs: Any) -> MagentoSandbox:
        db = tmp_path / f"magento-{len(started)}.db"
        load_orders(db, orders)
        sandbox = MagentoSandbox(db, **kwargs)
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
