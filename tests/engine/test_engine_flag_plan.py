"""What ``scan --apply`` plans to flag: not a new finding whose order is in a state to which the site
does not assign Needs Attention (Magento would refuse the status there, at every run), which the
scan names once instead (no I/O: the two systems are in memory)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from engine_builders import NOW, cp, item, order, ticket

from c5attn.audit import AuditLog
from c5attn.config import SiteConfig
from c5attn.models import CounterpointOrder, MagentoOrder
from c5attn.workflow import ScanResult, SiteSession, needs_attention_assigned, scan_site, unassigned_notes

SITE = SiteConfig(name="web", magento_url="http://127.0.0.1", counterpoint_dsn="unused")


def _site(state_statuses: dict[str, list[str]], needs_attention: str = "needs_attention") -> SiteConfig:
    """The default site with ``state_statuses`` given (each replacing its state's default list)."""
    return dataclasses.replace(
        SITE,
        state_statuses={**SITE.state_statuses, **state_statuses},
        statuses={**SITE.statuses, "needs_attention": needs_attention},
    )


@pytest.mark.parametrize(
    ("state_statuses", "needs_attention", "state", "assigned"),
    [
        ({}, "needs_attention", "processing", True),
        ({}, "needs_attention", "payment_review", False),  # the defaults list no statuses for it
        ({}, "needs_attention", "pending_payment", False),
        ({"payment_review": ["payment_review", "fraud"]}, "needs_attention", "payment_review", False),
        ({"payment_review": ["fraud", "needs_attention"]}, "needs_attention", "payment_review", True),
        ({"holded": ["holded"]}, "needs_attention", "holded", False),  # a given state replaces its default
        ({}, "c5_attention", "processing", False),  # the site's own Needs Attention code is the one asked
        ({"processing": ["processing", "c5_attention"]}, "c5_attention", "processing", True),
    ],
)
def test_needs_attention_is_assigned_where_state_statuses_lists_it(
    state_statuses: dict[str, list[str]], needs_attention: str, state: str, assigned: bool
) -> None:
    assert needs_attention_assigned(_site(state_statuses, needs_attention), state) is assigned


class _Magento:
    """The Magento orders of a scan, in memory; what ``scan_site`` asks of Magento."""

    def __init__(self, orders: Iterable[MagentoOrder]) -> None:
        self.orders = list(orders)

    def iter_orders(
        self, filter_groups: Any, *, progress: Any = None, in_order: bool = True
    ) -> Iterator[MagentoOrder]:
        return iter(self.orders)


class _Counterpoint:
    """Every order released its one item a while ago, with no Magento invoice: capture-failed."""

    def fetch_orders(self, order_numbers: Iterable[str]) -> dict[str, CounterpointOrder]:
        released = cp(ticket("1-1", ("A", 1)))
        return {number: dataclasses.replace(released, order_no=number) for number in order_numbers}


def _scan(tmp_path: Path, site: SiteConfig, *orders: tuple[str, str, str]) -> ScanResult:
    """``scan --apply``'s scan of orders given as (number, state, status), each a capture failure."""
    magento = [
        dataclasses.replace(order(item("A"), state=state, status=status), increment_id=number, entity_id=n)
        for n, (number, state, status) in enumerate(orders, 1)
    ]
    session = SiteSession(site, _Magento(magento), _Counterpoint(), "jane", AuditLog(tmp_path), NOW)
    return scan_site(session, since=None, for_apply=True)


# (number, state, status) of each order; the numbers planned as flags; the numbers left out, by state
PLAN_CASES = [
    pytest.param(
        [("1", "processing", "in_counterpoint"), ("2", "payment_review", "payment_review")],
        ["1"],
        {"payment_review": ["2"]},
        id="one-in-a-state-without-statuses",
    ),
    pytest.param(
        [("9", "payment_review", "fraud"), ("3", "pending_payment", "pending"), ("4", "payment_review", "x")],
        [],
        {"payment_review": ["4", "9"], "pending_payment": ["3"]},
        id="none-to-flag-numbers-in-order",
    ),
    pytest.param(
        [("5", "payment_review", "needs_attention")],  # at Needs Attention already: a flag to settle only
        [],
        {},
        id="already-at-needs-attention",
    ),
    pytest.param(
        [("6", "processing", "processing"), ("7", "complete", "complete")],
        ["6", "7"],
        {},
        id="every-state-assigns-it",
    ),
]


@pytest.mark.parametrize(("orders", "planned", "left_out"), PLAN_CASES)
def test_a_finding_in_a_state_without_needs_attention_is_not_planned_as_a_flag(
    tmp_path: Path, orders: list[tuple[str, str, str]], planned: list[str], left_out: dict[str, list[str]]
) -> None:
    result = _scan(tmp_path, SITE, *orders)
    assert sorted(target.increment_id for target in result.to_flag) == planned
    assert result.unassigned == left_out
    assert result.unflagged == len(planned)  # what the scan without --apply says --apply would flag
    assert sorted(item.order for item in result.reported) == sorted(number for number, _, _ in orders)
    assert result.selected == len(orders)  # still unresolved findings, for --fail-if-found
    assert not list(AuditLog(tmp_path).entries())  # planned, not refused: nothing to record


def test_a_site_that_assigns_needs_attention_to_the_state_plans_its_flag(tmp_path: Path) -> None:
    site = _site({"payment_review": ["payment_review", "needs_attention"]})
    result = _scan(tmp_path, site, ("2", "payment_review", "payment_review"))
    assert [target.increment_id for target in result.to_flag] == ["2"] and result.unassigned == {}


@pytest.mark.parametrize(
    ("state_statuses", "unassigned", "said"),
    [
        (
            {},
            {"payment_review": ["000010600"]},
            [
                "site web: 1 finding cannot be flagged Needs Attention, its order being in state "
                "payment_review (000010600): status 'needs_attention' is not assigned to state "
                "'payment_review' (state_statuses lists no statuses for it); assign needs_attention to state "
                "payment_review in the Magento admin (Stores > Order Status > Assign Status to State) and "
                "list it in state_statuses.payment_review, or handle the order by hand"
            ],
        ),
        (
            {"payment_review": ["payment_review", "fraud"]},
            {"payment_review": [f"00000000{n}" for n in range(1, 8)]},
            [
                "site web: 7 findings cannot be flagged Needs Attention, their orders being in state "
                "payment_review (000000001, 000000002, 000000003, 000000004, 000000005 and 2 more): status "
                "'needs_attention' is not assigned to state 'payment_review' (state_statuses lists only "
                "payment_review, fraud for it); assign needs_attention to state payment_review in the "
                "Magento admin (Stores > Order Status > Assign Status to State) and list it in "
                "state_statuses.payment_review, or handle the orders by hand"
            ],
        ),
    ],
)
def test_the_findings_left_unflagged_are_named_with_their_state_and_what_to_do(
    state_statuses: dict[str, list[str]], unassigned: dict[str, list[str]], said: list[str]
) -> None:
    assert unassigned_notes(_site(state_statuses), unassigned) == said


def test_each_state_gets_its_own_line_in_a_steady_order() -> None:
    notes = unassigned_notes(SITE, {"payment_review": ["2"], "pending_payment": ["1"]})
    states = [note.split("being in state ")[1].split()[0] for note in notes]
    assert states == ["payment_review", "pending_payment"]
    assert unassigned_notes(SITE, {}) == []
