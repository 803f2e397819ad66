"""``MagentoClient.iter_orders`` and the look-ups, over HTTP against the sandbox."""

from __future__ import annotations

import json
import math
import re
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from magento_factory import make_order, make_orders, site_for
from pytest_mock import MockerFixture

from c5attn.errors import AmbiguousOrder, MagentoAuthError, MagentoNotFound, MagentoServerError
from c5attn.magento import client as client_module
from c5attn.magento.client import MagentoClient
from c5attn.magento.search import Filter, FilterGroup
from c5attn.models import MagentoOrder
from c5attn.sandbox.magento_server import MagentoSandbox
from c5attn.sandbox.magento_store import load_orders

ClientFactory = Callable[..., MagentoClient]
SandboxFactory = Callable[..., MagentoSandbox]
NEEDS_ATTENTION = FilterGroup([Filter("status", "needs_attention")])
PATIENCE = 10.0  # seconds a watched condition may take: far more than it ever needs
OUTWAITS_A_HOLD = {"magento_timeout_seconds": 3 * PATIENCE}  # a held page is late, not timed out


class WatchedSandbox(MagentoSandbox):
    """The sandbox, watching its order searches: the pages asked for and answered (in that order),
    how many were being answered at once (``peak``), and ``hold``: a page request waits, before it
    is answered, until its predicate over this sandbox is true (or ``PATIENCE`` runs out)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.asked: list[int] = []
        self.answered: list[int] = []
        self.in_flight = 0
        self.peak = 0
        self.hold: dict[int | None, Callable[[WatchedSandbox], bool]] = {}  # None: every page but 1
        self._changed = threading.Condition()

    def handle(self, handler: Any) -> None:
        parts = urlsplit(handler.path)
        if handler.command != "GET" or not parts.path.endswith("/V1/orders"):
            return super().handle(handler)
        page = int(dict(parse_qsl(parts.query)).get("searchCriteria[currentPage]", "1"))
        send = handler.send

        def answer(*args: Any, **kwargs: Any) -> None:  # counted out before the client can see it
            with self._changed:
                self.in_flight -= 1
                self.answered.append(page)
                self._changed.notify_all()
            send(*args, **kwargs)

        with self._changed:
            self.asked.append(page)
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
            self._changed.notify_all()
            self._changed.wait_for(lambda: self._may_answer(page), PATIENCE)
        handler.send = answer  # this request's only: a kept-alive connection's handler serves the next
        try:
            super().handle(handler)
        finally:
            del handler.send

    def _may_answer(self, page: int) -> bool:
        held = self.hold.get(page) or (self.hold.get(None) if page > 1 else None)
        return held is None or held(self)

    def wait_for(self, condition: Callable[[WatchedSandbox], bool]) -> None:
        with self._changed:
            assert self._changed.wait_for(lambda: condition(self), PATIENCE), (self.asked, self.answered)

    def let_go(self, page: int) -> None:
        """Answer the held ``page`` now."""
        with self._changed:
            self.hold[page] = lambda s: True
            self._changed.notify_all()

    def forget(self) -> None:
        with self._changed:
            self.asked.clear()
            self.answered.clear()
            self.peak = self.in_flight


@pytest.fixture
def watched_factory(sandbox_factory: Callable[..., MagentoSandbox]) -> Callable[..., WatchedSandbox]:
    def make(orders: list[dict[str, Any]], **kwargs: Any) -> WatchedSandbox:
        sandbox = sandbox_factory(orders, WatchedSandbox, **kwargs)
        assert isinstance(sandbox, WatchedSandbox)
        return sandbox

    return make


def _page_threads() -> set[threading.Thread]:
    return {thread for thread in threading.enumerate() if thread.name.startswith("magento-page")}


def _settle(before: set[threading.Thread]) -> None:
    """Wait for every page request the client started since ``before`` to end: after that, the
    requests the server has seen are all there will be (the client starts them only while the
    caller asks for orders, each on its own daemon thread)."""
    for thread in _page_threads() - before:
        thread.join(timeout=PATIENCE)
        assert not thread.is_alive(), "a page request never ended"


@pytest.fixture(scope="module")
def ten_thousand(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MagentoSandbox]:
    """10,000 orders, every 7th one flagged, a few in another store."""
    db = tmp_path_factory.mktemp("big") / "magento.db"
    load_orders(
        db,
        (
            make_order(
                i,
                status="needs_attention" if i % 7 == 0 else "processing",
                store_id=2 if i % 1000 == 0 else 1,
            )
            for i in range(1, 10_001)
        ),
    )
    with MagentoSandbox(Path(db)) as sandbox:
        yield sandbox


def test_a_full_scan_makes_one_request_per_page(
    ten_thousand: MagentoSandbox, client_factory: ClientFactory
) -> None:
    client = client_factory(site_for(ten_thousand.url, magento_store_ids=(1, 2)))
    before = ten_thousand.requests_to("GET", "/V1/orders")
    progress: list[tuple[int, int]] = []
    orders = list(client.iter_orders((), progress=lambda done, total: progress.append((done, total))))
    assert [o.entity_id for o in orders] == list(range(1, 10_001))
    assert client.request_count == math.ceil(10_000 / 300) <= math.ceil(10_000 / 300) + 5
    assert ten_thousand.requests_to("GET", "/V1/orders") - before == client.request_count
    assert progress[-1] == (10_000, 10_000) and len(progress) == 34
    assert orders[0].items[0].sku == "SKU-1" and orders[0].payment_method == "checkmo"


def test_the_next_pages_are_requested_before_the_first_page_is_handed_out(
    watched_factory: Callable[..., WatchedSandbox], client_factory: ClientFactory
) -> None:
    """The caller works on the first page's orders while pages 2 to 5 are on their way."""
    sandbox = watched_factory(make_orders(1000))
    client = client_factory(site_for(sandbox.url, magento_page_size=100))  # 10 pages, 4 at once
    before = _page_threads()
    orders = client.iter_orders(())
    assert next(orders).entity_id == 1  # one order taken, 99 of the first page still unread
    sandbox.wait_for(lambda s: len(s.answered) >= 5)  # asked for while the caller holds order 1
    _settle(before)
    assert sandbox.asked[0] == 1 and sorted(sandbox.asked) == [1, 2, 3, 4, 5]  # as many as run at once
    orders.close()


