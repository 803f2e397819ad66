"""Every SQL statement c5attn sends to Counterpoint, as templates a test can enumerate.

Each statement is plain ANSI SQL that runs unchanged on SQL Server and SQLite: no ``TOP``/``LIMIT``,
no ``GETDATE()``, times passed as parameters; a name the site configured is bracketed (``[GROUP]``),
which both read as a name (``Names.sql_table``, ``Names.sql_column``). Template notation, resolved
per site by ``render``:

- ``{PS_DOC_HDR} o`` — a table by its default name (domain.md), declaring the alias ``o``;
- ``o.DOC_ID`` — a column of the aliased table, through the site's ``rename`` map;
- ``o.{ORDER_NO}`` — the order-number column of that table (``order_number_column``);
- ``o.{RS_UTC_DT?}`` — an optional column: itself where the database has it, else ``NULL``;
- ``{USER_C5_ORD_ERR.ORD_NO}`` — a column without an alias (``UPDATE`` cannot alias portably);
- ``:name`` — a parameter; bound to a list it becomes ``?, ?, …`` (for ``IN``), else one ``?``.

Codes and flags are compared as ``UPPER(LTRIM(RTRIM(col))) = ?`` (trimmed, case-insensitive, as
SQL Server's usual collation does), while the ``IN`` lists stay on raw key columns so indexes work.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum

from c5attn.counterpoint.names import Names

BATCH_SIZE = 500
"""Order numbers per batch: every statement stays far below SQL Server's 2,100 parameters."""

MAX_PARAMETERS = 2098
"""SQL Server's 2,100 parameters in one call, less the two that the driver's ``sp_executesql``
call itself takes (the statement and its parameter list)."""

DISMISS_CHUNK = 1000
"""Error ids per dismiss statement: an order Commerce5 kept retrying may have thousands."""

ORDER_NO = "ORDER_NO"
"""Template pseudo-column: the site's order-number column."""

_TABLE = r"[A-Z][A-Z0-9_]*"
_ALIAS = r"[a-z][a-z0-9_]*"
_TABLE_ALIAS = re.compile(rf"\{{({_TABLE})\}}\s+({_ALIAS})\b")
_TOKEN = re.compile(
    rf"\{{(?P<bare_table>{_TABLE})\.(?P<bare_column>{_TABLE})\}}"
    rf"|\{{(?P<table>{_TABLE})\}}"
    rf"|\b(?P<alias>{_ALIAS})\.(?:\{{(?P<special>{_TABLE})(?P<optional>\?)?\}}|(?P<column>{_TABLE}))"
)
_PARAMETER = re.compile(r":([a-z_]+)\b")
_SELECT_LIST = re.compile(r"\bSELECT\s+(.*?)\s+FROM\b", re.DOTALL)
_NAMED = re.compile(r"(.*?)\s+AS\s+([A-Z_]+)", re.DOTALL)


class Dialect(Enum):
    """Which catalogue the database has; the data statements are the same for both."""

    SQLITE = "sqlite"
    SQLSERVER = "sqlserver"


@dataclass(frozen=True)
class ColumnRef:
    """A column a template uses, by its default names."""

    table: str
    column: str  # ``ORDER_NO`` stands for the order-number column
    optional: bool = False


@dataclass(frozen=True)
class Results:
    """What a statement's rows hold, position by position: the name its first ``SELECT`` gives each,
    and per ``UNION ALL`` branch the column read there or the literal selected (``"0"``, ``"NULL"``)."""

    names: tuple[str, ...]
    branches: tuple[tuple[ColumnRef | str, ...], ...]


@dataclass(frozen=True)
class Prepared:
    """A statement with names resolved for one site; parameters still named (``:name``)."""

    name: str
    sql: str
    tables: Mapping[str, str] = field(default_factory=dict)  # alias ("" : the only table) → the site's name

    def bind(self, values: Mapping[str, object]) -> tuple[str, list[object]]:
        """The driver's SQL (``?`` markers, lists expanded) and its parameters in order."""
        parameters: list[object] = []

        def marker(match: re.Match[str]) -> str:
            value = values[match.group(1)]
            if isinstance(value, (list, tuple)):
                if not value:
                    raise ValueError(f"{self.name}: empty list for :{match.group(1)}")
                parameters.extend(value)
                return ", ".join("?" * len(value))
            parameters.append(value)
            return "?"

        sql = _PARAMETER.sub(marker, self.sql)
        if len(parameters) > MAX_PARAMETERS:
            raise ValueError(f"{self.name}: {len(parameters)} parameters, SQL Server allows {MAX_PARAMETERS}")
        return sql, parameters


