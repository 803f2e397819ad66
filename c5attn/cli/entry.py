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
"""

from __future__ import annotations

import gc
import signal
import sys


def main() -> None:
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
