"""The console script's entry point, for Ctrl-C at the edges of a run and a quick exit.

Pressed while c5attn is still loading, Ctrl-C exits quietly with 130 rather than a traceback.
SIGTERM is Ctrl-C too, from start to end (``_terminated``).
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

A reader that stops reading (``c5attn scan --json | head -1``) is not a failure of the command:
once stdout's (or stderr's) pipe is closed, what is still written there is dropped, and the
command runs to its end and exits with the status it would have had otherwise (6 for
``scan --fail-if-found`` with findings), its summary on stderr intact. A command is never cut
short by its reader between two writes to Magento or Counterpoint. The stream's file descriptor
is pointed at the null device, so the interpreter's last flush cannot fail either (no "Exception
ignored ... BrokenPipeError" at exit).

Any other failure to write stdout (a full disk: ``c5attn scan --json > /dev/full``) fails the
command with one line, exit 1: its output is incomplete, and saying nothing would pass that on
as a result. A failure to write stderr drops the rest of it; the exit code still tells. A stream
closed before the start (``c5attn list >&-``) is written to the null device.
"""

from __future__ import annotations

import errno
import gc
import io
import os
import signal
import sys
from typing import Any, TextIO, cast


def never_fail_on_encoding() -> None:
    """Write what the streams' encodings cannot hold as "?" instead of failing the command."""
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper) and stream.errors == "strict":
            stream.reconfigure(errors="replace")


def reader_left(exc: OSError) -> bool:
    """Whether a failed write means the reader closed the pipe: EPIPE, or on Windows EINVAL, which
    its C runtime reports for a pipe whose reader is gone (``c5attn scan --json | more``, quit)."""
    return isinstance(exc, BrokenPipeError) or (sys.platform == "win32" and exc.errno == errno.EINVAL)


class ReaderMayLeave:
    """A standard stream whose reader may close the pipe: from then on, writes are dropped.

    ``essential`` (stdout): any other write failure is an ``OutputFailed``; else it drops the rest.
    """

    def __init__(self, stream: TextIO, *, essential: bool = False) -> None:
        self._stream = stream
        self._essential = essential
        self.reader_left = False

    def write(self, text: str) -> int:
        if not self.reader_left:
            try:
                return self._stream.write(text)
            except OSError as exc:
                self._failed(exc)
        return len(text)

    def _failed(self, exc: OSError) -> None:
        self._drop_the_rest()  # also so that the interpreter's last flush cannot fail again
        if self._essential and not reader_left(exc):
            from c5attn.errors import OutputFailed

            raise OutputFailed(
                f"cannot write the output: {exc.strerror or exc}",
                "what was written is incomplete; free some space, or send the output elsewhere",
            ) from None

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        if not self.reader_left:
            try:
                self._stream.flush()
            except OSError as exc:
                self._failed(exc)

    def _drop_the_rest(self) -> None:
        """What the stream still buffers goes to the null device (a last flush cannot fail)."""
        self.reader_left = True
        try:
            null = os.open(os.devnull, os.O_WRONLY)
        except OSError:
            return
        try:
            os.dup2(null, self._stream.fileno())
        except (OSError, ValueError):  # no file descriptor: nothing left to flush there
            pass
        finally:
            os.close(null)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def tolerate_readers_leaving() -> None:
    """Write stdout and stderr through ``ReaderMayLeave`` (see the module's docstring). A stream
    closed before the start (``c5attn list >&-``) is None in Python: the null device instead."""
    sys.stdout = cast(TextIO, ReaderMayLeave(sys.stdout or _null_stream(), essential=True))
    sys.stderr = cast(TextIO, ReaderMayLeave(sys.stderr or _null_stream()))


def _null_stream() -> TextIO:
    return open(os.devnull, "w", encoding="utf-8")  # lives as long as the process


def _terminated(signum: int, frame: object) -> None:
    """SIGTERM (``kill``, ``timeout``, a service stopping) ends a run as Ctrl-C does: a write in
    flight is recorded as such, the progress bar gives the terminal its cursor back, exit 130.
    (It was the default death: no word, the cursor left hidden, an in-flight write unrecorded.)"""
    raise KeyboardInterrupt


def main() -> None:
    never_fail_on_encoding()
    tolerate_readers_leaving()
    signal.signal(signal.SIGTERM, _terminated)
    try:
        from c5attn.cli.app import main as run
    except KeyboardInterrupt:
        sys.stderr.write("\nc5attn: interrupted\n")
        sys.exit(130)
    try:
        run()
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        gc.freeze()
