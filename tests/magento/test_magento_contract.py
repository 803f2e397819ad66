"""Contract tests: the sandbox's answers against Adobe's 2.4.8 schema definitions.

The schema subset is the sandbox's own ``magento_swagger_subset.json`` (see
``c5attn.sandbox.magento_schema``; the sandbox shapes its answers by it, too). In that
schema "required" means "always emitted": a required key must be present, and may be null only
where Magento itself sends null (SOURCES.md). Present keys must have the schema's type, and keys
the schema does not know are reported too. One documented deviation: the schema says an error's
``parameters`` is a list of objects, while Magento really sends a list of strings or an object.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests
from magento_factory import make_item, make_order

from c5attn.magento.search import Filter, FilterGroup, SearchCriteria
from c5attn.sandbox.magento_schema import SUBSET_PATH
from c5attn.sandbox.magento_server import MagentoSandbox

FIXTURES = Path(__file__).parent / "fixtures"
SCHEMA = json.loads(SUBSET_PATH.read_text(encoding="utf-8"))["definitions"]
TOKEN = {"Authorization": "Bearer sandbox-token"}
_TYPES: dict[str, Callable[[Any], bool]] = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "array": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
}


def violations(value: Any, schema: dict[str, Any], path: str = "$") -> list[str]:
    """Every way ``value`` breaks ``schema`` (type of present keys, required keys, unknown keys)."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name == "error-parameters":  # the documented deviation, see the module docstring
            ok = isinstance(value, dict) or (
                isinstance(value, list) and all(isinstance(v, str) for v in value)
            )
            return [] if ok else [f"{path}: parameters must be a list of strings or an object"]
        return violations(value, SCHEMA[name], path)
    kind = schema.get("type", "object")
    if not _TYPES[kind](value):
        return [f"{path}: expected {kind}, got {type(value).__name__}"]
    problems: list[str] = []
    if kind == "array":
        for index, element in enumerate(value):
            problems += violations(element, schema.get("items", {}), f"{path}[{index}]")
    elif kind == "object" and "properties" in schema:
        properties = schema["properties"]
        problems += [
            f"{path}: required {key!r} missing" for key in schema.get("required", ()) if key not in value
        ]
        for key, item in value.items():
            if key not in properties:
                problems.append(f"{path}: {key!r} is not in the schema")
            elif item is None:
                if key not in schema.get("required", ()):
                    problems.append(f"{path}.{key}: null is sent only for required keys")
            else:
                problems += violations(item, properties[key], f"{path}.{key}")
    return problems


def check(value: Any, definition: str) -> None:
    assert violations(value, SCHEMA[definition]) == []


@pytest.fixture
def sandbox(sandbox_factory: Callable[..., MagentoSandbox]) -> MagentoSandbox:
    published = json.loads((FIXTURES / "order-get-response.json").read_text(encoding="utf-8"))
    shipped = make_item(51, "BOX", qty=3, qty_invoiced=3, qty_shipped=2, qty_refunded=1)
    configurable = make_item(52, "CFG-RED", product_type="configurable")
    child = make_item(
        53, "CFG-RED", price=0, parent_item_id=52, parent_item={"item_id": 52, "sku": "CFG-RED"}
    )
    return sandbox_factory(
        [
            published,
            make_order(
                5,
                status="processing",
                items=[shipped, configurable, child],
                total_invoiced=31.5,
                total_paid=31.5,
                total_refunded=10.5,
            ),
            make_order(6, status="needs_attention"),
        ]
    )


def get(sandbox: MagentoSandbox, path: str, params: dict[str, str] | None = None) -> requests.Response:
    return requests.get(f"{sandbox.url}/rest/default/V1{path}", params=params, headers=TOKEN, timeout=10)


def test_the_checker_catches_schema_breaks() -> None:
    order = SCHEMA["sales-data-order-interface"]
    assert violations(
        {"grand_total": "1", "base_grand_total": 1, "customer_email": "a", "items": []}, order
    ) == ["$.grand_total: expected number, got str"]
    assert "$: required 'items' missing" in violations({"grand_total": 1}, order)
    assert violations({"message": 5}, SCHEMA["error-response"]) == ["$.message: expected string, got int"]


def test_order_search_result(sandbox: MagentoSandbox) -> None:
    criteria = SearchCriteria([FilterGroup([Filter("entity_id", "0", "gt")])], page_size=10, current_page=1)
    body = get(sandbox, "/orders", criteria.to_params()).json()
    assert body["total_count"] == 3
    check(body, "sales-data-order-search-result-interface")


