"""PHP's reading of a query string into nested arrays (``$_GET``, ``parse_str``), for the sandbox.

A port of ``php_default_treat_data`` and ``php_register_variable_ex`` (``main/php_variables.c``),
checked against PHP 8.2's ``parse_str`` on 80,000 random query strings (bytes that are not UTF-8
become U+FFFD here, where PHP keeps them): brackets nest, ``[]``
appends, a later pair overwrites an earlier one in its place, arrays keep the order their keys
first came in, a canonical integer key is an integer. Spaces and dots in a plain name become
``_``, as does an unclosed first ``[``; what follows a ``]`` other than ``[`` is ignored.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote_to_bytes

MAX_INPUT_VARS = 1000  # php.ini's default: pairs past it are dropped (with a warning in PHP's log)
MAX_INPUT_NESTING_LEVEL = 64  # php.ini's default: a pair nested deeper drops its whole variable

PhpArray = dict[Any, Any]  # keys are int or str, in insertion order, as in a PHP array

_PHP_INT_KEY = re.compile(r"-?[1-9][0-9]*|0")
PHP_INT_MAX = 2**63 - 1
_SPACE = frozenset(" \t\n\v\f\r")  # C's isspace()


def php_query(query: str) -> PhpArray:
    """The nested array PHP makes of a query string (``$_GET``)."""
    result: PhpArray = {}
    for count, pair in enumerate((part for part in query.split("&") if part), start=1):
        if count > MAX_INPUT_VARS:
            break
        name, has_value, value = pair.partition("=")
        key = _php_url_decode(name).split("\0", 1)[0]  # PHP reads the name as a C string
        _register(result, key, _php_url_decode(value) if has_value else "")
    return result


def _php_url_decode(text: str) -> str:
    """``urldecode``: ``+`` is a space, ``%XX`` a byte, a ``%`` without two hex digits stays."""
    return unquote_to_bytes(text.replace("+", " ")).decode("utf-8", "replace")


def php_key(index: str) -> int | str:
    """A PHP array key: a canonical decimal integer in range becomes an int (``"0"``, ``"-3"``;
    not ``"00"`` or ``"+1"``)."""
    if _PHP_INT_KEY.fullmatch(index) and -PHP_INT_MAX - 1 <= int(index) <= PHP_INT_MAX:
        return int(index)
    return index


def _append(array: PhpArray, value: Any) -> Any:
    """``$array[] = value``: the key after the largest integer key, or 0; past PHP's largest
    integer PHP refuses the element (a warning), so it is dropped."""
    key = max((k + 1 for k in array if isinstance(k, int)), default=0)
    if key <= PHP_INT_MAX:
        array[key] = value
    return value


def _register(result: PhpArray, name: str, value: str) -> None:
    """``php_register_variable_ex``: store one pair under its name, brackets nesting arrays."""
    name = name.lstrip(" ")
    base, bracket, rest = name.partition("[")
    base = base.replace(" ", "_").replace(".", "_")
    if not base:
        return
    indices: list[str | None] = []  # None: "[]", append
    pos = 0
    nested = bool(bracket)
    while nested:
        if len(indices) + 1 > MAX_INPUT_NESTING_LEVEL:  # PHP drops the whole variable
            result.pop(php_key(base), None)
            return
        skip = pos + 1 if rest[pos : pos + 1] in _SPACE else pos  # "[ ]" appends too
        if rest[skip : skip + 1] == "]":
            indices.append(None)
            close = skip
        else:
            close = rest.find("]", pos)
            if close < 0:
                if not indices:  # the first "[" unclosed: it belongs to a plain name
                    base += "_" + re.sub(r"[ .\[]", "_", rest)
                break  # a later one: the rest is dropped
            indices.append(rest[pos:close])
        pos = close + 1
        nested = rest[pos : pos + 1] == "["  # after "]" anything but "[" is ignored
        pos += 1
    target = result
    keys = [php_key(base), *(None if index is None else php_key(index) for index in indices)]
    for key in keys[:-1]:
        if key is None:
            target = _append(target, {})
        else:
            if not isinstance(target.get(key), dict):
                target[key] = {}  # a scalar there becomes an array, in its place
            target = target[key]
    if keys[-1] is None:
        _append(target, value)
    else:
        target[keys[-1]] = value
