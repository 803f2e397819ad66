"""What Counterpoint says about web orders (domain.md §3), and the one write: dismissing errors (§4).

Reads run on their own autocommit connection (read-only for SQLite files), in batches of
``BATCH_SIZE`` order numbers with at most ``STATEMENTS_PER_BATCH`` statements each, never one per
order. Dismissing uses a second connection and one explicit transaction.
"""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from types import TracebackType
from typing import Any, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from c5attn.config import SiteConfig
from c5attn.counterpoint import queries
from c5attn.counterpoint.connection import (
    DBConnection,
    DBCursor,
    connect,
    dialect_of,
    is_database_error,
    sqlite_file,
    translate_error,
)
from c5attn.counterpoint.names import Names
from c5attn.counterpoint.queries import ColumnRef, Dialect, Prepared, Statement
from c5attn.counterpoint.schema_check import (
    Catalogue,
    SchemaReport,
    build_report,
    declared_type,
    not_text_message,
    order_numbers_not_text,
    present_optional,
)
from c5attn.counterpoint.timezone_check import TicketTimes
from c5attn.counterpoint.values import to_decimal, to_int, to_local, to_text, to_utc, to_wall_clock
from c5attn.errors import (
    ConfigError,
    CounterpointAuthError,
    CounterpointError,
    CounterpointSchemaError,
    CounterpointValueError,
    LockHeld,
)
from c5attn.lock import file_lock, shop_key
from c5attn.models import (
    CounterpointOrder,
    Deposit,
    OrderError,
    ReleaseTicket,
    TicketLine,
    norm_code,
)

Trace = Callable[[str], None]

# The codes of domain.md §3, compared trimmed and upper-cased.
_YES = "Y"
_ORDER_DOC = "O"
_SALE_LINE = "S"
_DEPOSIT_PAYMENT = "N"  # FINAL_PMT = 'N': taken now
_CANCELED = "C"
_REINSTATED = "I"


class ConnectionFactory(Protocol):
    """Opens a connection; ``connect`` by default, a fake or a wrapper in tests."""

    def __call__(
        self, dsn: str, *, timeout_seconds: int, autocommit: bool, read_only: bool = False
    ) -> DBConnection: ...


class _KeyMatcher:
    """Maps a value the database returned to the keys that were asked for.

    SQL Server matches case-insensitively and ignores trailing blanks; SQLite does neither. An
    exact match wins; otherwise the trimmed, upper-cased form decides.
    """

    def __init__(self, keys: Iterable[str]) -> None:
        self._exact: dict[str, list[str]] = {key: [key] for key in keys}
        self._normal: dict[str, list[str]] | None = None  # built on the first inexact value

    def match(self, value: object) -> list[str]:
        text = "" if value is None else str(value)
        exact = self._exact.get(text)
        if exact is not None:
            return exact
        if self._normal is None:
            self._normal = {}
            for key in self._exact:
                self._normal.setdefault(norm_code(key), []).append(key)
        return self._normal.get(norm_code(text), [])


@dataclass(slots=True)
class _Header:
    """A candidate order document; the highest rank wins (open before posted, then DOC_ID)."""

    posted: bool
    doc_id: int
    tkt_no: object  # as the database holds it: the key of the posted-ticket lookups

    @property
    def rank(self) -> tuple[bool, int]:
        return (not self.posted, self.doc_id)


@dataclass(slots=True)
class _Ticket:
    doc_id: int
    tkt_no: str
    posted: bool
    time: datetime | None
    lines: dict[int, TicketLine] = field(default_factory=dict)  # by LIN_SEQ_NO


