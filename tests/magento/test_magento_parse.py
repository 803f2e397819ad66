"""Parsing Magento JSON into the domain model: every published example, and the tolerance rules."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from c5attn.errors import MagentoServerError
from c5attn.magento.parse import parse_history, parse_order, parse_time
from c5attn.models import ZERO

FIXTURES = Path(__file__).parent / "fixtures"


def _load(name: str) -> object:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def test_published_order_parses_with_parent_types_from_nested_parent_item() -> None:
    order = parse_order(_load("order-get-response.json"))  # type: ignore[arg-type]
    assert (order.entity_id, order.increment_id, order.state, order.status) == (
        3,
        "000000003",
        "new",
        "pending",
    )
    assert order.created_at == datetime(2017, 8, 21, 22, 22, 19, tzinfo=UTC)
    assert order.grand_total == Decimal(165) and order.payment_method == "banktransfer"
    by_id = {item.item_id: item for item in order.items}
    assert len(by_id) == 9
    assert by_id[5].product_type == "bundle" and by_id[5].parent_item_id is None
    assert [by_id[i].parent_product_type for i in (6, 7, 8, 9)] == ["bundle"] * 4
    assert by_id[11].parent_item_id == 10 and by_id[11].parent_product_type == "configurable"
    assert by_id[3].qty_ordered == Decimal(1) and by_id[3].price == Decimal(22)
    assert order.status_histories == ()


def test_published_search_page_with_fields_parses_to_bare_orders() -> None:
    body = _load("orders-search-fields-response.json")
    orders = [parse_order(item) for item in body["items"]]  # type: ignore[index]
    assert [(o.entity_id, o.increment_id) for o in orders] == [
        (3003, "WA0003003"),
        (3140, "WA0003140"),
        (9435, "WA0009435"),
    ]
    assert all(o.state == "" and o.items == () and o.grand_total == ZERO for o in orders)


def test_published_comments_parse() -> None:
    listed = _load("order-comments-get-response.json")
    (entry,) = [parse_history(item) for item in listed["items"]]  # type: ignore[index]
    assert entry.comment == "Contacted the customer to confirm the delivery window."
    assert (entry.status, entry.entity_id, entry.entity_name, entry.is_customer_notified) == (
        "processing",
        12,
        "order",
        1,
    )
    assert entry.created_at == datetime(2026, 7, 20, 14, 32, 10, tzinfo=UTC)
    posted = parse_history(_load("order-comment-add-request.json")["statusHistory"])  # type: ignore[index]
    assert posted.comment == entry.comment and posted.created_at is None


def test_parent_type_falls_back_to_the_parent_row_and_numbers_may_be_strings() -> None:
    order = parse_order(
        {
            "entity_id": "7",
            "items": [
                {"item_id": 1, "sku": "CFG", "product_type": "configurable", "qty_ordered": "2.0000"},
                {"item_id": 2, "sku": "CFG", "parent_item_id": 1, "qty_invoiced": 1.5, "price": "0"},
            ],
            "status_histories": [{"comment": "a", "status": None, "created_at": "2025-01-02 03:04:05"}],
        }
    )
    assert order.entity_id == 7
    assert order.items[0].qty_ordered == Decimal("2.0000")
    assert order.items[1].parent_product_type == "configurable"
    assert order.items[1].qty_invoiced == Decimal("1.5") and order.items[1].qty_shipped == ZERO
    assert order.items[1].product_type == "simple"  # omitted: Magento's default product type
    assert order.status_histories[0].status is None
    assert order.total_paid == ZERO and order.store_id is None and order.payment_method is None


def test_time_is_utc_aware() -> None:
    assert parse_time("2025-06-01 09:14:03") == datetime(2025, 6, 1, 9, 14, 3, tzinfo=UTC)
    assert parse_time(None) is None and parse_time("") is None


@pytest.mark.parametrize(
    "payload",
    [
        {"increment_id": "1"},
        {"entity_id": "abc"},
        {"entity_id": 1, "grand_total": "lots"},
        {"entity_id": 1, "created_at": "yesterday"},
        {"entity_id": 1, "items": [{"sku": "no id"}]},
    ],
)
def test_what_is_not_an_order_is_a_server_error(payload: dict[str, object]) -> None:
    with pytest.raises(MagentoServerError):
        parse_order(payload)
