"""How Magento reads ``searchCriteria`` from a search's query string, for the sandbox.

Two steps, each a port of the code Magento runs, kept apart from the client's builder
(``c5attn.magento.search``) so that a misreading there cannot hide here:

1. PHP turns the query string into nested arrays (``c5attn.sandbox.php_query``), so that two
   spellings of one member (``filterGroups`` and ``filter_groups``) are two arrays, not one.
2. Magento's ServiceInputProcessor turns the ``searchCriteria`` array into a SearchCriteria
   (``read_search_criteria``): a member name is accepted in any spelling whose ``ucwords`` with
   ``_`` removed is the accessor's (``page_size``, ``pageSize`` and ``PageSize``, not
   ``pagesize``), an unknown one is refused, lists are taken in their order (not by index),
   numbers must be numeric and strings scalar, and a sort direction is checked as
   ``SortOrder::setDirection`` checks it.

What Magento then does with the criteria (conditions, OR within a group, the page clamp) is the
store's (``magento_store``); the condition types it does not know compare with ``=``, as
MySQL's ``prepareSqlCondition`` falls back to.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from c5attn.sandbox.magento_schema import (
    NOT_SUPPORTED,
    InputTypeError,
    accessor_of,
    ascii_upper,
    php_int,
    php_string,
)
from c5attn.sandbox.php_query import PhpArray


class SearchCriteriaError(ValueError):
    """What Magento answers with a 400; ``message``/``parameters`` as Magento sends them."""

    def __init__(self, message: str, parameters: dict[str, Any] | list[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.parameters = parameters


@dataclass(frozen=True)
class Condition:
    """One filter: a top-level field, its condition type (``eq`` when none), the value as sent."""

    field: str
    value: str | None
    condition_type: str


@dataclass(frozen=True)
class Sort:
    field: str
    direction: str | None  # None: not sent (Magento then sorts descending)


@dataclass(frozen=True)
class Criteria:
    """A SearchCriteria as Magento holds it after reading the request."""

    filter_groups: tuple[tuple[Condition, ...], ...] = ()
    sort_orders: tuple[Sort, ...] = ()
    page_size: int | None = None
    current_page: int | None = None

    def echo(self) -> dict[str, Any]:
        """The ``search_criteria`` of the answer: snake_case, members never set left out."""
        echo: dict[str, Any] = {
            "filter_groups": [
                {"filters": [_without_none(vars(c)) for c in group]} for group in self.filter_groups
            ]
        }
        if self.sort_orders:
            echo["sort_orders"] = [_without_none(vars(s)) for s in self.sort_orders]
        if self.page_size is not None:
            echo["page_size"] = self.page_size
        if self.current_page is not None:
            echo["current_page"] = self.current_page
        return echo


def _without_none(members: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in members.items() if value is not None}


DEFAULT_PAGE_SIZE_WHEN_LIMITED = 20  # Magento's webapi/validation/default_page_size
_REQUIRED = '"%fieldName" is required. Enter and try again.'
_SCRIPT = re.compile(r"<script\b[^>]*>(.*?)</script>", re.IGNORECASE | re.DOTALL)
_SORT_FIELD = re.compile(r"[A-Za-z0-9_]*")

Reader = Callable[[str, Any], Any]  # (the member's name as sent, its value) -> the value as set


def read_search_criteria(query: PhpArray, *, max_page_size: int | None = None) -> Criteria:
    """The SearchCriteria Magento builds from the ``searchCriteria`` (or ``search_criteria``)
    parameter; raises ``SearchCriteriaError`` where Magento answers 400.

    ``max_page_size``: Magento's input limits are on (``webapi/validation``): a larger page size
    is refused when read, and a search without one gets ``DEFAULT_PAGE_SIZE_WHEN_LIMITED``, which
    the answer's ``search_criteria`` then shows. (Magento 2.4's validator checks the camelCase
    spelling ``pageSize`` only; the sandbox checks every spelling, the stricter reading.)
    """
    name = next((name for name in ("searchCriteria", "search_criteria") if name in query), None)
    if name is None:
        raise SearchCriteriaError(_REQUIRED, {"fieldName": "searchCriteria"})
    readers = (
        _SEARCH_CRITERIA
        if max_page_size is None
        else {**_SEARCH_CRITERIA, "PageSize": _limited(max_page_size)}
    )
    members = _read(query[name], readers)
    default_page_size = None if max_page_size is None else DEFAULT_PAGE_SIZE_WHEN_LIMITED
    return Criteria(
        tuple(members.get("FilterGroups", ())),
        tuple(sort for sort in members.get("SortOrders", ()) if sort.field),
        members.get("PageSize", default_page_size),
        members.get("CurrentPage"),
    )


def _read(data: Any, readers: dict[str, Reader]) -> dict[str, Any]:
    """``_createFromArray``: an object's members in the order sent, each by the accessor its name
    gives (``accessor_of``). What is not an array is an object with nothing set."""
    members: dict[str, Any] = {}
    for name, value in data.items() if isinstance(data, dict) else ():
        accessor = accessor_of(str(name))
        if accessor not in readers:
            raise SearchCriteriaError(NOT_SUPPORTED, {"fieldName": accessor})
        members[accessor] = readers[accessor](str(name), value)
    return members


def _converted(convert: Callable[[str, Any], Any]) -> Reader:
    """A scalar member: Magento's type conversion, then its check for script tags in text."""

    def read(name: str, value: Any) -> Any:
        try:
            converted = convert(name, value)
        except InputTypeError as exc:
            raise SearchCriteriaError(str(exc)) from None
        if isinstance(converted, str) and _SCRIPT.search(converted):
            raise SearchCriteriaError('"%field_name" does not contains valid value.', {"field_name": name})
        return converted

    return read


