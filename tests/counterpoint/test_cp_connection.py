"""Connections: DSN handling, secrets never shown, driver failures as one-line C5Errors."""

from __future__ import annotations

import builtins
import os
import socket
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pyodbc
import pytest
from sqlserver_like import SqlServerLike

from c5attn.counterpoint.connection import (
    check_parameter_limit,
    connect,
    describe_server,
    dialect_of,
    is_database_error,
    scrub,
    sqlite_path,
    translate_error,
)
from c5attn.counterpoint.queries import Dialect
from c5attn.counterpoint.store import CounterpointStore, varchar_sizes
from c5attn.errors import (
    CounterpointAuthError,
    CounterpointDriverMissing,
    CounterpointError,
    CounterpointSchemaError,
    ExitCode,
)

SQL_SERVER_DSN = "DRIVER={ODBC Driver 18 for SQL Server};SERVER=tcp:cp.example,1433;UID=c5;PWD={se;cr}}et}"
SECRET = "se;cr}et"


def test_cp_scrub_removes_secrets_and_newlines():
    text = f"login failed\nfor {SECRET} using {SQL_SERVER_DSN}"
    assert scrub(text, SQL_SERVER_DSN) == "login failed for *** using ***"


def test_cp_dsn_paths_and_servers():
    assert sqlite_path("sqlite:///cp.db") == Path("cp.db")
    assert sqlite_path("sqlite:////var/lib/cp.db") == Path("/var/lib/cp.db")
    assert describe_server(SQL_SERVER_DSN) == "tcp:cp.example,1433"
    assert describe_server("DRIVER=FreeTDS;SERVER=127.0.0.1;PORT=1;UID=u") == "127.0.0.1:1"
    assert describe_server("DSN=cp") == "data source 'cp'"


def test_cp_sqlite_missing_file_is_not_created(tmp_path):
    path = tmp_path / "nope.db"
    with pytest.raises(CounterpointError, match="does not exist"):
        connect(f"sqlite:///{path}", timeout_seconds=1, autocommit=True, read_only=True)
    with pytest.raises(CounterpointError, match="does not exist"):
        connect(f"sqlite:///{path}", timeout_seconds=1, autocommit=False)
    assert not path.exists()


def test_cp_sqlite_read_connection_cannot_write(cp_db):
    connection = connect(cp_db.dsn, timeout_seconds=1, autocommit=True, read_only=True)
    with pytest.raises(sqlite3.OperationalError) as raised:
        connection.cursor().execute("DELETE FROM PS_DOC_HDR", [])
    connection.close()
    # SQLite's words for any read-only file (a read-only mount, a file the user may not write):
    # said as that, not as a missing grant.
    error = translate_error(raised.value, cp_db.dsn)
    assert type(error) is CounterpointError
    assert error.message == f"the Counterpoint database file {cp_db.path} is read-only"
    assert "writable" in (error.hint or "") and "grant" not in (error.hint or "")


