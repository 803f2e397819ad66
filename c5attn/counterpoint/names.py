"""Counterpoint table and column names, as this site spells them.

Real installations rename things (``USER_C5_ORD_ERR`` → ``C5_ORDER_ERRORS``), so every name the
queries use goes through the site's ``rename`` map. Names are interpolated into SQL text, so each
one is validated as a plain identifier here; values never are (they are always ``?`` parameters).
A configured name goes into the SQL in brackets (``[ORDER]``, ``[dbo].[ERRORS]``), which SQL Server
and SQLite both read as a name whatever it is, a reserved word included; the default names, which
are none, stay bare.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping

from c5attn.errors import ConfigError

_IDENTIFIER = r"[A-Za-z_][A-Za-z0-9_]*"
_COLUMN_NAME = re.compile(_IDENTIFIER)
_TABLE_NAME = re.compile(rf"(?:{_IDENTIFIER}\.)?{_IDENTIFIER}")  # optionally schema-qualified: dbo.X


def is_column_name(name: str) -> bool:
    """A bare identifier, safe to put in SQL text unquoted."""
    return _COLUMN_NAME.fullmatch(name) is not None


def is_table_name(name: str) -> bool:
    """An identifier, optionally qualified by a schema (``dbo.PS_DOC_HDR``)."""
    return _TABLE_NAME.fullmatch(name) is not None


class Names:
    """Resolves the default names of domain.md (``PS_DOC_HDR``, ``PS_DOC_HDR.TKT_NO``) for one site.

    ``known`` maps each default table to the default columns c5attn uses; a ``rename`` key that
    names anything else is refused, so a typo cannot silently leave the default in place.
    """

    def __init__(
        self,
        rename: Mapping[str, str],
        *,
        order_number_column: str,
        known: Mapping[str, Collection[str]],
    ) -> None:
        if not is_column_name(order_number_column):
            raise ConfigError(
                f"order_number_column {order_number_column!r} is not a column name",
                hint="use letters, digits and underscores only, e.g. TKT_NO or USER_ECOMM_ORDER_NUMBER",
            )
        self.order_number_column = order_number_column
        self._tables: dict[str, str] = {}
        self._columns: dict[tuple[str, str], str] = {}
        for key, new_name in rename.items():
            self._add(key, new_name, known)

    def _add(self, key: str, new_name: str, known: Mapping[str, Collection[str]]) -> None:
        table, _, column = key.partition(".")
        if table not in known or (column and column not in known[table]):
            raise ConfigError(
                f"rename key {key!r} is not a Counterpoint table or column that c5attn uses",
                hint=f"tables: {', '.join(sorted(known))}; columns are written TABLE.COLUMN",
            )
        valid = is_column_name(new_name) if column else is_table_name(new_name)
        if not valid:
            raise ConfigError(
                f"rename value {new_name!r} for {key!r} is not a valid SQL name",
                hint="use letters, digits and underscores (a table may be schema-qualified: dbo.NAME)",
            )
        if column:
            self._columns[(table, column)] = new_name
        else:
            self._tables[table] = new_name

    def table(self, table: str) -> str:
        """The site's name for a default table name."""
        return self._tables.get(table, table)

    def column(self, table: str, column: str) -> str:
        """The site's name for a default column of a default table."""
        return self._columns.get((table, column), column)

    def order_number(self, table: str) -> str:
        """The column of ``table`` that holds the web order number (``order_number_column``, renamed)."""
        return self.column(table, self.order_number_column)

    def sql_table(self, table: str) -> str:
        """``table`` as the SQL text names it (a configured name bracketed)."""
        name = self.table(table)
        return name if name == table else bracketed(name)

    def sql_column(self, table: str, column: str) -> str:
        """A default column of a default table as the SQL text names it (a configured name
        bracketed: a renamed column, or ``order_number_column`` other than TKT_NO)."""
        name = self.column(table, column)
        chosen_locator = column == self.order_number_column != DEFAULT_ORDER_NUMBER_COLUMN
        return bracketed(name) if name != column or chosen_locator else name

    def sql_order_number(self, table: str) -> str:
        """``order_number`` as the SQL text names it."""
        return self.sql_column(table, self.order_number_column)


DEFAULT_ORDER_NUMBER_COLUMN = "TKT_NO"


def bracketed(name: str) -> str:
    """A validated (optionally schema-qualified) name quoted for SQL Server and SQLite alike."""
    return ".".join(f"[{part}]" for part in name.split("."))

