"""Every statement in queries.py is plain SQL for SQL Server (sqlglot's tsql) and runs on SQLite."""

from __future__ import annotations

import re
import sqlite3
from datetime import UTC, datetime
from itertools import chain, combinations
from pathlib import Path

import pytest
import sqlglot
from sqlglot import exp

import c5attn.sandbox
from c5attn.counterpoint import queries
from c5attn.counterpoint.names import Names
from c5attn.counterpoint.queries import CATALOGUE, DATA_STATEMENTS, DISMISS, MAX_PARAMETERS, Dialect
from c5attn.counterpoint.store import CounterpointStore

SCHEMA_SQL = (Path(c5attn.sandbox.__file__).parent / "cp_schema.sql").read_text()
OPTIONAL = sorted(queries.optional_columns("TKT_NO"))
PRESENCE = [
    frozenset(c) for c in chain.from_iterable(combinations(OPTIONAL, k) for k in range(len(OPTIONAL) + 1))
]
NAMES = Names({}, order_number_column="TKT_NO", known=queries.catalogue("TKT_NO"))
FORBIDDEN = re.compile(
    r"\b(TOP|LIMIT|OFFSET|FETCH|GETDATE|SYSDATETIME|NOW|CURRENT_TIMESTAMP|ISNULL|IFNULL|NOLOCK|ILIKE|LIKE)\b|\[|\|\||;",
    re.IGNORECASE,
)
ALLOWED_FUNCTIONS = {"Upper", "Trim", "Case", "If", "Exists"}  # UPPER, LTRIM, RTRIM; CASE WHEN EXISTS


def _values(size):
    """Parameters for every statement: lists of ``size`` (an ``IN``), scalars otherwise."""
    return {
        "order_nos": [f"N{n}" for n in range(size)],
        "doc_ids": list(range(size)),
        "tkt_nos": [f"T{n}" for n in range(size)],
        "err_ids": list(range(size)),
        "tables": ["PS_DOC_HDR", "PS_ORD_HIST"],
        "store": "WEB",
        "order_type": "O",
        "posted_orders_lack_store": 0,
        "pay_codes": [f"P{n}" for n in range(size)],
        "yes": "Y",
        "sale_line": "S",
        "deposit": "N",
        "canceled": "C",
        "reinstated": "I",
        "operator": "op",
        "now": "2024-06-01 12:00:00",
        "since": "2024-05-25 12:00:00",
        "order_no": "N1",
    }


def _assert_portable(sql):
    assert not FORBIDDEN.search(sql), sql
    tree = sqlglot.parse_one(sql, read="tsql")
    assert not list(tree.find_all(exp.Limit, exp.Offset, exp.Fetch)), sql
    functions = {type(f).__name__ for f in tree.find_all(exp.Func)} - {"And", "Or", "Not"}
    assert functions <= ALLOWED_FUNCTIONS, (functions, sql)
    return tree


def _sandbox_db(tmp_path, *, tkt_hist_utc):
    db = sqlite3.connect(tmp_path / "dialect.db")
    db.executescript(SCHEMA_SQL)
    if tkt_hist_utc:
        db.execute("ALTER TABLE PS_TKT_HIST ADD COLUMN RS_UTC_DT TIMESTAMP")
    return db


@pytest.mark.parametrize("statement", DATA_STATEMENTS, ids=lambda s: s.name)
@pytest.mark.parametrize(
    "present", PRESENCE, ids=lambda p: "+".join(f"{t}.{c}" for t, c in sorted(p)) or "none"
)
def test_cp_data_statement_parses_as_tsql_and_runs_on_sqlite(tmp_path, statement, present):
    db = _sandbox_db(tmp_path, tkt_hist_utc=True)  # has every optional column: any subset may be used
    sql, parameters = statement.render(NAMES, present).bind(_values(3))
    tree = _assert_portable(sql)
    assert len(list(tree.find_all(exp.Placeholder))) == len(parameters)
    db.execute(sql, parameters).fetchall()


RESERVED = {  # configured names that are reserved words: they go into the SQL bracketed
    "USER_C5_ORD_ERR": "dbo.ORDER",
    "USER_C5_ORD_ERR.ERR_MSG": "GROUP",
    "PS_DOC_LIN.QTY_SOLD": "KEY",
    "PS_DOC_HDR": "SELECT",
}


