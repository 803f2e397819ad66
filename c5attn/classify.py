"""The scenario engine: domain.md §3 applied to one Magento order and its Counterpoint order.

Pure logic, no I/O. :func:`classify` compares per-SKU quantities on both sides, applies the five
rules in order 1→5, values what each finding puts at risk, explains it in ``evidence`` and gives
the finding a stable fingerprint (see ``_fingerprint``).

``evidence`` is JSON-ready: only str, int, bool, None, list and dict. Every quantity and amount in
it is a decimal *string* in plain notation without trailing zeros ("2", "12.5", "-25"), so nothing
is lost to floats; times are ISO-8601 UTC strings.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import partial

from c5attn.jsontext import compact_json
from c5attn.models import (
    ZERO,
    Classification,
    CounterpointOrder,
    Deposit,
    MagentoItem,
    MagentoOrder,
    OrderError,
    ReleaseTicket,
    RuleHit,
    SkuEvidence,
    norm_code,
)
from c5attn.scenarios import SCENARIOS
from c5attn.wording import money

CONFIGURABLE = "configurable"
BUNDLE = "bundle"
TERMINAL_STATES = frozenset({"canceled", "closed"})
CAPTURE_ERROR_TYPES = frozenset({"INVOICE", "CAPTURE"})
SALE_LINE = "S"

MANUAL_INVOICE_OR_SHIP = "manual-invoice-or-ship"
CAPTURE_FAILED = "capture-failed"
RELEASED_BUT_CANCELED = "released-but-canceled"
COMPLETED_BUT_CANCELED = "completed-but-canceled"
DEPOSIT_BUT_CANCELED = "deposit-but-canceled"
RULE_ORDER = tuple(scenario.code for scenario in SCENARIOS)  # 1 → 5, as _findings applies them

FINGERPRINT_LENGTH = 16
_EVERY_RELEASE_AGED = datetime.max.replace(tzinfo=UTC)  # a cutoff that counts every release as aged
_REASON_ITEMS = 3  # SKUs named in a one-sentence reason before "and N more"


# --- Counting ----------------------------------------------------------------------------------


def _product_kind(product_type: str | None) -> str:
    return (product_type or "").strip().lower()


def counted_items(items: Sequence[MagentoItem]) -> tuple[MagentoItem, ...]:
    """The order lines whose quantities count: each product once, the way Counterpoint sees it.

    A configurable product's parent line carries the chosen child's SKU, quantities and price, so
    the parent counts and its child rows do not. A bundle is the opposite: its children are the
    real items and the parent line is skipped. The parent's type comes from
    ``parent_product_type`` or, failing that, from the parent row found by ``parent_item_id``.
    """
    kind_by_id: dict[int, str] | None = None  # built only when a child row names no parent type
    counted = []
    for item in items:
        if _product_kind(item.product_type) == BUNDLE:
            continue
        if item.parent_product_type:
            parent_kind = _product_kind(item.parent_product_type)
        elif item.parent_item_id is None:
            parent_kind = ""
        else:
            if kind_by_id is None:
                kind_by_id = {other.item_id: _product_kind(other.product_type) for other in items}
            parent_kind = kind_by_id.get(item.parent_item_id, "")
        if parent_kind != CONFIGURABLE:
            counted.append(item)
    return tuple(counted)


def _tally(tallies: dict[str, SkuEvidence], code: str) -> SkuEvidence:
    """The running per-SKU sums of ``code`` (several lines of one SKU add up)."""
    key = norm_code(code)
    tally = tallies.get(key)
    if tally is None:
        tally = tallies[key] = SkuEvidence(code.strip(), ZERO, ZERO, ZERO, ZERO, ZERO, ZERO, ZERO)
    return tally


def _magento_tallies(items: Sequence[MagentoItem]) -> dict[str, SkuEvidence]:
    """Per-SKU Magento quantities, keyed by the normalised SKU.

    Several lines of one SKU at different prices are valued at the highest of them: money at risk
    ranks findings, it does not bill anyone, and an upper bound never hides one.
    """
    tallies: dict[str, SkuEvidence] = {}
    for item in counted_items(items):
        key = norm_code(item.sku)
        tally = tallies.get(key)
        if tally is None:  # a SKU's first line (usually its only one): its figures as they are
            tallies[key] = SkuEvidence(
                item.sku.strip(),
                item.qty_ordered,
                item.qty_invoiced,
                item.qty_shipped,
                item.qty_canceled,
                ZERO,  # released
                ZERO,  # released_aged
                max(ZERO, item.price),
            )
            continue
        tally.ordered += item.qty_ordered
        tally.invoiced += item.qty_invoiced
        tally.shipped += item.qty_shipped
        tally.canceled += item.qty_canceled
        tally.price = max(tally.price, item.price)
    return tallies


def as_utc(moment: datetime) -> datetime:
    """Times in the model are UTC; a naive one is read as UTC rather than failing the comparison."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def is_aged(ticket: ReleaseTicket, cutoff: datetime) -> bool:
    """A release is old enough to expect its invoice when its time is at or before the cutoff.

    A ticket with no time at all counts as aged: it cannot be shown to be recent.
    """
    return ticket.time is None or as_utc(ticket.time) <= cutoff


