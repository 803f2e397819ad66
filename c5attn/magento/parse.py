"""Magento JSON → the shared domain model (``c5attn.models``).

Tolerant by design (SOURCES.md, "Shapes vs. the 2.4.8 swagger"): Magento leaves out keys whose
value is null, sends flags as 0/1, and money as a JSON integer when it is whole, so a missing
number is 0 and every number goes through ``str`` into ``Decimal``. Only what identifies an order
(``entity_id``) is mandatory; without it the answer is not an order at all.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, overload

from c5attn.errors import MagentoServerError
from c5attn.models import (
    SMALL_DECIMAL_LIMIT,
    SMALL_DECIMALS,
    ZERO,
    MagentoItem,
    MagentoOrder,
    StatusHistoryEntry,
)

ITEM_FIELDS = (
    "item_id,sku,name,product_type,parent_item_id,parent_item[product_type],"
    "qty_ordered,qty_invoiced,qty_shipped,qty_canceled,qty_refunded,price"
)
HISTORY_FIELDS = "entity_id,comment,status,created_at,entity_name,is_customer_notified"
# The fields of one order that ``parse_order`` reads (for ``GET /V1/orders/{id}?fields=``).
ORDER_FIELDS = (
    "entity_id,increment_id,store_id,state,status,created_at,updated_at,order_currency_code,"
    "grand_total,total_invoiced,total_paid,total_refunded,total_canceled,payment[method],"
    f"items[{ITEM_FIELDS}],status_histories[{HISTORY_FIELDS}]"
)
# A scan's ``fields``: the order fields inside ``items[...]``, and ``total_count`` for paging.
SCAN_FIELDS = f"items[{ORDER_FIELDS}],total_count"

_BAD_ANSWER_HINT = "Magento's answer is not the order JSON it documents: check magento_url"


def parse_time(value: object) -> datetime | None:
    """Magento's ``YYYY-MM-DD HH:MM:SS`` (stored in UTC, no zone) as an aware UTC datetime."""
    if value is None or value == "":
        return None
    text = value if type(value) is str else str(value)
    if len(text) == 19:  # the usual form: read with its zone, ~7x faster than .replace(tzinfo=UTC)
        try:
            return datetime.fromisoformat(text + "+00:00")
        except ValueError:
            pass  # the general path below decides
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise MagentoServerError(f"Magento sent an unreadable time {value!r}", _BAD_ANSWER_HINT) from exc
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _decimal(value: object) -> Decimal:
    if type(value) is int:  # the common case (whole amounts, quantities): exact, no text round trip
        return SMALL_DECIMALS[value] if 0 <= value < SMALL_DECIMAL_LIMIT else Decimal(value)
    if value is None or value == "":
        return ZERO
    try:
        return Decimal(str(value))
    except InvalidOperation as exc:
        raise MagentoServerError(f"Magento sent an unreadable number {value!r}", _BAD_ANSWER_HINT) from exc


def _int(value: object) -> int | None:
    if type(value) is int:  # the common case; a bool is not an int here, as before
        return value
    if value is None or value == "":
        return None
    try:
        return int(str(value))
    except ValueError as exc:
        raise MagentoServerError(f"Magento sent an unreadable integer {value!r}", _BAD_ANSWER_HINT) from exc


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _required_int(obj: Mapping[str, Any], key: str, what: str) -> int:
    number = _int(obj.get(key))
    if number is None:
        raise MagentoServerError(f"Magento sent {what} without {key}", _BAD_ANSWER_HINT)
    return number


# The parsers below run for every order of a scan (~1 KB of JSON each): they read each key once
# through a local ``get`` and pass fields by position, in the order ``c5attn.models`` declares.
# Their input is decoded JSON, so a JSON object is a ``dict``.


def parse_history(obj: Mapping[str, Any]) -> StatusHistoryEntry:
    """One ``status_histories`` entry (or an item of ``GET /V1/orders/{id}/comments``)."""
    get = obj.get
    return StatusHistoryEntry(
        _text(get("comment")),  # comment
        get("status") or None,  # status
        parse_time(get("created_at")),  # created_at
        _int(get("entity_id")),  # entity_id
        get("entity_name") or None,  # entity_name
        _int(get("is_customer_notified")),  # is_customer_notified
    )


