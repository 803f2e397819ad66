"""Retries: reads retry transient failures with capped backoff; writes never blindly re-POST."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import pytest
from magento_factory import make_order, make_orders, site_for

from c5attn.errors import (
    ExitCode,
    MagentoConnectionError,
    MagentoServerError,
    StatusUnverified,
    WriteUnverified,
)
from c5attn.magento.client import MagentoClient, RetryPolicy
from c5attn.sandbox.magento_server import MagentoSandbox

ClientFactory = Callable[..., MagentoClient]
SandboxFactory = Callable[..., MagentoSandbox]


def test_backoff_is_capped_exponential_with_jitter() -> None:
    policy = RetryPolicy(backoff_base=0.5, backoff_cap=4.0)
    rng = random.Random(1)
    for attempt, ceiling in [(1, 0.5), (2, 1.0), (3, 2.0), (4, 4.0), (9, 4.0)]:
        waits = [policy.backoff(attempt, rng) for _ in range(50)]
        assert all(ceiling / 2 <= wait <= ceiling for wait in waits)
        assert len(set(waits)) > 1


def test_reads_retry_5xx_drops_and_garbled_answers(
    sandbox_factory: SandboxFactory, client_factory: ClientFactory
) -> None:
    sandbox = sandbox_factory(make_orders(3))
    sleeps: list[float] = []
    client = client_factory(site_for(sandbox.url), sleep=sleeps.append, retry=RetryPolicy(max_attempts=5))
    sandbox.fail_next("503", "drop", "badjson", "504")
    assert client.get_order(2).entity_id == 2
    assert client.request_count == 5 and len(sleeps) == 4
    assert all(0 < wait <= RetryPolicy().backoff_cap for wait in sleeps)


def test_429_honours_retry_after(sandbox_factory: SandboxFactory, client_factory: ClientFactory) -> None:
    sandbox = sandbox_factory(make_orders(1))
    sleeps: list[float] = []
    client = client_factory(site_for(sandbox.url), sleep=sleeps.append)
    sandbox.fail_next("429")
    client.get_order(1)
    assert sleeps == [1.0]  # the sandbox sends Retry-After: 1


def test_retries_stop_after_max_attempts(
    sandbox_factory: SandboxFactory, client_factory: ClientFactory
) -> None:
    sandbox = sandbox_factory(make_orders(1))
    client = client_factory(site_for(sandbox.url), retry=RetryPolicy(max_attempts=3))
    sandbox.fail_next("503", "503", "503", "503")
    with pytest.raises(MagentoServerError, match="HTTP 503") as caught:
        client.get_order(1)
    assert caught.value.status == 503 and client.request_count == 3


def test_a_scan_under_random_faults_returns_the_same_orders(
    sandbox_factory: SandboxFactory, client_factory: ClientFactory
) -> None:
    sandbox = sandbox_factory(
        make_orders(600), faults="503:0.1,429:0.05,drop:0.05,badjson:0.05,502:0.05", seed=3
    )
    client = client_factory(site_for(sandbox.url, magento_page_size=50), retry=RetryPolicy(max_attempts=8))
    assert [o.entity_id for o in client.iter_orders(())] == list(range(1, 601))
    assert client.request_count > 12  # some pages needed retries


def test_a_refused_post_is_not_retried(
    sandbox_factory: SandboxFactory, client_factory: ClientFactory
) -> None:
    sandbox = sandbox_factory([make_order(1, status="processing")])
    client = client_factory(site_for(sandbox.url))
    sandbox.fail_next("503", method="POST")
    with pytest.raises(WriteUnverified):  # not on the order when read back, but a 5xx: may be saving
        client.add_comment(1, "run 42: checked")
    assert sandbox.requests_to("POST", "/comments") == 1
    assert client.get_comments(1) == []


def test_a_dropped_post_is_checked_and_reported_as_not_added(
    sandbox_factory: SandboxFactory, client_factory: ClientFactory
) -> None:
    sandbox = sandbox_factory([make_order(1, status="processing")])
    client = client_factory(site_for(sandbox.url))
    sandbox.fail_next("drop", method="POST")  # the sandbox drops a POST before saving anything
    with pytest.raises(MagentoConnectionError, match="NOT added") as caught:
        client.add_comment(1, "run 42: checked")
    assert caught.value.hint == "nothing changed: try again"
    assert sandbox.requests_to("POST", "/comments") == 1
    assert sandbox.requests_to("GET", "/comments") == 2  # before the POST, and the read-back


def test_a_late_answer_to_a_post_that_landed_is_not_reposted(
    sandbox_factory: SandboxFactory, client_factory: ClientFactory
) -> None:
    sandbox = sandbox_factory([make_order(1, status="processing")], slow_seconds=1.0)
    notes: list[str] = []
    client = client_factory(site_for(sandbox.url, magento_timeout_seconds=0.4), trace=notes.append)
    sandbox.fail_next("slow", method="POST")  # a slow POST is saved first, then answered late
    client.add_comment(1, "run 43: checked")
    assert [c.comment for c in client.get_comments(1)] == ["run 43: checked"]
    assert sandbox.requests_to("POST", "/comments") == 1
    assert any("it landed" in note for note in notes)


class ProxyAnswersCommentReads(MagentoSandbox):
    """Once a comment is posted, something in front of Magento answers the comment reads with a JSON
    200 of its own: no ``items``, so no list of comments at all."""

    posted = False

    def handle(self, handler: Any) -> None:
        self.posted = self.posted or handler.command == "POST"
        if self.posted and handler.command == "GET" and handler.path.split("?")[0].endswith("/comments"):
            handler.send(200, b'{"status":"ok"}', "application/json")
            return
        super().handle(handler)


def test_a_read_back_answered_without_magentos_comment_list_cannot_tell(
    sandbox_factory: SandboxFactory, client_factory: ClientFactory
) -> None:
    """It counted no comments in that answer and said "the comment was NOT added (checked by reading
    the order back)" and "nothing changed: try again", while Magento had saved it: a retry doubles it."""
    sandbox = sandbox_factory(
        [make_order(1, status="processing")], server_class=ProxyAnswersCommentReads, slow_seconds=1.0
    )
    client = client_factory(site_for(sandbox.url, magento_timeout_seconds=0.4))
    sandbox.fail_next("slow", method="POST")  # saved, then answered too late
    with pytest.raises(WriteUnverified, match="could not tell whether the comment was added") as caught:
        client.add_comment(1, "run 48: checked")
    assert "Magento's answer has no list of comments" in str(caught.value.__cause__)
    assert [h["comment"] for h in sandbox.store.comments(1)] == ["run 48: checked"]


