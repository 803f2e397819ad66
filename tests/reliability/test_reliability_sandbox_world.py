"""The sandbox world is complete or absent: a build interrupted with Ctrl-C, or raced by another
first run, never leaves a world that later runs take for a real one.

The builds run as processes of their own, paused at a chosen order until the test interrupts or
resumes them, so the moment is exact and no test depends on timing.
"""

from __future__ import annotations

import hashlib
import os
import re
import signal
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest

from c5attn.sandbox.embedded import DEFAULT_ORDERS

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="sends SIGINT to a child process")

# c5attn paused at its 100th order, while generating the world (``generating``) or while loading
# Magento's store from it (``loading``): it says so on stdout and waits for a line on stdin (or for
# the SIGINT that interrupts the wait).
PAUSED_BUILD = """
import sys
from c5attn.sandbox import magento_store, world

def pause():
    print("paused mid-build", flush=True)
    sys.stdin.readline()

if sys.argv.pop(1) == "loading":
    read_orders_file = magento_store.read_orders_file

    def reading(path):
        for count, order in enumerate(read_orders_file(path)):
            if count == 100:
                pause()
            yield order

    magento_store.read_orders_file = reading
else:
    write_order = world._JsonArrayWriter.write

    def writing(self, order):
        if self.count == 100:
            pause()
        write_order(self, order)

    world._JsonArrayWriter.write = writing
from c5attn.cli.entry import main
sys.argv = ["c5attn", *sys.argv[1:]]
main()
"""
WORLD_FILES = ("counterpoint.db", "magento-orders.json", "labels.json", "world.json", "magento.db")


def start(home: Path, *args: str, paused: str | None = None) -> subprocess.Popen[str]:
    """c5attn ARGS as a process of its own; ``paused`` ("generating", "loading"): once it is
    paused there."""
    command = [sys.executable, "-c", PAUSED_BUILD, paused] if paused else [sys.executable, "-m", "c5attn"]
    process = subprocess.Popen(
        [*command, *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "C5ATTN_HOME": str(home), "C5ATTN_OPERATOR": "tester", "NO_COLOR": "1"},
    )
    if paused:
        assert process.stdout is not None
        assert process.stdout.readline() == "paused mid-build\n", process.communicate(timeout=60)
    return process


def interrupt(process: subprocess.Popen[str], signum: int = signal.SIGINT) -> str:
    """Ctrl-C the paused build (or stop it with ``signum``); its stderr."""
    process.send_signal(signum)
    process.wait(timeout=60)  # before communicate() closes stdin, which would resume the build
    _, stderr = process.communicate()
    assert process.returncode == 130 and "Traceback" not in stderr, stderr
    return stderr


def orders_scanned(process: subprocess.Popen[str]) -> int:
    """Wait for a ``--sandbox scan``: how many orders it scanned."""
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 0, stderr
    found = re.search(r"site sandbox: ([\d,]+) orders? scanned", stderr)
    assert found is not None, stderr
    return int(found.group(1).replace(",", ""))


def magento_orders(directory: Path) -> int:
    with closing(sqlite3.connect(directory / "magento.db")) as db:
        count: int = db.execute("SELECT COUNT(*) FROM orders").fetchone()[0]
    return count


def digests(directory: Path) -> dict[str, str]:
    return {name: hashlib.sha256((directory / name).read_bytes()).hexdigest() for name in WORLD_FILES}


def leftovers(directory: Path) -> list[str]:
    """What is in the world's folder besides the world and its lock file."""
    return sorted(path.name for path in directory.iterdir() if path.name not in (*WORLD_FILES, ".world.lock"))


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_a_first_run_interrupted_mid_build_leaves_no_world_and_the_next_run_builds_it(
    tmp_path: Path, signum: int
) -> None:
    """The next run found world.json over an empty Magento store: "0 orders scanned", forever.
    A SIGTERM (kill, timeout) is handled as Ctrl-C: it was a silent death, leftovers and all."""
    home = tmp_path / "home"
    stderr = interrupt(start(home, "--sandbox", "scan", paused="loading"), signum)
    assert "c5attn: interrupted" in stderr

    assert not (home / "sandbox" / "world.json").exists()
    assert orders_scanned(start(home, "--sandbox", "scan")) > 0
    assert magento_orders(home / "sandbox") == DEFAULT_ORDERS
    assert leftovers(home / "sandbox") == []


def test_an_interrupted_init_leaves_the_previous_world_as_it_was(tmp_path: Path) -> None:
    """Ctrl-C during ``sandbox init`` replaced some of the world's files but not the others."""
    home, directory = tmp_path / "home", tmp_path / "world"
    built = start(home, "sandbox", "init", "--dir", str(directory), "--orders", "150", "--seed", "3")
    assert built.wait(timeout=60) == 0
    before = digests(directory)

    interrupt(start(home, "sandbox", "init", "--dir", str(directory), "--orders", "400", paused="loading"))

    assert digests(directory) == before
    assert leftovers(directory) == []


def test_a_second_first_run_waits_for_the_build_and_uses_the_built_world(tmp_path: Path) -> None:
    """Two first runs at once: one scanned an empty store ("no order is at Needs Attention"), the
    other failed on the first one's ``counterpoint.db.tmp``."""
    home = tmp_path / "home"
    first = start(home, "--sandbox", "scan", paused="generating")
    second = start(home, "--sandbox", "scan")
    assert second.stderr is not None
    # Its first words: it found no world and is building one (so it now waits for the lock).
    said = second.stderr.readline()
    assert first.stdin is not None
    first.stdin.write("resume\n")
    first.stdin.flush()

    assert orders_scanned(first) == orders_scanned(second) > 0, said
    assert magento_orders(home / "sandbox") == DEFAULT_ORDERS
    assert leftovers(home / "sandbox") == []


@pytest.mark.parametrize("damaged", ["magento.db", "counterpoint.db"])
def test_a_damaged_world_is_one_line_naming_the_file_and_the_reset(tmp_path: Path, damaged: str) -> None:
    """Served as it was, a garbled store answered with the server's traceback and Magento's
    "try again later"."""
    assert orders_scanned(start(tmp_path, "--sandbox", "scan")) > 0
    (tmp_path / "sandbox" / damaged).write_text("not a database\n", encoding="utf-8")
    _, stderr = start(tmp_path, "--sandbox", "list").communicate(timeout=120)
    assert stderr == (
        f"c5attn: error: the sandbox world in {tmp_path / 'sandbox'} is damaged: {damaged}: file is not a "
        "database\n  hint: start the world afresh with: c5attn sandbox reset\n"
    )