def test_later_pages_are_parsed_on_their_own_threads(
    sandbox_factory: SandboxFactory, client_factory: ClientFactory, mocker: MockerFixture
) -> None:
    """The scan's thread only takes parsed orders; parsing pages 2 on is the page threads' work."""
    sandbox = sandbox_factory(make_orders(250))
    parsed_on: dict[int, str] = {}
    real_parse = client_module.parse_order

    def recording(obj: dict[str, Any]) -> MagentoOrder:
        order = real_parse(obj)
        parsed_on[order.entity_id] = threading.current_thread().name
        return order

    mocker.patch.object(client_module, "parse_order", recording)
    client = client_factory(site_for(sandbox.url, magento_page_size=100))
    assert [order.entity_id for order in client.iter_orders(())] == list(range(1, 251))
    assert {parsed_on[i] for i in range(1, 101)} == {threading.main_thread().name}  # page 1: awaited
    assert {parsed_on[i] for i in range(101, 251)} == {"magento-page"}


def test_a_prefetched_first_page_is_asked_for_once_and_used(
    watched_factory: Callable[..., WatchedSandbox], client_factory: ClientFactory
) -> None:
    """``prefetch_orders`` sends page 1 at once; the search it names then starts from it."""
    sandbox = watched_factory(make_orders(250))
    client = client_factory(site_for(sandbox.url, magento_page_size=100))
    before = _page_threads()
    client.prefetch_orders(())
    sandbox.wait_for(lambda s: s.answered == [1])  # before anyone asked for an order
    assert [order.entity_id for order in client.iter_orders(())] == list(range(1, 251))
    _settle(before)
    assert sorted(sandbox.asked) == [1, 2, 3]
    assert client.request_count == 3


