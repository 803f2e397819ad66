"""The Magento 2.4 admin REST client: scans, look-ups, comments and verified status writes.

One ``requests.Session`` per site. Reads retry on transient failures; writes never blindly retry:
after an ambiguous failure (timeout, dropped connection) the client reads the order back to learn
whether the write landed. See docs/magento-client.md for the paging and consistency notes.
"""

from __future__ import annotations

import math
import random
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar
from urllib.parse import urljoin, urlsplit

import orjson
import requests
from requests.adapters import HTTPAdapter
from requests.auth import AuthBase

from c5attn.background import in_background
from c5attn.config import SiteConfig
from c5attn.errors import (
    AmbiguousOrder,
    MagentoConnectionError,
    MagentoError,
    MagentoRedirected,
    MagentoServerError,
    MagentoTimeout,
    MagentoTLSError,
    MagentoValidationError,
    StatusUnverified,
    WriteUnverified,
)
from c5attn.magento.auth import AdminTokenAuth, build_auth, redact, site_secrets
from c5attn.magento.errors import bad_success_body, error_from_response
from c5attn.magento.fields import parse_fields
from c5attn.magento.parse import ORDER_FIELDS, SCAN_FIELDS, parse_history, parse_order
from c5attn.magento.search import Filter, FilterGroup, SearchCriteria, SortOrder
from c5attn.models import MagentoOrder, StatusHistoryEntry
from c5attn.wording import STATUS_KEPT_CAUSE, status_change

RETRY_STATUSES = frozenset({429, 502, 503, 504})
R = TypeVar("R")
_MAX_PAGE_MESSAGE = re.compile(r"Maximum SearchCriteria pageSize is (\d+)")
_NOT_IN_STATE_MESSAGE = "not part of the order status history"
# Pages are fetched on daemon threads: one in flight when a scan stops must not hold the process.
_PAGE_THREAD = "magento-page"


