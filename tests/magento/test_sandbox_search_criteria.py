"""How the sandbox reads a search's query string: PHP's query parsing, then Magento's
ServiceInputProcessor. The PHP answers below are those of PHP 8.2's ``parse_str`` on the same
strings (the port was also compared with it on 80,000 random ones); the Magento answers follow its
2.4 source (``ServiceInputProcessor``, ``NameFinder``, ``SortOrder``, ``TypeProcessor``)."""

from __future__ import annotations

from typing import Any

import pytest

from c5attn.sandbox.php_query import MAX_INPUT_NESTING_LEVEL, MAX_INPUT_VARS, php_query
from c5attn.sandbox.search_criteria import (
    Condition,
    Criteria,
    SearchCriteriaError,
    Sort,
    read_search_criteria,
)


@pytest.mark.parametrize(
    ("query", "php"),
    [
        ("a[b][c=1", {"a": {"b": "1"}}),  # a later "[" left open: the rest is dropped
        ("g[=3", {"g_": "3"}),  # the first "[" left open: part of the name
        ("x y.z=2", {"x_y_z": "2"}),
        ("%20q=4", {"q": "4"}),
        ("a[b]x=5", {"a": {"b": "5"}}),
        ("[c]=6", {}),
        ("h]=4", {"h]": "4"}),
        ("i[a.b]=5", {"i": {"a.b": "5"}}),
        ("k=1=2", {"k": "1=2"}),
        ("l", {"l": ""}),
        ("m[]", {"m": {0: ""}}),
        ("a[ ]=3&a[0]=7", {"a": {0: "7"}}),
        ("a[%09]=1&a[%09%09]=2", {"a": {0: "1", "\t\t": "2"}}),
        ("a[0]=7&a[00]=8&a[]=9", {"a": {0: "7", "00": "8", 1: "9"}}),
        ("a[-5]=1&a[]=2", {"a": {-5: "1", -4: "2"}}),
        ("n[x][]=1&n[x][]=2", {"n": {"x": {0: "1", 1: "2"}}}),
        ("b=1&b[c]=2", {"b": {"c": "2"}}),
        ("d[e]=1&d=2", {"d": "2"}),
        ("s[b]=1&s[a]=2&s[b]=3", {"s": {"b": "3", "a": "2"}}),  # overwritten in its place
        ("a=%zz&b=%4&c=%41%2B+x", {"a": "%zz", "b": "%4", "c": "A+ x"}),
        ("d%5Be%5D=1", {"d": {"e": "1"}}),
    ],
)
def test_php_query_reads_as_php_does(query: str, php: dict[Any, Any]) -> None:
    parsed = php_query(query)
    assert parsed == php
    assert repr(parsed) == repr(php)  # the keys' order and types too


def test_php_query_limits() -> None:
    many = "&".join(f"v{i}={i}" for i in range(MAX_INPUT_VARS + 5))
    assert len(php_query(many)) == MAX_INPUT_VARS
    deep = "a" + "[x]" * MAX_INPUT_NESTING_LEVEL
    assert php_query(f"a[y]=1&{deep}=2")["a"]["y"] == "1"
    assert php_query(f"a[y]=1&{deep}[x]=2") == {}  # too deep: the whole variable goes


def read(query: str, **limits: Any) -> Criteria:
    return read_search_criteria(php_query(query), **limits)


F = "searchCriteria[filterGroups]"


@pytest.mark.parametrize(
    "query",
    [
        "searchCriteria[pageSize]=5",
        "searchCriteria[page_size]=5",
        "searchCriteria[PageSize]=5",
        "searchCriteria[page_Size]=5",
        "search_criteria[pageSize]=5",
    ],
)
def test_member_spellings_magento_accepts(query: str) -> None:
    assert read(query).page_size == 5


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("searchCriteria[pagesize]=5", "Pagesize"),
        ("searchCriteria[PAGESIZE]=5", "PAGESIZE"),
        ("searchCriteria[page_sze]=5", "PageSze"),
        (f"{F}[0][filters][0][field]=a&{F}[0][filters][0][type]=eq", "Type"),
        ("searchCriteria[0]=5", "0"),
    ],
)
def test_an_unknown_member_is_refused(query: str, field: str) -> None:
    with pytest.raises(SearchCriteriaError) as raised:
        read(query)
    assert raised.value.message == '"%fieldName" is not supported. Correct the field name and try again.'
    assert raised.value.parameters == {"fieldName": field}


