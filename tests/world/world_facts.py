"""An independent, deliberately plain reading of a generated world, for the self-checks.

It recomputes the quantities domain.md §3 talks about straight from the SQLite tables and the
Magento JSON, without the product's adapter or scenario engine, so a test can prove that a recipe
built what its label claims.
"""

from __future__ import annotations

import sqlite3
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo


def norm(value: object) -> str:
    return str(value or "").strip().upper()


@dataclass
class Release:
    number: str
    posted: bool
    time: datetime | None
    lines: Counter[str]


@dataclass
class CpFacts:
    doc_id: int
    posted: bool
    releases: list[Release] = field(default_factory=list)
    import_deposits: Decimal = Decimal(0)
    manual_deposits: Decimal = Decimal(0)
    deposit_rows: list[Decimal] = field(default_factory=list)
    audit: list[str] = field(default_factory=list)
    open_error_types: list[str] = field(default_factory=list)
    dismissed_error_types: list[str] = field(default_factory=list)

    @property
    def canceled(self) -> bool:
        last_c = max((i for i, a in enumerate(self.audit) if a == "C"), default=-1)
        last_i = max((i for i, a in enumerate(self.audit) if a == "I"), default=-1)
        return last_c > last_i

    def released(self, *, aged_before: datetime | None = None) -> Counter[str]:
        total: Counter[str] = Counter()
        for release in self.releases:
            if aged_before is None or release.time is None or release.time <= aged_before:
                total.update(release.lines)
        return total


