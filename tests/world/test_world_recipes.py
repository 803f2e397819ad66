"""Self-checks: recompute, straight from the tables and the JSON, what each recipe claims to build.

These never call the scenario engine; they prove the data behind a label is what the label says
(the lead's end-to-end tests hold the real scan against the same labels).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from world_facts import CpFacts, MagentoQty, magento_quantities, norm
from world_kit import NOW, World

Check = Callable[[World, dict[str, Any], CpFacts, dict[str, MagentoQty]], None]
CHECKS: dict[str, list[Check]] = {}


def check(*kinds: str) -> Callable[[Check], Check]:
    """Register a self-check for the orders of these recipes (a recipe may have several)."""

    def register(function: Check) -> Check:
        for kind in kinds:
            CHECKS.setdefault(kind, []).append(function)
        return function

    return register


def _total(order: dict[str, Any], key: str) -> Decimal:
    return Decimal(str(order.get(key, 0)))


def _aged(world: World, cp: CpFacts) -> dict[str, int]:
    return cp.released(aged_before=NOW - timedelta(minutes=world.site.capture_grace_minutes))


@check("partially-released", "posted-partial", "sku-case", "dismissed-errors")
def _released_part_invoiced_all(
    world: World, order: dict[str, Any], cp: CpFacts, qty: dict[str, MagentoQty]
) -> None:
    released = cp.released()
    assert cp.import_deposits == 0
    assert all(q.invoiced == released[sku] and q.shipped <= released[sku] for sku, q in qty.items())
    assert 0 < sum(released.values()) < sum(q.ordered for q in qty.values())
    assert _total(order, "total_invoiced") == _total(order, "total_paid")


@check("complete", "posted-complete", "old-complete")
def _released_everything(
    world: World, order: dict[str, Any], cp: CpFacts, qty: dict[str, MagentoQty]
) -> None:
    released = cp.released()
    assert order["state"] == "complete"
    assert all(q.ordered == q.invoiced == q.shipped == released[sku] for sku, q in qty.items())
    if world.labels[order["increment_id"]]["kind"] == "posted-complete":
        assert cp.posted and all(release.posted for release in cp.releases)


@check("pre-invoiced", "pre-invoiced-complete", "code-case")
def _pre_invoiced(world: World, order: dict[str, Any], cp: CpFacts, qty: dict[str, MagentoQty]) -> None:
    released = cp.released()
    assert cp.import_deposits == _total(order, "grand_total") and cp.manual_deposits == 0
    assert all(q.invoiced == q.ordered and q.shipped == released[sku] for sku, q in qty.items())


@check("release-in-grace")
def _release_in_grace(world: World, order: dict[str, Any], cp: CpFacts, qty: dict[str, MagentoQty]) -> None:
    cutoff = NOW - timedelta(minutes=world.site.capture_grace_minutes)
    recent = [release for release in cp.releases if release.time and release.time > cutoff]
    aged, released = _aged(world, cp), cp.released()
    assert len(recent) == 1 and not recent[0].posted and recent[0].lines
    assert all(q.invoiced == aged[sku] for sku, q in qty.items())  # every aged release was invoiced
    assert all(released[sku] > aged[sku] for sku in recent[0].lines)


@check("uncaptured-release", "uncaptured-posted-release", "old-capture-failed", "sku-case-uncaptured")
def _uncaptured(world: World, order: dict[str, Any], cp: CpFacts, qty: dict[str, MagentoQty]) -> None:
    aged, released = _aged(world, cp), cp.released()
    assert any(aged[sku] > q.invoiced for sku, q in qty.items())
    assert all(q.invoiced <= released[sku] and q.shipped <= released[sku] for sku, q in qty.items())


@check("invoice-unpaid")
def _unpaid(world: World, order: dict[str, Any], cp: CpFacts, qty: dict[str, MagentoQty]) -> None:
    released = cp.released()
    assert _total(order, "total_invoiced") > _total(order, "total_paid")
    assert all(q.invoiced == released[sku] for sku, q in qty.items())


@check("capture-error")
def _capture_error(world: World, order: dict[str, Any], cp: CpFacts, qty: dict[str, MagentoQty]) -> None:
    assert {"INVOICE", "CAPTURE"} & set(cp.open_error_types)
    assert all(q.invoiced >= _aged(world, cp)[sku] for sku, q in qty.items())


@check("dismissed-errors")
def _dismissed(world: World, order: dict[str, Any], cp: CpFacts, qty: dict[str, MagentoQty]) -> None:
    assert not {"INVOICE", "CAPTURE"} & set(cp.open_error_types)
    assert {"INVOICE", "CAPTURE"} <= set(cp.dismissed_error_types)


@check("both-canceled-leftovers")
def _both_canceled(world: World, order: dict[str, Any], cp: CpFacts, qty: dict[str, MagentoQty]) -> None:
    released = cp.released()
    assert order["state"] == "complete" and cp.canceled
    assert all(q.ordered - q.canceled == released[sku] for sku, q in qty.items())
    assert any(q.canceled for q in qty.values())


@check("manual-deposit-refunded")
def _refunded(world: World, order: dict[str, Any], cp: CpFacts, qty: dict[str, MagentoQty]) -> None:
    assert order["state"] == "canceled" and cp.manual_deposits == 0
    assert any(row < 0 for row in cp.deposit_rows) and any(row > 0 for row in cp.deposit_rows)


@check("canceled-import-deposit")
def _import_deposit_only(
    world: World, order: dict[str, Any], cp: CpFacts, qty: dict[str, MagentoQty]
) -> None:
    assert order["state"] == "canceled" and not cp.releases
    assert cp.import_deposits > 0 and cp.manual_deposits == 0


@check("reinstated-cancel", "manual-ship-reinstated")
def _reinstated(world: World, order: dict[str, Any], cp: CpFacts, qty: dict[str, MagentoQty]) -> None:
    reinstated = max(index for index, activ in enumerate(cp.audit) if activ == "I")
    assert cp.audit.index("C") < reinstated
    assert not cp.canceled


@check("completed-but-canceled", "completed-but-canceled-posted", "completed-but-recanceled")
def _completed_canceled(world: World, order: dict[str, Any], cp: CpFacts, qty: dict[str, MagentoQty]) -> None:
    released = cp.released()
    assert order["state"] == "complete" and cp.canceled
    assert any(q.ordered - q.canceled > released[sku] for sku, q in qty.items())
    kind = world.labels[order["increment_id"]]["kind"]
    if kind == "completed-but-recanceled":
        assert [a for a in cp.audit if a in "CI"] == ["C", "I", "C"]
    if kind == "completed-but-canceled-posted":
        assert cp.posted


@check(
    "released-but-canceled",
    "released-but-canceled-posted",
    "substitute-released-canceled",
    "released-and-deposit-canceled",
)
def _released_canceled(world: World, order: dict[str, Any], cp: CpFacts, qty: dict[str, MagentoQty]) -> None:
    released = cp.released()
    assert order["state"] == "canceled" and sum(released.values()) > 0
    if world.labels[order["increment_id"]]["kind"] == "substitute-released-canceled":
        assert not set(released) & set(qty)


@check(
    "deposit-but-canceled",
    "deposit-ticket-but-canceled",
    "deposit-partial-refund",
    "posted-deposit-but-canceled",
    "released-and-deposit-canceled",
)
def _deposit_canceled(world: World, order: dict[str, Any], cp: CpFacts, qty: dict[str, MagentoQty]) -> None:
    assert order["state"] == "canceled" and cp.manual_deposits > 0
    if world.labels[order["increment_id"]]["kind"] == "deposit-partial-refund":
        assert any(row < 0 for row in cp.deposit_rows)


@check("manual-ship", "manual-invoice", "manual-ship-pre-invoiced", "manual-invoice-and-uncaptured")
def _manual(world: World, order: dict[str, Any], cp: CpFacts, qty: dict[str, MagentoQty]) -> None:
    released = cp.released()
    pre_invoiced = cp.import_deposits > 0
    assert any(
        q.shipped > released[sku] or (not pre_invoiced and q.invoiced > released[sku])
        for sku, q in qty.items()
    )
    assert not cp.canceled


@check("substitute-release")
def _substitute(world: World, order: dict[str, Any], cp: CpFacts, qty: dict[str, MagentoQty]) -> None:
    released = cp.released()
    assert set(released) - set(qty)
    assert all(q.invoiced == released[sku] for sku, q in qty.items())


@check("layaway-same-number")
def _layaway(world: World, order: dict[str, Any], cp: CpFacts, qty: dict[str, MagentoQty]) -> None:
    layaways = world.db.execute(
        "SELECT DOC_ID FROM PS_DOC_HDR WHERE TKT_NO = ? AND DOC_TYP = 'L'", (order["increment_id"],)
    ).fetchall()
    assert layaways and all(doc_id > cp.doc_id for (doc_id,) in layaways)
    assert (
        world.db.execute(
            "SELECT SUM(AMT) FROM PS_DOC_PMT WHERE DOC_ID = ? AND FINAL_PMT = 'N'", layaways[0]
        ).fetchone()[0]
        > 0
    )
    assert cp.manual_deposits == 0


@check("other-store-same-number")
def _other_store(world: World, order: dict[str, Any], cp: CpFacts, qty: dict[str, MagentoQty]) -> None:
    others = world.db.execute(
        "SELECT DOC_ID FROM PS_DOC_HDR WHERE TKT_NO = ? AND DOC_TYP = 'O' AND STR_ID = 'MAIN'",
        (order["increment_id"],),
    ).fetchall()
    posted_elsewhere = world.db.execute(
        "SELECT COUNT(*) FROM PS_TKT_HIST_ORIG_DOC o JOIN PS_TKT_HIST h ON h.DOC_ID = o.DOC_ID "
        "WHERE o.ORIG_TKT_NO = ? AND h.STR_ID = 'MAIN'",
        (order["increment_id"],),
    ).fetchone()[0]
    assert others and others[0][0] > cp.doc_id and posted_elsewhere == 1
    assert not cp.releases and not cp.open_error_types


@check("sku-case", "sku-case-uncaptured")
def _sku_spelling(world: World, order: dict[str, Any], cp: CpFacts, qty: dict[str, MagentoQty]) -> None:
    items = world.db.execute("SELECT ITEM_NO FROM PS_DOC_LIN WHERE DOC_ID = ?", (cp.doc_id,)).fetchall()
    raw_skus = {item["sku"] for item in order["items"]}
    assert not raw_skus & {item for (item,) in items}
    assert {norm(sku) for sku in raw_skus} >= {norm(item) for (item,) in items}


@check("code-case")
def _code_spelling(world: World, order: dict[str, Any], cp: CpFacts, qty: dict[str, MagentoQty]) -> None:
    doc_typ, store = world.db.execute(
        "SELECT DOC_TYP, STR_ID FROM PS_DOC_HDR WHERE DOC_ID = ?", (cp.doc_id,)
    ).fetchone()
    assert (doc_typ, store) == ("o", "web ")


@check("stale-flag")
def _stale(world: World, order: dict[str, Any], cp: CpFacts, qty: dict[str, MagentoQty]) -> None:
    assert order["status"] == world.site.needs_attention
    _released_part_invoiced_all(world, order, cp, qty)


@pytest.mark.parametrize("kind", sorted(CHECKS))
def test_recipe_built_what_its_label_says(world: World, kind: str) -> None:
    orders = world.of_kind(kind)
    assert orders, kind
    checked = 0
    for order in orders:
        cp = world.reader.facts(order["increment_id"])
        if cp is None:  # only the stale flag of an order that was never imported
            assert kind == "stale-flag" and not any(
                "Counterpoint as order" in h["comment"] for h in order["status_histories"]
            )
            continue
        for self_check in CHECKS[kind]:
            self_check(world, order, cp, magento_quantities(order))
        checked += 1
    assert checked


@pytest.mark.parametrize("kind", ["not-imported", "other-site"])
def test_orders_outside_the_scan_have_no_counterpoint_order_of_the_site(world: World, kind: str) -> None:
    for order in world.of_kind(kind):
        facts = world.reader.facts(order["increment_id"])
        assert (facts is None) == (kind == "not-imported")
        assert world.labels[order["increment_id"]]["scenarios"] == []
