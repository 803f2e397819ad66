"""The Magento sandbox's SQLite store: orders as Magento-shaped JSON plus indexed columns.

Each order's JSON (exactly what ``GET /V1/orders/{id}`` answers) lives in ``order_json``; the
narrow ``orders`` table copies the columns searches filter and sort on, so paging 100,000 orders
walks small index pages, never the JSON. Any other column of Magento's table is still
filterable, through ``json_extract``; a field that is no column is MySQL's error. Invoices,
shipments and credit memos are derived from the orders' quantities when the store is loaded.
The workflow rules of Magento's order service (comments per build, hold, unhold, cancel) are here
too; the HTTP layer is ``magento_server``.
"""

from __future__ import annotations

import json
import math
import os
import re
import sqlite3
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from itertools import islice
from pathlib import Path
from typing import Any

from c5attn.sandbox import magento_schema
from c5attn.sandbox.magento_schema import Shape
from c5attn.sandbox.search_criteria import Condition, Criteria

MagentoVersion = str  # "2.4.6" | "2.4.7" | "2.4.8"
VERSIONS = ("2.4.6", "2.4.7", "2.4.8")
DOCUMENT_KINDS = ("invoices", "shipments", "creditmemos")
NOT_FOUND = "The entity that was requested doesn't exist. Verify the entity and try again."

# Magento's core statuses per state (its install data patch, SOURCES.md), the first one being the
# state's default, plus Commerce5's statuses where the project's defaults assign them.
DEFAULT_STATE_MAP: dict[str, list[str]] = {
    "new": ["pending", "needs_attention"],
    "pending_payment": ["pending_payment"],
    "processing": ["processing", "fraud", "in_counterpoint", "needs_attention"],
    "complete": ["complete", "completing", "needs_attention"],
    "closed": ["closed", "needs_attention"],
    "canceled": ["canceled", "confirmed_cancel", "needs_attention"],
    "holded": ["holded", "needs_attention"],
    "payment_review": ["payment_review", "fraud"],
}

_ORDER_COLUMNS = ("entity_id", "increment_id", "store_id", "state", "status", "created_at", "updated_at")
_FIELD_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_TIME_COLUMNS = frozenset({"t.created_at", "t.updated_at"})
# Compared and sorted NOCASE whatever a store's columns say: stores built before they were
# declared NOCASE (an embedded sandbox kept across versions) then answer as new ones do.
_TEXT_COLUMNS = frozenset({"t.increment_id", "t.state", "t.status"})
_ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2})?")
_CHUNK = 2000
_STORE_TABLES = ("orders", "order_json", *DOCUMENT_KINDS, "meta")

_SCHEMA = """
CREATE TABLE orders (
    entity_id INTEGER PRIMARY KEY, increment_id TEXT NOT NULL COLLATE NOCASE, store_id INTEGER,
    state TEXT COLLATE NOCASE, status TEXT COLLATE NOCASE, created_at TEXT, updated_at TEXT
);
CREATE TABLE order_json (entity_id INTEGER PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE invoices (entity_id INTEGER PRIMARY KEY, order_id INTEGER NOT NULL, created_at TEXT, body TEXT);
CREATE TABLE shipments (entity_id INTEGER PRIMARY KEY, order_id INTEGER NOT NULL, created_at TEXT, body TEXT);
CREATE TABLE creditmemos (entity_id INTEGER PRIMARY KEY, order_id INTEGER NOT NULL, created_at TEXT,
    body TEXT);
CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
"""
_INDEXES = """
CREATE INDEX orders_increment_id ON orders (increment_id);
CREATE INDEX orders_store_id ON orders (store_id);
CREATE INDEX orders_state ON orders (state, store_id);
CREATE INDEX orders_status ON orders (status, store_id);
CREATE INDEX orders_created_at ON orders (created_at);
CREATE INDEX orders_updated_at ON orders (updated_at);
CREATE INDEX orders_store_updated_at ON orders (store_id, updated_at);
CREATE INDEX invoices_order_id ON invoices (order_id);
CREATE INDEX shipments_order_id ON shipments (order_id);
CREATE INDEX creditmemos_order_id ON creditmemos (order_id);
"""

