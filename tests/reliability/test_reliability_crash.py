"""Crash safety: ``scan --apply --yes`` SIGKILLed at seeded random moments, then run again.

Each round serves a pristine copy of the world with ``c5attn sandbox serve`` (its own process),
starts ``c5attn scan --all --apply --yes`` as its own process, kills it with SIGKILL after a
random delay, then runs the same command to completion. Whatever the moment of the kill, every
finding ends with exactly one flag comment, and the audit log tells each order's story.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from reliability_kit import (
    Shop,
    World,
    audit_entries,
    comment_counts,
    serving,
    site_toml,
    spawn,
)

CRASH_ORDERS = 700
ROUNDS = 20
SEED = 20261126


def flag_story_is_complete(results: list[str]) -> bool:
    """One order's flag entries, oldest first: started entries may lack an outcome (the kill),
    but the story ends with ``ok`` (written) or ``skipped`` (found already flagged), with at most
    one ``ok``, and never a failure."""
    if not results or results[-1] not in ("ok", "skipped"):
        return False
    return results.count("ok") <= 1 and set(results) <= {"started", "ok", "skipped"}


def run_round(
    root: Path, world: World, delay: float, *, read_log: bool
) -> tuple[dict[str, int], dict[str, int], list[dict[str, Any]]]:
    """One kill and one re-run: (flag comments after the kill, after the re-run, audit entries)."""
    home, db = root / "home", root / "magento.db"
    with serving(db, root / "server-home", orders_file=world.orders_file) as (url, _):
        config = root / "c5attn.toml"
        config.write_text(site_toml(url, world.counterpoint_db), encoding="utf-8")
        killed = spawn(home, config, "scan", "--all", "--apply", "--yes")
        time.sleep(delay)
        killed.kill()
        killed.communicate(timeout=10)
        after_kill = comment_counts(db)
        rerun = spawn(home, config, "scan", "--all", "--apply", "--yes")
        _, stderr = rerun.communicate(timeout=60)
        assert rerun.returncode == 0, stderr
        assert "Traceback" not in stderr
        if read_log:  # a line torn by the kill does not break the log command
            log = spawn(home, config, "log", "--json")
            out, err = log.communicate(timeout=30)
            assert log.returncode == 0 and out.startswith("["), err
        return after_kill, comment_counts(db), audit_entries(home)


def test_sigkill_at_random_points_then_rerun_flags_each_finding_once(
    tmp_path: Path, worlds: Callable[[int, int], World], open_shop: Callable[..., Shop]
) -> None:
    world = worlds(CRASH_ORDERS, 31)
    clean = open_shop(world)
    rows = clean.run("scan", "--all", "--json").json()
    to_flag = {row["order"] for row in rows if row["scenarios"] and not row["flagged"]}
    assert len(to_flag) > 40

    timing = tmp_path / "timing"
    with serving(timing / "magento.db", timing, orders_file=world.orders_file) as (url, _):
        config = timing / "c5attn.toml"
        config.write_text(site_toml(url, world.counterpoint_db), encoding="utf-8")
        started = time.monotonic()
        full = spawn(timing / "home", config, "scan", "--all", "--apply", "--yes")
        assert full.wait(timeout=60) == 0
        full_run = time.monotonic() - started

    rng = random.Random(SEED)
    mid_write = 0
    for number in range(ROUNDS):
        delay = rng.uniform(0.2 * full_run, 1.1 * full_run)
        root = tmp_path / f"round{number}"
        after_kill, final, audit = run_round(root, world, delay, read_log=number == ROUNDS - 1)
        assert set(after_kill) <= to_flag and all(count == 1 for count in after_kill.values())
        assert final == dict.fromkeys(to_flag, 1), (number, delay, {n: c for n, c in final.items() if c != 1})
        if 0 < len(after_kill) < len(to_flag):
            mid_write += 1
        stories: dict[str, list[str]] = {}
        for entry in audit:
            if entry["action"] == "flag":
                stories.setdefault(entry["order"], []).append(entry["result"])
        assert set(stories) == to_flag, number
        incomplete = {order: story for order, story in stories.items() if not flag_story_is_complete(story)}
        assert not incomplete, (number, delay, incomplete)
        assert {order for order, results in stories.items() if "ok" not in results} <= set(after_kill)
    assert mid_write >= ROUNDS // 4, f"only {mid_write} of {ROUNDS} kills landed while flags were written"


def test_a_flag_that_landed_before_the_kill_gets_its_outcome_from_the_next_run(shop: Shop) -> None:
    """Killed between the write and its audit outcome: the re-run finds the order flagged and says so."""
    from c5attn.audit import AuditEntry, AuditLog

    assert shop.run("scan", "--all", "--apply", "--yes").exit_code == 0
    audit = AuditLog(shop.home)
    flagged = [entry for entry in audit.entries() if entry["result"] == "ok"]
    victim = flagged[0]
    # what a run killed right after its POST leaves behind: "started", and no outcome
    audit.append(AuditEntry(site="shop", order=victim["order"], action="flag", before={}, after={},
                            result="started", operator="reliability", run_id="killed-run"))
    dry = shop.run("scan", "--all", "--apply", "--dry-run")
    assert dry.exit_code == 0 and list(audit.entries(order=victim["order"]))[-1]["result"] == "started"
    again = shop.run("scan", "--all", "--apply", "--yes")
    assert again.exit_code == 0, again.stderr
    story = [entry["result"] for entry in audit.entries(order=victim["order"])]
    assert story == ["started", "ok", "started", "ok"]
    last = list(audit.entries(order=victim["order"]))[-1]
    assert "killed-run" in last["message"] and "landed" in last["message"]
    settled = [e for e in audit.entries() if "an earlier run's" in e.get("message", "")]
    assert len(settled) == 1  # only the dangling one; orders with an outcome are left alone
    shop.run("scan", "--all", "--apply", "--yes")
    settled_again = [e for e in audit.entries() if "an earlier run's" in e.get("message", "")]
    assert len(settled_again) == 1  # settled once
