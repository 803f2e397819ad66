"""The reliability tests' tools: worlds, site configuration files, CLI runs and store read-outs.

Everything runs the real CLI against a real Magento sandbox on 127.0.0.1 and a real SQLite
Counterpoint database, configured through a TOML file exactly as an operator would.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from c5attn.cli.app import app
from c5attn.sandbox.magento_server import MagentoSandbox
from c5attn.sandbox.magento_store import load_orders
from c5attn.sandbox.world import build_world

TOKEN = "rel-token-5f1d8c"  # the bearer token the sandboxes accept
TOKEN_VAR = "REL_MAGENTO_TOKEN"
FLAG_MARK = "[c5attn:flag"

# World sizes of the reliability tests.
SMALL_ORDERS = 300  # bad input, secrets, concurrency
FAULT_ORDERS = 3000  # the read-only scan under faults ("a few thousand")
APPLY_ORDERS = 400  # scan --apply under faults (every flag is 4 requests, each may be retried)


@dataclass(frozen=True)
class World:
    """A generated world: the Magento orders (JSON) and a pristine Counterpoint database."""

    directory: Path
    orders: list[dict[str, Any]]

    @property
    def counterpoint_db(self) -> Path:
        return self.directory / "counterpoint.db"

    @property
    def orders_file(self) -> Path:
        return self.directory / "magento-orders.json"

    def copy_to(self, target: Path) -> tuple[Path, Path]:
        """A private copy of both stores under ``target``: (magento.db, counterpoint.db)."""
        target.mkdir(parents=True, exist_ok=True)
        magento_db = target / "magento.db"
        load_orders(magento_db, self.orders)
        counterpoint_db = target / "counterpoint.db"
        shutil.copyfile(self.counterpoint_db, counterpoint_db)
        return magento_db, counterpoint_db


@dataclass
class Shop:
    """One site: private copies of both stores, its sandbox server, its config file and home."""

    root: Path
    magento_db: Path
    counterpoint_db: Path
    server: MagentoSandbox
    home: Path = field(init=False)
    config: Path = field(init=False)

    def __post_init__(self) -> None:
        self.home = self.root / "home"
        self.config = self.root / "c5attn.toml"
        self.configure()

    def configure(self, *, url: str | None = None, dsn: Path | str | None = None, **keys: Any) -> Path:
        """(Re)write the config file; ``url``/``dsn`` default to this shop's server and database."""
        text = site_toml(url or self.server.url, dsn if dsn is not None else self.counterpoint_db, **keys)
        self.config.write_text(text, encoding="utf-8")
        return self.config

    def run(self, *args: str, env: dict[str, str] | None = None) -> Run:
        return invoke(self.home, self.config, *args, env=env)


def make_world(directory: Path, orders: int, seed: int) -> World:
    """Build a world anchored at the real clock (the CLI classifies against the real clock)."""
    directory.mkdir(parents=True, exist_ok=True)
    build_world(directory, orders=orders, seed=seed, now=datetime.now(UTC))
    data = json.loads((directory / "magento-orders.json").read_text(encoding="utf-8"))
    return World(directory, data)


def site_toml(
    url: str,
    counterpoint_db: Path | str,
    *,
    name: str = "shop",
    auth: str = f'magento_token = "env:{TOKEN_VAR}"',
    timeout: str = "10",
    extra: str = "",
) -> str:
    """The ``[sites.NAME]`` table of the world's site (store 1, Counterpoint store WEB)."""
    dsn = counterpoint_db if isinstance(counterpoint_db, str) else f"sqlite:///{counterpoint_db}"
    return (
        f"[sites.{name}]\n"
        f'magento_url = "{url}"\n'
        f"{auth}\n"
        f'counterpoint_dsn = "{dsn}"\n'
        "magento_store_ids = [1]\n"
        'counterpoint_store = "WEB"\n'
        'web_pay_codes = ["WEB", "PAYPAL"]\n'
        f"magento_timeout_seconds = {timeout}\n"
        f"{extra}\n"
    )


@dataclass
class Run:
    exit_code: int
    stdout: str
    stderr: str
    exception: BaseException | None = None

    def json(self) -> Any:
        return json.loads(self.stdout)


