"""``compact_json`` writes exactly what ``json.dumps`` writes: records and fingerprints depend on it."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from c5attn.jsontext import compact_json


def _dumps(data: object, *, sort_keys: bool = False) -> str:
    return json.dumps(data, separators=(",", ":"), sort_keys=sort_keys)


_TEXT = st.text(st.characters(codec="utf-8")) | st.sampled_from(
    ["\x7f", "é", "\n", "×", "\U0001f600", "plain"]
)
_LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),  # beyond 64 bits too: left to json.dumps
    _TEXT,
    st.floats(min_value=1e-4, max_value=1e15),
    st.just(0.0),
)
_DATA = st.recursive(_LEAVES, lambda inner: st.lists(inner) | st.dictionaries(_TEXT, inner), max_leaves=16)


@settings(max_examples=500, deadline=None)
@given(_DATA, st.booleans())
def test_compact_json_is_the_text_json_dumps_writes(data: object, sort_keys: bool) -> None:
    assert compact_json(data, sort_keys=sort_keys) == _dumps(data, sort_keys=sort_keys)


def test_every_character_is_written_as_json_dumps_writes_it() -> None:
    """All of Unicode but the surrogates: control characters, DEL, the BMP and the astral planes."""
    text = "".join(chr(code) for code in range(0x110000) if not 0xD800 <= code <= 0xDFFF)
    assert compact_json({"text": text}) == _dumps({"text": text})


def test_what_orjson_refuses_is_left_to_json_dumps() -> None:
    for data in ({"big": 2**64}, {"lone": "\ud800"}, {1: "key not text"}):
        assert compact_json(data) == _dumps(data)


def test_keys_are_sorted_when_asked_at_every_level() -> None:
    data = {"b": {"z": 1, "é": 2, "a": 3}, "a": [{"y": 0, "x": 1}]}
    assert compact_json(data, sort_keys=True) == _dumps(data, sort_keys=True)
    assert compact_json(data) == _dumps(data)
