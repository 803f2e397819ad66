"""Several sites are scanned at once; one failing stops the others at their next page."""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest

from c5attn.errors import MagentoAuthError
from c5attn.workflow import for_each_site

Progress = Callable[[int, int], None]


def _site(name: str) -> SimpleNamespace:
    """What ``for_each_site`` reads of a session: its site's name (for the error message)."""
    return SimpleNamespace(site=SimpleNamespace(name=name))


def test_one_site_runs_on_the_calling_thread() -> None:
    ran_on = for_each_site(["web"], lambda site, progress: threading.current_thread())  # type: ignore[list-item]
    assert ran_on == [threading.main_thread()]


def test_sites_run_at_once_and_results_keep_the_site_order() -> None:
    both_started = threading.Barrier(3, timeout=10)  # one site after the other would never pass it

    def work(site: Any, progress: Progress | None) -> str:
        both_started.wait()
        return f"{site} done on {threading.current_thread().name.split('_')[0]}"

    assert for_each_site(["east", "west", "north"], work) == [  # type: ignore[list-item]
        "east done on c5attn-site",
        "west done on c5attn-site",
        "north done on c5attn-site",
    ]


def test_a_failure_stops_the_other_sites_at_their_next_page_and_is_raised() -> None:
    pages_read: dict[str, int] = {"east": 0, "west": 0}
    west_failed = threading.Event()

    def work(site: Any, progress: Progress | None) -> str:
        assert progress is not None
        if site.site.name == "west":
            west_failed.set()
            raise MagentoAuthError("Magento refused the token for west", "check magento_token")
        for page in range(1, 1_000):
            west_failed.wait(timeout=10)
            pages_read[site.site.name] += 1
            progress(page * 300, 300_000)  # raises once another site has failed
        return "east scanned every page"

    with pytest.raises(MagentoAuthError, match="for west"):
        for_each_site([_site("east"), _site("west")], work)  # type: ignore[list-item]
    assert pages_read["east"] <= 1


def test_the_first_failure_in_site_order_wins() -> None:
    def work(site: Any, progress: Progress | None) -> None:
        raise MagentoAuthError(f"{site.site.name} failed", "check it")

    with pytest.raises(MagentoAuthError, match=r"^site east: east failed"):
        for_each_site([_site("east"), _site("west")], work)  # type: ignore[list-item]


def test_progress_reaches_each_sites_own_reporter() -> None:
    seen: dict[str, list[tuple[int, int]]] = {"east": [], "west": []}

    def work(site: Any, progress: Progress | None) -> None:
        assert progress is not None
        progress(300, 600)
        progress(600, 600)

    for_each_site(
        ["east", "west"],  # type: ignore[list-item]
        work,
        [lambda done, total: seen["east"].append((done, total)), lambda d, t: seen["west"].append((d, t))],
    )
    assert seen == {"east": [(300, 600), (600, 600)], "west": [(300, 600), (600, 600)]}


def test_the_collector_stays_paused_until_every_site_is_done() -> None:
    enabled_while_west_ran: list[bool] = []
    east_done = threading.Event()

    def work(site: Any, progress: Progress | None) -> None:
        if site == "east":
            east_done.set()
            return
        east_done.wait(timeout=10)
        enabled_while_west_ran.append(gc.isenabled())

    was_enabled = gc.isenabled()
    gc.enable()
    try:
        for_each_site(["east", "west"], work)  # type: ignore[list-item]
        assert enabled_while_west_ran == [False] and gc.isenabled()
    finally:
        if not was_enabled:
            gc.disable()
