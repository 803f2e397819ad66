"""The scan's record spool gives back each record as written, however adds and reads interleave."""

from __future__ import annotations

from c5attn.workflow import RecordSpool


def test_records_read_back_exactly_in_any_order() -> None:
    spool = RecordSpool()
    long_record = '{"order":"3","n":' + "9" * 5000 + "}"  # longer than the file buffer
    records = ['{"order":"1"}', '{"sku":"Kaffee \u00e9t\u00e9 \u2615"}', "", long_record]
    places = [spool.add(record) for record in records]
    assert [spool.read(*place) for place in reversed(places)] == list(reversed(records))


def test_an_add_after_a_read_does_not_overwrite_earlier_records() -> None:
    spool = RecordSpool()
    first = spool.add("alpha")
    assert spool.read(*first) == "alpha"  # leaves the file position inside the first record
    second = spool.add("beta")
    third = spool.add("gamma")
    assert [spool.read(*place) for place in (third, first, second)] == ["gamma", "alpha", "beta"]
