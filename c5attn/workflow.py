"""The operator's workflow: scan, list, show, resolve and dismiss, over the two adapters.

This module orchestrates I/O but decides nothing itself: the scenario engine
(``c5attn.classify`` through ``c5attn.verdict``) decides what an order is, and this module
fetches the data, streams it in batches, performs confirmed writes, reads them back and
records them in the audit log. The CLI layer only parses arguments and renders results.
"""

from __future__ import annotations

import dataclasses
import gc
import json
import tempfile
import threading
import uuid
from collections import Counter, deque
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import wait
from contextlib import AbstractContextManager, contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from itertools import islice
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from c5attn.audit import AuditEntry, AuditLog
from c5attn.background import in_background
from c5attn.config import SiteConfig
from c5attn.controls import UNSHOWABLE, shown
from c5attn.counterpoint.queries import BATCH_SIZE
from c5attn.errors import (
    AmbiguousOrder,
    AuditIncomplete,
    AuditUnwritable,
    C5Error,
    DismissalUnverified,
    Interrupted,
    LocalFailure,
    MagentoAuthError,
    MagentoConnectionError,
    MagentoRedirected,
    MagentoTLSError,
    OrderChanged,
    OrderNotFound,
    PartialFailure,
    UsageError,
    WriteUnverified,
)
from c5attn.magento.search import FilterGroup, order_filters
from c5attn.markers import flag_comment, read_markers, resolve_comment
from c5attn.models import CounterpointOrder, MagentoOrder, OrderError, StatusHistoryEntry, norm_code
from c5attn.scenarios import scenario_choices, scenario_for
from c5attn.verdict import Verdict, assess, record_text
from c5attn.wording import counted, no_status_to_set_given, not_assigned, status_change

if TYPE_CHECKING:
    from c5attn.magento.client import StatusChange

# Magento's increment_id column is VARCHAR(50): a longer "order number" is a typing accident.
MAX_ORDER_NUMBER = 50
DEFAULT_ORDER_NUMBER_DIGITS = 9  # Magento's increment IDs: '%09d' after a store's prefix
# A resolve note: sales_order_status_history.comment is a MySQL TEXT (65,535 bytes); 4,000 characters
# are at most 16,000 bytes of UTF-8, with room for c5attn's own lines and marker after it.
MAX_NOTE = 4000

T = TypeVar("T")
R = TypeVar("R")
Progress = Callable[[int, int], None]  # (orders read, orders in all), after each Magento page


class MagentoPort(Protocol):
    """What the workflow needs from Magento (``c5attn.magento.client.MagentoClient``)."""

    def iter_orders(
        self,
        filter_groups: Sequence[FilterGroup],
        *,
        progress: Progress | None = None,
        in_order: bool = True,
    ) -> Iterator[MagentoOrder]: ...

    def find_order(self, increment_id: str) -> MagentoOrder | None: ...

    def stores_of(self, increment_id: str) -> list[int]: ...

    def get_order(self, entity_id: int) -> MagentoOrder: ...

    def get_comments(self, entity_id: int) -> list[StatusHistoryEntry]: ...

    def set_status(
        self, order: MagentoOrder, status: str, comment: str, *, notify: bool = False
    ) -> StatusChange: ...


class CounterpointPort(Protocol):
    """What the workflow needs from Counterpoint (``c5attn.counterpoint.store.CounterpointStore``)."""

    def fetch_orders(self, order_numbers: Iterable[str]) -> dict[str, CounterpointOrder]: ...

    def open_errors(self, order_no: str) -> list[OrderError]: ...

    def dismiss_errors(
        self, order_no: str, operator: str, now: datetime, *, err_ids: Collection[int]
    ) -> None: ...

    def check_dismiss_allowed(self, now: datetime) -> None: ...

    def write_lock(self, wait_seconds: float = ...) -> AbstractContextManager[None]: ...


@dataclass
class SiteSession:
    """One site with its two adapters, the operator, the clock and the audit log."""

    site: SiteConfig
    magento: MagentoPort
    counterpoint: CounterpointPort
    operator: str
    audit: AuditLog
    now: datetime
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    command: str = ""  # how the operator reaches this site again, e.g. "c5attn --site web"

    def __post_init__(self) -> None:
        self.command = self.command or f"c5attn --site {self.site.name}"

    def assess(self, order: MagentoOrder, cp: CounterpointOrder | None) -> Verdict:
        return assess(
            order,
            cp,
            needs_attention_status=self.site.needs_attention_status,
            now=self.now,
            capture_grace_minutes=self.site.capture_grace_minutes,
            resolvable_states=self.resolvable_states,
        )

    @cached_property
    def resolvable_states(self) -> frozenset[str]:
        """The states the site assigns a status ``resolve`` may set (``resolvable_statuses``)."""
        return frozenset(state for state in self.site.state_statuses if resolvable_statuses(self.site, state))

    def record(
        self,
        verdict_order: MagentoOrder | FlagTarget,
        action: str,
        result: str,
        *,
        before: Mapping[str, object],
        after: Mapping[str, object],
        message: str = "",
    ) -> None:
        """Append one audit entry. A ``started`` entry that cannot be written stops the write before
        it is made; an outcome that cannot be written is an ``AuditIncomplete`` saying what was done."""
        number = verdict_order.increment_id
        entry = AuditEntry(
            site=self.site.name,
            order=number,
            action=action,
            before=dict(before),
            after=dict(after),
            result=result,
            operator=self.operator,
            message=message,
            run_id=self.run_id,
        )
        try:
            self.audit.append(entry)
        except AuditUnwritable as error:
            if result == "started":
                raise
            detail = message.removeprefix(f"order {number}: ")  # a write's own message names it too
            raise AuditIncomplete(
                f"order {number}: {action} {result}"
                + (f" ({detail})" if detail else "")
                + f", but the audit log could not record it: {error.message}",
                "that write stands: make the audit log writable (or set C5ATTN_HOME), then see what is "
                f"left to do with: {self.command} show {number}",
            ) from None


def batched(items: Iterable[T], size: int, *, first: int | None = None) -> Iterator[list[T]]:
    """Lists of ``size`` items (the last may be shorter); the first of ``first`` items if given."""
    iterator = iter(items)
    count = first or size
    while batch := list(islice(iterator, count)):
        yield batch
        count = size


