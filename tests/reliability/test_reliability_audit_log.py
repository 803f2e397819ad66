"""The audit log survives what a kill or a stray editor leaves in it: an entry appended after a
torn last line is kept, and lines that cannot be read are skipped, by the reader and by ``log``."""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import pytest
from reliability_kit import assert_clear_error, invoke

from c5attn.audit import AuditEntry, AuditLog
from c5attn.errors import AuditUnwritable


def log_around(directory: Path, middle: bytes) -> AuditLog:
    """A log whose entries for orders 100000001 and 100000002 have ``middle`` written between them."""
    log = AuditLog(directory)
    log.append(AuditEntry("shop", "100000001", "flag", {}, {}, "ok", "reliability"))
    with log.path.open("ab") as handle:
        handle.write(middle)
    log.append(AuditEntry("shop", "100000002", "flag", {}, {}, "started", "reliability"))
    return log


def test_an_entry_appended_after_a_torn_line_starts_a_line_of_its_own(tmp_path: Path) -> None:
    log = log_around(tmp_path, b'{"action": "flag", "order": "1000')  # a kill in the middle of an append
    assert [e["order"] for e in log.entries()] == ["100000001", "100000002"]


def test_lines_that_are_not_utf8_or_not_json_or_not_entries_are_skipped_and_counted(tmp_path: Path) -> None:
    junk = b"\xff\xfe not UTF-8\n" + b"not JSON\n" + b"[1, 2]\n" + b'{"at": 5}\n' + b"\n"
    log = log_around(tmp_path, junk)
    assert [e["order"] for e in log.entries()] == ["100000001", "100000002"]
    assert log.unreadable == 4  # the blank line is no entry, nor damage


def test_the_log_command_reads_past_a_line_that_is_not_utf8(tmp_path: Path) -> None:
    log_around(tmp_path, b"\xff\xfe not UTF-8\n")
    run = invoke(tmp_path, tmp_path / "c5attn.toml", "log", "--json")
    assert run.exception is None and run.exit_code == 0, run.stderr
    assert [e["order"] for e in json.loads(run.stdout)] == ["100000001", "100000002"]
    assert f"1 line of {tmp_path / 'audit.jsonl'} is not an audit entry and was skipped" in run.stderr


@pytest.mark.parametrize(
    "line",
    [
        {"run_id": [1]},  # unhashable: a TypeError traceback
        {"order": {"number": "1"}},
        {"message": 7},  # no text to split: an AttributeError traceback
        {"operator": 5},
    ],
    ids=["run_id-list", "order-object", "message-number", "operator-number"],
)
def test_an_entry_whose_text_fields_are_not_text_is_skipped_by_log(tmp_path: Path, line: dict) -> None:
    """A line of another tool, or edited by hand: the fields ``log`` joins, splits and groups by
    must be text (or absent), else the line is no entry, skipped and counted like any other."""
    entry = {"at": "2026-11-27T09:00:00+00:00", "action": "flag", "result": "ok", "site": "shop", **line}
    log_around(tmp_path, json.dumps(entry).encode() + b"\n")
    for args, shown in ((("log",), "100000002"), (("log", "--json"), "100000002"), (("log", "1"), "")):
        run = invoke(tmp_path, tmp_path / "c5attn.toml", *args)
        assert run.exception is None and run.exit_code == 0, (args, run.exception, run.stderr)
        assert "1 line of" in run.stderr and shown in run.stdout, (args, run.stdout)


def test_the_log_command_names_an_audit_log_it_cannot_read(tmp_path: Path) -> None:
    (tmp_path / "audit.jsonl").mkdir()
    run = invoke(tmp_path, tmp_path / "c5attn.toml", "log")
    assert_clear_error(run, 1, f"cannot read the audit log {tmp_path / 'audit.jsonl'}: Is a directory")


def test_a_short_write_is_finished_not_left_torn(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A nearly full disk (or a signal) can write part of a line without an error: the rest must
    follow, or the failure must show; silently torn, the entry would be lost."""
    import c5attn.audit

    real_write = os.write
    monkeypatch.setattr(c5attn.audit.os, "write", lambda fd, data: real_write(fd, data[:7]))
    log = log_around(tmp_path, b"")
    assert [e["order"] for e in log.entries()] == ["100000001", "100000002"] and log.unreadable == 0

    def full(fd: int, data: bytes) -> int:
        written = real_write(fd, data[:7])
        if written == len(data):
            return written
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(c5attn.audit.os, "write", full)
    with pytest.raises(AuditUnwritable, match="No space left on device"):
        log.append(AuditEntry("shop", "100000003", "flag", {}, {}, "ok", "reliability"))


def test_checking_a_new_log_never_removes_an_entry_appended_meanwhile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another run (a cron ``scan --apply`` beside a ``resolve``) appends its entry while this one
    checks a log that did not exist yet: the check must not delete the log, entry and all."""
    import c5attn.audit

    log = AuditLog(tmp_path)
    other = AuditLog(tmp_path)
    real_open = os.open
    appended = []

    def open_while_another_run_appends(path: object, *args: object, **kwargs: object) -> int:
        if not appended and Path(str(path)).parent == tmp_path:  # whichever file the check opens
            appended.append(True)
            other.append(AuditEntry("shop", "100000009", "flag", {}, {}, "ok", "cron"))
        return real_open(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(c5attn.audit.os, "open", open_while_another_run_appends)
    log.check_writable()
    monkeypatch.undo()
    assert appended and [entry["order"] for entry in log.entries()] == ["100000009"]


def test_checking_a_new_log_leaves_no_file_behind(tmp_path: Path) -> None:
    AuditLog(tmp_path / "state").check_writable()
    assert list((tmp_path / "state").iterdir()) == []