# MySQL's prepareSqlCondition: a condition type it does not know (``moreq``, a typo) compares
# with "=". Those it knows and the sandbox does not model are refused rather than misread.
_OPERATORS = {
    "eq": "=", "neq": "!=", "gt": ">", "gteq": ">=", "from": ">=", "lt": "<", "lteq": "<=", "to": "<=",
}  # fmt: skip
_NOT_MODELLED = frozenset({"regexp", "is", "ntoa"})


class SandboxError(Exception):
    """A Magento error answer: HTTP status, message with placeholders, and its parameters."""

    def __init__(
        self, status: int, message: str, parameters: list[Any] | dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.parameters = parameters

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"message": self.message}
        if self.parameters is not None:
            body["parameters"] = self.parameters
        return body


def magento_now() -> str:
    """The current UTC time in Magento's ``YYYY-MM-DD HH:MM:SS`` form."""
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")


# --- loading -----------------------------------------------------------------------------------


def _clean(value: dict[str, Any], shape: Shape) -> dict[str, Any]:
    """Magento's output form of one object: null members dropped, except those the schema
    requires (Magento sends them as null); booleans as 0/1 where the schema says integer, kept
    where it says boolean (or does not know the member).

    Scalars are handled inline, not by recursion: loading 100,000 orders visits millions of them.
    """
    keep_null, integers, children = shape.keep_null, shape.integers, shape.children
    cleaned: dict[str, Any] = {}
    for key, item in value.items():
        if item is None:
            if key in keep_null:
                cleaned[key] = None
        elif isinstance(item, dict):
            cleaned[key] = _clean(item, children.get(key, magento_schema.UNKNOWN))
        elif isinstance(item, list):
            element_shape = children.get(key, magento_schema.UNKNOWN)
            of_integers = key in integers
            cleaned[key] = [
                _clean(element, element_shape)
                if isinstance(element, dict)
                else int(element)
                if of_integers and (element is True or element is False)
                else element
                for element in item
            ]
        elif key in integers and (item is True or item is False):
            cleaned[key] = int(item)
        else:
            cleaned[key] = item
    return cleaned


def _number(value: Any) -> Decimal:
    try:
        return Decimal(str(value)) if value not in (None, "") else Decimal(0)
    except InvalidOperation:  # its own message is "[<class 'decimal.ConversionSyntax'>]"
        raise ValueError(f"{value!r} is not a number") from None


def _json_number(value: Decimal) -> int | float:
    """Whole amounts as JSON integers, like PHP's ``json_encode``."""
    return int(value) if value == value.to_integral_value() else float(value)


def _document(kind: str, order: Mapping[str, Any]) -> dict[str, Any] | None:
    """The one invoice, shipment or credit memo implied by the order's item quantities, if any."""
    qty_key = {"invoices": "qty_invoiced", "shipments": "qty_shipped", "creditmemos": "qty_refunded"}[kind]
    lines = [item for item in order.get("items", ()) if _number(item.get(qty_key)) > 0]
    if not lines:
        return None
    doc_id = int(order["entity_id"])
    items = [
        {
            "entity_id": int(item.get("item_id", 0)),
            "parent_id": doc_id,
            "order_item_id": int(item.get("item_id", 0)),
            "sku": item.get("sku", ""),
            "name": item.get("name", ""),
            "price": item.get("price", 0),
            "qty": _json_number(_number(item.get(qty_key))),
            **({"base_cost": 0, "base_price": item.get("price", 0)} if kind == "creditmemos" else {}),
        }
        for item in lines
    ]
    document: dict[str, Any] = {
        "entity_id": doc_id,
        "increment_id": order.get("increment_id", str(doc_id)),
        "order_id": doc_id,
        "store_id": order.get("store_id", 1),
        "created_at": order.get("updated_at") or order.get("created_at") or magento_now(),
        "updated_at": order.get("updated_at") or order.get("created_at") or magento_now(),
        "items": items,
        "comments": [],
    }
    if kind != "creditmemos":  # the credit memo schema has no total_qty
        document["total_qty"] = _json_number(sum((_number(item.get(qty_key)) for item in lines), Decimal(0)))
    if kind == "invoices":
        paid = _number(order.get("total_paid")) >= _number(order.get("total_invoiced"))
        document["state"] = 2 if paid else 1
        document["grand_total"] = order.get("total_invoiced", 0)
        document["base_grand_total"] = order.get("base_total_invoiced", order.get("total_invoiced", 0))
    elif kind == "creditmemos":
        document["state"] = 2
        document["grand_total"] = order.get("total_refunded", 0)
    else:
        document["tracks"] = []
    return document