@dataclass(frozen=True)
class Statement:
    """A statement template (see the module docstring for the notation)."""

    name: str
    template: str

    def aliases(self) -> dict[str, str]:
        """alias → default table name, as declared by ``{TABLE} alias``."""
        aliases: dict[str, str] = {}
        for table, alias in _TABLE_ALIAS.findall(self.template):
            if aliases.setdefault(alias, table) != table:
                raise ValueError(f"{self.name}: alias {alias!r} used for two tables")
        return aliases

    def references(self) -> list[ColumnRef]:
        """Every column the template names, by default table and column."""
        aliases = self.aliases()
        refs: list[ColumnRef] = []
        for match in _TOKEN.finditer(self.template):
            if match["bare_table"]:
                refs.append(ColumnRef(match["bare_table"], match["bare_column"]))
            elif match["alias"]:
                table = aliases[match["alias"]]
                refs.append(ColumnRef(table, match["special"] or match["column"], bool(match["optional"])))
        return refs

    def results(self) -> Results:
        """The result columns of a statement whose select lists hold only columns and literals (the
        reads whose rows become orders): where a value that cannot be read came from."""
        aliases = self.aliases()
        names: list[str] = []
        branches: list[tuple[ColumnRef | str, ...]] = []
        for branch in self.template.split("UNION ALL"):
            select_list = _SELECT_LIST.search(branch)
            if select_list is None:
                raise ValueError(f"{self.name}: a branch without SELECT … FROM")
            sources: list[ColumnRef | str] = []
            for item in select_list.group(1).split(","):
                named = _NAMED.fullmatch(item.strip())
                expression, name = named.groups() if named else (item.strip(), None)
                column = _TOKEN.fullmatch(expression)
                if column is None or not column["alias"]:
                    sources.append(expression)
                else:
                    table = aliases[column["alias"]]
                    ref = ColumnRef(table, column["special"] or column["column"], bool(column["optional"]))
                    sources.append(ref)
                    name = name or ref.column
                if not branches:
                    names.append(name or expression)
            branches.append(tuple(sources))
        if any(len(sources) != len(names) for sources in branches):
            raise ValueError(f"{self.name}: UNION ALL branches of different widths")
        return Results(tuple(names), tuple(branches))

    def tables(self) -> list[str]:
        """Every default table the template names, in order of appearance."""
        found = (match["table"] or match["bare_table"] for match in _TOKEN.finditer(self.template))
        return list(dict.fromkeys(table for table in found if table))

    def render(self, names: Names, present_optional: frozenset[tuple[str, str]]) -> Prepared:
        """Resolve every name for the site; an absent optional column becomes ``NULL``."""
        aliases = self.aliases()

        def resolve(match: re.Match[str]) -> str:
            if match["bare_table"]:
                return names.sql_column(match["bare_table"], match["bare_column"])
            if match["table"]:
                return names.sql_table(match["table"])
            alias, special = match["alias"], match["special"]
            table = aliases[alias]
            if match["column"]:
                return f"{alias}.{names.sql_column(table, match['column'])}"
            if match["optional"] and special != ORDER_NO:
                present = (table, special) in present_optional
                return f"{alias}.{names.sql_column(table, special)}" if present else "NULL"
            if special == ORDER_NO and not match["optional"]:
                return f"{alias}.{names.sql_order_number(table)}"
            raise ValueError(f"{self.name}: unknown template token {match.group(0)!r}")

        sql = " ".join(_TOKEN.sub(resolve, self.template).split())
        tables = {alias: names.table(table) for alias, table in aliases.items()}
        if len(named := set(self.tables())) == 1:  # an error naming a bare column means this table's
            tables[""] = names.table(named.pop())
        return Prepared(self.name, sql, tables)


def _norm(column: str) -> str:
    return f"UPPER(LTRIM(RTRIM({column})))"


# --- Per batch of order numbers --------------------------------------------------------------

HEADERS = Statement(
    "headers",
    """
SELECT 0 AS POSTED, o.DOC_ID, o.{ORDER_NO} AS ORDER_NO, o.TKT_NO, o.DOC_TYP, o.STR_ID
FROM {PS_DOC_HDR} o
WHERE o.{ORDER_NO} IN (:order_nos)
UNION ALL
SELECT 1, h.DOC_ID, h.{ORDER_NO}, h.TKT_NO, NULL, h.{STR_ID?}
FROM {PS_ORD_HIST} h
WHERE h.{ORDER_NO} IN (:order_nos)
""",
)
"""Candidate orders, open and posted; document type and store are checked in Python."""

