"""The floor, as a process of its own: replay a scan's requests and statements, doing nothing else.

Timed like the scan (benchmarks/measure.py runs it), so both pay for starting Python; this one
imports only ``requests`` and ``sqlite3``. The requests go out with the scan's concurrency (the
first page alone, then ``workers`` at a time) and each body is read, not parsed; meanwhile a
second thread runs the recorded statements on a read-only connection and fetches their rows.
The wire and the database, overlapped: what a scan costs with no code of ours in between.

Usage: python benchmarks/replay.py PLAN.pickle   (written by benchmarks/scan.py; prints seconds)
"""

from __future__ import annotations

import pickle
import sqlite3
import sys
import threading
import time
import urllib.parse
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests
from requests.adapters import HTTPAdapter


def run_statements(database: str, statements: Sequence[tuple[str, tuple[Any, ...]]]) -> None:
    connection = sqlite3.connect(f"file:{urllib.parse.quote(database)}?mode=ro", uri=True)
    try:
        for sql, parameters in statements:
            connection.execute(sql, parameters).fetchall()
    finally:
        connection.close()


def replay(
    urls: Sequence[str],
    statements: Sequence[tuple[str, tuple[Any, ...]]],
    *,
    database: str,
    token: str,
    workers: int,
) -> float:
    """Seconds to send ``urls`` (first alone, then ``workers`` at a time) while running ``statements``."""
    started = time.perf_counter()
    session = requests.Session()
    adapter = HTTPAdapter(pool_connections=2, pool_maxsize=workers + 1, max_retries=0)
    session.mount("http://", adapter)
    session.headers["Authorization"] = f"Bearer {token}"

    def fetch(url: str) -> int:
        response = session.get(url, timeout=60)
        if response.status_code != 200:
            raise RuntimeError(f"replay got HTTP {response.status_code} for {url[:100]}")
        return len(response.content)

    failures: list[BaseException] = []

    def database_thread() -> None:
        try:
            run_statements(database, statements)
        except BaseException as exc:  # re-raised below, on the main thread
            failures.append(exc)

    sql = threading.Thread(target=database_thread, name="floor-sql")
    sql.start()
    if urls:
        fetch(urls[0])
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="floor-http") as pool:
            for _ in pool.map(fetch, urls[1:]):
                pass
    sql.join()
    session.close()
    if failures:
        raise failures[0]
    return time.perf_counter() - started


def main(argv: list[str]) -> int:
    (plan_path,) = argv
    with open(plan_path, "rb") as handle:
        plan = pickle.load(handle)
    seconds = replay(
        plan["urls"],
        plan["statements"],
        database=plan["database"],
        token=plan["token"],
        workers=plan["workers"],
    )
    print(f"{seconds:.6f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