@pytest.mark.parametrize(
    ("state", "message", "dsn", "connecting", "kind", "expected"),
    [
        ("IM002", "[IM002] [unixODBC][Driver Manager]Data source name not found and no default driver",
         SQL_SERVER_DSN, True, CounterpointDriverMissing, "'ODBC Driver 18 for SQL Server' is not installed"),
        ("01000", "[01000] [unixODBC][Driver Manager]Can't open lib 'FreeTDS' : file not found",
         "DRIVER=FreeTDS;SERVER=h;PWD=secret", True, CounterpointDriverMissing, "'FreeTDS' is not installed"),
        ("IM002", "[IM002] Data source name not found", "DSN=cpprod;PWD=secret", True,
         CounterpointDriverMissing, "data source 'cpprod' is not defined"),
        ("28000", "[28000] Login failed for user 'c5'. (18456)", SQL_SERVER_DSN, True,
         CounterpointAuthError, "refused the login for user 'c5'"),
        ("08001", "[08001] TCP Provider: Error code 0x2749 (10057)", SQL_SERVER_DSN, True,
         CounterpointError, "cannot connect to the Counterpoint database at tcp:cp.example,1433"),
        ("HYT00", "[HYT00] Login timeout expired (0)", SQL_SERVER_DSN, True,
         CounterpointError, "cannot connect to the Counterpoint database"),
        ("HYT00", "[HYT00] Query timeout expired (0)", SQL_SERVER_DSN, False,
         CounterpointError, "did not answer within 30 s"),
        ("08S01", "[08S01] Communication link failure", SQL_SERVER_DSN, False,
         CounterpointError, "lost the connection"),
        ("42S02", "[42S02] [SQL Server]Invalid object name 'dbo.PS_DOC_HDR'. (208)", SQL_SERVER_DSN, False,
         CounterpointSchemaError, "table dbo.PS_DOC_HDR not found"),
        ("42S22", "[42S22] [SQL Server]Invalid column name 'RS_UTC_DT'. (207)", SQL_SERVER_DSN, False,
         CounterpointSchemaError, "column RS_UTC_DT not found"),
        ("42000", "[42000] The SELECT permission was denied on the object 'PS_DOC_PMT', database 'CP'.",
         SQL_SERVER_DSN, False, CounterpointAuthError, "may not use PS_DOC_PMT"),
        ("42000", "[42000] [SQL Server]Synonym 'dbo.CP_HDR' refers to an invalid object. (5313)",
         SQL_SERVER_DSN, False, CounterpointSchemaError, "table dbo.CP_HDR not found"),
        ("08004", "[08004] [SQL Server]The server principal \"c5\" is not able to access the database "
         "\"CPSQL\" under the current security context. (916)", SQL_SERVER_DSN, False,
         CounterpointAuthError, 'may not use database "CPSQL"'),
        ("08001", "[08001] [Microsoft][ODBC Driver 18 for SQL Server]SSL Provider: [error:0A000086:SSL "
         "routines::certificate verify failed:self-signed certificate] (-1)", SQL_SERVER_DSN, True,
         CounterpointError, "its TLS certificate is not trusted"),
        ("40001", "[40001] Transaction (Process ID 61) was deadlocked on lock resources with another "
         "process and has been chosen as the deadlock victim. Rerun the transaction. (1205)", SQL_SERVER_DSN,
         False, CounterpointError, "to end a deadlock"),
        ("22001", "[22001] String or binary data would be truncated in table 'CP.dbo.USER_C5_ORD_ERR', "
         "column 'DISMISSED_BY'. (2628)", SQL_SERVER_DSN, False, CounterpointError, "too long for its"),
        ("HY000", f"[HY000] something odd with {SECRET}\nsecond line", SQL_SERVER_DSN, False,
         CounterpointError, "database error: [HY000] something odd with *** second line"),
    ],
)  # fmt: skip
def test_cp_driver_errors_become_one_line_messages(state, message, dsn, connecting, kind, expected):
    error = translate_error(pyodbc.Error(state, message), dsn, connecting=connecting, timeout_seconds=30)
    assert type(error) is kind
    assert expected in error.message
    assert "\n" not in str(error)
    assert "secret" not in str(error) and SECRET not in str(error)
    assert error.hint


def test_cp_sqlite_messages_are_translated(tmp_path):
    dsn = f"sqlite:///{tmp_path / 'x.db'}"
    error = translate_error(sqlite3.OperationalError("no such table: PS_DOC_HDR"), dsn)
    assert isinstance(error, CounterpointSchemaError) and "table PS_DOC_HDR not found" in error.message
    error = translate_error(
        sqlite3.OperationalError("no such column: h.STR_ID"), dsn, tables={"h": "PS_ORD_HIST"}
    )
    assert "column PS_ORD_HIST.STR_ID not found" in error.message
    only = {"": "USER_C5_ORD_ERR"}  # a statement on one table, its columns bare (SQL Server's case)
    error = translate_error(
        pyodbc.Error("42S22", "[42S22] Invalid column name 'WHO'. (207)"), dsn, tables=only
    )
    assert "column USER_C5_ORD_ERR.WHO not found" in error.message
    assert (
        "column WHO not found"
        in translate_error(sqlite3.OperationalError("no such column: WHO"), dsn).message
    )
    assert "busy" in translate_error(sqlite3.OperationalError("database is locked"), dsn).message


def test_cp_simulated_driver_errors_through_the_store(make_site):
    def failing(state, message):
        def factory(dsn, **_):
            raise pyodbc.InterfaceError(state, message)

        return factory

    site = make_site(counterpoint_dsn=SQL_SERVER_DSN)
    store = CounterpointStore(site, connection_factory=failing("IM002", "[IM002] Data source name not found"))
    with pytest.raises(CounterpointDriverMissing, match="msodbcsql18"):
        store.fetch_orders(["100"])
    store = CounterpointStore(
        site, connection_factory=failing("28000", "[28000] Login failed for user 'c5'.")
    )
    with pytest.raises(CounterpointAuthError) as raised:
        store.dismiss_errors("100", "op", datetime.now(UTC), err_ids=range(1, 100))
    assert raised.value.exit_code == ExitCode.AUTH and SECRET not in str(raised.value)


class _MissingTable:
    """A connection to a SQL Server whose tables are not there."""

    def cursor(self):
        return self

    def execute(self, sql, parameters):
        raise pyodbc.ProgrammingError("42S02", "[42S02] [SQL Server]Invalid object name 'PS_DOC_HDR'. (208)")

    def setinputsizes(self, _sizes):
        pass

    def getinfo(self, _what):
        return "Microsoft SQL Server"

    def close(self):
        pass


