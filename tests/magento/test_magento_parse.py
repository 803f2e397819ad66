"""Parsing Magento JSON into the domain model: every published example, and the tolerance rules."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from c5attn.classify import counted_items
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


def test_without_parent_item_the_parent_row_decides_and_numbers_may_be_strings() -> None:
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
    assert order.items[1].parent_product_type is None  # not sent: the parent's row says it
    assert counted_items(order.items) == (order.items[0],)  # a configurable's child does not count
    assert order.items[1].qty_invoiced == Decimal("1.5") and order.items[1].qty_shipped == ZERO
    assert order.items[1].product_type == "simple"  # omitted: Magento's default product type
    assert order.status_histories[0].status is None
    assert order.total_paid == ZERO and order.store_id is None and order.payment_method is None


def test_time_is_utc_aware() -> None:
    assert parse_time("2025-06-01 09:14:03") == datetime(2025, 6, 1, 9, 14, 3, tzinfo=UTC)
    assert parse_time("2025-06-01 09:14:03").tzinfo is UTC  # type: ignore[union-attr]
    # 19 characters too, but with a zone: the fast path must not misread it
    assert parse_time("2025-06-01 09:14+01") == datetime(2025, 6, 1, 8, 14, tzinfo=UTC)
    assert parse_time("2025-06-01T09:14:03+02:00") == datetime(2025, 6, 1, 7, 14, 3, tzinfo=UTC)
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


def test_comments_are_parsed_when_read_and_a_bad_one_fails_then() -> None:
    good = {"comment": "kept", "created_at": "2025-01-02 03:04:05", "entity_id": 9}
    bad = {"created_at": "later"}
    order = parse_order({"entity_id": 1, "status_histories": [good, "not a comment", bad]})
    assert "3 comments, not parsed yet" in repr(order)  # a repr never fails on them
    with pytest.raises(MagentoServerError, match="unreadable time 'later'"):
        list(order.status_histories)  # the order itself parsed: only its comments are unreadable

    order = parse_order({"entity_id": 1, "status_histories": [good, "not a comment"]})
    assert len(order.status_histories) == 1 and order.status_histories == (parse_history(good),)
    assert order.status_histories[0].entity_id == 9
    assert list(order.status_histories[:1]) == [parse_history(good)]
    assert parse_order({"entity_id": 1, "status_histories": "junk"}).status_histories == ()


def test_every_field_lands_in_its_own_model_field() -> None:
    """parse builds the models by position: a distinct value per field shows any swap."""
    order = parse_order(
        {
            "entity_id": 1,
            "increment_id": "A1",
            "state": "processing",
            "status": "pending_capture",
            "store_id": 2,
            "created_at": "2026-01-01 01:00:00",
            "updated_at": "2026-01-02 02:00:00",
            "order_currency_code": "EUR",
            "grand_total": 10,
            "total_invoiced": 11,
            "total_paid": 12,
            "total_refunded": 13,
            "total_canceled": 14,
            "payment": {"method": "checkmo"},
            "items": [
                {
                    "item_id": 3,
                    "sku": "S",
                    "name": "N",
                    "product_type": "simple",
                    "parent_item_id": 4,
                    "parent_item": {"product_type": "bundle"},
                    "qty_ordered": 1,
                    "qty_invoiced": 2,
                    "qty_shipped": 3,
                    "qty_canceled": 4,
                    "qty_refunded": 5,
                    "price": 6,
                }
            ],
            "status_histories": [
                {
                    "comment": "C",
                    "status": "holded",
                    "created_at": "2026-01-03 03:00:00",
                    "entity_id": 7,
                    "entity_name": "order",
                    "is_customer_notified": 0,
                }
            ],
        }
    )
    assert (order.entity_id, order.increment_id, order.state, order.status, order.store_id) == (
        1,
        "A1",
        "processing",
        "pending_capture",
        2,
    )
    assert (order.created_at, order.updated_at) == (
        datetime(2026, 1, 1, 1, tzinfo=UTC),
        datetime(2026, 1, 2, 2, tzinfo=UTC),
    )
    totals = [order.grand_total, order.total_invoiced, order.total_paid, order.total_refunded]
    assert [*totals, order.total_canceled] == [Decimal(n) for n in (10, 11, 12, 13, 14)]
    assert (order.order_currency_code, order.payment_method) == ("EUR", "checkmo")
    (item,) = order.items
    assert (item.item_id, item.sku, item.name, item.product_type) == (3, "S", "N", "simple")
    assert (item.parent_item_id, item.parent_product_type) == (4, "bundle")
    quantities = [item.qty_ordered, item.qty_invoiced, item.qty_shipped, item.qty_canceled]
    assert [*quantities, item.qty_refunded, item.price] == [Decimal(n) for n in (1, 2, 3, 4, 5, 6)]
    (entry,) = order.status_histories
    assert (entry.comment, entry.status, entry.entity_id, entry.entity_name) == ("C", "holded", 7, "order")
    assert (entry.created_at, entry.is_customer_notified) == (datetime(2026, 1, 3, 3, tzinfo=UTC), 0)


@pytest.mark.parametrize("number", [0, 1, 1000, 1001, -1, -1000, 10**20])
def test_whole_numbers_keep_their_value_on_both_sides_of_the_shared_table(number: int) -> None:
    item = {"item_id": 1, "qty_ordered": number}
    order = parse_order({"entity_id": 1, "grand_total": number, "items": [item]})
    assert order.grand_total == Decimal(number) and str(order.grand_total) == str(Decimal(number))
    assert order.items[0].qty_ordered == Decimal(number)
