"""The domain model: what c5attn knows about one order on each side, and what it concluded.

Plain dataclasses with no I/O, slotted (all but ``Classification``, whose evidence is a cached
property). Adapters (``c5attn.magento``, ``c5attn.counterpoint``) build them; the scenario engine
(``c5attn.classify``) reads them. Treat them as immutable: nothing changes one after its builder
hands it out. They are not ``frozen``: a frozen dataclass sets each field through
``object.__setattr__``, and a scan builds some 15 of them per order (measured: ~18 µs of a scan's
~100 µs per order, docs/performance.md). Quantities and money are ``Decimal``; times are
timezone-aware UTC ``datetime`` (or ``None`` where the source has none).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from functools import cached_property
from typing import Literal

ZERO = Decimal(0)
# Whole quantities and amounts from 0 to 1,000, made once: most numbers of a scan are small
# integers, and a shared Decimal (it is immutable) is twice as fast to hand out as a new one.
SMALL_DECIMALS: tuple[Decimal, ...] = tuple(Decimal(n) for n in range(1001))
SMALL_DECIMAL_LIMIT = len(SMALL_DECIMALS)

DepositKind = Literal["import", "manual"]


def norm_code(value: str | None) -> str:
    """Trim and upper-case a SKU, item number, code or flag (SQL Server's usual collation)."""
    return (value or "").strip().upper()


# --- Magento ---------------------------------------------------------------------------------


@dataclass(slots=True)
class MagentoItem:
    """One row of an order's ``items``; configurable and bundle products have parent and child rows."""

    item_id: int
    sku: str
    product_type: str = "simple"
    parent_item_id: int | None = None
    parent_product_type: str | None = None  # from ``parent_item``; None when Magento left it out
    name: str = ""
    qty_ordered: Decimal = ZERO
    qty_invoiced: Decimal = ZERO
    qty_shipped: Decimal = ZERO
    qty_canceled: Decimal = ZERO
    qty_refunded: Decimal = ZERO
    price: Decimal = ZERO


@dataclass(slots=True)
class StatusHistoryEntry:
    """One order comment (``status_histories`` / ``GET /V1/orders/{id}/comments``)."""

    comment: str
    status: str | None = None
    created_at: datetime | None = None
    entity_id: int | None = None
    entity_name: str | None = None
    is_customer_notified: int | None = None


@dataclass(slots=True)
class MagentoOrder:
    """The parts of a Magento order that the rules and the screens use."""

    entity_id: int
    increment_id: str
    state: str
    status: str
    store_id: int | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    order_currency_code: str = ""
    grand_total: Decimal = ZERO
    total_invoiced: Decimal = ZERO
    total_paid: Decimal = ZERO
    total_refunded: Decimal = ZERO
    total_canceled: Decimal = ZERO
    payment_method: str | None = None
    items: tuple[MagentoItem, ...] = ()
    # A tuple, or a sequence that parses Magento's JSON on first use (``c5attn.magento.parse``).
    status_histories: Sequence[StatusHistoryEntry] = ()

    @property
    def rule_state(self) -> str:
        """The state as the rules compare it: trimmed and lower-case (an extension's " Complete ")."""
        return self.state.strip().lower()


# --- Counterpoint ----------------------------------------------------------------------------


@dataclass(slots=True)
class TicketLine:
    """A line of a release ticket (``PS_DOC_LIN`` or ``PS_TKT_HIST_LIN``)."""

    item_no: str
    lin_typ: str
    qty_sold: Decimal


@dataclass(slots=True)
class ReleaseTicket:
    """A release ticket of the order, unposted (``PS_DOC_HDR``) or posted (``PS_TKT_HIST``)."""

    doc_id: int
    tkt_no: str
    posted: bool
    time: datetime | None  # UTC: RS_UTC_DT, else TKT_DT read in the site's timezone; None = aged
    lines: tuple[TicketLine, ...] = ()


@dataclass(slots=True)
class Deposit:
    """A deposit payment row (``FINAL_PMT = 'N'``); ``amount`` is signed, refunds are negative."""

    doc_id: int
    pmt_seq_no: int
    pay_cod: str
    amount: Decimal
    kind: DepositKind
    posted: bool = False


@dataclass(slots=True)
class OrderError:
    """An open row of Commerce5's order-error table (domain.md §4)."""

    err_id: int
    err_typ: str
    err_msg: str
    err_dt: datetime | None = None
    email_cnt: int = 0


@dataclass(slots=True)
class CounterpointOrder:
    """Everything Counterpoint says about one web order (domain.md §3, "Counterpoint facts")."""

    order_no: str  # the value of the site's order-number column (= Magento increment_id)
    doc_id: int
    tkt_no: str
    posted: bool  # found in PS_ORD_HIST rather than open in PS_DOC_HDR
    releases: tuple[ReleaseTicket, ...] = ()
    deposits: tuple[Deposit, ...] = ()
    canceled: bool = False
    cancel_log_seq_no: int | None = None  # the ACTIV = 'C' row that makes it canceled
    open_errors: tuple[OrderError, ...] = ()


# --- Conclusions -----------------------------------------------------------------------------


@dataclass(slots=True)
class SkuEvidence:
    """Per-SKU quantities on both sides, as the rules compared them."""

    sku: str
    ordered: Decimal
    invoiced: Decimal
    shipped: Decimal
    canceled: Decimal
    released: Decimal
    released_aged: Decimal
    price: Decimal

    def invoiceable(self, released: Decimal) -> Decimal:
        """Of ``released`` units, those Magento can still invoice: released and not invoiced, within
        what it has left to invoice (ordered, less canceled and invoiced). Not positive: none."""
        return min(released - self.invoiced, self.ordered - self.canceled - self.invoiced)

    def canceled_release(self, released: Decimal) -> Decimal:
        """Of ``released`` units not invoiced, those Magento canceled: it can never invoice them, so no
        capture settles them (Magento cancels what is left of a partly invoiced order without the
        state "canceled": the order stays processing or complete)."""
        beyond = released - (self.ordered - self.canceled)  # released past what Magento left to invoice
        return max(min(self.canceled, released - self.invoiced, beyond), ZERO)


@dataclass(slots=True)
class RuleHit:
    """One rule that fired: its scenario code, why (one sentence), and the money it puts at risk."""

    code: str
    reason: str
    money_at_risk: Decimal


@dataclass
class Classification:
    """The scenario engine's verdict on one order, finding or not."""

    order_no: str
    imported: bool
    hits: tuple[RuleHit, ...] = ()
    skus: tuple[SkuEvidence, ...] = ()
    pre_invoiced: bool = False
    import_deposits: Decimal = ZERO
    manual_deposits: Decimal = ZERO
    fingerprint: str | None = None  # set iff there is at least one hit
    # While a release is within the grace period: the fingerprint of every scenario the order will
    # show once it has aged, where that differs; a marker bearing it covers this finding too.
    settled_fingerprint: str | None = None
    # Builds ``evidence`` on first use: most orders of a scan are never shown, and the evidence
    # dictionary (every quantity as text) is a large share of classifying one.
    evidence_builder: Callable[[], dict[str, object]] = field(default=dict, repr=False, compare=False)

    @cached_property
    def evidence(self) -> dict[str, object]:
        """Why the rules fired, JSON-ready (printed by ``show`` and in ``scan --json``)."""
        return self.evidence_builder()

    @property
    def fingerprints(self) -> frozenset[str]:
        """What a flag or resolve marker may name this finding by: its fingerprint and, while a
        release is within the grace period, the one it settles to; none without a finding."""
        return frozenset(fp for fp in (self.fingerprint, self.settled_fingerprint) if fp)

    @property
    def scenarios(self) -> tuple[str, ...]:
        return tuple(hit.code for hit in self.hits)

    @property
    def scenario(self) -> str | None:
        return self.hits[0].code if self.hits else None

    @property
    def money_at_risk(self) -> Decimal:
        return max((hit.money_at_risk for hit in self.hits), default=ZERO)
