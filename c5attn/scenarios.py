"""The five Commerce5 "Needs Attention" scenarios and their playbooks (domain.md §2).

This is the only place the follow-up steps live: the CLI, the Magento comments and the docs all
read them from here, so the guidance staff see is the same everywhere. Steps name commands with
the placeholder ``ORDER``; :func:`steps_for_order` fills in a real order number.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from c5attn.errors import UsageError
from c5attn.wording import STATUS_KEPT_CAUSE, no_status_to_set


@dataclass(frozen=True)
class Scenario:
    """One Needs Attention scenario: its stable code, its number in Commerce5's list, and the playbook."""

    code: str
    number: int
    title: str
    colour: str  # a Rich colour name, distinct per scenario
    actions: tuple[str, ...]  # this scenario's own follow-up, before the closing steps

    @property
    def steps(self) -> tuple[str, ...]:
        """The whole playbook: the scenario's own follow-up, then the closing steps."""
        return (*self.actions, *CLOSING_STEPS)


CLOSING_STEPS: tuple[str, ...] = (
    "Set the Magento status that fits, so the order leaves Needs Attention: c5attn resolve ORDER",
    "Dismiss the Counterpoint order error, so Commerce5's e-mails stop: c5attn dismiss-error ORDER",
    "If unsure, contact your Commerce 5 support partner.",
)

KEPT_FLAGGED_STEP = (
    "Set the Magento status that fits in the Magento admin: c5attn's resolution comment is on the order, "
    f"but Magento kept it at Needs Attention ({STATUS_KEPT_CAUSE}), so running resolve again would only "
    "add the comment again."
)
"""The resolve step where resolve's status did not land, but its comment did (``Verdict.steps_to_take``)."""


def admin_status_step(state: str) -> str:
    """The resolve step where the site assigns ``state`` no status resolve may set."""
    return f"Set the Magento status that fits in the Magento admin: {no_status_to_set(state)}."


CANCEL_REMAINING_STEP = "Cancel the remaining items on the order in Counterpoint."
"""Scenario 5's step, which an order Counterpoint has closed (canceled, or posted to its order
history) has no use for: it has no remaining items (``needed_steps``)."""

INVOICE_RELEASES_STEP = (
    "In Magento, invoice by hand every Counterpoint release of this order that has no invoice yet."
)
"""Scenario 1's step that a pre-invoiced order has no use for: Magento invoiced it before the import,
so its releases make shipments, not invoices (domain.md §3, "pre-invoiced"; ``needed_steps``)."""

SHIP_RELEASES_STEP = (
    "In Magento, ship by hand (with its tracking number) every release that has no shipment yet."
)
FUTURE_RELEASES_STEP = (
    "Do the same for every future release of this order, until the order is complete in Magento."
)

_CAPTURE_UNPAID_INVOICES = (
    "Capture the funds by hand in Magento: open each unpaid invoice of the order and Capture it"
)
_CAPTURE_BY_HAND = (
    f"{_CAPTURE_UNPAID_INVOICES}, and invoice each release that has no invoice yet with Capture Online."
)
_NO_LONGER_PROCESSED = (
    "Commerce5 no longer processes this order: invoice every later Counterpoint release of it in "
    "Magento by hand as well."
)
NO_LONGER_PROCESSED_PRE_INVOICED = (
    "Commerce5 no longer processes this order: ship every later Counterpoint release of it in "
    "Magento by hand as well (Magento invoiced the order before the import)."
)
"""What a pre-invoiced order's later releases need instead (``needed_steps``): shipments only."""

_CAPTURE_ELSEWHERE = (
    "If that fails, contact the web developer or the payment provider (Authorize.net, PayPal…).",
    "Or capture the funds in the payment provider's own portal.",
)
CANCELED_RELEASES_STEP = (
    "Where Magento canceled units that Counterpoint released (the reason names them), no invoice or capture "
    "can settle them: find out whether they shipped, and if not, perform a return in Counterpoint to "
    "reverse their sale."
)
"""Capture-failed's step for released units Magento canceled, which only such an order needs
(``needed_steps``); where they are all that is left, the capture steps go."""

