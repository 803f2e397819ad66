"""Is the site's Counterpoint schema what the configuration says? (used by ``doctor``)

The live catalogue (INFORMATION_SCHEMA on SQL Server, SQLite's own otherwise) says which configured
tables and columns exist; a ``SELECT … WHERE 1 = 0`` per table says whether this login may read
them. Optional columns (``RS_UTC_DT``, ``PS_ORD_HIST.STR_ID``) are used where they exist, so their
absence is reported as "optional, absent", never as missing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Literal

from c5attn.counterpoint.names import Names

TableStatus = Literal["present", "missing", "unreadable"]
ColumnStatus = Literal["present", "missing", "unreadable", "optional, absent", "not text"]

ORDER_NUMBER_COLUMNS: dict[str, str | None] = {
    "PS_DOC_HDR": None,
    "PS_ORD_HIST": None,
    "USER_C5_ORD_ERR": "ORD_NO",  # Commerce5's table is undocumented: its types are not known either
}
"""The columns matched against Magento's order numbers, by default table (None: ``order_number_column``)."""


@dataclass(frozen=True)
class ColumnCheck:
    """One column c5attn uses: its default name, the site's name for it, and what was found."""

    column: str
    configured: str
    status: ColumnStatus
    optional: bool = False
    type: str | None = None  # the declared type, for a column that must hold text


@dataclass(frozen=True)
class TableCheck:
    """One table c5attn uses, with its columns; ``detail`` says why it is unreadable."""

    table: str
    configured: str
    status: TableStatus
    columns: tuple[ColumnCheck, ...]
    detail: str | None = None


@dataclass(frozen=True)
class SchemaReport:
    """Every configured table and column of one site, checked against the live database."""

    site: str
    dialect: str
    tables: tuple[TableCheck, ...]

    @property
    def ok(self) -> bool:
        """True when c5attn can read everything it needs."""
        return not self.problems()

    def problems(self) -> list[str]:
        """One line per thing to fix, naming the configured (and, if renamed, the default) name."""
        lines: list[str] = []
        for table in self.tables:
            label = _label(table.configured, table.table)
            if table.status == "missing":
                lines.append(f"table {label} is missing (or this login cannot see it)")
            elif table.status == "unreadable":
                lines.append(f"table {label} cannot be read by this login: {table.detail}")
            else:
                lines.extend(
                    f"column {label}.{_label(column.configured, column.column)} is missing"
                    for column in table.columns
                    if column.status == "missing"
                )
                lines.extend(
                    not_text_message(
                        table.table, label, _label(column.configured, column.column), column.type or ""
                    )
                    for column in table.columns
                    if column.status == "not text"
                )
        return lines


def not_text_message(default_table: str, table: str, column: str, column_type: str) -> str:
    fixed_column = ORDER_NUMBER_COLUMNS[default_table]
    remedy = (
        "set order_number_column to a text column"
        if fixed_column is None
        else f'rename "{default_table}.{fixed_column}" to its text column'
    )
    return (
        f"column {table}.{column} holds {column_type}, not text: Magento's order numbers (000012345) "
        f"are matched as text and would never match it; {remedy}"
    )


def _label(configured: str, default: str) -> str:
    return configured if configured == default else f"{configured} (default {default})"


class Catalogue:
    """Which tables and columns exist, from (schema, table, column, type) rows; names
    case-insensitive. A table named without its schema is the default schema's (``dbo``, SQLite's
    ``main``) where several schemas have it."""

    def __init__(self, rows: Iterable[tuple[object, object, object, object]]) -> None:
        self._columns: dict[str, set[str]] = {}  # schema.table -> its columns
        self._types: dict[tuple[str, str], str] = {}  # (schema.table, column) -> declared type
        self._schema_of: dict[str, str] = {}  # table -> the schema a bare name means
        for schema, table, column, column_type in rows:
            qualified, bare = f"{schema}.{table}".lower(), f"{table}".lower()
            self._columns.setdefault(qualified, set()).add(f"{column}".lower())
            self._types[qualified, f"{column}".lower()] = f"{column_type or ''}"
            if bare not in self._schema_of or f"{schema}".lower() in _DEFAULT_SCHEMAS:
                self._schema_of[bare] = qualified

    def _qualified(self, table: str) -> str:
        return self._schema_of.get(table.lower(), table.lower())

    def columns(self, table: str) -> frozenset[str] | None:
        """The columns of a (possibly schema-qualified) table, or None when it does not exist."""
        found = self._columns.get(self._qualified(table))
        return None if found is None else frozenset(found)

    def number_type(self, table: str, column: str) -> str | None:
        """The column's declared type when it holds numbers or times (``int``, ``bigint``,
        ``decimal(15,0)``, ``datetime``), else None: text types, ``sql_variant``, SQLite's ``CLOB``
        or no type at all (SQLite allows that) are not judged.

        An order-number column of numbers matches "000012345" nowhere (SQLite compares its numbers,
        SQL Server fails on a number like "2-000123").
        """
        declared = self._types.get((self._qualified(table), column.lower()), "")
        base = declared.lower().split("(")[0].replace("unsigned", "").strip()
        return declared if _NUMBER_OR_TIME.fullmatch(base) else None