def _order_row(order: Mapping[str, Any]) -> tuple[Any, ...]:
    return tuple(order.get(column) for column in _ORDER_COLUMNS)


def _history_ids(order: Mapping[str, Any]) -> Iterator[int]:
    for entry in order.get("status_histories", ()):
        if isinstance(entry.get("entity_id"), int):
            yield entry["entity_id"]


def _compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def _normalized(orders: Iterable[Mapping[str, Any]]) -> Iterator[tuple[dict[str, Any], str]]:
    """Each order in Magento's output form, with its JSON text."""
    next_id = 1
    for raw in orders:
        order = dict(raw)
        entity_id = int(order.get("entity_id", next_id))
        next_id = max(next_id, entity_id + 1)
        order["entity_id"] = entity_id
        order.setdefault("increment_id", f"{entity_id:09d}")
        order["items"] = order.get("items") or []  # Magento's lists are never null
        order["status_histories"] = order.get("status_histories") or []
        text = _compact(order)
        if "null" in text or "true" in text or "false" in text:  # else nothing to clean: skip the walk
            order = _clean(order, magento_schema.ORDER)
            text = _compact(order)
        yield order, text


def load_orders(db_path: Path, orders: Iterable[Mapping[str, Any]], *, keep_for_none: bool = False) -> int:
    """(Re)fill the store at ``db_path`` from order dicts, streaming; returns how many were loaded.

    The new store is built in a temporary file beside ``db_path`` and replaces it only once
    complete, so orders that cannot be read (a truncated file: ``ValueError``) leave the old store
    as it was; deleting it first left an empty one. ``keep_for_none``: no orders at all (an empty
    file) is a ``ValueError`` too when the store has orders. Orders without ``entity_id`` are
    numbered after the highest seen so far. Stop a server running on the old store first.
    """
    db_path = Path(db_path)
    handle, name = tempfile.mkstemp(prefix=f".{db_path.name}.", suffix=".loading", dir=db_path.parent)
    os.close(handle)
    loading = Path(name)
    try:
        try:
            count = _fill_store(loading, orders)
        except (TypeError, AttributeError, KeyError, ArithmeticError) as exc:  # {"items": 5}, [1], …
            raise ValueError(f"an order is not shaped as Magento's: {exc}") from exc
        if count == 0 and keep_for_none and (kept := _order_count(db_path)):
            raise ValueError(f"it holds no orders; the store keeps its {kept:,}")
        delete_store(db_path, parts=STORE_LOGS)
        os.replace(loading, db_path)
    except BaseException:
        delete_store(loading)
        raise
    return count


def _order_count(db_path: Path) -> int:
    """How many orders the store at ``db_path`` holds (0 for none, or for a file that is no store)."""
    if not db_path.exists() or db_path.stat().st_size == 0:
        return 0
    try:
        with closing(sqlite3.connect(db_path)) as conn:
            return int(conn.execute("SELECT COUNT(*) FROM orders").fetchone()[0])
    except sqlite3.Error:
        return 0


STORE_LOGS = ("-wal", "-shm")  # SQLite's files beside a store: an old store's must not meet a new one


