"""Loading the sandbox store: streaming file reading, Magento's output form, reloads."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from magento_factory import make_order, make_orders

from c5attn.sandbox.magento_store import MagentoStore, SandboxError, load_orders, read_orders_file
from c5attn.sandbox.search_criteria import Condition, Criteria, Sort


def test_a_large_array_file_is_read_across_buffer_boundaries(tmp_path: Path) -> None:
    orders = make_orders(400)  # about 300 KB: several 64 KB reads, objects split between them
    path = tmp_path / "orders.json"
    path.write_text(json.dumps(orders, indent=2), encoding="utf-8")
    assert list(read_orders_file(path)) == orders
    lines = tmp_path / "orders.jsonl"
    lines.write_text("\n".join(json.dumps(order) for order in orders[:3]) + "\n", encoding="utf-8")
    assert list(read_orders_file(lines)) == orders[:3]


def test_a_file_of_something_else_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "numbers.json"
    path.write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(ValueError, match="expected order objects"):
        list(read_orders_file(path))
    path.write_text('[{"entity_id": 1}, {"entity_id": ', encoding="utf-8")
    with pytest.raises(json.JSONDecodeError):
        list(read_orders_file(path))


def test_orders_are_stored_in_magento_output_form(tmp_path: Path) -> None:
    db = tmp_path / "store.db"
    raw = make_order(5, customer_note=None, customer_is_guest=True)
    del raw["entity_id"], raw["increment_id"]
    assert load_orders(db, [make_order(9), raw]) == 2
    store = MagentoStore(db)
    stored = store.get_order(10)  # numbered after the highest id seen so far
    assert stored["increment_id"] == "000000010"
    assert "customer_note" not in stored and stored["customer_is_guest"] == 1
    assert stored["payment"]["cc_last4"] is None and stored["payment"]["account_status"] is None
    store.close()
    load_orders(db, [make_order(1)])  # a reload replaces everything
    reloaded = MagentoStore(db)
    assert reloaded.search(Criteria())[1] == 1
    reloaded.close()


def test_closing_waits_for_a_connection_in_use_and_refuses_new_requests(tmp_path: Path) -> None:
    """A sandbox stopped while a request still reads (a scan that gave up on its pages) must not
    pull the connection from under it: that crashed the process."""
    db = tmp_path / "store.db"
    load_orders(db, make_orders(3))
    store = MagentoStore(db)
    store.search(Criteria())  # leaves one idle connection in the pool
    with store._conn() as in_use:
        store.close()
        assert in_use.execute("SELECT COUNT(*) FROM orders").fetchone() == (3,)
    with pytest.raises(sqlite3.ProgrammingError, match="closed"):
        in_use.execute("SELECT 1")
    with pytest.raises(SandboxError) as refused:
        store.search(Criteria())
    assert refused.value.status == 503


def test_orders_that_fail_to_read_leave_the_old_store_and_no_temporary_file(tmp_path: Path) -> None:
    """The store used to be deleted before the orders were read: a truncated file left it empty."""
    store = tmp_path / "store.db"
    load_orders(store, make_orders(3))
    truncated = tmp_path / "orders.json"
    truncated.write_text(json.dumps(make_orders(5))[:-40], encoding="utf-8")

    with pytest.raises(ValueError):
        load_orders(store, read_orders_file(truncated))

    assert sorted(path.name for path in tmp_path.iterdir()) == ["orders.json", "store.db"]
    with sqlite3.connect(store) as db:
        assert db.execute("SELECT COUNT(*) FROM orders").fetchone() == (3,)


@pytest.mark.parametrize(
    ("orders", "message"),
    [
        ([{"entity_id": None}], "not shaped as Magento's"),
        ([{"items": 5}], "not shaped as Magento's"),
        ([{"status_histories": [1]}], "not shaped as Magento's"),
        ([{"items": [{"qty_invoiced": "many"}]}], "'many' is not a number"),
    ],
)
def test_orders_of_the_wrong_shape_are_a_value_error(
    tmp_path: Path, orders: list[dict[str, object]], message: str
) -> None:
    """A TypeError or AttributeError from deep inside the loader reached ``serve`` as a traceback."""
    with pytest.raises(ValueError, match=message):
        load_orders(tmp_path / "store.db", orders)
    assert list(tmp_path.iterdir()) == []


def test_a_store_built_before_its_columns_were_nocase_compares_without_case_too(tmp_path: Path) -> None:
    """An embedded sandbox kept across versions has case-sensitive columns: its searches still
    read text as Magento's collation does (status=PENDING found nothing in it, and in Magento,
    any case matches), and text from the JSON sorts without regard to case as well."""
    db = tmp_path / "m.db"
    orders = [
        make_order(1, status="pending", customer_lastname="Brown"),
        make_order(2, status="processing", customer_lastname="adams"),
        make_order(3, status="pending", customer_lastname="Zed"),
    ]
    load_orders(db, orders)
    with sqlite3.connect(db) as conn:  # the table as earlier versions declared it: no collation
        conn.executescript(
            "CREATE TABLE old AS SELECT * FROM orders; DROP TABLE orders; ALTER TABLE old RENAME TO orders;"
        )
    store = MagentoStore(db)
    pending = Criteria(filter_groups=((Condition("status", "PENDING", "eq"),),))
    assert [o["entity_id"] for o in store.search(pending)[0]] == [1, 3]
    by_name = Criteria(sort_orders=(Sort("customer_lastname", "ASC"),))
    assert [o["customer_lastname"] for o in store.search(by_name)[0]] == ["adams", "Brown", "Zed"]
    store.close()


def test_a_window_search_counts_from_an_index_of_store_and_time(tmp_path: Path) -> None:
    """Every page of the daily scan counts the orders of its store updated in the window: read from
    the updated_at index, each count checked every order's row for its store, and a 100,000-order
    `--sandbox scan` took half as long again as `scan --all`."""
    db = tmp_path / "store.db"
    load_orders(db, make_orders(200) + make_orders(100, start=201, store_id=2))
    store = MagentoStore(db)
    statements: list[str] = []
    connect = store._connect

    def traced() -> sqlite3.Connection:
        conn = connect()
        conn.set_trace_callback(statements.append)
        return conn

    store._connect = traced  # type: ignore[method-assign]
    window = (Condition("updated_at", "2025-06-10 00:00:00", "gteq"),), (Condition("store_id", "1", "in"),)
    store.search(Criteria(window, (Sort("entity_id", "ASC"),), page_size=50, current_page=2))
    store.close()
    count = next(sql for sql in statements if sql.startswith("SELECT COUNT(*)"))
    with sqlite3.connect(db) as conn:
        plan = " ".join(row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {count}"))
    assert "COVERING INDEX" in plan and "store_id=?" in plan and "updated_at>" in plan, plan
