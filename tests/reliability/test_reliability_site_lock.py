"""The site write lock on each platform: flock here, msvcrt.locking on Windows (faked here)."""

from __future__ import annotations

import importlib.util
import os
import sys
import types
from pathlib import Path

import pytest

from c5attn.errors import C5Error, LockHeld
from c5attn.lock import file_lock, site_lock


def test_the_lock_is_held_inside_and_free_again_after(tmp_path: Path) -> None:
    with (
        site_lock(tmp_path, "web"),
        pytest.raises(LockHeld, match="'web'"),
        site_lock(tmp_path, "web", wait_seconds=0.2),
    ):
        pass
    with site_lock(tmp_path, "web", wait_seconds=0.2):  # released: taken again at once
        assert (tmp_path / "locks" / "web.lock").read_text() == f"{os.getpid()}\n"
    with site_lock(tmp_path, "outlet", wait_seconds=0.2), site_lock(tmp_path, "web", wait_seconds=0.2):
        pass  # one lock per site


def test_a_lock_folder_that_is_a_file_is_one_clear_error(tmp_path: Path) -> None:
    (tmp_path / "locks").write_text("not a folder")
    with (
        pytest.raises(C5Error, match=r"cannot use the lock file .*web\.lock") as caught,
        site_lock(tmp_path, "web"),
    ):
        pass
    assert caught.type is C5Error and "C5ATTN_HOME" in (caught.value.hint or "")


def test_a_best_effort_lock_whose_file_cannot_be_made_is_no_lock(tmp_path: Path) -> None:
    (tmp_path / "folder").write_text("a file where the lock's folder would go")
    held = LockHeld("held", None)
    with file_lock(tmp_path / "folder" / "x.lock", wait_seconds=0.1, held=held, unusable_hint=None):
        entered = True
    assert entered


class _FakeMsvcrt(types.ModuleType):
    """Windows byte-range locks as ``msvcrt.locking`` has them: per open file, from its position."""

    LK_NBLCK, LK_UNLCK = 2, 0

    def __init__(self) -> None:
        super().__init__("msvcrt")
        self.held: dict[int, int] = {}  # file identity -> the descriptor holding byte 0
        self.calls: list[tuple[str, int, int]] = []

    def locking(self, fd: int, mode: int, nbytes: int) -> None:
        position = os.lseek(fd, 0, os.SEEK_CUR)
        self.calls.append(("lock" if mode == self.LK_NBLCK else "unlock", position, nbytes))
        inode = os.fstat(fd).st_ino
        if mode == self.LK_NBLCK:
            if self.held.get(inode, fd) != fd:
                raise PermissionError(13, "Permission denied")  # what Windows raises
            self.held[inode] = fd
        else:
            del self.held[inode]


def test_on_windows_the_first_byte_is_locked_and_unlocked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = _FakeMsvcrt()
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setitem(sys.modules, "msvcrt", fake)
    monkeypatch.delitem(sys.modules, "fcntl", raising=False)  # not importable on Windows
    monkeypatch.setattr("builtins.__import__", _refusing("fcntl", __import__))
    spec = importlib.util.find_spec("c5attn.lock")
    assert spec is not None and spec.loader is not None
    windows_lock = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(windows_lock)

    with (
        windows_lock.site_lock(tmp_path, "web"),
        pytest.raises(LockHeld),
        windows_lock.site_lock(tmp_path, "web", wait_seconds=0.2),
    ):
        pass
    with windows_lock.site_lock(tmp_path, "web", wait_seconds=0.2):
        pass
    assert fake.held == {}
    assert set(fake.calls) == {("lock", 0, 1), ("unlock", 0, 1)}


def _refusing(name: str, real: object) -> object:
    def guarded(module: str, *args: object, **kwargs: object) -> object:
        if module == name:
            raise ModuleNotFoundError(f"No module named {name!r}")
        return real(module, *args, **kwargs)  # type: ignore[operator]

    return guarded
