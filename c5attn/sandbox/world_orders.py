"""One sandbox order as the generator plans it, and how it is written on both sides.

An :class:`OrderBuilder` replays an order's life (placed, imported, released, invoiced, shipped,
canceled, flagged…) on a clock that only moves forward, keeping Magento's quantities and
Counterpoint's documents in step. The recipes in ``world_recipes`` drive it; :class:`Emitter`
then turns a finished builder into Counterpoint rows and a Magento order object.

Money is held in integer cents and times as naive UTC ``datetime`` to the second, so the files
are byte-for-byte reproducible and nothing is lost to floats.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

# Scenario codes (domain.md §2), written out here so the generator never depends on the engine.
MANUAL = "manual-invoice-or-ship"
CAPTURE = "capture-failed"
RELEASED_CANCELED = "released-but-canceled"
COMPLETED_CANCELED = "completed-but-canceled"
DEPOSIT_CANCELED = "deposit-but-canceled"
SCENARIO_CODES = (MANUAL, CAPTURE, RELEASED_CANCELED, COMPLETED_CANCELED, DEPOSIT_CANCELED)

# Counterpoint tickets that carry only a local TKT_DT are always at least this old, so that even a
# site configured with the wrong timezone (at most 14 hours off) still sees them as aged.
LOCAL_TIME_ONLY_MIN_AGE = timedelta(hours=24)

MANUAL_PAY_CODES = ("CASH", "CHECK", "VISA", "GIFT")

FLAG_TEXT = {
    MANUAL: "Needs Attention: the order was invoiced or shipped in Magento after it was imported into "
    "Counterpoint. Commerce5 will not process it further.",
    CAPTURE: "Needs Attention: invoice/capture failed for Counterpoint release ticket {ticket}: "
    "This transaction has been declined.",
    RELEASED_CANCELED: "Needs Attention: released in Counterpoint (ticket {ticket}) but canceled in Magento.",
    COMPLETED_CANCELED: "Needs Attention: completed in Magento but canceled in Counterpoint.",
    DEPOSIT_CANCELED: "Needs Attention: a deposit was added to the order in Counterpoint but the order "
    "is canceled in Magento.",
}


@dataclass(slots=True)
class Unit:
    """One counted Magento line (one SKU) and how much of it each side has done."""

    sku: str  # the Counterpoint ITEM_NO
    magento_sku: str  # as Magento spells it (differs only in the case/whitespace recipes)
    name: str
    price: int  # cents
    ordered: int
    invoiced: int = 0
    shipped: int = 0
    canceled: int = 0
    refunded: int = 0
    released: int = 0

    @property
    def open_qty(self) -> int:
        """What Counterpoint can still release: ordered, not canceled, not yet released."""
        return self.ordered - self.canceled - self.released


@dataclass(slots=True)
class Product:
    """A Magento product line: a simple or configurable product (one unit) or a bundle (its children)."""

    kind: str  # simple | configurable | bundle
    sku: str  # the bundle's own SKU; unused for the others
    name: str
    units: list[Unit]


@dataclass(slots=True)
class Payment:
    """A Counterpoint payment row; ``final`` False = a deposit (FINAL_PMT 'N'). Signed cents."""

    pay_cod: str
    cents: int
    final: bool = False


@dataclass(slots=True)
class Ticket:
    """A ticket linked to the order: a release (sale lines) or a deposit ticket (payments only)."""

    number: str
    at: datetime
    release: bool
    posted: bool
    utc_known: bool  # write RS_UTC_DT (unposted tickets only: PS_TKT_HIST has no such column)
    lines: list[tuple[str, int, int]] = field(default_factory=list)  # ITEM_NO, qty, price cents
    payments: list[Payment] = field(default_factory=list)
    store: str | None = None  # None = the site's Counterpoint store
    null_release_flag: bool = False  # a deposit ticket whose IS_REL_TKT is NULL


@dataclass(slots=True)
class ErrorRow:
    """A row of Commerce5's order-error table; ``dismissed`` is IS_DISMISSED as written."""

    typ: str
    msg: str
    at: datetime
    dismissed: str | None
    store: str


@dataclass(slots=True)
class Decoy:
    """A Counterpoint document with the same number that the join must ignore."""

    doc_typ: str  # 'L' layaway, or 'O' = an order of another store
    store: str
    at: datetime
    units: list[tuple[str, int, int]]
    payments: list[Payment] = field(default_factory=list)
    tickets: list[Ticket] = field(default_factory=list)


@dataclass(slots=True)
class CounterpointPlan:
    """Everything Counterpoint holds for one web order."""

    imported_at: datetime
    posted: bool = False
    tickets: list[Ticket] = field(default_factory=list)
    order_payments: list[Payment] = field(default_factory=list)
    audit: list[tuple[str, datetime]] = field(default_factory=list)
    decoys: list[Decoy] = field(default_factory=list)
    odd_codes: bool = False  # write codes and flags in lower case / padded (the code-case recipe)
    suffix_width: int = 1  # release tickets "-1" or "-01"
    last_change: datetime | None = None