class WorldReader:
    """Loads the whole (small) database once and answers per order number."""

    def __init__(
        self, db: sqlite3.Connection, *, store: str, web_pay_codes: tuple[str, ...], zone: str
    ) -> None:
        self.store = norm(store)
        self.web = {norm(code) for code in web_pay_codes}
        self.zone = ZoneInfo(zone)
        self.hdr = db.execute(
            "SELECT DOC_ID, DOC_TYP, TKT_NO, STR_ID, IS_REL_TKT, TKT_DT, RS_UTC_DT FROM PS_DOC_HDR"
        ).fetchall()
        self.ord_hist = db.execute("SELECT DOC_ID, TKT_NO, STR_ID FROM PS_ORD_HIST").fetchall()
        self.lines = self._group(db, "SELECT DOC_ID, LIN_TYP, ITEM_NO, QTY_SOLD FROM PS_DOC_LIN")
        self.pmts = self._group(db, "SELECT DOC_ID, PAY_COD, AMT, FINAL_PMT FROM PS_DOC_PMT")
        self.links = self._group(db, "SELECT ORIG_DOC_ID, DOC_ID FROM PS_DOC_HDR_ORIG_DOC")
        self.audit = self._group(db, "SELECT DOC_ID, LOG_SEQ_NO, ACTIV FROM PS_DOC_AUDIT_LOG")
        self.hist_audit = self._group(db, "SELECT DOC_ID, LOG_SEQ_NO, ACTIV FROM PS_ORD_HIST_AUDIT_LOG")
        self.tkt_hist = {
            row[0]: row
            for row in db.execute("SELECT DOC_ID, TKT_NO, STR_ID, IS_REL_TKT, TKT_DT FROM PS_TKT_HIST")
        }
        self.tkt_lines = self._group(db, "SELECT DOC_ID, LIN_TYP, ITEM_NO, QTY_SOLD FROM PS_TKT_HIST_LIN")
        self.tkt_pmts = self._group(db, "SELECT DOC_ID, PAY_COD, AMT FROM PS_TKT_HIST_PMT")
        self.tkt_links = self._group(db, "SELECT ORIG_TKT_NO, DOC_ID FROM PS_TKT_HIST_ORIG_DOC")
        self.errors = self._group(db, "SELECT ORD_NO, STR_ID, ERR_TYP, IS_DISMISSED FROM USER_C5_ORD_ERR")
        self.hdr_by_id = {row[0]: row for row in self.hdr}

    @staticmethod
    def _group(db: sqlite3.Connection, sql: str) -> dict[Any, list[tuple[Any, ...]]]:
        grouped: dict[Any, list[tuple[Any, ...]]] = defaultdict(list)
        for row in db.execute(sql):
            grouped[row[0]].append(tuple(row[1:]))
        return grouped

    def _time(self, tkt_dt: str | None, rs_utc_dt: str | None) -> datetime | None:
        if rs_utc_dt:
            return datetime.fromisoformat(rs_utc_dt).replace(tzinfo=UTC)
        if tkt_dt:
            return datetime.fromisoformat(tkt_dt).replace(tzinfo=self.zone).astimezone(UTC)
        return None

    def facts(self, order_no: str) -> CpFacts | None:
        open_docs = [
            r for r in self.hdr if r[2] == order_no and norm(r[1]) == "O" and norm(r[3]) == self.store
        ]
        posted_docs = [r for r in self.ord_hist if r[1] == order_no and norm(r[2]) == self.store]
        if open_docs:
            facts = CpFacts(doc_id=max(r[0] for r in open_docs), posted=False)
            audit = self.audit.get(facts.doc_id, [])
        elif posted_docs:
            facts = CpFacts(doc_id=max(r[0] for r in posted_docs), posted=True)
            audit = self.hist_audit.get(facts.doc_id, [])
        else:
            return None
        facts.audit = [norm(activ) for _, activ in sorted(audit)]
        deposits: list[tuple[str, Decimal]] = [
            (pay, Decimal(str(amt)))
            for pay, amt, final in self.pmts.get(facts.doc_id, [])
            if norm(final) == "N"
        ]
        for (linked,) in self.links.get(facts.doc_id, []):
            doc = self.hdr_by_id[linked]
            if norm(doc[4]) == "Y":
                lines = Counter(
                    {
                        norm(item): int(qty)
                        for typ, item, qty in self.lines.get(linked, [])
                        if norm(typ) == "S"
                    }
                )
                facts.releases.append(Release(doc[2], False, self._time(doc[5], doc[6]), lines))
            else:
                deposits += [
                    (pay, Decimal(str(amt)))
                    for pay, amt, final in self.pmts.get(linked, [])
                    if norm(final) == "N"
                ]
        for (ticket_id,) in self.tkt_links.get(order_no, []):
            ticket = self.tkt_hist[ticket_id]
            if norm(ticket[2]) != self.store:
                continue
            if norm(ticket[3]) == "Y":
                lines = Counter(
                    {
                        norm(item): int(qty)
                        for typ, item, qty in self.tkt_lines.get(ticket_id, [])
                        if norm(typ) == "S"
                    }
                )
                facts.releases.append(Release(ticket[1], True, self._time(ticket[4], None), lines))
            else:
                deposits += [(pay, Decimal(str(amt))) for pay, amt in self.tkt_pmts.get(ticket_id, [])]
        for pay, amount in deposits:
            facts.deposit_rows.append(amount)
            if norm(pay) in self.web:
                facts.import_deposits += amount
            else:
                facts.manual_deposits += amount
        for store, typ, dismissed in self.errors.get(order_no, []):
            if norm(store) == self.store:
                target = facts.dismissed_error_types if norm(dismissed) == "Y" else facts.open_error_types
                target.append(norm(typ))
        return facts


@dataclass
class MagentoQty:
    ordered: int = 0
    invoiced: int = 0
    shipped: int = 0
    canceled: int = 0


def magento_quantities(order: dict[str, Any]) -> dict[str, MagentoQty]:
    """Per SKU, counting a configurable once (its parent) and a bundle by its children."""
    types = {item["item_id"]: item["product_type"] for item in order["items"]}
    result: dict[str, MagentoQty] = defaultdict(MagentoQty)
    for item in order["items"]:
        parent_type = types.get(item.get("parent_item_id"))
        if item["product_type"] == "bundle" or parent_type == "configurable":
            continue
        qty = result[norm(item["sku"])]
        qty.ordered += item.get("qty_ordered", 0)
        qty.invoiced += item.get("qty_invoiced", 0)
        qty.shipped += item.get("qty_shipped", 0)
        qty.canceled += item.get("qty_canceled", 0)
    return result


def grace_cutoff(now: datetime, minutes: int) -> datetime:
    return now - timedelta(minutes=minutes)
