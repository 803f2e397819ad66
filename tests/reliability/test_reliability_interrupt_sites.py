"""Ctrl-C or SIGTERM during a command over several sites ends it at once, even while one site's
Magento has not answered: that site's thread must not hold the process until the answer comes
or the request times out (``magento_timeout_seconds``, 30 s by default)."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from reliability_kit import Shop, World, site_toml, spawn

from c5attn.sandbox.magento_server import MagentoSandbox


class StallingSandbox(MagentoSandbox):
    """A Magento that answers the first request (page 1, which a scan asks for while it starts)
    and then none until ``release`` is set (or 30 s pass): the next pages are asked for by the
    site's own thread, once the scan of every site is under way."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.stalled = threading.Event()  # a request is waiting for its answer
        self.release = threading.Event()
        self._answered = threading.Lock()  # held once the first request came

    def handle(self, handler: Any) -> None:
        if not self._answered.acquire(blocking=False):
            self.stalled.set()
            self.release.wait(timeout=30)
        super().handle(handler)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_a_scan_of_several_sites_stops_at_once_while_one_waits_for_its_magento(
    open_shop: Callable[..., Shop], small_world: World, signum: int
) -> None:
    """It waited for the silent site's answer (here 30 s; up to magento_timeout_seconds), then
    exited 130: a service manager's SIGTERM could run into its SIGKILL meanwhile."""
    shop = open_shop(small_world)
    silent = open_shop(small_world, StallingSandbox)
    assert isinstance(silent.server, StallingSandbox)
    shop.config.write_text(
        site_toml(shop.server.url, shop.counterpoint_db)
        + site_toml(
            silent.server.url,
            silent.counterpoint_db,
            name="silent",
            timeout="60",
            extra="magento_page_size = 50",
        ),
        encoding="utf-8",
    )
    process = spawn(shop.home, shop.config, "scan")
    try:
        assert silent.server.stalled.wait(timeout=60), process.communicate(timeout=60)
        time.sleep(1)  # the site's thread classifies page 1 (50 orders), then waits for page 2
        process.send_signal(signum)
        sent = time.monotonic()
        _, stderr = process.communicate(timeout=60)
        waited = time.monotonic() - sent
    finally:
        silent.server.release.set()
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr and "c5attn: interrupted" in stderr, stderr
    assert waited < 5, f"exited {waited:.1f} s after the signal"
