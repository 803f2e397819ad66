"""The console script's entry point, for Ctrl-C at the edges of a run.

Pressed while c5attn is still loading, it exits quietly with 130 rather than a traceback. Pressed
after the command has ended (while the interpreter joins finished worker threads), it is ignored:
the run has said how it ended, and its exit code must not become a signal death.
"""

from __future__ import annotations

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
