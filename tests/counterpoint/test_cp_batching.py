"""A fixed, small number of statements per batch of ≤ 500 numbers; values only ever as parameters."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import pytest

from c5attn.counterpoint.queries import BATCH_SIZE, MAX_PARAMETERS, STATEMENTS_PER_BATCH
from c5attn.counterpoint.store import CounterpointStore


def _orders(cp_db, count):
    """``count`` open orders, each with a release, a deposit and an error (every detail has rows)."""
    rows = [(n, f"W{n:06}") for n in range(1, count + 1)]
    db = cp_db.connection
    db.execute("BEGIN")  # one commit, not one per row
    db.executemany(
        "INSERT INTO PS_DOC_HDR (DOC_ID, DOC_TYP, TKT_NO, STR_ID, STA_ID) VALUES (?, 'O', ?, 'WEB', '1')",
        rows,
    )
    db.executemany(
        "INSERT INTO PS_DOC_HDR (DOC_ID, DOC_TYP, TKT_NO, STR_ID, STA_ID, IS_REL_TKT)"
        " VALUES (?, 'T', ?, 'WEB', '1', 'Y')",
        [(10_000_000 + n, f"{number}-1") for n, number in rows],
    )
    db.executemany("INSERT INTO PS_DOC_HDR_ORIG_DOC VALUES (?, ?)", [(10_000_000 + n, n) for n, _ in rows])
    db.executemany(
        "INSERT INTO PS_DOC_LIN (DOC_ID, LIN_SEQ_NO, LIN_TYP, ITEM_NO, QTY_SOLD) VALUES (?, 1, 'S', 'X', 1)",
        [(10_000_000 + n,) for n, _ in rows],
    )
    db.executemany(
        "INSERT INTO PS_DOC_PMT (DOC_ID, PMT_SEQ_NO, PAY_COD, AMT, FINAL_PMT) VALUES (?, 1, 'WEB', 5, 'N')",
        [(n,) for n, _ in rows],
    )
    db.executemany(
        "INSERT INTO USER_C5_ORD_ERR (ERR_ID, STR_ID, ORD_NO, ERR_TYP, ERR_MSG, ERR_DT)"
        " VALUES (?, 'WEB', ?, 'capture', 'x', '2024-01-01')",
        rows,
    )
    db.execute("COMMIT")
    return [number for _, number in rows]


@pytest.mark.parametrize("count", [0, 1, 499, 500, 501, 2101])
def test_cp_statements_per_batch_at_the_boundaries(cp_db, make_site, count):
    numbers = _orders(cp_db, count)
    statements: list[str] = []
    store = CounterpointStore(make_site(), trace=statements.append)
    with store:
        found = store.fetch_orders(numbers)
    assert len(found) == count
    assert all(
        found[number].releases and found[number].deposits and found[number].open_errors for number in numbers
    )
    batches = math.ceil(count / BATCH_SIZE)
    assert store.statement_count == len(statements) <= batches * STATEMENTS_PER_BATCH
    # exactly: one catalogue read for the store, then the same statements for every batch
    assert store.statement_count == (batches * (STATEMENTS_PER_BATCH - 1) + 1 if count else 0)
    assert max((sql.count("?") for sql in statements), default=0) <= MAX_PARAMETERS


def test_cp_statement_count_does_not_depend_on_what_the_batch_holds(cp_db, make_store):
    _orders(cp_db, 3)
    rich = make_store()
    rich.fetch_orders(["W000001", "W000002", "W000003"])
    bare = make_store()
    cp_db.order(99, "LONELY")
    bare.fetch_orders(["LONELY", "nope"])
    assert rich.statement_count == bare.statement_count == STATEMENTS_PER_BATCH


def test_cp_a_batch_that_finds_nothing_reads_only_the_headers(cp_db, make_store):
    store = make_store()
    store.fetch_orders([f"missing-{n}" for n in range(600)])
    assert store.statement_count == 1 + 2  # catalogue once, then one header statement per batch


def test_cp_numbers_are_consumed_one_batch_at_a_time(cp_db, make_store):
    pulled = 0

    def numbers():
        nonlocal pulled
        for n in range(1, 1201):
            pulled += 1
            yield f"W{n:06}"

    _orders(cp_db, 1200)
    batches = make_store().iter_batches(numbers())
    first = next(batches)
    assert pulled <= BATCH_SIZE + 1
    assert len(first) == BATCH_SIZE
    assert sum(len(batch) for batch in batches) == 700


def test_cp_duplicate_numbers_are_fetched_once(cp_db, make_store):
    _orders(cp_db, 2)
    store = make_store()
    assert sorted(store.fetch_orders(["W000001", "W000002", "W000001"])) == ["W000001", "W000002"]


HOSTILE = [
    "100' OR '1'='1",
    "100%",
    "10_",
    "100; DROP TABLE PS_DOC_HDR; --",
    '"; DELETE FROM USER_C5_ORD_ERR; --',
    "ünïçødé-№-注文",
    "x" * 1000,
    "",
    ":order_no",
    "?",
]


def test_cp_metacharacters_and_unicode_are_plain_values(cp_db, make_store):
    cp_db.order(1, "100")
    cp_db.add("USER_C5_ORD_ERR", ERR_ID=1, ORD_NO="100")
    for doc_id, number in enumerate(HOSTILE[:7], start=10):
        cp_db.order(doc_id, number)
    store = make_store()
    found = store.fetch_orders(HOSTILE)
    assert sorted(found) == sorted(HOSTILE[:7])
    assert all(found[number].order_no == number for number in HOSTILE[:7])
    assert store.fetch_orders(["10%", "1__"]) == {}  # no LIKE anywhere
    store.dismiss_errors("100' OR '1'='1", "op", datetime(2024, 6, 1, tzinfo=UTC), err_ids=[1])
    assert store.open_errors("100") != []
    assert cp_db.execute("SELECT COUNT(*) FROM PS_DOC_HDR") == [(8,)]
