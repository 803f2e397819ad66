"""Magento's ``fields`` partial-response syntax: ``items[entity_id,payment[method]],total_count``.

The client composes such expressions and parses them to check them (and to see whether one names
``total_count``). The sandbox applies them with a port of Magento's own filter
(``c5attn.sandbox.fields_filter``), written apart so that a mistake here cannot hide there.
"""

from __future__ import annotations

import re

FieldTree = dict[str, "FieldTree | None"]  # None: keep the whole value

_TOKEN = re.compile(r"\s*([A-Za-z0-9_]+|\[|\]|,)\s*")


class FieldsSyntaxError(ValueError):
    """Unbalanced brackets or an empty name in a ``fields`` expression."""


def parse_fields(expression: str) -> FieldTree:
    """Parse a ``fields`` expression into a tree of the names it keeps."""
    tokens: list[str] = []
    pos = 0
    while pos < len(expression):
        match = _TOKEN.match(expression, pos)
        if not match:
            raise FieldsSyntaxError(f"unexpected character at {pos} in {expression!r}")
        tokens.append(match.group(1))
        pos = match.end()
    tree, rest = _parse_list(tokens, 0)
    if rest != len(tokens):
        raise FieldsSyntaxError(f"unbalanced brackets in {expression!r}")
    return tree


def _parse_list(tokens: list[str], pos: int) -> tuple[FieldTree, int]:
    tree: FieldTree = {}
    while True:
        if pos >= len(tokens) or not re.fullmatch(r"[A-Za-z0-9_]+", tokens[pos]):
            raise FieldsSyntaxError("a field name was expected")
        name = tokens[pos]
        pos += 1
        subtree: FieldTree | None = None
        if pos < len(tokens) and tokens[pos] == "[":
            subtree, pos = _parse_list(tokens, pos + 1)
            if pos >= len(tokens) or tokens[pos] != "]":
                raise FieldsSyntaxError("a closing bracket is missing")
            pos += 1
        tree[name] = _merge(tree.get(name), subtree) if name in tree else subtree
        if pos < len(tokens) and tokens[pos] == ",":
            pos += 1
            continue
        return tree, pos


def _merge(old: FieldTree | None, new: FieldTree | None) -> FieldTree | None:
    if old is None or new is None:
        return None
    return {**old, **new}