@dataclass(slots=True)
class _Draft:
    """One found order while its batch's rows arrive."""

    order_no: str
    header: _Header
    tickets: dict[tuple[bool, int], _Ticket] = field(default_factory=dict)
    deposits: list[Deposit] = field(default_factory=list)
    last_cancel: int | None = None
    last_reinstate: int | None = None
    errors: list[OrderError] = field(default_factory=list)

    def record_audit(self, activ: str, log_seq_no: int) -> None:
        """Keep the latest cancel and reinstate rows: canceled iff the last C follows the last I."""
        if activ == _CANCELED and (self.last_cancel is None or log_seq_no > self.last_cancel):
            self.last_cancel = log_seq_no
        elif activ == _REINSTATED and (self.last_reinstate is None or log_seq_no > self.last_reinstate):
            self.last_reinstate = log_seq_no

    def build(self) -> CounterpointOrder:
        canceled = self.last_cancel is not None and (
            self.last_reinstate is None or self.last_reinstate < self.last_cancel
        )
        releases = tuple(
            [
                ReleaseTicket(
                    ticket.doc_id,
                    ticket.tkt_no,
                    ticket.posted,
                    ticket.time,
                    tuple([ticket.lines[seq] for seq in sorted(ticket.lines)]),
                )
                for ticket in (self.tickets[key] for key in sorted(self.tickets))
            ]
        )
        deposits = self.deposits
        return CounterpointOrder(
            self.order_no,  # order_no
            self.header.doc_id,  # doc_id
            to_text(self.header.tkt_no),  # tkt_no
            self.header.posted,  # posted
            releases,  # releases
            tuple(sorted(deposits, key=_deposit_order)) if deposits else (),  # deposits
            canceled,  # canceled
            self.last_cancel if canceled else None,  # cancel_log_seq_no
            tuple(self.errors),  # open_errors
        )


def _deposit_order(deposit: Deposit) -> tuple[bool, int, int]:
    return (deposit.posted, deposit.doc_id, deposit.pmt_seq_no)


class _Batch:
    """The orders one batch found, indexed the ways the detail rows point at them."""

    def __init__(self, drafts: list[_Draft]) -> None:
        self._drafts = drafts
        self._by_doc: dict[int, list[_Draft]] = {}
        self._by_tkt: dict[str, list[_Draft]] = {}
        for draft in drafts:
            self._by_doc.setdefault(draft.header.doc_id, []).append(draft)
            self._by_tkt.setdefault(str(draft.header.tkt_no), []).append(draft)
        self._by_number = {draft.order_no: draft for draft in drafts}
        self._tkt_matcher = _KeyMatcher(self._by_tkt)
        self._number_matcher = _KeyMatcher(self._by_number)

    def keys(self) -> dict[str, object]:
        """The ``IN`` lists of the detail statements."""
        return {
            "doc_ids": sorted(self._by_doc),
            "tkt_nos": list(dict.fromkeys(draft.header.tkt_no for draft in self._drafts)),
            "order_nos": list(self._by_number),
        }

    def of_doc(self, doc_id: object) -> list[_Draft]:
        return self._by_doc.get(to_int(doc_id), [])

    def of_order_no(self, order_no: object) -> list[_Draft]:
        return [self._by_number[key] for key in self._number_matcher.match(order_no)]

    def linked(self, posted: object, orig_doc_id: object, orig_tkt_no: object) -> list[_Draft]:
        """Unposted documents link to the order's DOC_ID, posted tickets to its TKT_NO."""
        if to_int(posted):
            return [draft for key in self._tkt_matcher.match(orig_tkt_no) for draft in self._by_tkt[key]]
        return self.of_doc(orig_doc_id)

    def orders_of(self, statement: Statement, row: Sequence[object]) -> list[str]:
        """The orders a row of a detail statement belongs to, linked as ``_fetch_batch`` links it."""
        if statement is queries.OPEN_ERRORS:
            drafts = self.of_order_no(row[0])
        elif statement is queries.CANCELLATIONS:
            drafts = self.of_doc(row[1])
        else:  # RELEASES, DEPOSITS: POSTED, the order's DOC_ID, its TKT_NO
            drafts = self.linked(row[0], row[1], row[2])
        return [draft.order_no for draft in drafts]


@dataclass(frozen=True)
class TicketSample:
    """What ``CounterpointStore.ticket_times`` read: (TKT_DT as stored, RS_UTC_DT in UTC or None) per
    ticket, and whether either ticket table has RS_UTC_DT at all."""

    pairs: list[TicketTimes]
    rs_utc_dt_column: bool


