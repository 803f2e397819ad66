"""The pyodbc path for real: unixODBC and the SQLite ODBC driver (libsqliteodbc) instead of SQL Server."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from decimal import Decimal

import pyodbc
import pytest

from c5attn.counterpoint.store import CounterpointStore
from c5attn.errors import CounterpointError

DRIVER = "SQLite3"


@pytest.fixture
def odbc_site(cp_db, make_site):
    if DRIVER not in pyodbc.drivers():
        if os.environ.get("CI"):
            pytest.fail(f"the {DRIVER} ODBC driver (libsqliteodbc) is not installed")
        pytest.skip(f"the {DRIVER} ODBC driver (libsqliteodbc) is not installed")
    return make_site(
        counterpoint_dsn=f"DRIVER={DRIVER};Database={cp_db.path}", counterpoint_timezone="America/Chicago"
    )


def _world(cp_db):
    cp_db.order(1, "100")
    cp_db.release(2, 1, "100-1", {"SKU": "1.5"}, TKT_DT="2024-01-15 09:00:00")
    cp_db.posted_ticket(30, "100", "100-2", {"SKU": 1}, TKT_DT="2024-01-16 09:00:00")
    cp_db.add("PS_DOC_PMT", DOC_ID=1, PMT_SEQ_NO=1, PAY_COD="CASH", AMT="12.30")
    cp_db.audit(1, 1, "C")
    cp_db.add("USER_C5_ORD_ERR", ERR_ID=7, ORD_NO="100", ERR_TYP="capture")
    cp_db.add("USER_C5_ORD_ERR", ERR_ID=8, ORD_NO="100", ERR_TYP="invoice")


def test_cp_odbc_fetch_matches_the_sqlite3_path(cp_db, make_site, odbc_site):
    _world(cp_db)
    with CounterpointStore(odbc_site) as store:
        through_odbc = store.fetch_orders(["100", "missing"])
        assert store.check_schema().dialect == "sqlite"  # recognised through SQL_DBMS_NAME
    with CounterpointStore(make_site(counterpoint_timezone="America/Chicago")) as store:
        through_sqlite3 = store.fetch_orders(["100", "missing"])
    assert through_odbc == through_sqlite3
    order = through_odbc["100"]
    assert [line.qty_sold for r in order.releases for line in r.lines] == [Decimal("1.5"), Decimal(1)]
    assert [r.time for r in order.releases] == [
        datetime(2024, 1, 15, 15, tzinfo=UTC),
        datetime(2024, 1, 16, 15, tzinfo=UTC),
    ]
    assert order.deposits[0].amount == Decimal("12.30")
    assert (order.canceled, [e.err_id for e in order.open_errors]) == (True, [7, 8])


def test_cp_odbc_dismiss_commits_and_rolls_back(cp_db, odbc_site):
    _world(cp_db)
    cp_db.add("USER_C5_ORD_ERR", ERR_ID=9, ORD_NO="200")
    cp_db.add("USER_C5_ORD_ERR", ERR_ID=10, ORD_NO="200")
    cp_db.execute(
        "CREATE TRIGGER refuse AFTER UPDATE ON USER_C5_ORD_ERR WHEN NEW.ERR_ID = 10 "
        "BEGIN SELECT RAISE(FAIL, 'refused'); END"
    )
    now = datetime(2024, 6, 1, 12, tzinfo=UTC)
    with CounterpointStore(odbc_site) as store:
        with pytest.raises(CounterpointError, match="refused"):
            store.dismiss_errors("200", "jane", now, err_ids=range(1, 100))
        store.dismiss_errors("100", "jane", now, err_ids=range(1, 100))
        assert store.open_errors("100") == []
        store.dismiss_errors("100", "jane", now, err_ids=range(1, 100))  # none open: a no-op
        assert [e.err_id for e in store.open_errors("200")] == [9, 10]
    rows = cp_db.execute(
        "SELECT ERR_ID, IS_DISMISSED, DISMISSED_BY, DISMISSED_DT FROM USER_C5_ORD_ERR ORDER BY ERR_ID"
    )
    assert [row[:3] for row in rows[:2]] == [(7, "Y", "jane"), (8, "Y", "jane")]
    assert {datetime.fromisoformat(row[3]) for row in rows[:2]} == {datetime(2024, 6, 1, 7)}  # Chicago time
    assert [row[1:3] for row in rows[2:]] == [("N", None), ("N", None)]  # rolled back


def test_cp_odbc_a_database_the_driver_cannot_open_is_a_connection_error(tmp_path, make_site, odbc_site):
    """No statement was sent: the hint points at the DSN, not at --verbose and the SQL."""
    missing = make_site(counterpoint_dsn=f"DRIVER={DRIVER};Database={tmp_path / 'no-such-dir' / 'cp.db'}")
    with CounterpointStore(missing) as store, pytest.raises(CounterpointError) as raised:
        store.fetch_orders(["100"])
    assert raised.value.message.startswith("cannot connect to the Counterpoint database: [HY000]")
    assert "Database=" in (raised.value.hint or "") and "--verbose" not in (raised.value.hint or "")


def test_cp_odbc_write_lock_sits_beside_the_database_file_whatever_the_working_folder(
    cp_db, make_site, odbc_site, tmp_path, monkeypatch
):
    """The lock file is named after the database file the DSN opens (``Database=``), never after
    the DSN: that held the password and depended on the working folder."""
    working = tmp_path / "elsewhere"
    working.mkdir()
    monkeypatch.chdir(working)
    site = make_site(counterpoint_dsn=f"{odbc_site.counterpoint_dsn};UID=c5;PWD=pwd-S3CRET")
    with CounterpointStore(site) as store, store.write_lock():
        beside = cp_db.path.with_name(cp_db.path.name + ".c5attn-lock")
        assert beside.exists()
    assert list(working.iterdir()) == []  # nothing in the working folder
    assert not any("S3CRET" in path.name for path in cp_db.path.parent.rglob("*"))


def test_cp_odbc_write_lock_through_a_named_data_source_takes_no_file(
    cp_db, make_site, odbc_site, tmp_path, monkeypatch
):
    """``DSN=cp``: the file is in odbc.ini, unknown here; the write goes on (the home's lock holds)."""
    working = tmp_path / "elsewhere"
    working.mkdir()
    (working / "odbc.ini").write_text(f"[cp]\nDriver = {DRIVER}\nDatabase = {cp_db.path}\n")
    monkeypatch.setenv("ODBCINI", str(working / "odbc.ini"))
    monkeypatch.chdir(working)
    cp_db.add("USER_C5_ORD_ERR", ERR_ID=7, ORD_NO="100")
    with CounterpointStore(make_site(counterpoint_dsn="DSN=cp")) as store:
        with store.write_lock():
            store.dismiss_errors("100", "jane", datetime(2024, 6, 1, tzinfo=UTC), err_ids=[7])
        assert store.open_errors("100") == []
    assert sorted(path.name for path in working.iterdir()) == ["odbc.ini"]
    assert not cp_db.path.with_name(cp_db.path.name + ".c5attn-lock").exists()