@pytest.mark.parametrize(
    ("fault", "posts"),
    [("429", 2), ("gateway", 1)],
    ids=["429: refused before processing, sent again", "504 after it landed: read back, not re-posted"],
)
def test_a_write_lands_once_whatever_the_answer_to_it(
    sandbox_factory: SandboxFactory, client_factory: ClientFactory, fault: str, posts: int
) -> None:
    """A 429 is refused before it is processed: sent again after Retry-After. A proxy's 504 may come
    after Magento saved: the comment is checked, never posted twice."""
    sandbox = sandbox_factory([make_order(1, status="processing")])
    notes: list[str] = []
    sleeps: list[float] = []
    client = client_factory(site_for(sandbox.url), trace=notes.append, sleep=sleeps.append)
    sandbox.fail_next(fault, method="POST")
    client.add_comment(1, "run 44: checked")
    assert [c.comment for c in client.get_comments(1)] == ["run 44: checked"]
    assert sandbox.requests_to("POST", "/comments") == posts
    if fault == "429":
        assert sleeps == [1.0]  # the sandbox sends Retry-After: 1
    else:
        assert any("it landed" in note for note in notes)


@pytest.mark.parametrize("status", ["500", "502", "503", "504"])
def test_a_5xx_to_a_post_not_on_the_order_when_read_back_says_so_cautiously(
    sandbox_factory: SandboxFactory, client_factory: ClientFactory, status: str
) -> None:
    sandbox = sandbox_factory([make_order(1, status="processing")])
    client = client_factory(site_for(sandbox.url))
    sandbox.fail_next(status, method="POST")  # answered before any processing
    with pytest.raises(WriteUnverified, match="not on the order when read back") as caught:
        client.add_comment(1, "run 45: checked")
    assert "may still be saving it" in (caught.value.hint or "")  # a proxy's 504: Magento may go on
    assert caught.value.exit_code == ExitCode.PARTIAL and caught.value.status == int(status)
    assert sandbox.requests_to("POST", "/comments") == 1
    assert sandbox.requests_to("GET", "/comments") == 2  # before the POST, and the read-back


def test_a_lost_answer_whose_read_back_fails_too_is_unverified_not_failed(
    sandbox_factory: SandboxFactory, client_factory: ClientFactory
) -> None:
    """The POST may have landed: "failed" would tell the operator nothing was written."""
    sandbox = sandbox_factory([make_order(1, status="processing")])

    def after_the_post_reads_fail(line: str) -> None:
        if line.startswith("POST"):
            sandbox.fail_next("500", method="GET")

    client = client_factory(
        site_for(sandbox.url), retry=RetryPolicy(max_attempts=1), trace=after_the_post_reads_fail
    )
    sandbox.fail_next("gateway", method="POST")  # saved, then a proxy's 504
    with pytest.raises(WriteUnverified, match="could not tell whether the comment was added") as caught:
        client.add_comment(1, "run 47: checked")
    assert caught.value.exit_code == ExitCode.PARTIAL
    assert [c.comment for c in client.get_comments(1)] == ["run 47: checked"]


def test_a_failed_read_back_after_a_status_write_says_the_comment_was_added(
    sandbox_factory: SandboxFactory, client_factory: ClientFactory
) -> None:
    sandbox = sandbox_factory([make_order(1, state="processing", status="processing")])

    def after_the_post_reads_fail(line: str) -> None:
        if line.startswith("POST"):
            sandbox.fail_next("500", method="GET")

    client = client_factory(
        site_for(sandbox.url), retry=RetryPolicy(max_attempts=1), trace=after_the_post_reads_fail
    )
    order = client.get_order(1)
    with pytest.raises(StatusUnverified) as caught:
        client.set_status(order, "needs_attention", "run 46: resolved")
    assert "the comment was added" in caught.value.message and "unknown" in caught.value.message
    assert "Magento admin before running this again" in (caught.value.hint or "")
    assert [c.comment for c in client.get_comments(1)] == ["run 46: resolved"]