def _list_of(item: Callable[[Any], Any]) -> Reader:
    """A list member: an array's values in order (its keys do not matter), each an object."""

    def read(name: str, value: Any) -> list[Any]:
        if not isinstance(value, dict):
            raise SearchCriteriaError("Not all parameters valid.")
        return [item(element) for element in value.values()]

    return read


_string = _converted(php_string)
_int = _converted(php_int)


def _limited(max_page_size: int) -> Reader:
    """The page size under Magento's input limits (``SearchCriteriaValidator``)."""

    def read(name: str, value: Any) -> int:
        size: int = _int(name, value)
        if size > max_page_size:
            raise SearchCriteriaError("Maximum SearchCriteria pageSize is %max", {"max": max_page_size})
        return size

    return read


def _direction(name: str, value: Any) -> str:
    """``SortOrder::setDirection``: ASC or DESC in any case, kept upper-case."""
    direction = ascii_upper(str(_string(name, value)))
    if direction not in ("ASC", "DESC"):
        raise SearchCriteriaError(
            "The sort order has to be specified as %1 for ascending order or %2 for descending order.",
            ["ASC", "DESC"],
        )
    return direction


def _sort_field(name: str, value: Any) -> str:
    """``SortOrder::setField``: letters, digits and underscores only."""
    field = str(_string(name, value))
    if not _SORT_FIELD.fullmatch(field):
        raise SearchCriteriaError("Sort order field %1 contains restricted symbols", [field])
    return field


def _filter(data: Any) -> Condition:
    members = _read(data, {"Field": _string, "Value": _string, "ConditionType": _string})
    if not members.get("Field"):
        raise SearchCriteriaError(_REQUIRED, {"fieldName": "field"})
    return Condition(members["Field"], members.get("Value"), members.get("ConditionType") or "eq")


def _filter_group(data: Any) -> tuple[Condition, ...]:
    return tuple(_read(data, {"Filters": _list_of(_filter)}).get("Filters", ()))


def _sort_order(data: Any) -> Sort:
    """A sort key; one without a field is skipped by Magento's SortingProcessor."""
    members = _read(data, {"Field": _sort_field, "Direction": _direction})
    return Sort(members.get("Field", ""), members.get("Direction"))


_SEARCH_CRITERIA: dict[str, Reader] = {
    "FilterGroups": _list_of(_filter_group),
    "SortOrders": _list_of(_sort_order),
    "PageSize": _int,
    "CurrentPage": _int,
}