@dataclass(slots=True)
class Customer:
    """The shopper (Magento) and their Counterpoint customer number."""

    email: str
    first: str
    last: str
    number: str
    guest: bool


class WorldContext:
    """What every order of one world shares: the random stream, ``now`` and the site's settings."""

    def __init__(
        self,
        rng: random.Random,
        now: datetime,
        *,
        site_store: str,
        web_pay_codes: tuple[str, ...],
        timezone: str,
        grace_minutes: int,
        needs_attention: str,
    ) -> None:
        self.rng = rng
        self.now = now
        self.site_store = site_store
        self.other_store = "MAIN" if site_store.upper() != "MAIN" else "STORE2"  # for same-number decoys
        self.web_pay_codes = web_pay_codes
        self.zone = ZoneInfo(timezone)
        self.grace_minutes = grace_minutes
        self.needs_attention = needs_attention


class OrderBuilder:
    """Replays one order's life on both sides; the recipes call its verbs in story order."""

    def __init__(
        self,
        ctx: WorldContext,
        *,
        entity_id: int,
        increment_id: str,
        store_id: int,
        created_at: datetime,
        limit: datetime,
        products: list[Product],
        customer: Customer,
        method: str,
        shipping: int,
    ) -> None:
        self.ctx = ctx
        self.rng = ctx.rng
        self.entity_id = entity_id
        self.increment_id = increment_id
        self.store_id = store_id
        self.created_at = created_at
        self.limit = limit  # ordinary events happen at or before this moment
        self.clock = created_at
        self.products = products
        self.units = [unit for product in products for unit in product.units]
        self.customer = customer
        self.method = method
        # PayPal orders use the site's last web pay code ("PAYPAL"), card orders its first ("WEB").
        self.pay_code = ctx.web_pay_codes[-1 if method == "paypal_express" else 0]
        self.shipping = shipping
        self.state = "new"
        self.status = "pending"
        self.comments: list[tuple[datetime, str, str]] = []
        self.updated_at = created_at
        self.unpaid = 0  # cents invoiced in Magento but not captured
        self.refunded = 0
        self.pre_invoiced = False
        self.invoiced_any = False
        self.cp: CounterpointPlan | None = None
        self.errors: list[ErrorRow] = []  # Commerce5 may record errors for orders it never imported

    # --- time ------------------------------------------------------------------------------

    def advance(self, low: float = 0.05, high: float = 0.4) -> datetime:
        """Move the clock a random share of the way to ``limit`` (at least a minute) and return it."""
        remaining = (self.limit - self.clock).total_seconds()
        step = max(remaining * self.rng.uniform(low, high), 60.0)
        self.clock = min(self.clock + timedelta(seconds=int(step)), max(self.limit, self.clock))
        return self.clock

    def _magento_event(self, at: datetime, status: str | None = None, comment: str | None = None) -> None:
        self.updated_at = max(self.updated_at, at)
        if status is not None:
            self.status = status
        if comment is not None:
            self.comments.append((at, self.status, comment))

    @property
    def plan(self) -> CounterpointPlan:
        """The Counterpoint side; recipes only ask for it after ``import_order``."""
        assert self.cp is not None, "import_order() first"
        return self.cp

    # --- Magento-only verbs -----------------------------------------------------------------

    def pay_up_front(self) -> None:
        """The shopper paid at checkout: Magento invoiced (and captured) everything at once."""
        at = self.created_at + timedelta(seconds=self.rng.randint(5, 90))
        for unit in self.units:
            unit.invoiced = unit.ordered
        self.invoiced_any = True
        self.state = "processing"
        self._magento_event(at, status="processing")

    def invoice_by_hand(self, quantities: list[tuple[Unit, int]], *, ship: bool) -> None:
        """Staff invoiced (and maybe shipped) in Magento without a Counterpoint release."""
        at = self.advance(0.1, 0.4)
        for unit, qty in quantities:
            unit.invoiced += qty
            if ship:
                unit.shipped += qty
        self.invoiced_any = True
        self._magento_event(at)

    def ship_by_hand(self, quantities: list[tuple[Unit, int]]) -> None:
        """Staff shipped in Magento what Counterpoint never released (pre-invoiced orders)."""
        at = self.advance(0.1, 0.4)
        for unit, qty in quantities:
            unit.shipped += qty
        self._magento_event(at)

    def cancel_in_magento(self) -> None:
        """Cancel everything not invoiced; refund what was (pre-invoiced orders)."""
        at = self.advance(0.05, 0.4)
        for unit in self.units:
            unit.canceled = unit.ordered
            if unit.invoiced:
                unit.refunded = unit.invoiced
        if self.invoiced_any:
            self.refunded = self.grand_total
        self.state = "canceled"
        self._magento_event(at, status="canceled")

    def cancel_leftovers_and_complete(self) -> None:
        """Cancel in Magento what was never shipped; the rest is invoiced and shipped, so complete."""
        at = self.advance(0.05, 0.4)
        for unit in self.units:
            unit.canceled = unit.ordered - unit.shipped
        self.state = "complete"
        self._magento_event(at, status="complete")

    def complete(self) -> None:
        at = self.advance(0.01, 0.1)
        self.state = "complete"
        self._magento_event(at, status="complete")

    def flag(self, code: str) -> None:
        """Commerce5 set Needs Attention: the status, its comment and an order error it e-mails about."""
        at = self.advance(0.01, 0.2)
        number = self.cp.tickets[-1].number if self.cp and self.cp.tickets else self.increment_id
        self._magento_event(
            at, status=self.ctx.needs_attention, comment=FLAG_TEXT[code].format(ticket=number)
        )
        self.error("attention", FLAG_TEXT[code].format(ticket=number), "open", at=at)

    # --- Counterpoint verbs -----------------------------------------------------------------

    def import_order(self, *, deposit_on: str | None = None, odd_codes: bool = False) -> None:
        """Commerce5 imports the order; a paid-up-front order arrives with an import deposit."""
        at = self.advance(0.001, 0.02)
        self.cp = CounterpointPlan(
            imported_at=at, odd_codes=odd_codes, suffix_width=self.rng.choice((1, 1, 2))
        )
        self.cp.audit.append(("N", at))
        if self.invoiced_any:
            self.pre_invoiced = True
            self._place_payment(Payment(self.pay_code, self.grand_total), deposit_on or "order", at)
        else:
            self.cp.order_payments.append(Payment(self.pay_code, 0, final=True))  # card kept for release
        self.state = "processing"
        self._magento_event(
            at,
            status="in_counterpoint",
            comment=f"Order imported into Counterpoint as order {self.increment_id}.",
        )
        self.cp.last_change = at

    def _place_payment(self, payment: Payment, where: str, at: datetime) -> None:
        """Put a deposit on the order itself or on a (posted) deposit ticket linked to it."""
        plan = self.plan
        if where == "order":
            plan.order_payments.append(payment)
            return
        posted = where == "posted"
        when = min(at, self.ctx.now - LOCAL_TIME_ONLY_MIN_AGE) if posted else at
        plan.tickets.append(
            Ticket(
                number=f"D{self.entity_id}-{len(plan.tickets) + 1}",
                at=when,
                release=False,
                posted=posted,
                utc_known=not posted,
                payments=[payment],
                null_release_flag=self.rng.random() < 0.3,
            )
        )

    def deposit(self, pay_cod: str, cents: int, *, where: str = "order", refund: int = 0) -> None:
        """A deposit taken in Counterpoint (and optionally a refund of part or all of it)."""
        at = self.advance(0.05, 0.3)
        self._place_payment(Payment(pay_cod, cents), where, at)
        if refund:
            target = self.plan.order_payments if where == "order" else self.plan.tickets[-1].payments
            target.append(Payment(pay_cod, -refund))
        self.plan.last_change = at

    def release(
        self,
        quantities: list[tuple[Unit, int]],
        *,
        posted: bool = False,
        invoice: bool = True,
        ship: bool = True,
        at: datetime | None = None,
        extra: list[tuple[str, int, int]] | None = None,
        unpaid: bool = False,
    ) -> Ticket:
        """Store staff release lines; Commerce5 turns the ticket into an invoice and a shipment."""
        plan = self.plan
        when = at or self.advance(0.1, 0.5)
        number = self._next_ticket_number()
        lines = [(unit.sku, qty, unit.price) for unit, qty in quantities] + list(extra or [])
        recent = when > self.ctx.now - LOCAL_TIME_ONLY_MIN_AGE
        if posted and recent:
            raise ValueError(f"posted ticket {number} must be at least a day old")
        utc_known = not posted and (recent or self.rng.random() < 0.8)
        value = sum(qty * price for _, qty, price in lines)
        ticket = Ticket(
            number=number,
            at=when,
            release=True,
            posted=posted,
            utc_known=utc_known,
            lines=lines,
            payments=[Payment(self.pay_code, value, final=True)],
        )
        plan.tickets.append(ticket)
        plan.last_change = max(plan.last_change or when, when)
        for unit, qty in quantities:
            unit.released += qty
        self.clock = max(self.clock, when)
        synced = (invoice and not self.pre_invoiced) or ship
        if synced:
            synced_at = when + timedelta(seconds=self.rng.randint(120, 1200))
            done = []
            if invoice and not self.pre_invoiced:
                for unit, qty in quantities:
                    unit.invoiced += qty
                    if unpaid:
                        self.unpaid += qty * unit.price
                self.invoiced_any = True
                done.append("invoice created")
            if ship:
                for unit, qty in quantities:
                    unit.shipped += qty
                done.append(f"shipment created, tracking 1Z{self.rng.getrandbits(40):010X}")
            self._magento_event(
                synced_at,
                status="processing",
                comment=f"Counterpoint release ticket {number}: {'; '.join(done)}.",
            )
        return ticket

    def _next_ticket_number(self) -> str:
        plan = self.plan
        count = sum(1 for ticket in plan.tickets if ticket.release) + 1
        return f"{self.increment_id}-{count:0{plan.suffix_width}d}"

    def cancel_in_counterpoint(self) -> None:
        at = self.advance(0.05, 0.3)
        self.plan.audit.append(("C", at))
        self.plan.last_change = at

    def reinstate_in_counterpoint(self) -> None:
        at = self.advance(0.05, 0.3)
        self.plan.audit.append(("I", at))
        self.plan.last_change = at

    def edit_in_counterpoint(self) -> None:
        at = self.advance(0.01, 0.1)
        self.plan.audit.append(("E", at))
        self.plan.last_change = at

    def confirm_cancel(self) -> None:
        """Commerce5 saw the cancellation on both sides."""
        at = self.advance(0.01, 0.1)
        self._magento_event(at, status="confirmed_cancel", comment="Cancellation confirmed in Counterpoint.")

    def post_order(self) -> None:
        """The drawer was posted: the order moves to PS_ORD_HIST (all its tickets are posted)."""
        assert all(ticket.posted for ticket in self.plan.tickets), "post the tickets first"
        self.plan.posted = True

    def error(
        self, typ: str, msg: str, dismissed: str, *, at: datetime | None = None, store: str | None = None
    ) -> None:
        """An order error; ``dismissed`` is 'open' ('N'), 'null' (NULL, also open) or 'Y'/'y'."""
        written = {"open": "N", "null": None}.get(dismissed, dismissed)
        self.errors.append(
            ErrorRow(typ, msg, at or self.advance(0.01, 0.2), written, store or self.ctx.site_store)
        )

    # --- quantities helpers -----------------------------------------------------------------

    def part_of_open(self) -> list[tuple[Unit, int]]:
        """A non-empty strict part of what is still open (needs at least 2 open pieces)."""
        open_units = [unit for unit in self.units if unit.open_qty > 0]
        total = sum(unit.open_qty for unit in open_units)
        assert total >= 2, "a partial release needs two open pieces"
        want = self.rng.randint(1, total - 1)
        self.rng.shuffle(open_units)
        picked: list[tuple[Unit, int]] = []
        for unit in open_units:
            if want == 0:
                break
            qty = min(unit.open_qty, want)
            picked.append((unit, qty))
            want -= qty
        return picked

    def some_of_open(self) -> list[tuple[Unit, int]]:
        """A strict part of what is open when that is possible, else all of it."""
        if sum(unit.open_qty for unit in self.units if unit.open_qty > 0) >= 2:
            return self.part_of_open()
        return self.all_open()

    def all_open(self) -> list[tuple[Unit, int]]:
        return [(unit, unit.open_qty) for unit in self.units if unit.open_qty > 0]

    def not_invoiced(self) -> list[tuple[Unit, int]]:
        return [(unit, unit.ordered - unit.invoiced) for unit in self.units if unit.ordered > unit.invoiced]

    def not_shipped(self) -> list[tuple[Unit, int]]:
        return [(unit, unit.ordered - unit.shipped) for unit in self.units if unit.ordered > unit.shipped]

    # --- Magento money ----------------------------------------------------------------------

    @property
    def subtotal(self) -> int:
        return sum(unit.ordered * unit.price for unit in self.units)

    @property
    def grand_total(self) -> int:
        return self.subtotal + self.shipping

    @property
    def invoiced_total(self) -> int:
        if not self.invoiced_any:
            return 0
        return sum(unit.invoiced * unit.price for unit in self.units) + self.shipping