CAPTURE_FIRST_STEPS = {
    (True, True): _CAPTURE_BY_HAND,
    (True, False): f"{_CAPTURE_UNPAID_INVOICES}.",
    (False, True): "Capture the funds by hand in Magento: invoice each release that has no invoice yet "
    "with Capture Online.",
    (False, False): "Magento shows no unpaid invoice on this order: check in the payment provider's "
    "portal whether its funds were captured, and capture them there if not; if that fails, contact the "
    "web developer or the payment provider (Authorize.net, PayPal…).",
}
"""Capture-failed's first step by (Magento shows an unpaid invoice, a release Magento can still invoice
has no invoice: ``WorkLeft``): only the work the order has left is asked for. A pre-invoiced order
(Magento invoiced it before the import: its releases make shipments) or one complete in Magento has
no release to invoice; a finding fired by a release without an invoice, or by an order error alone,
may have no unpaid invoice to capture (``needed_steps``)."""

_LATER_RELEASE_STEPS = frozenset((FUTURE_RELEASES_STEP, _NO_LONGER_PROCESSED))
"""The steps about the order's later releases, for which neither side leaves room once Counterpoint
closed the order or Magento completed it (``needed_steps``)."""

SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        code="manual-invoice-or-ship",
        number=1,
        title="Invoiced or shipped by hand in Magento after import",
        colour="yellow",
        actions=(
            "Compare the Counterpoint release tickets with the Magento invoices and shipments: "
            "c5attn show ORDER",
            INVOICE_RELEASES_STEP,
            SHIP_RELEASES_STEP,
            FUTURE_RELEASES_STEP,
        ),
    ),
    Scenario(
        code="capture-failed",
        number=2,
        title="Invoice or capture from a release ticket failed",
        colour="red",
        actions=(_CAPTURE_BY_HAND, *_CAPTURE_ELSEWHERE, CANCELED_RELEASES_STEP, _NO_LONGER_PROCESSED),
    ),
    Scenario(
        code="released-but-canceled",
        number=3,
        title="Released in Counterpoint, canceled in Magento",
        colour="magenta",
        actions=(
            "Find out whether the goods actually shipped, and whether payment is still needed.",
            "Perform a return in Counterpoint to reverse the sale of the canceled items, so sales "
            "reporting and payment reconciliation balance.",
        ),
    ),
    Scenario(
        code="completed-but-canceled",
        number=4,
        title="Completed by hand in Magento, canceled in Counterpoint",
        colour="cyan",
        actions=(
            "Find out whether the goods actually shipped, or still need to.",
            "Create a credit memo against the invoice in Magento to refund the customer for what "
            "was not delivered.",
        ),
    ),
    Scenario(
        code="deposit-but-canceled",
        number=5,
        title="Deposit added by hand in Counterpoint, order canceled in Magento",
        colour="blue",
        actions=(
            "Refund the deposit in Counterpoint.",
            CANCEL_REMAINING_STEP,
        ),
    ),
)

STALE_STEPS: tuple[str, ...] = (
    "c5attn finds no discrepancy on this order any more; confirm in both systems that the "
    "follow-up is done: c5attn show ORDER",
    *CLOSING_STEPS,
)


def unclassified_steps(hint: str | None, order_no: str) -> tuple[str, ...]:
    """Steps for an order someone else flagged that no rule explains; Commerce5's comment is the clue.

    Filled in for ``order_no`` here rather than by the caller: the comment is quoted as written, and
    its own word "ORDER" is not a placeholder.
    """
    clue = (
        f"Commerce5 flagged this order for a reason c5attn cannot see in the data; its latest comment "
        f'says: "{hint}"'
        if hint
        else "Commerce5 flagged this order for a reason c5attn cannot see in the data and left no "
        "comment: read the order's comment history in Magento."
    )
    return (clue, *steps_for_order(_UNCLASSIFIED_FOLLOW_UP, order_no))


_UNCLASSIFIED_FOLLOW_UP: tuple[str, ...] = (
    "Compare both systems and do the follow-up the comment asks for: c5attn show ORDER",
    *CLOSING_STEPS,
)


@functools.lru_cache(maxsize=64)
def playbook(codes: tuple[str, ...]) -> tuple[str, ...]:
    """The follow-up for an order in these scenarios: each one's own steps, in the order given
    (the rules' 1→5), then the closing steps once. An order can match several scenarios, and each
    needs its own work: a canceled order's return *and* its manual deposit's refund."""
    actions = dict.fromkeys(step for code in codes for step in scenario_for(code).actions)
    return (*actions, *CLOSING_STEPS)