def delete_store(db_path: Path, parts: tuple[str, ...] = ("", *STORE_LOGS)) -> None:
    """Delete the store's file and its logs (``parts``: the suffixes to delete; missing ones are fine)."""
    for suffix in parts:
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)


def _fill_store(db_path: Path, orders: Iterable[Mapping[str, Any]]) -> int:
    """Create the store's tables in the empty file ``db_path`` and insert ``orders``: one
    transaction, ``executemany`` per chunk, indexes built after the rows (100,000 orders load in
    seconds)."""
    conn = sqlite3.connect(db_path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=OFF")
        conn.executescript(_SCHEMA)
        conn.execute("BEGIN")
        count = 0
        max_history = 0
        stream = _normalized(orders)
        while pairs := list(islice(stream, _CHUNK)):
            chunk = [order for order, _ in pairs]
            count += len(chunk)
            conn.executemany("INSERT INTO orders VALUES (?, ?, ?, ?, ?, ?, ?)", map(_order_row, chunk))
            conn.executemany(
                "INSERT INTO order_json VALUES (?, ?)", ((order["entity_id"], text) for order, text in pairs)
            )
            for kind in DOCUMENT_KINDS:
                documents = [doc for order in chunk if (doc := _document(kind, order)) is not None]
                conn.executemany(
                    f"INSERT INTO {kind} VALUES (?, ?, ?, ?)",
                    ((d["entity_id"], d["order_id"], d["created_at"], _compact(d)) for d in documents),
                )
            max_history = max([max_history, *(i for order in chunk for i in _history_ids(order))])
        conn.execute("INSERT INTO meta VALUES ('next_history_id', ?)", (max_history + 1,))
        for statement in filter(str.strip, _INDEXES.split(";")):
            conn.execute(statement)
        conn.execute("ANALYZE")
        conn.execute("COMMIT")
    finally:
        conn.close()
    return count


def check_store(db_path: Path) -> None:
    """Raise ``ValueError`` unless ``db_path`` is a store ``load_orders`` made (serving another
    file answered every request with a 500), ``PermissionError`` when it or its folder cannot be
    written (the server stores comments and statuses). Creates nothing."""
    path = Path(db_path).resolve()
    writable = os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)
    # Read-only files are read as immutable: SQLite could not remove its -wal/-shm files after.
    mode = "rw" if writable else "ro&immutable=1"
    try:
        conn = sqlite3.connect(f"{path.as_uri()}?mode={mode}", uri=True)
        try:
            tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        finally:
            conn.close()
    except sqlite3.Error as exc:  # "file is not a database", "unable to open database file"
        raise ValueError(str(exc)) from None
    missing = [table for table in _STORE_TABLES if table not in tables]
    if missing:
        raise ValueError(f"it has no {missing[0]} table")
    if not writable:
        raise PermissionError(
            f"{db_path} or its folder is read-only: the sandbox writes comments and statuses to it"
        )


def read_orders_file(path: Path) -> Iterator[dict[str, Any]]:
    """Orders from a JSON array (as ``/V1/orders`` answers ``items``) or from JSON lines.

    Decoded incrementally, object by object, so a file of 100,000 orders never sits in memory
    as one parsed list.
    """
    decoder = json.JSONDecoder()
    with open(path, encoding="utf-8") as handle:
        buffer = handle.read(1 << 16)
        pos = _skip(buffer, 0, " \t\r\n")
        wrapped = buffer[pos : pos + 1] == "["
        pos = pos + 1 if wrapped else pos
        while True:
            pos = _skip(buffer, pos, " \t\r\n,")
            if pos >= len(buffer):
                more = handle.read(1 << 16)
                if not more:
                    return
                buffer, pos = buffer[pos:] + more, 0
                continue
            if wrapped and buffer[pos] == "]":
                return
            try:
                order, end = decoder.raw_decode(buffer, pos)
            except json.JSONDecodeError:
                more = handle.read(1 << 16)
                if not more:
                    raise
                buffer, pos = buffer[pos:] + more, 0
                continue
            if not isinstance(order, dict):
                raise ValueError(f"{path}: expected order objects, found {type(order).__name__}")
            yield order
            pos = end


