"""The console script's entry point: once the command has ended, Ctrl-C cannot change its exit, and
the objects left are frozen out of the cyclic collector (a quicker interpreter teardown)."""

from __future__ import annotations

import gc
import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from c5attn.cli import app, entry
from c5attn.errors import ExitCode, OutputFailed


def test_sigint_is_ignored_once_the_command_has_ended(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[Any, Any]] = []
    monkeypatch.setattr(signal, "signal", lambda signum, handler: calls.append((signum, handler)))
    monkeypatch.setattr(gc, "freeze", lambda: calls.append(("gc", "freeze")))

    def finished(argv: object = None) -> None:
        raise SystemExit(6)

    monkeypatch.setattr(app, "main", finished)
    with pytest.raises(SystemExit) as ended:
        entry.main()
    assert ended.value.code == 6
    assert calls == [
        (signal.SIGTERM, entry._terminated),  # from the start: SIGTERM ends a run as Ctrl-C does
        (signal.SIGINT, signal.SIG_IGN),
        (signal.SIGTERM, signal.SIG_IGN),
        ("gc", "freeze"),
    ]


def test_a_finished_run_keeps_its_output_and_exit_code(isolated_home: Path) -> None:
    """Run as a process (``python -m c5attn`` goes through ``entry.main``), nothing is lost at exit."""

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "c5attn", *args], capture_output=True, text=True)

    listed = run("scenarios", "--json")
    assert listed.returncode == 0
    assert len(json.loads(listed.stdout)) == 5
    failed = run("--config", str(isolated_home / "missing.toml"), "scan")
    assert failed.returncode == ExitCode.USAGE
    assert failed.stderr.startswith("c5attn: error: configuration file")


def test_output_the_console_encoding_cannot_hold_is_replaced_not_a_traceback(tmp_path: Path) -> None:
    """Windows writes a redirected stream in its ANSI code page: cp1252 has no "→" (log, resolve)."""
    from c5attn.audit import AuditEntry, AuditLog

    before, after = {"status": "needs_attention"}, {"status": "complete"}
    message = "status needs_attention → complete"
    AuditLog(tmp_path).append(AuditEntry("web", "000000042", "resolve", before, after, "ok", "jane", message))
    env = {**os.environ, "C5ATTN_HOME": str(tmp_path), "PYTHONIOENCODING": "cp1252"}
    env.pop("C5ATTN_CONFIG", None)
    run = subprocess.run(
        [sys.executable, "-m", "c5attn", "log"], capture_output=True, env=env, timeout=60
    )
    assert run.returncode == 0, run.stderr.decode("cp1252")
    shown = run.stdout.decode("cp1252")
    assert "000000042" in shown and "needs_attention ? complete" in shown


class _PipeGone:
    """A stream whose reader has left, failing as ``failure`` says (the pipe's end, not the file)."""

    def __init__(self, failure: OSError) -> None:
        self.failure = failure

    def write(self, text: str) -> int:
        raise self.failure

    def flush(self) -> None:
        raise self.failure

    def fileno(self) -> int:
        raise ValueError("no descriptor here")  # nothing to point at the null device


@pytest.mark.parametrize(
    ("platform", "failure", "dropped"),
    [
        ("linux", BrokenPipeError(32, "Broken pipe"), True),
        ("win32", BrokenPipeError(32, "Broken pipe"), True),
        ("win32", OSError(22, "Invalid argument"), True),  # how Windows reports the reader gone
        ("linux", OSError(22, "Invalid argument"), False),  # elsewhere a real error
        ("win32", OSError(28, "No space left on device"), False),
    ],
)
def test_a_reader_that_left_is_told_from_a_real_write_error(
    monkeypatch: pytest.MonkeyPatch, platform: str, failure: OSError, dropped: bool
) -> None:
    """On stdout a real error fails the command (its output is incomplete); on stderr, whatever
    the error, the rest is dropped and the command goes on."""
    monkeypatch.setattr(sys, "platform", platform)
    stdout = entry.ReaderMayLeave(_PipeGone(failure), essential=True)  # type: ignore[arg-type]
    if dropped:
        assert stdout.write("row\n") == 4 and stdout.reader_left
        stdout.write("next row\n")  # dropped quietly
        stdout.flush()
    else:
        with pytest.raises(OutputFailed, match=f"cannot write the output: {failure.strerror}"):
            stdout.write("row\n")
        stdout.write("next row\n")  # the failure was told once; the rest is dropped
    stderr = entry.ReaderMayLeave(_PipeGone(failure))  # type: ignore[arg-type]
    assert stderr.write("note\n") == 5 and stderr.reader_left
    stderr.flush()
