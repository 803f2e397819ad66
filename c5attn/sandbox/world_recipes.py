"""The sandbox world's recipes: each tells one kind of order's story and says what it should show.

A recipe drives an :class:`~c5attn.sandbox.world_orders.OrderBuilder` and returns the scenario
codes it built the order to show, in rule order. That return value *is* the label: it comes from
the recipe's intent, never from the scenario engine, so tests can hold the scan against it. Each
comment says why the data meets (or escapes) the rules of domain.md §3.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from c5attn.sandbox.world_orders import (
    CAPTURE,
    COMPLETED_CANCELED,
    DEPOSIT_CANCELED,
    MANUAL,
    MANUAL_PAY_CODES,
    RELEASED_CANCELED,
    Customer,
    Decoy,
    OrderBuilder,
    Payment,
    Product,
    Ticket,
    Unit,
)

Labels = tuple[str, ...]
RecipeFn = Callable[[OrderBuilder], Labels]


@dataclass(frozen=True)
class Age:
    """When a recipe's orders are placed (days before now) and how close to now their events may come."""

    oldest_days: float
    newest_days: float
    events_until: timedelta | None  # events happen at or before now − this; None = a few days after placing


RECENT = Age(3, 0.004, timedelta(minutes=1))  # not imported yet: placed minutes to days ago
IMPORTED = Age(25, 0.03, timedelta(minutes=5))
STANDARD = Age(25, 2, timedelta(hours=26))  # every ordinary ticket is more than a day old
OLD = Age(90, 35, None)  # placed and last updated long before a 30-day scan window


@dataclass(frozen=True)
class Recipe:
    name: str
    weight: float  # share of the world, in percent (normalised)
    age: Age
    build: RecipeFn
    min_units: int = 1  # distinct SKUs the story needs
    min_pieces: int = 1  # total quantity the story needs
    store_id: int = 1
    flag_share: float = 0.0  # of the orders that show a finding, the share Commerce5 already flagged


# --- the catalog ---------------------------------------------------------------------------

_SIMPLE_NAMES = (
    "Joust Duffle Bag",
    "Strive Shoulder Pack",
    "Sprite Yoga Strap",
    "Sprite Foam Roller",
    "Quest Lumaflex Band",
    "Harmony Lumaflex Kit",
    "Pursuit Tone Band",
    "Go-Get'r Pushup Grips",
    "Dual Handle Kettlebell",
    "Affirm Water Bottle",
    "Zing Jump Rope",
    "Sprite Stasis Ball",
    "Solo Power Circuit",
    "Crown Summit Backpack",
    "Wayfarer Messenger Bag",
    "Rival Field Bag",
    "Fusion Backpack",
    "Compete Track Tote",
    "Savvy Shoulder Tote",
    "Endeavor Daytrip Pack",
)
_STYLE_NAMES = (
    "Chaz Kangeroo Hoodie",
    "Teton Pullover Hoodie",
    "Radiant Tee",
    "Breathe-Easy Tank",
    "Ajax Full-Zip Sweatshirt",
    "Hero Hoodie",
    "Argus All-Weather Tank",
    "Selene Yoga Hoodie",
)
_SIZES = ("XS", "S", "M", "L", "XL")
_COLORS = ("BLACK", "GRAY", "BLUE", "ORANGE", "GREEN")
_PRICES = (500, 1700, 1900, 2200, 2700, 3200, 3400, 4500, 5200, 5400, 6800, 7400, 8900, 12900)
_FIRST = ("Jane", "John", "Maria", "Wei", "Aisha", "Carlos", "Emma", "Noah", "Priya", "Liam", "Sofia", "Omar")
_LAST = ("Doe", "Smith", "Garcia", "Chen", "Khan", "Lopez", "Brown", "Nguyen", "Patel", "Kim", "Rossi", "Ali")
_METHODS = ("authnetcim", "authnetcim", "authnetcim", "braintree", "paypal_express", "paypal_express")
_SHIPPING = (0, 0, 500, 799, 1000, 1295)


@dataclass(frozen=True)
class _Simple:
    sku: str
    name: str
    price: int


