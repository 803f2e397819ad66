"""A write that fails on Magento's side is recorded as ``failed`` in the audit log, with the
status it left unchanged, and the command says so with its exit code: through the real CLI,
against the sandbox with injected faults."""

from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import suppress
from typing import Any

import pytest
from reliability_kit import (
    FLAG_MARK,
    Shop,
    World,
    assert_clear_error,
    audit_entries,
    comment_counts,
    magento_orders,
    write_command,
)

from c5attn.counterpoint.store import CounterpointStore
from c5attn.errors import CounterpointError
from c5attn.magento.client import RetryPolicy
from c5attn.sandbox.magento_server import MagentoSandbox
from c5attn.sandbox.magento_store import SandboxError

ATTEMPTS = RetryPolicy().max_attempts  # a read is tried this many times before it fails
RESOLVE_MARK = "[c5attn:resolved"


@pytest.fixture
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retries without their waits: these tests are about what is recorded after them."""
    monkeypatch.setattr(RetryPolicy, "backoff", lambda self, attempt, rng: 0.0)


class FirstOrderReadFails(MagentoSandbox):
    """Answers the first read of one order (``GET /V1/orders/{id}``) with 503 as often as the
    client tries it. In ``scan --apply`` that is the re-read before the first flag is written."""

    failed_entity: int | None = None

    def handle(self, handler: Any) -> None:
        read = re.search(r"/V1/orders/(\d+)$", handler.path.split("?")[0])
        if handler.command == "GET" and read and self.failed_entity is None:
            self.failed_entity = int(read.group(1))
            self.fail_next(*["503"] * ATTEMPTS, method="GET")
        super().handle(handler)


def _story(home: Any, number: str) -> list[tuple[str, str]]:
    return [(e["action"], e["result"]) for e in audit_entries(home) if e["order"] == number]


def test_a_flag_whose_re_read_fails_is_logged_failed_and_the_others_go_on(
    open_shop: Callable[..., Shop], small_world: World, no_backoff: None
) -> None:
    shop = open_shop(small_world, FirstOrderReadFails)
    run = shop.run("scan", "--all", "--apply", "--yes")
    assert shop.server.failed_entity is not None
    by_entity = {int(o["entity_id"]): o for o in magento_orders(shop.magento_db)}
    number = str(by_entity[shop.server.failed_entity]["increment_id"])
    assert_clear_error(
        run, 3, "1 of ", "flags failed", number, "reading order id", "HTTP 503", "run the same command"
    )
    assert f"FAILED {number} (shop): " in run.stderr and f"flags failed: {number} (shop): " in run.stderr

    entries = [e for e in audit_entries(shop.home) if e["order"] == number]
    assert [(e["action"], e["result"]) for e in entries] == [("flag", "failed")]  # never "started"
    status = by_entity[shop.server.failed_entity]["status"]
    assert entries[0]["before"] == entries[0]["after"] and entries[0]["before"]["status"] == status
    assert entries[0]["message"].startswith("re-reading the order before flagging it failed")
    assert status != "needs_attention" and number not in comment_counts(shop.magento_db, FLAG_MARK)

    others = {e["order"] for e in audit_entries(shop.home)} - {number}
    assert others and all(
        _story(shop.home, other) == [("flag", "started"), ("flag", "ok")] for other in others
    )

    again = shop.run("scan", "--all", "--apply", "--yes")  # as the hint says: the rest is not repeated
    assert again.exit_code == 0, again.stderr
    assert _story(shop.home, number) == [("flag", "failed"), ("flag", "started"), ("flag", "ok")]
    assert set(comment_counts(shop.magento_db, FLAG_MARK).values()) == {1}


def test_a_resolve_whose_write_fails_is_logged_failed_and_exits_1(shop: Shop) -> None:
    queue = shop.run("list", "--json")
    assert queue.exit_code == 0 and queue.json(), queue.stderr
    number = str(queue.json()[0]["order"])
    shop.server.fail_next("drop", method="POST")  # the comment's POST: the connection closes unanswered
    run = shop.run("resolve", number, "--yes")
    assert_clear_error(run, 1, number, "the comment was NOT added", "nothing changed: try again")

    entries = [e for e in audit_entries(shop.home) if e["order"] == number]
    assert [(e["action"], e["result"]) for e in entries] == [("resolve", "started"), ("resolve", "failed")]
    failed = entries[-1]
    assert failed["before"] == failed["after"] and failed["before"]["status"] == "needs_attention"
    assert "the comment was NOT added" in failed["message"]
    order = next(o for o in magento_orders(shop.magento_db) if str(o["increment_id"]) == number)
    assert order["status"] == "needs_attention" and number not in comment_counts(
        shop.magento_db, RESOLVE_MARK
    )


@pytest.mark.parametrize("write", ["dismiss-error", "resolve --dismiss-error"])
def test_a_dismissal_whose_read_back_fails_says_it_was_made(
    shop: Shop, monkeypatch: pytest.MonkeyPatch, write: str
) -> None:
    """The dismissal committed, then reading the errors back failed (the database busy): it said
    "error: the Counterpoint database is busy", exit 1 (for resolve: "dismissing ... failed"), and
    left the audit log at "started", while the errors were dismissed."""
    args = write_command(shop, write)
    number = args[1]
    dismiss_errors, open_errors = CounterpointStore.dismiss_errors, CounterpointStore.open_errors
    committed: list[str] = []

    def dismiss_then_remember(self: CounterpointStore, *args: Any, **kwargs: Any) -> None:
        dismiss_errors(self, *args, **kwargs)
        committed.append(number)

    def busy_once_committed(self: CounterpointStore, order_no: str) -> Any:
        if committed:
            raise CounterpointError("the Counterpoint database is busy (locked)", "try again in a moment")
        return open_errors(self, order_no)

    monkeypatch.setattr(CounterpointStore, "dismiss_errors", dismiss_then_remember)
    monkeypatch.setattr(CounterpointStore, "open_errors", busy_once_committed)
    run = shop.run(*args)
    monkeypatch.undo()

    assert_clear_error(
        run,
        3,
        f"order {number}: ",
        "its Counterpoint errors were dismissed, but reading them back failed: the Counterpoint database "
        "is busy (locked)",
        f"hint: see whether any is still open with: c5attn --site shop dismiss-error {number}",
    )
    if write.startswith("resolve"):
        assert "status needs_attention → processing, resolution comment added; its Counterpoint" in run.stderr
    assert _story(shop.home, number)[-2:] == [("dismiss-error", "started"), ("dismiss-error", "unknown")]
    finish = shop.run("dismiss-error", number, "--yes")  # as the hint says: none open, settled
    assert finish.exit_code == 0 and "an earlier dismissal" in finish.stderr, finish.stderr
    assert _story(shop.home, number)[-1] == ("dismiss-error", "ok")


class HeldWhileThePlanWaits(MagentoSandbox):
    """A colleague puts the first order about to be flagged that can be held on hold just before
    c5attn re-reads it: an order changed between the scan (the plan confirmed) and its flag."""

    held_entity: int | None = None

    def handle(self, handler: Any) -> None:
        read = re.search(r"/V1/orders/(\d+)$", handler.path.split("?")[0])
        if handler.command == "GET" and read and self.held_entity is None:
            with suppress(SandboxError):  # a canceled or complete order cannot be held
                self.store.hold(int(read.group(1)))
                self.held_entity = int(read.group(1))
        super().handle(handler)


def test_an_order_changed_since_the_scan_is_not_flagged_on_the_scans_evidence(
    open_shop: Callable[..., Shop], small_world: World
) -> None:
    """It was: status holded → needs_attention, over the colleague's hold, with the plan the
    operator confirmed saying "status processing → needs_attention"."""
    shop = open_shop(small_world, HeldWhileThePlanWaits)
    run = shop.run("scan", "--all", "--apply", "--yes")
    held = shop.server.held_entity
    assert held is not None
    order = next(o for o in magento_orders(shop.magento_db) if o["entity_id"] == held)
    number = str(order["increment_id"])
    assert_clear_error(run, 3, "1 of ", "flags failed", f"{number} (shop): changed since the scan (status ")
    assert f"order {number} changed" not in run.stderr  # the number once, as the outcome's label
    assert " → holded): not flagged on the scan's evidence" in run.stderr  # its comments did not change
    assert order["status"] == "holded" and number not in comment_counts(shop.magento_db, FLAG_MARK)
    entries = [e for e in audit_entries(shop.home) if e["order"] == number]
    assert [(e["action"], e["result"]) for e in entries] == [("flag", "refused")]
    assert entries[0]["before"] == entries[0]["after"] == {"state": "holded", "status": "holded"}
    others = {e["order"] for e in audit_entries(shop.home)} - {number}
    assert others and all(
        _story(shop.home, other) == [("flag", "started"), ("flag", "ok")] for other in others
    )


class ProxyAnswersWrites(MagentoSandbox):
    """Something in front of Magento (a login or maintenance page) answers every POST with a 200
    web page, and Magento never sees it."""

    def handle(self, handler: Any) -> None:
        if handler.command != "POST":
            super().handle(handler)
            return
        handler.rfile.read(int(handler.headers.get("Content-Length") or 0))
        handler.send(200, b"<!doctype html><html><body>Please sign in</body></html>", "text/html")


def test_a_write_answered_by_a_page_that_is_not_magentos_is_checked_not_believed(
    open_shop: Callable[..., Shop], small_world: World
) -> None:
    """The 200 was taken for the write: resolve said "the resolution comment was added; set the
    status in the Magento admin" (exit 3, audit not-applied) while nothing was written."""
    shop = open_shop(small_world, ProxyAnswersWrites)
    number = str(shop.run("list", "--json").json()[0]["order"])
    run = shop.run("resolve", number, "--yes")
    assert_clear_error(
        run, 1, "Magento answered HTTP 200 with an HTML page; the comment was NOT added (checked by reading"
    )
    assert "hint: the server answered an HTML page, not Magento's REST JSON: check magento_url" in run.stderr
    assert _story(shop.home, number) == [("resolve", "started"), ("resolve", "failed")]
    assert number not in comment_counts(shop.magento_db, RESOLVE_MARK)