def _skip(text: str, pos: int, chars: str) -> int:
    while pos < len(text) and text[pos] in chars:
        pos += 1
    return pos


# --- searching ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Table:
    """Where a searchable entity lives: its narrow columns and where its JSON body is."""

    source: str  # FROM clause, alias ``t`` for the columns
    join: str  # what to add to ``source`` when a filter or sort reads the JSON body
    body: str  # expression of the JSON body
    columns: frozenset[str]
    searchable: frozenset[str]  # the entity table's columns in Magento: any other is unknown to MySQL

    def from_clause(self, criteria: Criteria) -> str:
        """``source``, joined to the JSON only when a filter or sort key is not a column."""
        fields = [f.field for group in criteria.filter_groups for f in group]
        fields += [s.field for s in criteria.sort_orders]
        return self.source + (self.join if any(f not in self.columns for f in fields) else "")


_ORDERS = _Table(
    "orders t",
    " JOIN order_json j ON j.entity_id = t.entity_id",
    "j.body",
    frozenset(_ORDER_COLUMNS),
    magento_schema.scalar_members("sales-data-order-interface"),
)
_DOCUMENT_DEFINITIONS = {
    "invoices": "sales-data-invoice-interface",
    "shipments": "sales-data-shipment-interface",
    "creditmemos": "sales-data-creditmemo-interface",
}


def _document_table(kind: str) -> _Table:
    searchable = magento_schema.scalar_members(_DOCUMENT_DEFINITIONS[kind])
    return _Table(f"{kind} t", "", "t.body", frozenset({"entity_id", "order_id", "created_at"}), searchable)


class UnknownColumn(Exception):
    """A search names a field that is not a column of the entity's table: MySQL's error 1054,
    which Magento answers with its 500 ("Internal Error ... Report ID") and logs."""

    def __init__(self, field: str, clause: str) -> None:
        super().__init__(f"SQLSTATE[42S22]: Column not found: 1054 Unknown column '{field}' in '{clause}'")


def _field_sql(table: _Table, field: str, clause: str) -> tuple[str, bool]:
    """(SQL expression, typed) for a top-level field; ``typed``: compare by the JSON value's type."""
    if not _FIELD_NAME.fullmatch(field):
        raise SandboxError(400, 'Invalid field name "%1".', [field])
    if field in table.columns:
        return f"t.{field}", False
    if field not in table.searchable:
        raise UnknownColumn(field, clause)
    return f"json_extract({table.body}, '$.{field}')", True


def _compare(expr: str, typed: bool, op: str, value: str | None) -> tuple[str, list[Any]]:
    """``expr op value`` with MySQL's coercion: numbers compare as numbers, text as text, and text
    without regard to case (the sales tables' ``*_general_ci`` collation; the indexed columns are
    declared ``NOCASE``). A time may be written with a ``T`` or as a bare date, as MySQL reads it."""
    if value is not None and expr in _TIME_COLUMNS and _ISO_TIME.fullmatch(value):
        value = value.replace("T", " ") if len(value) > 10 else f"{value} 00:00:00"
    if not typed:
        return f"{expr} {op} ?" + (" COLLATE NOCASE" if expr in _TEXT_COLUMNS else ""), [value]
    numeric = f"typeof({expr}) IN ('integer', 'real')"
    sql = f"(CASE WHEN {numeric} THEN {expr} {op} CAST(? AS NUMERIC) ELSE {expr} {op} ? COLLATE NOCASE END)"
    return sql, [value, value]


