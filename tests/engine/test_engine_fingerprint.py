"""The finding fingerprint: stable for the same evidence, new for new evidence, blind to time."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from engine_builders import NOW, cp, deposit, error, item, order, ticket

from c5attn.classify import classify
from c5attn.models import CounterpointOrder, MagentoOrder


def fp(o: MagentoOrder, c: CounterpointOrder, *, now: datetime = NOW) -> str | None:
    return classify(o, c, now=now, capture_grace_minutes=60).fingerprint


# Rule 1 + rule 2a (+2b): two SKUs, two tickets, totals not captured.
BASE_ORDER = order(
    item("A", ordered=2, shipped=2, invoiced=1), item("B", ordered=1), total_invoiced=10, total_paid=5
)
BASE_CP = cp(ticket("9-1", ("A", 1)), ticket("9-2", ("B", 1), ("A", 0)))
CANCELED_ORDER = order(item("A"), state="canceled")
DEPOSITS = (deposit(30, seq=1), deposit(-10, seq=2), deposit(5, seq=3, pay_cod="CHECK"))


def test_fingerprint_is_sixteen_hex_digits() -> None:
    value = fp(BASE_ORDER, BASE_CP)
    assert value is not None and re.fullmatch(r"[0-9a-f]{16}", value)


SAME_EVIDENCE = [
    pytest.param(
        order(
            item("B", ordered=1), item("A", ordered=2, shipped=2, invoiced=1), total_invoiced=10, total_paid=5
        ),
        BASE_CP,
        id="item-order",
    ),
    pytest.param(
        BASE_ORDER, cp(ticket("9-2", ("A", 0), ("B", 1)), ticket("9-1", ("A", 1))), id="ticket-and-line-order"
    ),
    pytest.param(
        BASE_ORDER,
        cp(
            ticket("9-1", ("A", 1), posted=True, doc_id=1),
            ticket("9-2", ("B", 1), ("A", 0), posted=True, doc_id=2),
        ),
        id="tickets-posted-to-history",
    ),
    pytest.param(
        order(
            item(" a ", ordered=2, shipped=2, invoiced=1),
            item("b", ordered="1.0000"),
            total_invoiced="10.00",
            total_paid="5.0",
        ),
        cp(ticket("9-1", ("A ", "1.00")), ticket(" 9-2", ("B", 1), ("a", 0))),
        id="case-whitespace-and-decimal-spelling",
    ),
    pytest.param(
        BASE_ORDER,
        cp(
            ticket("9-1", ("A", 1), time=NOW - timedelta(days=9)),
            ticket("9-2", ("B", 1), ("A", 0), time=None),
        ),
        id="ticket-times",
    ),
]


@pytest.mark.parametrize(("magento", "counterpoint"), SAME_EVIDENCE)
def test_same_evidence_same_fingerprint(magento: MagentoOrder, counterpoint: CounterpointOrder) -> None:
    assert fp(magento, counterpoint) == fp(BASE_ORDER, BASE_CP)


NEW_EVIDENCE = [
    pytest.param(
        order(
            item("A", ordered=2, shipped=2, invoiced=2), item("B", ordered=1), total_invoiced=10, total_paid=5
        ),
        BASE_CP,
        id="invoiced-quantity",
    ),
    pytest.param(
        order(
            item("A", ordered=3, shipped=2, invoiced=1), item("B", ordered=1), total_invoiced=10, total_paid=5
        ),
        BASE_CP,
        id="ordered-quantity",
    ),
    pytest.param(
        BASE_ORDER,
        cp(ticket("9-1", ("A", 1)), ticket("9-2", ("B", 1), ("A", 0)), ticket("9-3", ("Z", 0))),
        id="extra-ticket",
    ),
    pytest.param(
        BASE_ORDER, cp(ticket("9-1", ("A", 1)), ticket("9-7", ("B", 1), ("A", 0))), id="ticket-number"
    ),
    pytest.param(
        order(
            item("A", ordered=2, shipped=2, invoiced=1), item("B", ordered=1), total_invoiced=10, total_paid=6
        ),
        BASE_CP,
        id="total-paid",
    ),
    pytest.param(
        order(
            item("A", ordered=2, shipped=2, invoiced=1), item("B", ordered=1), total_invoiced=10, total_paid=5
        ),
        cp(ticket("9-1", ("A", 1)), ticket("9-2", ("B", 1), ("A", 0)), canceled=True),
        id="scenario-codes",
    ),
]


@pytest.mark.parametrize(("magento", "counterpoint"), NEW_EVIDENCE)
def test_new_evidence_new_fingerprint(magento: MagentoOrder, counterpoint: CounterpointOrder) -> None:
    assert fp(magento, counterpoint) not in (None, fp(BASE_ORDER, BASE_CP))


def test_rule_3_fingerprint_covers_released_quantities_of_any_sku() -> None:
    base = fp(CANCELED_ORDER, cp(ticket("9-1", ("A", 1), ("FREIGHT", 1))))
    assert base is not None
    assert fp(CANCELED_ORDER, cp(ticket("9-1", ("FREIGHT", 1), ("A", 1)))) == base
    assert fp(CANCELED_ORDER, cp(ticket("9-1", ("A", 1), ("FREIGHT", 2)))) != base


def test_deposit_rows_enter_the_fingerprint_by_content() -> None:
    base = fp(CANCELED_ORDER, cp(deposits=DEPOSITS))
    assert base is not None
    assert fp(CANCELED_ORDER, cp(deposits=tuple(reversed(DEPOSITS)))) == base
    moved = tuple(deposit(d.amount, pay_cod=d.pay_cod, seq=d.pmt_seq_no, doc_id=99) for d in DEPOSITS)
    assert fp(CANCELED_ORDER, cp(deposits=moved)) == base  # posting a deposit ticket gives it a new DOC_ID
    assert fp(CANCELED_ORDER, cp(deposits=(*DEPOSITS, deposit(-5, seq=4)))) != base  # a partial refund
    assert fp(CANCELED_ORDER, cp(deposits=(*DEPOSITS[:2], deposit(6, seq=3, pay_cod="CHECK")))) != base


def test_cancel_row_enters_the_fingerprint_of_rule_4() -> None:
    complete = order(
        item("A", ordered=2, shipped=2, invoiced=2), state="complete", total_invoiced=20, total_paid=20
    )
    base = fp(complete, cp(ticket("9-1", ("A", 1)), canceled=True, cancel_log_seq_no=4))
    assert base is not None
    assert fp(complete, cp(ticket("9-1", ("A", 1)), canceled=True, cancel_log_seq_no=8)) != base


@pytest.mark.parametrize("later", [timedelta(minutes=1), timedelta(hours=5), timedelta(days=30)], ids=str)
def test_moving_clock_does_not_change_the_fingerprint(later: timedelta) -> None:
    assert fp(BASE_ORDER, BASE_CP, now=NOW + later) == fp(BASE_ORDER, BASE_CP)


def test_aged_quantities_are_not_hashed() -> None:
    fresh = cp(ticket("9-1", ("A", 1), time=NOW - timedelta(minutes=10)))
    shipped = order(item("A", shipped=1, invoiced=1), item("B", shipped=1), total_invoiced=10, total_paid=10)
    before = classify(shipped, fresh, now=NOW)
    after = classify(shipped, fresh, now=NOW + timedelta(hours=3))
    assert (before.skus[0].released_aged, after.skus[0].released_aged) == (0, 1)
    assert before.scenarios == after.scenarios == ("manual-invoice-or-ship",)
    assert before.fingerprint == after.fingerprint


# --- open order errors -------------------------------------------------------------------------


def test_error_only_finding_is_keyed_by_the_error_ids() -> None:
    quiet = order(item("A"))
    first = fp(quiet, cp(errors=(error(11, "capture"),)))
    assert first is not None
    assert fp(quiet, cp(errors=(error(12, "capture"),))) != first
    assert (
        fp(quiet, cp(errors=(error(11, "capture"), error(13, "import")))) == first
    )  # import errors do not fire 2c


def test_errors_do_not_enter_a_data_based_fingerprint() -> None:
    unbilled = order(item("A"))
    releases = (ticket("9-1", ("A", 1)),)
    base = fp(unbilled, cp(*releases))
    assert base is not None
    assert fp(unbilled, cp(*releases, errors=(error(11, "capture"),))) == base
    assert fp(unbilled, cp(*releases, errors=(error(12, "invoice"),))) == base


def test_dismissing_the_error_of_an_order_with_data_evidence_keeps_its_fingerprint() -> None:
    overshipped = order(item("A", shipped=1), total_invoiced=0)
    with_error = classify(overshipped, cp(errors=(error(11, "capture"),)), now=NOW)
    dismissed = classify(overshipped, cp(), now=NOW)
    assert with_error.scenarios == ("manual-invoice-or-ship", "capture-failed")
    assert dismissed.scenarios == ("manual-invoice-or-ship",)
    assert with_error.fingerprint == dismissed.fingerprint


# --- releases within the grace period ----------------------------------------------------------

FRESH = NOW - timedelta(minutes=5)


@pytest.mark.parametrize(
    ("magento", "counterpoint", "now_scenarios", "later_scenarios"),
    [
        pytest.param(  # resolved on the invoice error alone; an hour later 2(a) fires on the same data
            order(item("A")),
            cp(ticket("9-1", ("A", 1), time=FRESH), errors=(error(11, "invoice"),)),
            ("capture-failed",),
            ("capture-failed",),
            id="error-then-unbilled-release",
        ),
    ],
)
def test_a_release_ageing_past_the_grace_period_keeps_the_fingerprint(
    magento: MagentoOrder,
    counterpoint: CounterpointOrder,
    now_scenarios: tuple[str, ...],
    later_scenarios: tuple[str, ...],
) -> None:
    before = classify(magento, counterpoint, now=NOW, capture_grace_minutes=60)
    after = classify(magento, counterpoint, now=NOW + timedelta(hours=1), capture_grace_minutes=60)
    assert (before.scenarios, after.scenarios) == (now_scenarios, later_scenarios)
    assert before.fingerprint is not None and before.fingerprint == after.fingerprint


def test_a_scenario_only_the_ageing_fires_is_a_new_finding() -> None:
    """Rule 1 on A, resolved while B's release was a few minutes old: when B is still not invoiced
    an hour later, its capture failure (money the resolve never saw) must be reported, not hidden."""
    magento = order(item("A", shipped=1, invoiced=1), item("B"), total_invoiced=10, total_paid=10)
    counterpoint = cp(ticket("9-1", ("B", 1), time=FRESH))
    before = classify(magento, counterpoint, now=NOW, capture_grace_minutes=60)
    after = classify(magento, counterpoint, now=NOW + timedelta(hours=1), capture_grace_minutes=60)
    assert (before.scenarios, after.scenarios) == (
        ("manual-invoice-or-ship",),
        ("manual-invoice-or-ship", "capture-failed"),
    )
    assert before.fingerprint != after.fingerprint


def test_an_invoice_for_the_fresh_release_is_new_evidence() -> None:
    magento = order(item("A", shipped=1, invoiced=1), item("B"), total_invoiced=10, total_paid=10)
    fresh = cp(ticket("9-1", ("B", 1), time=FRESH))
    invoiced = order(
        item("A", shipped=1, invoiced=1), item("B", invoiced=1), total_invoiced=20, total_paid=20
    )
    assert fp(magento, fresh) != fp(invoiced, fresh)