def money(cents: int) -> int | float:
    """Cents as the JSON number Magento prints (165, 19.99)."""
    return cents // 100 if cents % 100 == 0 else cents / 100


def fmt(moment: datetime) -> str:
    """``YYYY-MM-DD HH:MM:SS`` (naive datetimes without microseconds print exactly that)."""
    return str(moment)


class Emitter:
    """Turns finished builders into Counterpoint rows (appended per table) and Magento objects."""

    def __init__(self, ctx: WorldContext) -> None:
        self.ctx = ctx
        self.rows: dict[str, list[tuple[Any, ...]]] = {name: [] for name in TABLE_COLUMNS}
        self.codes = {**CODES, "STORE": ctx.site_store}
        # The code-case recipe: codes and flags as a real database may hold them (§3 must still match).
        self.odd_codes = {code: value.lower() + " " * (code in "TS") for code, value in CODES.items()}
        self.odd_codes["STORE"] = ctx.site_store.lower() + " "
        self.next_doc_id = 10_000_000_001
        self.next_err_id = 1
        self.next_item_id = 1
        self.next_comment_id = 1

    # --- shared -----------------------------------------------------------------------------

    def _doc_id(self) -> int:
        self.next_doc_id += 1 + self.ctx.rng.randint(0, 3)
        return self.next_doc_id

    def _guid(self) -> str:
        text = f"{self.ctx.rng.getrandbits(128):032X}"
        return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"

    def _local(self, moment: datetime) -> str:
        return fmt(moment.replace(tzinfo=UTC).astimezone(self.ctx.zone).replace(tzinfo=None))

    def _bus_dat(self, moment: datetime) -> str:
        return self._local(moment)[:10] + " 00:00:00"

    # --- Counterpoint -----------------------------------------------------------------------

    def counterpoint(self, order: OrderBuilder) -> None:
        """Write the order's Counterpoint documents (if it was imported) and its order errors."""
        for error in order.errors:
            self._error(order.increment_id, error)
        plan = order.cp
        if plan is None:
            return
        codes = self.odd_codes if plan.odd_codes else self.codes
        rows = self.rows
        tkt_no = order.increment_id
        cust = order.customer.number
        doc_id = self._doc_id()
        guid = self._guid()
        last = plan.last_change or plan.imported_at
        line_guids = {unit.sku: self._guid() for unit in order.units}
        deposits = sum(p.cents for p in plan.order_payments if not p.final) + sum(
            p.cents for t in plan.tickets if not t.release for p in t.payments
        )
        if plan.posted:
            rows["PS_ORD_HIST"].append(
                (
                    doc_id,
                    self._bus_dat(last),
                    tkt_no,
                    cust,
                    self._local(plan.imported_at),
                    money(order.grand_total),
                    money(deposits),
                    guid,
                    codes["STORE"],
                )
            )
            for seq, (activ, at) in enumerate(plan.audit, 1):
                rows["PS_ORD_HIST_AUDIT_LOG"].append(
                    (doc_id, seq, codes["O"], guid, self._local(at), codes[activ])
                )
        else:
            released_any = any(unit.released for unit in order.units)
            rows["PS_DOC_HDR"].append(
                (
                    doc_id,
                    codes["O"],
                    codes["T"],
                    tkt_no,
                    codes["STORE"],
                    "WEB1",
                    cust,
                    self._local(plan.imported_at),
                    fmt(plan.imported_at),
                    self._local(last),
                    guid,
                    codes["N"],
                    len(order.units),
                    0,
                    sum(1 for unit in order.units if unit.ordered > unit.released),
                    codes["Y"] if released_any else codes["N"],
                    tkt_no,
                    tkt_no,
                )
            )
            for seq, unit in enumerate(order.units, 1):
                rows["PS_DOC_LIN"].append(
                    (
                        doc_id,
                        seq,
                        codes["O"],
                        unit.sku,
                        unit.ordered,
                        unit.ordered,
                        unit.released,
                        max(unit.ordered - unit.released, 0),
                        money(unit.price),
                        money(unit.price * unit.ordered),
                        line_guids[unit.sku],
                    )
                )
            rows["PS_DOC_HDR_TOT"].append(
                (
                    doc_id,
                    "O",
                    money(order.subtotal),
                    0,
                    money(order.grand_total),
                    money(deposits),
                    money(order.grand_total - deposits),
                )
            )
            self._doc_payments(doc_id, plan.order_payments, plan.imported_at, codes)
            for seq, (activ, at) in enumerate(plan.audit, 1):
                rows["PS_DOC_AUDIT_LOG"].append(
                    (doc_id, seq, codes["O"], guid, self._local(at), codes[activ], AUDIT_TEXT[activ])
                )
        for ticket in plan.tickets:
            self._ticket(ticket, doc_id, tkt_no, cust, codes, line_guids)
        for decoy in plan.decoys:
            self._decoy(decoy, tkt_no, cust)

    def _doc_payments(
        self, doc_id: int, payments: list[Payment], at: datetime, codes: dict[str, str]
    ) -> None:
        for seq, payment in enumerate(payments, 1):
            pay_cod = payment.pay_cod.lower() + " " if codes is self.odd_codes else payment.pay_cod
            self.rows["PS_DOC_PMT"].append(
                (
                    doc_id,
                    seq,
                    pay_cod,
                    "C" if payment.pay_cod in ("CASH", "CHECK") else "A",
                    money(payment.cents),
                    codes["Y"] if payment.final else codes["N"],
                    "T" if payment.cents >= 0 else "C",
                    self._local(at),
                )
            )

    def _ticket(
        self,
        ticket: Ticket,
        order_doc_id: int,
        tkt_no: str,
        cust: str,
        codes: dict[str, str],
        line_guids: dict[str, str],
    ) -> None:
        rows = self.rows
        doc_id = self._doc_id()
        total = sum(qty * price for _, qty, price in ticket.lines)
        tendered = sum(payment.cents for payment in ticket.payments)
        store = codes["STORE"] if ticket.store is None else ticket.store
        if ticket.release:
            is_rel: str | None = codes["Y"]
        else:
            is_rel = None if ticket.null_release_flag else codes["N"]
        if ticket.posted:
            rows["PS_TKT_HIST"].append(
                (
                    doc_id,
                    self._bus_dat(ticket.at),
                    ticket.number,
                    codes["T"],
                    store,
                    cust,
                    self._local(ticket.at),
                    money(total),
                    money(tendered),
                    is_rel,
                )
            )
            for seq, (item, qty, price) in enumerate(ticket.lines, 1):
                rows["PS_TKT_HIST_LIN"].append(
                    (
                        doc_id,
                        seq,
                        codes["S"],
                        item,
                        qty,
                        money(qty * price),
                        self._guid(),
                        line_guids.get(item),
                    )
                )
            for seq, payment in enumerate(ticket.payments, 1):
                rows["PS_TKT_HIST_PMT"].append(
                    (doc_id, seq, payment.pay_cod, "T" if payment.cents >= 0 else "C", money(payment.cents))
                )
            rows["PS_TKT_HIST_ORIG_DOC"].append((doc_id, tkt_no, order_doc_id))
            return
        rows["PS_DOC_HDR"].append(
            (
                doc_id,
                codes["T"],
                codes["T"],
                ticket.number,
                store,
                "WEB1",
                cust,
                self._local(ticket.at),
                fmt(ticket.at) if ticket.utc_known else None,
                self._local(ticket.at),
                self._guid(),
                is_rel,
                0,
                len(ticket.lines),
                0,
                codes["N"],
                None,
                None,
            )
        )
        for seq, (item, qty, price) in enumerate(ticket.lines, 1):
            rows["PS_DOC_LIN"].append(
                (
                    doc_id,
                    seq,
                    codes["S"],
                    item,
                    qty,
                    qty,
                    qty,
                    0,
                    money(price),
                    money(qty * price),
                    self._guid(),
                )
            )
        self._doc_payments(doc_id, ticket.payments, ticket.at, codes)
        rows["PS_DOC_HDR_ORIG_DOC"].append((doc_id, order_doc_id))

    def _error(self, tkt_no: str, error: ErrorRow) -> None:
        dismissed = error.dismissed if error.dismissed in ("Y", "y") else None
        emails = self.ctx.rng.randint(1, 12)
        self.rows["USER_C5_ORD_ERR"].append(
            (
                self.next_err_id,
                error.store,
                tkt_no,
                error.typ,
                error.msg[:500],
                self._local(error.at),
                error.dismissed,
                "jsmith" if dismissed else None,
                self._local(error.at + timedelta(hours=2)) if dismissed else None,
                self._local(error.at + timedelta(hours=emails)),
                emails,
            )
        )
        self.next_err_id += 1

    def _decoy(self, decoy: Decoy, tkt_no: str, cust: str) -> None:
        """A layaway with the same number, or an order of another store with the same number."""
        rows = self.rows
        doc_id = self._doc_id()
        total = sum(qty * price for _, qty, price in decoy.units)
        rows["PS_DOC_HDR"].append(
            (
                doc_id,
                decoy.doc_typ,
                "T",
                tkt_no,
                decoy.store,
                "1",
                cust,
                self._local(decoy.at),
                fmt(decoy.at),
                self._local(decoy.at),
                self._guid(),
                "N",
                len(decoy.units),
                0,
                len(decoy.units),
                "N",
                tkt_no,
                tkt_no,
            )
        )
        line_guids = {}
        for seq, (item, qty, price) in enumerate(decoy.units, 1):
            line_guids[item] = self._guid()
            rows["PS_DOC_LIN"].append(
                (doc_id, seq, "O", item, qty, qty, 0, qty, money(price), money(qty * price), line_guids[item])
            )
        rows["PS_DOC_HDR_TOT"].append((doc_id, "O", money(total), 0, money(total), 0, money(total)))
        self._doc_payments(doc_id, decoy.payments, decoy.at, self.codes)
        rows["PS_DOC_AUDIT_LOG"].append(
            (doc_id, 1, decoy.doc_typ, None, self._local(decoy.at), "N", AUDIT_TEXT["N"])
        )
        for ticket in decoy.tickets:
            self._ticket(ticket, doc_id, tkt_no, cust, self.codes, line_guids)

    # --- Magento ----------------------------------------------------------------------------

    def magento(self, order: OrderBuilder) -> dict[str, Any]:
        """The order object as ``GET /V1/orders`` returns it (null fields left out)."""
        entity_id = order.entity_id
        items: list[dict[str, Any]] = []
        for product in order.products:
            items.extend(self._items(product, entity_id, order.store_id))
        grand = order.grand_total
        invoiced = order.invoiced_total
        paid = invoiced - order.unpaid
        canceled = sum(unit.canceled * unit.price for unit in order.units) + (
            order.shipping if order.state == "canceled" else 0
        )
        terminal_or_done = order.state in ("canceled", "closed", "complete")
        created, updated = fmt(order.created_at), fmt(order.updated_at)
        data: dict[str, Any] = {
            "base_currency_code": "USD",
            "base_grand_total": money(grand),
            "base_subtotal": money(order.subtotal),
            "created_at": created,
            "customer_email": order.customer.email,
            "customer_firstname": order.customer.first,
            "customer_is_guest": int(order.customer.guest),
            "customer_lastname": order.customer.last,
            "entity_id": entity_id,
            "grand_total": money(grand),
            "increment_id": order.increment_id,
            "order_currency_code": "USD",
            "shipping_amount": money(order.shipping),
            "state": order.state,
            "status": order.status,
            "store_id": order.store_id,
            "subtotal": money(order.subtotal),
            "tax_amount": 0,
        }
        if canceled:
            data["total_canceled"] = money(canceled)
        data["total_due"] = 0 if terminal_or_done else money(grand - paid)
        if order.invoiced_any:
            data["total_invoiced"] = money(invoiced)
            if paid:
                data["total_paid"] = money(paid)
        if order.refunded:
            data["total_refunded"] = money(order.refunded)
        data["total_item_count"] = len(items)
        data["total_qty_ordered"] = sum(unit.ordered for unit in order.units)
        data["updated_at"] = updated
        data["items"] = items
        payment: dict[str, Any] = {
            "amount_ordered": money(grand),
            "base_amount_ordered": money(grand),
            "entity_id": entity_id,
            "method": order.method,
            "parent_id": entity_id,
            "shipping_amount": money(order.shipping),
        }
        if not order.pre_invoiced and order.state != "new":
            payment["amount_authorized"] = money(grand)
        if paid:
            payment["amount_paid"] = money(paid)
            payment["base_amount_paid"] = money(paid)
        if order.refunded:
            payment["amount_refunded"] = money(order.refunded)
        if canceled and order.state == "canceled":
            payment["amount_canceled"] = money(canceled)
        data["payment"] = payment
        histories = []
        for at, status, comment in sorted(order.comments, key=lambda entry: entry[0], reverse=True):
            histories.append(
                {
                    "comment": comment,
                    "created_at": fmt(at),
                    "entity_id": self.next_comment_id,
                    "entity_name": "order",
                    "is_customer_notified": 0,
                    "is_visible_on_front": 0,
                    "parent_id": entity_id,
                    "status": status,
                }
            )
            self.next_comment_id += 1
        data["status_histories"] = histories
        return data

    def _items(self, product: Product, order_id: int, store_id: int) -> list[dict[str, Any]]:
        if product.kind == "simple":
            return [self._item_row(product.units[0], order_id, store_id, "simple", product.units[0].name)]
        if product.kind == "configurable":
            unit = product.units[0]
            parent = self._item_row(unit, order_id, store_id, "configurable", product.name)
            child = {
                "item_id": self._item_id(),
                "name": unit.name,
                "order_id": order_id,
                "parent_item": parent,
                "parent_item_id": parent["item_id"],
                "price": 0,
                "product_type": "simple",
                "qty_canceled": 0,
                "qty_invoiced": 0,
                "qty_ordered": unit.ordered,
                "qty_refunded": 0,
                "qty_shipped": 0,
                "row_total": 0,
                "sku": unit.magento_sku,
                "store_id": store_id,
            }
            return [parent, child]
        bundle_qty = min(unit.ordered for unit in product.units)
        price = sum(unit.price for unit in product.units)

        units = product.units
        parent = {
            "item_id": self._item_id(),
            "name": product.name,
            "order_id": order_id,
            "price": money(price),
            "product_type": "bundle",
            "qty_canceled": min(unit.canceled for unit in units),
            "qty_invoiced": min(unit.invoiced for unit in units),
            "qty_ordered": bundle_qty,
            "qty_refunded": min(unit.refunded for unit in units),
            "qty_shipped": min(unit.shipped for unit in units),
            "row_total": money(price * bundle_qty),
            "sku": product.sku,
            "store_id": store_id,
        }
        rows = [parent]
        for unit in product.units:
            child = self._item_row(unit, order_id, store_id, "simple", unit.name)
            child["parent_item"] = parent
            child["parent_item_id"] = parent["item_id"]
            rows.append(child)
        return rows

    def _item_id(self) -> int:
        self.next_item_id += 1
        return self.next_item_id - 1

    def _item_row(
        self, unit: Unit, order_id: int, store_id: int, product_type: str, name: str
    ) -> dict[str, Any]:
        return {
            "item_id": self._item_id(),
            "name": name,
            "order_id": order_id,
            "price": money(unit.price),
            "product_type": product_type,
            "qty_canceled": unit.canceled,
            "qty_invoiced": unit.invoiced,
            "qty_ordered": unit.ordered,
            "qty_refunded": unit.refunded,
            "qty_shipped": unit.shipped,
            "row_total": money(unit.price * unit.ordered),
            "sku": unit.magento_sku,
            "store_id": store_id,
        }


