"""Magento's ``fields`` partial responses, as the sandbox applies them: a port of
``Magento\\Framework\\Webapi\\Rest\\Response\\FieldsFilter`` (2.4), quirks included.

Written apart from the client's own ``c5attn.magento.fields`` on purpose: the sandbox is what the
client is tested against, so a mistake shared by both would never show. The quirks a client meets:

- an expression with any character besides letters, digits, ``_``, brackets and commas, or with
  unbalanced brackets, makes the whole answer ``[]``;
- a name given twice keeps its last form (``payment,payment[method]`` filters ``payment``);
- a filtered object or list that keeps nothing (an empty ``items`` list, ``payment[method]`` of a
  payment without one) becomes ``null``, the key kept; a bare name whose value is null is dropped;
- a bracketed name whose value is not an object or a list is dropped;
- kept keys come in the expression's order.
"""

from __future__ import annotations

import re
from typing import Any

Filter = dict[str, "Filter | None"]  # None: keep the value whole

_ILLEGAL = re.compile(r"[^\w\[\],]")
_SEPARATORS = "[],"


def parse(expression: str) -> Filter | None:
    """``FieldsFilter::parse``: the filter tree, or None where Magento gives up (answer ``[]``)."""
    if not expression or _ILLEGAL.search(expression):
        return None
    current: Filter = {}
    stack: list[Filter] = []
    parents: list[str | None] = []
    start: int | None = None
    element: str | None = None
    for position, char in enumerate(expression):
        if char in _SEPARATORS:
            if start is not None:
                element = expression[start:position]
                current[element] = None
            start = None
        if char == "[":
            parents.append(element)
            stack.append(current)
            current = {}
        elif char == "]":
            if not stack:  # more closing brackets than opening ones
                return None
            inner, current = current, stack.pop()
            name = parents.pop()
            if name is None:  # "[a]" with no name before it: PHP would key it by ""
                name = ""
            current[name] = inner
        elif char != "," and start is None:
            start = position
    if stack:
        return None
    if start is not None:
        current[expression[start:]] = None
    return current


def apply(value: Any, tree: Filter) -> Any:
    """``FieldsFilter::applyFilter``: ``value`` cut down to ``tree``, None where nothing is kept."""
    if isinstance(value, list) and value:  # a PHP list; an empty one is filtered as an object
        return [apply(element, tree) if isinstance(element, dict | list) else None for element in value]
    kept: dict[str, Any] = {}
    source = value if isinstance(value, dict) else {}
    for name, subtree in tree.items():
        item = source.get(name)
        if subtree is None:
            if item is not None:
                kept[name] = item
        elif isinstance(item, dict | list):
            kept[name] = apply(item, subtree)
    return kept or None


def filtered(result: Any, expression: str | None) -> Any:
    """The answer with ``fields=expression`` applied: untouched when the parameter is empty (PHP's
    falsy "" and "0" too), ``[]`` when Magento cannot parse it, None (an empty body) when nothing
    is kept."""
    if expression in (None, "", "0"):
        return result
    tree = parse(expression)
    if tree is None:
        return []
    return apply(result, tree)