@dataclass(frozen=True)
class ValuesInUse:
    """What ``CounterpointStore.values_in_use`` found: an order document of the site's store, any
    order document at all, a payment with one of its web pay codes (None: none configured); and
    where it looked for the store, in the site's table names."""

    store: bool
    any_order: bool
    web_pay_codes: bool | None
    searched: str  # "order document in PS_DOC_HDR or PS_ORD_HIST"


class CounterpointStore:
    """One site's Counterpoint database: read orders, list and dismiss order errors, check names.

    Not thread-safe: one store per thread. ``statement_count`` counts every statement sent and
    ``trace`` (for ``--verbose``) receives each one's SQL text (never parameters or the DSN).
    """

    def __init__(
        self,
        site: SiteConfig,
        *,
        connection_factory: ConnectionFactory | None = None,
        trace: Trace | None = None,
    ) -> None:
        self._site = site
        self._zone = _zone(site.counterpoint_timezone)
        self._used = queries.catalogue(site.order_number_column)
        self._names = Names(site.rename, order_number_column=site.order_number_column, known=self._used)
        self._web_pay_codes = frozenset(norm_code(code) for code in site.web_pay_codes)
        self._store_code = norm_code(site.counterpoint_store)
        self._codes: dict[str, object] = {
            "store": self._store_code,
            "yes": _YES,
            "sale_line": _SALE_LINE,
            "deposit": _DEPOSIT_PAYMENT,
            "canceled": _CANCELED,
            "reinstated": _REINSTATED,
        }
        self._factory: ConnectionFactory = connection_factory or connect
        self._trace = trace
        self._read: DBConnection | None = None
        self._write: DBConnection | None = None
        self._present: frozenset[tuple[str, str]] | None = None
        self._rendered: dict[str, Prepared] = {}
        self.statement_count = 0

    # --- lifecycle ---------------------------------------------------------------------------

    def __enter__(self) -> CounterpointStore:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close both connections (a broken one may fail to close: nothing left to do then)."""
        for connection in (self._read, self._write):
            if connection is not None:
                with suppress(Exception):
                    connection.close()
        self._read = self._write = None

    # --- reading orders ----------------------------------------------------------------------

    def fetch_orders(self, order_numbers: Iterable[str]) -> dict[str, CounterpointOrder]:
        """The Counterpoint order of each number that has one (domain.md §3, "Joining")."""
        orders: dict[str, CounterpointOrder] = {}
        for batch in self.iter_batches(order_numbers):
            orders.update(batch)
        return orders

    def iter_batches(self, order_numbers: Iterable[str]) -> Iterator[dict[str, CounterpointOrder]]:
        """``fetch_orders`` one batch at a time, consuming ``order_numbers`` lazily."""
        numbers = iter(order_numbers)
        while batch := list(dict.fromkeys(itertools.islice(numbers, queries.BATCH_SIZE))):
            yield self._fetch_batch(batch)

    def _fetch_batch(self, numbers: list[str]) -> dict[str, CounterpointOrder]:
        drafts = self._find_orders(numbers)
        if not drafts:
            return {}
        batch = _Batch(drafts)
        values = {**batch.keys(), **self._codes}
        statement: Statement = queries.RELEASES
        row: Sequence[Any] = ()  # the statement and row being read, to name a value that cannot be
        try:
            for row in self._rows(statement, values):
                (posted, orig_doc_id, orig_tkt_no, doc_id, tkt_no, tkt_dt, rs_utc_dt,
                 seq, lin_typ, item, qty) = row
                key = (bool(to_int(posted)), to_int(doc_id))
                for draft in batch.linked(posted, orig_doc_id, orig_tkt_no):
                    ticket = draft.tickets.get(key)
                    if ticket is None:
                        time = self._ticket_time(tkt_dt, rs_utc_dt)
                        ticket = draft.tickets[key] = _Ticket(key[1], to_text(tkt_no), key[0], time)
                    if seq is not None:  # LEFT JOIN: a ticket without sale lines
                        line = TicketLine(to_text(item), norm_code(lin_typ), to_decimal(qty))
                        ticket.lines[to_int(seq)] = line

            statement = queries.DEPOSITS
            for row in self._rows(statement, values):
                posted, order_doc_id, orig_tkt_no, doc_id, seq, pay_cod, amount = row
                code = to_text(pay_cod)
                deposit = Deposit(
                    doc_id=to_int(doc_id),
                    pmt_seq_no=to_int(seq),
                    pay_cod=code,
                    amount=to_decimal(amount),
                    kind="import" if norm_code(code) in self._web_pay_codes else "manual",
                    posted=bool(to_int(posted)),
                )
                for draft in batch.linked(posted, order_doc_id, orig_tkt_no):
                    draft.deposits.append(deposit)

            statement = queries.CANCELLATIONS
            for row in self._rows(statement, values):
                posted, doc_id, seq, activ = row
                for draft in batch.of_doc(doc_id):
                    if draft.header.posted == bool(to_int(posted)):  # each kind of order has its own log
                        draft.record_audit(norm_code(activ), to_int(seq))

            statement = queries.OPEN_ERRORS
            for row in self._rows(statement, values):
                ord_no, *error = row
                for draft in batch.of_order_no(ord_no):
                    draft.errors.append(self._order_error(*error))
        except CounterpointValueError as error:
            raise self._located(error, statement, row, partial(batch.orders_of, statement, row)) from None

        return {draft.order_no: draft.build() for draft in drafts}

    def _find_orders(self, numbers: list[str]) -> list[_Draft]:
        """The winning document per order number: open (type O, this store) first, else posted."""
        matcher = _KeyMatcher(numbers)
        check_posted_store = self._posted_orders_have_a_store()
        best: dict[str, _Header] = {}
        row: Sequence[Any] = ()
        try:
            for row in self._rows(queries.HEADERS, {"order_nos": numbers}):
                posted, doc_id, order_no, tkt_no, doc_typ, str_id = row
                header = _Header(bool(to_int(posted)), to_int(doc_id), tkt_no)
                if header.posted:
                    if check_posted_store and norm_code(str_id) != self._store_code:
                        continue
                elif norm_code(doc_typ) != _ORDER_DOC or norm_code(str_id) != self._store_code:
                    continue
                for number in matcher.match(order_no):
                    current = best.get(number)
                    if current is None or header.rank > current.rank:
                        best[number] = header
        except CounterpointValueError as error:
            raise self._located(error, queries.HEADERS, row, partial(matcher.match, row[2])) from None
        return [_Draft(number, header) for number, header in best.items()]

    def _ticket_time(self, tkt_dt: object, rs_utc_dt: object) -> datetime | None:
        """RS_UTC_DT (UTC) where set, else TKT_DT read in the site's timezone; neither: None."""
        return to_utc(rs_utc_dt, UTC) or to_utc(tkt_dt, self._zone)

    def _order_error(
        self, err_id: object, err_typ: object, err_msg: object, err_dt: object, email_cnt: object
    ) -> OrderError:
        return OrderError(
            err_id=to_int(err_id),
            err_typ=to_text(err_typ),
            err_msg=to_text(err_msg),
            err_dt=to_utc(err_dt, self._zone),
            email_cnt=0 if email_cnt is None else to_int(email_cnt),
        )

    def _located(
        self,
        error: CounterpointValueError,
        statement: Statement,
        row: Sequence[object],
        orders: Callable[[], Iterable[str]] = tuple,
    ) -> CounterpointValueError:
        """``error`` saying where its value is, so it can be found and corrected: the table and column
        as this site names them, the row's document (or error), the orders it belongs to (``orders``:
        none by default; it may fail on the same value, and is then left out). Only a read that
        failed pays for this."""
        results = statement.results()
        branches = [
            branch
            for branch in results.branches
            if all(
                isinstance(source, ColumnRef) or _selects(source, value)
                for source, value in zip(branch, row, strict=True)
            )
        ]
        columns = dict.fromkeys(
            self._column_name(source)
            for position, value in enumerate(row)
            if value is error.value
            for branch in branches
            if isinstance(source := branch[position], ColumnRef)
        )
        where = " or ".join(columns) or "a column"
        for key, label in (("DOC_ID", "document"), ("ERR_ID", "error")):
            if key in results.names:
                value = row[results.names.index(key)]
                if value is not None and value is not error.value:
                    where += f" of {label} {to_text(value)}"
        with suppress(CounterpointValueError):
            if numbers := sorted(set(orders())):
                where += f" ({'order' if len(numbers) == 1 else 'orders'} {', '.join(numbers)})"
        return CounterpointValueError(
            f"{error.message}, in {where}",
            "correct that row in Counterpoint; if every row reads this way, check the column's type "
            "and the site's rename map",
            value=error.value,
        )

    def _column_name(self, ref: ColumnRef) -> str:
        """``TABLE.COLUMN`` as this site's database names it (its rename map, its order-number column)."""
        names = self._names
        column = names.order_number(ref.table) if ref.column == queries.ORDER_NO else ref.column
        return f"{names.table(ref.table)}.{names.column(ref.table, column)}"

    # --- the write lock for other hosts ------------------------------------------------------

    @contextmanager
    def write_lock(self, wait_seconds: float = 5.0) -> Iterator[None]:
        """Hold the site's write lock in the database while writing (SQL Server's ``sp_getapplock``).

        Runs on other hosts do not see this host's file lock (``c5attn.lock``), but they share
        the database. A SQLite database is one file on one host: there a file lock beside it keeps
        out the runs of other ``C5ATTN_HOME``s (best effort: none where its folder is read-only).
        Raises ``LockHeld`` when another session keeps the lock.
        """
        connection = self._reader()
        if dialect_of(connection) is Dialect.SQLITE:
            database = sqlite_file(self._site.counterpoint_dsn)
            if database is None:  # a named ODBC data source: its file is in odbc.ini
                yield
                return
            held = LockHeld(
                f"another c5attn run is writing through the Counterpoint database {database} "
                f"(it holds the lock beside it; this run's site is {self._site.name!r})",
                "wait for it to finish, then run this command again",
            )
            beside = database.with_name(database.name + ".c5attn-lock")
            with file_lock(beside, wait_seconds=wait_seconds, held=held, unusable_hint=None):
                yield
            return
        resource = shop_key(self._site)
        with self._translated():
            cursor = connection.cursor()
            cursor.execute(queries.APP_LOCK, [resource, int(wait_seconds * 1000)])
            rows = cursor.fetchall()
            cursor.close()
        result = to_int(rows[0][0]) if rows and rows[0][0] is not None else -999
        if result < 0:
            raise LockHeld(
                f"another c5attn run is writing to site {self._site.name!r} "
                f"(the database lock {resource} is held{', timed out' if result == -1 else ''})",
                "wait for it to finish (it may run on another computer), then run this command again",
            )
        try:
            yield
        finally:
            with suppress(Exception):  # a broken connection has released the lock already
                cursor = connection.cursor()
                cursor.execute(queries.APP_UNLOCK, [resource])
                cursor.close()

    # --- order errors ------------------------------------------------------------------------

    def open_errors(self, order_no: str) -> list[OrderError]:
        """The order's errors that are not dismissed (``IS_DISMISSED`` NULL or not 'Y')."""
        values = {**self._codes, "order_nos": [order_no]}
        errors: list[OrderError] = []
        row: Sequence[Any] = ()
        try:
            for row in self._rows(queries.OPEN_ERRORS, values):
                _, *error = row
                errors.append(self._order_error(*error))
        except CounterpointValueError as error:
            raise self._located(error, queries.OPEN_ERRORS, row, lambda: [order_no]) from None
        return errors

    def dismiss_errors(
        self, order_no: str, operator: str, now: datetime, *, err_ids: Collection[int]
    ) -> None:
        """Dismiss those of the order's errors ``err_ids`` names that are open, in one transaction.

        Only named errors: the operator confirmed a list, and an error that arrived since stays
        open for them to see. ``now`` (timezone-aware) is stored as the site's local time, like
        Counterpoint's own times. Any failure rolls the transaction back: nothing is dismissed then.
        It returns no count: a trigger or ``SET NOCOUNT ON`` makes the driver's row count wrong or
        -1, so callers read the open errors back (``open_errors``) to learn what it did.
        """
        if not err_ids:
            return
        ids = sorted(set(err_ids))
        chunks = [ids[i : i + queries.DISMISS_CHUNK] for i in range(0, len(ids), queries.DISMISS_CHUNK)]
        self._dismissing(order_no, operator, now, chunks)

    def values_in_use(self) -> ValuesInUse:
        """The site's ``counterpoint_store`` and ``web_pay_codes`` against the data (``doctor``): a
        wrong value passes every name and schema check, and then reads every web order as not
        imported, or every web payment as a manual deposit (domain.md §3)."""
        lack_store = not self._posted_orders_have_a_store()  # posted orders as _find_orders reads them
        codes = {"store": self._store_code, "order_type": _ORDER_DOC, "yes": _YES}
        [(store, orders)] = self._rows(
            queries.STORE_IN_USE, {**codes, "posted_orders_lack_store": int(lack_store)}
        )
        pay_codes = None
        if self._web_pay_codes:
            [(found,)] = self._rows(queries.WEB_PAY_CODES_IN_USE, {"pay_codes": sorted(self._web_pay_codes)})
            pay_codes = bool(to_int(found))
        table = self._names.table
        posted = f"release ticket in {table('PS_TKT_HIST')}" if lack_store else table("PS_ORD_HIST")
        searched = f"order document in {table('PS_DOC_HDR')} or {posted}"
        return ValuesInUse(bool(to_int(store)), bool(to_int(orders)), pay_codes, searched)

    def ticket_times(self, since: datetime) -> TicketSample:
        """TKT_DT and RS_UTC_DT of the store's release tickets, open and posted, stamped since
        ``since`` (aware) as the site's zone reads it (``doctor``: is ``counterpoint_timezone`` the
        store's?). A window, not a row limit: the statements here are the same on both dialects."""
        values = {"since": self._local_time(self._reader(), since), "store": self._store_code, "yes": _YES}
        pairs: list[TicketTimes] = []
        row: Sequence[Any] = ()
        try:
            for row in self._rows(queries.TICKET_TIMES, values):
                _, _, tkt_dt, rs_utc_dt = row
                if (stamp := to_wall_clock(tkt_dt)) is not None:
                    pairs.append((stamp, to_utc(rs_utc_dt, UTC)))
        except CounterpointValueError as error:
            raise self._located(error, queries.TICKET_TIMES, row) from None
        present = self._present_optional()
        has_column = any((table, "RS_UTC_DT") in present for table in ("PS_DOC_HDR", "PS_TKT_HIST"))
        return TicketSample(pairs, has_column)

    def check_dismiss_allowed(self, now: datetime) -> None:
        """Raise what a dismissal would meet, without dismissing anything (``doctor``; ``resolve
        --dismiss-error`` before it writes to Magento). SQL Server is
        asked for the login's UPDATE permission on the table and whether the database is read-only
        (no statement there runs a trigger or takes a lock); a SQLite file, which has neither, gets
        the dismissal's own statement for no order and an error id no row has, rolled back."""
        connection = self._writer()
        if dialect_of(connection) is Dialect.SQLITE:
            self._dismissing("", "c5attn (check only)", now, [[-1]], commit=False)
            return
        table = self._names.table("USER_C5_ORD_ERR")
        try:
            self._probe_dismissal(connection)
            [(may_update, updateability)] = self._fetch(connection, queries.MAY_UPDATE, {"table": table})
        finally:
            with suppress(Exception):
                connection.rollback()
        if str(updateability).upper() == "READ_ONLY":
            raise CounterpointError(
                "the Counterpoint database is read-only", "dismissing order errors needs it writable"
            )
        if not may_update:
            raise CounterpointAuthError(
                f"the Counterpoint login may not UPDATE {table}",
                f"grant it UPDATE on {table}: dismiss-error writes there",
            )

    def _dismissing(
        self, order_no: str, operator: str, now: datetime, chunks: list[list[int]], *, commit: bool = True
    ) -> None:
        """The dismissal's statements, one a chunk of error ids, in one transaction."""
        connection = self._writer()
        dismiss = self._prepared(queries.DISMISS)
        values = {
            "operator": operator,
            "now": self._local_time(connection, now),
            "order_no": order_no,
            "store": self._store_code,
        }
        try:
            self._probe_dismissal(connection)
            for chunk in chunks:
                self._execute(connection, dismiss, {**values, "err_ids": chunk})
            with self._translated():
                connection.commit() if commit else connection.rollback()
        except BaseException:
            with suppress(Exception):
                connection.rollback()
            raise

    def _local_time(self, connection: DBConnection, moment: datetime) -> object:
        """``moment`` (aware) as a parameter in the site's zone, whole seconds, like Counterpoint's own
        times: text for sqlite3 (as SQLite stores them), a ``datetime`` for a driver."""
        stamp = to_local(moment, self._zone)
        return stamp.isoformat(sep=" ") if isinstance(connection, sqlite3.Connection) else stamp

    def _probe_dismissal(self, connection: DBConnection) -> None:
        """Read the dismissal's table and columns for no row: a configured name that is missing
        (``DISMISSED_BY`` dropped, a rename mistyped) fails here, by name, before anything is written."""
        columns = [self._names.sql_column(ref.table, ref.column) for ref in queries.DISMISS.references()]
        error_table = self._names.sql_table("USER_C5_ORD_ERR")
        self._fetch(connection, queries.probe(error_table, list(dict.fromkeys(columns))), {})

    # --- schema ------------------------------------------------------------------------------

    def check_schema(self) -> SchemaReport:
        """Each configured table and column: present, missing, unreadable or optional and absent."""
        unreadable: dict[str, str] = {}
        catalogue = self._read_catalogue(unreadable)
        optional = queries.optional_columns(self._site.order_number_column)
        self._present = present_optional(self._names, catalogue, optional)
        return build_report(
            self._site.name,
            dialect_of(self._reader()).value,
            self._names,
            self._used,
            catalogue,
            self._probe,
            unreadable,
        )

    def _probe(self, table: str, columns: list[str]) -> str | None:
        try:
            self._fetch(self._reader(), queries.probe(table, columns), {})
        except CounterpointError as exc:
            return exc.message
        return None

    def _read_catalogue(self, unreadable: dict[str, str] | None = None) -> Catalogue:
        """The configured tables' columns from the database's catalogue, and, for a name the
        catalogue does not list (a SQL Server synonym, maybe of another database's table), from
        what a query of it answers. Such a table this login may not read is an error, or, given
        ``unreadable``, noted there (default table → why) for the schema report."""
        connection = self._reader()
        statement = queries.CATALOGUE[dialect_of(connection)].render(self._names, frozenset())
        tables = sorted({self._names.table(table).rpartition(".")[2] for table in self._used})
        rows = [tuple(row) for row in self._fetch(connection, statement, {"tables": tables})]
        listed = Catalogue(rows)
        unlisted = [table for table in self._used if listed.columns(self._names.table(table)) is None]
        if not unlisted:
            return listed
        for table in unlisted:
            try:
                rows += self._described(connection, table)
            except CounterpointError as error:
                if unreadable is None:
                    raise
                unreadable[table] = error.message
        return Catalogue(rows)

    def _described(self, connection: DBConnection, table: str) -> list[tuple[object, ...]]:
        """Catalogue rows for ``table`` (a default name) from the columns ``SELECT *`` names; none
        when there is no such table. Any other failure (a login that may not read it) is raised:
        "missing" would hide the reason."""
        try:
            cursor = self._execute(connection, queries.described(self._names.sql_table(table)), {})
            with self._translated():
                described = list(cursor.description or ())
                cursor.close()
        except CounterpointSchemaError:
            return []
        name = self._names.table(table)
        schema, _, bare = name.rpartition(".")
        schema = schema or ("main" if dialect_of(connection) is Dialect.SQLITE else "dbo")
        return [(schema, bare, column[0], declared_type(column[1])) for column in described]

    def _posted_orders_have_a_store(self) -> bool:
        """Whether ``PS_ORD_HIST`` has the optional ``STR_ID``: without it a posted order of any store
        counts as the site's (domain.md §3, "Joining")."""
        return ("PS_ORD_HIST", "STR_ID") in self._present_optional()

    def _present_optional(self) -> frozenset[tuple[str, str]]:
        """The optional columns this database has, read from its catalogue once per store."""
        if self._present is None:
            catalogue = self._read_catalogue()
            for default, table, column, column_type in order_numbers_not_text(self._names, catalogue):
                raise CounterpointSchemaError(  # matching would fail silently: orders, errors unseen
                    not_text_message(default, table, column, column_type), "c5attn doctor checks every column"
                )
            optional = queries.optional_columns(self._site.order_number_column)
            self._present = present_optional(self._names, catalogue, optional)
        return self._present

    # --- plumbing ----------------------------------------------------------------------------

    def _prepared(self, statement: Statement) -> Prepared:
        if statement.name not in self._rendered:
            uses_optional = any(ref.optional for ref in statement.references())
            present = self._present_optional() if uses_optional else frozenset()
            self._rendered[statement.name] = statement.render(self._names, present)
        return self._rendered[statement.name]

    def _rows(self, statement: Statement, values: Mapping[str, object]) -> list[Any]:
        return self._fetch(self._reader(), self._prepared(statement), values)

    def _fetch(self, connection: DBConnection, prepared: Prepared, values: Mapping[str, object]) -> list[Any]:
        cursor = self._execute(connection, prepared, values)
        with self._translated():
            rows = cursor.fetchall()
            cursor.close()
        return rows

    def _execute(
        self, connection: DBConnection, prepared: Prepared, values: Mapping[str, object]
    ) -> DBCursor:
        sql, parameters = prepared.bind(values)
        self.statement_count += 1
        if self._trace is not None:
            self._trace(sql)
        with self._translated(tables=prepared.tables):
            cursor = connection.cursor()
            if dialect_of(connection) is Dialect.SQLSERVER and any(isinstance(p, str) for p in parameters):
                cursor.setinputsizes(varchar_sizes(parameters))
            cursor.execute(sql, parameters)
        return cursor

    @contextmanager
    def _translated(
        self, *, connecting: bool = False, tables: Mapping[str, str] | None = None
    ) -> Iterator[None]:
        """Driver errors become one-line ``CounterpointError``s; anything else passes through."""
        try:
            yield
        except Exception as exc:
            if not is_database_error(exc):
                raise
            raise translate_error(
                exc,
                self._site.counterpoint_dsn,
                connecting=connecting,
                timeout_seconds=self._site.counterpoint_timeout_seconds,
                tables=tables,
            ) from None

    def _open(self, *, autocommit: bool, read_only: bool) -> DBConnection:
        with self._translated(connecting=True):
            return self._factory(
                self._site.counterpoint_dsn,
                timeout_seconds=self._site.counterpoint_timeout_seconds,
                autocommit=autocommit,
                read_only=read_only,
            )

    def _reader(self) -> DBConnection:
        if self._read is None:
            self._read = self._open(autocommit=True, read_only=True)
        return self._read

    def _writer(self) -> DBConnection:
        if self._write is None:
            self._write = self._open(autocommit=False, read_only=False)
        return self._write