def counterpoint_batches(site: SiteConfig, items: Iterable[T]) -> Iterator[list[T]]:
    """The batches a scan reads Counterpoint in: the first Magento page, then ``BATCH_SIZE`` each.

    The client fetches the first page alone, so its orders are classified while the next pages are
    on their way instead of waiting for a second page to fill the batch.
    """
    return batched(items, BATCH_SIZE, first=min(BATCH_SIZE, site.magento_page_size))


@contextmanager
def cycle_collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a scan runs; restore it as it was.

    A scan allocates millions of short-lived objects and keeps what it reports, and each
    full collection walks every live object: it made a 100,000-order scan 40 % slower. A scan
    makes no reference cycles (measured: none to collect afterwards), so reference counting
    alone frees everything it drops.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def iter_verdicts(session: SiteSession, orders: Iterable[MagentoOrder]) -> Iterator[Verdict]:
    """Join each batch of Magento orders with Counterpoint and classify it, streaming.

    Sequential on purpose: reading the next batch on a worker thread was measured slower, since
    building the batch's orders is Python work that holds the GIL (docs/performance.md).
    """
    for batch in counterpoint_batches(session.site, orders):
        found = session.counterpoint.fetch_orders([order.increment_id for order in batch])
        for order in batch:
            yield session.assess(order, found.get(order.increment_id))


class _Stopped(Exception):
    """Ends a site's scan at its next page because another site's failed."""


def for_each_site(
    sessions: Sequence[SiteSession],
    work: Callable[[SiteSession, Progress | None], R],
    progress: Sequence[Progress | None] | None = None,
) -> list[R]:
    """``work(session, progress)`` for every site at once, each on its own thread; the results
    in site order.

    A site's scan mostly waits for its own Magento and Counterpoint, so several sites overlap
    instead of adding up. When one fails (or Ctrl-C), the others stop at their next page: the
    progress callback each gets raises there. The first failure in site order is raised, its
    message naming the site.
    """
    jobs = list(zip(sessions, progress if progress is not None else [None] * len(sessions), strict=True))
    if len(jobs) <= 1:  # the usual case: no thread
        return [work(session, report) for session, report in jobs]
    stop = threading.Event()

    def run(session: SiteSession, report: Progress | None) -> R:
        def checked(done: int, total: int) -> None:
            if stop.is_set():
                raise _Stopped
            if report is not None:
                report(done, total)

        try:
            with errors_naming(session, sessions):
                return work(session, checked)
        except BaseException:
            stop.set()
            raise

    # One pause for all: a site's own pause, ending first, would restart the collector for all.
    with cycle_collector_paused():
        futures = [in_background(run, session, report, name="c5attn-site") for session, report in jobs]
        try:
            wait(futures)
        except BaseException:  # Ctrl-C while waiting: the sites stop at their next page, and the
            stop.set()  # command at once (daemon threads: one waiting for a slow Magento holds nothing)
            raise
    for future in futures:
        error = future.exception()
        if error is None or isinstance(error, _Stopped):
            continue
        raise error
    return [future.result() for future in futures]


@contextmanager
def errors_naming(session: SiteSession, sessions: Sequence[SiteSession] = ()) -> Iterator[None]:
    """Prefix a failure's message with the site, where several sites are at work; the hint says
    that the other ``sessions`` stopped with it, and how to reach them alone."""
    try:
        yield
    except LocalFailure:
        raise
    except C5Error as error:
        alone = ""
        if others := [other.site.name for other in sessions if other is not session]:
            alone = f"the other sites stopped with it: run the command for them alone with --site {others[0]}"
            alone += "".join(f" or --site {name}" for name in others[1:])
        naming_site(error, session.site.name, then=alone)
        raise


def naming_site(error: C5Error, site: str, *, then: str = "") -> C5Error:
    """``error`` with the site it happened at named before its message and, after its hint,
    ``then``: what became of the other sites at work."""
    error.message = f"site {site}: {error.message}"
    if then:
        error.hint = f"{error.hint}; {then}" if error.hint else then
    return error


# --- scan ------------------------------------------------------------------------------------


class RecordSpool:
    """The JSON records of reported orders, on a temporary file: a scan of 100,000 orders reports
    ~15,000, and memory then holds only their sort keys and file offsets."""

    def __init__(self) -> None:
        # Records (~2 KB) are read back in sort order, at random: with a 64 KB buffer a read takes
        # ~5 us, with the default one ~29 us (measured, 15,000 records: 0.4 s of a large scan).
        try:  # the file lives as long as the result
            self._file = tempfile.TemporaryFile(buffering=1 << 16)  # noqa: SIM115
        except OSError as exc:
            raise _unspoolable(exc) from exc
        self._end = 0
        self._at_end = True  # a seek flushes the write buffer: only seek back after a read

    def add(self, record: str) -> tuple[int, int]:
        data = record.encode("utf-8")
        try:
            if not self._at_end:
                self._file.seek(self._end)
                self._at_end = True
            self._file.write(data)
        except OSError as exc:
            raise _unspoolable(exc) from exc
        offset, self._end = self._end, self._end + len(data)
        return offset, len(data)

    def read(self, offset: int, length: int) -> str:
        try:
            self._file.seek(offset)
            self._at_end = False
            data: bytes = self._file.read(length)
        except OSError as exc:
            raise _unspoolable(exc) from exc
        return data.decode("utf-8")


def _unspoolable(exc: OSError) -> LocalFailure:
    """A temporary folder that is full or unusable (a small /tmp): foreseeable, so no traceback."""
    return LocalFailure(
        f"cannot keep the listed orders in a temporary file: {exc.strerror or exc}",
        "free space in the temporary folder, or set TMPDIR to a folder with room",
    )