def _add_releases(
    tallies: dict[str, SkuEvidence], tickets: Iterable[ReleaseTicket], cutoff: datetime
) -> None:
    """Add rel(s) and rel_aged(s): ``QTY_SOLD`` of sale lines, posted and unposted tickets alike."""
    for ticket in tickets:
        aged = is_aged(ticket, cutoff)
        for line in ticket.lines:
            if norm_code(line.lin_typ) != SALE_LINE:
                continue
            tally = _tally(tallies, line.item_no)
            tally.released += line.qty_sold
            if aged:
                tally.released_aged += line.qty_sold


# --- Evidence helpers ----------------------------------------------------------------------------


def decimal_text(value: Decimal) -> str:
    """A decimal as canonical plain text: "2.0000" and "2" both give "2" (fingerprints rely on it)."""
    if value == 0:
        return "0"
    return format(value.normalize(), "f")


def _magento_side(order: MagentoOrder) -> dict[str, object]:
    return {
        "state": order.state,
        "status": order.status,
        "total_invoiced": decimal_text(order.total_invoiced),
        "total_paid": decimal_text(order.total_paid),
    }


def _sku_row(sku: SkuEvidence, *, on_order: bool) -> dict[str, object]:
    return {
        "sku": sku.sku,
        "on_order": on_order,
        "ordered": decimal_text(sku.ordered),
        "invoiced": decimal_text(sku.invoiced),
        "shipped": decimal_text(sku.shipped),
        "canceled": decimal_text(sku.canceled),
        "released": decimal_text(sku.released),
        "released_aged": decimal_text(sku.released_aged),
        "price": decimal_text(sku.price),
    }


def _ticket_row(ticket: ReleaseTicket, cutoff: datetime) -> dict[str, object]:
    return {
        "tkt_no": ticket.tkt_no.strip(),
        "doc_id": ticket.doc_id,
        "posted": ticket.posted,
        "time": as_utc(ticket.time).isoformat() if ticket.time is not None else None,
        "aged": is_aged(ticket, cutoff),
    }


def _deposit_row(deposit: Deposit) -> dict[str, object]:
    return {
        "doc_id": deposit.doc_id,
        "pmt_seq_no": deposit.pmt_seq_no,
        "pay_cod": deposit.pay_cod.strip(),
        "amount": decimal_text(deposit.amount),
        "kind": deposit.kind,
        "posted": deposit.posted,
    }


def _error_row(error: OrderError) -> dict[str, object]:
    return {"err_id": error.err_id, "err_typ": error.err_typ.strip(), "err_msg": error.err_msg}


def _listed(parts: Sequence[str]) -> str:
    """ "a, b, c and 2 more": reasons stay one readable sentence however many SKUs there are."""
    shown = ", ".join(parts[:_REASON_ITEMS])
    more = len(parts) - _REASON_ITEMS
    return f"{shown} and {more} more" if more > 0 else shown


# --- Facts and findings --------------------------------------------------------------------------


