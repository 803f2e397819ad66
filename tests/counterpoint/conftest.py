"""Small Counterpoint databases built from the sandbox DDL, one row at a time."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

import c5attn.sandbox
from c5attn.config import SiteConfig
from c5attn.counterpoint.store import CounterpointStore

SCHEMA_SQL = (Path(c5attn.sandbox.__file__).parent / "cp_schema.sql").read_text()

# Values for NOT NULL columns a test does not care about.
_DEFAULTS: dict[str, dict[str, object]] = {
    "PS_DOC_HDR": {"DOC_TYP": "O", "STR_ID": "WEB", "STA_ID": "1"},
    "PS_DOC_LIN": {"LIN_TYP": "S"},
    "PS_DOC_PMT": {"FINAL_PMT": "N"},
    "PS_TKT_HIST": {"STR_ID": "WEB", "IS_REL_TKT": "Y"},
    "PS_TKT_HIST_LIN": {"LIN_TYP": "S"},
    "PS_ORD_HIST": {"STR_ID": "WEB"},
    "USER_C5_ORD_ERR": {
        "STR_ID": "WEB",
        "ERR_TYP": "capture",
        "ERR_MSG": "capture failed",
        "ERR_DT": "2024-05-01 10:00:00",
    },
}


class CPDatabase:
    """A throwaway Counterpoint database: ``add`` inserts one row; the rest are shorthands."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.connection = sqlite3.connect(path, isolation_level=None)
        self.connection.execute("PRAGMA synchronous = OFF")  # a test database: no fsync per row
        self.connection.executescript(SCHEMA_SQL)

    @property
    def dsn(self) -> str:
        return f"sqlite:///{self.path}"

    def execute(self, sql: str, parameters: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
        return self.connection.execute(sql, parameters).fetchall()

    def add(self, table: str, **columns: object) -> None:
        row = {**_DEFAULTS.get(table, {}), **columns}
        names = ", ".join(f'"{name}"' for name in row)  # quoted: a test may use reserved words
        marks = ", ".join("?" * len(row))
        values = [str(v) if isinstance(v, Decimal) else v for v in row.values()]
        self.connection.execute(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', values)

    def order(self, doc_id: int, order_no: str, **columns: object) -> None:
        """An open order document (DOC_TYP 'O', store WEB) whose TKT_NO is the order number."""
        self.add("PS_DOC_HDR", DOC_ID=doc_id, TKT_NO=order_no, **columns)

    def release(
        self, doc_id: int, order_doc_id: int, tkt_no: str, lines: Mapping[str, object], **columns: object
    ) -> None:
        """An unposted release ticket of the order, with one sale line per item."""
        self.add(
            "PS_DOC_HDR", **{"DOC_ID": doc_id, "DOC_TYP": "T", "TKT_NO": tkt_no, "IS_REL_TKT": "Y", **columns}
        )
        self.add("PS_DOC_HDR_ORIG_DOC", DOC_ID=doc_id, ORIG_DOC_ID=order_doc_id)
        for seq, (item, qty) in enumerate(lines.items(), start=1):
            self.add("PS_DOC_LIN", DOC_ID=doc_id, LIN_SEQ_NO=seq, ITEM_NO=item, QTY_SOLD=qty)

    def posted_ticket(
        self,
        doc_id: int,
        orig_tkt_no: str,
        tkt_no: str,
        lines: Mapping[str, object] | None = None,
        **columns: object,
    ) -> None:
        """A posted ticket (a release unless IS_REL_TKT says otherwise) linked to an order's TKT_NO."""
        self.add("PS_TKT_HIST", DOC_ID=doc_id, TKT_NO=tkt_no, **columns)
        self.add("PS_TKT_HIST_ORIG_DOC", DOC_ID=doc_id, ORIG_TKT_NO=orig_tkt_no)
        for seq, (item, qty) in enumerate((lines or {}).items(), start=1):
            self.add("PS_TKT_HIST_LIN", DOC_ID=doc_id, LIN_SEQ_NO=seq, ITEM_NO=item, QTY_SOLD=qty)

    def audit(self, doc_id: int, seq: int, activ: str, *, posted: bool = False) -> None:
        table = "PS_ORD_HIST_AUDIT_LOG" if posted else "PS_DOC_AUDIT_LOG"
        self.add(table, DOC_ID=doc_id, LOG_SEQ_NO=seq, ACTIV=activ)

    def errors(self) -> list[tuple[object, ...]]:
        """Every error row, for before/after comparisons."""
        return self.execute("SELECT * FROM USER_C5_ORD_ERR ORDER BY ERR_ID")


@pytest.fixture
def cp_db(tmp_path: Path) -> Iterator[CPDatabase]:
    database = CPDatabase(tmp_path / "cp.db")
    yield database
    database.connection.close()


@pytest.fixture
def make_site(cp_db: CPDatabase) -> Callable[..., SiteConfig]:
    """A site on ``cp_db`` (store WEB, pay code WEB), with any SiteConfig field overridden."""
    base = SiteConfig(name="web", magento_url="http://127.0.0.1", counterpoint_dsn=cp_db.dsn)

    def build(**overrides: object) -> SiteConfig:
        return replace(base, **overrides)  # type: ignore[arg-type]

    return build


@pytest.fixture
def make_store(make_site: Callable[..., SiteConfig]) -> Iterator[Callable[..., CounterpointStore]]:
    """Stores on ``cp_db``, closed after the test; keyword arguments override the site."""
    stores: list[CounterpointStore] = []

    def build(**overrides: object) -> CounterpointStore:
        store = CounterpointStore(make_site(**overrides))
        stores.append(store)
        return store

    yield build
    for store in stores:
        store.close()
