"""The local audit log: one JSON object per line, appended and fsynced before a write is reported.

Every write c5attn makes (flag, resolve, dismiss) is recorded with who, when, where, what it
was before, what it is after and how it ended. The file is only ever appended to, so a run
killed half-way leaves every finished entry intact. A last line it tore is skipped on reading,
and the next entry starts on a line of its own rather than being glued to it and lost with it.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from c5attn import __version__
from c5attn.errors import AuditUnwritable, C5Error

AUDIT_FILE = "audit.jsonl"
_REQUIRED = ("at", "action", "result")  # what an entry must hold as text to be shown as one
# What an entry may leave out or hold as null, but as nothing else than text: readers join, split
# and hash these (a list as run_id made ``log`` crash, unhashable).
_TEXT = ("site", "order", "operator", "message", "run_id", "version")


@dataclass(frozen=True)
class AuditEntry:
    """One write attempt and its outcome (``result``: ok, failed, not-applied, dry-run …)."""

    site: str
    order: str
    action: str
    before: dict[str, Any]
    after: dict[str, Any]
    result: str
    operator: str
    message: str = ""
    run_id: str = ""
    at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    version: str = __version__


class AuditLog:
    """Append-only JSONL file under the state directory."""

    def __init__(self, state_dir: Path) -> None:
        self.path = state_dir / AUDIT_FILE
        self.unreadable = 0  # lines the last ``entries`` skipped

    def check_writable(self) -> None:
        """Open the log for appending, and close it; with no log yet, create and remove a file of
        its own beside it. Commands call this before their first write, so that a log they could
        not record the write in stops them before it is made. The log itself is never removed: a
        run's entry appended meanwhile would go with it (a ``scan --apply`` that flags nothing
        leaves no log behind all the same)."""
        if os.path.lexists(self.path):
            with self._opened():
                return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, probe = tempfile.mkstemp(prefix=f".{AUDIT_FILE}.", dir=self.path.parent)
            os.close(fd)
            os.unlink(probe)
        except OSError as err:
            raise _unwritable(self.path, err) from None

    def append(self, entry: AuditEntry) -> None:
        line = json.dumps(asdict(entry), sort_keys=True, default=str) + "\n"
        with self._opened() as fd:
            data = (b"\n" if _ends_mid_line(fd) else b"") + line.encode("utf-8")
            while data:  # a nearly full disk writes part of it and says so only on the next try
                data = data[os.write(fd, data) :]
            os.fsync(fd)

    @contextmanager
    def _opened(self) -> Iterator[int]:
        """The log's descriptor, for appending; failing to open or write it is a one-line error."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                yield fd
            finally:
                os.close(fd)
        except OSError as err:
            raise _unwritable(self.path, err) from None

    def entries(self, order: str | None = None, site: str | None = None) -> Iterator[dict[str, Any]]:
        """Entries oldest first, optionally for one order and/or site. Lines that cannot be read
        (torn by a kill, not UTF-8, not JSON, not an entry) are skipped and counted in
        ``unreadable``: one bad line must not hide the rest."""
        self.unreadable = 0
        if not self.path.exists():
            return
        try:
            handle = self.path.open("rb")
        except OSError as err:
            raise C5Error(
                f"cannot read the audit log {self.path}: {err.strerror}",
                "make it a file you can read, or set C5ATTN_HOME to another folder",
            ) from None
        with handle:
            for line in handle:
                try:
                    entry = json.loads(line.decode("utf-8"))
                except (UnicodeDecodeError, json.JSONDecodeError):
                    entry = None
                if not _is_entry(entry):
                    self.unreadable += line.strip() != b""
                    continue
                if order is not None and entry.get("order") != order:
                    continue
                if site is not None and entry.get("site") != site:
                    continue
                yield entry


def _unwritable(path: Path, err: OSError) -> AuditUnwritable:
    return AuditUnwritable(
        f"cannot write the audit log {path}: {err.strerror}",
        "c5attn records every write there before making it: make it a file you can write, "
        "or set C5ATTN_HOME to another folder",
    )


def _is_entry(data: object) -> bool:
    return (
        isinstance(data, dict)
        and all(isinstance(data.get(key), str) for key in _REQUIRED)
        and all(isinstance(data.get(key), str | None) for key in _TEXT)
    )


def _ends_mid_line(fd: int) -> bool:
    """Whether the file ends without a newline, as a run killed in the middle of an append leaves it."""
    size = os.lseek(fd, 0, os.SEEK_END)
    if size == 0:
        return False
    os.lseek(fd, size - 1, os.SEEK_SET)
    return os.read(fd, 1) != b"\n"
