"""One 2,000-order world shared by the world tests (it builds in well under a second)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator

import pytest
from world_facts import WorldReader
from world_kit import NOW, World

from c5attn.sandbox.world import WorldSite, build_world

SEED = 7


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