@dataclass(frozen=True, slots=True)
class FlagTarget:
    """What ``scan --apply`` reads of a reported order, kept in place of its verdict (~15 KB: the
    order's lines, its Counterpoint side, its evidence): the order as the scan read it, for the plan,
    the audit log and the re-read before the write; whether it is at Needs Attention (a killed run's
    flag to settle); and, for a new finding, what its flag names and writes (~1.2 KB in all)."""

    entity_id: int
    increment_id: str
    state: str
    status: str
    comments: int  # how many the scan read: a re-read finding another number refuses the flag
    flagged: bool  # ``Verdict.flagged``
    scenarios: tuple[str, ...]
    fingerprint: str | None
    fingerprints: frozenset[str]  # the names a marker may give the finding (``Classification``)
    comment: str  # the flag comment; "" unless ``Verdict.needs_flag``

    @classmethod
    def of(cls, verdict: Verdict, operator: str) -> FlagTarget:
        """What flagging reads of ``verdict``; its comment made now, signed by ``operator``, since the
        verdict is not kept until the write."""
        order = verdict.order
        finding = verdict.classification
        # The comment stays in Magento: no step to dismiss Counterpoint errors the order does not have.
        comment = flag_comment(finding, verdict.steps_to_take(), operator) if verdict.needs_flag else ""
        return cls(
            order.entity_id,
            order.increment_id,
            order.state,
            order.status,
            len(order.status_histories),
            verdict.flagged,
            finding.scenarios,
            finding.fingerprint,
            finding.fingerprints,
            comment,
        )

    @property
    def needs_flag(self) -> bool:
        """``Verdict.needs_flag``: only such an order has a comment to write."""
        return bool(self.comment)


@dataclass(frozen=True)
class Reported:
    """One order a listing shows (a scan's report, list's queue): its sort key and where its JSON
    record (docs/output.md) is spooled; what flagging reads of it only when a scan may write
    (``--apply``) and the order is flagged or to flag."""

    order: str
    money_at_risk: float
    spool: RecordSpool
    offset: int
    length: int
    flag_target: FlagTarget | None = None

    @property
    def text(self) -> str:
        """The record as compact JSON text."""
        return self.spool.read(self.offset, self.length)

    @property
    def record(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.text)
        return data


@dataclass
class ScanResult:
    """What a scan of one site found; only reported orders are kept (memory stays bounded)."""

    site: str
    reported: list[Reported] = field(default_factory=list)
    spool: RecordSpool = field(default_factory=RecordSpool)
    findings: Counter[str] = field(default_factory=Counter)
    scanned: int = 0
    not_imported: int = 0
    resolved: int = 0
    stale: int = 0
    unflagged: int = 0  # findings ``--apply`` would flag
    # New findings ``--apply`` cannot flag, their order numbers by state: Needs Attention is not
    # assigned to it (``needs_attention_assigned``)
    unassigned: dict[str, list[str]] = field(default_factory=dict)
    unflagged_since: int = 0  # findings c5attn flagged whose order has left Needs Attention unresolved
    selected: int = 0  # for --fail-if-found: listed unresolved findings (and stale flags, asked for)

    @property
    def finding_count(self) -> int:
        return sum(self.findings.values())

    @property
    def flag_targets(self) -> list[FlagTarget]:
        """The reported orders flagged or to flag; empty unless the scan was ``for_apply``."""
        return [item.flag_target for item in self.reported if item.flag_target is not None]

    @property
    def to_flag(self) -> list[FlagTarget]:
        return [target for target in self.flag_targets if target.needs_flag]


def is_reported(verdict: Verdict) -> bool:
    """Scan lists every unresolved finding and every flagged order (stale or resolved)."""
    return verdict.flagged or (bool(verdict.classification.hits) and not verdict.resolved)


def scan_site(
    session: SiteSession,
    *,
    since: datetime | None,
    for_apply: bool = False,
    progress: Progress | None = None,
    wanted: Callable[[Verdict], bool] | None = None,
) -> ScanResult:
    """Classify every order of the window, streaming; ``for_apply`` when flags will be written.

    ``wanted`` (``queue_filter``, for ``--scenario``) narrows what is listed and what ``--apply``
    and ``--fail-if-found`` act on; the counts by scenario still cover every order scanned."""
    result = ScanResult(site=session.site.name)
    # Results are sorted at the end, so pages are taken as they arrive.
    orders = session.magento.iter_orders(order_filters(since=since), progress=progress, in_order=False)
    with cycle_collector_paused():
        for verdict in iter_verdicts(session, orders):
            result.scanned += 1
            hits = verdict.classification.hits
            if not verdict.classification.imported:
                result.not_imported += 1
            if hits:
                if verdict.resolved:
                    result.resolved += 1
                else:
                    result.findings[hits[0].code] += 1
            elif verdict.stale:
                result.stale += 1
            if not is_reported(verdict) or (wanted is not None and not wanted(verdict)):
                continue
            flaggable = verdict.flagged  # what --apply reads: a flag to settle, or one to write
            if not hits:
                result.selected += wanted is not None  # a stale flag asked for (--scenario stale)
            else:
                result.selected += not verdict.resolved
                if verdict.needs_flag and needs_attention_assigned(session.site, verdict.order.state):
                    result.unflagged += 1
                    flaggable = True
                elif verdict.needs_flag:  # planned as no flag: each --apply would have its write refused
                    result.unassigned.setdefault(verdict.order.state, []).append(verdict.order.increment_id)
                elif verdict.already_flagged and not (verdict.resolved or verdict.flagged):
                    result.unflagged_since += 1
            result.reported.append(
                _spooled(session, verdict, result.spool, for_apply=for_apply and flaggable)
            )
    result.reported.sort(key=by_risk)
    for numbers in result.unassigned.values():
        numbers.sort()
    return result


def needs_attention_assigned(site: SiteConfig, state: str) -> bool:
    """Whether the site's ``state_statuses`` assigns Needs Attention to ``state``: Magento refuses a
    status not assigned to the order's state, so ``scan --apply`` plans no flag of an order in
    another, and checks the state again before each write."""
    return site.needs_attention_status in site.allowed_statuses(state)


def unassigned_notes(site: SiteConfig, unassigned: Mapping[str, Sequence[str]]) -> list[str]:
    """A line for each state of ``ScanResult.unassigned``: its findings, not flagged, why, and
    what to do, said once in the scan's summary rather than refused at every ``--apply``."""
    notes = []
    status = site.needs_attention_status
    for state, numbers in sorted(unassigned.items()):
        one = len(numbers) == 1
        listed = ", ".join(numbers[:5]) + (f" and {len(numbers) - 5:,} more" if len(numbers) > 5 else "")
        notes.append(
            f"site {site.name}: {counted(len(numbers), 'finding')} cannot be flagged Needs Attention, "
            f"{'its order' if one else 'their orders'} being in state {state} ({listed}): "
            f"{not_assigned(status, state, site.allowed_statuses(state))}; assign {status} to state "
            f"{state} in the Magento admin (Stores > Order Status > Assign Status to State) and list it "
            f"in state_statuses.{state}, or handle {'the order' if one else 'the orders'} by hand"
        )
    return notes