def test_a_prefetch_of_another_search_is_not_taken_for_this_one(
    watched_factory: Callable[..., WatchedSandbox], client_factory: ClientFactory
) -> None:
    sandbox = watched_factory(make_orders(150) + make_orders(100, start=151, status="needs_attention"))
    client = client_factory(site_for(sandbox.url, magento_page_size=100))
    before = _page_threads()
    client.prefetch_orders([NEEDS_ATTENTION])
    assert len(list(client.iter_orders(()))) == 250
    assert [order.entity_id for order in client.iter_orders([NEEDS_ATTENTION])] == list(range(151, 251))
    _settle(before)
    assert sorted(sandbox.asked) == [1, 1, 2, 3]  # page 1 once per search; 100 orders fill 1 page


def test_a_prefetch_that_fails_fails_the_search_that_takes_it(
    sandbox_factory: SandboxFactory, client_factory: ClientFactory
) -> None:
    sandbox = sandbox_factory(make_orders(10))
    client = client_factory(site_for(sandbox.url, magento_token="not-the-token"))
    client.prefetch_orders(())  # nothing raised here: the request runs in the background
    with pytest.raises(MagentoAuthError):
        next(client.iter_orders(()))


def test_pages_in_flight_do_not_hold_the_process_open(tmp_path: Path, client_factory: ClientFactory) -> None:
    """A scan that stops (an error, Ctrl-C) exits at once; its page requests are daemon threads."""
    db = tmp_path / "magento.db"
    load_orders(db, (make_order(i) for i in range(1, 1_501)))
    with MagentoSandbox(db, latency_ms=1_500) as slow:
        client = client_factory(site_for(slow.url, magento_page_size=300))
        orders = client.iter_orders(())
        next(orders)
        orders.close()  # pages 2 to 5 are still on their way
        in_flight = [t for t in threading.enumerate() if t.name.startswith("magento-page")]
        assert in_flight and all(thread.daemon for thread in in_flight)
        for thread in in_flight:  # let them finish while the sandbox still answers
            thread.join(timeout=30)


@pytest.mark.parametrize("in_order", [True, False])
def test_a_late_page_holds_up_the_others_only_in_order(
    watched_factory: Callable[..., WatchedSandbox], client_factory: ClientFactory, in_order: bool
) -> None:
    """Page 2 answers last: in order it is still yielded second; otherwise after the pages that
    arrived first, and every order is still yielded exactly once."""
    sandbox = watched_factory(make_orders(500))
    client = client_factory(site_for(sandbox.url, magento_page_size=100, **OUTWAITS_A_HOLD), max_workers=4)
    sandbox.hold[2] = lambda s: False  # until let go
    orders = client.iter_orders((), in_order=in_order)
    ids = [next(orders).entity_id]  # page 1 is in; pages 2 to 5 are asked for
    if in_order:  # page 2 answers once 3 to 5 have been answered: it must still be yielded second
        sandbox.wait_for(lambda s: sorted(s.answered) == [1, 3, 4, 5])
        sandbox.let_go(2)
    for order in orders:  # otherwise it answers once the caller has had 400 orders: 1, 3, 4 and 5
        ids.append(order.entity_id)
        if len(ids) == 400:
            sandbox.let_go(2)
    assert sorted(ids) == list(range(1, 501))
    assert ids.index(101) == (100 if in_order else 400)
    assert sandbox.answered[-1] == 2


def test_filters_and_the_site_stores_are_applied(
    ten_thousand: MagentoSandbox, client_factory: ClientFactory
) -> None:
    client = client_factory(site_for(ten_thousand.url, magento_page_size=100))
    flagged = list(client.iter_orders([NEEDS_ATTENTION]))
    expected = [i for i in range(1, 10_001) if i % 7 == 0 and i % 1000 != 0]
    assert [o.entity_id for o in flagged] == expected
    assert {o.status for o in flagged} == {"needs_attention"} and {o.store_id for o in flagged} == {1}
    assert client.request_count == math.ceil(len(expected) / 100)


