"""Opening Counterpoint connections, and turning driver failures into one-line ``C5Error``s.

``counterpoint_dsn`` is either ``sqlite:///path`` (the stdlib ``sqlite3``, used by the sandbox) or
an ODBC connection string for pyodbc (SQL Server through "ODBC Driver 18 for SQL Server" or
FreeTDS). pyodbc is imported only here, only when an ODBC connection is opened, so c5attn starts
and runs its sandbox on machines without unixODBC. No message built here ever contains a
password: DSNs are shown through ``c5attn.secrets.redact_dsn`` and driver texts are scrubbed of
the DSN's secrets.
"""

from __future__ import annotations

import re
import sqlite3
import urllib.parse
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

from c5attn.counterpoint.queries import MAX_PARAMETERS, Dialect
from c5attn.errors import (
    CounterpointAuthError,
    CounterpointDriverMissing,
    CounterpointError,
    CounterpointSchemaError,
)
from c5attn.secrets import is_secret_key, odbc_segments

SQLITE_PREFIX = "sqlite:///"
_SQLITE_FORMS = "check counterpoint_dsn (sqlite:///relative/path or sqlite:////absolute/path)"
_SQL_DBMS_NAME = 17  # pyodbc.SQL_DBMS_NAME, without importing pyodbc
_DRIVER_PACKAGES = {
    "odbc driver 18 for sql server": "install Microsoft's msodbcsql18 package (packages.microsoft.com)",
    "odbc driver 17 for sql server": "install Microsoft's msodbcsql17 package (packages.microsoft.com)",
    "freetds": "apt-get install tdsodbc",
    "sqlite3": "apt-get install libsqliteodbc",
    "sqlite": "apt-get install libsqliteodbc",
}


class DBCursor(Protocol):
    """The part of a DB-API cursor c5attn uses (sqlite3 and pyodbc both provide it)."""

    @property
    def rowcount(self) -> int: ...

    @property
    def description(self) -> Sequence[Sequence[Any]] | None: ...

    def execute(self, sql: str, parameters: Sequence[Any], /) -> Any: ...

    def setinputsizes(self, sizes: Sequence[Any], /) -> None: ...

    def fetchall(self) -> list[Any]: ...

    def close(self) -> None: ...


class DBConnection(Protocol):
    """The part of a DB-API connection c5attn uses."""

    def cursor(self) -> DBCursor: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...

    def close(self) -> None: ...


# --- DSNs ------------------------------------------------------------------------------------


def is_sqlite_dsn(dsn: str) -> bool:
    return dsn.startswith(SQLITE_PREFIX)


def sqlite_path(dsn: str) -> Path:
    """``sqlite:///rel.db`` is relative to the working directory, ``sqlite:////abs/x.db`` absolute."""
    return Path(dsn[len(SQLITE_PREFIX) :]).expanduser()


def sqlite_file(dsn: str) -> Path | None:
    """The SQLite file a DSN opens (``sqlite:`` URL or ODBC ``Database=``), absolute; None when only
    a named data source knows it."""
    if is_sqlite_dsn(dsn):
        path = sqlite_path(dsn)
    elif database := odbc_attributes(dsn).get("DATABASE"):
        path = Path(database).expanduser()
    else:
        return None
    path = path.absolute()
    return path if path.name else None


def odbc_attributes(dsn: str) -> dict[str, str]:
    """The ODBC string's attributes, keys upper-cased."""
    return {key.upper(): value for key, value, _ in odbc_segments(dsn) if key}


def _secrets(dsn: str) -> list[str]:
    if is_sqlite_dsn(dsn):
        return []
    return [value for key, value, _ in odbc_segments(dsn) if value and is_secret_key(key)]


def scrub(text: str, dsn: str) -> str:
    """``text`` on one line, with the DSN's secrets (and the raw DSN) replaced by ``***``."""
    for secret in sorted([dsn, *_secrets(dsn)], key=len, reverse=True):
        text = text.replace(secret, "***")
    return " ".join(text.split())


