"""searchCriteria: the camelCase the client sends, both spellings parsed, and a round trip."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st

from c5attn.magento.search import (
    CONDITION_TYPES,
    Filter,
    FilterGroup,
    SearchCriteria,
    SearchCriteriaError,
    SortOrder,
    parse_search_criteria,
)


def test_to_params_uses_the_schema_camel_case() -> None:
    criteria = SearchCriteria(
        [
            FilterGroup([Filter("status", "needs_attention"), Filter("status", "pending,processing", "in")]),
            FilterGroup([Filter("updated_at", "2025-06-01 00:00:00", "gteq")]),
        ],
        [SortOrder("entity_id", "ASC")],
        page_size=300,
        current_page=2,
    )
    assert criteria.to_params() == {
        "searchCriteria[filterGroups][0][filters][0][field]": "status",
        "searchCriteria[filterGroups][0][filters][0][value]": "needs_attention",
        "searchCriteria[filterGroups][0][filters][0][conditionType]": "eq",
        "searchCriteria[filterGroups][0][filters][1][field]": "status",
        "searchCriteria[filterGroups][0][filters][1][value]": "pending,processing",
        "searchCriteria[filterGroups][0][filters][1][conditionType]": "in",
        "searchCriteria[filterGroups][1][filters][0][field]": "updated_at",
        "searchCriteria[filterGroups][1][filters][0][value]": "2025-06-01 00:00:00",
        "searchCriteria[filterGroups][1][filters][0][conditionType]": "gteq",
        "searchCriteria[sortOrders][0][field]": "entity_id",
        "searchCriteria[sortOrders][0][direction]": "ASC",
        "searchCriteria[pageSize]": "300",
        "searchCriteria[currentPage]": "2",
    }


def test_parse_accepts_the_docs_snake_case_and_sparse_unordered_indices() -> None:
    pairs = [
        ("searchCriteria[filter_groups][5][filters][3][field]", "state"),
        ("searchCriteria[filter_groups][5][filters][3][value]", "canceled"),
        ("searchCriteria[filter_groups][2][filters][0][value]", "1,2"),
        ("searchCriteria[filter_groups][2][filters][0][field]", "store_id"),
        ("searchCriteria[filter_groups][2][filters][0][condition_type]", "in"),
        ("searchCriteria[sort_orders][0][field]", "created_at"),
        ("searchCriteria[page_size]", "20"),
        ("fields", "items[entity_id]"),
    ]
    criteria = parse_search_criteria(pairs)
    assert criteria.filter_groups == (
        FilterGroup([Filter("store_id", "1,2", "in")]),
        FilterGroup([Filter("state", "canceled", "eq")]),
    )
    assert criteria.sort_orders == (SortOrder("created_at", "DESC"),)  # Magento's default direction
    assert (criteria.page_size, criteria.current_page) == (20, None)


@pytest.mark.parametrize(
    ("pairs", "message"),
    [
        ([("searchCriteria[pageSize]", "ten")], "type is invalid"),
        ([("searchCriteria[filterGroups][0][filters][0][value]", "x")], "is required"),
        (
            [
                ("searchCriteria[filterGroups][0][filters][0][field]", "a"),
                ("searchCriteria[filterGroups][0][filters][0][conditionType]", "around"),
            ],
            "Invalid condition type",
        ),
        (
            [
                ("searchCriteria[sortOrders][0][field]", "a"),
                ("searchCriteria[sortOrders][0][direction]", "UP"),
            ],
            "Sort order",
        ),
    ],
)
def test_parse_rejects_what_magento_rejects(pairs: list[tuple[str, str]], message: str) -> None:
    with pytest.raises(SearchCriteriaError, match=message):
        parse_search_criteria(pairs)


def test_builder_refuses_an_empty_group_and_unknown_conditions() -> None:
    with pytest.raises(ValueError, match="at least one filter"):
        FilterGroup([])
    with pytest.raises(ValueError, match="unknown condition"):
        Filter("status", "x", "equals")
    with pytest.raises(ValueError, match="ASC or DESC"):
        SortOrder("entity_id", "asc")


_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)
_filters = st.builds(
    Filter, st.from_regex(r"[a-z_]{1,12}", fullmatch=True), _text, st.sampled_from(sorted(CONDITION_TYPES))
)
_criteria = st.builds(
    SearchCriteria,
    st.lists(st.builds(FilterGroup, st.lists(_filters, min_size=1, max_size=3)), max_size=3),
    st.lists(
        st.builds(
            SortOrder, st.from_regex(r"[a-z_]{1,12}", fullmatch=True), st.sampled_from(["ASC", "DESC"])
        ),
        max_size=2,
    ),
    st.one_of(st.none(), st.integers(min_value=0, max_value=10_000)),
    st.one_of(st.none(), st.integers(min_value=0, max_value=10_000)),
)


def _snake_keys(params: dict[str, str]) -> list[tuple[str, str]]:
    names = {
        "filterGroups": "filter_groups",
        "conditionType": "condition_type",
        "sortOrders": "sort_orders",
        "pageSize": "page_size",
        "currentPage": "current_page",
    }
    pairs = []
    for key, value in params.items():
        for camel, snake in names.items():
            key = key.replace(f"[{camel}]", f"[{snake}]")
        pairs.append((key, value))
    return pairs


@given(_criteria)
def test_round_trip_through_both_spellings(criteria: SearchCriteria) -> None:
    params = criteria.to_params()
    assert parse_search_criteria(params.items()) == criteria
    on_the_wire = parse_qsl(urlencode(params), keep_blank_values=True)  # what the sandbox receives
    assert parse_search_criteria(on_the_wire) == criteria
    assert parse_search_criteria(reversed(_snake_keys(params))) == criteria
