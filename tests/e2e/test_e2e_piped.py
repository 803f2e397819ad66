"""A piped ``scan --json``, as a script or cron job runs it: a real process, real pipes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

# Runs the CLI, then says on its last stderr line whether Rich was loaded.
_RUN_AND_REPORT = (
    "import runpy, sys\n"
    "code = 0\n"
    "sys.argv = ['c5attn', *sys.argv[1:]]\n"
    "try:\n    runpy.run_module('c5attn', run_name='__main__')\n"
    "except SystemExit as exit:\n    code = exit.code or 0\n"
    "print(f'rich loaded: {\"rich\" in sys.modules}; exit {code}', file=sys.stderr)\n"
)


def test_piped_scan_json_writes_plain_text_and_never_loads_rich(tmp_path: Path) -> None:
    """Rich is for terminals: piped, the rows and the counts are written as they are (and the
    scan saves the ~15 ms of loading Rich)."""
    env = {
        **os.environ,
        "C5ATTN_HOME": str(tmp_path),
        "C5ATTN_OPERATOR": "tester",
        "C5ATTN_CONFIG": str(tmp_path / "no-such-config.toml"),
    }
    env.pop("FORCE_COLOR", None)
    result = subprocess.run(
        [sys.executable, "-c", _RUN_AND_REPORT, "--sandbox", "scan", "--all", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    *messages, report = result.stderr.strip().splitlines()
    assert report == "rich loaded: False; exit 0", result.stderr
    rows = json.loads(result.stdout)
    assert rows and all(row["site"] == "sandbox" for row in rows)
    assert messages[0].startswith("building the sandbox world")  # a fresh home: built first
    assert any(line.startswith("site sandbox: ") and "orders scanned" in line for line in messages)


def _sandbox_env(home: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "C5ATTN_HOME": str(home),
        "C5ATTN_OPERATOR": "tester",
        "C5ATTN_CONFIG": str(home / "no-such-config.toml"),
    }
    env.pop("FORCE_COLOR", None)
    return env


def _read_one_line_then_close(home: Path, *args: str) -> tuple[int, str, str]:
    """``c5attn ARGS | head -1``: the reader takes the first line and closes the pipe."""
    with subprocess.Popen(
        [sys.executable, "-m", "c5attn", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_sandbox_env(home),
    ) as process:
        assert process.stdout is not None and process.stderr is not None
        first = process.stdout.readline().decode()
        process.stdout.close()
        stderr = process.stderr.read().decode()
        return process.wait(timeout=300), first, stderr


def _stdout_closed_before_start(home: Path, *args: str) -> tuple[int, str]:
    """The reader is gone before the first byte: every write to stdout meets a closed pipe."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        run = subprocess.run(
            [sys.executable, "-m", "c5attn", *args],
            stdout=write_end,
            stderr=subprocess.PIPE,
            env=_sandbox_env(home),
            timeout=300,
        )
    finally:
        os.close(write_end)
    return run.returncode, run.stderr.decode()


def _quiet(stderr: str) -> bool:
    return not any(noise in stderr for noise in ("Traceback", "BrokenPipe", "Exception ignored", "Errno"))


def test_a_reader_closing_the_pipe_early_changes_neither_the_exit_status_nor_stderr(tmp_path: Path) -> None:
    """``scan --json | head -1``: the rest of the data is dropped quietly; the summary still comes,
    and the exit status is the command's own (6 for --fail-if-found with findings, else 0)."""
    code, first, stderr = _read_one_line_then_close(tmp_path, "--sandbox", "scan", "--all", "--json")
    assert (code, first.strip()) == (0, "["), stderr
    assert "orders scanned" in stderr and _quiet(stderr), stderr
    code, _, stderr = _read_one_line_then_close(
        tmp_path, "--sandbox", "scan", "--all", "--fail-if-found", "--json"
    )
    assert code == 6, stderr
    assert "orders scanned" in stderr and _quiet(stderr), stderr


def test_a_reader_gone_before_any_output_is_no_error(tmp_path: Path) -> None:
    """``show ORDER | head -3`` whose reader left first, and ``scenarios`` likewise: exit 0, quiet."""
    for args in (["scenarios"], ["--sandbox", "scan", "--all", "--csv"]):  # the scan builds the world
        code, stderr = _stdout_closed_before_start(tmp_path, *args)
        assert code == 0 and _quiet(stderr), (args, stderr)
    order = next(iter(json.loads((tmp_path / "sandbox" / "labels.json").read_text())))
    code, stderr = _stdout_closed_before_start(tmp_path, "--sandbox", "show", order)
    assert code == 0 and _quiet(stderr), stderr


def _with_closed(descriptor: int, args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``c5attn ARGS`` with ``descriptor`` (1: stdout, 2: stderr) closed before it starts, as
    ``>&-`` leaves it (Python then gives None for the stream); the other stream captured."""
    return subprocess.run(
        [sys.executable, "-m", "c5attn", *args],
        stdout=subprocess.DEVNULL if descriptor == 1 else subprocess.PIPE,
        stderr=subprocess.DEVNULL if descriptor == 2 else subprocess.PIPE,
        text=True,
        env=env,
        preexec_fn=lambda: os.close(descriptor),
        timeout=120,
    )


def test_a_stream_closed_before_the_start_is_written_nowhere(tmp_path: Path) -> None:
    """``c5attn ... >&-`` (cron with no stdout): c5attn runs and keeps its own exit code, with no
    traceback on the other stream."""
    env = {**os.environ, "C5ATTN_HOME": str(tmp_path), "C5ATTN_CONFIG": str(tmp_path / "none.toml")}
    no_stdout = _with_closed(1, ["--version"], env)
    assert no_stdout.returncode == 0 and no_stdout.stderr == "", no_stdout.stderr
    no_stderr = _with_closed(2, ["show", "000000001"], env)
    assert no_stderr.returncode == 2 and "Traceback" not in no_stderr.stdout  # no site is configured


@pytest.mark.parametrize("args", [["scenarios", "--json"], ["--version"]])
def test_output_that_cannot_be_written_fails_the_command_in_one_line(tmp_path: Path, args: list[str]) -> None:
    """``> /dev/full``: the output is incomplete, so exit 1 with one line, not a traceback (nor 0)."""
    env = {**os.environ, "C5ATTN_HOME": str(tmp_path), "C5ATTN_CONFIG": str(tmp_path / "none.toml")}
    with open("/dev/full", "w") as full:
        run = subprocess.run(
            [sys.executable, "-m", "c5attn", *args],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            timeout=60,
        )
    assert run.returncode == 1, run.stderr
    assert run.stderr.startswith("c5attn: error: cannot write the output: No space left on device\n")
    assert "Traceback" not in run.stderr and "Exception ignored" not in run.stderr


def test_a_command_with_a_stream_closed_before_the_start_keeps_its_exit_code(tmp_path: Path) -> None:
    """The sandbox's own commands too: their output goes nowhere, their exit code stays theirs."""
    env = {**os.environ, "C5ATTN_HOME": str(tmp_path)}
    no_stdout = _with_closed(1, ["--sandbox", "scan", "--all", "--json", "--fail-if-found"], env)
    assert no_stdout.returncode == 6 and "Traceback" not in no_stdout.stderr, no_stdout.stderr
    assert "orders scanned" in no_stdout.stderr
    no_stderr = _with_closed(2, ["--sandbox", "scan", "--all", "--fail-if-found"], env)
    assert no_stderr.returncode == 6 and "Traceback" not in no_stderr.stdout