@dataclass(slots=True)
class _Facts:
    """Both sides reduced to what the rules compare."""

    order: MagentoOrder
    cp: CounterpointOrder
    on_order: tuple[SkuEvidence, ...]  # the Magento order's counted SKUs
    released_only: tuple[SkuEvidence, ...]  # SKUs only Counterpoint released (ordered 0)
    cutoff: datetime  # releases at or before it are aged
    pre_invoiced: bool  # import deposits were made: Magento was invoiced before the import
    import_deposits: Decimal
    manual_deposits: Decimal
    state: str  # Magento's state, trimmed and lower-case

    @property
    def terminal(self) -> bool:
        return self.state in TERMINAL_STATES

    def aged_tickets(self, skus: Iterable[str]) -> list[str]:
        """The numbers of the release tickets old enough to expect their invoice that released any
        of ``skus`` (normalised): those that fired rule 2(a), not every aged ticket of the order."""
        wanted = frozenset(skus)
        return sorted(
            {
                ticket.tkt_no.strip()
                for ticket in self.cp.releases
                if is_aged(ticket, self.cutoff) and _releases_any(ticket, wanted)
            }
        )

    @property
    def releasing_tickets(self) -> list[str]:
        """The numbers of the release tickets that released anything (a sale line of a positive
        quantity): those that fire rule 3, not a ticket without sale lines (a deposit-only one)."""
        return sorted({t.tkt_no.strip() for t in self.cp.releases if _releases_any(t, None)})

    @property
    def ticket_numbers(self) -> list[str]:
        """The release ticket set, by number: posting a ticket moves it, the number stays."""
        return sorted({ticket.tkt_no.strip() for ticket in self.cp.releases})

    def quantities(self) -> list[dict[str, str]]:
        """Per-SKU quantities as the fingerprint hashes them (no aged figure: it moves with time).

        A SKU fully canceled that nothing invoiced, shipped or released is no evidence of anything:
        left out, so canceling a line never makes a resolved finding look new.
        """
        rows = [
            {
                "sku": norm_code(sku.sku),
                "ordered": decimal_text(sku.ordered),
                "invoiced": decimal_text(sku.invoiced),
                "shipped": decimal_text(sku.shipped),
                "canceled": decimal_text(sku.canceled),
                "released": decimal_text(sku.released),
            }
            for sku in (*self.on_order, *self.released_only)
            if not _inert(sku)
        ]
        return sorted(rows, key=lambda row: row["sku"])


def _releases_any(ticket: ReleaseTicket, skus: frozenset[str] | None) -> bool:
    """Whether the ticket has a sale line of a positive quantity (of one of ``skus``, if given)."""
    return any(
        norm_code(line.lin_typ) == SALE_LINE
        and line.qty_sold > 0
        and (skus is None or norm_code(line.item_no) in skus)
        for line in ticket.lines
    )


def _inert(sku: SkuEvidence) -> bool:
    """Ordered and fully canceled, with nothing invoiced, shipped or released."""
    return sku.ordered == sku.canceled and not (sku.invoiced or sku.shipped or sku.released)


@dataclass(frozen=True)
class _Finding:
    """One rule that fired, with what it shows and what its fingerprint covers."""

    code: str
    reason: str
    money_at_risk: Decimal
    evidence: dict[str, object]
    hashed: dict[str, object] = field(default_factory=dict)
    data_based: bool = True  # False only for a capture-failed hit fired by an order error alone

    def hit(self) -> RuleHit:
        return RuleHit(code=self.code, reason=self.reason, money_at_risk=self.money_at_risk)


def _release_evidence(facts: _Facts) -> dict[str, object]:
    return {"skus": facts.quantities(), "release_tickets": facts.ticket_numbers}


def _rule_manual_invoice_or_ship(facts: _Facts) -> _Finding | None:
    """Rule 1: Magento shipped (or, unless pre-invoiced, invoiced) more than Counterpoint released."""
    if facts.terminal or facts.cp.canceled:
        return None
    rows: list[dict[str, object]] = []
    parts: list[str] = []
    risk = ZERO
    for sku in facts.on_order:
        billed = sku.shipped if facts.pre_invoiced else max(sku.shipped, sku.invoiced)
        excess = billed - sku.released
        if excess <= 0:
            continue
        risk += excess * sku.price
        rows.append(
            {
                "sku": sku.sku,
                "shipped": decimal_text(sku.shipped),
                "invoiced": decimal_text(sku.invoiced),
                "released": decimal_text(sku.released),
                "excess": decimal_text(excess),
            }
        )
        parts.append(
            f"{sku.sku} shipped {decimal_text(sku.shipped)}, invoiced {decimal_text(sku.invoiced)}, "
            f"released {decimal_text(sku.released)}"
        )
    if not rows:
        return None
    what = "shipped" if facts.pre_invoiced else "invoiced or shipped"
    return _Finding(
        code=MANUAL_INVOICE_OR_SHIP,
        reason=f"Magento {what} more than Counterpoint released: {_listed(parts)}.",
        money_at_risk=risk,
        evidence={"skus": rows, "pre_invoiced": facts.pre_invoiced, "money_at_risk": decimal_text(risk)},
        hashed={**_release_evidence(facts), "pre_invoiced": facts.pre_invoiced},
    )


