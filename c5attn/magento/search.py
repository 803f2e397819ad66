"""Magento ``searchCriteria``: a typed builder of the query parameters the client sends.

Magento reads filters from nested query-string brackets. Filters in one group are OR-ed, groups
are AND-ed (magento-api.md §1). The client always writes the schema's camelCase spelling
(``filterGroups``, ``conditionType``, ``sortOrders``, ``pageSize``, ``currentPage``). How Magento
reads them is the sandbox's own port (``c5attn.sandbox.search_criteria``), kept apart on purpose.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from c5attn.timeparse import magento_time

# Not "moreq": Adobe's docs list it, but Magento's MySQL adapter does not know it and compares "=".
CONDITION_TYPES = frozenset(
    {
        "eq", "neq", "gt", "gteq", "lt", "lteq", "like", "nlike", "in", "nin",
        "finset", "nfinset", "null", "notnull", "from", "to",
    }
)  # fmt: skip
DIRECTIONS = frozenset({"ASC", "DESC"})


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

    def with_page(self, page_size: int, current_page: int) -> SearchCriteria:
        """The same search, asking for one page."""
        return SearchCriteria(self.filter_groups, self.sort_orders, page_size, current_page)


def order_filters(*, since: datetime | None = None, status: str | None = None) -> list[FilterGroup]:
    """Filter groups (AND-ed) for orders updated since a time and at a status; the client adds
    the site's store ids."""
    groups = []
    if since is not None:
        groups.append(FilterGroup((Filter("updated_at", magento_time(since), "gteq"),)))
    if status is not None:
        groups.append(FilterGroup((Filter("status", status, "eq"),)))
    return groups
