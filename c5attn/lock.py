"""Write locks, so two runs never flag or resolve the same order twice.

An operating-system lock on a file (``flock``; ``msvcrt.locking`` on Windows, where Counterpoint
runs) is released by the system when the process dies, so a killed run never leaves a stale lock
behind. ``site_lock`` is one such file per site in the state folder; runs of other hosts, other
``C5ATTN_HOME``s or other site names for the same shop meet in the Counterpoint database instead
(``CounterpointStore.write_lock``), under ``shop_key``. ``file_lock`` is the same lock on any
file: the sandbox takes it to build its world one run at a time.
"""

from __future__ import annotations

import hashlib
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from c5attn.errors import C5Error, LockHeld

if TYPE_CHECKING:
    from c5attn.config import SiteConfig

if sys.platform == "win32":
    import msvcrt

    def _try_lock(fd: int) -> bool:
        os.lseek(fd, 0, os.SEEK_SET)  # the lock covers the file's first byte
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:  # held by another process
            return False
        return True

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:  # held by another process (or another open of the file)
            return False
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)


def shop_key(site: SiteConfig) -> str:
    """The name of a shop's write lock: the same on every host, under every site name."""
    stores = ",".join(str(store) for store in sorted(site.magento_store_ids))
    shop = f"{site.magento_url.rstrip('/').lower()}|{stores}"
    return "c5attn:" + hashlib.sha256(shop.encode("utf-8")).hexdigest()[:24]


@contextmanager
def site_lock(state_dir: Path, site: str, *, wait_seconds: float = 5.0) -> Iterator[None]:
    """Hold the write lock of ``site``; wait up to ``wait_seconds`` for another run, then refuse."""
    lock_dir = state_dir / "locks"
    with file_lock(
        lock_dir / f"{site}.lock",
        wait_seconds=wait_seconds,
        held=LockHeld(
            f"another c5attn run is writing to site {site!r}",
            "wait for it to finish, then run this command again",
        ),
        unusable_hint=f"make {lock_dir} a folder c5attn can write to (C5ATTN_HOME sets where it lives)",
    ):
        yield


@contextmanager
def file_lock(
    path: Path, *, wait_seconds: float, held: LockHeld, unusable_hint: str | None
) -> Iterator[None]:
    """Hold the lock on ``path`` (created with its folder if missing), waiting up to ``wait_seconds``
    for another process to release it; then raise ``held``. With ``unusable_hint`` None the lock is
    best effort: a lock file that cannot be created is no lock."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as error:  # the folder is a file, a folder without write permission, a full disk
        if unusable_hint is None:
            yield
            return
        raise C5Error(f"cannot use the lock file {path}: {error.strerror}", unusable_hint) from None
    try:
        deadline = time.monotonic() + wait_seconds
        while not _try_lock(fd):
            if time.monotonic() >= deadline:
                raise held
            time.sleep(0.1)
        try:
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
            yield
        finally:
            _unlock(fd)
    finally:
        os.close(fd)
