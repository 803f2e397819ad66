"""The record spool of `scan` and `list` gives back each record as written, however adds and reads
interleave; a temporary folder it cannot use is an error to act on."""

from __future__ import annotations

import errno
import tempfile
from typing import Any

import pytest

from c5attn.errors import C5Error
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


def _no_usable_folder(**options: Any) -> Any:
    raise FileNotFoundError(errno.ENOENT, "No usable temporary directory found in ['/tmp']")


def _full_folder(**options: Any) -> Any:
    return open("/dev/full", "w+b", **options)


@pytest.mark.parametrize(
    ("folder", "record", "said"),
    [
        (_no_usable_folder, "{}", "No usable temporary directory"),
        (_full_folder, "x" * (1 << 17), "No space left on device"),  # beyond the buffer: written at add
        (_full_folder, "{}", "No space left on device"),  # buffered: written by the read's seek
    ],
    ids=["created", "added", "read"],
)
def test_a_temporary_folder_it_cannot_use_is_one_error_not_a_traceback(
    monkeypatch: pytest.MonkeyPatch, folder: Any, record: str, said: str
) -> None:
    """A full /tmp stopped `scan` with an OSError traceback, and `list` too once it spooled its
    queue (it needed no temporary file before)."""
    monkeypatch.setattr(tempfile, "TemporaryFile", folder)
    with pytest.raises(C5Error, match=said) as caught:
        spool = RecordSpool()
        spool.read(*spool.add(record))
    assert "TMPDIR" in (caught.value.hint or "")