def describe_server(dsn: str) -> str:
    """Where the DSN points, for messages: a file, ``host:port``, or a data source name."""
    if is_sqlite_dsn(dsn):
        return str(sqlite_path(dsn))
    attributes = odbc_attributes(dsn)
    server = attributes.get("SERVER") or attributes.get("ADDRESS") or attributes.get("HOST")
    if server:
        port = attributes.get("PORT")
        return f"{server}:{port}" if port else server
    if "DSN" in attributes:
        return f"data source {attributes['DSN']!r}"
    return "the server in counterpoint_dsn"


# --- Connecting ------------------------------------------------------------------------------


def connect(dsn: str, *, timeout_seconds: int, autocommit: bool, read_only: bool = False) -> DBConnection:
    """Open a Counterpoint connection; every failure is a one-line ``CounterpointError``.

    ``read_only`` opens a SQLite file with ``mode=ro``; an ODBC login's rights are the server's
    business. ``timeout_seconds`` bounds the login and each statement.
    """
    if dsn.lower().startswith("sqlite:"):
        if not is_sqlite_dsn(dsn) or not dsn[len(SQLITE_PREFIX) :].strip():
            raise CounterpointError(f"counterpoint_dsn {dsn!r} names no SQLite file", hint=_SQLITE_FORMS)
        return _connect_sqlite(sqlite_path(dsn), timeout_seconds, autocommit, read_only)
    return _connect_odbc(dsn, timeout_seconds, autocommit)


def _connect_sqlite(path: Path, timeout_seconds: int, autocommit: bool, read_only: bool) -> DBConnection:
    if not path.is_file():
        problem = "is a folder, not a database file" if path.is_dir() else "does not exist"
        raise CounterpointError(f"the Counterpoint database file {path} {problem}", hint=_SQLITE_FORMS)
    uri = f"file:{urllib.parse.quote(str(path))}?mode={'ro' if read_only else 'rw'}"
    try:
        connection = sqlite3.connect(
            uri,
            uri=True,
            timeout=timeout_seconds,
            isolation_level=None if autocommit else "DEFERRED",
            check_same_thread=False,  # one user at a time, but not always the opening thread
        )
    except sqlite3.Error as exc:
        raise translate_error(exc, SQLITE_PREFIX + str(path), connecting=True) from None
    try:
        connection.execute("PRAGMA schema_version").fetchall()  # SQLite reads the file only now
    except sqlite3.Error as exc:
        connection.close()
        if "not a database" in str(exc):
            raise CounterpointError(
                f"the Counterpoint database file {path} is not a SQLite database", hint=_SQLITE_FORMS
            ) from None
        raise translate_error(exc, SQLITE_PREFIX + str(path), connecting=True) from None
    check_parameter_limit(connection)
    return connection


def check_parameter_limit(connection: sqlite3.Connection) -> None:
    """Refuse, at once and by name, a SQLite built to take fewer parameters than a batch binds.

    SQLite before 3.32 allows 999 by default; a batch of 500 order numbers binds up to
    ``MAX_PARAMETERS`` (SQL Server's 2,100), so the first batch would fail "too many SQL variables".
    """
    allowed = connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    if allowed < MAX_PARAMETERS:
        connection.close()
        raise CounterpointError(
            f"this SQLite ({sqlite3.sqlite_version}) takes {allowed} parameters per statement; "
            f"c5attn's batches bind up to {MAX_PARAMETERS}",
            hint="use a Python linked to SQLite 3.32 or newer (python -c 'import sqlite3; "
            "print(sqlite3.sqlite_version)')",
        )


def _connect_odbc(dsn: str, timeout_seconds: int, autocommit: bool) -> DBConnection:
    try:
        import pyodbc
    except ImportError as exc:
        raise _pyodbc_missing(exc) from None
    try:
        connection = pyodbc.connect(dsn, autocommit=autocommit, timeout=timeout_seconds)
    except pyodbc.Error as exc:
        raise translate_error(exc, dsn, connecting=True, timeout_seconds=timeout_seconds) from None
    connection.timeout = timeout_seconds  # per statement
    return connection  # type: ignore[no-any-return]


