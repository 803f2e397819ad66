"""searchCriteria: the camelCase the client sends, and what Magento reads of it (the sandbox's port
of PHP's query parsing and Magento's ServiceInputProcessor), in both spellings."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st

from c5attn.magento.search import CONDITION_TYPES, Filter, FilterGroup, SearchCriteria, SortOrder
from c5attn.sandbox.php_query import php_query
from c5attn.sandbox.search_criteria import (
    Condition,
    Criteria,
    SearchCriteriaError,
    Sort,
    read_search_criteria,
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


def _snake_case(query: str) -> str:
    for camel, snake in {
        "filterGroups": "filter_groups",
        "conditionType": "condition_type",
        "sortOrders": "sort_orders",
        "pageSize": "page_size",
        "currentPage": "current_page",
    }.items():
        query = query.replace(f"%5B{camel}%5D", f"%5B{snake}%5D")
    return query


def _as_magento_reads_it(criteria: SearchCriteria) -> Criteria:
    return Criteria(
        tuple(
            tuple(Condition(f.field, f.value, f.condition_type) for f in g.filters)
            for g in criteria.filter_groups
        ),
        tuple(Sort(s.field, s.direction) for s in criteria.sort_orders),
        criteria.page_size,
        criteria.current_page,
    )


@given(_criteria)
def test_magento_reads_what_the_client_sends_in_either_spelling(criteria: SearchCriteria) -> None:
    query = urlencode(criteria.to_params())  # as requests encodes it
    if not query:  # nothing to send: Magento wants searchCriteria
        with pytest.raises(SearchCriteriaError, match="is required"):
            read_search_criteria(php_query(query))
        return
    assert read_search_criteria(php_query(query)) == _as_magento_reads_it(criteria)
    assert read_search_criteria(php_query(_snake_case(query))) == _as_magento_reads_it(criteria)
