"""Small builders for the engine tests: one line per Magento item, ticket, deposit or error."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from c5attn.models import (
    CounterpointOrder,
    Deposit,
    DepositKind,
    MagentoItem,
    MagentoOrder,
    OrderError,
    ReleaseTicket,
    StatusHistoryEntry,
    TicketLine,
)

NOW = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)
GRACE = 60
LONG_AGO = NOW - timedelta(days=2)
CUTOFF = NOW - timedelta(minutes=GRACE)
ORDER_NO = "000000123"

_ids = itertools.count(1000)


def D(value: object) -> Decimal:
    return Decimal(str(value))


def item(
    sku: str,
    *,
    ordered: object = 1,
    invoiced: object = 0,
    shipped: object = 0,
    canceled: object = 0,
    price: object = 10,
    item_id: int | None = None,
    product_type: str = "simple",
    parent_item_id: int | None = None,
    parent_product_type: str | None = None,
) -> MagentoItem:
    return MagentoItem(
        item_id=item_id if item_id is not None else next(_ids),
        sku=sku,
        product_type=product_type,
        parent_item_id=parent_item_id,
        parent_product_type=parent_product_type,
        qty_ordered=D(ordered),
        qty_invoiced=D(invoiced),
        qty_shipped=D(shipped),
        qty_canceled=D(canceled),
        price=D(price),
    )


def order(
    *items: MagentoItem,
    state: str = "processing",
    status: str = "in_counterpoint",
    total_invoiced: object = 0,
    total_paid: object = 0,
    histories: tuple[StatusHistoryEntry, ...] = (),
    created_at: datetime | None = LONG_AGO,
    currency: str = "USD",
) -> MagentoOrder:
    return MagentoOrder(
        entity_id=42,
        increment_id=ORDER_NO,
        state=state,
        status=status,
        created_at=created_at,
        order_currency_code=currency,
        total_invoiced=D(total_invoiced),
        total_paid=D(total_paid),
        items=items,
        status_histories=histories,
    )


def ticket(
    tkt_no: str,
    *lines: tuple[str, object] | tuple[str, object, str],
    time: datetime | None = LONG_AGO,
    posted: bool = False,
    doc_id: int | None = None,
) -> ReleaseTicket:
    """A release ticket; each line is (item_no, qty) for a sale line or (item_no, qty, lin_typ)."""
    return ReleaseTicket(
        doc_id=doc_id if doc_id is not None else next(_ids),
        tkt_no=tkt_no,
        posted=posted,
        time=time,
        lines=tuple(
            TicketLine(item_no=line[0], qty_sold=D(line[1]), lin_typ=line[2] if len(line) == 3 else "S")
            for line in lines
        ),
    )


def deposit(
    amount: object, *, kind: DepositKind = "manual", pay_cod: str = "CASH", seq: int = 1, doc_id: int = 7
) -> Deposit:
    return Deposit(doc_id=doc_id, pmt_seq_no=seq, pay_cod=pay_cod, amount=D(amount), kind=kind)


def error(err_id: int, err_typ: str) -> OrderError:
    return OrderError(err_id=err_id, err_typ=err_typ, err_msg=f"{err_typ} went wrong")


def cp(
    *releases: ReleaseTicket,
    deposits: tuple[Deposit, ...] = (),
    canceled: bool = False,
    cancel_log_seq_no: int | None = None,
    errors: tuple[OrderError, ...] = (),
    posted: bool = False,
) -> CounterpointOrder:
    return CounterpointOrder(
        order_no=ORDER_NO,
        doc_id=500,
        tkt_no=ORDER_NO,
        posted=posted,
        releases=releases,
        deposits=deposits,
        canceled=canceled,
        cancel_log_seq_no=cancel_log_seq_no if cancel_log_seq_no is not None else (3 if canceled else None),
        open_errors=errors,
    )


def comment(
    text: str, *, at: datetime | None = None, entity_id: int | None = None, status: str | None = None
) -> StatusHistoryEntry:
    return StatusHistoryEntry(comment=text, status=status, created_at=at, entity_id=entity_id)