RELEASES = Statement(
    "releases",
    f"""
SELECT 0 AS POSTED, x.ORIG_DOC_ID, NULL AS ORIG_TKT_NO, d.DOC_ID, d.TKT_NO, d.TKT_DT,
       d.{{RS_UTC_DT?}} AS RS_UTC_DT, l.LIN_SEQ_NO, l.LIN_TYP, l.ITEM_NO, l.QTY_SOLD
FROM {{PS_DOC_HDR_ORIG_DOC}} x
JOIN {{PS_DOC_HDR}} d ON d.DOC_ID = x.DOC_ID
LEFT JOIN {{PS_DOC_LIN}} l ON l.DOC_ID = d.DOC_ID AND {_norm("l.LIN_TYP")} = :sale_line
WHERE x.ORIG_DOC_ID IN (:doc_ids) AND {_norm("d.IS_REL_TKT")} = :yes
UNION ALL
SELECT 1, NULL, y.ORIG_TKT_NO, t.DOC_ID, t.TKT_NO, t.TKT_DT,
       t.{{RS_UTC_DT?}}, m.LIN_SEQ_NO, m.LIN_TYP, m.ITEM_NO, m.QTY_SOLD
FROM {{PS_TKT_HIST_ORIG_DOC}} y
JOIN {{PS_TKT_HIST}} t ON t.DOC_ID = y.DOC_ID
LEFT JOIN {{PS_TKT_HIST_LIN}} m ON m.DOC_ID = t.DOC_ID AND {_norm("m.LIN_TYP")} = :sale_line
WHERE y.ORIG_TKT_NO IN (:tkt_nos) AND {_norm("t.IS_REL_TKT")} = :yes AND {_norm("t.STR_ID")} = :store
""",
)
"""Release tickets with their sale lines: unposted by the order's DOC_ID, posted by its TKT_NO."""

DEPOSITS = Statement(
    "deposits",
    f"""
SELECT 0 AS POSTED, p.DOC_ID AS ORDER_DOC_ID, NULL AS ORIG_TKT_NO, p.DOC_ID, p.PMT_SEQ_NO, p.PAY_COD, p.AMT
FROM {{PS_DOC_PMT}} p
WHERE p.DOC_ID IN (:doc_ids) AND {_norm("p.FINAL_PMT")} = :deposit
UNION ALL
SELECT 0, x.ORIG_DOC_ID, NULL, q.DOC_ID, q.PMT_SEQ_NO, q.PAY_COD, q.AMT
FROM {{PS_DOC_HDR_ORIG_DOC}} x
JOIN {{PS_DOC_HDR}} d ON d.DOC_ID = x.DOC_ID
JOIN {{PS_DOC_PMT}} q ON q.DOC_ID = d.DOC_ID
WHERE x.ORIG_DOC_ID IN (:doc_ids) AND {_norm("q.FINAL_PMT")} = :deposit
  AND (d.IS_REL_TKT IS NULL OR {_norm("d.IS_REL_TKT")} <> :yes)
UNION ALL
SELECT 1, NULL, y.ORIG_TKT_NO, r.DOC_ID, r.PMT_SEQ_NO, r.PAY_COD, r.AMT
FROM {{PS_TKT_HIST_ORIG_DOC}} y
JOIN {{PS_TKT_HIST}} t ON t.DOC_ID = y.DOC_ID
JOIN {{PS_TKT_HIST_PMT}} r ON r.DOC_ID = t.DOC_ID
WHERE y.ORIG_TKT_NO IN (:tkt_nos) AND {_norm("t.STR_ID")} = :store
  AND (t.IS_REL_TKT IS NULL OR {_norm("t.IS_REL_TKT")} <> :yes)
""",
)
"""Deposits: ``FINAL_PMT = 'N'`` on the order or its unposted non-release documents, and every
payment of its posted non-release tickets (``PS_TKT_HIST_PMT`` has no ``FINAL_PMT``)."""

CANCELLATIONS = Statement(
    "cancellations",
    f"""
SELECT 0 AS POSTED, a.DOC_ID, a.LOG_SEQ_NO, a.ACTIV
FROM {{PS_DOC_AUDIT_LOG}} a
WHERE a.DOC_ID IN (:doc_ids) AND {_norm("a.ACTIV")} IN (:canceled, :reinstated)
UNION ALL
SELECT 1, b.DOC_ID, b.LOG_SEQ_NO, b.ACTIV
FROM {{PS_ORD_HIST_AUDIT_LOG}} b
WHERE b.DOC_ID IN (:doc_ids) AND {_norm("b.ACTIV")} IN (:canceled, :reinstated)
""",
)
"""Cancel and reinstate rows of the audit logs (open orders in one, posted in the other)."""

