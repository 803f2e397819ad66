"""What the Magento sandbox takes from Adobe's 2.4.8 admin REST schema.

``magento_swagger_subset.json`` is that schema (AdobeDocs/commerce-webapi
``src/openapi/admin-schema-2.4.8.yaml``) cut to the definitions reachable from the answers the
sandbox gives, without ``description`` and ``xml`` members; nothing else is changed. Magento shapes
every answer by its service interfaces (``DataObjectProcessor``), which the schema mirrors: a
member whose getter returns null is left out, unless the schema marks it required, in which case
it is sent as ``null``; an integer-typed member holding a flag is 0/1, while a boolean-typed one
is ``true``/``false`` (SOURCES.md, "Shapes vs. the 2.4.8 swagger"). Request bodies go the other
way, converted to the interface's types before the service sees them (``converted_input``).
"""

from __future__ import annotations

import json
import re
import string
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from c5attn.sandbox.php_query import PHP_INT_MAX

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


_DEFINITIONS: dict[str, Any] = json.loads(SUBSET_PATH.read_text(encoding="utf-8"))["definitions"]
SHAPES = _shapes(_DEFINITIONS)
ORDER = SHAPES["sales-data-order-interface"]
STATUS_HISTORY = SHAPES["sales-data-order-status-history-interface"]


def scalar_members(definition: str) -> frozenset[str]:
    """The members of ``definition`` that are plain values: the entity's own table columns, which
    a search may filter and sort on (its objects and lists live in other tables)."""
    return frozenset(
        member
        for member, spec in _DEFINITIONS[definition].get("properties", {}).items()
        if "$ref" not in spec and spec.get("type") not in ("array", "object")
    )


NOT_SUPPORTED = '"%fieldName" is not supported. Correct the field name and try again.'
_UPPER = str.maketrans(string.ascii_lowercase, string.ascii_uppercase)


def ascii_upper(text: str) -> str:
    """PHP's ``strtoupper`` and ``ucwords``: a to z only (not "ſ", which Python upper-cases to "S")."""
    return text.translate(_UPPER)


def accessor_of(name: str) -> str:
    """The accessor ServiceInputProcessor calls for a member sent as ``name``:
    ``str_replace('_', '', ucwords($name, '_'))``, matched with case."""
    return "".join(ascii_upper(part[:1]) + part[1:] for part in name.split("_"))


class UnsupportedMember(ValueError):
    """A request body member the interface has no accessor for: Magento's 400 ``NOT_SUPPORTED``."""

    def __init__(self, accessor: str) -> None:
        super().__init__(accessor)
        self.accessor = accessor


class InputTypeError(ValueError):
    """A request body member Magento cannot convert to its interface type; ``str()`` is Magento's
    whole message, as its REST layer sends it (rendered, without parameters)."""


_PHP_NUMERIC = re.compile(r"[ \t\n\r\v\f]*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?[ \t\n\r\v\f]*")


def converted_input(definition: str, data: dict[str, Any]) -> dict[str, Any]:
    """``data`` as Magento's ServiceInputProcessor sets it before calling the service: each member
    by its accessor, so under the schema's name however it was spelt (``isVisibleOnFront``: the
    later of two spellings wins), integer and string members converted (PHP's ``is_numeric`` and
    ``settype``), members of other types (the status history's extension attributes) as they are.

    Raises InputTypeError with Magento's message for a value it refuses: a list or object, or a
    value that is not numeric (a boolean included) for an integer; UnsupportedMember for a member
    the interface does not have.
    """
    properties = _DEFINITIONS[definition]["properties"]
    names = {accessor_of(member): member for member in properties}
    converted: dict[str, Any] = {}
    for sent, value in data.items():
        member = names.get(accessor_of(sent))
        if member is None:
            raise UnsupportedMember(accessor_of(sent))
        convert = _CONVERTERS.get(properties[member].get("type", ""))
        converted[member] = convert(sent, value) if convert is not None and value is not None else value
    return converted


def php_string(member: str, value: Any) -> str:
    """``value`` as the string-typed ``member`` of an interface: any scalar, PHP's ``(string)``."""
    if isinstance(value, dict | list):
        raise _type_error(member, "array", "string")  # PHP's gettype() of an array
    return _php_string(value)


def php_int(member: str, value: Any) -> int:
    """``value`` as the integer-typed ``member``: numeric text or a number, truncated."""
    if isinstance(value, dict | list):
        raise _type_error(member, "array", "int")
    if isinstance(value, bool) or not _PHP_NUMERIC.fullmatch(str(value)):
        raise _type_error(member, _php_string(value), "int")
    number = Decimal(str(value).strip())
    if abs(number) > _DOUBLE_MAX:  # read as a double it is infinite, which PHP casts to 0
        return 0
    return max(-PHP_INT_MAX - 1, min(PHP_INT_MAX, int(number)))  # "1.9" is 1; out of range saturates


_CONVERTERS = {"integer": php_int, "string": php_string}
_DOUBLE_MAX = Decimal("1.7976931348623157e308")


def _type_error(member: str, value: str, php_type: str) -> InputTypeError:
    return InputTypeError(
        f'Error occurred during "{member}" processing. The "{value}" value\'s type is invalid. '
        f'The "{php_type}" type was expected. Verify and try again.'
    )


def _php_string(value: str | int | float) -> str:
    """PHP's ``(string)`` of a decoded JSON scalar."""
    if value is True or value is False:
        return "1" if value else ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