def _spooled(
    session: SiteSession, verdict: Verdict, spool: RecordSpool, *, for_apply: bool = False
) -> Reported:
    """The order as a listing keeps it: its record on ``spool``; ``for_apply`` (an order flagged, or
    to flag), with what flagging reads of it."""
    record = record_text(verdict.to_json(session.site.name, now=session.now))
    return Reported(
        verdict.order.increment_id,
        float(verdict.classification.money_at_risk),
        spool,
        *spool.add(record),
        flag_target=FlagTarget.of(verdict, session.operator) if for_apply else None,
    )


def by_risk(item: Reported) -> tuple[float, str]:
    """Listings' order: highest money at risk first, then by order number."""
    return -item.money_at_risk, item.order


def _fingerprint_note(fingerprint: str | None) -> str:
    """What a resolve's "started" entry says it resolves: a finding by its fingerprint, or a flag
    that no rule explains (a stale flag has no finding, so no fingerprint)."""
    return f"fingerprint {fingerprint}" if fingerprint else "a flag no rule explains (no fingerprint)"


def changed_since(status: str, comments: int, fresh: MagentoOrder) -> str | None:
    """How an order read again before a write differs from the one its plan was made from, at
    ``status`` with ``comments`` comments (a colleague's work, Commerce5's), naming only what changed;
    None when neither did."""
    changes = []
    if fresh.status != status:
        changes.append(status_change(status, fresh.status))
    if (now := len(fresh.status_histories)) != comments:
        changes.append(f"{counted(now, 'comment')} instead of {comments}")
    return ", ".join(changes) or None


def status_of(order: MagentoOrder | FlagTarget, status: str | None = None) -> dict[str, str]:
    """An order's state and status as the audit log records them (``status`` after a write)."""
    return {"state": order.state, "status": order.status if status is None else status}


@dataclass(frozen=True)
class WriteResult:
    """The outcome of one write, as the operator sees it."""

    order: str
    ok: bool
    message: str
    skipped: bool = False
    status_ignored: bool = False  # the comment landed, the status did not (2.4.7 GA, a state check)
    unverified: bool = False  # it may have landed: the audit log says "unknown"
    site: str = ""  # whose order it is, where several sites' writes are listed together

    @property
    def label(self) -> str:
        return f"{self.order} ({self.site})" if self.site else self.order


# Failures that every later order of the site would meet too (a read's after its retries, ~8 s; a
# write redirected): a run stops writing to the site at the first, rather than failing order by
# order for minutes. Not a timeout: a read that timed out is not retried, and one slow answer says
# little of the next.
SITE_DOWN = (MagentoAuthError, MagentoConnectionError, MagentoTLSError, MagentoRedirected)


def flag_finding(session: SiteSession, target: FlagTarget) -> WriteResult:
    """Set Needs Attention with an explaining comment, unless the order was flagged meanwhile.

    The order is re-read first, so a re-run after a crash, or a second operator, never
    flags the same fingerprint twice; the write itself is read back by the client. An order whose
    status or comments changed since the scan (put on hold while the plan waited for its yes) is
    refused: the plan confirmed, and the comment's evidence, are the scan's.
    """
    site = session.site
    fingerprint = target.fingerprint or ""
    try:
        fresh = session.magento.get_order(target.entity_id)
    except SITE_DOWN:
        raise  # every other order would fail the same way, each after its retries
    except C5Error as error:  # a transient failure of this order only: the others go on
        state = status_of(target)
        message = f"re-reading the order before flagging it failed: {error}"
        session.record(target, "flag", "failed", before=state, after=state, message=message)
        return WriteResult(target.increment_id, False, str(error))
    markers = read_markers(fresh.status_histories)
    before = status_of(fresh)
    names = target.fingerprints  # as Verdict matches markers
    flagged_now = norm_code(fresh.status) == norm_code(site.needs_attention_status)  # as Verdict.flagged
    if flagged_now or names & (markers.flagged | markers.resolved):
        done = "resolved" if names & markers.resolved else "flagged"  # by someone else meanwhile
        session.record(
            fresh,
            "flag",
            "skipped",
            before=before,
            after=before,
            message=f"already {done} (fingerprint {fingerprint})",
        )
        return WriteResult(fresh.increment_id, True, f"already {done}; left as it is", skipped=True)
    if changed := changed_since(target.status, target.comments, fresh):  # the plan confirmed is the scan's
        message = (  # after its number, as every outcome of a flag is shown
            f"changed since the scan ({changed}): not flagged on the scan's evidence; run the same "
            "command again to see it as it is now"
        )
        session.record(fresh, "flag", "refused", before=before, after=before, message=message)
        return WriteResult(fresh.increment_id, False, message)
    if not needs_attention_assigned(site, fresh.state):  # the scan's state allowed it: it changed since
        message = not_assigned(site.needs_attention_status, fresh.state, site.allowed_statuses(fresh.state))
        session.record(fresh, "flag", "refused", before=before, after=before, message=message)
        return WriteResult(fresh.increment_id, False, message)
    session.record(
        fresh,
        "flag",
        "started",
        before=before,
        after={"status": site.needs_attention_status},
        message=f"fingerprint {fingerprint}",
    )
    try:
        change = session.magento.set_status(fresh, site.needs_attention_status, target.comment)
    except WriteUnverified as error:  # it may have landed: the next scan settles it
        session.record(fresh, "flag", "unknown", before=before, after={}, message=str(error))
        return WriteResult(fresh.increment_id, False, str(error), unverified=True)
    except C5Error as error:
        session.record(fresh, "flag", "failed", before=before, after=before, message=str(error))
        if isinstance(error, (MagentoAuthError, MagentoRedirected)):  # a dropped write is no outage:
            raise  # a write is tried once; these, every other write of the site would meet
        return WriteResult(fresh.increment_id, False, str(error))
    except KeyboardInterrupt:  # as a read-back that failed: the write may have landed
        unknown = f"the flag of order {fresh.increment_id} was in flight: whether it landed is unknown"
        session.record(fresh, "flag", "unknown", before=before, after={}, message=f"interrupted; {unknown}")
        raise Interrupted(unknown) from None
    after = status_of(fresh, change.after)
    result = "ok" if change.applied else "not-applied"
    try:
        session.record(fresh, "flag", result, before=before, after=after, message=change.message)
    except KeyboardInterrupt:  # the write is done; only its outcome may be missing from the log
        written = status_change(change.before, change.after)
        raise Interrupted(
            f"the flag of order {fresh.increment_id} was written ({written}) "
            "just before; the next scan --apply records it"
        ) from None
    return WriteResult(
        fresh.increment_id,
        change.applied,
        change.message or status_change(change.before, change.after),
        status_ignored=not change.applied,
    )