OPEN_ERRORS = Statement(
    "open_errors",
    f"""
SELECT e.ORD_NO, e.ERR_ID, e.ERR_TYP, e.ERR_MSG, e.ERR_DT, e.EMAIL_CNT
FROM {{USER_C5_ORD_ERR}} e
WHERE e.ORD_NO IN (:order_nos) AND {_norm("e.STR_ID")} = :store
  AND (e.IS_DISMISSED IS NULL OR {_norm("e.IS_DISMISSED")} <> :yes)
ORDER BY e.ORD_NO, e.ERR_ID
""",
)

DETAIL_STATEMENTS = (RELEASES, DEPOSITS, CANCELLATIONS, OPEN_ERRORS)
"""Run once per batch that found at least one order, after ``HEADERS``."""

STATEMENTS_PER_BATCH = 1 + len(DETAIL_STATEMENTS) + 1
"""The most statements one batch issues: ``HEADERS``, the details, and, on a store's first batch
only, the catalogue read that detects the optional columns. Never one per order."""

# --- The one write ---------------------------------------------------------------------------

DISMISS = Statement(
    "dismiss",
    f"""
UPDATE {{USER_C5_ORD_ERR}}
SET {{USER_C5_ORD_ERR.IS_DISMISSED}} = 'Y', {{USER_C5_ORD_ERR.DISMISSED_BY}} = :operator,
    {{USER_C5_ORD_ERR.DISMISSED_DT}} = :now
WHERE {{USER_C5_ORD_ERR.ORD_NO}} = :order_no AND {_norm("{USER_C5_ORD_ERR.STR_ID}")} = :store
  AND ({{USER_C5_ORD_ERR.IS_DISMISSED}} IS NULL OR {_norm("{USER_C5_ORD_ERR.IS_DISMISSED}")} <> 'Y')
  AND {{USER_C5_ORD_ERR.ERR_ID}} IN (:err_ids)
""",
)
"""Its ``WHERE`` compares the store and the flag as ``OPEN_ERRORS`` does (trimmed, upper-cased), so
it dismisses exactly the rows a read shows as open: a store code typed ``web`` against rows of
``WEB``, or a flag stored as `` Y``, must neither leave shown errors open nor overwrite who
dismissed a row before. ``err_ids`` are the errors the operator was shown: one that arrived after
is left open."""

# --- doctor: the configured values against the data ------------------------------------------

STORE_IN_USE = Statement(
    "store_in_use",
    f"""
SELECT CASE WHEN EXISTS (
         SELECT 1 FROM {{PS_DOC_HDR}} o
         WHERE {_norm("o.STR_ID")} = :store AND {_norm("o.DOC_TYP")} = :order_type
       ) OR EXISTS (
         SELECT 1 FROM {{PS_ORD_HIST}} h WHERE {_norm("h.{STR_ID?}")} = :store
       ) OR EXISTS (
         SELECT 1 FROM {{PS_TKT_HIST}} t
         WHERE :posted_orders_lack_store = 1
           AND {_norm("t.STR_ID")} = :store AND {_norm("t.IS_REL_TKT")} = :yes
       ) THEN 1 ELSE 0 END,
       CASE WHEN EXISTS (SELECT 1 FROM {{PS_DOC_HDR}} a WHERE {_norm("a.DOC_TYP")} = :order_type)
         OR EXISTS (SELECT 1 FROM {{PS_ORD_HIST}} b) THEN 1 ELSE 0 END
""",
)
"""Whether an order document carries the site's store code, and whether there is any order at all
(a new shop has none yet). ``EXISTS``: the first match ends each search. ``:posted_orders_lack_store``
is 1 where ``PS_ORD_HIST`` has no ``STR_ID``: a posted order then says nothing of the store (it is
read whatever its store), but its posted release tickets carry it, and are read by it."""

WEB_PAY_CODES_IN_USE = Statement(
    "web_pay_codes_in_use",
    f"""
SELECT CASE WHEN EXISTS (SELECT 1 FROM {{PS_DOC_PMT}} p WHERE {_norm("p.PAY_COD")} IN (:pay_codes))
         OR EXISTS (SELECT 1 FROM {{PS_TKT_HIST_PMT}} r WHERE {_norm("r.PAY_COD")} IN (:pay_codes))
       THEN 1 ELSE 0 END
""",
)
"""Whether any payment, open or posted, has one of the site's web pay codes."""