CODES = {code: code for code in ("O", "T", "Y", "N", "S", "C", "I", "E")}
AUDIT_TEXT = {"N": "Entered a new order", "E": "Edited order", "C": "Canceled order", "I": "Reinstated order"}


TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "PS_DOC_HDR": (
        "DOC_ID",
        "DOC_TYP",
        "TKT_TYP",
        "TKT_NO",
        "STR_ID",
        "STA_ID",
        "CUST_NO",
        "TKT_DT",
        "RS_UTC_DT",
        "LST_MAINT_DT",
        "DOC_GUID",
        "IS_REL_TKT",
        "ORD_LINS",
        "SAL_LINS",
        "TO_REL_LINS",
        "HAS_RLSD_LINS",
        "REF",
        "WEB_ORDER_NO",
    ),
    "PS_DOC_LIN": (
        "DOC_ID",
        "LIN_SEQ_NO",
        "LIN_TYP",
        "ITEM_NO",
        "QTY_SOLD",
        "ORIG_QTY",
        "QTY_SHIPPED",
        "QTY_TO_REL",
        "PRC",
        "EXT_PRC",
        "LIN_GUID",
    ),
    "PS_DOC_PMT": (
        "DOC_ID",
        "PMT_SEQ_NO",
        "PAY_COD",
        "PAY_COD_TYP",
        "AMT",
        "FINAL_PMT",
        "PMT_LIN_TYP",
        "PAY_DAT",
    ),
    "PS_DOC_HDR_TOT": ("DOC_ID", "TOT_TYP", "SUB_TOT", "TAX_AMT", "TOT", "TOT_TND", "AMT_DUE"),
    "PS_DOC_HDR_ORIG_DOC": ("DOC_ID", "ORIG_DOC_ID"),
    "PS_DOC_AUDIT_LOG": ("DOC_ID", "LOG_SEQ_NO", "DOC_TYP", "DOC_GUID", "CURR_DT", "ACTIV", "LOG_ENTRY"),
    "PS_TKT_HIST": (
        "DOC_ID",
        "BUS_DAT",
        "TKT_NO",
        "TKT_TYP",
        "STR_ID",
        "CUST_NO",
        "TKT_DT",
        "TOT",
        "TOT_TND",
        "IS_REL_TKT",
    ),
    "PS_TKT_HIST_LIN": (
        "DOC_ID",
        "LIN_SEQ_NO",
        "LIN_TYP",
        "ITEM_NO",
        "QTY_SOLD",
        "EXT_PRC",
        "LIN_GUID",
        "LINK_LIN_GUID",
    ),
    "PS_TKT_HIST_PMT": ("DOC_ID", "PMT_SEQ_NO", "PAY_COD", "PMT_LIN_TYP", "AMT"),
    "PS_TKT_HIST_ORIG_DOC": ("DOC_ID", "ORIG_TKT_NO", "ORIG_DOC_ID"),
    "PS_ORD_HIST": (
        "DOC_ID",
        "BUS_DAT",
        "TKT_NO",
        "CUST_NO",
        "TKT_DT",
        "TOT",
        "TOT_TND",
        "DOC_GUID",
        "STR_ID",
    ),
    "PS_ORD_HIST_AUDIT_LOG": ("DOC_ID", "LOG_SEQ_NO", "DOC_TYP", "DOC_GUID", "CURR_DT", "ACTIV"),
    "USER_C5_ORD_ERR": (
        "ERR_ID",
        "STR_ID",
        "ORD_NO",
        "ERR_TYP",
        "ERR_MSG",
        "ERR_DT",
        "IS_DISMISSED",
        "DISMISSED_BY",
        "DISMISSED_DT",
        "LST_EMAIL_DT",
        "EMAIL_CNT",
    ),
}
