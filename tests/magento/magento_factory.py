"""Tiny factories for the Magento tests: orders (not the world generator), sites, canned answers."""

from __future__ import annotations

import json
from typing import Any

from c5attn.config import SiteConfig

TOKEN = "sandbox-token"
Answer = tuple[int, dict[str, str], bytes]  # a canned HTTP answer: status, headers, body

STATE_OF = {
    "pending": "new",
    "processing": "processing",
    "in_counterpoint": "processing",
    "needs_attention": "processing",
    "complete": "complete",
    "canceled": "canceled",
    "closed": "closed",
}


def make_item(item_id: int, sku: str, *, qty: float = 2, price: float = 10.5, **extra: Any) -> dict[str, Any]:
    """An order line as Magento sends it: whole numbers as ints, zero quantities present."""
    return {
        "item_id": item_id,
        "sku": sku,
        "name": f"Product {sku}",
        "product_type": "simple",
        "qty_ordered": qty,
        "qty_invoiced": 0,
        "qty_shipped": 0,
        "qty_canceled": 0,
        "qty_refunded": 0,
        "price": price,
        "row_total": qty * price,
        **extra,
    }


def make_order(
    entity_id: int,
    *,
    status: str = "pending",
    state: str | None = None,
    store_id: int = 1,
    items: list[dict[str, Any]] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """One order; ``extra`` overrides or adds top-level fields."""
    lines = items if items is not None else [make_item(entity_id * 10 + 1, f"SKU-{entity_id % 7}")]
    total = sum(line["qty_ordered"] * line["price"] for line in lines if "parent_item_id" not in line)
    order: dict[str, Any] = {
        "entity_id": entity_id,
        "increment_id": f"{100000000 + entity_id}",
        "store_id": store_id,
        "state": state or STATE_OF.get(status, "processing"),
        "status": status,
        "created_at": f"2025-06-{1 + entity_id % 28:02d} 10:00:00",
        "updated_at": f"2025-06-{1 + entity_id % 28:02d} 12:{entity_id % 60:02d}:00",
        "customer_email": f"shopper{entity_id}@example.com",
        "customer_is_guest": 1,
        "order_currency_code": "USD",
        "base_grand_total": total,
        "grand_total": total,
        "total_invoiced": 0,
        "total_paid": 0,
        "items": lines,
        "payment": {
            "method": "checkmo",
            "account_status": None,
            "additional_information": ["Check / Money order"],
            "cc_last4": None,
            "amount_ordered": total,
        },
        "status_histories": [],
        **extra,
    }
    return order


def make_orders(count: int, *, start: int = 1, **kwargs: Any) -> list[dict[str, Any]]:
    return [make_order(entity_id, **kwargs) for entity_id in range(start, start + count)]


def site_for(url: str, **overrides: Any) -> SiteConfig:
    """A site pointing at a sandbox, with the sandbox's bearer token unless overridden."""
    settings: dict[str, Any] = {"magento_token": TOKEN, "magento_timeout_seconds": 5.0}
    settings.update(overrides)
    return SiteConfig(name="test", magento_url=url, counterpoint_dsn="unused", **settings)


def json_answer(status: int, body: object, **headers: str) -> Answer:
    return status, {"Content-Type": "application/json; charset=utf-8", **headers}, json.dumps(body).encode()