def _rule_capture_failed(facts: _Facts, grace_minutes: int) -> _Finding | None:
    """Rule 2: a release with no invoice, an invoice with no capture, or an invoice/capture error."""
    if facts.terminal:
        return None
    order = facts.order
    evidence: dict[str, object] = {}
    parts: list[str] = []
    risk = ZERO
    unbilled: list[dict[str, object]] = []
    unbilled_parts: list[str] = []
    unbilled_skus: list[str] = []  # normalised, for the tickets that released them
    # Pre-invoiced: Magento was invoiced before import, so releases create shipments, not invoices.
    billable = () if facts.pre_invoiced else facts.on_order
    for sku in billable:
        missing = sku.released_aged - sku.invoiced
        if missing <= 0:
            continue
        risk += missing * sku.price
        row: dict[str, object] = {
            "sku": sku.sku,
            "released_aged": decimal_text(sku.released_aged),
            "invoiced": decimal_text(sku.invoiced),
            "not_invoiced": decimal_text(missing),
        }
        part = f"{sku.sku} released {decimal_text(sku.released_aged)}, invoiced {decimal_text(sku.invoiced)}"
        canceled = sku.canceled_release(sku.released_aged)
        if canceled > 0:
            row["canceled_in_magento"] = decimal_text(canceled)
            part += f", of which Magento canceled {decimal_text(canceled)}: canceled units cannot be invoiced"
        unbilled.append(row)
        unbilled_parts.append(part)
        unbilled_skus.append(norm_code(sku.sku))
    if unbilled:
        evidence["not_invoiced"] = unbilled
        evidence["aged_tickets"] = facts.aged_tickets(unbilled_skus)
        parts.append(
            f"released over {grace_minutes} minutes ago without a Magento invoice: {_listed(unbilled_parts)}"
        )
    gap = order.total_invoiced - order.total_paid
    uncaptured = not facts.pre_invoiced and gap > 0
    if gap > 0:  # evidence whenever rule 2 fires: its money counts the unpaid invoice (below)
        evidence["not_captured"] = {
            "total_invoiced": decimal_text(order.total_invoiced),
            "total_paid": decimal_text(order.total_paid),
            "difference": decimal_text(gap),
        }
    if uncaptured:
        parts.append(
            f"Magento invoiced {decimal_text(order.total_invoiced)} but only "
            f"{decimal_text(order.total_paid)} is paid"
        )
    errors = [error for error in facts.cp.open_errors if norm_code(error.err_typ) in CAPTURE_ERROR_TYPES]
    if errors:
        evidence["open_errors"] = [_error_row(error) for error in errors]
        parts.append(
            "open Commerce5 order error "
            + ", ".join(
                f"{error.err_id} ({error.err_typ.strip()}: {error.err_msg.strip().rstrip('.')})"
                for error in errors
            )
        )
    if not parts:
        return None
    if gap > 0:  # domain.md: rule 2's money adds total_invoiced − total_paid, whatever fired it
        risk += gap
    data_based = bool(unbilled) or uncaptured
    hashed: dict[str, object]
    if data_based:
        hashed = {**_release_evidence(facts), "pre_invoiced": facts.pre_invoiced}
        if uncaptured:
            hashed["totals"] = {
                "invoiced": decimal_text(order.total_invoiced),
                "paid": decimal_text(order.total_paid),
            }
    else:
        hashed = {"open_errors": sorted(error.err_id for error in errors)}
    evidence["money_at_risk"] = decimal_text(risk)
    return _Finding(
        code=CAPTURE_FAILED,
        reason="Capture failed: " + "; ".join(parts) + ".",
        money_at_risk=risk,
        evidence=evidence,
        hashed=hashed,
        data_based=data_based,
    )