def test_single_order_and_comments_after_a_write(sandbox: MagentoSandbox) -> None:
    history = {"parent_id": 6, "comment": "checked", "is_customer_notified": 0, "is_visible_on_front": 0}
    posted = requests.post(
        f"{sandbox.url}/rest/default/V1/orders/6/comments",
        json={"statusHistory": history},
        headers=TOKEN,
        timeout=10,
    )
    assert posted.json() is True
    for order_id in (3, 5, 6):
        check(get(sandbox, f"/orders/{order_id}").json(), "sales-data-order-interface")
    comments = get(sandbox, "/orders/6/comments").json()
    assert comments["total_count"] == 1
    check(comments, "sales-data-order-status-history-search-result-interface")


def test_required_members_without_a_value_are_sent_as_null(
    sandbox_factory: Callable[..., MagentoSandbox],
) -> None:
    """Magento sends a schema-required member whose getter returns null as ``null`` and leaves an
    optional one out, at any depth (SOURCES.md)."""
    address = {
        "address_type": "shipping",
        "city": "Dublin",
        "country_id": "IE",
        "firstname": "A",
        "lastname": "B",
        "postcode": None,  # required
        "telephone": None,  # required
        "region": None,  # optional
        "street": ["1 Main St"],
    }
    history = {
        "entity_id": 5,
        "parent_id": 1,
        "comment": None,  # required
        "is_customer_notified": None,  # required
        "is_visible_on_front": 0,
        "status": "processing",
        "created_at": "2025-06-01 10:00:00",
        "entity_name": None,  # optional
    }
    assignment = {"shipping": {"address": address, "method": "flatrate_flatrate"}, "items": []}
    order = make_order(
        1,
        status="processing",
        customer_email=None,  # required
        customer_note=None,  # optional
        billing_address={**address, "address_type": "billing"},
        status_histories=[history],
        extension_attributes={"shipping_assignments": [assignment]},
    )
    body = get(sandbox_factory([order]), "/orders/1").json()
    shipping_address = body["extension_attributes"]["shipping_assignments"][0]["shipping"]["address"]
    for sent in (body["billing_address"], shipping_address):
        assert sent["postcode"] is None and sent["telephone"] is None and "region" not in sent
    (entry,) = body["status_histories"]
    assert entry["comment"] is None and entry["is_customer_notified"] is None
    assert "entity_name" not in entry
    assert body["customer_email"] is None and "customer_note" not in body
    assert body["payment"]["account_status"] is None and body["payment"]["cc_last4"] is None
    check(body, "sales-data-order-interface")


def test_only_integer_typed_flags_become_0_or_1(sandbox_factory: Callable[..., MagentoSandbox]) -> None:
    """Magento casts each member to its interface type: an integer flag is 0/1, a boolean stays
    ``true``/``false`` (``extension_attributes.converting_from_quote``)."""
    order = make_order(
        1,
        customer_is_guest=True,
        email_sent=False,
        items=[make_item(11, "A", is_virtual=True, no_discount=False)],
        extension_attributes={"converting_from_quote": True, "send_notification": True},
    )
    body = get(sandbox_factory([order]), "/orders/1").json()
    assert (body["customer_is_guest"], body["email_sent"]) == (1, 0)
    assert (body["items"][0]["is_virtual"], body["items"][0]["no_discount"]) == (1, 0)
    assert body["extension_attributes"] == {"converting_from_quote": True, "send_notification": 1}
    check(body, "sales-data-order-interface")


@pytest.mark.parametrize("kind", ["invoice", "shipment", "creditmemo"])
def test_document_search_results(sandbox: MagentoSandbox, kind: str) -> None:
    criteria = SearchCriteria([FilterGroup([Filter("order_id", "5")])])
    body = get(sandbox, f"/{kind}s", criteria.to_params()).json()
    assert body["total_count"] == 1
    check(body, f"sales-data-{kind}-search-result-interface")


def test_error_responses(sandbox: MagentoSandbox) -> None:
    answers = [
        get(sandbox, "/orders/999"),
        get(sandbox, "/orders"),
        get(sandbox, "/orders/x"),
        requests.get(f"{sandbox.url}/rest/default/V1/orders/3", timeout=10),
        requests.post(
            f"{sandbox.url}/rest/default/V1/orders/3/comments",
            headers=TOKEN,
            timeout=10,
            json={"statusHistory": {"comment": "x", "status": "complete"}},
        ),
    ]
    assert [answer.status_code for answer in answers] == [404, 400, 400, 401, 400]
    for answer in answers:
        check(answer.json(), "error-response")
