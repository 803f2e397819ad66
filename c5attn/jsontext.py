"""Compact JSON text exactly as ``json.dumps`` writes it, from orjson where that is faster.

A scan writes a record for every order it reports and hashes a fingerprint for every finding;
``json.dumps`` took ~15 µs for each, orjson ~3. Fingerprints are stored in Magento comments and
records are a public format, so the text must not change by a byte: orjson's output is escaped
to ASCII the way ``json.dumps`` (``ensure_ascii``) does it, and whatever orjson cannot write the
same way is left to ``json.dumps``.
"""

from __future__ import annotations

import json
import re

import orjson

# orjson escapes the control characters as json.dumps does (\n, \t, ... and \u00XX); json.dumps
# also escapes DEL and everything beyond ASCII, which orjson writes as UTF-8. (Written as a negated
# set: the range "\x7f to \U0010ffff" took 3 ms to compile, at every start.)
_BEYOND_ASCII = re.compile("[^\x00-\x7e]")


def _escaped(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000  # beyond the BMP: a UTF-16 surrogate pair, as json.dumps writes it
    return f"\\u{0xD800 | (code >> 10):04x}\\u{0xDC00 | (code & 0x3FF):04x}"


def compact_json(data: object, *, sort_keys: bool = False) -> str:
    """``json.dumps(data, separators=(",", ":"), sort_keys=sort_keys)``: the same text, faster.

    Only for data whose floats, if any, are 0 or between 1e-4 and 1e16: elsewhere the two write
    exponents differently (and orjson writes NaN as null), and finding every float would cost
    what orjson saves, so callers check the floats they know of.
    """
    try:
        raw = orjson.dumps(data, option=orjson.OPT_SORT_KEYS if sort_keys else 0)
    except orjson.JSONEncodeError:  # an integer beyond 64 bits, a lone surrogate, a key not text
        return json.dumps(data, separators=(",", ":"), sort_keys=sort_keys)
    if raw.isascii() and b"\x7f" not in raw:
        return raw.decode("ascii")
    return _BEYOND_ASCII.sub(_escaped, raw.decode("utf-8"))