def test_cp_text_parameters_go_to_sql_server_as_varchar(cp_db, make_site):
    """nvarchar against Counterpoint's varchar keys makes SQL Server scan instead of seek."""
    cp_db.add("USER_C5_ORD_ERR", ERR_ID=1, ORD_NO="100", IS_DISMISSED="N")
    declared = []
    site = make_site(counterpoint_dsn=SQL_SERVER_DSN)
    lookalike = lambda dsn, **_: SqlServerLike(cp_db.path, declared)  # noqa: E731
    with CounterpointStore(site, connection_factory=lookalike) as store:
        assert [error.err_id for error in store.open_errors("100")] == [1]
        store.dismiss_errors("100", "jane", datetime(2024, 6, 1, tzinfo=UTC), err_ids=[1])
        assert store.open_errors("100") == []
    with_text = [(verb, parameters, sizes) for verb, parameters, sizes in declared if parameters]
    assert {verb for verb, _, _ in with_text} == {"SELECT", "UPDATE"}
    for _, parameters, sizes in with_text:
        assert sizes == [
            (pyodbc.SQL_VARCHAR, 255, 0) if isinstance(value, str) else None for value in parameters
        ]


def test_cp_varchar_sizes_fit_a_long_value():
    assert varchar_sizes(["x" * 300, 7]) == [(pyodbc.SQL_VARCHAR, 300, 0), None]


def test_cp_simulated_missing_table_through_the_store(make_site):
    site = make_site(counterpoint_dsn=SQL_SERVER_DSN)
    with CounterpointStore(site, connection_factory=lambda dsn, **_: _MissingTable()) as store:
        with pytest.raises(CounterpointSchemaError, match="table PS_DOC_HDR not found"):
            store.open_errors("100")
        with pytest.raises(CounterpointSchemaError, match="table PS_DOC_HDR not found"):
            store.fetch_orders(["100"])


def test_cp_missing_pyodbc_names_the_package(monkeypatch):
    monkeypatch.setitem(sys.modules, "pyodbc", None)
    with pytest.raises(CounterpointDriverMissing, match="pyodbc is not installed") as raised:
        connect("DRIVER=FreeTDS;SERVER=h", timeout_seconds=1, autocommit=True)
    assert raised.value.hint == "pip install pyodbc"


def test_cp_missing_unixodbc_names_the_package(monkeypatch):
    real_import = builtins.__import__

    def no_libodbc(name, *args, **kwargs):
        if name == "pyodbc":
            raise ImportError("libodbc.so.2: cannot open shared object file: No such file or directory")
        return real_import(name, *args, **kwargs)

    monkeypatch.delitem(sys.modules, "pyodbc")
    monkeypatch.setattr(builtins, "__import__", no_libodbc)
    with pytest.raises(CounterpointDriverMissing, match="unixODBC") as raised:
        connect("DRIVER=FreeTDS;SERVER=h", timeout_seconds=1, autocommit=True)
    assert "apt-get install unixodbc" in raised.value.hint


def test_cp_freetds_closed_port_is_a_one_line_cannot_connect():
    if "FreeTDS" not in pyodbc.drivers():
        if os.environ.get("CI"):
            pytest.fail("the FreeTDS ODBC driver (tdsodbc) is not installed")
        pytest.skip("the FreeTDS ODBC driver (tdsodbc) is not installed")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed once the socket is
    dsn = f"DRIVER=FreeTDS;SERVER=127.0.0.1;PORT={port};UID=u;PWD=secret;TDS_Version=7.4"
    with pytest.raises(CounterpointError) as raised:
        connect(dsn, timeout_seconds=5, autocommit=True)
    assert type(raised.value) is CounterpointError
    assert raised.value.message == f"cannot connect to the Counterpoint database at 127.0.0.1:{port}"
    assert "secret" not in str(raised.value) and "\n" not in str(raised.value)
    assert raised.value.__cause__ is None and raised.value.__suppress_context__


def test_cp_dialect_and_database_errors():
    connection = sqlite3.connect(":memory:")
    assert dialect_of(connection) is Dialect.SQLITE
    assert dialect_of(_MissingTable()) is Dialect.SQLSERVER
    assert is_database_error(pyodbc.ProgrammingError("42S02", "x"))
    assert is_database_error(sqlite3.OperationalError("x"))
    assert not is_database_error(ValueError("x"))
    connection.close()


def test_cp_importing_the_store_does_not_import_pyodbc():
    code = "import sys, c5attn.counterpoint.store; assert 'pyodbc' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_cp_an_old_sqlites_999_parameters_are_refused_by_name(tmp_path):
    """SQLite before 3.32 takes 999; the first 500-order batch would fail "too many SQL variables"."""
    old = sqlite3.connect(tmp_path / "cp.db")
    old.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 999)
    with pytest.raises(CounterpointError, match="takes 999 parameters per statement") as caught:
        check_parameter_limit(old)
    assert "3.32" in (caught.value.hint or "")
    check_parameter_limit(sqlite3.connect(tmp_path / "cp.db"))  # this Python's SQLite: fine
