"""Work on daemon threads, whose results are ``Future``s.

A thread still waiting for Magento when a command stops (an error, Ctrl-C, SIGTERM) must not hold
the process open until the answer comes or times out. A ``ThreadPoolExecutor`` would: the
interpreter joins its threads at exit, and leaving its ``with`` block waits for them too.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

R = TypeVar("R")


def in_background(work: Callable[..., R], *args: Any, name: str) -> Future[R]:
    """Run ``work(*args)`` on a daemon thread named ``name``; its result or exception in the future.
    A future cancelled before the thread starts runs nothing."""
    future: Future[R] = Future()

    def run() -> None:
        if not future.set_running_or_notify_cancel():
            return
        try:
            future.set_result(work(*args))
        except BaseException as exc:  # handed to the caller, who re-raises it
            future.set_exception(exc)

    threading.Thread(target=run, name=name, daemon=True).start()
    return future