_UNSETTLED = ("started", "unknown")  # a killed run's write; a Ctrl-C'd one or one whose answer was lost


def _settle(
    session: SiteSession,
    order: MagentoOrder | FlagTarget,
    latest: Mapping[str, Any] | None,
    action: str,
    found: str,
) -> bool:
    """Record that an earlier run's ``action``, left unsettled as the order's ``latest`` audit entry,
    is done, as a re-read shows (``found``); False when there is no such entry."""
    if latest is None or latest.get("action") != action or latest.get("result") not in _UNSETTLED:
        return False
    state = status_of(order)
    message = f"an earlier run's {action} (run {latest.get('run_id')}) landed; {found}"
    session.record(order, action, "ok", before=state, after=state, message=message)
    return True


def settle_interrupted_flags(session: SiteSession, result: ScanResult) -> int:
    """Give flag writes cut short by a killed run their outcome in the audit log.

    An order whose last audit entry is a flag ``started`` or ``unknown`` and that this scan finds at Needs
    Attention got its write (the scan no longer lists it to flag, so nothing else would say so);
    one not flagged is in ``to_flag`` again and gets a new entry. Returns how many were settled.
    Only the orders the scan kept are seen: under ``--scenario``, a later scan settles the others.
    """
    last = {str(entry.get("order")): entry for entry in session.audit.entries(site=session.site.name)}
    return sum(
        _settle(session, target, last.get(target.increment_id), "flag", "found flagged")
        for target in result.flag_targets
        if target.flagged
    )


def settle_earlier_write(session: SiteSession, order: MagentoOrder, action: str, found: str) -> bool:
    """``settle_interrupted_flags`` for one order and a resolve or dismiss-error that a re-read
    (``found``) shows done; True when the audit log had one to settle."""
    entries = deque(session.audit.entries(order=order.increment_id, site=session.site.name), maxlen=1)
    return _settle(session, order, entries[0] if entries else None, action, found)


def flag_findings(session: SiteSession, targets: Sequence[FlagTarget]) -> Iterator[WriteResult]:
    """Flag each finding in turn, handing out each outcome as soon as it is written."""
    for target in targets:
        yield dataclasses.replace(flag_finding(session, target), site=session.site.name)


def raise_if_partial(results: Sequence[WriteResult], what: str) -> None:
    failed = [result for result in results if not result.ok]
    if failed:
        hints = []
        if any(result.status_ignored for result in failed):  # a re-run would skip them: comment there
            hints.append(
                "where Magento did not take the status (each line above says why), set it in the Magento "
                "admin: the comment is on the order, so running again leaves it as it is"
            )
        if any(result.unverified for result in failed):
            hints.append(
                "where a write is unverified, it may have landed: run the same command again, which "
                "records those it finds flagged and flags the others"
            )
        if not all(result.status_ignored or result.unverified for result in failed):
            hints.append("fix the cause, then run the same command again: finished writes are not repeated")
        raise PartialFailure(
            f"{len(failed)} of {len(results)} {what} failed: "
            + "; ".join(f"{r.label}: {r.message}" for r in failed[:5])
            + (" …" if len(failed) > 5 else ""),
            "; ".join(hints),
        )


# --- list / show -----------------------------------------------------------------------------


def needs_attention_queue(
    session: SiteSession,
    *,
    scenario: str | None = None,
    older_than: datetime | None = None,
    progress: Progress | None = None,
) -> list[Reported]:
    """Every order at the Needs Attention status, classified, highest money at risk first;
    ``scenario`` keeps those ``queue_filter`` keeps. Spooled as a scan's reported orders are: a
    verdict holds ~15 KB, and a queue may hold thousands."""
    wanted = queue_filter(scenario) if scenario else None
    orders = session.magento.iter_orders(
        order_filters(status=session.site.needs_attention_status), progress=progress, in_order=False
    )
    queue = []
    spool = RecordSpool()
    with cycle_collector_paused():
        for verdict in iter_verdicts(session, orders):
            if wanted is not None and not wanted(verdict):
                continue
            created = verdict.order.created_at
            if older_than is not None and created is not None and created > older_than:
                continue
            queue.append(_spooled(session, verdict, spool))
    queue.sort(key=by_risk)
    return queue


def queue_filter(text: str) -> Callable[[Verdict], bool]:
    """What ``list --scenario TEXT`` keeps: the orders in a scenario (a code or its number), or the
    flags no scenario explains, "stale" (all of them) or "unclassified" (those c5attn did not set)."""
    wanted = text.strip().lower()
    if wanted == "stale":
        return lambda verdict: verdict.stale
    if wanted == "unclassified":
        return lambda verdict: verdict.unclassified
    others = "or: stale, unclassified (the flags no scenario explains)"
    if not wanted:  # a variable left unset, say: it must not read as "every scenario"
        raise UsageError(
            "--scenario is empty",
            f"give a code or its number ({scenario_choices()}), {others}; or leave out --scenario for "
            "every scenario",
        )
    try:
        code = scenario_for(text).code
    except UsageError as unknown:
        unknown.hint = f"{unknown.hint}; {others}"
        raise
    return lambda verdict: code in verdict.classification.scenarios


