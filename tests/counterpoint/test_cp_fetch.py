"""fetch_orders follows domain.md §3: joining, releases, ticket times, deposits, cancellation, errors."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from c5attn.models import Deposit, TicketLine

# --- joining -------------------------------------------------------------------------------------


def test_cp_unknown_number_is_absent(cp_db, make_store):
    cp_db.order(1, "100")
    assert make_store().fetch_orders(["999"]) == {}


def test_cp_open_order_found(cp_db, make_store):
    cp_db.order(1, "100")
    cp_db.add("PS_DOC_LIN", DOC_ID=1, LIN_SEQ_NO=1, LIN_TYP="O", ITEM_NO="SKU-A", QTY_SOLD="2.5", PRC=10)
    order = make_store().fetch_orders(["100"])["100"]
    assert (order.order_no, order.doc_id, order.tkt_no, order.posted) == ("100", 1, "100", False)
    assert (order.releases, order.deposits, order.canceled) == ((), (), False)  # its own lines are no fact


def test_cp_highest_doc_id_wins(cp_db, make_store):
    cp_db.order(5, "100")
    cp_db.order(9, "100")
    cp_db.order(7, "100")
    assert make_store().fetch_orders(["100"])["100"].doc_id == 9


def test_cp_open_beats_posted_even_with_a_lower_doc_id(cp_db, make_store):
    cp_db.add("PS_ORD_HIST", DOC_ID=50, TKT_NO="100")
    cp_db.order(3, "100")
    order = make_store().fetch_orders(["100"])["100"]
    assert (order.doc_id, order.posted) == (3, False)


def test_cp_posted_order_found_highest_doc_id(cp_db, make_store):
    cp_db.add("PS_ORD_HIST", DOC_ID=50, TKT_NO="100")
    cp_db.add("PS_ORD_HIST", DOC_ID=60, TKT_NO="100")
    order = make_store().fetch_orders(["100"])["100"]
    assert (order.doc_id, order.posted) == (60, True)


def test_cp_layaways_tickets_and_quotes_are_ignored(cp_db, make_store):
    cp_db.order(1, "100", DOC_TYP="L")
    cp_db.order(2, "100", DOC_TYP="T")
    cp_db.order(3, "100", DOC_TYP="Q")
    cp_db.add("PS_ORD_HIST", DOC_ID=4, TKT_NO="200")
    cp_db.order(5, "200", DOC_TYP="L")  # a layaway does not beat the posted order either
    found = make_store().fetch_orders(["100", "200"])
    assert list(found) == ["200"]
    assert (found["200"].doc_id, found["200"].posted) == (4, True)


def test_cp_other_store_is_ignored_open_and_posted(cp_db, make_store):
    cp_db.order(1, "100", STR_ID="MAIN")
    cp_db.add("PS_ORD_HIST", DOC_ID=2, TKT_NO="100", STR_ID="MAIN")
    cp_db.add("PS_ORD_HIST", DOC_ID=3, TKT_NO="200", STR_ID="MAIN")
    assert make_store().fetch_orders(["100", "200"]) == {}


def test_cp_codes_compare_trimmed_and_case_insensitive(cp_db, make_store):
    cp_db.order(1, "100", DOC_TYP="o", STR_ID=" web ")
    cp_db.add("PS_ORD_HIST", DOC_ID=2, TKT_NO="200", STR_ID="Web ")
    found = make_store(counterpoint_store="WEB").fetch_orders(["100", "200"])
    assert sorted(found) == ["100", "200"]


def test_cp_posted_history_without_str_id_column_matches_any_store(cp_db, make_store):
    """PS_ORD_HIST.STR_ID is optional: where the table lacks it, the order is found without it."""
    cp_db.execute("ALTER TABLE PS_ORD_HIST DROP COLUMN STR_ID")
    cp_db.execute("INSERT INTO PS_ORD_HIST (DOC_ID, TKT_NO) VALUES (2, '200')")
    assert make_store().fetch_orders(["200"])["200"].posted is True


def test_cp_store_check_without_str_id_in_history_asks_the_posted_release_tickets(cp_db, make_store):
    """doctor's ``counterpoint_store`` check: where PS_ORD_HIST has no STR_ID a posted order says
    nothing of the store, but the fetch still reads open orders, posted releases and posted deposits
    by it. Any posted order passed the check, so a mistyped code read every open order as not
    imported and every posted one as released nowhere (manual-invoice-or-ship for all it shipped)."""
    cp_db.execute("ALTER TABLE PS_ORD_HIST DROP COLUMN STR_ID")
    cp_db.execute("INSERT INTO PS_ORD_HIST (DOC_ID, TKT_NO) VALUES (2, '200')")
    cp_db.posted_ticket(30, "200", "200-1", {"SKU": 1})  # its release, posted at WEB
    cp_db.posted_ticket(31, "S1", "S1", STR_ID="MAIN", IS_REL_TKT="N")  # a sale at MAIN: no order of it
    cp_db.order(1, "100", STR_ID="OUTLET")  # an open order of another store
    found = make_store(counterpoint_store="WEB").values_in_use()
    assert (found.store, found.any_order) == (True, True)
    assert found.searched == "order document in PS_DOC_HDR or release ticket in PS_TKT_HIST"
    for wrong in ("WBE", "MAIN"):
        found = make_store(counterpoint_store=wrong).values_in_use()
        assert (found.store, found.any_order) == (False, True), wrong
    assert make_store(counterpoint_store="outlet").values_in_use().store is True


def test_cp_store_check_with_str_id_in_history(cp_db, make_store):
    cp_db.add("PS_ORD_HIST", DOC_ID=2, TKT_NO="200", STR_ID="MAIN")
    assert make_store(counterpoint_store="WEB").values_in_use().store is False
    assert make_store(counterpoint_store=" main ").values_in_use().store is True


# --- release tickets -------------------------------------------------------------------------------


def test_cp_unposted_and_posted_releases_of_one_order(cp_db, make_store):
    cp_db.order(1, "100")
    cp_db.release(2, 1, "100-1", {"SKU-A": 1, "SKU-B": "2.0000"}, RS_UTC_DT="2024-05-02 08:00:00")
    cp_db.add(
        "PS_DOC_LIN", DOC_ID=2, LIN_SEQ_NO=3, LIN_TYP="R", ITEM_NO="SKU-A", QTY_SOLD=1
    )  # not a sale line
    cp_db.posted_ticket(30, "100", "100-2", {"SKU-A": 3}, TKT_DT="2024-05-01 09:30:00")
    cp_db.posted_ticket(31, "100", "100-3", None, STR_ID="MAIN")  # other store: not this order's
    cp_db.order(4, "100-X", DOC_TYP="T", IS_REL_TKT="Y")  # same-looking number, not linked
    order = make_store().fetch_orders(["100"])["100"]
    assert [(r.doc_id, r.tkt_no, r.posted) for r in order.releases] == [
        (2, "100-1", False),
        (30, "100-2", True),
    ]
    assert order.releases[0].lines == (
        TicketLine("SKU-A", "S", Decimal(1)),
        TicketLine("SKU-B", "S", Decimal(2)),
    )
    assert order.releases[1].lines == (TicketLine("SKU-A", "S", Decimal(3)),)
    assert order.releases[0].time == datetime(2024, 5, 2, 8, tzinfo=UTC)
    assert order.releases[1].time == datetime(2024, 5, 1, 9, 30, tzinfo=UTC)


def test_cp_posted_releases_join_on_tkt_no_whatever_the_order_number_column(cp_db, make_store):
    cp_db.execute("ALTER TABLE PS_ORD_HIST ADD COLUMN WEB_ORDER_NO VARCHAR(40)")
    cp_db.order(1, "CP-777", WEB_ORDER_NO="000123")
    cp_db.posted_ticket(30, "CP-777", "CP-777-1", {"SKU": 1})
    cp_db.posted_ticket(31, "000123", "000123-1", {"SKU": 5})  # linked by the web number: not a link
    order = make_store(order_number_column="WEB_ORDER_NO").fetch_orders(["000123"])["000123"]
    assert [r.doc_id for r in order.releases] == [30]


def test_cp_non_release_documents_are_not_releases(cp_db, make_store):
    cp_db.order(1, "100")
    cp_db.release(2, 1, "100-1", {"SKU": 1}, IS_REL_TKT="N")
    cp_db.release(3, 1, "100-2", {"SKU": 1}, IS_REL_TKT=None)
    cp_db.posted_ticket(30, "100", "100-3", {"SKU": 1}, IS_REL_TKT=None)
    assert make_store().fetch_orders(["100"])["100"].releases == ()


def test_cp_release_without_sale_lines_is_still_a_release(cp_db, make_store):
    cp_db.order(1, "100")
    cp_db.release(2, 1, "100-1", {})
    (ticket,) = make_store().fetch_orders(["100"])["100"].releases
    assert (ticket.doc_id, ticket.lines) == (2, ())


def test_cp_ticket_time_tkt_dt_is_local_and_rs_utc_dt_wins(cp_db, make_store):
    cp_db.order(1, "100")
    cp_db.release(2, 1, "100-1", {"SKU": 1}, TKT_DT="2024-07-01 09:00:00")  # Chicago summer: UTC-5
    cp_db.release(3, 1, "100-2", {"SKU": 1}, TKT_DT="2024-01-15 09:00:00", RS_UTC_DT="2024-01-15 15:00:00")
    cp_db.posted_ticket(30, "100", "100-3", {"SKU": 1}, TKT_DT="2024-01-15T09:00:00")  # winter: UTC-6
    store = make_store(counterpoint_timezone="America/Chicago")
    times = {r.doc_id: r.time for r in store.fetch_orders(["100"])["100"].releases}
    assert times == {
        2: datetime(2024, 7, 1, 14, tzinfo=UTC),
        3: datetime(2024, 1, 15, 15, tzinfo=UTC),
        30: datetime(2024, 1, 15, 15, tzinfo=UTC),
    }


def test_cp_posted_rs_utc_dt_used_where_the_ticket_history_has_it(cp_db, make_store):
    cp_db.execute("ALTER TABLE PS_TKT_HIST ADD COLUMN RS_UTC_DT TIMESTAMP")
    cp_db.order(1, "100")
    cp_db.posted_ticket(
        30, "100", "100-1", {"SKU": 1}, TKT_DT="2024-01-15 09:00:00", RS_UTC_DT="2024-01-15 16:00:00"
    )
    (ticket,) = make_store(counterpoint_timezone="America/Chicago").fetch_orders(["100"])["100"].releases
    assert ticket.time == datetime(2024, 1, 15, 16, tzinfo=UTC)


def test_cp_ticket_with_no_time_has_none(cp_db, make_store):
    cp_db.order(1, "100")
    cp_db.release(2, 1, "100-1", {"SKU": 1})
    cp_db.posted_ticket(30, "100", "100-2", {"SKU": 1})
    assert [r.time for r in make_store().fetch_orders(["100"])["100"].releases] == [None, None]


# --- deposits ---------------------------------------------------------------------------------------


def test_cp_deposits_import_and_manual_with_refunds(cp_db, make_store):
    cp_db.order(1, "100")
    cp_db.add("PS_DOC_PMT", DOC_ID=1, PMT_SEQ_NO=1, PAY_COD="web", AMT="40.00")  # import (case-insensitive)
    cp_db.add("PS_DOC_PMT", DOC_ID=1, PMT_SEQ_NO=2, PAY_COD="CASH", AMT="25.00")  # manual
    cp_db.add("PS_DOC_PMT", DOC_ID=1, PMT_SEQ_NO=3, PAY_COD="CASH", AMT="-25.00")  # its refund
    cp_db.add(
        "PS_DOC_PMT", DOC_ID=1, PMT_SEQ_NO=4, PAY_COD="VISA", AMT="99.00", FINAL_PMT="Y"
    )  # final: not a deposit
    deposits = make_store(web_pay_codes=("WEB", "PAYPAL")).fetch_orders(["100"])["100"].deposits
    assert deposits == (
        Deposit(1, 1, "web", Decimal("40.00"), "import"),
        Deposit(1, 2, "CASH", Decimal("25.00"), "manual"),
        Deposit(1, 3, "CASH", Decimal("-25.00"), "manual"),
    )


def test_cp_deposits_on_linked_non_release_tickets_unposted_and_posted(cp_db, make_store):
    cp_db.order(1, "100")
    cp_db.add("PS_DOC_HDR", DOC_ID=2, DOC_TYP="T", TKT_NO="100-D", IS_REL_TKT="N")  # a deposit ticket
    cp_db.add("PS_DOC_HDR_ORIG_DOC", DOC_ID=2, ORIG_DOC_ID=1)
    cp_db.add("PS_DOC_PMT", DOC_ID=2, PMT_SEQ_NO=1, PAY_COD="CASH", AMT="15.00", FINAL_PMT=" n")
    cp_db.release(3, 1, "100-1", {"SKU": 1})
    cp_db.add("PS_DOC_PMT", DOC_ID=3, PMT_SEQ_NO=1, PAY_COD="CASH", AMT="5.00")  # on a release: not a deposit
    cp_db.posted_ticket(30, "100", "100-D2", None, IS_REL_TKT=None)  # posted non-release ticket
    cp_db.add("PS_TKT_HIST_PMT", DOC_ID=30, PMT_SEQ_NO=1, PAY_COD="PAYPAL", AMT="20.00")
    cp_db.add("PS_TKT_HIST_PMT", DOC_ID=30, PMT_SEQ_NO=2, PAY_COD="CHECK", AMT="-3.50")
    cp_db.posted_ticket(31, "100", "100-2", {"SKU": 1})  # a posted release: its payment is not a deposit
    cp_db.add("PS_TKT_HIST_PMT", DOC_ID=31, PMT_SEQ_NO=1, PAY_COD="CASH", AMT="7.00")
    cp_db.posted_ticket(32, "100", "100-D3", None, IS_REL_TKT="N", STR_ID="MAIN")  # another store's
    cp_db.add("PS_TKT_HIST_PMT", DOC_ID=32, PMT_SEQ_NO=1, PAY_COD="CASH", AMT="1.00")
    deposits = make_store(web_pay_codes=("WEB", "PAYPAL")).fetch_orders(["100"])["100"].deposits
    assert deposits == (
        Deposit(2, 1, "CASH", Decimal("15.00"), "manual", posted=False),
        Deposit(30, 1, "PAYPAL", Decimal("20.00"), "import", posted=True),
        Deposit(30, 2, "CHECK", Decimal("-3.50"), "manual", posted=True),
    )


# --- cancellation -------------------------------------------------------------------------------------


def _canceled(cp_db, make_store, rows, *, posted=False):
    if posted:
        cp_db.add("PS_ORD_HIST", DOC_ID=1, TKT_NO="100")
    else:
        cp_db.order(1, "100")
    for seq, activ in rows:
        cp_db.audit(1, seq, activ, posted=posted)
    order = make_store().fetch_orders(["100"])["100"]
    return order.canceled, order.cancel_log_seq_no


def test_cp_cancel_row_cancels_the_open_order(cp_db, make_store):
    assert _canceled(cp_db, make_store, [(1, "N"), (2, "E"), (3, "c")]) == (True, 3)


def test_cp_cancel_then_reinstate_is_not_canceled(cp_db, make_store):
    assert _canceled(cp_db, make_store, [(1, "N"), (2, "C"), (3, "I")]) == (False, None)


def test_cp_reinstate_then_cancel_is_canceled(cp_db, make_store):
    assert _canceled(cp_db, make_store, [(1, "I"), (2, "C")]) == (True, 2)


def test_cp_cancel_reinstate_cancel_records_the_last_cancel(cp_db, make_store):
    assert _canceled(cp_db, make_store, [(4, "C"), (7, "I"), (9, "C"), (8, "E")]) == (True, 9)


def test_cp_posted_order_cancellation_reads_the_history_log(cp_db, make_store):
    assert _canceled(cp_db, make_store, [(1, "N"), (2, "C")], posted=True) == (True, 2)


def test_cp_posted_order_cancel_then_reinstate(cp_db, make_store):
    assert _canceled(cp_db, make_store, [(2, "C"), (5, "I")], posted=True) == (False, None)


def test_cp_each_order_kind_reads_only_its_own_log(cp_db, make_store):
    cp_db.order(1, "100")
    cp_db.audit(1, 2, "C", posted=True)  # history log row of the same DOC_ID: not the open order's log
    cp_db.add("PS_ORD_HIST", DOC_ID=5, TKT_NO="200")
    cp_db.audit(5, 2, "C")  # open log row: not the posted order's log
    found = make_store().fetch_orders(["100", "200"])
    assert (found["100"].canceled, found["200"].canceled) == (False, False)


# --- open order errors ---------------------------------------------------------------------------------


def test_cp_open_errors_of_the_order_and_store(cp_db, make_store):
    cp_db.order(1, "100")
    cp_db.add("USER_C5_ORD_ERR", ERR_ID=1, ORD_NO="100", ERR_TYP="capture", IS_DISMISSED=None)
    cp_db.add("USER_C5_ORD_ERR", ERR_ID=2, ORD_NO="100", ERR_TYP="invoice", IS_DISMISSED="N", EMAIL_CNT=4)
    cp_db.add("USER_C5_ORD_ERR", ERR_ID=3, ORD_NO="100", IS_DISMISSED="y")  # dismissed
    cp_db.add("USER_C5_ORD_ERR", ERR_ID=4, ORD_NO="100", STR_ID="MAIN")  # another store's
    cp_db.add("USER_C5_ORD_ERR", ERR_ID=5, ORD_NO="1000")
    store = make_store(counterpoint_timezone="America/New_York")
    errors = store.fetch_orders(["100"])["100"].open_errors
    assert [(e.err_id, e.err_typ, e.email_cnt) for e in errors] == [(1, "capture", 0), (2, "invoice", 4)]
    assert errors[0].err_dt == datetime(2024, 5, 1, 14, tzinfo=UTC)  # 10:00 EDT
    assert store.open_errors("100") == list(errors)
    assert store.open_errors("unknown") == []


def test_cp_many_orders_in_one_batch_keep_their_own_facts(cp_db, make_store):
    for n in range(1, 21):
        cp_db.order(n, f"{n:03}")
        cp_db.release(100 + n, n, f"{n:03}-1", {"SKU": n})
        cp_db.add("PS_DOC_PMT", DOC_ID=n, PMT_SEQ_NO=1, PAY_COD="CASH", AMT=n)
        cp_db.add("USER_C5_ORD_ERR", ERR_ID=n, ORD_NO=f"{n:03}")
    found = make_store().fetch_orders([f"{n:03}" for n in range(1, 21)])
    for n in range(1, 21):
        order = found[f"{n:03}"]
        assert order.releases[0].lines[0].qty_sold == n
        assert order.deposits[0].amount == n
        assert [e.err_id for e in order.open_errors] == [n]
