"""Magento's ``fields`` partial responses, as the sandbox applies them: a port of
``Magento\\Framework\\Webapi\\Rest\\Response\\FieldsFilter`` (2.4), quirks included.

Written apart from the client's own ``c5attn.magento.fields`` on purpose: the sandbox is what the
client is tested against, so a mistake shared by both would never show. What a client meets:

- an expression with any character besides ASCII letters, digits, ``_``, brackets and commas, or
  with a ``[`` left open, makes the whole answer ``[]``;
- a name keeps its value whole, nulls included, when named bare or when the value is not an object
  or a list; ``name[a,b]`` filters an object, or each object of a list;
- kept keys come in the answer's own order; a name given twice keeps its last form;
- an object that keeps nothing is ``[]`` (PHP's empty array), an empty list or object filtered
  with brackets is ``null`` (an empty search's ``"items": null``).

Not ported: the special case for ``custom_attributes`` (no answer of the sandbox has them).
"""

from __future__ import annotations

import re
from typing import Any

from c5attn.sandbox.php_query import PhpArray, php_key

Filter = dict[str, "Filter | None"]  # None: a leaf, the value kept whole

_ILLEGAL = re.compile(r"[^\w\[\],]", re.ASCII)
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
        elif char == "]":  # one too many: PHP pops nothing and goes on under the key ""
            inner, current = current, stack.pop() if stack else {}
            name = parents.pop() if parents else None
            current["" if name is None else name] = inner
        elif char != "," and start is None:
            start = position
    if stack:
        return None
    if start is not None:
        current[expression[start:]] = None
    return current


def apply(value: dict[str, Any] | list[Any], tree: Filter) -> Any:
    """``FieldsFilter::applyFilter``: a list (or an object with no text key) is filtered element by
    element, and is null when empty; an object is intersected with the filter."""
    if isinstance(value, list):
        return [_intersect(_php_array(element), tree) for element in value] or None
    if _has_text_key(value):
        return _intersect(value, tree)
    each = {key: _intersect(_php_array(element), tree) for key, element in value.items()}
    return _as_php_encodes(each) if each else None


def _has_text_key(value: dict[str, Any]) -> bool:
    """Whether PHP keeps one of the keys as text (``"12"`` and ``"-3"`` become integers)."""
    return any(isinstance(php_key(key), str) for key in value)


def _intersect(value: dict[str, Any], tree: Filter) -> Any:
    """``recursiveArrayIntersectKey``: the named keys, in the answer's order; ``[]`` if none."""
    kept: dict[str, Any] = {}
    for key, item in value.items():
        if key not in tree:
            continue
        subtree = tree[key]
        if subtree is not None and isinstance(item, dict | list):
            kept[key] = apply(item, subtree)
        else:
            kept[key] = item
    return _as_php_encodes(kept) if kept else []


def _as_php_encodes(array: dict[str, Any]) -> Any:
    """What PHP's ``json_encode`` makes of an array with these keys: a list when they are 0 to n-1."""
    return list(array.values()) if list(array) == [str(i) for i in range(len(array))] else array


def _php_array(element: object) -> dict[str, Any]:
    """A list element as PHP's typed ``array`` parameter takes it: a scalar is a TypeError (500)."""
    if isinstance(element, dict):
        return element
    if isinstance(element, list):
        return {str(index): item for index, item in enumerate(element)}
    raise TypeError(f"applyFilter(): argument #1 must be of type array, {type(element).__name__} given")


def filtered(result: Any, params: PhpArray) -> Any:
    """The answer with the request's ``fields`` applied, as Magento's REST controller does: to an
    object or list answer only, when the parameter is truthy in PHP (not "" or "0"). ``fields``
    is read as PHP reads the query (the last one wins); sent as an array (``fields[]=…``), or as an
    expression Magento cannot parse, it answers ``[]``."""
    if not isinstance(result, dict | list) or "fields" not in params:
        return result
    expression = params["fields"]
    if not isinstance(expression, str):
        return []
    if expression in ("", "0"):
        return result
    tree = parse(expression)
    return [] if tree is None else apply(result, tree)