class _Comments(Sequence[StatusHistoryEntry]):
    """An order's ``status_histories``, parsed on first use.

    A scan reads the comments of the orders it reports (about one in six) only; parsing every
    order's took ~2 µs of ``parse_order``'s ~10 (docs/performance.md). A malformed comment is
    therefore reported when the comments are read, not when the order is.
    """

    __slots__ = ("_entries", "_raw")

    def __init__(self, raw: list[Any]) -> None:
        self._raw = raw
        self._entries: tuple[StatusHistoryEntry, ...] | None = None

    def _parsed(self) -> tuple[StatusHistoryEntry, ...]:
        if self._entries is None:
            self._entries = tuple([parse_history(h) for h in self._raw if isinstance(h, dict)])
            self._raw = []
        return self._entries

    @overload
    def __getitem__(self, index: int) -> StatusHistoryEntry: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[StatusHistoryEntry, ...]: ...

    def __getitem__(self, index: int | slice) -> StatusHistoryEntry | tuple[StatusHistoryEntry, ...]:
        return self._parsed()[index]

    def __len__(self) -> int:
        return len(self._parsed())

    def __iter__(self) -> Iterator[StatusHistoryEntry]:
        return iter(self._parsed())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, _Comments | tuple):  # equal as the tuple it stands for would be
            return self._parsed() == tuple(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # equal to a tuple, so not hashable like one

    def __repr__(self) -> str:  # never parses: a repr must not fail on a malformed comment
        if self._entries is None:
            return f"<{len(self._raw)} comments, not parsed yet>"
        return repr(self._entries)


def _parse_item(obj: Mapping[str, Any]) -> MagentoItem:
    """One item row. Its parent's type as ``parent_item`` gives it: when Magento leaves that out,
    ``classify.counted_items`` finds the parent's row by ``parent_item_id``."""
    get = obj.get
    parent = get("parent_item")
    return MagentoItem(
        _required_int(obj, "item_id", "an order item"),  # item_id
        _text(get("sku")),  # sku
        get("product_type") or "simple",  # product_type
        _int(get("parent_item_id")),  # parent_item_id
        parent.get("product_type") if isinstance(parent, dict) else None,  # parent_product_type
        _text(get("name")),  # name
        _decimal(get("qty_ordered")),  # qty_ordered
        _decimal(get("qty_invoiced")),  # qty_invoiced
        _decimal(get("qty_shipped")),  # qty_shipped
        _decimal(get("qty_canceled")),  # qty_canceled
        _decimal(get("qty_refunded")),  # qty_refunded
        _decimal(get("price")),  # price
    )


def parse_order(obj: Mapping[str, Any]) -> MagentoOrder:
    """An order object as ``GET /V1/orders/{id}`` or a search page's ``items`` returns it.

    ``status_histories`` keep Magento's order (newest first, as the order endpoints send them).
    """
    if not isinstance(obj, dict):
        raise MagentoServerError("Magento sent something other than an order object", _BAD_ANSWER_HINT)
    get = obj.get
    payment = get("payment")
    histories = get("status_histories")
    return MagentoOrder(
        _required_int(obj, "entity_id", "an order"),  # entity_id
        _text(get("increment_id")),  # increment_id
        _text(get("state")),  # state
        _text(get("status")),  # status
        _int(get("store_id")),  # store_id
        parse_time(get("created_at")),  # created_at
        parse_time(get("updated_at")),  # updated_at
        _text(get("order_currency_code")),  # order_currency_code
        _decimal(get("grand_total")),  # grand_total
        _decimal(get("total_invoiced")),  # total_invoiced
        _decimal(get("total_paid")),  # total_paid
        _decimal(get("total_refunded")),  # total_refunded
        _decimal(get("total_canceled")),  # total_canceled
        (payment.get("method") or None) if isinstance(payment, dict) else None,  # payment_method
        tuple([_parse_item(item) for item in get("items") or () if isinstance(item, dict)]),  # items
        _Comments(histories) if isinstance(histories, list) and histories else (),  # status_histories
    )