SIMPLES = tuple(
    _Simple(f"24-UG{index + 1:03d}", name, _PRICES[(index * 5) % len(_PRICES)])
    for index, name in enumerate(_SIMPLE_NAMES)
)


def make_products(rng: random.Random, min_units: int, min_pieces: int) -> list[Product]:
    """1–3 product lines (simple, configurable, bundle) with at least the SKUs and pieces asked for."""
    products: list[Product] = []
    used: set[str] = set()
    lines = max(rng.choice((1, 1, 1, 2, 2, 3)), min_units)
    while len(products) < lines or sum(len(p.units) for p in products) < min_units:
        roll = rng.random()
        qty = rng.choice((1, 1, 1, 1, 2, 2, 3))
        if roll < 0.6:
            item = rng.choice(SIMPLES)
            if item.sku in used:
                continue
            products.append(
                Product("simple", item.sku, item.name, [Unit(item.sku, item.sku, item.name, item.price, qty)])
            )
            used.add(item.sku)
        elif roll < 0.9:
            style = rng.randrange(len(_STYLE_NAMES))
            size, color = rng.choice(_SIZES), rng.choice(_COLORS)
            sku = f"MH{style + 1:02d}-{size}-{color}"
            if sku in used:
                continue
            name = _STYLE_NAMES[style]
            price = _PRICES[(style * 3 + 4) % len(_PRICES)]
            products.append(
                Product(
                    "configurable",
                    f"MH{style + 1:02d}",
                    name,
                    [Unit(sku, sku, f"{name}-{size}-{color.title()}", price, qty)],
                )
            )
            used.add(sku)
        else:
            children = [item for item in rng.sample(SIMPLES, rng.choice((2, 3))) if item.sku not in used]
            if len(children) < 2:
                continue
            kit = f"KIT-{'-'.join(child.sku[-3:] for child in children)}"
            products.append(
                Product(
                    "bundle",
                    kit,
                    "Sprite Yoga Companion Kit",
                    [Unit(c.sku, c.sku, c.name, c.price, qty) for c in children],
                )
            )
            used.update(child.sku for child in children)
    pieces = sum(unit.ordered for product in products for unit in product.units)
    if pieces < min_pieces:
        products[0].units[0].ordered += min_pieces - pieces
    return products


def make_customer(rng: random.Random, serial: int) -> Customer:
    first, last = rng.choice(_FIRST), rng.choice(_LAST)
    return Customer(
        email=f"{first.lower()}.{last.lower()}{serial}@example.com",
        first=first,
        last=last,
        number=f"W{serial:07d}",
        guest=rng.random() < 0.3,
    )


def choose_method(rng: random.Random) -> tuple[str, int]:
    return rng.choice(_METHODS), rng.choice(_SHIPPING)


# --- small shared steps --------------------------------------------------------------------


def _substitute(b: OrderBuilder) -> tuple[str, int, int]:
    """A Counterpoint line for an item that is not on the Magento order (a substitute or freight)."""
    on_order = {unit.sku for unit in b.units}
    spare = [item for item in SIMPLES if item.sku not in on_order]
    if b.rng.random() < 0.3:
        return ("FREIGHT", 1, 995)
    item = b.rng.choice(spare)
    return (item.sku, 1, item.price)


