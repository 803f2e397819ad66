"""check_schema: each configured table and column present, missing, unreadable, or optional and absent."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from decimal import Decimal

import pytest
from sqlserver_like import SqlServerLike

from c5attn.counterpoint.connection import connect
from c5attn.counterpoint.schema_check import Catalogue, declared_type
from c5attn.counterpoint.store import CounterpointStore
from c5attn.errors import CounterpointAuthError, CounterpointSchemaError


def _status(report):
    return {
        (table.table, column.column): column.status for table in report.tables for column in table.columns
    } | {(table.table, None): table.status for table in report.tables}


def test_cp_sandbox_schema_is_complete(make_store):
    report = make_store().check_schema()
    status = _status(report)
    assert report.ok and report.problems() == []
    assert report.dialect == "sqlite"
    assert status[("PS_DOC_HDR", "RS_UTC_DT")] == "present"
    assert status[("PS_ORD_HIST", "STR_ID")] == "present"
    assert status[("PS_TKT_HIST", "RS_UTC_DT")] == "optional, absent"
    assert status[("USER_C5_ORD_ERR", "DISMISSED_DT")] == "present"
    assert {table.table for table in report.tables} >= {
        "PS_DOC_HDR",
        "PS_TKT_HIST_ORIG_DOC",
        "USER_C5_ORD_ERR",
    }


def test_cp_missing_column_and_table_are_named(cp_db, make_store):
    cp_db.execute("ALTER TABLE PS_DOC_LIN DROP COLUMN QTY_SOLD")
    cp_db.execute("DROP TABLE PS_TKT_HIST_PMT")
    report = make_store().check_schema()
    status = _status(report)
    assert not report.ok
    assert status[("PS_DOC_LIN", "QTY_SOLD")] == "missing"
    assert status[("PS_DOC_LIN", "ITEM_NO")] == "present"
    assert status[("PS_TKT_HIST_PMT", None)] == "missing"
    assert sorted(report.problems()) == [
        "column PS_DOC_LIN.QTY_SOLD is missing",
        "table PS_TKT_HIST_PMT is missing (or this login cannot see it)",
    ]


def test_cp_optional_columns_absent_are_not_problems(cp_db, make_store):
    cp_db.execute("ALTER TABLE PS_ORD_HIST DROP COLUMN STR_ID")
    cp_db.execute("ALTER TABLE PS_DOC_HDR DROP COLUMN RS_UTC_DT")
    report = make_store().check_schema()
    status = _status(report)
    assert report.ok
    assert status[("PS_ORD_HIST", "STR_ID")] == status[("PS_DOC_HDR", "RS_UTC_DT")] == "optional, absent"


def test_cp_renamed_names_are_checked_and_labelled(cp_db, make_store):
    report = make_store(rename={"USER_C5_ORD_ERR": "C5_ERRORS", "PS_DOC_PMT.AMT": "AMOUNT"}).check_schema()
    assert sorted(report.problems()) == [
        "column PS_DOC_PMT.AMOUNT (default AMT) is missing",
        "table C5_ERRORS (default USER_C5_ORD_ERR) is missing (or this login cannot see it)",
    ]


class _Denied:
    """Wraps a sqlite3 connection; reading one table fails the way SQL Server refuses a SELECT."""

    def __init__(self, inner, table):
        self.inner, self.table = inner, table

    def cursor(self):
        return self

    def execute(self, sql, parameters):
        if f"FROM {self.table} " in sql:
            raise sqlite3.OperationalError(f"The SELECT permission was denied on the object '{self.table}'")
        self._cursor = self.inner.execute(sql, parameters)
        return self._cursor

    def fetchall(self):
        return self._cursor.fetchall()

    def close(self):
        pass

    def getinfo(self, _what):
        return "SQLite"

    def commit(self):
        self.inner.commit()

    def rollback(self):
        self.inner.rollback()


def test_cp_unreadable_table_is_reported(make_site):
    def factory(dsn, *, timeout_seconds, autocommit, read_only=False):
        inner = connect(dsn, timeout_seconds=timeout_seconds, autocommit=autocommit, read_only=read_only)
        return _Denied(inner, "PS_DOC_PMT")

    with CounterpointStore(make_site(), connection_factory=factory) as store:
        report = store.check_schema()
    status = _status(report)
    assert status[("PS_DOC_PMT", None)] == "unreadable"
    assert status[("PS_DOC_PMT", "AMT")] == "unreadable"
    assert report.problems() == [
        "table PS_DOC_PMT cannot be read by this login: the Counterpoint login may not use PS_DOC_PMT"
    ]


def test_cp_sql_server_catalogue_path(cp_db, make_site):
    cp_db.order(1, "100")
    cp_db.release(2, 1, "100-1", {"SKU": 1}, TKT_DT="2024-05-01 01:00:00", RS_UTC_DT="2024-05-01 10:00:00")
    sent = []

    def store(**overrides):
        factory = lambda dsn, **_: SqlServerLike(cp_db.path)  # noqa: E731
        return CounterpointStore(make_site(**overrides), connection_factory=factory, trace=sent.append)

    with store(rename={"PS_DOC_HDR": "dbo.PS_DOC_HDR", "PS_DOC_LIN.QTY_SOLD": "QTY"}) as checked:
        report = checked.check_schema()
    assert report.dialect == "sqlserver"
    assert report.problems() == ["column PS_DOC_LIN.QTY (default QTY_SOLD) is missing"]
    assert _status(report)[("PS_DOC_HDR", "RS_UTC_DT")] == "present"
    assert _status(report)[("PS_TKT_HIST", "RS_UTC_DT")] == "optional, absent"
    with store(rename={"PS_DOC_HDR": "dbo.PS_DOC_HDR"}) as reader:
        (ticket,) = reader.fetch_orders(["100"])["100"].releases
    assert ticket.time.hour == 10  # RS_UTC_DT detected through INFORMATION_SCHEMA
    assert any("INFORMATION_SCHEMA.COLUMNS" in sql for sql in sent)


def test_cp_a_table_the_catalogue_does_not_list_is_read_from_a_query_of_it(cp_db, make_site):
    """A SQL Server synonym (of another database's table, say) is in no INFORMATION_SCHEMA.COLUMNS;
    a view stands for one here. Its columns come from what ``SELECT * … WHERE 1 = 0`` answers."""
    cp_db.order(1, "100")
    cp_db.release(2, 1, "100-1", {"SKU": 1}, TKT_DT="2024-05-01 01:00:00", RS_UTC_DT="2024-05-01 10:00:00")
    cp_db.execute("CREATE VIEW CP_DOC_HDR AS SELECT * FROM PS_DOC_HDR")
    sent = []
    factory = lambda dsn, **_: SqlServerLike(cp_db.path)  # noqa: E731
    site = make_site(rename={"PS_DOC_HDR": "CP_DOC_HDR"})
    with CounterpointStore(site, connection_factory=factory, trace=sent.append) as store:
        report = store.check_schema()
        (ticket,) = store.fetch_orders(["100"])["100"].releases
    assert report.ok, report.problems()
    assert _status(report)[("PS_DOC_HDR", "RS_UTC_DT")] == "present"
    assert ticket.time.hour == 10  # RS_UTC_DT found on the unlisted table, so read
    assert any(sql == "SELECT * FROM [CP_DOC_HDR] WHERE 1 = 0" for sql in sent)
    again: list[str] = []
    with CounterpointStore(make_site(), connection_factory=factory, trace=again.append) as listed:
        assert listed.check_schema().ok  # every table listed: no such query
    assert again and not any(sql.startswith("SELECT * FROM") for sql in again)


class _SynonymDenied(SqlServerLike):
    """SQL Server whose login may not read the database a synonym (here a view) points into."""

    def cursor(self):
        inner = super().cursor()

        class Cursor:
            def execute(self, sql, parameters):
                if "FROM [CP_DOC_HDR]" in sql:
                    raise sqlite3.OperationalError(
                        'The server principal "c5" is not able to access the database "CPSQL" under the '
                        "current security context."
                    )
                return inner.execute(sql, parameters)

            def __getattr__(self, name):
                return getattr(inner, name)

        return Cursor()


def test_cp_an_unlisted_table_the_login_may_not_read_says_so(cp_db, make_site):
    """Not "missing": the reason is the login's. Doctor's report names it beside the other tables'
    problems; a scan, which needs the table, stops on it."""
    cp_db.execute("CREATE VIEW CP_DOC_HDR AS SELECT * FROM PS_DOC_HDR")
    cp_db.execute("DROP TABLE PS_TKT_HIST_PMT")
    factory = lambda dsn, **_: _SynonymDenied(cp_db.path)  # noqa: E731
    site = make_site(rename={"PS_DOC_HDR": "CP_DOC_HDR"})
    with CounterpointStore(site, connection_factory=factory) as store:
        report = store.check_schema()
    assert report.problems() == [
        'table CP_DOC_HDR (default PS_DOC_HDR) cannot be read by this login: the Counterpoint login may '
        'not use database "CPSQL"',
        "table PS_TKT_HIST_PMT is missing (or this login cannot see it)",
    ]
    assert {column.status for column in report.tables[0].columns} == {"unreadable"}
    denied = pytest.raises(CounterpointAuthError, match='may not use database "CPSQL"')
    with CounterpointStore(site, connection_factory=factory) as store, denied:
        store.fetch_orders(["100"])


def test_cp_a_table_neither_listed_nor_readable_is_still_missing(cp_db, make_site):
    factory = lambda dsn, **_: SqlServerLike(cp_db.path)  # noqa: E731
    with CounterpointStore(make_site(rename={"PS_DOC_HDR": "NO_SUCH"}), connection_factory=factory) as store:
        report = store.check_schema()
    assert "table NO_SUCH (default PS_DOC_HDR) is missing (or this login cannot see it)" in report.problems()


@pytest.mark.parametrize(
    ("type_code", "declared"),
    [(str, "varchar"), (int, "int"), (Decimal, "decimal"), (datetime, "datetime"), (bool, "bit"), (None, "")],
)
def test_cp_a_described_columns_type_is_named_as_the_catalogue_would(type_code, declared):
    """pyodbc describes a column by the Python type of its values; sqlite3 by nothing."""
    assert declared_type(type_code) == declared
    judged = Catalogue([("dbo", "T", "C", declared)]).number_type("T", "C") is not None
    assert judged == (declared not in ("varchar", ""))  # a described number column is refused too


@pytest.mark.parametrize(("column_type", "refused"), [("BIGINT", True), ("VARCHAR(40)", False), ("", False)])
def test_cp_a_numeric_order_number_column_is_refused_not_silently_unmatched(
    cp_db, make_store, column_type, refused
):
    """Numbers never equal "000012345" as text: every order would read as not imported."""
    for table in ("PS_DOC_HDR", "PS_ORD_HIST"):
        cp_db.execute(f"ALTER TABLE {table} ADD COLUMN WEB_ORDER {column_type}")
    cp_db.order(1, "X1", WEB_ORDER="000012345")
    store = make_store(order_number_column="WEB_ORDER")
    if refused:
        with pytest.raises(CounterpointSchemaError, match=r"PS_DOC_HDR\.WEB_ORDER holds BIGINT, not text"):
            store.fetch_orders(["000012345"])
        report = store.check_schema()
        assert _status(report)[("PS_DOC_HDR", "WEB_ORDER")] == "not text"
        assert any("set order_number_column to a text column" in line for line in report.problems())
    else:
        assert list(store.fetch_orders(["000012345"])) == ["000012345"]
        assert store.check_schema().ok


def test_cp_a_numeric_order_number_in_the_error_table_is_refused_not_silently_unmatched(cp_db, make_store):
    """Commerce5's error table is undocumented: where its ORD_NO holds numbers, the 12345 it returns
    for "000012345" matched no order, so a scan lost every open error (no capture-failed from it) and
    show and dismiss-error said "no open order errors" while Commerce5 kept e-mailing."""
    cp_db.execute("ALTER TABLE USER_C5_ORD_ERR RENAME COLUMN ORD_NO TO ORD_NO_TEXT")
    cp_db.execute("ALTER TABLE USER_C5_ORD_ERR ADD COLUMN ORDER_NUMBER BIGINT")
    cp_db.order(1, "000012345")
    cp_db.add("USER_C5_ORD_ERR", ERR_ID=7, ORD_NO_TEXT="-", ORDER_NUMBER="000012345")
    store = make_store(rename={"USER_C5_ORD_ERR.ORD_NO": "ORDER_NUMBER"})
    message = r"USER_C5_ORD_ERR\.ORDER_NUMBER holds BIGINT, not text"
    with pytest.raises(CounterpointSchemaError, match=message):
        store.fetch_orders(["000012345"])
    report = store.check_schema()
    assert _status(report)[("USER_C5_ORD_ERR", "ORD_NO")] == "not text"
    [problem] = report.problems()
    assert problem.startswith("column USER_C5_ORD_ERR.ORDER_NUMBER (default ORD_NO) holds BIGINT, not text")
    assert 'rename "USER_C5_ORD_ERR.ORD_NO" to its text column' in problem


@pytest.mark.parametrize(
    ("declared", "refused"),
    [
        ("int", True),
        ("bigint", True),
        ("BIGINT", True),
        ("decimal(15,0)", True),
        ("numeric", True),
        ("datetime", True),
        ("INTEGER UNSIGNED", True),
        ("varchar", False),
        ("nvarchar", False),
        ("char", False),
        ("VARCHAR(40)", False),
        ("CLOB", False),
        ("sql_variant", False),
        ("", False),
    ],
)
def test_cp_only_a_number_or_time_type_is_refused_for_order_numbers(declared, refused):
    catalogue = Catalogue([("dbo", "PS_DOC_HDR", "TKT_NO", declared)])
    assert (catalogue.number_type("PS_DOC_HDR", "TKT_NO") == declared) is refused


def test_cp_a_table_in_several_schemas_is_judged_by_the_default_schema():
    rows = [
        ("arc", "PS_DOC_HDR", "TKT_NO", "int"),
        ("arc", "PS_DOC_HDR", "RS_UTC_DT", "datetime"),  # an optional column only the archive has
        ("dbo", "PS_DOC_HDR", "TKT_NO", "varchar"),
    ]
    for ordered in (rows, rows[::-1]):
        catalogue = Catalogue(ordered)
        assert catalogue.number_type("PS_DOC_HDR", "TKT_NO") is None
        assert catalogue.columns("PS_DOC_HDR") == {"tkt_no"}  # not merged with the archive's
        assert catalogue.number_type("arc.PS_DOC_HDR", "TKT_NO") == "int"
        assert catalogue.columns("arc.PS_DOC_HDR") == {"tkt_no", "rs_utc_dt"}
