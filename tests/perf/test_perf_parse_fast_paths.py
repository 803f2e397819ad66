"""parse_order's fast paths for JSON integers give exactly what the text round trip gave."""

from __future__ import annotations

from decimal import Decimal

import pytest

from c5attn.errors import MagentoServerError
from c5attn.magento.parse import parse_order


def test_integer_amounts_and_ids_parse_as_before() -> None:
    order = parse_order(
        {"entity_id": 7, "increment_id": "000000007", "store_id": 1, "grand_total": 120, "total_paid": 0.5,
         "items": [{"item_id": 3, "sku": "A", "qty_ordered": 2, "price": 60}]}
    )  # fmt: skip
    assert (order.entity_id, order.store_id) == (7, 1)
    assert str(order.grand_total) == str(Decimal("120")) == "120"
    assert str(order.total_paid) == "0.5"
    item = order.items[0]
    assert (item.item_id, str(item.qty_ordered), str(item.price)) == (3, "2", "60")


def test_a_boolean_is_still_not_an_integer_id() -> None:
    with pytest.raises(MagentoServerError, match="unreadable integer"):
        parse_order({"entity_id": True, "increment_id": "1"})