def _rule_released_but_canceled(facts: _Facts) -> _Finding | None:
    """Rule 3: canceled in Magento, yet Counterpoint released something (any item counts here)."""
    if facts.state != "canceled":
        return None
    rows: list[dict[str, object]] = []
    parts: list[str] = []
    risk = ZERO
    labelled = [(sku, True) for sku in facts.on_order] + [(sku, False) for sku in facts.released_only]
    for sku, on_order in labelled:
        if sku.released <= 0:
            continue
        risk += sku.released * sku.price  # released-only SKUs carry price 0
        rows.append({"sku": sku.sku, "released": decimal_text(sku.released), "on_order": on_order})
        parts.append(f"{decimal_text(sku.released)} × {sku.sku}")
    if not rows:
        return None
    tickets = facts.releasing_tickets
    return _Finding(
        code=RELEASED_BUT_CANCELED,
        reason=f"Magento canceled the order but Counterpoint released {_listed(parts)} "
        f"({'ticket' if len(tickets) == 1 else 'tickets'} {', '.join(tickets)}).",
        money_at_risk=risk,
        evidence={
            "released": rows,
            "release_tickets": tickets,
            "money_at_risk": decimal_text(risk),
        },
        hashed=_release_evidence(facts),
    )


def _rule_completed_but_canceled(facts: _Facts) -> _Finding | None:
    """Rule 4: complete in Magento, canceled in Counterpoint with items neither released nor canceled."""
    if facts.state != "complete" or not facts.cp.canceled:
        return None
    rows: list[dict[str, object]] = []
    parts: list[str] = []
    risk = ZERO
    for sku in facts.on_order:
        missing = sku.ordered - sku.canceled - sku.released
        if missing <= 0:
            continue
        risk += missing * sku.price
        rows.append(
            {
                "sku": sku.sku,
                "ordered": decimal_text(sku.ordered),
                "canceled": decimal_text(sku.canceled),
                "released": decimal_text(sku.released),
                "not_released": decimal_text(missing),
            }
        )
        parts.append(f"{decimal_text(missing)} × {sku.sku}")
    if not rows:
        return None
    return _Finding(
        code=COMPLETED_BUT_CANCELED,
        reason=f"Magento completed the order but Counterpoint canceled it without releasing "
        f"{_listed(parts)}.",
        money_at_risk=risk,
        evidence={
            "not_released": rows,
            "cancel_log_seq_no": facts.cp.cancel_log_seq_no,
            "money_at_risk": decimal_text(risk),
        },
        hashed={**_release_evidence(facts), "cancel_log_seq_no": facts.cp.cancel_log_seq_no},
    )


def _rule_deposit_but_canceled(facts: _Facts) -> _Finding | None:
    """Rule 5: canceled in Magento while manual deposits (net of refunds) remain in Counterpoint."""
    if facts.state != "canceled" or facts.manual_deposits <= 0:
        return None
    manual = [deposit for deposit in facts.cp.deposits if deposit.kind == "manual"]
    amount = decimal_text(facts.manual_deposits)
    held = money(facts.manual_deposits, facts.order.order_currency_code)
    return _Finding(
        code=DEPOSIT_BUT_CANCELED,
        reason=f"Magento canceled the order but Counterpoint still holds {held} of manual deposits "
        f"(after refunds).",
        money_at_risk=facts.manual_deposits,
        evidence={
            "deposits": [_deposit_row(d) for d in manual],
            "manual_deposits": amount,
            "money_at_risk": amount,
        },
        # Rows by content, not location: posting a deposit ticket to history changes its DOC_ID.
        hashed={"manual_deposits": sorted([norm_code(d.pay_cod), decimal_text(d.amount)] for d in manual)},
    )


# --- Fingerprint -------------------------------------------------------------------------------


def _fingerprint(findings: Sequence[_Finding]) -> str:
    """A stable 16-hex-digit hash of the scenario codes and the evidence that fired them (one or
    more findings: ``classify`` gives an order without findings no fingerprint at all).

    It covers per-SKU quantities, the release ticket numbers, the manual deposit rows, the cancel
    log row and (rule 2b) the invoiced/paid totals; never a time or the aged quantities, which
    move on their own. Everything is sorted, so line and ticket order do not matter. ``classify``
    passes each finding with the evidence it has once every release is aged, for the same reason.

    Open order-error ids enter it only when an order error (rule 2c) is the sole reason for every
    hit. When data also shows a discrepancy, a hit fired by an error alone is left out of the hash
    (code included): dismissing that error, which is part of every follow-up, must not turn a
    resolved finding into a "new" one and get the order flagged again.
    """
    chosen = [finding for finding in findings if finding.data_based] or list(findings)
    payload: dict[str, object] = {"scenarios": [finding.code for finding in chosen]}
    for finding in chosen:
        payload.update(finding.hashed)
    canonical = compact_json(payload, sort_keys=True)  # no floats: amounts are decimal text
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()[:FINGERPRINT_LENGTH]