@dataclass(frozen=True)
class RetryPolicy:
    """How GETs retry: attempts in all, capped exponential backoff with jitter, Retry-After cap."""

    # 6: under 18% transient faults a read still fails only once in ~30,000 (0.18**6); 4 lost a
    # 5,000-order scan about once in 60. The waits stay short: at most 0.25+0.5+1+2+4 s.
    max_attempts: int = 6
    backoff_base: float = 0.25
    backoff_cap: float = 8.0
    retry_after_cap: float = 30.0

    def backoff(self, attempt: int, rng: random.Random) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based), half to full jitter."""
        ceiling = min(self.backoff_cap, self.backoff_base * 2 ** (attempt - 1))
        return rng.uniform(ceiling / 2, ceiling)


@dataclass(frozen=True)
class StatusChange:
    """What a status write did, as read back from Magento (not as Magento's answer claimed)."""

    before: str
    after: str
    applied: bool
    message: str


class _MaybeSent(Exception):
    """A write whose request may have reached Magento although no answer came back."""

    def __init__(self, error: MagentoError) -> None:
        super().__init__(error.message)
        self.error = error


class MagentoClient:
    """A site's Magento REST API (``{magento_url}/rest/{magento_store_code}/V1``).

    ``trace`` receives one line per HTTP request (secrets redacted) for ``--verbose``;
    ``sleep`` and ``rng`` are injectable so tests of retries run instantly and reproducibly.
    ``request_count`` counts every HTTP request made, retries and logins included.
    """

    def __init__(
        self,
        site: SiteConfig,
        *,
        session: requests.Session | None = None,
        trace: Callable[[str], None] | None = None,
        max_workers: int = 4,
        retry: RetryPolicy = RetryPolicy(),
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        if max_workers < 1:
            raise ValueError("max_workers must be at least 1")
        self.site = site
        self.max_workers = max_workers
        self.retry = retry
        self._trace = trace
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._base = site.magento_url.rstrip("/")
        self._api = f"{self._base}/rest/{site.magento_store_code}/V1"
        self._timeout = (site.magento_timeout_seconds, site.magento_timeout_seconds)
        self._owns_session = session is None
        self._session = session or self._new_session(max_workers)
        self._count_lock = threading.Lock()
        self._request_count = 0
        self._prefetched: dict[tuple[SearchCriteria, str], Future[tuple[int, list[MagentoOrder], int]]] = {}
        self._secrets = site_secrets(site)
        self._auth = build_auth(site, self._login)
        if not site.magento_verify_tls:
            import urllib3

            urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)

    @staticmethod
    def _new_session(max_workers: int) -> requests.Session:
        session = requests.Session()
        adapter = HTTPAdapter(pool_connections=2, pool_maxsize=max_workers + 1, max_retries=0)
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        return session

    def close(self) -> None:
        """Close the session the client made (an injected one belongs to the caller)."""
        if self._owns_session:
            self._session.close()

    def __enter__(self) -> MagentoClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def request_count(self) -> int:
        with self._count_lock:
            return self._request_count

    # --- reads ------------------------------------------------------------------------------

    def iter_orders(
        self,
        criteria_filters: Sequence[FilterGroup],
        *,
        fields: str = SCAN_FIELDS,
        progress: Callable[[int, int], None] | None = None,
        in_order: bool = True,
    ) -> Iterator[MagentoOrder]:
        """Every order of the site's stores matching ``criteria_filters`` (AND-ed groups).

        The site's ``store_id`` group is always AND-ed in (orders are global in Magento).

        Sorted by ``entity_id`` ascending; the first page gives ``total_count``, the rest are
        fetched ``max_workers`` at a time and yielded in order. Stops by ``total_count``, since
        Magento repeats its last page past the end. An order is yielded at most once; one that
        changes while the scan pages may be missed (docs/magento-client.md).

        ``in_order=False`` yields each page as soon as it arrives (page 1 first), for callers
        that sort their results anyway: a page that comes back late then holds up nothing.
        Page 1 comes from ``prefetch_orders`` when it was called for the same search.
        """
        criteria, fields = self._order_search(criteria_filters, fields)
        first = self._prefetched.pop((criteria, fields), None)
        page_size, first_orders, total = first.result() if first else self._first_page(criteria, fields)
        last_page = math.ceil(total / page_size)
        if len(first_orders) < page_size:
            last_page = 1

        def request(page: int) -> Future[list[MagentoOrder]]:
            return in_background(
                self._page_orders, criteria.with_page(page_size, page), fields, name=_PAGE_THREAD
            )

        window: deque[Future[list[MagentoOrder]]] = deque()  # oldest request first
        next_page = 2
        try:
            # The next pages are requested before the first page's orders are handed out, so they
            # are on their way while the caller works on those.
            while next_page <= last_page and len(window) < self.max_workers:
                window.append(request(next_page))
                next_page += 1
            seen: set[int] = set()
            yielded = 0
            for order in _unseen(first_orders, seen):
                yielded += 1
                yield order
            if progress:
                progress(yielded, total)
            while window:
                orders = (window.popleft() if in_order else _first_done(window)).result()
                if len(orders) < page_size:
                    next_page = last_page + 1  # the set shrank: later pages only repeat the last one
                elif next_page <= last_page:
                    window.append(request(next_page))
                    next_page += 1
                fresh = list(_unseen(orders, seen))
                if orders and not fresh and len(orders) == page_size:
                    raise _repeated_page(len(seen), total)
                for order in fresh:
                    yielded += 1
                    yield order
                if progress:
                    progress(yielded, total)
        finally:
            for future in window:  # the caller stopped early: requests not yet sent are skipped,
                future.cancel()  # those in flight end on their own daemon threads

    def prefetch_orders(self, criteria_filters: Sequence[FilterGroup], *, fields: str = SCAN_FIELDS) -> None:
        """Request the first page of ``iter_orders(criteria_filters, fields=fields)`` now, in the
        background; that call then takes it instead of asking again.

        A command that knows its search before it has loaded the rest of c5attn (the scan engine,
        Counterpoint) gets the page on its way while it does: the round trip and the server's
        work on the page overlap the start-up instead of following it. A failure is raised by
        ``iter_orders``, as if it had sent the request itself.
        """
        criteria, fields = self._order_search(criteria_filters, fields)
        self._prefetched[(criteria, fields)] = in_background(
            self._first_page, criteria, fields, name=_PAGE_THREAD
        )

    def _order_search(
        self, criteria_filters: Sequence[FilterGroup], fields: str
    ) -> tuple[SearchCriteria, str]:
        """The criteria (the site's stores AND-ed in, sorted by ``entity_id``) and fields of a search."""
        store_group = self._store_group()
        groups = (*criteria_filters, *(() if store_group in criteria_filters else (store_group,)))
        return SearchCriteria(groups, (SortOrder("entity_id", "ASC"),)), _with_total_count(fields)

    def _store_group(self) -> FilterGroup:
        store_ids = ",".join(str(store) for store in self.site.magento_store_ids)
        return FilterGroup([Filter("store_id", store_ids, "in")])

    def _first_page(self, criteria: SearchCriteria, fields: str) -> tuple[int, list[MagentoOrder], int]:
        """(page size used, first page's orders, total_count); adopts a smaller server maximum,
        whether Magento refuses the size asked or something in front of it serves fewer."""
        page_size = self.site.magento_page_size
        try:
            body = self._search(criteria.with_page(page_size, 1), fields)
        except MagentoValidationError as exc:
            match = _MAX_PAGE_MESSAGE.search(exc.message)
            if not match or int(match.group(1)) >= page_size or int(match.group(1)) < 1:
                raise
            page_size = int(match.group(1))
            self._note(f"Magento caps pages at {page_size} orders; lower magento_page_size to match")
            body = self._search(criteria.with_page(page_size, 1), fields)
        total = body.get("total_count")
        if not isinstance(total, int) or isinstance(total, bool):
            raise MagentoServerError(
                "Magento's order search answer has no total_count", "check magento_url (is it Magento 2.4?)"
            )
        orders = _parsed_orders(_items(body))
        if total > 0 and not orders:  # an all-clear here would hide every order from the scan
            raise MagentoServerError(
                f"Magento's order search answer counts {total} orders but holds none",
                "check magento_url (a proxy or cache in front of Magento may be answering)",
            )
        if len(orders) < min(page_size, total):
            # Something in front of Magento cut the page without saying so: paging on by the size
            # asked would skip the orders between what it sent and the next page's offset.
            self._note(
                f"Magento sent {len(orders)} orders on a page of {page_size} while it counts {total}; "
                f"paging by {len(orders)} (lower magento_page_size to match)"
            )
            page_size = len(orders)
        return page_size, orders, total

    def _page_orders(self, criteria: SearchCriteria, fields: str) -> list[MagentoOrder]:
        """A page's orders, parsed on the page's own thread.

        Parsing is pure Python that never releases the GIL, so it runs while the scan's main
        thread waits for SQLite or for a page instead of adding to the main thread's work: 4 %
        off a 10,000-order scan (docs/performance.md, seventh round).
        """
        return _parsed_orders(_items(self._search(criteria, fields)))

    def _search(self, criteria: SearchCriteria, fields: str) -> dict[str, Any]:
        params = {**criteria.to_params(), "fields": fields}
        body = self._get_json(
            "/orders", params=params, what=f"searching orders (page {criteria.current_page})"
        )
        if not isinstance(body, dict):
            raise MagentoServerError("Magento's order search answer is not an object", "check magento_url")
        return body

    def get_order(self, entity_id: int) -> MagentoOrder:
        """One order by its ``entity_id`` (raises ``MagentoNotFound`` when there is none)."""
        body = self._get_json(
            f"/orders/{int(entity_id)}", params={"fields": ORDER_FIELDS}, what=f"reading order id {entity_id}"
        )
        return parse_order(body)

    def find_order(self, increment_id: str) -> MagentoOrder | None:
        """The site's order with this order number (``increment_id``), or None."""
        groups = (FilterGroup([Filter("increment_id", increment_id)]), self._store_group())
        criteria = SearchCriteria(groups, (SortOrder("entity_id", "ASC"),), page_size=2, current_page=1)
        items = _items(self._search(criteria, SCAN_FIELDS))
        if len(items) > 1:
            raise AmbiguousOrder(
                f"order {increment_id} exists in more than one of site {self.site.name!r}'s stores",
                "narrow magento_store_ids for this site, or open the order in the Magento admin",
            )
        return parse_order(items[0]) if items else None

    def stores_of(self, increment_id: str) -> list[int]:
        """The Magento stores holding an order with this number, in any store (orders are global in
        Magento): where to look when the site's own stores have none."""
        criteria = SearchCriteria(
            [FilterGroup([Filter("increment_id", increment_id)])], page_size=5, current_page=1
        )
        items = _items(self._search(criteria, "items[store_id],total_count"))
        return sorted({int(item["store_id"]) for item in items if str(item.get("store_id", "")).isdigit()})

    def get_comments(self, entity_id: int) -> list[StatusHistoryEntry]:
        """The order's comments (status history), as ``GET /V1/orders/{id}/comments`` lists them.

        Asked without ``fields``, Magento always sends ``items``, ``[]`` when there are none: an answer
        without it is not Magento's, and counting no comments in it misjudged a lost write as not added.
        """
        what = f"reading comments of order id {entity_id}"
        body = self._get_json(f"/orders/{int(entity_id)}/comments", what=what)
        if not isinstance(body, dict) or not isinstance(body.get("items"), list):
            raise MagentoServerError(
                f"{what}: Magento's answer has no list of comments",
                "check magento_url (a proxy or cache in front of Magento may be answering)",
            )
        return [parse_history(item) for item in _items(body)]

    def magento_version(self) -> str:
        """The text of ``{magento_url}/magento_version`` (e.g. ``Magento/2.4 (Community)``)."""
        response, _ = self._call(
            "GET",
            f"{self._base}/magento_version",
            what="reading the Magento version",
            idempotent=True,
            auth=False,
        )
        return response.text.strip()

    def check_auth(self) -> None:
        """Raise unless the credentials may read orders (one tiny authenticated search)."""
        params = {**SearchCriteria(page_size=1, current_page=1).to_params(), "fields": "total_count"}
        self._get_json("/orders", params=params, what="checking Magento credentials")

    # --- writes -----------------------------------------------------------------------------

    def add_comment(
        self, entity_id: int, comment: str, *, status: str | None = None, notify: bool = False
    ) -> None:
        """Add an order comment, hidden from the shopper unless ``notify``.

        Without ``status`` Magento ≥ 2.4.4 leaves the status alone (older builds blanked it,
        magento/magento2#34180). Never re-posted blindly: see ``_post_comment``.
        """
        self._post_comment(entity_id, comment, status=status, notify=notify)

    def set_status(
        self, order: MagentoOrder, status: str, comment: str, *, notify: bool = False
    ) -> StatusChange:
        """Post ``comment`` with ``status``, then read the order back to see what really happened.

        2.4.7 GA ignores the status silently (``applied`` False); current builds refuse a status
        not assigned to the order's state (``MagentoValidationError`` naming the state). Saving the
        order may also run Magento's state check, which moves an order with nothing left to invoice or
        ship on to ``complete`` (``applied`` False, the new state named).
        """
        label = order.increment_id or str(order.entity_id)
        try:
            self._post_comment(order.entity_id, comment, status=status, notify=notify)
        except MagentoValidationError as exc:
            if _NOT_IN_STATE_MESSAGE not in exc.message:
                raise
            allowed = ", ".join(self.site.allowed_statuses(order.state)) or "none configured"
            raise MagentoValidationError(
                f'order {label}: Magento refused status "{status}": it is not assigned to the order\'s '
                f'state "{order.state}"; nothing was changed',
                f"assign it in the Magento admin (Stores > Order Status > Assign Status to State) or pick "
                f"one configured for {order.state}: {allowed}",
                status=exc.status,
            ) from exc
        try:
            saved = self.get_order(order.entity_id)
        except MagentoError as exc:
            raise StatusUnverified(
                f"order {label}: the comment was added, but reading the order back failed "
                f"({exc.message}): whether its status is now {status!r} is unknown",
                "check the order's status in the Magento admin before running this again",
                status=exc.status,
            ) from exc
        after = saved.status
        applied = after == status
        if applied:
            message = f"order {label}: {status_change(order.status, status)}; comment added"
        elif saved.state != order.state:  # Magento's own state check on saving (all invoiced and shipped)
            message = (
                f"order {label}: the comment was added but Magento moved the order from state "
                f"{order.state!r} to {saved.state!r} (status {after!r}) as it saved it, instead of status "
                f"{status!r}; check the order in the admin"
            )
        else:
            message = (
                f"order {label}: the comment was added but Magento kept status {after!r} instead of "
                f"{status!r} ({STATUS_KEPT_CAUSE}); change it in the admin"
            )
        return StatusChange(before=order.status, after=after, applied=applied, message=message)

    def _post_comment(self, entity_id: int, comment: str, *, status: str | None, notify: bool) -> None:
        """POST the comment once; after an ambiguous failure, decide from the comments read back. An
        answer other than Magento's ``true`` (a proxy's page, a body cut short) is one: it tells
        nothing of the write, which was then reported added without a look."""
        flag = 1 if notify else 0
        history: dict[str, Any] = {
            "parent_id": int(entity_id),
            "comment": comment,
            "is_customer_notified": flag,
            "is_visible_on_front": flag,
        }
        if status is not None:
            history["status"] = status
        before = self._count_comments(entity_id, comment)
        what = f"adding a comment to order id {entity_id}"
        try:
            response, _ = self._call(
                "POST",
                f"{self._api}/orders/{int(entity_id)}/comments",
                what=what,
                json_body={"statusHistory": history},
                idempotent=False,
            )
            if _decoded(response) is not True:  # Magento's answer; a proxy's page says nothing of the write
                raise _MaybeSent(bad_success_body(response, what))
        except _MaybeSent as lost:
            try:
                landed = self._count_comments(entity_id, comment) > before
            except MagentoError as exc:
                raise WriteUnverified(
                    f"{lost.error.message}; could not tell whether the comment was added",
                    "look at the order's comments in the Magento admin before trying again",
                    status=lost.error.status,
                ) from exc
            if not landed and (lost.error.status or 0) >= 500:  # Magento may still be saving it
                raise WriteUnverified(
                    f"{lost.error.message}; the comment was not on the order when read back",
                    "Magento may still be saving it: look at the order's comments in the Magento admin "
                    "before trying again",
                    status=lost.error.status,
                ) from lost
            if not landed:  # no answer (the connection dropped), or one that was not Magento's
                raise type(lost.error)(
                    f"{lost.error.message}; the comment was NOT added (checked by reading the order back)",
                    "nothing changed: try again" if lost.error.status is None else lost.error.hint,
                ) from lost
            self._note(f"{what}: no answer of Magento's came back, yet the comment is there: it landed")

    def _count_comments(self, entity_id: int, comment: str) -> int:
        return sum(1 for entry in self.get_comments(entity_id) if entry.comment == comment)

    # --- HTTP -------------------------------------------------------------------------------

    def _login(self, user: str, password: str) -> str:
        # Retried like a read: a second token is harmless, and a login that fails on a dropped
        # connection or a 503 in the middle of a long scan would end it. A refusal (401) is not
        # retried, so a wrong password counts once towards Magento's lockout (unless a proxy
        # answers 502/504 after Magento refused it: that is retried).
        response, _ = self._call(
            "POST",
            f"{self._api}/integration/admin/token",
            what="logging in as admin user",
            json_body={"username": user, "password": password},
            idempotent=True,
            auth=False,
            login=True,
        )
        token = _parsed(response, _decoded(response), "logging in as admin user")
        if not isinstance(token, str) or not token:
            raise MagentoServerError("the admin-token answer is not a token", "check magento_url")
        self._secrets.append(token)
        return token

    def _get_json(self, path: str, *, what: str, params: dict[str, str] | None = None) -> Any:
        response, body = self._call(
            "GET", f"{self._api}{path}", what=what, params=params, idempotent=True, parse_json=True
        )
        return _parsed(response, body, what)

    def _call(
        self,
        method: str,
        url: str,
        *,
        what: str,
        params: dict[str, str] | None = None,
        json_body: Any = None,
        idempotent: bool,
        auth: bool = True,
        login: bool = False,
        parse_json: bool = False,
    ) -> tuple[requests.Response, Any]:
        """One logical request: retries (reads only), one re-login on 401, typed errors.

        Returns the response and, with ``parse_json``, its body decoded once (a page of 300
        orders takes milliseconds to decode); ``_UNPARSED`` when it is not JSON or not asked for.
        """
        attempt = 0
        relogged = False
        while True:
            attempt += 1
            can_retry = idempotent and attempt < self.retry.max_attempts
            request_auth: AuthBase | None = self._auth if auth else None
            sent_token = (
                self._auth.current_token() if auth and isinstance(self._auth, AdminTokenAuth) else None
            )
            started = time.monotonic()
            try:
                response = self._session.request(
                    method,
                    url,
                    params=params,
                    json=json_body,
                    auth=request_auth,
                    timeout=self._timeout,
                    verify=self.site.magento_verify_tls,
                    stream=True,
                    # A redirected POST is sent on as a GET (requests does as browsers do): the
                    # comment's would read the comments, answer 200 and write nothing.
                    allow_redirects=method == "GET",
                )
                _read_body(response, self.site.magento_timeout_seconds)
            except requests.RequestException as exc:
                self._count()
                error, maybe_sent = self._transport_error(exc, what)
                self._note(f"{method} {url} failed: {error.message} (attempt {attempt})")
                if can_retry and _transient(exc):
                    self._sleep(self.retry.backoff(attempt, self._rng))
                    continue
                if maybe_sent and not idempotent:
                    raise _MaybeSent(error) from exc
                raise error from exc
            self._count()
            elapsed = time.monotonic() - started
            self._note(
                f"{method} {response.url} → {response.status_code} ({elapsed:.2f}s, attempt {attempt})"
            )
            if response.is_redirect:  # a write's (reads follow it): Magento's REST never redirects
                target = urljoin(response.url, response.headers["Location"])
                raise MagentoRedirected(
                    f"{what}: {self._base} answered HTTP {response.status_code}, redirecting to "
                    f"{redact(target, self._secrets)}; nothing was sent there",
                    f"set magento_url to {redact(self._moved_base(response.url, target), self._secrets)}, "
                    "the address it redirects to",
                    status=response.status_code,
                )
            if response.status_code == 401 and sent_token is not None and not relogged:
                assert isinstance(self._auth, AdminTokenAuth)
                self._auth.invalidate(sent_token)
                relogged = True
                attempt -= 1
                continue
            # A 429 is refused before it is processed: a write may be sent again too.
            rate_limited = response.status_code == 429 and attempt < self.retry.max_attempts
            if rate_limited or (can_retry and response.status_code in RETRY_STATUSES):
                self._sleep(self._retry_delay(response, attempt))
                continue
            if not response.ok:
                error = error_from_response(response, what, login=login)
                if sent_token is not None and response.status_code in (401, 403):
                    error.hint = (  # the token hint would point at keys this site does not use
                        "Magento refused the admin user's token (renewed once if it had expired): check "
                        "the role of magento_admin_user (System > Permissions > User Roles)"
                    )
                if response.status_code in (401, 403) and (moved := self._credentials_dropped(response)):
                    error.hint = (  # the credentials were right: requests drops them on the way
                        f"{self._base} redirected the request to {moved}, and the credentials are not "
                        f"sent to another address: set magento_url to {moved}"
                    )
                if not idempotent and response.status_code >= 500:
                    # A 4xx is Magento refusing before it saves; a 5xx may come after the save (a
                    # proxy's 502/504 while Magento finished, a failure after the comment was stored).
                    raise _MaybeSent(error)
                raise error
            body = _decoded(response) if parse_json else _UNPARSED
            if parse_json and can_retry and body is _UNPARSED:
                self._sleep(self.retry.backoff(attempt, self._rng))
                continue
            return response, body

    def _moved_base(self, sent: str, target: str) -> str:
        """The ``magento_url`` a redirect of ``sent`` to ``target`` points to: ``target`` without the
        path under the configured base, when it kept that path; else its scheme://host:port."""
        under = urlsplit(sent).path.removeprefix(urlsplit(self._base).path)
        path = urlsplit(target).path
        moved = urlsplit(target)
        if under and path.endswith(under):
            return f"{moved.scheme}://{moved.netloc}{path.removesuffix(under)}".rstrip("/")
        return f"{moved.scheme}://{moved.netloc}"

    def _credentials_dropped(self, response: requests.Response) -> str | None:
        """Where a read was redirected to, as scheme://host:port, when ``requests`` sent it there
        without the credentials (another host); None otherwise."""
        first = response.history[0].url if response.history else response.url
        if not self._session.should_strip_auth(first, response.url):  # type: ignore[no-untyped-call]
            return None  # requests' own rule: kept on the same host, and from http to https there
        moved = urlsplit(response.url)
        return f"{moved.scheme}://{moved.netloc}"

    def _retry_delay(self, response: requests.Response, attempt: int) -> float:
        header = response.headers.get("Retry-After")
        if response.status_code == 429 and header:
            seconds = _retry_after_seconds(header)
            if seconds is not None:
                return min(max(seconds, 0.0), self.retry.retry_after_cap)
        return self.retry.backoff(attempt, self._rng)

    def _transport_error(self, exc: requests.RequestException, what: str) -> tuple[MagentoError, bool]:
        """The typed error for a request that got no HTTP answer, and whether it may have been sent."""
        host = self._base
        if isinstance(exc, requests.exceptions.SSLError):
            return MagentoTLSError(
                f"{what}: the TLS check of {host} failed",
                "check the server's certificate; for a test store only, set magento_verify_tls = false",
            ), False
        if isinstance(exc, requests.exceptions.ConnectTimeout):
            return MagentoTimeout(
                f"{what}: could not connect to {host} within {self.site.magento_timeout_seconds:g}s",
                "check magento_url and the network",
            ), False
        if isinstance(exc, requests.exceptions.Timeout):
            return MagentoTimeout(
                f"{what}: {host} did not answer within {self.site.magento_timeout_seconds:g}s",
                "Magento is slow or stuck: try again, or raise magento_timeout_seconds",
            ), True
        if isinstance(exc, requests.exceptions.ConnectionError) and _never_connected(exc):
            return MagentoConnectionError(
                f"{what}: cannot reach {host}", "check magento_url and that the server is up"
            ), False
        if isinstance(exc, requests.exceptions.ConnectionError | requests.exceptions.ChunkedEncodingError):
            return MagentoConnectionError(
                f"{what}: {host} dropped the connection",
                "try again; if it persists, check Magento and its proxy",
            ), True
        failed = MagentoConnectionError(
            f"{what}: the request to {host} failed ({type(exc).__name__})", "check magento_url"
        )
        return failed, isinstance(exc, requests.exceptions.ContentDecodingError)  # a bad URL is never sent

    def _count(self) -> None:
        with self._count_lock:
            self._request_count += 1

    def _note(self, line: str) -> None:
        if self._trace is not None:
            self._trace(redact(line, self._secrets))


def _read_body(response: requests.Response, seconds: float) -> None:
    """Read the whole answer now, within ``seconds`` of its headers.

    The read timeout bounds each wait for more bytes, not the answer: a server or proxy that
    trickles a byte a second would hold a command for as long as it kept that up. ``read1`` returns
    what has arrived, so the deadline is checked as the bytes come. Failures are raised as
    ``requests`` raises them when it reads a body itself.
    """
    import urllib3.exceptions

    deadline = time.monotonic() + seconds
    chunks = []
    try:
        while chunk := response.raw.read1(_READ_SIZE, decode_content=True):
            chunks.append(chunk)
            if time.monotonic() > deadline:
                response.close()
                raise requests.exceptions.ReadTimeout(f"the answer took over {seconds:g}s to arrive")
    except urllib3.exceptions.ReadTimeoutError as exc:
        raise requests.exceptions.ReadTimeout(exc) from exc
    except urllib3.exceptions.SSLError as exc:
        raise requests.exceptions.SSLError(exc) from exc
    except urllib3.exceptions.DecodeError as exc:
        raise requests.exceptions.ContentDecodingError(exc) from exc
    except urllib3.exceptions.ProtocolError as exc:  # the connection dropped mid-answer
        raise requests.exceptions.ChunkedEncodingError(exc) from exc
    response._content = b"".join(chunks)


_READ_SIZE = 1 << 16


def _first_done(window: deque[Future[R]]) -> Future[R]:
    """Take the oldest finished request out of ``window``, waiting for one if none has finished."""
    if not any(future.done() for future in window):
        wait(window, return_when=FIRST_COMPLETED)
    finished = next(future for future in window if future.done())
    window.remove(finished)
    return finished


def _transient(exc: requests.RequestException) -> bool:
    """Connection refused, reset or dropped, or a connect timeout: worth another read attempt.

    Not a read timeout (a stuck server would hold the operator for minutes), not TLS, not a bad URL.
    """
    if isinstance(exc, requests.exceptions.SSLError):
        return False
    return isinstance(exc, requests.exceptions.ConnectionError | requests.exceptions.ChunkedEncodingError)


def _never_connected(exc: requests.RequestException) -> bool:
    """True when the failure happened while connecting (refused, DNS): the request never left."""
    text = repr(exc)
    return any(
        marker in text
        for marker in ("NewConnectionError", "NameResolutionError", "Connection refused", "Failed to resolve")
    )


_UNPARSED = object()


def _decoded(response: requests.Response) -> Any:
    """The JSON body, or ``_UNPARSED`` (a body may be ``null``, so None cannot say it).

    orjson, not ``response.json()``: a scan decodes ~1 KB of JSON per order, and orjson does it in
    half the time of the standard library. orjson reads strict JSON in UTF-8 only (no ``NaN``, no
    other charset), which is what Magento sends; anything else is an unreadable answer.
    """
    try:
        return orjson.loads(response.content)
    except ValueError:  # orjson.JSONDecodeError is one
        return _UNPARSED


def _parsed(response: requests.Response, body: Any, what: str) -> Any:
    """``body`` as ``_decoded`` gave it, or the error for a success answer that is not JSON."""
    if body is _UNPARSED:
        raise bad_success_body(response, what)
    return body


def _items(body: Any) -> list[dict[str, Any]]:
    """The ``items`` of a search answer (none: Magento's ``fields`` filter drops an empty list)."""
    items = body.get("items") if isinstance(body, dict) else None
    if items is None:
        return []
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise MagentoServerError("Magento's search answer has no list of order objects", "check magento_url")
    return items


def _parsed_orders(items: list[dict[str, Any]]) -> list[MagentoOrder]:
    return [parse_order(item) for item in items]


def _repeated_page(seen: int, total: int) -> MagentoServerError:
    """A full page of orders all on earlier pages: something in front of Magento (a cache, a proxy)
    serves a page whatever ``currentPage`` asks, or counts orders it never serves. Paging on would
    end with an incomplete scan that looks complete, or never end."""
    return MagentoServerError(
        f"Magento answered a page with orders of earlier pages only, after {seen:,} of the "
        f"{total:,} orders it counts: the scan cannot see the rest",
        "run it again (orders deleted during a scan do this too); if it repeats, check that "
        "magento_url reaches Magento with no cache in front that ignores searchCriteria[currentPage]",
    )


def _unseen(orders: list[MagentoOrder], seen: set[int]) -> Iterator[MagentoOrder]:
    for order in orders:
        if order.entity_id not in seen:
            seen.add(order.entity_id)
            yield order


def _with_total_count(fields: str) -> str:
    """``fields`` naming ``total_count`` too: without it paging cannot know where to stop."""
    return fields if "total_count" in parse_fields(fields) else f"{fields},total_count"


def _retry_after_seconds(header: str) -> float | None:
    """Retry-After as seconds (it may be a number or an HTTP date)."""
    try:
        return float(header)
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment - datetime.now(UTC)).total_seconds()
