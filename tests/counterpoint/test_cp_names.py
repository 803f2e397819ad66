"""Every table and column goes through the site's rename map; order_number_column picks the locator."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from c5attn.counterpoint import queries
from c5attn.counterpoint.names import Names
from c5attn.errors import ConfigError, CounterpointSchemaError

NOW = datetime(2024, 6, 1, 12, tzinfo=UTC)


def test_cp_renamed_table_still_works(cp_db, make_store):
    cp_db.execute("ALTER TABLE USER_C5_ORD_ERR RENAME TO C5_ORDER_ERRORS")
    cp_db.execute("ALTER TABLE PS_DOC_HDR_ORIG_DOC RENAME TO PS_DOC_HDR_ORIG")
    cp_db.order(1, "100")
    cp_db.add("PS_DOC_HDR", DOC_ID=2, DOC_TYP="T", TKT_NO="100-1", IS_REL_TKT="Y")
    cp_db.add("PS_DOC_HDR_ORIG", DOC_ID=2, ORIG_DOC_ID=1)
    cp_db.add(
        "C5_ORDER_ERRORS",
        ERR_ID=1,
        STR_ID="WEB",
        ORD_NO="100",
        ERR_TYP="capture",
        ERR_MSG="m",
        ERR_DT="2024-01-01",
    )
    store = make_store(
        rename={"USER_C5_ORD_ERR": "C5_ORDER_ERRORS", "PS_DOC_HDR_ORIG_DOC": "PS_DOC_HDR_ORIG"}
    )
    order = store.fetch_orders(["100"])["100"]
    assert [r.doc_id for r in order.releases] == [2]
    assert [e.err_id for e in order.open_errors] == [1]
    store.dismiss_errors("100", "op", NOW, err_ids=range(1, 100))
    assert store.open_errors("100") == []
    assert store.check_schema().ok


def test_cp_renamed_columns_still_work(cp_db, make_store):
    cp_db.execute("ALTER TABLE PS_DOC_LIN RENAME COLUMN QTY_SOLD TO QTY")
    cp_db.execute("ALTER TABLE USER_C5_ORD_ERR RENAME COLUMN ORD_NO TO ORDER_NO")
    cp_db.execute("ALTER TABLE USER_C5_ORD_ERR RENAME COLUMN IS_DISMISSED TO DISMISSED")
    cp_db.order(1, "100")
    cp_db.add("PS_DOC_HDR", DOC_ID=2, DOC_TYP="T", TKT_NO="100-1", IS_REL_TKT="Y")
    cp_db.add("PS_DOC_HDR_ORIG_DOC", DOC_ID=2, ORIG_DOC_ID=1)
    cp_db.add("PS_DOC_LIN", DOC_ID=2, LIN_SEQ_NO=1, LIN_TYP="S", ITEM_NO="SKU", QTY="3")
    cp_db.add("USER_C5_ORD_ERR", ERR_ID=1, ORDER_NO="100")
    store = make_store(
        rename={
            "PS_DOC_LIN.QTY_SOLD": "QTY",
            "USER_C5_ORD_ERR.ORD_NO": "ORDER_NO",
            "USER_C5_ORD_ERR.IS_DISMISSED": "DISMISSED",
        }
    )
    order = store.fetch_orders(["100"])["100"]
    assert order.releases[0].lines[0].qty_sold == Decimal(3)
    assert [e.err_id for e in order.open_errors] == [1]
    store.dismiss_errors("100", "op", NOW, err_ids=range(1, 100))
    assert cp_db.execute("SELECT DISMISSED, DISMISSED_BY FROM USER_C5_ORD_ERR") == [("Y", "op")]


def test_cp_names_that_are_reserved_words_work(cp_db, make_store):
    """A site whose tables or columns are named like SQL keywords: c5attn brackets what is configured."""
    cp_db.execute('ALTER TABLE USER_C5_ORD_ERR RENAME TO "ORDER"')
    cp_db.execute('ALTER TABLE "ORDER" RENAME COLUMN ERR_MSG TO "GROUP"')
    cp_db.execute('ALTER TABLE PS_DOC_LIN RENAME COLUMN QTY_SOLD TO "KEY"')
    cp_db.execute('ALTER TABLE PS_DOC_HDR ADD COLUMN "TABLE" VARCHAR(40)')
    cp_db.execute('ALTER TABLE PS_ORD_HIST ADD COLUMN "TABLE" VARCHAR(40)')
    cp_db.order(1, "CP-1", TABLE="100")
    cp_db.add("PS_DOC_HDR", DOC_ID=2, DOC_TYP="T", TKT_NO="100-1", IS_REL_TKT="Y")
    cp_db.add("PS_DOC_HDR_ORIG_DOC", DOC_ID=2, ORIG_DOC_ID=1)
    cp_db.add("PS_DOC_LIN", DOC_ID=2, LIN_SEQ_NO=1, LIN_TYP="S", ITEM_NO="SKU", KEY="2")
    error = {"STR_ID": "WEB", "ORD_NO": "100", "ERR_TYP": "T", "ERR_DT": "2024-01-01"}
    cp_db.add("ORDER", ERR_ID=1, GROUP="declined", **error)
    store = make_store(
        order_number_column="TABLE",
        rename={"USER_C5_ORD_ERR": "ORDER", "USER_C5_ORD_ERR.ERR_MSG": "GROUP", "PS_DOC_LIN.QTY_SOLD": "KEY"},
    )
    order = store.fetch_orders(["100"])["100"]
    assert order.releases[0].lines[0].qty_sold == Decimal(2)
    assert [(e.err_id, e.err_msg) for e in order.open_errors] == [(1, "declined")]
    store.dismiss_errors("100", "op", NOW, err_ids=[1])
    assert store.open_errors("100") == []
    assert store.check_schema().ok


def test_cp_schema_qualified_table_name(cp_db, make_store):
    cp_db.order(1, "100")
    store = make_store(rename={"PS_DOC_HDR": "main.PS_DOC_HDR"})
    assert store.fetch_orders(["100"])["100"].doc_id == 1
    assert store.check_schema().ok


def test_cp_custom_order_number_column(cp_db, make_store):
    cp_db.execute("ALTER TABLE PS_ORD_HIST ADD COLUMN WEB_ORDER_NO VARCHAR(40)")
    cp_db.order(1, "CP-1", WEB_ORDER_NO="000100")
    cp_db.order(2, "000200")  # its TKT_NO looks like a web number, but WEB_ORDER_NO is the locator
    cp_db.add("PS_ORD_HIST", DOC_ID=3, TKT_NO="CP-3", WEB_ORDER_NO="000300")
    cp_db.add("USER_C5_ORD_ERR", ERR_ID=1, ORD_NO="000100")
    found = make_store(order_number_column="WEB_ORDER_NO").fetch_orders(["000100", "000200", "000300"])
    assert sorted(found) == ["000100", "000300"]
    assert (found["000100"].tkt_no, found["000100"].order_no) == ("CP-1", "000100")
    assert [e.err_id for e in found["000100"].open_errors] == [1]
    assert (found["000300"].doc_id, found["000300"].posted) == (3, True)


def test_cp_order_number_column_follows_the_rename_map(cp_db, make_store):
    cp_db.execute("ALTER TABLE PS_DOC_HDR RENAME COLUMN WEB_ORDER_NO TO USER_ECOMM_ORDER_NUMBER")
    cp_db.execute("ALTER TABLE PS_ORD_HIST ADD COLUMN USER_ECOMM_ORDER_NUMBER VARCHAR(40)")
    cp_db.order(1, "CP-1", USER_ECOMM_ORDER_NUMBER="W1")
    store = make_store(
        order_number_column="WEB_ORDER_NO",
        rename={
            "PS_DOC_HDR.WEB_ORDER_NO": "USER_ECOMM_ORDER_NUMBER",
            "PS_ORD_HIST.WEB_ORDER_NO": "USER_ECOMM_ORDER_NUMBER",
        },
    )
    assert store.fetch_orders(["W1"])["W1"].doc_id == 1


def test_cp_a_configured_name_the_database_lacks_is_named_in_the_error(cp_db, make_store):
    cp_db.order(1, "100")
    store = make_store(rename={"PS_DOC_LIN.ITEM_NO": "ITEM"})
    with pytest.raises(CounterpointSchemaError, match=r"column PS_DOC_LIN\.ITEM not found"):
        store.fetch_orders(["100"])


def test_cp_a_one_table_statement_names_its_table_for_errors_that_name_a_bare_column():
    """SQL Server's "Invalid column name 'X'" names no table: the statement's only one is it."""
    names = Names(
        {"USER_C5_ORD_ERR": "C5_ERRORS"}, order_number_column="TKT_NO", known=queries.catalogue("TKT_NO")
    )
    assert queries.OPEN_ERRORS.render(names, frozenset()).tables[""] == "C5_ERRORS"
    assert "" not in queries.HEADERS.render(names, frozenset()).tables  # several tables: no guess


@pytest.mark.parametrize(
    ("rename", "message"),
    [
        ({"PS_DOC_HDR": "X; DROP TABLE Y"}, "not a valid SQL name"),
        ({"PS_DOC_HDR.TKT_NO": "dbo.TKT_NO"}, "not a valid SQL name"),  # a column is never qualified
        ({"PS_DOC_HDR": "a.b.c"}, "not a valid SQL name"),
        ({"PS_DOC_HDR": "1ABC"}, "not a valid SQL name"),
        ({"PS_DOC_HEADER": "X"}, "not a Counterpoint table or column"),
        ({"PS_DOC_HDR.NOPE": "X"}, "not a Counterpoint table or column"),
    ],
)
def test_cp_rename_is_validated(make_store, rename, message):
    with pytest.raises(ConfigError, match=message):
        make_store(rename=rename)


def test_cp_order_number_column_and_timezone_are_validated(make_store):
    with pytest.raises(ConfigError, match="order_number_column"):
        make_store(order_number_column="TKT_NO OR 1=1")
    with pytest.raises(ConfigError, match="counterpoint_timezone"):
        make_store(counterpoint_timezone="Mars/Olympus")


def test_cp_names_resolve_defaults_and_renames():
    names = Names(
        {"PS_DOC_HDR": "dbo.HDR", "PS_DOC_HDR.WEB_ORDER_NO": "WEB_NO"},
        order_number_column="WEB_ORDER_NO",
        known=queries.catalogue("WEB_ORDER_NO"),
    )
    assert (names.table("PS_DOC_HDR"), names.table("PS_DOC_LIN")) == ("dbo.HDR", "PS_DOC_LIN")
    assert (names.order_number("PS_DOC_HDR"), names.order_number("PS_ORD_HIST")) == ("WEB_NO", "WEB_ORDER_NO")
    assert names.column("PS_DOC_HDR", "TKT_NO") == "TKT_NO"
