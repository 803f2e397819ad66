"""The scan pauses the cyclic garbage collector while it runs, and always restores it; the queue
too, and it keeps what it lists as the scan does: spooled records, not verdicts."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest

from c5attn.config import SiteConfig
from c5attn.models import MagentoOrder
from c5attn.workflow import SiteSession, cycle_collector_paused, needs_attention_queue, scan_site


@pytest.fixture(autouse=True)
def _collector_enabled() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.enable()
    yield
    if not was_enabled:
        gc.disable()


def test_paused_inside_and_enabled_again_after() -> None:
    with cycle_collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_enabled_again_after_an_error() -> None:
    with pytest.raises(RuntimeError), cycle_collector_paused():
        raise RuntimeError("boom")
    assert gc.isenabled()


def test_a_collector_disabled_by_the_caller_stays_disabled() -> None:
    gc.disable()
    with cycle_collector_paused():
        pass
    assert not gc.isenabled()


class _Recording:
    """Magento and Counterpoint fakes that note whether the collector ran while they were asked."""

    def __init__(self) -> None:
        self.enabled_during: list[bool] = []

    def iter_orders(
        self, groups: Any, *, progress: Any = None, in_order: bool = True
    ) -> Iterator[MagentoOrder]:
        for number in range(3):
            self.enabled_during.append(gc.isenabled())
            yield MagentoOrder(
                entity_id=number + 1, increment_id=f"00000000{number}", state="new", status="pending"
            )

    def fetch_orders(self, numbers: Any) -> dict[str, Any]:
        self.enabled_during.append(gc.isenabled())
        return {}


def _session(fake: _Recording) -> SiteSession:
    site = SiteConfig(name="s", magento_url="http://127.0.0.1:9", counterpoint_dsn="sqlite:///x.db")
    audit: Any = SimpleNamespace()
    return SiteSession(site, fake, fake, "op", audit, datetime(2026, 1, 1, tzinfo=UTC))  # type: ignore[arg-type]


def test_scan_and_queue_run_with_the_collector_paused_and_restore_it() -> None:
    fake = _Recording()
    result = scan_site(_session(fake), since=None)
    assert result.scanned == 3
    needs_attention_queue(_session(fake))
    assert fake.enabled_during and not any(fake.enabled_during)
    assert gc.isenabled()


def test_the_queue_keeps_spooled_records_not_verdicts() -> None:
    """A verdict holds ~15 KB: `list --limit 5` on a queue of 15,000 orders kept them all (266 MB,
    where a scan reporting as many peaked at 107 MB)."""
    queue = needs_attention_queue(_session(_Recording()))
    assert [item.flag_target for item in queue] == [None, None, None]
    assert sorted(item.record["order"] for item in queue) == ["000000000", "000000001", "000000002"]