TICKET_TIMES = Statement(
    "ticket_times",
    f"""
SELECT 0 AS POSTED, d.DOC_ID, d.TKT_DT, d.{{RS_UTC_DT?}} AS RS_UTC_DT
FROM {{PS_DOC_HDR}} d
WHERE d.TKT_DT >= :since AND {_norm("d.STR_ID")} = :store AND {_norm("d.IS_REL_TKT")} = :yes
UNION ALL
SELECT 1, t.DOC_ID, t.TKT_DT, t.{{RS_UTC_DT?}}
FROM {{PS_TKT_HIST}} t
WHERE t.TKT_DT >= :since AND {_norm("t.STR_ID")} = :store AND {_norm("t.IS_REL_TKT")} = :yes
""",
)
"""Both times of the store's release tickets, open and posted, stamped (TKT_DT) since ``:since``: the
sample that tells whether ``counterpoint_timezone`` is the store's. The window bounds it (no
``TOP``/``LIMIT`` here): a few days of one store's releases. ``POSTED`` and ``DOC_ID`` are there only
to name a ticket whose time cannot be read."""

DOCTOR_STATEMENTS = (STORE_IN_USE, WEB_PAY_CODES_IN_USE, TICKET_TIMES)

DATA_STATEMENTS = (HEADERS, *DETAIL_STATEMENTS, DISMISS, *DOCTOR_STATEMENTS)
"""Every statement that reads or writes Counterpoint data (portable: SQL Server and SQLite)."""

# --- The catalogue (dialect-specific: the only statements that are) ---------------------------

CATALOGUE = {
    Dialect.SQLITE: Statement(
        "catalogue_sqlite",
        """
SELECT 'main', m.name, p.name, p.type
FROM sqlite_master m JOIN pragma_table_info(m.name) p
WHERE m.type IN ('table', 'view')
""",
    ),
    Dialect.SQLSERVER: Statement(
        "catalogue_sqlserver",
        """
SELECT TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME, DATA_TYPE
FROM INFORMATION_SCHEMA.COLUMNS
WHERE TABLE_NAME IN (:tables)
""",
    ),
}
"""(schema, table, column, type) of the tables the site uses; SQLite's type is as declared."""


APP_LOCK = (
    "SET NOCOUNT ON; DECLARE @result INT; "
    "EXEC @result = sp_getapplock @Resource = ?, @LockMode = 'Exclusive', @LockOwner = 'Session', "
    "@LockTimeout = ?; SELECT @result AS result"
)
"""SQL Server only: take the site's write lock for this session, waiting up to ? ms.

The result is 0 or 1 when granted, negative when not (-1: timed out). A session-owned lock is
released with the connection, so a killed run never leaves it behind."""

APP_UNLOCK = "EXEC sp_releaseapplock @Resource = ?, @LockOwner = 'Session'"
"""SQL Server only: release the lock ``APP_LOCK`` took."""


MAY_UPDATE = Prepared(
    "may_update",
    "SELECT HAS_PERMS_BY_NAME(:table, 'OBJECT', 'UPDATE'), "
    "CAST(DATABASEPROPERTYEX(DB_NAME(), 'Updateability') AS varchar(20))",
)
"""SQL Server only: whether the login may UPDATE a table (1/0), and READ_ONLY or READ_WRITE."""


def described(table: str) -> Prepared:
    """Reads nothing; its cursor's description names the columns of ``table`` (named as SQL writes
    it), whatever the catalogue lists: a SQL Server synonym's, for one."""
    return Prepared("described", f"SELECT * FROM {table} WHERE 1 = 0")


def probe(table: str, columns: Sequence[str]) -> Prepared:
    """Reads nothing, but fails unless the login may read these columns (named as SQL writes them:
    ``Names.sql_table``, ``Names.sql_column``)."""
    return Prepared("probe", f"SELECT {', '.join(columns)} FROM {table} WHERE 1 = 0")


def catalogue(order_number_column: str) -> dict[str, dict[str, bool]]:
    """Default table → {default column: optional?} for every name the data statements use."""
    tables: dict[str, dict[str, bool]] = {}
    for statement in DATA_STATEMENTS:
        for table in statement.tables():
            tables.setdefault(table, {})
        for ref in statement.references():
            column = order_number_column if ref.column == ORDER_NO else ref.column
            columns = tables.setdefault(ref.table, {})
            columns[column] = columns.get(column, True) and ref.optional
    return tables


def optional_columns(order_number_column: str) -> frozenset[tuple[str, str]]:
    """(table, column) pairs used where they exist and never reported missing."""
    return frozenset(
        (table, column)
        for table, columns in catalogue(order_number_column).items()
        for column, optional in columns.items()
        if optional
    )
