"""What the floor replays: exactly the scan's Magento requests and Counterpoint statements.

The requests come from the scan's own ``--verbose`` trace (one line per HTTP request). The
statements, with their parameters, are recorded by running c5attn's ``CounterpointStore`` over
the same order numbers through a recording connection, before any timing. benchmarks/replay.py
then replays both, timed.
"""

from __future__ import annotations

import re
import sqlite3
import urllib.parse
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import requests

from c5attn.config import SiteConfig
from c5attn.counterpoint.connection import DBConnection, sqlite_path
from c5attn.counterpoint.store import CounterpointStore
from c5attn.workflow import counterpoint_batches

_REQUEST_LINE = re.compile(r"^(?P<method>GET|POST|PUT|DELETE) (?P<url>\S+) → (?P<status>\d{3}) ")
_STATEMENT_START = re.compile(r"^\s*(SELECT|UPDATE|INSERT|DELETE|WITH)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Trace:
    """What one ``c5attn -v scan`` sent: its request URLs (in order) and its SQL statement count."""

    urls: list[str]
    statements: int


def read_trace(text: str) -> Trace:
    """Parse the stderr of ``c5attn -v``: request lines and SQL lines (one line each)."""
    urls: list[str] = []
    statements = 0
    for line in text.splitlines():
        if match := _REQUEST_LINE.match(line):
            if match["method"] != "GET":
                raise ValueError(f"a scan should only read, but it sent: {line[:120]}")
            urls.append(match["url"])
        elif _STATEMENT_START.match(line):
            statements += 1
    return Trace(urls, statements)


class _RecordingCursor(sqlite3.Cursor):
    """A cursor that records each statement with its parameters in its connection's ``log``."""

    def execute(self, sql: str, parameters: Any = (), /) -> _RecordingCursor:
        connection = self.connection
        assert isinstance(connection, _RecordingConnection)
        connection.log.append((sql, tuple(parameters)))
        super().execute(sql, parameters)
        return self


class _RecordingConnection(sqlite3.Connection):
    """A real ``sqlite3.Connection`` (c5attn picks its SQL dialect by type) that records statements."""

    log: list[tuple[str, tuple[Any, ...]]]

    def cursor(self, factory: Any = None) -> _RecordingCursor:  # type: ignore[override]  # always recording
        return super().cursor(_RecordingCursor)


def record_statements(site: SiteConfig, order_numbers: Iterable[str]) -> list[tuple[str, tuple[Any, ...]]]:
    """The statements (SQL, parameters) c5attn's store sends for these orders, batch by batch.

    The world's Counterpoint is a SQLite file; it is opened read-only, as the scan opens it.
    """
    log: list[tuple[str, tuple[Any, ...]]] = []

    def factory(dsn: str, *, timeout_seconds: int, autocommit: bool, read_only: bool = False) -> DBConnection:
        uri = f"file:{urllib.parse.quote(str(sqlite_path(dsn)))}?mode=ro"
        connection = sqlite3.connect(uri, uri=True, isolation_level=None, factory=_RecordingConnection)
        assert isinstance(connection, _RecordingConnection)
        connection.log = log
        return connection

    with CounterpointStore(site, connection_factory=factory) as store:
        for batch in counterpoint_batches(site, order_numbers):
            store.fetch_orders(batch)
    return log


def order_numbers(urls: Sequence[str], token: str) -> list[str]:
    """The increment IDs the scan's pages return, in the scan's order (untimed, for recording)."""
    numbers: list[str] = []
    seen: set[int] = set()
    with requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {token}"
        for url in urls:
            response = session.get(url, timeout=60)
            response.raise_for_status()
            for item in response.json().get("items") or []:
                if item["entity_id"] not in seen:
                    seen.add(item["entity_id"])
                    numbers.append(str(item.get("increment_id", "")))
    return numbers