def _selects(literal: str, value: object) -> bool:
    """Whether a ``UNION ALL`` branch selecting ``literal`` (``0``, ``NULL``) could have given ``value``."""
    return value is None if literal == "NULL" else str(value) == literal


def varchar_sizes(parameters: Sequence[object]) -> list[tuple[int, int, int] | None]:
    """``setinputsizes`` for SQL Server: text as ``varchar``, the rest as pyodbc guesses it.

    pyodbc sends a ``str`` as ``nvarchar``; compared with a ``varchar`` key column (``TKT_NO``,
    ``DOC_ID``'s order numbers, ``STR_ID``), SQL Server converts the column, and under a SQL
    collation such as Counterpoint's usual ``SQL_Latin1_General_CP1_CI_AS`` it then scans the index
    instead of seeking: every batch would read whole ticket tables. A ``varchar`` parameter against
    an ``nvarchar`` column still seeks. One size for all (255, or longer for a longer value) keeps
    one cached plan per statement.
    """
    from pyodbc import SQL_VARCHAR

    return [
        (SQL_VARCHAR, max(len(value), 255), 0) if isinstance(value, str) else None for value in parameters
    ]


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"counterpoint_timezone {name!r} is not a known IANA time zone",
            hint="use a name such as America/Chicago or UTC",
        ) from None
