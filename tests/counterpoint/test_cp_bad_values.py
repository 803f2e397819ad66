"""A value Counterpoint holds that c5attn cannot read stops the read, naming where it is: the table
and column as the site names them, the row's document (or error) and the order it belongs to."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from c5attn.counterpoint import queries
from c5attn.errors import CounterpointValueError

NOW = datetime(2025, 1, 20, 15, 0, tzinfo=UTC)
HINT = (
    "correct that row in Counterpoint; if every row reads this way, check the column's type "
    "and the site's rename map"
)


def _order_with_history(cp_db) -> None:
    """Order 100 (document 1) with an unposted release (10), a posted one (20), a deposit, a
    cancellation and an open error (7): a row of each read that becomes part of an order."""
    cp_db.order(1, "100")
    cp_db.release(10, 1, "100-1", {"SKU-A": 1}, TKT_DT="2024-05-01 10:00:00")
    cp_db.posted_ticket(20, "100", "100-2", {"SKU-B": 2}, TKT_DT="2024-05-02 10:00:00")
    cp_db.add("PS_DOC_PMT", DOC_ID=1, PMT_SEQ_NO=1, PAY_COD="WEB", AMT="25.00")
    cp_db.audit(1, 3, "C")
    cp_db.add("USER_C5_ORD_ERR", ERR_ID=7, ORD_NO="100")


CASES: dict[str, tuple[str, str]] = {
    "quantity": (
        "UPDATE PS_TKT_HIST_LIN SET QTY_SOLD = 'x'",
        "'x' where a number was expected, in PS_TKT_HIST_LIN.QTY_SOLD of document 20 (order 100)",
    ),
    "nan-amount": (
        "UPDATE PS_DOC_PMT SET AMT = 'NaN'",
        "'NaN' where a number was expected, in PS_DOC_PMT.AMT of document 1 (order 100)",
    ),
    "infinite-quantity": (
        "UPDATE PS_DOC_LIN SET QTY_SOLD = 1e400",
        "'inf' where a number was expected, in PS_DOC_LIN.QTY_SOLD of document 10 (order 100)",
    ),
    "ticket-time": (
        "UPDATE PS_DOC_HDR SET TKT_DT = 'yesterday' WHERE DOC_ID = 10",
        "'yesterday' where a date and time was expected, in PS_DOC_HDR.TKT_DT of document 10 (order 100)",
    ),
    "posted-ticket-time": (
        "UPDATE PS_TKT_HIST SET TKT_DT = '2024-13-45 09:00:00'",
        "'2024-13-45 09:00:00' where a date and time was expected, in PS_TKT_HIST.TKT_DT of document 20 "
        "(order 100)",
    ),
    "audit-sequence": (
        "UPDATE PS_DOC_AUDIT_LOG SET LOG_SEQ_NO = '3.5'",
        "'3.5' where a whole number was expected, in PS_DOC_AUDIT_LOG.LOG_SEQ_NO of document 1 (order 100)",
    ),
    "error-time": (
        "UPDATE USER_C5_ORD_ERR SET ERR_DT = 'soon'",
        "'soon' where a date and time was expected, in USER_C5_ORD_ERR.ERR_DT of error 7 (order 100)",
    ),
    "order-document": (  # the document's own key is the bad value: the order still names the row
        "UPDATE PS_DOC_HDR SET DOC_ID = 'abc' WHERE DOC_ID = 1",
        "'abc' where a number was expected, in PS_DOC_HDR.DOC_ID (order 100)",
    ),
}


@pytest.mark.parametrize(("corruption", "message"), CASES.values(), ids=CASES)
def test_cp_a_value_that_is_no_number_or_time_names_its_row(cp_db, make_store, corruption, message):
    _order_with_history(cp_db)
    cp_db.execute(corruption)
    with pytest.raises(CounterpointValueError) as raised:
        make_store().fetch_orders(["100"])
    assert (raised.value.message, raised.value.hint) == (f"Counterpoint returned {message}", HINT)
    assert raised.value.__cause__ is None and raised.value.__suppress_context__


def _message(read: Callable[[], object]) -> str:
    with pytest.raises(CounterpointValueError) as raised:
        read()
    return raised.value.message


def test_cp_the_place_is_named_as_the_site_renamed_it(cp_db, make_store):
    """What the user looks for in their database: the renamed table and column."""
    _order_with_history(cp_db)
    cp_db.execute("ALTER TABLE PS_TKT_HIST_LIN RENAME TO TICKET_LINES")
    cp_db.execute("ALTER TABLE TICKET_LINES RENAME COLUMN QTY_SOLD TO QTY")
    cp_db.execute("UPDATE TICKET_LINES SET QTY = 'x'")
    store = make_store(rename={"PS_TKT_HIST_LIN": "TICKET_LINES", "PS_TKT_HIST_LIN.QTY_SOLD": "QTY"})
    assert _message(lambda: store.fetch_orders(["100"])).endswith(
        "in TICKET_LINES.QTY of document 20 (order 100)"
    )


def test_cp_a_ticket_of_two_orders_names_both(cp_db, make_store):
    """Two web orders on one TKT_NO (order_number_column is another column) share its posted tickets."""
    cp_db.execute("ALTER TABLE PS_ORD_HIST ADD COLUMN WEB_ORDER_NO VARCHAR(40)")
    cp_db.order(1, "T100", WEB_ORDER_NO="W1")
    cp_db.order(2, "T100", WEB_ORDER_NO="W2")
    cp_db.posted_ticket(20, "T100", "T100-1", {"SKU-A": "x"})
    store = make_store(order_number_column="WEB_ORDER_NO")
    assert _message(lambda: store.fetch_orders(["W1", "W2"])).endswith("of document 20 (orders W1, W2)")


def test_cp_a_value_identical_to_another_column_of_its_row_names_both(cp_db, make_store):
    """Python keeps one object per one-character text, so 'S' in QTY_SOLD is the very object of its
    LIN_TYP 'S': both columns are named (the row and the order still are exact)."""
    _order_with_history(cp_db)
    cp_db.execute("UPDATE PS_DOC_LIN SET QTY_SOLD = 'S'")
    assert _message(lambda: make_store().fetch_orders(["100"])).endswith(
        "in PS_DOC_LIN.LIN_TYP or PS_DOC_LIN.QTY_SOLD of document 10 (order 100)"
    )


@pytest.mark.parametrize(
    ("read", "message"),
    [
        (lambda store: store.open_errors("100"), "in USER_C5_ORD_ERR.ERR_DT of error 7 (order 100)"),
        (lambda store: store.ticket_times(NOW - timedelta(days=7)), "in PS_TKT_HIST.TKT_DT of document 20"),
    ],
    ids=["open-errors", "ticket-times"],
)
def test_cp_the_other_reads_name_the_row_too(cp_db, make_store, read: Callable, message: str):
    """``show``'s and ``dismiss-error``'s read of the open errors, and doctor's of the ticket times."""
    _order_with_history(cp_db)
    cp_db.execute("UPDATE USER_C5_ORD_ERR SET ERR_DT = 'soon'")
    cp_db.execute("UPDATE PS_TKT_HIST SET TKT_DT = '2025-01-19 08:00:00x'")  # within doctor's window
    store = make_store()
    assert _message(lambda: read(store)).endswith(message)


@pytest.mark.parametrize(
    "statement", [queries.HEADERS, *queries.DETAIL_STATEMENTS, queries.TICKET_TIMES], ids=lambda s: s.name
)
def test_cp_every_read_that_becomes_orders_names_its_columns(statement):
    """Each branch of the statement reads a column or selects a literal at every position."""
    results = statement.results()
    used = queries.catalogue("TKT_NO")
    for branch in results.branches:
        assert len(branch) == len(results.names)
        for source in branch:
            if isinstance(source, queries.ColumnRef):
                assert source.column == queries.ORDER_NO or source.column in used[source.table]
            else:
                assert source in ("0", "1", "NULL")