def base_env(home: Path, config: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    return {
        "C5ATTN_HOME": str(home),
        "C5ATTN_CONFIG": str(config),
        "C5ATTN_OPERATOR": "reliability",
        "NO_COLOR": "1",
        TOKEN_VAR: TOKEN,
        **(extra or {}),
    }


def invoke(home: Path, config: Path, *args: str, env: Mapping[str, str] | None = None) -> Run:
    """Run the CLI in this process (a crash shows up as ``exception``, never swallowed)."""
    result = CliRunner().invoke(app, list(args), env=base_env(home, config, env), catch_exceptions=True)
    crash = result.exception if not isinstance(result.exception, SystemExit) else None
    return Run(result.exit_code, result.stdout, result.stderr, crash)


def spawn(
    home: Path, config: Path, *args: str, env: Mapping[str, str] | None = None
) -> subprocess.Popen[str]:
    """Run the CLI as its own process (``python -m c5attn``), as cron or a second operator would."""
    return subprocess.Popen(
        [sys.executable, "-m", "c5attn", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **base_env(home, config, env)},
    )


def assert_clear_error(run: Run, exit_code: int, *fragments: str) -> str:
    """One ``c5attn: error:`` line (plus at most a hint line), no traceback, this exit code."""
    assert run.exception is None, f"crashed: {run.exception!r}\n{run.stderr}"
    assert run.exit_code == exit_code, (run.exit_code, run.stderr)
    assert "Traceback" not in run.stderr + run.stdout
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("c5attn: error: ")]
    assert len(errors) == 1, run.stderr
    error_at = lines.index(errors[0])
    assert all(line.startswith("  hint: ") for line in lines[error_at + 1 :]), run.stderr
    for fragment in fragments:
        assert fragment in run.stderr, (fragment, run.stderr)
    return errors[0]


def magento_orders(magento_db: Path) -> list[dict[str, Any]]:
    """The sandbox store's orders as the server answers them (readable while it serves)."""
    db = sqlite3.connect(magento_db)
    try:
        return [json.loads(row[0]) for row in db.execute("SELECT body FROM order_json")]
    finally:
        db.close()


def comment_counts(magento_db: Path, mark: str = FLAG_MARK) -> dict[str, int]:
    """Order number → how many of its comments contain ``mark`` (orders with none left out)."""
    counts: dict[str, int] = {}
    for order in magento_orders(magento_db):
        found = sum(mark in str(h.get("comment") or "") for h in order.get("status_histories") or [])
        if found:
            counts[str(order["increment_id"])] = found
    return counts


def comment_total(magento_db: Path) -> int:
    return sum(len(order.get("status_histories") or []) for order in magento_orders(magento_db))


def audit_entries(home: Path) -> list[dict[str, Any]]:
    path = home / "audit.jsonl"
    if not path.exists():
        return []
    entries = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            entries.append(json.loads(line))
        except json.JSONDecodeError:  # a line torn by a kill
            continue
    return entries


@contextmanager
def serving(
    db: Path, home: Path, *args: str, orders_file: Path | None = None
) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """``c5attn sandbox serve`` as its own process; yields its URL; killed afterwards."""
    command = [sys.executable, "-m", "c5attn", "sandbox", "serve", "--db", str(db), "--token", TOKEN, *args]
    if orders_file is not None:
        command += ["--orders-file", str(orders_file)]
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "C5ATTN_HOME": str(home)},
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline().strip()
        assert first.startswith("listening on http://127.0.0.1:"), first
        yield first.removeprefix("listening on "), process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)


def write_command(shop: Shop, write: str) -> list[str]:
    """``write`` with work to do: an order at Needs Attention with an open Commerce5 error."""
    with sqlite3.connect(shop.counterpoint_db) as db:
        erring = {row[0] for row in db.execute("SELECT ORD_NO FROM USER_C5_ORD_ERR WHERE IS_DISMISSED = 'N'")}
    number = next(
        str(order["increment_id"])
        for order in magento_orders(shop.magento_db)
        if (order["store_id"], order["status"], order["state"]) == (1, "needs_attention", "processing")
        and str(order["increment_id"]) in erring
    )
    return {
        "scan --apply": ["scan", "--all", "--apply", "--yes"],
        "resolve --dismiss-error": ["resolve", number, "--dismiss-error", "--yes"],
        "dismiss-error": ["dismiss-error", number, "--yes"],
    }[write]