def _pyodbc_missing(exc: ImportError) -> CounterpointDriverMissing:
    if isinstance(exc, ModuleNotFoundError) and exc.name == "pyodbc":
        return CounterpointDriverMissing(
            "pyodbc is not installed; it is needed for ODBC connections to Counterpoint",
            hint="pip install pyodbc",
        )
    return CounterpointDriverMissing(
        "the unixODBC library (libodbc) is not installed; pyodbc needs it for Counterpoint",
        hint="apt-get install unixodbc (on macOS: brew install unixodbc)",
    )


def dialect_of(connection: object) -> Dialect:
    """SQLite (stdlib, or the SQLite ODBC driver) or SQL Server, for the catalogue query."""
    if isinstance(connection, sqlite3.Connection):
        return Dialect.SQLITE
    getinfo = getattr(connection, "getinfo", None)
    if getinfo is not None and "sqlite" in str(getinfo(_SQL_DBMS_NAME)).lower():
        return Dialect.SQLITE
    return Dialect.SQLSERVER


# --- Errors ----------------------------------------------------------------------------------


def is_database_error(exc: BaseException) -> bool:
    """A driver error (sqlite3 or pyodbc), as opposed to a bug or an interrupt."""
    if isinstance(exc, sqlite3.Error):
        return True
    return any(cls.__module__ == "pyodbc" and cls.__name__ == "Error" for cls in type(exc).__mro__)


def _sqlstate_and_text(exc: BaseException) -> tuple[str, str]:
    args = exc.args
    if len(args) >= 2 and isinstance(args[0], str) and re.fullmatch(r"[0-9A-Z]{5}", args[0]):
        return args[0], str(args[1])
    return "", " ".join(str(arg) for arg in args)


_TABLE_MISSING = re.compile(
    r"no such table: ([\w.]+)|Invalid object name '([^']+)'"
    r"|Synonym '([^']+)' refers to an invalid object"  # a synonym whose table was dropped or moved
)
_COLUMN_MISSING = re.compile(r"no such column: ([\w.]+)|Invalid column name '([^']+)'")
_PERMISSION = re.compile(
    r"permission was denied on the object '([^']+)'"
    r"|is not able to access the (database \"[^\"]+\")",  # a synonym into a database the login has no user in
    re.IGNORECASE,
)
_CANNOT_OPEN_LIB = re.compile(r"Can't open lib '([^']+)'")
_UNTRUSTED_CERTIFICATE = re.compile(
    r"certificate verify failed|certificate chain was issued by an authority that is not trusted",
    re.IGNORECASE,
)


def _first_group(match: re.Match[str]) -> str:
    return next(group for group in match.groups() if group)


