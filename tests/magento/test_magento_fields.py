"""The ``fields`` partial-response syntax, as the sandbox applies it."""

from __future__ import annotations

import pytest

from c5attn.magento.fields import FieldsSyntaxError, apply_fields, parse_fields
from c5attn.magento.parse import SCAN_FIELDS


def test_scan_fields_parse_into_the_nested_tree_a_scan_needs() -> None:
    tree = parse_fields(SCAN_FIELDS)
    assert set(tree) == {"items", "total_count"}
    order = tree["items"]
    assert order is not None
    assert order["payment"] == {"method": None}
    assert order["items"] is not None and order["items"]["parent_item"] == {"product_type": None}
    assert order["status_histories"] is not None and "comment" in order["status_histories"]


def test_apply_keeps_named_keys_filters_lists_and_nested_objects() -> None:
    result = {
        "items": [
            {
                "entity_id": 1,
                "status": "x",
                "payment": {"method": "checkmo", "cc_last4": None},
                "grand_total": 5,
            },
            {"entity_id": 2, "status": "y", "payment": {"method": "free"}},
        ],
        "search_criteria": {"filter_groups": []},
        "total_count": 2,
    }
    kept = apply_fields(result, parse_fields("items[entity_id,payment[method]],total_count"))
    assert kept == {
        "items": [
            {"entity_id": 1, "payment": {"method": "checkmo"}},
            {"entity_id": 2, "payment": {"method": "free"}},
        ],
        "total_count": 2,
    }
    assert apply_fields(result, parse_fields("items[entity_id]")) == {
        "items": [{"entity_id": 1}, {"entity_id": 2}]
    }


def test_a_bare_name_keeps_the_whole_value_even_when_also_named_with_brackets() -> None:
    assert parse_fields("payment[method],payment") == {"payment": None}


@pytest.mark.parametrize("expression", ["items[entity_id", "items]", "a,,b", "", "items[]", "a b"])
def test_malformed_expressions_are_refused(expression: str) -> None:
    with pytest.raises(FieldsSyntaxError):
        parse_fields(expression)
