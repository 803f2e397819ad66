"""The console script's entry point, for Ctrl-C at the edges of a run and a quick exit.

Pressed while c5attn is still loading, Ctrl-C exits quietly with 130 rather than a traceback.
Pressed after the command has ended (while the interpreter runs its atexit handlers and tears
down), it is ignored: the run has said how it ended, and its exit code must not become a signal
death.

Once the command has ended, the objects still alive (35,000 to 50,000: every imported module,
Typer's command tree) are frozen out of the cyclic garbage collector. The interpreter's teardown
runs full collections over all of them, which took 35 to 60 ms of every run (a fifth of
``c5attn scenarios``); frozen, the cycles among them are left to the operating system, which
reclaims the whole process anyway. Their files, connections and locks are closed by the commands'
own ``with`` blocks, and atexit handlers still run.

Output that the console's encoding cannot hold (Windows writes a redirected or piped stream in
its ANSI code page, cp1252 say, which has no "→") is replaced, not a ``UnicodeEncodeError``:
that failed ``resolve`` and ``log`` with a traceback after the write had been made.
"""

from __future__ import annotations

import gc
import io
import signal
import sys


def never_fail_on_encoding() -> None:
    """Write what the streams' encodings cannot hold as "?" instead of failing the command."""
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper) and stream.errors == "strict":
            stream.reconfigure(errors="replace")


def main() -> None:
    never_fail_on_encoding()
    try:
        from c5attn.cli.app import main as run
    except KeyboardInterrupt:
        sys.stderr.write("\nc5attn: interrupted\n")
        sys.exit(130)
    try:
        run()
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        gc.freeze()
