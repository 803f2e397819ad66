"""Concurrency: two ``scan --apply`` runs on one site at the same moment never double-flag.

The shop's write lock (``c5attn.lock.site_lock``, flock under C5ATTN_HOME, and beside the SQLite
database for runs of another home) serialises the writes;
the second run waits up to 5 s for it, then refuses with exit code 5. Whichever gets the lock
second re-reads each order before writing and skips the ones the first run flagged.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
from reliability_kit import (
    Shop,
    World,
    assert_clear_error,
    audit_entries,
    comment_counts,
    comment_total,
    spawn,
)

from c5attn.lock import site_lock

LOCKED_MESSAGE = "another c5attn run is writing to site 'shop'"


@pytest.fixture(scope="module")
def busy_world(worlds: Callable[[int, int], World]) -> World:
    return worlds(600, 37)


def race(shop: Shop, *, other_home: bool = False) -> bool:
    """Start two ``scan --apply --yes`` at once (the second under another C5ATTN_HOME if asked);
    check the outcome; True if they really overlapped."""
    rows = shop.run("scan", "--all", "--json").json()
    to_flag = {row["order"] for row in rows if row["scenarios"] and not row["flagged"]}
    homes = [shop.home, shop.root / "other-home" if other_home else shop.home]
    first = spawn(homes[0], shop.config, "scan", "--all", "--apply", "--yes")
    second = spawn(homes[1], shop.config, "scan", "--all", "--apply", "--yes")
    outcomes = [(process.wait(timeout=60), process.communicate()[1]) for process in (first, second)]
    for code, stderr in outcomes:
        assert code in (0, 5), stderr
        assert "Traceback" not in stderr
        if code == 5:
            assert LOCKED_MESSAGE in stderr
    assert [code for code, _ in outcomes].count(0) >= 1
    assert comment_counts(shop.magento_db) == dict.fromkeys(to_flag, 1)
    entries = [entry for home in dict.fromkeys(homes) for entry in audit_entries(home)]
    flags = [entry for entry in entries if entry["action"] == "flag"]
    assert sorted(e["order"] for e in flags if e["result"] == "ok") == sorted(to_flag)
    assert all(e["result"] in ("started", "ok", "skipped") for e in flags)
    skipped = {e["order"] for e in flags if e["result"] == "skipped"}
    assert skipped <= to_flag
    # overlapped: the loser either refused, or waited and skipped what the winner had written
    return 5 in [code for code, _ in outcomes] or bool(skipped)


def test_two_applies_at_the_same_time_flag_each_finding_once(
    open_shop: Callable[..., Shop], busy_world: World
) -> None:
    overlapped = [race(open_shop(busy_world, latency_ms=2)) for _ in range(3)]  # slow writes overlap
    assert any(overlapped), "the two runs never overlapped: the test proved nothing"


def test_two_applies_from_two_homes_flag_each_finding_once(
    open_shop: Callable[..., Shop], busy_world: World
) -> None:
    """Each home has its own lock folder: on SQLite the lock beside the database file is what
    keeps two operators' runs (two C5ATTN_HOMEs, one sandbox world) apart."""
    overlapped = [race(open_shop(busy_world, latency_ms=2), other_home=True) for _ in range(3)]
    assert any(overlapped), "the two runs never overlapped: the test proved nothing"


def test_a_held_lock_makes_apply_wait_then_refuse_with_exit_5(shop: Shop) -> None:
    comments = comment_total(shop.magento_db)
    started = time.monotonic()
    with site_lock(shop.home, "shop"):
        run = shop.run("scan", "--all", "--apply", "--yes")
    waited = time.monotonic() - started
    assert_clear_error(run, 5, LOCKED_MESSAGE, "wait for it to finish")
    assert 4.5 <= waited < 15
    assert comment_total(shop.magento_db) == comments
    assert shop.server.requests_to("POST", "/comments") == 0


def test_apply_waits_for_a_lock_released_within_the_wait(shop: Shop) -> None:
    taken, release = threading.Event(), threading.Event()

    def other_run() -> None:
        with site_lock(shop.home, "shop"):
            taken.set()
            release.wait(10)

    holder = threading.Thread(target=other_run)
    holder.start()
    taken.wait(5)
    threading.Timer(1.0, release.set).start()
    run = shop.run("scan", "--all", "--apply", "--yes")
    holder.join()
    assert run.exit_code == 0, run.stderr
    assert comment_counts(shop.magento_db)
    assert set(comment_counts(shop.magento_db).values()) == {1}