def _manual_deposit(b: OrderBuilder) -> tuple[str, int]:
    """A pay code outside the site's web pay codes, and a whole-dollar amount."""
    amount = max(1000, (b.grand_total * b.rng.randint(20, 60) // 100) // 100 * 100)
    return b.rng.choice(MANUAL_PAY_CODES), amount


def _release_in_parts(b: OrderBuilder, *, posted: bool = False, upto_all: bool = True) -> None:
    """One to three releases, each invoiced and shipped; ``upto_all`` releases everything in the end."""
    for _ in range(b.rng.randint(0, 2)):
        if sum(unit.open_qty for unit in b.units) >= 2:
            b.release(b.part_of_open(), posted=posted)
    if upto_all:
        b.release(b.all_open(), posted=posted)
    elif sum(unit.open_qty for unit in b.units) >= 2:
        b.release(b.part_of_open(), posted=posted)


def _odd_spelling(sku: str, rng: random.Random) -> str:
    """The same SKU as Magento might spell it: other case and/or surrounding spaces."""
    spelled = rng.choice((sku.lower(), sku.title(), sku.capitalize()))
    return spelled + rng.choice(("", " ", "  ")) if spelled != sku else sku.lower() + " "


def _deposit_place(b: OrderBuilder) -> str:
    return b.rng.choice(("order", "order", "ticket", "posted"))


# --- healthy orders ------------------------------------------------------------------------


def not_imported(b: OrderBuilder) -> Labels:
    """Placed in Magento, not (yet) in Counterpoint: no rule applies to an order that is not imported."""
    if b.rng.random() < 0.25:
        b.pay_up_front()
    if b.rng.random() < 0.15:
        b.error("import", "Import failed: item not found in Counterpoint.", "open")
    return ()


def imported(b: OrderBuilder) -> Labels:
    """Imported, nothing released: no quantities on either side to disagree."""
    b.import_order()
    if b.rng.random() < 0.2:
        b.edit_in_counterpoint()
    return ()


def partially_released(b: OrderBuilder) -> Labels:
    """Every release was invoiced (the last maybe not shipped yet): rel = invoiced ≥ shipped."""
    b.import_order()
    b.release(b.part_of_open(), ship=b.rng.random() < 0.8)
    if sum(unit.open_qty for unit in b.units) >= 2 and b.rng.random() < 0.4:
        b.release(b.part_of_open())
    return ()


def complete(b: OrderBuilder) -> Labels:
    """Fully released over one to three tickets, each invoiced and shipped: complete."""
    b.import_order()
    _release_in_parts(b)
    b.complete()
    return ()


def posted_complete(b: OrderBuilder) -> Labels:
    """As ``complete``, with the releases posted and the order moved to PS_ORD_HIST."""
    b.import_order()
    _release_in_parts(b, posted=True)
    b.post_order()
    b.complete()
    return ()


def posted_partial(b: OrderBuilder) -> Labels:
    """An open order with posted release tickets (and maybe a newer unposted one), all invoiced."""
    b.import_order()
    b.release(b.part_of_open(), posted=True)
    if sum(unit.open_qty for unit in b.units) >= 2 and b.rng.random() < 0.5:
        b.release(b.part_of_open())
    return ()


def pre_invoiced(b: OrderBuilder) -> Labels:
    """Paid at checkout: an import deposit in the web pay code; releases only create shipments."""
    b.pay_up_front()
    b.import_order(deposit_on=_deposit_place(b))
    if b.rng.random() < 0.6:
        b.release(b.part_of_open())
    return ()


def pre_invoiced_complete(b: OrderBuilder) -> Labels:
    """Pre-invoiced and fully shipped from releases; posted to PS_ORD_HIST when the deposit was."""
    b.pay_up_front()
    place = _deposit_place(b)
    b.import_order(deposit_on=place)
    _release_in_parts(b, posted=place == "posted")
    if place == "posted":
        b.post_order()
    b.complete()
    return ()


def confirmed_cancel(b: OrderBuilder) -> Labels:
    """Canceled on both sides, nothing released, no manual deposit (an open error on a canceled order
    is no capture failure: rule 2 needs a non-terminal order)."""
    b.import_order()
    b.cancel_in_magento()
    b.cancel_in_counterpoint()
    if b.rng.random() < 0.3:
        b.post_order()
    b.confirm_cancel()
    if b.rng.random() < 0.2:
        b.error(b.rng.choice(("cancel", "capture")), "Could not void the payment authorization.", "open")
    return ()


# --- the tricky non-findings of §3 ------------------------------------------------------------


def release_in_grace(b: OrderBuilder) -> Labels:
    """A release minutes old, not invoiced yet: inside the capture grace period, so not aged."""
    b.import_order()
    if b.rng.random() < 0.5:
        b.release(b.part_of_open())
    grace = b.ctx.grace_minutes
    at = b.ctx.now - timedelta(seconds=b.rng.randint(60, max(61, min(10, grace // 2) * 60)))
    b.release(b.all_open(), at=at, invoice=False, ship=False)
    return ()


def both_canceled_leftovers(b: OrderBuilder) -> Labels:
    """Part released and invoiced; both sides then cancel the same leftovers: ordered − canceled = rel."""
    b.import_order()
    posted = b.rng.random() < 0.3
    b.release(b.part_of_open(), posted=posted)
    b.cancel_in_counterpoint()
    if posted:
        b.post_order()
    b.cancel_leftovers_and_complete()
    return ()


def manual_deposit_refunded(b: OrderBuilder) -> Labels:
    """Canceled on both sides; the manual deposit was refunded in full, so it sums to 0."""
    b.import_order()
    pay_cod, amount = _manual_deposit(b)
    b.deposit(pay_cod, amount, where=b.rng.choice(("order", "ticket", "posted")), refund=amount)
    b.cancel_in_magento()
    b.cancel_in_counterpoint()
    b.confirm_cancel()
    return ()


def canceled_import_deposit(b: OrderBuilder) -> Labels:
    """Canceled, nothing released, only the import deposit (web pay code): no manual deposit."""
    b.pay_up_front()
    b.import_order(deposit_on=_deposit_place(b))
    b.cancel_in_magento()
    b.cancel_in_counterpoint()
    b.confirm_cancel()
    return ()


def reinstated_cancel(b: OrderBuilder) -> Labels:
    """Canceled in Counterpoint then reinstated (C then I): not canceled; releases invoiced as usual."""
    b.import_order()
    b.cancel_in_counterpoint()
    b.reinstate_in_counterpoint()
    if b.rng.random() < 0.5:
        _release_in_parts(b)
        b.complete()
    else:
        b.release(b.part_of_open())
    return ()


def substitute_release(b: OrderBuilder) -> Labels:
    """A release also carries an item not on the Magento order: evidence only outside rule 3."""
    b.import_order()
    extra = [_substitute(b)]
    if b.rng.random() < 0.5:
        b.release(b.part_of_open(), extra=extra)
    else:
        b.release(b.all_open(), extra=extra)
        b.complete()
    return ()


def sku_case(b: OrderBuilder) -> Labels:
    """Magento spells the SKUs in another case / with spaces; compared trimmed and case-blind they match."""
    for unit in b.units:
        unit.magento_sku = _odd_spelling(unit.sku, b.rng)
    return partially_released(b)


def code_case(b: OrderBuilder) -> Labels:
    """Counterpoint codes and flags in lower case with trailing spaces ('o', 'web ', 'y', 's ', 'n',
    'paypal '): pre-invoiced and partly shipped, healthy once codes are compared as §3 says."""
    b.pay_up_front()
    b.import_order(deposit_on=b.rng.choice(("order", "ticket")), odd_codes=True)
    b.release(b.part_of_open(), posted=b.rng.random() < 0.3)
    return ()


def layaway_same_number(b: OrderBuilder) -> Labels:
    """Canceled on both sides; a layaway with the same TKT_NO (higher DOC_ID) holds a cash deposit.
    Layaways are not web orders, so the deposit is not this order's."""
    b.import_order()
    b.cancel_in_magento()
    b.cancel_in_counterpoint()
    b.confirm_cancel()
    pay_cod, amount = _manual_deposit(b)
    b.plan.decoys.append(
        Decoy(
            "L",
            b.ctx.site_store,
            b.clock,
            [(u.sku, u.ordered, u.price) for u in b.units],
            payments=[Payment(pay_cod, amount)],
        )
    )
    return ()


def other_store_same_number(b: OrderBuilder) -> Labels:
    """Imported, nothing released at the web store; another store's order with the same number has an
    uninvoiced release (unposted and posted) and an open capture error: not this order's."""
    b.import_order()
    lines = [(u.sku, u.ordered, u.price) for u in b.units]
    other = b.ctx.other_store
    at = b.advance(0.1, 0.5)
    tickets = [
        Ticket(
            f"{b.increment_id}-1", at, release=True, posted=False, utc_known=True, lines=lines, store=other
        ),
        Ticket(
            f"{b.increment_id}-2", at, release=True, posted=True, utc_known=False, lines=lines, store=other
        ),
    ]
    b.plan.decoys.append(Decoy("O", other, at, lines, tickets=tickets))
    b.error("capture", "Capture failed: This transaction has been declined.", "open", store=other)
    return ()


def dismissed_errors(b: OrderBuilder) -> Labels:
    """Healthy, with dismissed invoice/capture errors ('Y' and 'y') and an open shipment error."""
    b.import_order()
    b.release(b.part_of_open())
    b.error("capture", "Capture failed: gateway timeout.", b.rng.choice(("Y", "y")))
    b.error("invoice", "Invoice failed: order is locked.", "Y")
    b.error("shipment", "Shipment failed: invalid tracking number.", b.rng.choice(("open", "null")))
    return ()


def stale_flag(b: OrderBuilder) -> Labels:
    """Flagged once, since put right by hand: status Needs Attention on healthy data."""
    if b.rng.random() < 0.2:
        b.error("import", "Import failed: customer record locked.", "open")
        b.flag(MANUAL)
        return ()
    b.import_order()
    b.release(b.part_of_open())
    b.flag(CAPTURE)
    return ()


def old_complete(b: OrderBuilder) -> Labels:
    """Placed and completed long before a 30-day window."""
    return complete(b)


# --- findings ---------------------------------------------------------------------------------


def manual_ship(b: OrderBuilder) -> Labels:
    """Invoiced and shipped by hand in Magento what Counterpoint never released: shipped > rel."""
    b.import_order()
    if b.rng.random() < 0.5:
        b.release(b.part_of_open())
    b.invoice_by_hand(b.all_open() if b.rng.random() < 0.6 else b.some_of_open(), ship=True)
    if not b.not_shipped():
        b.complete()
    return (MANUAL,)


def manual_invoice(b: OrderBuilder) -> Labels:
    """One release invoiced; more invoiced by hand without a release: invoiced > rel."""
    b.import_order()
    b.release(b.part_of_open())
    b.invoice_by_hand(b.all_open(), ship=False)
    return (MANUAL,)


def manual_ship_pre_invoiced(b: OrderBuilder) -> Labels:
    """Pre-invoiced (invoices never count here), but shipped by hand beyond releases: shipped > rel."""
    b.pay_up_front()
    b.import_order(deposit_on=_deposit_place(b))
    if b.rng.random() < 0.5:
        b.release(b.part_of_open())
    b.ship_by_hand(b.all_open())
    b.complete()
    return (MANUAL,)


def manual_ship_reinstated(b: OrderBuilder) -> Labels:
    """Counterpoint canceled then reinstated (so not canceled: rule 1 applies, rule 4 does not);
    Magento completed by hand beyond the releases."""
    b.import_order()
    b.cancel_in_counterpoint()
    b.reinstate_in_counterpoint()
    b.release(b.part_of_open())
    b.invoice_by_hand(b.all_open(), ship=True)
    b.complete()
    return (MANUAL,)


def uncaptured_release(b: OrderBuilder) -> Labels:
    """A release more than a day old never became an invoice: rel_aged > invoiced."""
    b.import_order()
    if b.rng.random() < 0.4:
        b.release(b.part_of_open())
    quantities = b.all_open() if b.rng.random() < 0.5 else b.some_of_open()
    b.release(quantities, invoice=False, ship=b.rng.random() < 0.3)
    return (CAPTURE,)


def uncaptured_posted_release(b: OrderBuilder) -> Labels:
    """As ``uncaptured_release`` with posted tickets (TKT_DT only); fully released ones are posted orders."""
    b.import_order()
    if b.rng.random() < 0.4:
        b.release(b.part_of_open(), posted=True)
    quantities = b.all_open() if b.rng.random() < 0.5 else b.some_of_open()
    b.release(quantities, posted=True, invoice=False, ship=False)
    if not b.all_open():
        b.post_order()
    return (CAPTURE,)


def invoice_unpaid(b: OrderBuilder) -> Labels:
    """Releases invoiced, but the last invoice was never captured: total_invoiced > total_paid."""
    b.import_order()
    if b.rng.random() < 0.4:
        b.release(b.part_of_open())
    quantities = b.all_open() if b.rng.random() < 0.5 else b.some_of_open()
    b.release(quantities, ship=False, unpaid=True)
    return (CAPTURE,)


def capture_error(b: OrderBuilder) -> Labels:
    """Quantities agree, but an open invoice/capture order error (IS_DISMISSED 'N' or NULL) remains."""
    if b.rng.random() < 0.3:
        b.pay_up_front()
        b.import_order(deposit_on="order")
    else:
        b.import_order()
    b.release(b.part_of_open())
    b.error(
        b.rng.choice(("invoice", "capture")),
        "Capture failed: This transaction has been declined.",
        b.rng.choice(("open", "null")),
    )
    return (CAPTURE,)


def sku_case_uncaptured(b: OrderBuilder) -> Labels:
    """An uninvoiced aged release whose SKUs Magento spells differently: still rel_aged > invoiced."""
    for unit in b.units:
        unit.magento_sku = _odd_spelling(unit.sku, b.rng)
    b.import_order()
    b.release(b.part_of_open(), invoice=False, ship=False)
    return (CAPTURE,)


def released_but_canceled(b: OrderBuilder) -> Labels:
    """Canceled in Magento; Counterpoint released afterwards all the same: rel > 0 on a canceled order."""
    b.import_order()
    quantities = b.part_of_open()
    b.cancel_in_magento()
    b.release(quantities, invoice=False, ship=False)
    if b.rng.random() < 0.5:
        b.cancel_in_counterpoint()
    return (RELEASED_CANCELED,)


def released_but_canceled_posted(b: OrderBuilder) -> Labels:
    """As ``released_but_canceled`` with a posted release; sometimes the order is posted too."""
    b.import_order()
    quantities = b.part_of_open()
    b.cancel_in_magento()
    b.release(quantities, posted=True, invoice=False, ship=False)
    if b.rng.random() < 0.5:
        b.cancel_in_counterpoint()
        b.post_order()
    return (RELEASED_CANCELED,)


def substitute_released_canceled(b: OrderBuilder) -> Labels:
    """Canceled in Magento; Counterpoint released only an item not on the order: any release counts."""
    b.import_order()
    b.cancel_in_magento()
    b.release([], extra=[_substitute(b)], invoice=False, ship=False)
    return (RELEASED_CANCELED,)


def _completed_by_hand(b: OrderBuilder) -> None:
    """Magento invoices and ships by hand all that is left, and completes."""
    b.invoice_by_hand(b.not_invoiced(), ship=False)
    b.ship_by_hand(b.not_shipped())
    b.complete()


def completed_but_canceled(b: OrderBuilder) -> Labels:
    """Canceled in Counterpoint (after at most a partial release); completed by hand in Magento:
    ordered − canceled > rel."""
    b.import_order()
    if b.rng.random() < 0.5:
        b.release(b.part_of_open())
    b.cancel_in_counterpoint()
    _completed_by_hand(b)
    return (COMPLETED_CANCELED,)


def completed_but_canceled_posted(b: OrderBuilder) -> Labels:
    """As ``completed_but_canceled`` for a posted order (cancel row in PS_ORD_HIST_AUDIT_LOG)."""
    b.import_order()
    if b.rng.random() < 0.5:
        b.release(b.part_of_open(), posted=True)
    b.cancel_in_counterpoint()
    b.post_order()
    _completed_by_hand(b)
    return (COMPLETED_CANCELED,)


def completed_but_recanceled(b: OrderBuilder) -> Labels:
    """Canceled, reinstated, canceled again (C, I, C): the last C stands."""
    b.import_order()
    b.cancel_in_counterpoint()
    b.reinstate_in_counterpoint()
    b.cancel_in_counterpoint()
    _completed_by_hand(b)
    return (COMPLETED_CANCELED,)


def _deposit_then_cancel(b: OrderBuilder, where: str, refund_share: float = 0.0) -> Labels:
    b.import_order()
    pay_cod, amount = _manual_deposit(b)
    refund = int(amount * refund_share) // 100 * 100
    b.deposit(pay_cod, amount, where=where, refund=refund)
    b.cancel_in_magento()
    if b.rng.random() < 0.5:
        b.cancel_in_counterpoint()
        if where == "posted":
            b.post_order()
    return (DEPOSIT_CANCELED,)


def deposit_but_canceled(b: OrderBuilder) -> Labels:
    """A manual (non-web pay code) deposit on the order itself; canceled in Magento."""
    return _deposit_then_cancel(b, "order")


def deposit_ticket_but_canceled(b: OrderBuilder) -> Labels:
    """The manual deposit sits on a linked non-release ticket (IS_REL_TKT 'N' or NULL)."""
    return _deposit_then_cancel(b, "ticket")


def deposit_partial_refund(b: OrderBuilder) -> Labels:
    """A manual deposit partly refunded (a negative row): the sum is still above 0."""
    return _deposit_then_cancel(b, b.rng.choice(("order", "ticket")), refund_share=b.rng.uniform(0.2, 0.7))


def posted_deposit_but_canceled(b: OrderBuilder) -> Labels:
    """The manual deposit is on a posted deposit ticket (PS_TKT_HIST_PMT)."""
    return _deposit_then_cancel(b, "posted")


def manual_invoice_and_uncaptured(b: OrderBuilder) -> Labels:
    """One SKU released and never invoiced (rule 2), another invoiced by hand unreleased (rule 1)."""
    b.import_order()
    first, second = b.rng.sample(b.units, 2)
    b.release([(first, first.ordered)], invoice=False, ship=False)
    b.invoice_by_hand([(second, second.ordered)], ship=b.rng.random() < 0.5)
    return (MANUAL, CAPTURE)


def released_and_deposit_canceled(b: OrderBuilder) -> Labels:
    """Canceled in Magento with a manual deposit and a later release: rules 3 and 5."""
    b.import_order()
    pay_cod, amount = _manual_deposit(b)
    b.deposit(pay_cod, amount, where=b.rng.choice(("order", "ticket")))
    quantities = b.part_of_open()
    b.cancel_in_magento()
    b.release(quantities, invoice=False, ship=False)
    return (RELEASED_CANCELED, DEPOSIT_CANCELED)


def old_capture_failed(b: OrderBuilder) -> Labels:
    """An uncaptured release on an order last updated long before a 30-day window."""
    b.import_order()
    b.release(b.part_of_open(), invoice=False, ship=False)
    return (CAPTURE,)


def other_site(b: OrderBuilder) -> Labels:
    """Another Magento site's order (store 2) with an uncaptured release: a scan of site 1 never
    looks at it, so it carries no label."""
    uncaptured_release(b)
    if b.rng.random() < 0.3:
        b.flag(CAPTURE)
    return ()


RECIPES: tuple[Recipe, ...] = (
    Recipe("not-imported", 3.0, RECENT, not_imported),
    Recipe("other-site", 3.0, STANDARD, other_site, min_pieces=2, store_id=2),
    Recipe("imported", 13.0, IMPORTED, imported),
    Recipe("partially-released", 10.0, STANDARD, partially_released, min_pieces=2),
    Recipe("complete", 12.0, STANDARD, complete),
    Recipe("posted-complete", 7.0, STANDARD, posted_complete),
    Recipe("posted-partial", 4.0, STANDARD, posted_partial, min_pieces=2),
    Recipe("pre-invoiced", 5.0, STANDARD, pre_invoiced, min_pieces=2),
    Recipe("pre-invoiced-complete", 3.0, STANDARD, pre_invoiced_complete),
    Recipe("confirmed-cancel", 4.0, STANDARD, confirmed_cancel),
    Recipe("old-complete", 1.5, OLD, old_complete),
    Recipe("release-in-grace", 1.5, STANDARD, release_in_grace, min_pieces=2),
    Recipe("both-canceled-leftovers", 1.0, STANDARD, both_canceled_leftovers, min_pieces=2),
    Recipe("manual-deposit-refunded", 1.0, STANDARD, manual_deposit_refunded),
    Recipe("canceled-import-deposit", 1.0, STANDARD, canceled_import_deposit),
    Recipe("reinstated-cancel", 1.0, STANDARD, reinstated_cancel, min_pieces=2),
    Recipe("substitute-release", 1.0, STANDARD, substitute_release, min_pieces=2),
    Recipe("sku-case", 1.0, STANDARD, sku_case, min_pieces=2),
    Recipe("code-case", 0.5, STANDARD, code_case, min_pieces=2),
    Recipe("layaway-same-number", 0.75, STANDARD, layaway_same_number),
    Recipe("other-store-same-number", 0.75, STANDARD, other_store_same_number),
    Recipe("dismissed-errors", 1.0, STANDARD, dismissed_errors, min_pieces=2),
    Recipe("stale-flag", 1.0, STANDARD, stale_flag, min_pieces=2),
    Recipe("manual-ship", 1.0, STANDARD, manual_ship, min_pieces=2, flag_share=0.3),
    Recipe("manual-invoice", 0.8, STANDARD, manual_invoice, min_pieces=2, flag_share=0.3),
    Recipe("manual-ship-pre-invoiced", 0.6, STANDARD, manual_ship_pre_invoiced, min_pieces=2, flag_share=0.3),
    Recipe("manual-ship-reinstated", 0.4, STANDARD, manual_ship_reinstated, min_pieces=2, flag_share=0.3),
    Recipe("uncaptured-release", 1.2, STANDARD, uncaptured_release, min_pieces=2, flag_share=0.3),
    Recipe(
        "uncaptured-posted-release", 0.6, STANDARD, uncaptured_posted_release, min_pieces=2, flag_share=0.3
    ),
    Recipe("invoice-unpaid", 0.6, STANDARD, invoice_unpaid, min_pieces=2, flag_share=0.3),
    Recipe("capture-error", 0.6, STANDARD, capture_error, min_pieces=2, flag_share=0.3),
    Recipe("sku-case-uncaptured", 0.3, STANDARD, sku_case_uncaptured, min_pieces=2, flag_share=0.3),
    Recipe("released-but-canceled", 0.8, STANDARD, released_but_canceled, min_pieces=2, flag_share=0.3),
    Recipe(
        "released-but-canceled-posted",
        0.5,
        STANDARD,
        released_but_canceled_posted,
        min_pieces=2,
        flag_share=0.3,
    ),
    Recipe("substitute-released-canceled", 0.3, STANDARD, substitute_released_canceled, flag_share=0.3),
    Recipe("completed-but-canceled", 0.8, STANDARD, completed_but_canceled, min_pieces=2, flag_share=0.3),
    Recipe(
        "completed-but-canceled-posted",
        0.5,
        STANDARD,
        completed_but_canceled_posted,
        min_pieces=2,
        flag_share=0.3,
    ),
    Recipe("completed-but-recanceled", 0.3, STANDARD, completed_but_recanceled, flag_share=0.3),
    Recipe("deposit-but-canceled", 0.7, STANDARD, deposit_but_canceled, flag_share=0.3),
    Recipe("deposit-ticket-but-canceled", 0.4, STANDARD, deposit_ticket_but_canceled, flag_share=0.3),
    Recipe("deposit-partial-refund", 0.4, STANDARD, deposit_partial_refund, flag_share=0.3),
    Recipe("posted-deposit-but-canceled", 0.4, STANDARD, posted_deposit_but_canceled, flag_share=0.3),
    Recipe(
        "manual-invoice-and-uncaptured",
        0.4,
        STANDARD,
        manual_invoice_and_uncaptured,
        min_units=2,
        flag_share=0.3,
    ),
    Recipe(
        "released-and-deposit-canceled",
        0.4,
        STANDARD,
        released_and_deposit_canceled,
        min_pieces=2,
        flag_share=0.3,
    ),
    Recipe("old-capture-failed", 0.4, OLD, old_capture_failed, min_pieces=2, flag_share=0.3),
)


def created_at(rng: random.Random, age: Age, now: datetime) -> datetime:
    """When an order of this age profile was placed (whole seconds, naive UTC)."""
    days = rng.uniform(age.newest_days, age.oldest_days)
    return now - timedelta(seconds=int(days * 86400))


def events_limit(age: Age, now: datetime, placed: datetime) -> datetime:
    """The latest moment an ordinary event of this order may happen."""
    if age.events_until is None:
        return min(placed + timedelta(days=4), now - timedelta(days=31))
    return now - age.events_until