@dataclass(frozen=True)
class OrderView:
    """Everything ``show`` prints about one order."""

    site: SiteConfig
    command: str  # the command prefix that reaches this site, for the "next commands"
    verdict: Verdict
    comments: list[StatusHistoryEntry]
    open_errors: list[OrderError]

    @property
    def resolve_command(self) -> str | None:
        """The ``resolve`` that would work on this order (without the command prefix), or None.

        ``--status STATUS`` where the state has no ``resolve_status`` and several statuses to choose
        from (``plan_resolve`` takes a state's only one by itself).
        """
        order = self.verdict.order
        statuses = resolvable_statuses(self.site, order.state)
        if self.verdict.nothing_to_resolve is not None or self.verdict.resolve_kept_flagged:
            return None
        if not statuses and self.verdict.flagged:
            return None
        command = f"resolve {order.increment_id}"
        if order.state not in self.site.resolve_status and len(statuses) > 1:
            command += " --status STATUS"
        return command + (" --dismiss-error" if self.open_errors else "")


def resolvable_statuses(site: SiteConfig, state: str) -> list[str]:
    """The statuses ``resolve`` may set in ``state``: those assigned to it, but Needs Attention."""
    return [status for status in site.allowed_statuses(state) if status != site.needs_attention_status]


def locate_order(
    sessions: Sequence[SiteSession], order_no: str, *, action: str, elsewhere: str | None = None
) -> tuple[SiteSession, MagentoOrder]:
    """Find an order number in the chosen sites; refuse when it is in none or in several.
    ``action``: the command asked for (``show``), which a hint for several sites writes out with
    each one's options; ``elsewhere``: where else to look (the sites the choice of one left out),
    for a miss's hint."""
    number = order_no.strip()
    if not number:
        raise UsageError("the order number is empty", "type the Magento order number, e.g. 000012345")
    if len(number) > MAX_ORDER_NUMBER:
        raise UsageError(
            f"the order number is {len(number)} characters long; Magento's have at most {MAX_ORDER_NUMBER}",
            "type the Magento order number, e.g. 000012345",
        )
    hits, failed = _find_in_sites(sessions, number)
    if failed:
        raise _unsearched(sessions, failed, hits, action, number)
    if not hits:
        names = ", ".join(session.site.name for session in sessions)
        hint = "check the number (the increment ID shown to the customer)"
        if elsewhere:
            hint += f", or {elsewhere}"
        # Suggested, never acted on: a write names its order exactly.
        found = (
            (guess, why, guessed)
            for guess, why in likely_meant(number)
            if (guessed := _find_in_sites(sessions, guess)[0])
        )
        if meant := next(found, None):
            guess, why, guessed = meant
            hint = f"did you mean {guess}? {why}"
            if len(guessed) > 1:
                hint += f"; it is in several sites: {_each_site(guessed, action, guess)}"
        elif not elsewhere and (stores := _stores_holding(sessions, number)):
            listed = ", ".join(str(store) for store in stores)
            hint = (
                f"Magento has it in store{'s' if len(stores) > 1 else ''} {listed}, which no configured site "
                "covers: add the store to a site's magento_store_ids, or configure a site for it"
            )
        sites = "site" if len(sessions) == 1 else "sites"
        raise OrderNotFound(f"order {number!r} was not found in Magento ({sites} {names})", hint)
    if len(hits) > 1:
        raise AmbiguousOrder(
            f"order {number!r} exists in several sites: {', '.join(s.site.name for s, _ in hits)}",
            f"choose one: {_each_site(hits, action, number)}",
        )
    return hits[0]


def _each_site(hits: Sequence[tuple[SiteSession, MagentoOrder]], action: str, number: str) -> str:
    """The command for the order in each site that has it: "c5attn --site east show 1, or …"."""
    return ", or ".join(f"{session.command} {action} {number}" for session, _ in hits)


def _stores_holding(sessions: Sequence[SiteSession], number: str) -> list[int]:
    """The Magento stores of any site's Magento holding an order with this number (for a hint: a
    failure to ask leaves the not-found error as it is)."""
    one_a_magento = {session.site.magento_url: session for session in reversed(sessions)}
    stores: set[int] = set()
    for session in one_a_magento.values():
        with suppress(C5Error):
            stores.update(session.magento.stores_of(number))
    return sorted(stores)


def _find_in_sites(
    sessions: Sequence[SiteSession], number: str
) -> tuple[list[tuple[SiteSession, MagentoOrder]], list[tuple[SiteSession, C5Error]]]:
    """(the sites holding the number, with its order; the sites that could not be searched). With
    one site its failure is raised as it is."""
    hits, failed = [], []
    for session in sessions:
        try:
            if order := session.magento.find_order(number):
                hits.append((session, order))
        except C5Error as error:
            if len(sessions) == 1:
                raise
            failed.append((session, error))
    return hits, failed


def _unsearched(
    sessions: Sequence[SiteSession],
    failed: Sequence[tuple[SiteSession, C5Error]],
    hits: Sequence[tuple[SiteSession, MagentoOrder]],
    action: str,
    number: str,
) -> C5Error:
    """The first site that could not be searched, as its own error, saying what the others gave:
    the order may be in that site too, so none is chosen for the operator."""
    session, error = failed[0]
    unsearched = {id(failing) for failing, _ in failed}
    where = ", ".join(failing.site.name for failing, _ in failed)
    said = ""
    if hits:
        found = f"order {number} is in site {', '.join(s.site.name for s, _ in hits)}"
        said = f"{found} ({_each_site(hits, action, number)}), but {where} could not be searched"
    elif searched := [s.site.name for s in sessions if id(s) not in unsearched]:
        said = f"not in site {', '.join(searched)} either"
    return naming_site(error, session.site.name, then=said)


def likely_meant(number: str) -> list[tuple[str, str]]:
    """What a number that was not found was likely meant to be, and why: without the "#" the
    admin shows before it ("#000012345"), and a short all-digit one as Magento pads it ("12345")."""
    bare = number.removeprefix("#").strip()
    guesses = []
    if bare and bare != number:
        guesses.append((bare, "the # the Magento admin shows before it is not part of the number"))
    if bare.isascii() and bare.isdigit() and len(bare) < DEFAULT_ORDER_NUMBER_DIGITS:
        padded = bare.zfill(DEFAULT_ORDER_NUMBER_DIGITS)
        guesses.append((padded, "Magento's order numbers keep their leading zeros"))
    return guesses


