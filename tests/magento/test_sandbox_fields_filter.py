"""The sandbox's port of Magento's ``FieldsFilter``: what a client meets when it asks for ``fields``."""

from __future__ import annotations

from typing import Any

import pytest

from c5attn.sandbox.fields_filter import filtered, parse

ORDER: dict[str, Any] = {
    "entity_id": 1,
    "status": "processing",
    "payment": {"method": "checkmo", "amount_paid": 5},
    "items": [
        {"item_id": 10, "sku": "A", "parent_item": {"product_type": "configurable", "sku": "P"}},
        {"item_id": 11, "sku": "B"},
    ],
    "status_histories": [],
    "grand_total": 5,
}
SEARCH: dict[str, Any] = {"items": [ORDER], "search_criteria": {"filter_groups": []}, "total_count": 1}


@pytest.mark.parametrize(
    ("result", "expression", "expected"),
    [
        # named keys, nested objects, lists filtered element by element
        (
            SEARCH,
            "items[entity_id,payment[method]],total_count",
            {"items": [{"entity_id": 1, "payment": {"method": "checkmo"}}], "total_count": 1},
        ),
        (ORDER, "items[sku,parent_item[product_type]]", {"items": [
            {"sku": "A", "parent_item": {"product_type": "configurable"}}, {"sku": "B"}]}),
        # without total_count named, there is none (the official example loses it too)
        (SEARCH, "items[entity_id]", {"items": [{"entity_id": 1}]}),
        # a bare name keeps the value whole
        (ORDER, "payment", {"payment": {"method": "checkmo", "amount_paid": 5}}),
        # an empty list, or an object that keeps nothing, becomes null, its key kept
        (ORDER, "entity_id,status_histories[comment]", {"entity_id": 1, "status_histories": None}),
        ({"payment": {"amount_paid": 5}}, "payment[method]", {"payment": None}),
        ({"items": [], "total_count": 0}, "items[entity_id],total_count", {"items": None, "total_count": 0}),
        # a bare name whose value is null, and a bracketed name of a scalar, are dropped
        ({"a": None, "b": 1}, "a,b", {"b": 1}),
        (ORDER, "status[x],entity_id", {"entity_id": 1}),
        # a name given twice keeps its last form
        (ORDER, "payment[method],payment", {"payment": {"method": "checkmo", "amount_paid": 5}}),
        (ORDER, "payment,payment[method]", {"payment": {"method": "checkmo"}}),
        # stray commas are nothing
        (ORDER, "entity_id,,status", {"entity_id": 1, "status": "processing"}),
        # nothing kept at all: no answer (an empty body)
        (ORDER, "no_such_key", None),
        # Magento gives up on what it cannot parse: the answer is []
        (ORDER, "items[entity_id", []),
        (ORDER, "items]", []),
        (ORDER, "entity_id, status", []),
        (ORDER, "entity-id", []),
        # an empty parameter (PHP-falsy) filters nothing
        (ORDER, "", ORDER),
        (ORDER, "0", ORDER),
        (ORDER, None, ORDER),
    ],
)
def test_fields_as_magento_applies_them(result: Any, expression: str | None, expected: Any) -> None:
    assert filtered(result, expression) == expected


def test_kept_keys_come_in_the_expressions_order() -> None:
    assert list(filtered(ORDER, "status,entity_id")) == ["status", "entity_id"]


def test_parse_nests_as_magento_does() -> None:
    assert parse("items[entity_id,payment[method]],total_count") == {
        "items": {"entity_id": None, "payment": {"method": None}},
        "total_count": None,
    }
    assert parse("a b") is None and parse("") is None and parse("a]") is None