_DEFAULT_SCHEMAS = ("dbo", "main")
_DRIVER_TYPES: dict[type, str] = {
    str: "varchar",
    int: "int",
    float: "float",
    Decimal: "decimal",
    datetime: "datetime",
    date: "date",
    time: "time",
    bool: "bit",
    bytes: "varbinary",
    bytearray: "varbinary",
}


def declared_type(type_code: object) -> str:
    """A column's type as a cursor describes it (pyodbc: the Python type of its values), in the
    catalogue's words; "" where the driver says nothing (sqlite3), which is not judged."""
    return _DRIVER_TYPES.get(type_code, "") if isinstance(type_code, type) else ""


_NUMBER_OR_TIME = re.compile(
    r"(big|small|tiny|medium)?int(eger)?|numeric|decimal|float|real|double( precision)?|money|smallmoney"
    r"|bit|boolean|date|datetime2?|smalldatetime|time|datetimeoffset|timestamp"
)


def order_numbers_not_text(names: Names, catalogue: Catalogue) -> list[tuple[str, str, str, str]]:
    """(default table, table, column, type) of each column matched against order numbers that exists
    and holds numbers or times."""
    found = []
    for table, fixed_column in ORDER_NUMBER_COLUMNS.items():
        configured_table = names.table(table)
        column = names.order_number(table) if fixed_column is None else names.column(table, fixed_column)
        if (column_type := catalogue.number_type(configured_table, column)) is not None:
            found.append((table, configured_table, column, column_type))
    return found


def present_optional(
    names: Names, catalogue: Catalogue, optional: Iterable[tuple[str, str]]
) -> frozenset[tuple[str, str]]:
    """The optional (default table, default column) pairs this database has."""
    present: set[tuple[str, str]] = set()
    for table, column in optional:
        columns = catalogue.columns(names.table(table))
        if columns is not None and names.column(table, column).lower() in columns:
            present.add((table, column))
    return frozenset(present)


def build_report(
    site: str,
    dialect: str,
    names: Names,
    used: Mapping[str, Mapping[str, bool]],
    catalogue: Catalogue,
    probe: Callable[[str, list[str]], str | None],
    unreadable: Mapping[str, str] | None = None,
) -> SchemaReport:
    """Check each used table (``used``: default table → {default column: optional?}).

    ``probe(table, columns)`` (names as the SQL text writes them) returns None when the login can
    read those columns, else why not. ``unreadable``: tables the catalogue does not list that this
    login may not read (default table → why); their columns cannot be checked.
    """
    tables: list[TableCheck] = []
    for table, columns in used.items():
        configured_table = names.table(table)
        existing = catalogue.columns(configured_table)
        configured = {column: names.column(table, column) for column in columns}
        found = [column for column, name in configured.items() if existing and name.lower() in existing]
        present = [configured[column] for column in found]
        probed = [names.sql_column(table, column) for column in found]
        detail = probe(names.sql_table(table), probed) if existing is not None and found else None
        table_status: TableStatus = "missing" if existing is None else "unreadable" if detail else "present"
        if unreadable and table in unreadable:
            detail, table_status = unreadable[table], "unreadable"
            present = [configured[column] for column in columns]  # not known: each as unreadable
        not_text = {
            column: column_type
            for default, _, column, column_type in order_numbers_not_text(names, catalogue)
            if default == table
        }
        checks = tuple(
            ColumnCheck(
                column,
                configured[column],
                "not text"
                if configured[column] in not_text
                else _column_status(configured[column] in present, optional, table_status),
                optional,
                not_text.get(configured[column]),
            )
            for column, optional in columns.items()
        )
        tables.append(TableCheck(table, configured_table, table_status, checks, detail))
    return SchemaReport(site, dialect, tuple(tables))


def _column_status(present: bool, optional: bool, table_status: TableStatus) -> ColumnStatus:
    if not present:
        return "optional, absent" if optional else "missing"
    return "unreadable" if table_status == "unreadable" else "present"