def test_pages_are_fetched_concurrently_but_a_bounded_number_ahead(
    watched_factory: Callable[..., WatchedSandbox], client_factory: ClientFactory
) -> None:
    """What a scan's speed comes from: max_workers page requests at the server at once, not one
    by one; and no more asked for ahead of the caller than that."""
    sandbox = watched_factory(make_orders(1000))
    client = client_factory(site_for(sandbox.url, magento_page_size=100, **OUTWAITS_A_HOLD), max_workers=3)
    sandbox.hold[None] = lambda s: s.peak >= 3  # nothing answered until three are in at once
    assert len(list(client.iter_orders(()))) == 1000
    assert sandbox.peak == 3 and sorted(sandbox.asked) == list(range(1, 11))

    sandbox.hold.clear()
    sandbox.forget()
    before = _page_threads()
    lazy = client.iter_orders(())
    for _ in range(101):  # page 1, and the first order of page 2
        next(lazy)
    _settle(before)
    assert sorted(sandbox.asked) == [1, 2, 3, 4, 5]  # page 1, the window, one refill: not all 10
    lazy.close()


def test_custom_fields_still_get_total_count(
    sandbox_factory: SandboxFactory, client_factory: ClientFactory
) -> None:
    sandbox = sandbox_factory(make_orders(7))
    client = client_factory(site_for(sandbox.url, magento_page_size=3))
    orders = list(client.iter_orders((), fields="items[entity_id,increment_id,status]"))
    assert [o.entity_id for o in orders] == list(range(1, 8)) and client.request_count == 3
    assert orders[0].increment_id == "100000001" and orders[0].items == () and orders[0].state == ""


def test_a_smaller_server_page_cap_is_adopted(
    sandbox_factory: SandboxFactory, client_factory: ClientFactory
) -> None:
    sandbox = sandbox_factory(make_orders(250), max_page_size=100)
    notes: list[str] = []
    client = client_factory(site_for(sandbox.url), trace=notes.append)
    assert len(list(client.iter_orders(()))) == 250
    assert client.request_count == 1 + 3  # the refused 300, then three pages of 100
    assert any("caps pages at 100" in note for note in notes)


class CappingProxy(MagentoSandbox):
    """The sandbox behind something that serves at most 100 orders a page without saying so
    (an extension or a proxy rewriting pageSize): ``total_count`` still counts them all."""

    def handle(self, handler: Any) -> None:
        handler.path = re.sub(r"(searchCriteria(%5B|\[)pageSize(%5D|\]))=\d+", r"\1=100", handler.path)
        super().handle(handler)


def test_a_page_cut_short_in_front_of_magento_is_paged_by_what_it_serves(
    sandbox_factory: SandboxFactory, client_factory: ClientFactory
) -> None:
    """A short first page that counts more orders than it holds: every order all the same
    (paging on by 300 read 100 of 250 and said nothing)."""
    sandbox = sandbox_factory(make_orders(250), CappingProxy)
    notes: list[str] = []
    client = client_factory(site_for(sandbox.url), trace=notes.append)
    assert [o.entity_id for o in client.iter_orders(())] == list(range(1, 251))
    assert client.request_count == 3
    assert any("Magento sent 100 orders on a page of 300 while it counts 250" in note for note in notes)


class PageOneCache(MagentoSandbox):
    """The sandbox behind a cache that keys on the path alone: every page asked for is page 1."""

    def handle(self, handler: Any) -> None:
        handler.path = re.sub(r"(searchCriteria(%5B|\[)currentPage(%5D|\]))=\d+", r"\1=1", handler.path)
        super().handle(handler)


