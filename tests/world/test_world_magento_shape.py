"""magento-orders.json looks like what GET /V1/orders returns (shape of the published examples)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from world_kit import NOW, World

TIME = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
FLAGS = ("customer_is_guest", "is_customer_notified", "is_visible_on_front")
MONEY = (
    "grand_total",
    "base_grand_total",
    "subtotal",
    "total_due",
    "total_invoiced",
    "total_paid",
    "total_refunded",
    "total_canceled",
)


def _walk(value: Any, path: str = "$") -> list[tuple[str, Any]]:
    """Every (path, leaf) of a JSON value."""
    if isinstance(value, dict):
        return [leaf for key, item in value.items() for leaf in _walk(item, f"{path}.{key}")]
    if isinstance(value, list):
        return [leaf for index, item in enumerate(value) for leaf in _walk(item, f"{path}[{index}]")]
    return [(path, value)]


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_the_file_is_one_json_array_written_an_order_a_line(world: World) -> None:
    text = (world.directory / "magento-orders.json").read_text()
    lines = text.splitlines()

    assert lines[0] == "[" and lines[-1] == "]"
    assert len(lines) == len(world.orders) + 2
    assert json.loads(lines[1].rstrip(",")) == world.orders[0]


def test_no_nulls_no_booleans_and_0_1_flags(world: World) -> None:
    for order in world.orders:
        leaves = _walk(order)
        assert not [path for path, leaf in leaves if leaf is None or isinstance(leaf, bool)]
        for path, leaf in leaves:
            if path.rsplit(".", 1)[-1] in FLAGS:
                assert leaf in (0, 1), path


def test_required_keys_numbers_as_numbers_and_utc_times(world: World) -> None:
    for order in world.orders:
        assert {
            "grand_total",
            "base_grand_total",
            "customer_email",
            "items",
            "entity_id",
            "increment_id",
            "store_id",
            "state",
            "status",
            "created_at",
            "updated_at",
            "payment",
            "status_histories",
        } <= set(order)
        assert order["order_currency_code"] == order["base_currency_code"] == "USD"
        assert re.fullmatch(r"\d{9}", order["increment_id"])
        for key in MONEY:
            if key in order:
                assert isinstance(order[key], int | float) and order[key] >= 0, key
        assert TIME.match(order["created_at"]) and TIME.match(order["updated_at"])
        assert order["created_at"] <= order["updated_at"] <= NOW.strftime("%Y-%m-%d %H:%M:%S")
        for item in order["items"]:
            assert {
                "item_id",
                "order_id",
                "sku",
                "name",
                "product_type",
                "qty_ordered",
                "price",
                "row_total",
            } <= set(item)
            assert item["order_id"] == order["entity_id"]
        assert order["payment"]["amount_ordered"] == order["grand_total"]


def test_totals_left_out_until_magento_sets_them(world: World) -> None:
    never_invoiced = [o for o in world.orders if all(i.get("qty_invoiced", 0) == 0 for i in o["items"])]
    invoiced = [o for o in world.orders if o not in never_invoiced]

    assert never_invoiced and invoiced
    assert not [o["increment_id"] for o in never_invoiced if "total_invoiced" in o or "total_paid" in o]
    assert all("total_invoiced" in o for o in invoiced)


def test_configurable_products_have_a_parent_row_and_a_child_row(world: World) -> None:
    pairs = 0
    for order in world.orders:
        rows = {item["item_id"]: item for item in order["items"]}
        for item in order["items"]:
            parent = rows.get(item.get("parent_item_id"))
            if parent and parent["product_type"] == "configurable":
                pairs += 1
                assert item["product_type"] == "simple"
                assert item["sku"] == parent["sku"] and item["qty_ordered"] == parent["qty_ordered"]
                assert item["parent_item"] == parent
                assert parent["price"] > 0 and item["price"] == 0
    assert pairs >= 100


def test_bundles_have_a_parent_row_and_priced_children(world: World) -> None:
    bundles = 0
    for order in world.orders:
        parents = {item["item_id"]: item for item in order["items"] if item["product_type"] == "bundle"}
        for parent_id, parent in parents.items():
            bundles += 1
            children = [item for item in order["items"] if item.get("parent_item_id") == parent_id]
            assert len(children) >= 2
            assert all(child["parent_item"] == parent and child["price"] > 0 for child in children)
            assert parent["sku"] not in {child["sku"] for child in children}
    assert bundles >= 50


def test_status_histories_are_commerce5_order_comments_newest_first(world: World) -> None:
    imported = [
        o
        for o in world.orders
        if any(h["comment"].startswith("Order imported into Counterpoint") for h in o["status_histories"])
    ]
    assert len(imported) > 1500
    for order in world.orders:
        times = [history["created_at"] for history in order["status_histories"]]
        assert times == sorted(times, reverse=True)
        for history in order["status_histories"]:
            assert history["entity_name"] == "order" and history["parent_id"] == order["entity_id"]
        if order["status"] == world.site.needs_attention:
            assert order["status_histories"][0]["comment"].startswith("Needs Attention:")
            assert order["status_histories"][0]["status"] == world.site.needs_attention


def test_orders_are_recent_except_the_old_recipes(world: World) -> None:
    for order in world.orders:
        kind = world.labels[order["increment_id"]]["kind"]
        created, updated = _time(order["created_at"]), _time(order["updated_at"])
        if kind.startswith("old-"):
            assert updated < NOW - timedelta(days=30), order["increment_id"]
        else:
            assert created >= NOW - timedelta(days=25), order["increment_id"]


def test_entity_ids_follow_placing_order(world: World) -> None:
    by_id = sorted(world.orders, key=lambda order: order["entity_id"])

    assert [o["entity_id"] for o in by_id] == list(range(1, len(by_id) + 1))
    assert [o["created_at"] for o in by_id] == sorted(o["created_at"] for o in by_id)
