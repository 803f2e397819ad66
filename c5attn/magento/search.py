"""Magento ``searchCriteria``: a typed builder and the parser the sandbox uses.

Magento reads filters from nested query-string brackets. Filters in one group are OR-ed, groups
are AND-ed (magento-api.md §1). The client always writes the schema's camelCase spelling
(``filterGroups``, ``conditionType``, ``sortOrders``, ``pageSize``, ``currentPage``); the parser
accepts that and the docs' snake_case, as Magento's REST deserializer does.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from c5attn.timeparse import magento_time

CONDITION_TYPES = frozenset(
    {
        "eq", "neq", "gt", "gteq", "lt", "lteq", "moreq", "like", "nlike", "in", "nin",
        "finset", "nfinset", "null", "notnull", "from", "to",
    }
)  # fmt: skip
DIRECTIONS = frozenset({"ASC", "DESC"})


class SearchCriteriaError(ValueError):
    """A query string that Magento would refuse; ``message``/``parameters`` use Magento's placeholders."""

    def __init__(self, message: str, parameters: dict[str, str] | list[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.parameters = parameters


@dataclass(frozen=True)
class Filter:
    """One condition on a top-level order column; ``value`` is text, as on the wire."""

    field: str
    value: str
    condition_type: str = "eq"

    def __post_init__(self) -> None:
        if self.condition_type not in CONDITION_TYPES:
            raise ValueError(f"unknown condition type {self.condition_type!r}")


@dataclass(frozen=True)
class FilterGroup:
    """Filters that Magento OR-s together; an empty group would silently match everything."""

    filters: tuple[Filter, ...]

    def __init__(self, filters: Iterable[Filter]) -> None:
        object.__setattr__(self, "filters", tuple(filters))
        if not self.filters:
            raise ValueError("a filter group needs at least one filter")


@dataclass(frozen=True)
class SortOrder:
    """A sort key; the direction is always sent because Magento's default is not ASC."""

    field: str
    direction: str

    def __post_init__(self) -> None:
        if self.direction not in DIRECTIONS:
            raise ValueError(f"sort direction must be ASC or DESC, not {self.direction!r}")


@dataclass(frozen=True)
class SearchCriteria:
    """Groups AND-ed together, sort keys, and the page to fetch (``None``: not sent)."""

    filter_groups: tuple[FilterGroup, ...] = ()
    sort_orders: tuple[SortOrder, ...] = ()
    page_size: int | None = None
    current_page: int | None = None

    def __init__(
        self,
        filter_groups: Iterable[FilterGroup] = (),
        sort_orders: Iterable[SortOrder] = (),
        page_size: int | None = None,
        current_page: int | None = None,
    ) -> None:
        object.__setattr__(self, "filter_groups", tuple(filter_groups))
        object.__setattr__(self, "sort_orders", tuple(sort_orders))
        object.__setattr__(self, "page_size", page_size)
        object.__setattr__(self, "current_page", current_page)

    def to_params(self) -> dict[str, str]:
        """The query parameters, in the schema's camelCase, ready for ``requests``' ``params``."""
        params: dict[str, str] = {}
        for g, group in enumerate(self.filter_groups):
            for f, flt in enumerate(group.filters):
                prefix = f"searchCriteria[filterGroups][{g}][filters][{f}]"
                params[f"{prefix}[field]"] = flt.field
                params[f"{prefix}[value]"] = flt.value
                params[f"{prefix}[conditionType]"] = flt.condition_type
        for s, order in enumerate(self.sort_orders):
            params[f"searchCriteria[sortOrders][{s}][field]"] = order.field
            params[f"searchCriteria[sortOrders][{s}][direction]"] = order.direction
        if self.page_size is not None:
            params["searchCriteria[pageSize]"] = str(self.page_size)
        if self.current_page is not None:
            params["searchCriteria[currentPage]"] = str(self.current_page)
        return params

    def to_echo(self) -> dict[str, object]:
        """The snake_case ``search_criteria`` object Magento echoes in a search result."""
        echo: dict[str, object] = {
            "filter_groups": [
                {
                    "filters": [
                        {"field": f.field, "value": f.value, "condition_type": f.condition_type}
                        for f in group.filters
                    ]
                }
                for group in self.filter_groups
            ]
        }
        if self.sort_orders:
            echo["sort_orders"] = [{"field": s.field, "direction": s.direction} for s in self.sort_orders]
        if self.page_size is not None:
            echo["page_size"] = self.page_size
        if self.current_page is not None:
            echo["current_page"] = self.current_page
        return echo

    def with_page(self, page_size: int, current_page: int) -> SearchCriteria:
        """The same search, asking for one page."""
        return SearchCriteria(self.filter_groups, self.sort_orders, page_size, current_page)


_KEY = re.compile(r"searchCriteria((?:\[[^\[\]]*\])+)$")
_SEGMENT = re.compile(r"\[([^\[\]]*)\]")
_ALIASES = {
    "filterGroups": "filter_groups",
    "sortOrders": "sort_orders",
    "pageSize": "page_size",
    "currentPage": "current_page",
    "conditionType": "condition_type",
}


def order_filters(*, since: datetime | None = None, status: str | None = None) -> list[FilterGroup]:
    """Filter groups (AND-ed) for orders updated since a time and at a status; the client adds
    the site's store ids."""
    groups = []
    if since is not None:
        groups.append(FilterGroup((Filter("updated_at", magento_time(since), "gteq"),)))
    if status is not None:
        groups.append(FilterGroup((Filter("status", status, "eq"),)))
    return groups


def _snake(name: str) -> str:
    return _ALIASES.get(name, name)


def _index(text: str) -> int:
    if not text.isdigit():
        raise SearchCriteriaError('The "%1" value\'s type is invalid. The "int" type was expected.', [text])
    return int(text)


def _page_number(values: dict[str, str], name: str) -> int | None:
    if name not in values:
        return None
    text = values[name].strip()
    if not re.fullmatch(r"-?\d+", text):
        raise SearchCriteriaError(
            'The "%1" value\'s type is invalid. The "int" type was expected. Verify and try again.', [text]
        )
    return int(text)


def parse_search_criteria(query_pairs: Iterable[tuple[str, str]]) -> SearchCriteria:
    """Rebuild a ``SearchCriteria`` from query pairs spelled in camelCase or snake_case.

    Keys that do not start with ``searchCriteria`` (``fields``, OAuth parameters) are ignored;
    indices may be sparse and come in any order. Raises ``SearchCriteriaError`` for what
    Magento would answer with a 400.
    """
    filters: dict[int, dict[int, dict[str, str]]] = {}
    sorts: dict[int, dict[str, str]] = {}
    scalars: dict[str, str] = {}
    for key, value in query_pairs:
        match = _KEY.match(key)
        if not match:
            continue
        path = [_snake(part) for part in _SEGMENT.findall(match.group(1))]
        if len(path) == 5 and path[0] == "filter_groups" and path[2] == "filters":
            slot = filters.setdefault(_index(path[1]), {}).setdefault(_index(path[3]), {})
            slot[path[4]] = value
        elif len(path) == 3 and path[0] == "sort_orders":
            sorts.setdefault(_index(path[1]), {})[path[2]] = value
        elif len(path) == 1 and path[0] in ("page_size", "current_page"):
            scalars[path[0]] = value
    groups = [
        FilterGroup(_filter(parts) for _, parts in sorted(group.items()))
        for _, group in sorted(filters.items())
    ]
    orders = [_sort_order(parts) for _, parts in sorted(sorts.items())]
    return SearchCriteria(
        groups, orders, _page_number(scalars, "page_size"), _page_number(scalars, "current_page")
    )


def _filter(parts: dict[str, str]) -> Filter:
    if not parts.get("field"):
        raise SearchCriteriaError('"%fieldName" is required. Enter and try again.', {"fieldName": "field"})
    condition = parts.get("condition_type") or "eq"
    if condition not in CONDITION_TYPES:
        raise SearchCriteriaError('Invalid condition type "%1".', [condition])
    return Filter(parts["field"], parts.get("value", ""), condition)


def _sort_order(parts: dict[str, str]) -> SortOrder:
    if not parts.get("field"):
        raise SearchCriteriaError('"%fieldName" is required. Enter and try again.', {"fieldName": "field"})
    direction = (parts.get("direction") or "DESC").upper()
    if direction not in DIRECTIONS:
        raise SearchCriteriaError(
            'Sort order "%1" is invalid. Enter a valid sort order and try again.',
            [parts.get("direction", "")],
        )
    return SortOrder(parts["field"], direction)