def scenario_for(text: str) -> Scenario:
    """The scenario named by its code or number ("capture-failed", "2"), case-insensitive."""
    wanted = text.strip().lower()
    for scenario in SCENARIOS:
        if wanted in (scenario.code, str(scenario.number)):
            return scenario
    raise UsageError(f"unknown scenario {text!r}", hint=f"use a code or its number: {scenario_choices()}")


def scenario_choices() -> str:
    """The scenarios as an option takes them: "1 manual-invoice-or-ship, 2 capture-failed, …"."""
    return ", ".join(f"{scenario.number} {scenario.code}" for scenario in SCENARIOS)


_ORDER_PLACEHOLDER = re.compile(r"\bORDER\b")


@dataclass(frozen=True)
class WorkLeft:
    """What the data shows is left to do on an order, which decides the steps it needs (``needed_steps``)."""

    open_errors: bool  # Counterpoint order errors to dismiss
    counterpoint_closed: bool  # canceled there, or posted to the order history: nothing left to release
    magento_complete: bool  # everything is invoiced and shipped there
    pre_invoiced: bool  # Magento invoiced the order before the import: its releases make shipments
    unpaid_invoices: bool  # Magento's total invoiced is above its total paid
    releases_to_invoice: bool  # a release Magento can still invoice has no invoice
    left_to_invoice: bool  # Magento can still invoice units of the order (for its later releases)
    canceled_releases: bool  # released units Magento canceled, which it can never invoice


def needed_steps(steps: Sequence[str], order_no: str, left: WorkLeft) -> list[str]:
    """An order's steps, without those the data shows there is no call for: dismissing Counterpoint
    errors when it has none (then ``dismiss-error`` answers that there is nothing to dismiss);
    canceling the order's remaining items, or handling its later releases, when Counterpoint closed
    the order (canceled it, which ``show`` says right above the steps, or posted it to the order
    history: either way nothing is left to release); invoicing or shipping releases by hand, now or
    later, when Magento completed the order (everything is invoiced and shipped there); invoicing
    releases by hand when the order is pre-invoiced (its releases make shipments only, later ones
    too), and later ones when Magento has nothing left to invoice. Capture-failed's first step is
    fitted to what is left to capture and invoice (``CAPTURE_FIRST_STEPS``), the steps after it for a
    capture in Magento only where there is one; its step for released units Magento canceled is
    there only for such units, and its capture steps go where those units are all that is left."""
    skipped: set[str] = set()
    if left.counterpoint_closed:
        skipped.update((CANCEL_REMAINING_STEP, *_LATER_RELEASE_STEPS))
    if left.magento_complete:
        skipped.update((INVOICE_RELEASES_STEP, SHIP_RELEASES_STEP, *_LATER_RELEASE_STEPS))
    if left.pre_invoiced:
        skipped.add(INVOICE_RELEASES_STEP)
    if not (left.pre_invoiced or left.left_to_invoice):
        skipped.add(_NO_LONGER_PROCESSED)
    if not left.canceled_releases:
        skipped.add(CANCELED_RELEASES_STEP)
    if not (left.unpaid_invoices or left.releases_to_invoice):  # nothing to capture in Magento
        skipped.update(_CAPTURE_ELSEWHERE)
        if left.canceled_releases:
            skipped.add(_CAPTURE_BY_HAND)
    wording = {_CAPTURE_BY_HAND: CAPTURE_FIRST_STEPS[left.unpaid_invoices, left.releases_to_invoice]}
    if left.pre_invoiced:
        wording[_NO_LONGER_PROCESSED] = NO_LONGER_PROCESSED_PRE_INVOICED
    return [
        wording.get(step, step)
        for step in steps
        if (left.open_errors or f" dismiss-error {order_no}" not in step) and step not in skipped
    ]


def steps_for_order(steps: tuple[str, ...], order_no: str) -> tuple[str, ...]:
    """The steps with the ``ORDER`` placeholder in their commands replaced by a real order number."""
    return tuple([order_no.join(_around_placeholders(step)) for step in steps])


@functools.lru_cache(maxsize=256)
def _around_placeholders(step: str) -> list[str]:
    """A step's text between its ``ORDER`` placeholders, split once: a scan fills in the same few
    steps for every order it reports."""
    return _ORDER_PLACEHOLDER.split(step)
