"""What the Magento sandbox takes from Adobe's 2.4.8 admin REST schema.

``magento_swagger_subset.json`` is that schema (AdobeDocs/commerce-webapi
``src/openapi/admin-schema-2.4.8.yaml``) cut to the definitions reachable from the answers the
sandbox gives, without ``description`` and ``xml`` members; nothing else is changed. Magento shapes
every answer by its service interfaces (``DataObjectProcessor``), which the schema mirrors: a
member whose getter returns null is left out, unless the schema marks it required, in which case
it is sent as ``null``; an integer-typed member holding a flag is 0/1, while a boolean-typed one
is ``true``/``false`` (SOURCES.md, "Shapes vs. the 2.4.8 swagger").
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SUBSET_PATH = Path(__file__).with_name("magento_swagger_subset.json")


@dataclass(frozen=True, slots=True)
class Shape:
    """How Magento emits one kind of object: the members it sends as ``null`` rather than leaving
    out, the integer-typed ones (or lists of integers), whose flags are 0/1 rather than booleans,
    and the shapes of its nested objects (for a list of objects, of each element)."""

    keep_null: frozenset[str]
    integers: frozenset[str]
    children: dict[str, Shape]


UNKNOWN = Shape(frozenset(), frozenset(), {})  # an object the schema does not describe: no null kept


def _shapes(definitions: dict[str, Any]) -> dict[str, Shape]:
    """A shape per definition; built in two passes, as definitions refer to each other (an order
    item's ``parent_item`` is an order item)."""
    shapes = {
        name: Shape(
            frozenset(spec.get("required", ())),
            frozenset(
                member
                for member, member_spec in spec.get("properties", {}).items()
                if member_spec.get("items", member_spec).get("type") == "integer"
            ),
            {},
        )
        for name, spec in definitions.items()
    }
    for name, spec in definitions.items():
        for member, member_spec in spec.get("properties", {}).items():
            ref = member_spec.get("$ref") or member_spec.get("items", {}).get("$ref")
            if ref:
                shapes[name].children[member] = shapes[ref.rsplit("/", 1)[-1]]
    return shapes


SHAPES = _shapes(json.loads(SUBSET_PATH.read_text(encoding="utf-8"))["definitions"])
ORDER = SHAPES["sales-data-order-interface"]
STATUS_HISTORY = SHAPES["sales-data-order-status-history-interface"]
