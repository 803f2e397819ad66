"""The ``fields`` partial-response syntax, as the client composes and checks it."""

from __future__ import annotations

import pytest

from c5attn.magento.fields import FieldsSyntaxError, parse_fields
from c5attn.magento.parse import SCAN_FIELDS


def test_scan_fields_parse_into_the_nested_tree_a_scan_needs() -> None:
    tree = parse_fields(SCAN_FIELDS)
    assert set(tree) == {"items", "total_count"}
    order = tree["items"]
    assert order is not None
    assert order["payment"] == {"method": None}
    assert order["items"] is not None and order["items"]["parent_item"] == {"product_type": None}
    assert order["status_histories"] is not None and "comment" in order["status_histories"]


def test_a_bare_name_keeps_the_whole_value_even_when_also_named_with_brackets() -> None:
    assert parse_fields("payment[method],payment") == {"payment": None}


@pytest.mark.parametrize("expression", ["items[entity_id", "items]", "a,,b", "", "items[]", "a b"])
def test_malformed_expressions_are_refused(expression: str) -> None:
    with pytest.raises(FieldsSyntaxError):
        parse_fields(expression)