# --- Evidence ------------------------------------------------------------------------------------
# Built on first use (``Classification.evidence``), from what ``classify`` bound with ``partial``:
# a closure would make every local it reads a cell, for every order of a scan.


def _unimported_evidence(order: MagentoOrder, skus: Sequence[SkuEvidence]) -> dict[str, object]:
    return {
        "imported": False,
        "magento": _magento_side(order),
        "skus": [_sku_row(sku, on_order=True) for sku in skus],
        "rules": {},
    }


def _evidence(facts: _Facts, capture_grace_minutes: int, findings: Sequence[_Finding]) -> dict[str, object]:
    cp = facts.cp
    return {
        "imported": True,
        "magento": _magento_side(facts.order),
        "counterpoint": {
            "doc_id": cp.doc_id,
            "tkt_no": cp.tkt_no.strip(),
            "posted": cp.posted,
            "canceled": cp.canceled,
            "cancel_log_seq_no": cp.cancel_log_seq_no,
        },
        "pre_invoiced": facts.pre_invoiced,
        "import_deposits": decimal_text(facts.import_deposits),
        "manual_deposits": decimal_text(facts.manual_deposits),
        "capture_grace_minutes": capture_grace_minutes,
        "skus": [_sku_row(s, on_order=True) for s in facts.on_order]
        + [_sku_row(s, on_order=False) for s in facts.released_only],
        "release_tickets": [_ticket_row(ticket, facts.cutoff) for ticket in cp.releases],
        "deposits": [_deposit_row(deposit) for deposit in cp.deposits],
        "open_errors": [_error_row(error) for error in cp.open_errors],
        "rules": {finding.code: finding.evidence for finding in findings},
    }


def _facts(
    order: MagentoOrder, cp: CounterpointOrder, tallies: dict[str, SkuEvidence], cutoff: datetime
) -> _Facts:
    """What the rules compare, with the releases made at or before ``cutoff`` counted as aged."""
    on_order = tuple(tallies.values())
    _add_releases(tallies, cp.releases, cutoff)  # SKUs only Counterpoint released come after
    released_only = (
        tuple([tallies[key] for key in sorted(list(tallies)[len(on_order) :])])
        if len(tallies) > len(on_order)
        else ()
    )
    import_deposits = manual_deposits = ZERO
    for deposit in cp.deposits:
        if deposit.kind == "import":
            import_deposits += deposit.amount
        elif deposit.kind == "manual":
            manual_deposits += deposit.amount
    # By position (the fields' order), here and below: this runs for every order of a scan.
    return _Facts(
        order,  # order
        cp,  # cp
        on_order,  # on_order
        released_only,  # released_only
        cutoff,  # cutoff
        import_deposits > 0,  # pre_invoiced
        import_deposits,  # import_deposits
        manual_deposits,  # manual_deposits
        order.rule_state,  # state
    )


def _findings(facts: _Facts, capture_grace_minutes: int) -> list[_Finding]:
    """The rules that fire, in order 1→5."""
    candidates = (
        _rule_manual_invoice_or_ship(facts),
        _rule_capture_failed(facts, capture_grace_minutes),
        _rule_released_but_canceled(facts),
        _rule_completed_but_canceled(facts),
        _rule_deposit_but_canceled(facts),
    )
    return [finding for finding in candidates if finding is not None]


@dataclass(frozen=True)
class AwaitingInvoice:
    """SKUs released too recently for rule 2 to expect their invoice, and when it will."""

    skus: tuple[str, ...]
    due: datetime  # when rule 2 fires unless Magento invoices them: a release's time plus the grace


