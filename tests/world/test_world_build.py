"""build_world as a whole: files, determinism, the recipe mix, the summary and its failures."""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from collections import Counter
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path

import pytest
from world_kit import NOW, World

from c5attn.errors import C5Error, UsageError
from c5attn.sandbox import world as world_module
from c5attn.sandbox.world import RECIPES, allocate, build_world

FILES = ("counterpoint.db", "magento-orders.json", "labels.json", "world.json")
CODES = (
    "manual-invoice-or-ship",
    "capture-failed",
    "released-but-canceled",
    "completed-but-canceled",
    "deposit-but-canceled",
)


def _digests(directory: Path) -> dict[str, str]:
    return {name: hashlib.sha256((directory / name).read_bytes()).hexdigest() for name in FILES}


def test_same_seed_and_now_give_identical_files_and_another_seed_does_not(tmp_path: Path) -> None:
    first, second, other = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    build_world(first, orders=600, seed=3, now=NOW)
    build_world(second, orders=600, seed=3, now=NOW)
    build_world(other, orders=600, seed=4, now=NOW)

    assert _digests(first) == _digests(second)
    differing = {name for name, digest in _digests(other).items() if digest != _digests(first)[name]}
    assert {"counterpoint.db", "magento-orders.json", "labels.json"} <= differing


def test_rebuilding_replaces_the_world_and_leaves_no_temporary_files(tmp_path: Path) -> None:
    build_world(tmp_path, orders=300, seed=1, now=NOW)
    build_world(tmp_path, orders=120, seed=2, now=NOW)

    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(FILES)
    assert len(json.loads((tmp_path / "magento-orders.json").read_text())) == 120
    assert len(json.loads((tmp_path / "labels.json").read_text())) == 120


@pytest.mark.parametrize("orders", [0, 1, 10, len(RECIPES) - 1, len(RECIPES), 2000, 100_000])
def test_allocation_adds_up_and_gives_every_recipe_a_place_when_it_can(orders: int) -> None:
    counts = Counter(recipe.name for recipe in allocate(orders))

    assert sum(counts.values()) == orders
    if orders >= len(RECIPES):
        assert set(counts) == {recipe.name for recipe in RECIPES}


def test_every_recipe_and_every_scenario_is_in_a_2000_order_world(world: World) -> None:
    kinds = Counter(label["kind"] for label in world.labels.values())
    codes = Counter(code for label in world.labels.values() for code in label["scenarios"])

    assert set(kinds) == {recipe.name for recipe in RECIPES}
    assert all(codes[code] >= 10 for code in CODES)
    assert len(world.labels) == len(world.orders) == 2000


def test_labels_list_codes_in_rule_order_and_include_multi_scenario_orders(world: World) -> None:
    for label in world.labels.values():
        assert label["scenarios"] == sorted(label["scenarios"], key=CODES.index)
    assert any(len(label["scenarios"]) > 1 for label in world.labels.values())


def test_flags_some_findings_not_most_and_a_few_stale_ones(world: World) -> None:
    findings = [label for label in world.labels.values() if label["scenarios"]]
    flagged = [label for label in findings if label["flagged"]]
    stale = [
        label
        for label in world.labels.values()
        if label["flagged"] and not label["scenarios"] and label["kind"] != "other-site"
    ]

    assert 0.1 * len(findings) < len(flagged) < 0.5 * len(findings)
    assert {code for label in flagged for code in label["scenarios"]} == set(CODES)
    assert stale and {label["kind"] for label in stale} == {"stale-flag"}


def test_labels_flagged_is_the_magento_status(world: World) -> None:
    for order in world.orders:
        flagged = order["status"] == world.site.needs_attention
        assert world.labels[order["increment_id"]]["flagged"] is flagged


def test_other_site_and_not_imported_orders_are_a_small_share(world: World) -> None:
    stores = Counter(order["store_id"] for order in world.orders)
    kinds = Counter(label["kind"] for label in world.labels.values())

    assert set(stores) == {1, 2}
    assert 40 <= stores[2] <= 80
    assert all(order["increment_id"].startswith("2") for order in world.orders if order["store_id"] == 2)
    assert 40 <= kinds["not-imported"] <= 80
    assert all(world.labels[o["increment_id"]]["scenarios"] == [] for o in world.orders if o["store_id"] == 2)