def translate_error(
    exc: BaseException,
    dsn: str,
    *,
    connecting: bool = False,
    timeout_seconds: int | None = None,
    tables: Mapping[str, str] | None = None,
) -> CounterpointError:
    """A one-line, secret-free ``CounterpointError`` for a sqlite3 or pyodbc failure.

    pyodbc errors carry the SQLSTATE first; the SQLite drivers say everything in the text, so
    both are read. ``tables`` (alias → table) turns SQLite's ``h.COL`` into ``PS_ORD_HIST.COL``.
    """
    state, raw_text = _sqlstate_and_text(exc)
    text = scrub(raw_text, dsn)
    server = describe_server(dsn)
    schema_hint = "check the name and the site's rename map, or run c5attn doctor"
    if state == "IM002" or _CANNOT_OPEN_LIB.search(raw_text):
        return _driver_missing(dsn, raw_text)
    if state == "28000":
        user = odbc_attributes(dsn).get("UID") or odbc_attributes(dsn).get("USER")
        who = f" for user {user!r}" if user else ""
        return CounterpointAuthError(
            f"the Counterpoint database at {server} refused the login{who}",
            hint="check UID and PWD in counterpoint_dsn (or the account of a trusted connection)",
        )
    if missing_table := _TABLE_MISSING.search(raw_text):
        name = _first_group(missing_table)
        return CounterpointSchemaError(f"table {name} not found in Counterpoint", schema_hint)
    if missing_column := _COLUMN_MISSING.search(raw_text):
        alias, _, name = _first_group(missing_column).rpartition(".")
        table = (tables or {}).get(alias) or alias  # SQL Server names no table: the statement's only one
        return CounterpointSchemaError(
            f"column {table + '.' if table else ''}{name} not found in Counterpoint", schema_hint
        )
    if state in ("42S02", "42S22"):
        return CounterpointSchemaError(f"a table or column is missing in Counterpoint: {text}", schema_hint)
    if "readonly database" in raw_text:  # SQLite: the file, its folder or its mount is read-only
        return CounterpointError(
            f"the Counterpoint database file {server} is read-only",
            hint="c5attn writes to it only to dismiss order errors: make the file (and its folder) "
            "writable for this user",
        )
    if permission := _PERMISSION.search(raw_text):
        what = _first_group(permission)
        return CounterpointAuthError(
            f"the Counterpoint login may not use {what}",
            hint="grant SELECT on the tables c5attn reads and UPDATE on the order-error table",
        )
    if state in ("HYT00", "HYT01") and not connecting:
        seconds = f" within {timeout_seconds} s" if timeout_seconds else ""
        return CounterpointError(
            f"the Counterpoint database at {server} did not answer{seconds}",
            hint="try again later, or raise counterpoint_timeout_seconds",
        )
    if state.startswith("08") and not connecting:
        return CounterpointError(
            f"lost the connection to the Counterpoint database at {server}",
            hint="check the network and the server, then run the command again",
        )
    if connecting and _UNTRUSTED_CERTIFICATE.search(raw_text):
        return CounterpointError(
            f"cannot connect to the Counterpoint database at {server}: its TLS certificate is not trusted",
            hint="ODBC Driver 18 encrypts by default: install the server's CA certificate, or add "
            "TrustServerCertificate=yes to counterpoint_dsn for a self-signed one",
        )
    if connecting and (state.startswith("08") or state in ("HYT00", "HYT01")):
        return CounterpointError(
            f"cannot connect to the Counterpoint database at {server}",
            hint="check SERVER and PORT in counterpoint_dsn, the network, and that SQL Server accepts TCP",
        )
    if connecting and "unable to open database file" in raw_text:
        return CounterpointError(
            f"cannot open the Counterpoint database file {server}", hint="check its permissions"
        )
    if state == "40001" or "deadlock victim" in raw_text:
        return CounterpointError(
            "the Counterpoint database gave up this statement to end a deadlock with another session",
            hint="run the command again: nothing was written (a dismissal is all or nothing)",
        )
    if state == "22001" or "would be truncated" in raw_text:
        return CounterpointError(
            f"a value is too long for its Counterpoint column: {text}",
            hint="the operator name goes into DISMISSED_BY: set a shorter one (operator in the "
            "configuration, or C5ATTN_OPERATOR)",
        )
    if "database is locked" in raw_text:
        return CounterpointError("the Counterpoint database is busy (locked)", hint="try again in a moment")
    code = f" [{state}]" if state and f"[{state}]" not in text else ""
    if connecting:  # no statement was sent yet: the SQL would not help
        return CounterpointError(
            f"cannot connect to the Counterpoint database{code}: {text}",
            hint="check counterpoint_dsn: its driver, and the server or file (Database=) it names",
        )
    return CounterpointError(
        f"Counterpoint database error{code}: {text}", hint="run with --verbose to see the SQL"
    )


def _driver_missing(dsn: str, raw_text: str) -> CounterpointDriverMissing:
    attributes = odbc_attributes(dsn)
    library = _CANNOT_OPEN_LIB.search(raw_text)
    driver = attributes.get("DRIVER") or (library.group(1) if library else None)
    if driver:
        package = _DRIVER_PACKAGES.get(
            driver.strip().lower(), "install it and register it in /etc/odbcinst.ini"
        )
        return CounterpointDriverMissing(
            f"the ODBC driver {driver!r} is not installed",
            hint=f"{package}; `odbcinst -q -d` lists the installed drivers",
        )
    source = attributes.get("DSN")
    name = f" {source!r}" if source else ""
    return CounterpointDriverMissing(
        f"the ODBC data source{name} is not defined and counterpoint_dsn names no DRIVER",
        hint="define it in /etc/odbc.ini, or write DRIVER={...};SERVER=... in counterpoint_dsn",
    )