@pytest.mark.parametrize("statement", DATA_STATEMENTS, ids=lambda s: s.name)
def test_cp_configured_names_are_bracketed_and_still_parse_as_tsql(statement):
    names = Names(RESERVED, order_number_column="TABLE", known=queries.catalogue("TABLE"))
    sql, _ = statement.render(names, frozenset(OPTIONAL)).bind(_values(2))
    used = {*statement.tables(), *(f"{ref.table}.{ref.column}" for ref in statement.references())}
    expected = {part for key, name in RESERVED.items() if key in used for part in name.split(".")}
    if any(ref.column == queries.ORDER_NO for ref in statement.references()):
        expected.add("TABLE")
    assert set(re.findall(r"\[(\w+)\]", sql)) == expected, sql
    assert "[" not in re.sub(r"\[\w+\]", "", sql)  # nothing else is bracketed
    sqlglot.parse_one(sql, read="tsql")
    default, _ = statement.render(NAMES, frozenset(OPTIONAL)).bind(_values(2))
    assert "[" not in default  # the default names stay bare


def test_cp_statements_stay_under_the_sql_server_parameter_limit():
    for statement in DATA_STATEMENTS:
        _, parameters = statement.render(NAMES, frozenset(OPTIONAL)).bind(_values(queries.BATCH_SIZE))
        assert len(parameters) <= MAX_PARAMETERS, statement.name


def test_cp_bind_refuses_more_parameters_than_sql_server_takes():
    with pytest.raises(ValueError, match=r"2102 parameters"):
        queries.HEADERS.render(NAMES, frozenset()).bind({"order_nos": ["x"] * 1051})


def test_cp_dismiss_is_exactly_the_specified_update():
    sql, parameters = DISMISS.render(NAMES, frozenset()).bind(
        {"operator": "op", "now": "T", "order_no": "100", "store": "WEB", "err_ids": [7, 9]}
    )
    assert sql == (
        "UPDATE USER_C5_ORD_ERR SET IS_DISMISSED = 'Y', DISMISSED_BY = ?, DISMISSED_DT = ? "
        "WHERE ORD_NO = ? AND UPPER(LTRIM(RTRIM(STR_ID))) = ? "
        "AND (IS_DISMISSED IS NULL OR UPPER(LTRIM(RTRIM(IS_DISMISSED))) <> 'Y') "
        "AND ERR_ID IN (?, ?)"
    )
    assert parameters == ["op", "T", "100", "WEB", 7, 9]
    assert isinstance(_assert_portable(sql), exp.Update)


def test_cp_sql_server_catalogue_parses_as_tsql():
    sql, _ = CATALOGUE[Dialect.SQLSERVER].render(NAMES, frozenset()).bind(_values(2))
    tree = sqlglot.parse_one(sql, read="tsql")
    assert "INFORMATION_SCHEMA" in tree.sql("tsql").upper()


def test_cp_sqlite_catalogue_and_probe_run_on_sqlite(tmp_path):
    db = _sandbox_db(tmp_path, tkt_hist_utc=False)
    sql, parameters = CATALOGUE[Dialect.SQLITE].render(NAMES, frozenset()).bind(_values(2))
    rows = db.execute(sql, parameters).fetchall()
    assert ("main", "PS_ORD_HIST", "STR_ID", "VARCHAR(10)") in rows
    probe_sql, _ = queries.probe("PS_DOC_HDR", ["DOC_ID", "TKT_NO"]).bind({})
    _assert_portable(probe_sql)
    assert db.execute(probe_sql).fetchall() == []


def test_cp_every_statement_the_store_sends_comes_from_queries(cp_db, make_site):
    """Run every public operation with a trace: each SQL text is a template of queries.py."""
    known = {
        _shape(s.render(NAMES, p).sql) for s in (*DATA_STATEMENTS, *CATALOGUE.values()) for p in PRESENCE
    }
    sent: list[str] = []
    cp_db.order(1, "100")
    cp_db.add("USER_C5_ORD_ERR", ERR_ID=1, ORD_NO="100")
    with CounterpointStore(make_site(), trace=sent.append) as store:
        store.fetch_orders(["100", "200"])
        store.open_errors("100")
        store.dismiss_errors("100", "op", datetime(2024, 6, 1, tzinfo=UTC), err_ids=range(1, 100))
        store.check_schema()
    probe = re.compile(r"SELECT \w+(, \w+)* FROM \w+ WHERE 1 = 0")
    assert sent and all(_shape(sql) in known or probe.fullmatch(sql) for sql in sent)


def _shape(sql):
    """SQL with every parameter list collapsed to one marker."""
    return re.sub(r"\?(, \?)*", "?", re.sub(r":[a-z_]+", "?", sql))