def _condition(table: _Table, flt: Condition) -> tuple[str, list[Any]]:
    expr, typed = _field_sql(table, flt.field, "where clause")
    kind = flt.condition_type
    if kind in ("seq", "sneq"):  # Magento's string comparisons: "" means NULL
        kind = ("null" if kind == "seq" else "notnull") if not flt.value else kind[1:]
    if kind in _NOT_MODELLED:
        raise SandboxError(400, 'The sandbox does not model the condition type "%1".', [kind])
    if kind in ("like", "nlike"):
        negation = "NOT " if kind == "nlike" else ""
        return f"{expr} {negation}LIKE ? ESCAPE '\\'", [flt.value]
    if kind in ("in", "nin"):
        parts = [_compare(expr, typed, "=", value) for value in (flt.value or "").split(",")]
        sql = "(" + " OR ".join(part for part, _ in parts) + ")"
        return (f"NOT {sql}" if kind == "nin" else sql), [p for _, params in parts for p in params]
    if kind in ("finset", "nfinset"):
        sql = f"instr(lower(',' || {expr} || ','), lower(',' || ? || ',')) > 0"
        return (f"NOT ({sql})" if kind == "nfinset" else sql), [flt.value]
    if kind in ("null", "notnull"):
        return f"{expr} IS {'NOT ' if kind == 'notnull' else ''}NULL", []
    return _compare(expr, typed, _OPERATORS.get(kind, "="), flt.value)


def _where(table: _Table, criteria: Criteria) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    for group in criteria.filter_groups:
        if not group:  # a group without filters adds no condition
            continue
        parts = [_condition(table, flt) for flt in group]
        clauses.append("(" + " OR ".join(sql for sql, _ in parts) + ")")
        params += [p for _, values in parts for p in values]
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), params


def _order_by(table: _Table, criteria: Criteria) -> str:
    """Magento's SortingProcessor: ASC only when asked for, DESC otherwise."""
    keys = []
    for sort in criteria.sort_orders:
        expr, typed = _field_sql(table, sort.field, "order clause")
        text = " COLLATE NOCASE" if typed or expr in _TEXT_COLUMNS else ""  # no effect on numbers
        keys.append(f"{expr}{text} {sort.direction or 'DESC'}")
    return " ORDER BY " + ", ".join([*keys, "t.entity_id ASC"])


# --- the store ---------------------------------------------------------------------------------


