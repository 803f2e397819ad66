"""Counterpoint is read in batches: the first one is the first Magento page, then 500 at a time."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest

from c5attn.config import SiteConfig
from c5attn.models import MagentoOrder
from c5attn.workflow import SiteSession, batched, iter_verdicts


@pytest.mark.parametrize(
    ("count", "size", "first", "sizes"),
    [
        (0, 500, 300, []),
        (250, 500, 300, [250]),
        (300, 500, 300, [300]),
        (1_100, 500, 300, [300, 500, 300]),
        (1_100, 500, None, [500, 500, 100]),
        (1_000, 500, 500, [500, 500]),
    ],
)
def test_batch_sizes(count: int, size: int, first: int | None, sizes: list[int]) -> None:
    batches = list(batched(iter(range(count)), size, first=first))  # type: ignore[arg-type]
    assert [len(batch) for batch in batches] == sizes
    assert [item for batch in batches for item in batch] == list(range(count))


class _Fake:
    """A Magento of ``count`` orders and a Counterpoint that records the batches it is asked for."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.asked: list[int] = []

    def iter_orders(
        self, groups: Any, *, progress: Any = None, in_order: bool = True
    ) -> Iterator[MagentoOrder]:
        for number in range(1, self.count + 1):
            yield MagentoOrder(entity_id=number, increment_id=f"{number:09d}", state="new", status="pending")

    def fetch_orders(self, numbers: list[str]) -> dict[str, Any]:
        self.asked.append(len(numbers))
        return {}


@pytest.mark.parametrize(("page_size", "asked"), [(300, [300, 500, 300]), (1_000, [500, 500, 100])])
def test_the_first_counterpoint_batch_is_the_first_magento_page(page_size: int, asked: list[int]) -> None:
    site = SiteConfig(
        name="s",
        magento_url="http://127.0.0.1:9",
        counterpoint_dsn="sqlite:///x.db",
        magento_page_size=page_size,
    )
    fake = _Fake(1_100)
    audit: Any = SimpleNamespace()
    session = SiteSession(site, fake, fake, "op", audit, datetime(2026, 1, 1, tzinfo=UTC))  # type: ignore[arg-type]
    verdicts = list(iter_verdicts(session, fake.iter_orders(())))
    assert len(verdicts) == 1_100 and fake.asked == asked
