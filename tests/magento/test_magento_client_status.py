"""``set_status``: the comment goes with the status, then the order is read back, per Magento build."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from magento_factory import make_order, site_for

from c5attn.errors import MagentoValidationError
from c5attn.magento.client import MagentoClient
from c5attn.sandbox.magento_server import MagentoSandbox

ClientFactory = Callable[..., MagentoClient]
SandboxFactory = Callable[..., MagentoSandbox]


def _setup(
    sandbox_factory: SandboxFactory, client_factory: ClientFactory, version: str
) -> tuple[MagentoSandbox, MagentoClient]:
    sandbox = sandbox_factory(
        [make_order(1, status="needs_attention"), make_order(2, status="pending")], magento_version=version
    )
    return sandbox, client_factory(site_for(sandbox.url))


def test_current_build_applies_a_status_of_the_same_state(
    sandbox_factory: SandboxFactory, client_factory: ClientFactory
) -> None:
    _, client = _setup(sandbox_factory, client_factory, "2.4.8")
    change = client.set_status(client.get_order(1), "in_counterpoint", "c5attn: resolved [fp:abc]")
    assert (change.before, change.after, change.applied) == ("needs_attention", "in_counterpoint", True)
    assert change.message == "order 100000001: status needs_attention → in_counterpoint; comment added"
    (entry,) = client.get_comments(1)
    assert entry.comment == "c5attn: resolved [fp:abc]" and entry.is_customer_notified == 0


def test_current_build_refuses_another_states_status(
    sandbox_factory: SandboxFactory, client_factory: ClientFactory
) -> None:
    _, client = _setup(sandbox_factory, client_factory, "2.4.8")
    with pytest.raises(
        MagentoValidationError, match=r'refused status "complete".*state "processing"'
    ) as caught:
        client.set_status(client.get_order(1), "complete", "c5attn: resolved")
    assert "processing: processing, in_counterpoint, needs_attention" in (caught.value.hint or "")
    assert "nothing was changed" in caught.value.message
    assert client.get_comments(1) == [] and client.get_order(1).status == "needs_attention"


def test_ga_2_4_7_ignores_the_status_and_says_so(
    sandbox_factory: SandboxFactory, client_factory: ClientFactory
) -> None:
    _, client = _setup(sandbox_factory, client_factory, "2.4.7")
    change = client.set_status(client.get_order(1), "in_counterpoint", "c5attn: resolved")
    assert (change.after, change.applied) == ("needs_attention", False)
    assert "kept status 'needs_attention'" in change.message and "2.4.7" in change.message
    assert [c.comment for c in client.get_comments(1)] == ["c5attn: resolved"]


def test_a_state_magento_moved_the_order_to_on_saving_is_named_not_blamed_on_2_4_7(
    sandbox_factory: SandboxFactory, client_factory: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Saving an order runs Magento's state check: a processing order with nothing left to invoice
    or ship goes to complete, whatever status the comment carried."""
    sandbox, client = _setup(sandbox_factory, client_factory, "2.4.8")
    add_comment = sandbox.store.add_comment

    def add_comment_then_check_state(entity_id: int, history: Any, version: Any) -> None:
        add_comment(entity_id, history, version)
        sandbox.store._modify(entity_id, lambda order, _: order.update(state="complete", status="complete"))

    monkeypatch.setattr(sandbox.store, "add_comment", add_comment_then_check_state)
    change = client.set_status(client.get_order(1), "in_counterpoint", "c5attn: resolved")
    assert (change.after, change.applied) == ("complete", False)
    assert "moved the order from state 'processing' to 'complete' (status 'complete')" in change.message
    assert "2.4.7" not in change.message


def test_2_4_6_accepts_any_status(sandbox_factory: SandboxFactory, client_factory: ClientFactory) -> None:
    _, client = _setup(sandbox_factory, client_factory, "2.4.6")
    change = client.set_status(client.get_order(2), "complete", "forced")
    assert change.applied and change.after == "complete"


def test_same_status_and_customer_notification(
    sandbox_factory: SandboxFactory,
    client_factory: ClientFactory,
) -> None:
    sandbox, client = _setup(sandbox_factory, client_factory, "2.4.8")
    change = client.set_status(client.get_order(2), "pending", "told the shopper", notify=True)
    assert change.applied and change.message == "order 100000002: status stays pending; comment added"
    stored = sandbox.store.get_order(2)["status_histories"][0]
    assert (stored["is_customer_notified"], stored["is_visible_on_front"]) == (1, 1)
