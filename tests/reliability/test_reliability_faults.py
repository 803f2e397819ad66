"""Faults: Magento answering 503, 429 (Retry-After), dropping connections, answering slowly or
with broken JSON; Counterpoint failing in the middle of a scan.

A scan under Magento faults sees exactly what a clean scan sees; ``scan --apply`` under the same
faults, re-run as its hint says until it succeeds, flags every finding exactly once; a Counterpoint
failure stops the run with a clear error before anything is written to Magento.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

import pytest
from reliability_kit import (
    APPLY_ORDERS,
    FAULT_ORDERS,
    Shop,
    World,
    assert_clear_error,
    comment_counts,
    comment_total,
)

from c5attn.counterpoint import store as store_module

FAULTS = "503:0.1,429:0.05,drop:0.02,slow:0.02,badjson:0.01"
SLOW_SECONDS = 0.3  # a slow answer, well inside the client's timeout
MAX_RUNS = 10  # an --apply that hits an unlucky write fault exits 3 and is run again, as its hint says


def findings(rows: list[dict[str, Any]]) -> dict[str, tuple[Any, ...]]:
    """What a scan reports per order: scenarios, fingerprint, money at risk and flag state."""
    return {
        row["order"]: (tuple(row["scenarios"]), row["fingerprint"], row["money_at_risk"], row["flagged"])
        for row in rows
    }


@pytest.fixture(scope="module")
def fault_world(worlds: Callable[[int, int], World]) -> World:
    return worlds(FAULT_ORDERS, 23)


def test_scan_under_faults_reports_exactly_the_clean_findings(
    open_shop: Callable[..., Shop], fault_world: World
) -> None:
    clean = open_shop(fault_world)
    clean.configure(extra="magento_page_size = 100")
    expected = clean.run("scan", "--all", "--json")
    assert expected.exit_code == 0, expected.stderr
    assert len(findings(expected.json())) > 300

    faulty = open_shop(fault_world, faults=FAULTS, seed=5, slow_seconds=SLOW_SECONDS)
    faulty.configure(extra="magento_page_size = 100")
    for _ in range(2):
        got = faulty.run("scan", "--all", "--json")
        assert got.exit_code == 0, got.stderr
        assert findings(got.json()) == findings(expected.json())
    pages = clean.server.requests_to("GET", "/V1/orders")
    assert faulty.server.requests_to("GET", "/V1/orders") > 2 * pages  # faults really were retried
    assert comment_total(faulty.magento_db) == comment_total(clean.magento_db)  # a scan writes nothing


def apply_until_done(shop: Shop) -> list[int]:
    """``scan --apply --yes`` until it exits 0; the exit codes of every run."""
    codes: list[int] = []
    for _ in range(MAX_RUNS):
        run = shop.run("scan", "--all", "--apply", "--yes")
        assert run.exception is None and "Traceback" not in run.stderr, run.stderr
        codes.append(run.exit_code)
        if run.exit_code == 0:
            return codes
        assert_clear_error(run, 3, "flags failed", "run the same command again")
    raise AssertionError(f"scan --apply never succeeded: {codes}")


def test_apply_under_faults_flags_every_finding_exactly_once(
    open_shop: Callable[..., Shop], worlds: Callable[[int, int], World]
) -> None:
    world = worlds(APPLY_ORDERS, 29)
    clean = open_shop(world)
    before = {row["order"]: row for row in clean.run("scan", "--all", "--json").json()}
    to_flag = {number for number, row in before.items() if row["scenarios"] and not row["flagged"]}
    assert len(to_flag) > 30

    faulty = open_shop(world, faults=FAULTS, seed=9, slow_seconds=SLOW_SECONDS)
    codes = apply_until_done(faulty)
    counts = comment_counts(faulty.magento_db)
    assert counts == dict.fromkeys(to_flag, 1), (codes, {n: c for n, c in counts.items() if c != 1})
    assert faulty.server.requests_to("POST", "/comments") > len(to_flag)  # some writes were refused
    after = faulty.run("scan", "--all", "--json").json()
    assert all(row["flagged"] for row in after if row["scenarios"])

    again = faulty.run("scan", "--all", "--apply", "--yes")
    assert again.exit_code == 0 and "nothing to flag" in again.stderr
    assert comment_counts(faulty.magento_db) == counts


class FailingAfter:
    """A Counterpoint connection factory whose connections break after ``statements`` statements."""

    def __init__(self, statements: int, how: Callable[[], None]) -> None:
        self.left = statements
        self.how = how

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return _Breaking(store_module.connect(*args, **kwargs), self)


class _Breaking:
    def __init__(self, inner: Any, budget: FailingAfter) -> None:
        self.inner, self.budget = inner, budget

    def cursor(self) -> Any:
        return _BreakingCursor(self.inner.cursor(), self.budget)

    def getinfo(self, code: int) -> str:
        """The DBMS name, as the SQLite ODBC driver gives it (the catalogue query is SQLite's)."""
        return "SQLite"

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


class _BreakingCursor:
    def __init__(self, inner: Any, budget: FailingAfter) -> None:
        self.inner, self.budget = inner, budget

    def execute(self, sql: str, parameters: Any = ()) -> Any:
        self.budget.left -= 1
        if self.budget.left == 0:
            self.budget.how()
        return self.inner.execute(sql, parameters)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


@pytest.mark.parametrize("failure", ["table dropped", "connection lost"])
def test_counterpoint_failure_mid_scan_stops_before_any_magento_write(
    open_shop: Callable[..., Shop], fault_world: World, monkeypatch: pytest.MonkeyPatch, failure: str
) -> None:
    shop = open_shop(fault_world)
    comments = comment_total(shop.magento_db)

    def drop_table() -> None:  # a DBA's change lands while the scan reads the second batch
        with sqlite3.connect(shop.counterpoint_db) as db:
            db.execute("DROP TABLE PS_DOC_AUDIT_LOG")

    def lose_connection() -> None:
        import pyodbc

        raise pyodbc.OperationalError("08S01", "[08S01] Communication link failure (SQLSTATE 08S01)")

    how = drop_table if failure == "table dropped" else lose_connection
    # the first batch of 500 orders is 7 statements (the catalogue, then 6): fail inside the second
    factory = FailingAfter(statements=9, how=how)
    original = store_module.CounterpointStore.__init__

    def patched(self: Any, site: Any, **kwargs: Any) -> None:
        kwargs.setdefault("connection_factory", factory)
        original(self, site, **kwargs)

    monkeypatch.setattr(store_module.CounterpointStore, "__init__", patched)
    run = shop.run("scan", "--all", "--apply", "--yes")
    assert_clear_error(run, 1, "Counterpoint" if failure == "connection lost" else "PS_DOC_AUDIT_LOG")
    assert factory.left <= 0  # the failure did happen, after the first batch was read
    assert comment_total(shop.magento_db) == comments
    assert shop.server.requests_to("POST", "/comments") == 0
    assert not (shop.home / "audit.jsonl").exists()
