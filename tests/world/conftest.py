"""One 2,000-order world shared by the world tests (it builds in well under a second)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from world_facts import WorldReader

from c5attn.sandbox.world import WorldSite, WorldSummary, build_world

# The day US clocks spring forward: local ticket times around it must still convert right.
NOW = datetime(2026, 3, 8, 12, 0, 0, tzinfo=UTC)
SEED = 7


@dataclass
class World:
    directory: Path
    summary: WorldSummary
    site: WorldSite
    orders: list[dict[str, Any]]
    labels: dict[str, dict[str, Any]]
    db: sqlite3.Connection
    reader: WorldReader

    def of_kind(self, kind: str) -> list[dict[str, Any]]:
        return [order for order in self.orders if self.labels[order["increment_id"]]["kind"] == kind]


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    directory = tmp_path_factory.mktemp("world")
    site = WorldSite()
    summary = build_world(directory, orders=2000, seed=SEED, now=NOW, site=site)
    db = sqlite3.connect(directory / "counterpoint.db")
    reader = WorldReader(
        db, store=site.counterpoint_store, web_pay_codes=site.web_pay_codes, zone=site.timezone
    )
    yield World(
        directory=directory,
        summary=summary,
        site=site,
        orders=json.loads((directory / "magento-orders.json").read_text(encoding="utf-8")),
        labels=json.loads((directory / "labels.json").read_text(encoding="utf-8")),
        db=db,
        reader=reader,
    )
    db.close()