def test_world_json_summarises_the_labels_and_the_site(world: World) -> None:
    summary = json.loads((world.directory / "world.json").read_text())
    kinds = Counter(label["kind"] for label in world.labels.values())
    codes = Counter(code for label in world.labels.values() for code in label["scenarios"])

    assert summary["seed"] == 7 and summary["orders"] == 2000
    assert datetime.fromisoformat(summary["created_at"]) == NOW
    assert summary["recipes"] == dict(kinds)
    assert summary["scenarios"] == {code: codes[code] for code in CODES}
    assert summary["flagged"] == sum(label["flagged"] for label in world.labels.values())
    assert summary["site"] == {
        "store_ids": [1],
        "counterpoint_store": "WEB",
        "web_pay_codes": ["WEB", "PAYPAL"],
        "timezone": "America/New_York",
        "capture_grace_minutes": 60,
        "needs_attention": "needs_attention",
    }


def test_labels_stay_valid_until_the_first_in_grace_release_ages(world: World) -> None:
    valid_until = world.summary.labels_valid_until

    assert NOW < valid_until <= NOW + timedelta(minutes=world.site.capture_grace_minutes)
    assert (
        datetime.fromisoformat(json.loads((world.directory / "world.json").read_text())["labels_valid_until"])
        == valid_until
    )


def test_the_schema_indexes_are_created_after_the_rows(world: World) -> None:
    ddl = resources.files("c5attn.sandbox").joinpath("cp_schema.sql").read_text()
    declared = set(re.findall(r"CREATE\s+(?:UNIQUE\s+)?INDEX\s+(\w+)", ddl, re.IGNORECASE))
    present = {
        row[0]
        for row in world.db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")
        if not row[0].startswith("sqlite_autoindex")
    }

    assert present == declared


def test_an_empty_world_is_still_a_valid_world(tmp_path: Path) -> None:
    summary = build_world(tmp_path, orders=0, seed=1, now=NOW)

    assert json.loads((tmp_path / "magento-orders.json").read_text()) == []
    assert summary.recipes == {} and sum(summary.scenarios.values()) == 0
    with sqlite3.connect(tmp_path / "counterpoint.db") as db:
        assert db.execute("SELECT COUNT(*) FROM PS_DOC_HDR").fetchone() == (0,)


def test_a_naive_now_is_read_as_utc(tmp_path: Path) -> None:
    summary = build_world(tmp_path, orders=5, seed=1, now=datetime(2026, 3, 8, 12, 0, 0))

    assert summary.created_at == datetime(2026, 3, 8, 12, 0, 0, tzinfo=UTC)


def test_a_negative_size_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="-5"):
        build_world(tmp_path, orders=-5)


def test_an_unwritable_directory_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")

    with pytest.raises(C5Error, match="Could not build the sandbox world") as caught:
        build_world(blocker / "world", orders=5, now=NOW)
    assert caught.value.hint and "--dir" in caught.value.hint


@pytest.mark.parametrize("failure", [KeyboardInterrupt, OSError])
def test_an_interrupted_or_failed_build_leaves_no_temporary_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failure: type[BaseException]
) -> None:
    """Ctrl-C halfway through a big world left ``counterpoint.db.tmp`` and ``magento-orders.json.tmp``."""
    build_world(tmp_path, orders=50, seed=1, now=NOW)
    before = _digests(tmp_path)

    def fail_while_inserting(self: object, rows: object) -> None:
        raise failure("interrupted while writing the rows")

    monkeypatch.setattr(world_module._Database, "insert", fail_while_inserting)
    with pytest.raises((KeyboardInterrupt, C5Error)):
        build_world(tmp_path, orders=300, seed=2, now=NOW)

    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(FILES)
    assert _digests(tmp_path) == before  # the previous world is untouched
