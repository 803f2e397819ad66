"""The confirmation prompt on a real terminal (a pseudo-terminal): Ctrl-C and Ctrl-D."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import c5attn

termios = pytest.importorskip("termios", reason="pseudo-terminals are POSIX; CI runs these on Linux")
import fcntl  # noqa: E402
import pty  # noqa: E402


def _flagged_order(env: dict[str, str]) -> str:
    listed = subprocess.run(
        [sys.executable, "-m", "c5attn", "--sandbox", "list", "--json"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return str(json.loads(listed.stdout)[0]["order"])


def _answer_the_prompt(env: dict[str, str], order: str, keys: bytes) -> tuple[int, str]:
    """Run ``resolve ORDER`` on a terminal, type ``keys`` at its question, return (exit code, screen)."""
    leader, follower = pty.openpty()

    def take_the_terminal() -> None:  # the new session's controlling terminal: ^C becomes SIGINT
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)
        # A pytest started with SIGINT ignored (`pytest &` in a script, nohup) would pass SIG_IGN
        # on, and a Python started with SIGINT ignored never raises KeyboardInterrupt: ^C is lost.
        signal.signal(signal.SIGINT, signal.SIG_DFL)

    process = subprocess.Popen(
        [sys.executable, "-m", "c5attn", "--sandbox", "resolve", order],
        env=env,
        stdin=follower,
        stdout=follower,
        stderr=follower,
        start_new_session=True,
        preexec_fn=take_the_terminal,
    )
    os.close(follower)
    screen = bytearray()

    def drain() -> None:  # read all the time: a full terminal buffer would block the command
        try:
            while chunk := os.read(leader, 4096):
                screen.extend(chunk)
        except OSError:  # the terminal is gone with the process
            pass

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 120
        while b"Resolve this order?" not in screen:
            assert process.poll() is None and time.monotonic() < deadline, screen.decode(errors="replace")
            time.sleep(0.02)
        os.write(leader, keys)
        code = process.wait(timeout=120)
        reader.join(timeout=10)
    finally:
        process.kill()
        os.close(leader)
    return code, screen.decode(errors="replace")


@pytest.fixture(scope="module")
def sandbox_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    home = tmp_path_factory.mktemp("prompt-home")
    tree = str(Path(c5attn.__file__).resolve().parents[1])  # the code under test, not an installed one
    settings = {"C5ATTN_HOME": str(home), "C5ATTN_OPERATOR": "tester", "NO_COLOR": "1", "PYTHONPATH": tree}
    return {**os.environ, **settings}


def test_ctrl_c_at_the_question_exits_130_and_writes_nothing(sandbox_env: dict[str, str]) -> None:
    order = _flagged_order(sandbox_env)
    code, screen = _answer_the_prompt(sandbox_env, order, b"\x03")
    assert code == 130, screen
    assert "c5attn: interrupted: at the question: nothing was written" in screen and "Aborted" not in screen
    assert not (Path(sandbox_env["C5ATTN_HOME"]) / "audit.jsonl").exists()


def test_ctrl_d_at_the_question_is_no(sandbox_env: dict[str, str]) -> None:
    order = _flagged_order(sandbox_env)
    code, screen = _answer_the_prompt(sandbox_env, order, b"\x04")
    assert code == 0, screen
    assert "[y/N]: \r\nnothing was written" in screen  # on a line of its own, not after the question
    assert not (Path(sandbox_env["C5ATTN_HOME"]) / "audit.jsonl").exists()


def test_yes_at_the_question_writes_and_logs_it(sandbox_env: dict[str, str]) -> None:
    """The other two tests' "nothing written" means something: a yes here leaves the audit log."""
    order = _flagged_order(sandbox_env)
    code, screen = _answer_the_prompt(sandbox_env, order, b"y\r")
    assert code == 0, screen
    entries = (Path(sandbox_env["C5ATTN_HOME"]) / "audit.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["result"] for line in entries] == ["started", "ok"]
