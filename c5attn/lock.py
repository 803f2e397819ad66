"""A per-site write lock, so two runs on one host never flag or resolve the same order twice.

``flock`` is released by the kernel when the process dies, so a killed run never leaves a
stale lock behind. (On SQL Server, runs on other hosts would also need ``sp_getapplock``.)
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from c5attn.errors import LockHeld


@contextmanager
def site_lock(state_dir: Path, site: str, *, wait_seconds: float = 5.0) -> Iterator[None]:
    """Hold the write lock of ``site``; wait up to ``wait_seconds`` for another run, then refuse."""
    lock_dir = state_dir / "locks"
    lock_dir.mkdir(parents=True, exist_ok=True)
    path = lock_dir / f"{site}.lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        deadline = time.monotonic() + wait_seconds
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise LockHeld(
                        f"another c5attn run is writing to site {site!r}",
                        "wait for it to finish, then run this command again",
                    ) from None
                time.sleep(0.1)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield
    finally:
        os.close(fd)
