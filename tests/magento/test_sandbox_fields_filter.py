"""The sandbox's port of Magento's ``FieldsFilter``: what a client meets when it asks for ``fields``.

The expected answers are those of Magento 2.4's own PHP code (``FieldsFilter`` with the REST
controller's guard and JSON encoding), run on the same input with PHP 8.2.
"""

from __future__ import annotations

from typing import Any

import pytest

from c5attn.sandbox.fields_filter import filtered, parse
from c5attn.sandbox.php_query import php_query

ORDER: dict[str, Any] = {
    "entity_id": 5,
    "increment_id": "000005",
    "customer_note": None,
    "state": "new",
    "payment": {"method": "checkmo", "amount": 10},
    "items": [{"sku": "A", "price": 1}, {"sku": "B"}],
    "status_histories": [],
}
SEARCH: dict[str, Any] = {"items": [ORDER], "search_criteria": {"filter_groups": []}, "total_count": 1}
EMPTY_SEARCH: dict[str, Any] = {"items": [], "search_criteria": {"filter_groups": []}, "total_count": 0}


@pytest.mark.parametrize(
    ("result", "expression", "expected"),
    [
        (SEARCH, "items[entity_id],total_count", {"items": [{"entity_id": 5}], "total_count": 1}),
        (EMPTY_SEARCH, "items[entity_id],total_count", {"items": None, "total_count": 0}),
        (SEARCH, "items[entity_id]", {"items": [{"entity_id": 5}]}),  # no total_count unless named
        # an object that keeps nothing is PHP's empty array; so is each list element that does
        (ORDER, "no_such_field", []),
        (ORDER, "payment[no_such]", {"payment": []}),
        (ORDER, "items[no_such]", {"items": [[], []]}),
        (ORDER, "items[sku,no]", {"items": [{"sku": "A"}, {"sku": "B"}]}),
        # a null or plain value is kept whole, brackets or not
        (ORDER, "customer_note", {"customer_note": None}),
        (ORDER, "customer_note[x]", {"customer_note": None}),
        (ORDER, "state[a,b]", {"state": "new"}),
        # the answer's key order; a name given twice keeps its last form
        (ORDER, "state,entity_id,payment", {"entity_id": 5, "state": "new", "payment": ORDER["payment"]}),
        (ORDER, "payment,payment[method]", {"payment": {"method": "checkmo"}}),
        (ORDER, "payment[method],payment", {"payment": ORDER["payment"]}),
        # an empty list filtered with brackets is null; named bare, it stays a list
        (ORDER, "status_histories[comment]", {"status_histories": None}),
        (ORDER, "status_histories", {"status_histories": []}),
        # the parser's quirks: stray commas are nothing, one "]" too many goes on under the key ""
        (ORDER, "entity_id,", {"entity_id": 5}),
        (ORDER, ",,entity_id", {"entity_id": 5}),
        (SEARCH, "items[entity_id]],total_count", {"total_count": 1}),
        (ORDER, "entity_id,[state]", {"entity_id": 5}),
        # what Magento cannot parse answers []
        (ORDER, "entity_id[[state]", []),
        (ORDER, "café,entity_id", []),
        (ORDER, "a b", []),
        (ORDER, "entity_id\n", []),
        # an object whose keys are all numbers is filtered element by element, keys kept
        ({"1": {"a": 1}, "2": {"a": 2, "b": 3}}, "a", {"1": {"a": 1}, "2": {"a": 2}}),
        ({"items": [[1, 2], {"a": 1}]}, "items[a]", {"items": [[], {"a": 1}]}),
        ({"x": [[5, 6]]}, "x[0]", {"x": [[5]]}),  # kept keys 0..n-1: a list again
        ({"-0": {"a": 1}}, "a", []),  # "-0" stays text in PHP: an object, and "a" is not in it
        # "00" is truthy in PHP: filtered (and unparsable); "" and "0" are not: the whole answer
        (ORDER, "00", []),
        (ORDER, "", ORDER),
        (ORDER, "0", ORDER),
    ],
)
def test_fields_as_magento_applies_them(result: Any, expression: str, expected: Any) -> None:
    assert filtered(result, {"fields": expression}) == expected


def test_kept_keys_come_in_the_answers_order() -> None:
    assert list(filtered(ORDER, {"fields": "state,entity_id"})) == ["entity_id", "state"]


def test_the_last_fields_parameter_wins_and_an_array_of_them_answers_nothing() -> None:
    assert filtered(ORDER, php_query("fields=state&fields=entity_id")) == {"entity_id": 5}
    assert filtered(ORDER, php_query("fields[]=state")) == []
    assert filtered(ORDER, php_query("fields[]=state&fields=entity_id")) == {"entity_id": 5}
    assert filtered(ORDER, {}) == ORDER
    assert filtered(ORDER, php_query("fields[=state")) == ORDER  # PHP names that "fields_": no filter
    assert filtered(True, {"fields": "state"}) is True  # only object and list answers are filtered


def test_a_list_of_plain_values_filtered_with_brackets_fails_as_in_php() -> None:
    """PHP's typed ``array`` parameter refuses a string: Magento answers 500, and so does the sandbox."""
    with pytest.raises(TypeError):
        filtered({"items": ["x", "y"]}, {"fields": "items[a]"})


def test_parse_nests_as_magento_does() -> None:
    assert parse("items[entity_id,payment[method]],total_count") == {
        "items": {"entity_id": None, "payment": {"method": None}},
        "total_count": None,
    }
    assert parse("a b") is None and parse("") is None and parse("a[b") is None