def awaiting_invoice(
    order: MagentoOrder, cp: CounterpointOrder | None, *, now: datetime, capture_grace_minutes: int
) -> AwaitingInvoice | None:
    """The SKUs rule 2 will report as released without an invoice unless Magento invoices them
    first: on the order, released within the grace period, and not all invoiced, though what was
    released before it is (else rule 2 reports them already). Until then no rule
    fires for them, so ``show`` names them. None when there are none (or rule 2 never applies:
    a terminal state, a pre-invoiced order)."""
    if cp is None:
        return None
    cutoff = as_utc(now) - timedelta(minutes=capture_grace_minutes)
    facts = _facts(order, cp, _magento_tallies(order.items), cutoff)
    if facts.terminal or facts.pre_invoiced:
        return None
    # Not yet reported (its aged releases are invoiced), and a recent release puts it past its invoices.
    skus = tuple(s.sku for s in facts.on_order if s.released_aged <= s.invoiced < s.released)
    if not skus:
        return None
    # Due when the first release whose ageing puts one of them past its invoices has aged: not the
    # first recent release of any SKU (one already invoiced, say), which would name a time too soon.
    recent = sorted({as_utc(t.time) for t in cp.releases if t.time is not None and not is_aged(t, cutoff)})
    for moment in recent:
        then = _facts(order, cp, _magento_tallies(order.items), moment)
        if any(s.released_aged > s.invoiced for s in then.on_order if s.sku in skus):
            return AwaitingInvoice(skus, moment + timedelta(minutes=capture_grace_minutes))
    return None


def _fingerprints_before_ageing(
    order: MagentoOrder, cp: CounterpointOrder, findings: Sequence[_Finding], capture_grace_minutes: int
) -> tuple[str, str | None]:
    """(fingerprint, settled fingerprint) of an order with a release still within the grace period.

    The fingerprint hashes each scenario the order shows now with the evidence it will have once
    every release has aged, so that ageing alone never turns a resolved finding into a new one; a
    scenario that only the ageing fires is new (docs/scenarios.md, "Fingerprint").

    The settled fingerprint hashes every scenario the order will show then, those only the ageing
    fires included, when that differs. It is what the order's fingerprint was while an open order
    error fired one of those scenarios early: dismissing the error (the end of every follow-up) takes
    that scenario away until the release ages, and must not make the resolved finding look new.
    """
    aged = _findings(
        _facts(order, cp, _magento_tallies(order.items), _EVERY_RELEASE_AGED), capture_grace_minutes
    )
    aged_by_code = {finding.code: finding for finding in aged}
    fingerprint = _fingerprint([aged_by_code.get(finding.code, finding) for finding in findings])
    if {finding.code for finding in findings} >= aged_by_code.keys():
        return fingerprint, None
    settled = [*aged, *(finding for finding in findings if finding.code not in aged_by_code)]
    settled.sort(key=lambda finding: RULE_ORDER.index(finding.code))
    return fingerprint, _fingerprint(settled)


# --- Entry point -------------------------------------------------------------------------------


def classify(
    order: MagentoOrder,
    cp: CounterpointOrder | None,
    *,
    now: datetime,
    capture_grace_minutes: int = 60,
) -> Classification:
    """Decide which of the five scenarios an order is in, from data on both sides (domain.md §3).

    ``cp`` is None when the order was never imported into Counterpoint: no scenario applies then,
    but the Magento quantities are still reported for ``show``.
    """
    tallies = _magento_tallies(order.items)
    if cp is None:
        skus = tuple(tallies.values())
        return Classification(
            order_no=order.increment_id,
            imported=False,
            skus=skus,
            evidence_builder=partial(_unimported_evidence, order, skus),
        )

    facts = _facts(order, cp, tallies, as_utc(now) - timedelta(minutes=capture_grace_minutes))
    findings = _findings(facts, capture_grace_minutes)
    fingerprint = settled_fingerprint = None
    if findings and any(sku.released_aged != sku.released for sku in facts.on_order):
        fingerprint, settled_fingerprint = _fingerprints_before_ageing(
            order, cp, findings, capture_grace_minutes
        )
    elif findings:
        fingerprint = _fingerprint(findings)

    return Classification(
        order.increment_id,  # order_no
        True,  # imported
        tuple([finding.hit() for finding in findings]) if findings else (),  # hits
        facts.on_order + facts.released_only,  # skus
        facts.pre_invoiced,  # pre_invoiced
        facts.import_deposits,  # import_deposits
        facts.manual_deposits,  # manual_deposits
        fingerprint,  # fingerprint
        settled_fingerprint,  # settled_fingerprint
        partial(_evidence, facts, capture_grace_minutes, findings),  # evidence_builder
    )