def test_lists_come_in_the_order_sent_not_by_index() -> None:
    criteria = read(
        "searchCriteria[sortOrders][1][field]=created_at&searchCriteria[sortOrders][0][field]=entity_id"
        "&searchCriteria[sortOrders][0][direction]=asc"
        f"&{F}[b][filters][x][field]=status&{F}[a][filters][y][field]=state&{F}[a][filters][y][value]=new"
    )
    assert criteria.sort_orders == (Sort("created_at", None), Sort("entity_id", "ASC"))
    assert criteria.filter_groups == ((Condition("status", None, "eq"),), (Condition("state", "new", "eq"),))


def test_two_spellings_are_two_members_the_last_one_set_wins() -> None:
    query = f"{F}[0][filters][0][field]=status&searchCriteria[filter_groups][0][filters][0][field]=state"
    assert read(query).filter_groups == ((Condition("state", None, "eq"),),)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (
            "searchCriteria[pageSize]=ten",
            'Error occurred during "pageSize" processing. The "ten" value\'s type is invalid. '
            'The "int" type was expected. Verify and try again.',
        ),
        (
            f"{F}[0][filters][0][field][]=status",
            'Error occurred during "field" processing. The "array" value\'s type is invalid. '
            'The "string" type was expected. Verify and try again.',
        ),
        (f"{F}=x", "Not all parameters valid."),
        (f"{F}[0][filters][0][field]=<script>x</script>", '"%field_name" does not contains valid value.'),
        (f"{F}[0][filters][0][value]=x", '"%fieldName" is required. Enter and try again.'),
        (
            "searchCriteria[sortOrders][0][field]=a&searchCriteria[sortOrders][0][direction]=up",
            "The sort order has to be specified as %1 for ascending order or %2 for descending order.",
        ),
        ("searchCriteria[sortOrders][0][field]=a-b", "Sort order field %1 contains restricted symbols"),
        ("fields=items", '"%fieldName" is required. Enter and try again.'),
    ],
)
def test_what_magento_refuses(query: str, message: str) -> None:
    with pytest.raises(SearchCriteriaError) as raised:
        read(query)
    assert raised.value.message == message


def test_values_as_magento_converts_them() -> None:
    criteria = read(
        "searchCriteria[pageSize]= 5.9&searchCriteria[currentPage]=1e1"
        f"&{F}[0][filters][0][field]=status&{F}[1]=x"
        "&searchCriteria[sortOrders][0][direction]=asc"  # no field: Magento's sorting skips it
    )
    assert (criteria.page_size, criteria.current_page) == (5, 10)  # PHP's is_numeric, truncated
    assert criteria.filter_groups == ((Condition("status", None, "eq"),), ())  # not an array: empty
    assert criteria.sort_orders == ()
    assert read("searchCriteria=").echo() == {"filter_groups": []}


def test_input_limits() -> None:
    with pytest.raises(SearchCriteriaError) as raised:
        read("searchCriteria[page_size]=301", max_page_size=300)
    assert (raised.value.message, raised.value.parameters) == (
        "Maximum SearchCriteria pageSize is %max",
        {"max": 300},
    )
    criteria = read("searchCriteria[currentPage]=2", max_page_size=300)
    assert criteria.page_size == 20  # Magento sets its default page size, and echoes it
    assert criteria.echo() == {"filter_groups": [], "page_size": 20, "current_page": 2}


def test_the_echo_leaves_out_what_was_not_sent() -> None:
    criteria = read(f"{F}[0][filters][0][field]=status&searchCriteria[sortOrders][0][field]=entity_id")
    assert criteria.echo() == {
        "filter_groups": [{"filters": [{"field": "status", "condition_type": "eq"}]}],
        "sort_orders": [{"field": "entity_id"}],
    }


def test_php_edges_kept() -> None:
    """PHP 8.2: no element past its largest integer key; ASCII-only case changes; an out-of-range
    number saturates (or, infinite as a double, is 0) rather than failing the request."""
    assert php_query("a[9223372036854775807]=1&a[]=2") == {"a": {9223372036854775807: "1"}}
    with pytest.raises(SearchCriteriaError, match="is not supported"):
        read("searchCriteria[ſortOrders][0][field]=x")  # "ſ" is no "s" to PHP's ucwords
    with pytest.raises(SearchCriteriaError, match="has to be specified as %1"):
        read("searchCriteria[sortOrders][0][field]=x&searchCriteria[sortOrders][0][direction]=aſc")
    assert read("searchCriteria[pageSize]=99999999999999999999").page_size == 2**63 - 1
    assert read("searchCriteria[pageSize]=1e400").page_size == 0