class EndlessCount(MagentoSandbox):
    """The sandbox behind a front that serves 10 orders a page but counts a hundred billion."""

    def handle(self, handler: Any) -> None:
        handler.path = re.sub(r"(searchCriteria(%5B|\[)pageSize(%5D|\]))=\d+", r"\1=10", handler.path)
        send = handler.send

        def inflated(status: int, data: bytes, *args: Any, **kwargs: Any) -> None:
            body = json.loads(data) if status == 200 else None
            if isinstance(body, dict) and "total_count" in body:
                data = json.dumps({**body, "total_count": 100_000_000_000}).encode()
            send(status, data, *args, **kwargs)

        handler.send = inflated
        super().handle(handler)


@pytest.mark.parametrize(
    ("front", "served"),
    [(PageOneCache, "of the 250 orders"), (EndlessCount, "of the 100,000,000,000 orders")],
)
def test_pages_that_repeat_earlier_ones_stop_the_scan_with_an_error(
    sandbox_factory: SandboxFactory, client_factory: ClientFactory, front: type[MagentoSandbox], served: str
) -> None:
    """A full page of orders all seen before: paging on would end with a scan that looks complete
    (100 of 250 orders, exit 0) or never end; it is an error saying what to check."""
    sandbox = sandbox_factory(make_orders(250), front)
    client = client_factory(site_for(sandbox.url, magento_page_size=100))
    yielded: list[int] = []
    with pytest.raises(MagentoServerError) as raised:
        yielded.extend(order.entity_id for order in client.iter_orders(()))
    assert "orders of earlier pages only" in raised.value.message and served in raised.value.message
    assert "currentPage" in (raised.value.hint or "")
    assert len(yielded) == len(set(yielded)) and client.request_count < 40


def test_orders_changing_mid_scan_are_never_yielded_twice(
    sandbox_factory: SandboxFactory, client_factory: ClientFactory
) -> None:
    """Three early orders start matching after page 1: page 2 shifts and repeats page 1's tail."""
    sandbox = sandbox_factory(
        [make_order(i, status="needs_attention" if i > 3 else "processing") for i in range(1, 21)],
        magento_version="2.4.6",
    )
    client = client_factory(site_for(sandbox.url, magento_page_size=5), max_workers=1)

    def flag_early_orders(done: int, total: int) -> None:
        if done == 5:
            for entity_id in (1, 2, 3):
                sandbox.store.add_comment(entity_id, {"comment": "x", "status": "needs_attention"}, "2.4.6")

    seen = [o.entity_id for o in client.iter_orders([NEEDS_ATTENTION], progress=flag_early_orders)]
    assert len(seen) == len(set(seen))
    assert seen[:5] == [4, 5, 6, 7, 8]
    assert client.request_count == math.ceil(17 / 5)  # stops by the first page's total_count


def test_lookups(sandbox_factory: SandboxFactory, client_factory: ClientFactory) -> None:
    history = {
        "entity_id": 9,
        "parent_id": 2,
        "comment": "Imported",
        "status": "processing",
        "created_at": "2025-06-02 10:00:00",
        "is_customer_notified": 0,
        "is_visible_on_front": 0,
    }
    sandbox = sandbox_factory(
        [
            make_order(1),
            make_order(2, status="processing", status_histories=[history]),
            make_order(3, store_id=5, increment_id="100000002"),
            make_order(4, store_id=2, increment_id="X-1"),
            make_order(5, store_id=1, increment_id="X-1"),
        ]
    )
    client = client_factory(site_for(sandbox.url))
    found = client.find_order("100000002")
    assert found is not None and found.entity_id == 2  # store 5 is not the site's
    assert found.status_histories[0].comment == "Imported"
    assert client.find_order("100000999") is None
    assert client.get_order(2).increment_id == "100000002"
    assert [c.comment for c in client.get_comments(2)] == ["Imported"]
    with pytest.raises(MagentoNotFound, match="doesn't exist"):
        client.get_order(99)
    both_stores = client_factory(site_for(sandbox.url, magento_store_ids=(1, 2)))
    with pytest.raises(AmbiguousOrder, match="X-1"):
        both_stores.find_order("X-1")
    assert client.magento_version() == "Magento/2.4 (Community)"
    client.check_auth()