def assess_order(session: SiteSession, order: MagentoOrder) -> tuple[Verdict, list[OrderError]]:
    """The order's verdict, Counterpoint read, and its open errors (read on their own for an order
    never imported): what ``dismiss-error`` needs, ``show`` and ``resolve`` the comments besides."""
    cp = session.counterpoint.fetch_orders([order.increment_id]).get(order.increment_id)
    errors = list(cp.open_errors) if cp else session.counterpoint.open_errors(order.increment_id)
    return session.assess(order, cp), errors


def view_order(session: SiteSession, order: MagentoOrder) -> OrderView:
    verdict, errors = assess_order(session, order)
    # Oldest first by time: comment ids need not follow it (imported or migrated histories).
    comments = sorted(session.magento.get_comments(order.entity_id), key=_comment_time)
    return OrderView(session.site, session.command, verdict, comments, errors)


def _comment_time(comment: StatusHistoryEntry) -> datetime:
    return comment.created_at or _NO_TIME


_NO_TIME = datetime.min.replace(tzinfo=UTC)


# --- resolve / dismiss -----------------------------------------------------------------------


@dataclass(frozen=True)
class ResolvePlan:
    """What ``resolve`` will write: the status, the comment, and the errors it will dismiss."""

    verdict: Verdict
    target_status: str
    comment: str
    dismiss: list[OrderError]
    dismiss_requested: bool


def plan_resolve(
    site: SiteConfig,
    verdict: Verdict,
    *,
    operator: str,
    status: str | None,
    note: str | None,
    dismiss: bool,
    open_errors: Sequence[OrderError],
) -> ResolvePlan:
    """Choose the status for the order's state (or check ``--status`` against it): its
    ``resolve_status``, else the one status assigned to the state (Needs Attention aside). An order
    not at Needs Attention in a state with none keeps its status: the comment alone records the
    resolution (its finding would stay open in every scan otherwise)."""
    state = verdict.order.state
    allowed = resolvable_statuses(site, state)
    if not allowed and status is None and not verdict.flagged:
        status = verdict.order.status
    elif not allowed:  # nothing --status could name either
        raise UsageError(
            no_status_to_set_given(state, site.allowed_statuses(state)),
            f"set the status in the Magento admin, or list the state's statuses in the configuration "
            f"(state_statuses.{state}; docs/configuration.md)",
        )
    elif status is None:
        status = site.resolve_status.get(state) or (allowed[0] if len(allowed) == 1 else None)
        if status is None:
            raise UsageError(
                f"no resolve status is configured for state {state!r} (resolve_status)",
                f"choose one with --status: {', '.join(allowed)}",
            )
    elif status == site.needs_attention_status:
        raise UsageError(
            f"status {status!r} is the Needs Attention status, which resolve takes orders out of",
            f"choose a status for state {state!r}: {', '.join(allowed)}; to flag an order, use scan --apply",
        )
    elif status not in allowed:
        raise UsageError(
            f"status {status!r} is not assigned to the order's state {state!r}",
            f"allowed for {state!r}: {', '.join(allowed)}",
        )
    if note and len(note) > MAX_NOTE:
        raise UsageError(
            f"the comment is {len(note):,} characters long; c5attn takes at most {MAX_NOTE:,}",
            "shorten it: Magento keeps a comment in a 64 KB column, and one it cuts would lose "
            "c5attn's marker at its end (and with it the resolution)",
        )
    if note and (control := UNSHOWABLE.search(note)):
        raise UsageError(
            f"the comment holds the control character {shown(control.group())}, which Magento would "
            "store and show as it is",
            "type the comment without it (new lines and tabs are fine)",
        )
    comment = resolve_comment(verdict.classification.fingerprint, operator, note)
    return ResolvePlan(verdict, status, comment, list(open_errors) if dismiss else [], dismiss)


@dataclass(frozen=True)
class ResolveOutcome:
    status_change: StatusChange
    dismissed: int | None


def execute_resolve(session: SiteSession, plan: ResolvePlan) -> ResolveOutcome:
    """Write the status and comment, read back, then dismiss; report a half-done resolve exactly.

    The order is read again first (under the site lock, after the operator said yes): if its status
    or comments changed since the plan was shown (a colleague resolved it meanwhile), nothing is
    written, so two resolves of one order never both land. With errors to dismiss, Counterpoint is
    asked first whether it would take the dismissal (``check_dismiss_allowed``, as doctor does): a
    read-only database or a missing column then writes nothing rather than half. Ctrl-C between
    or during the writes is an ``Interrupted`` saying what was written and how to finish, with the
    audit log's outcome for a write it cut short (``unknown``: it may have landed).
    """
    order = plan.verdict.order
    number = order.increment_id
    fresh = session.magento.get_order(order.entity_id)
    if changed := changed_since(order.status, len(order.status_histories), fresh):
        raise OrderChanged(
            f"order {order.increment_id} changed while the plan was shown ({changed}); nothing was written",
            "run the command again to see the order as it is now",
        )
    if plan.dismiss:  # a dismissal bound to fail (a read-only database, a column missing) fails
        session.counterpoint.check_dismiss_allowed(datetime.now(UTC))  # now, before Magento is written
    before = status_of(order)
    session.record(
        order,
        "resolve",
        "started",
        before=before,
        after={"status": plan.target_status},
        message=_fingerprint_note(plan.verdict.classification.fingerprint),
    )
    try:
        change = session.magento.set_status(order, plan.target_status, plan.comment)
    except WriteUnverified as error:  # it may have landed: what the status became is not known
        session.record(order, "resolve", "unknown", before=before, after={}, message=str(error))
        if plan.dismiss:  # errors were to be dismissed after it
            raise type(error)(
                f"{error.message}; the Counterpoint errors are still open",
                f"see the order with: {session.command} show {number}; if it left Needs Attention, finish "
                f"with: {session.command} dismiss-error {number}, else run the same resolve again",
                status=error.status,
            ) from error
        raise
    except C5Error as error:
        session.record(order, "resolve", "failed", before=before, after=before, message=str(error))
        raise
    except KeyboardInterrupt:  # as a read-back that failed: the write may have landed
        unknown = (
            f"interrupted while the status write was in flight: whether Magento set status "
            f"{plan.target_status!r} and added the comment is unknown"
        )
        session.record(order, "resolve", "unknown", before=before, after={}, message=unknown)
        errors = "; its Counterpoint errors are still open" if plan.dismiss else ""
        raise Interrupted(
            f"order {number}: {unknown}{errors}",
            f"see the order with: {session.command} show {number}; if it is still at Needs Attention, "
            "run the same resolve again"
            + (f", else finish with: {session.command} dismiss-error {number}" if errors else ""),
        ) from None
    session.record(
        order,
        "resolve",
        "ok" if change.applied else "not-applied",
        before=before,
        after=status_of(order, change.after),
        message=change.message,
    )
    if not change.applied:
        raise PartialFailure(
            change.message,  # it names the order, the status kept and why
            "the resolution comment was added; set the status in the Magento admin, and dismiss the "
            f"Counterpoint error with: {session.command} dismiss-error {order.increment_id}",
        )
    dismissed = None
    if plan.dismiss_requested:
        done = f"{status_change(change.before, change.after)}, resolution comment added"
        try:
            dismissed = dismiss_order_errors(session, order, plan.dismiss, done=done)
        except (Interrupted, DismissalUnverified):  # it says what was done, the status included
            raise
        except C5Error as error:
            raise PartialFailure(
                f"order {number}: {done}, but dismissing the Counterpoint errors failed: {error.message}",
                f"finish with: {session.command} dismiss-error {order.increment_id} --yes",
            ) from error
        except KeyboardInterrupt:  # before the dismissal was sent: nothing of it written
            raise Interrupted(
                f"order {number}: {done}; its Counterpoint errors are still open",
                f"finish with: {session.command} dismiss-error {number}",
            ) from None
    return ResolveOutcome(change, dismissed)