class MagentoStore:
    """Searches and workflow writes on a store made by ``load_orders``; safe across threads.

    Readers share a small pool of connections (WAL lets them run beside a writer); every write is
    one ``BEGIN IMMEDIATE`` transaction, committed before the answer is sent.
    """

    def __init__(self, db_path: Path, state_map: Mapping[str, list[str]] | None = None) -> None:
        if not Path(db_path).exists():
            raise FileNotFoundError(f"no sandbox store at {db_path}: load orders first")
        self.db_path = Path(db_path)
        self.state_map = {
            state: list(statuses) for state, statuses in (state_map or DEFAULT_STATE_MAP).items()
        }
        self._idle: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._closed = False

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.db_path, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA busy_timeout = 10000")
        conn.execute("PRAGMA journal_mode=WAL")
        return conn

    @contextmanager
    def _conn(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            if self._closed:
                raise SandboxError(503, "The sandbox is shutting down.")
            conn = self._idle.pop() if self._idle else None
        if conn is None:
            conn = self._connect()
        try:
            yield conn
        finally:
            with self._lock:
                if self._closed:  # closed meanwhile: this one was in use then, so it closes now
                    conn.close()
                else:
                    self._idle.append(conn)

    def close(self) -> None:
        """Close the connections; one a request is still using closes when it is done with it
        (closing it under the request crashed the process). The data is already committed."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()

    def search(self, criteria: Criteria, kind: str = "orders") -> tuple[list[dict[str, Any]], int]:
        """(the page's objects, total_count) with Magento's paging: a page past the end is the last page."""
        table = _ORDERS if kind == "orders" else _document_table(kind)
        where, params = _where(table, criteria)
        page_size = criteria.page_size
        with self._conn() as conn:
            source = table.from_clause(criteria)
            (total,) = conn.execute(f"SELECT COUNT(*) FROM {source}{where}", params).fetchone()
            sql = f"SELECT t.entity_id FROM {source}{where}{_order_by(table, criteria)}"
            if page_size:
                last_page = max(1, math.ceil(total / page_size))
                page = min(max(criteria.current_page or 1, 1), last_page)
                sql += f" LIMIT {int(page_size)} OFFSET {(page - 1) * int(page_size)}"
            ids = [row[0] for row in conn.execute(sql, params)]
            return self._bodies(conn, kind, ids), total

    def _bodies(self, conn: sqlite3.Connection, kind: str, ids: list[int]) -> list[dict[str, Any]]:
        if not ids:
            return []
        source = "order_json" if kind == "orders" else kind
        marks = ",".join("?" * len(ids))
        bodies = dict(conn.execute(f"SELECT entity_id, body FROM {source} WHERE entity_id IN ({marks})", ids))
        return [json.loads(bodies[i]) for i in ids]

    def get_order(self, entity_id: int) -> dict[str, Any]:
        with self._conn() as conn:
            order = _order_body(conn, entity_id)
        if order is None:
            raise SandboxError(404, NOT_FOUND)
        return order

    def comments(self, entity_id: int) -> list[dict[str, Any]]:
        """The order's comments oldest first, as the comments endpoint lists them.

        Magento searches the history by ``parent_id`` without loading the order, so an order
        that does not exist has no comments rather than a 404.
        """
        with self._conn() as conn:
            order = _order_body(conn, entity_id)
        histories = order.get("status_histories", []) if order else []
        return sorted(histories, key=lambda h: int(h.get("entity_id", 0)))

    def _modify(self, entity_id: int, change: Callable[[dict[str, Any], sqlite3.Connection], Any]) -> Any:
        """Run ``change`` on the order inside one write transaction and store the result."""
        with self._conn() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                order = _order_body(conn, entity_id)
                if order is None:
                    raise SandboxError(404, NOT_FOUND)
                result = change(order, conn)
                conn.execute(
                    "UPDATE order_json SET body = ? WHERE entity_id = ?", (_compact(order), entity_id)
                )
                conn.execute(
                    "UPDATE orders SET increment_id = ?, store_id = ?, state = ?, status = ?, created_at = ?,"
                    " updated_at = ? WHERE entity_id = ?",
                    (*_order_row(order)[1:], entity_id),
                )
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        return result

    def add_comment(self, entity_id: int, history: Mapping[str, Any], version: MagentoVersion) -> None:
        """``POST /V1/orders/{id}/comments`` with the status rule of the given Magento build."""

        def change(order: dict[str, Any], conn: sqlite3.Connection) -> None:
            status = history.get("status") or None
            allowed = self.state_map.get(order.get("state", ""), [])
            if status is not None and version == "2.4.8" and status not in allowed:  # its current one too
                raise SandboxError(
                    400,
                    'Unable to add comment: The status "%1" is not part of the order status history.',
                    [status],
                )
            if status is not None and version != "2.4.7":
                order["status"] = status
            now = magento_now()
            (next_id,) = conn.execute("SELECT value FROM meta WHERE key = 'next_history_id'").fetchone()
            conn.execute("UPDATE meta SET value = ? WHERE key = 'next_history_id'", (next_id + 1,))
            entry = {
                "comment": history.get("comment"),
                "created_at": now,
                "entity_id": next_id,
                "entity_name": history.get("entity_name") or "order",
                "is_customer_notified": int(history.get("is_customer_notified") or 0),
                "is_visible_on_front": int(history.get("is_visible_on_front") or 0),
                "parent_id": order["entity_id"],
                "status": status or order.get("status"),
            }
            order["status_histories"] = [
                _clean(entry, magento_schema.STATUS_HISTORY),
                *order.get("status_histories", []),
            ]
            order["updated_at"] = now

        self._modify(entity_id, change)

    def _default_status(self, state: str) -> str:
        return (self.state_map.get(state) or [state])[0]

    def hold(self, entity_id: int) -> bool:
        def change(order: dict[str, Any], _: sqlite3.Connection) -> bool:
            if order.get("state") in ("canceled", "complete", "closed", "holded", "payment_review"):
                raise SandboxError(400, "A hold action is not available.")
            order["hold_before_state"] = order.get("state")
            order["hold_before_status"] = order.get("status")
            order["state"] = "holded"
            order["status"] = self._default_status("holded")
            order["updated_at"] = magento_now()
            return True

        return bool(self._modify(entity_id, change))

    def unhold(self, entity_id: int) -> bool:
        def change(order: dict[str, Any], _: sqlite3.Connection) -> bool:
            if order.get("state") != "holded":
                raise SandboxError(400, "You cannot remove the hold.")
            order["state"] = order.pop("hold_before_state", None) or "new"
            order["status"] = order.pop("hold_before_status", None) or self._default_status(order["state"])
            order["updated_at"] = magento_now()
            return True

        return bool(self._modify(entity_id, change))

    def cancel(self, entity_id: int) -> bool:
        """Magento's OrderService::cancel: ``False`` (not an error) when the order cannot be
        canceled (its state, or nothing left to invoice), else Order::registerCancellation."""

        def change(order: dict[str, Any], _: sqlite3.Connection) -> bool:
            items = order.get("items", [])
            blocked = order.get("state") in ("canceled", "complete", "closed", "holded", "payment_review")
            if blocked or not any(_qty_to_invoice(item) > 0 for item in items):
                return False
            state = "canceled"
            for item in items:
                to_cancel = min(_qty_to_invoice(item), _qty_to_ship(item))
                if state != "processing" and _qty_invoiced_not_refunded(item) > 0:
                    # invoiced units stay on the order: it is still processing, or complete when
                    # nothing would be left to ship
                    state = "processing" if _qty_to_ship(item) > to_cancel else "complete"
                if not _fully_canceled(item):
                    item["qty_canceled"] = _json_number(to_cancel)  # Magento sets it, it does not add
            for total, paid, canceled in (
                ("grand_total", "total_paid", "total_canceled"),
                ("base_grand_total", "base_total_paid", "base_total_canceled"),
            ):
                order[canceled] = _json_number(_number(order.get(total)) - _number(order.get(paid)))
            order["state"] = state
            order["status"] = self._default_status(state)
            order["updated_at"] = magento_now()
            return True

        return bool(self._modify(entity_id, change))


# Magento's order item quantities (Order\Item), for items that are not a bundle's or a
# configurable's dummy rows.


def _qty_to_invoice(item: Mapping[str, Any]) -> Decimal:
    return max(
        _number(item.get("qty_ordered"))
        - _number(item.get("qty_invoiced"))
        - _number(item.get("qty_canceled")),
        Decimal(0),
    )


def _qty_to_ship(item: Mapping[str, Any]) -> Decimal:
    shipped_refunded_canceled = sum(
        _number(item.get(key)) for key in ("qty_shipped", "qty_refunded", "qty_canceled")
    )
    return max(_number(item.get("qty_ordered")) - shipped_refunded_canceled, Decimal(0))


def _qty_invoiced_not_refunded(item: Mapping[str, Any]) -> Decimal:
    return max(_number(item.get("qty_invoiced")) - _number(item.get("qty_refunded")), Decimal(0))


def _fully_canceled(item: Mapping[str, Any]) -> bool:
    canceled = _number(item.get("qty_canceled"))
    return canceled > 0 and canceled == _number(item.get("qty_ordered"))


def _order_body(conn: sqlite3.Connection, entity_id: int) -> dict[str, Any] | None:
    """The stored order as the API sends it, or None when there is no such order."""
    row = conn.execute("SELECT body FROM order_json WHERE entity_id = ?", (entity_id,)).fetchone()
    return None if row is None else dict(json.loads(row[0]))