def dismiss_order_errors(
    session: SiteSession, order: MagentoOrder, listed: Sequence[OrderError], *, done: str = ""
) -> int:
    """Dismiss the order's open errors ``listed`` to the operator, read them again, record it.

    An error that arrived after they were shown is left open and named (``PartialFailure``): no
    one confirmed it. ``done`` says what the command wrote before (for the message of a Ctrl-C
    that cuts the dismissal short).
    """
    number = order.increment_id
    open_before = session.counterpoint.open_errors(number)
    before = {"open_errors": [error.err_id for error in open_before]}
    if not open_before:
        session.record(
            order, "dismiss-error", "skipped", before=before, after=before, message="no open errors"
        )
        return 0
    confirmed = {error.err_id for error in listed}
    to_dismiss = [error.err_id for error in open_before if error.err_id in confirmed]
    if to_dismiss:
        unconfirmed = [err_id for err_id in before["open_errors"] if err_id not in confirmed]
        count, remaining = _dismiss_listed(session, order, to_dismiss, before, unconfirmed, done)
    else:  # those shown were dismissed meanwhile; only errors nobody confirmed are open
        count, remaining = 0, open_before
    stuck = [error.err_id for error in remaining if error.err_id in confirmed]
    unseen = [error.err_id for error in remaining if error.err_id not in confirmed]
    arrived = f"{_numbered(unseen)} arrived after the errors were shown: left open" if unseen else ""
    session.record(
        order,
        "dismiss-error",
        "partial" if remaining else "ok",
        before=before,
        after={"open_errors": [error.err_id for error in remaining]},
        message="; ".join(filter(None, [f"{count} dismissed", arrived])),
    )
    if stuck:
        raise PartialFailure(
            f"order {number}: {counted(count, 'order error')} dismissed, but {_numbered(stuck)} still "
            "open after it, and Commerce5 keeps e-mailing about them" + (f"; {arrived}" if arrived else ""),
            "look at these rows of the Commerce5 error table in Counterpoint",
        )
    if unseen:
        raise PartialFailure(
            f"order {number}: {counted(count, 'order error')} dismissed; {arrived}",
            f"see it, and dismiss it if it is done, with: {session.command} dismiss-error {number}",
        )
    return count


def _dismiss_listed(
    session: SiteSession,
    order: MagentoOrder,
    err_ids: list[int],
    before: dict[str, list[int]],
    unconfirmed: list[int],
    done: str,
) -> tuple[int, list[OrderError]]:
    """Dismiss ``err_ids`` as one audited write; (how many it dismissed, the errors open after it)."""
    number = order.increment_id
    session.record(
        order,
        "dismiss-error",
        "started",
        before=before,
        after={"open_errors": unconfirmed},
        message=f"dismissing {_numbered(err_ids)}",
    )
    committed = False
    try:
        # The moment of the write, as the audit entry has it: not the command's start, which a
        # confirmation prompt left open for a while would put minutes earlier.
        session.counterpoint.dismiss_errors(number, session.operator, datetime.now(UTC), err_ids=err_ids)
        committed = True
        remaining = session.counterpoint.open_errors(number)
    except C5Error as error:
        if not committed:
            session.record(order, "dismiss-error", "failed", before=before, after=before, message=str(error))
            raise
        # Committed: what a trigger or a new error left open is not known. Saying "failed" would
        # have the operator believe nothing was dismissed.
        unverified = f"its Counterpoint errors were dismissed, but reading them back failed: {error.message}"
        session.record(order, "dismiss-error", "unknown", before=before, after={}, message=unverified)
        raise DismissalUnverified(
            f"order {number}: " + (f"{done}; " if done else "") + unverified,
            f"see whether any is still open with: {session.command} dismiss-error {number}",
        ) from None
    except KeyboardInterrupt:
        unknown = (
            "interrupted while dismissing its Counterpoint errors: whether the transaction "
            "committed (it dismisses all of them or none) is unknown"
            if not committed
            else "its Counterpoint errors were dismissed, interrupted before reading them back"
        )
        session.record(order, "dismiss-error", "unknown", before=before, after={}, message=unknown)
        raise Interrupted(
            f"order {number}: " + (f"{done}; " if done else "") + unknown,
            f"see which are still open, and dismiss them, with: {session.command} dismiss-error {number}",
        ) from None
    still_open = {error.err_id for error in remaining}  # read back: a driver's row count may lie
    return sum(1 for err_id in err_ids if err_id not in still_open), remaining


def _numbered(err_ids: Iterable[int]) -> str:
    return ", ".join(f"#{err_id}" for err_id in err_ids)
