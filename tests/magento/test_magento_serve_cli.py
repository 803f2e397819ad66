"""``c5attn sandbox serve`` as a real process, paged by plain ``requests`` in Magento's own syntax."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
from magento_factory import TOKEN, make_order
from typer.testing import CliRunner

from c5attn.cli.app import app
from c5attn.sandbox.magento_server import MagentoSandbox
from c5attn.sandbox.magento_store import load_orders

HEADERS = {"Authorization": f"Bearer {TOKEN}"}
SERVE = [sys.executable, "-m", "c5attn", "sandbox", "serve"]


@contextmanager
def serving(tmp_path: Path, *args: str) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    env = {**os.environ, "C5ATTN_HOME": str(tmp_path / "home")}
    process = subprocess.Popen(
        [sys.executable, "-m", "c5attn", "sandbox", "serve", "--db", str(tmp_path / "store.db"), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline().strip()
        assert first.startswith("listening on http://127.0.0.1:"), first + (
            process.stderr.read() if process.stderr else ""
        )
        yield first.removeprefix("listening on "), process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)


def test_serve_an_orders_file_page_it_with_snake_case_and_stop_cleanly(tmp_path: Path) -> None:
    orders_file = tmp_path / "orders.json"
    orders_file.write_text(
        json.dumps(
            [make_order(i, status="needs_attention" if i % 3 else "processing") for i in range(1, 24)]
        ),
        encoding="utf-8",
    )
    with serving(tmp_path, "--orders-file", str(orders_file), "--magento-version", "2.4.6") as (url, process):
        seen: list[str] = []
        page = 1
        while True:
            params = {
                "searchCriteria[filter_groups][0][filters][0][field]": "status",
                "searchCriteria[filter_groups][0][filters][0][value]": "needs_attention",
                "searchCriteria[filter_groups][0][filters][0][condition_type]": "eq",
                "searchCriteria[sort_orders][0][field]": "entity_id",
                "searchCriteria[sort_orders][0][direction]": "ASC",
                "searchCriteria[page_size]": "4",
                "searchCriteria[current_page]": str(page),
                "fields": "items[increment_id],total_count",
            }
            body = requests.get(f"{url}/rest/V1/orders", params=params, headers=HEADERS, timeout=10).json()
            seen += [item["increment_id"] for item in body["items"]]
            if page * 4 >= body["total_count"]:
                break
            page += 1
        assert seen == [f"{100000000 + i}" for i in range(1, 24) if i % 3]
        history = {
            "parent_id": 2,
            "comment": "kept",
            "status": "processing",
            "is_customer_notified": 0,
            "is_visible_on_front": 0,
        }
        posted = requests.post(
            f"{url}/rest/default/V1/orders/2/comments",
            json={"statusHistory": history},
            headers=HEADERS,
            timeout=10,
        )
        assert posted.json() is True
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
        assert process.stderr is not None and "state saved" in process.stderr.read()

    with serving(tmp_path) as (url, process):  # the same store, without reloading: the write is there
        order = requests.get(f"{url}/rest/default/V1/orders/2", headers=HEADERS, timeout=10).json()
        assert order["status"] == "processing" and order["status_histories"][0]["comment"] == "kept"
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0


def test_serve_refuses_bad_options(tmp_path: Path) -> None:
    env = {**os.environ, "C5ATTN_HOME": str(tmp_path)}
    base = [sys.executable, "-m", "c5attn", "sandbox", "serve", "--db", str(tmp_path / "none.db")]
    for extra, message in (
        (["--faults", "boom:1"], "--faults"),
        ([], "no sandbox store"),
        (["--magento-version", "2.3"], "--magento-version"),
        (["--max-page-size", "0"], "--max-page-size must be at least 1"),
        (["--store-code", "fr-FR"], "--store-code 'fr-FR' is not a Magento store code"),
        (["--store-code", "default", "--store-code", ""], "--store-code '' is not a Magento store code"),
        (["--token", " "], "--token is empty"),  # "Authorization: Bearer" alone would have passed
    ):
        result = subprocess.run([*base, *extra], capture_output=True, text=True, env=env, timeout=30)
        assert result.returncode == 2 and message in result.stderr and result.stdout == ""


@pytest.mark.parametrize("latency", ["-5", "nan", "inf", "60001"])
def test_serve_refuses_a_latency_it_cannot_sleep_before_loading_anything(
    tmp_path: Path, latency: str
) -> None:
    """Such a latency used to start the server, and then every request died with a traceback."""
    orders_file = tmp_path / "orders.json"
    orders_file.write_text(json.dumps([make_order(1)]), encoding="utf-8")
    store = tmp_path / "store.db"
    result = subprocess.run(
        [*SERVE, "--db", str(store), "--orders-file", str(orders_file), "--latency-ms", latency],
        capture_output=True,
        text=True,
        env={**os.environ, "C5ATTN_HOME": str(tmp_path / "home")},
        timeout=30,
    )
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.splitlines() == [
        f"c5attn: error: --latency-ms: the latency must be from 0 to 60000 ms, not {float(latency):g}",
        "  hint: give milliseconds, e.g. --latency-ms 50",
    ]
    assert not store.exists()


def test_serve_reads_the_state_map_before_loading_the_orders(tmp_path: Path) -> None:
    orders_file = tmp_path / "orders.json"
    orders_file.write_text(json.dumps([make_order(1)]), encoding="utf-8")
    state_map = tmp_path / "states.json"
    state_map.write_text('{"new": "pending"}', encoding="utf-8")
    store = tmp_path / "store.db"
    result = subprocess.run(
        [*SERVE, "--db", str(store), "--orders-file", str(orders_file), "--state-map", str(state_map)],
        capture_output=True,
        text=True,
        env={**os.environ, "C5ATTN_HOME": str(tmp_path / "home")},
        timeout=30,
    )
    assert result.returncode == 2 and "is not {state: [status, …]}" in result.stderr
    assert not store.exists()


@pytest.mark.parametrize("port", ["70000", "-1"])
def test_serve_refuses_a_port_out_of_range_before_loading_anything(tmp_path: Path, port: str) -> None:
    orders_file = tmp_path / "orders.json"
    orders_file.write_text(json.dumps([make_order(1)]), encoding="utf-8")
    store = tmp_path / "store.db"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "c5attn",
            "sandbox",
            "serve",
            "--db",
            str(store),
            "--orders-file",
            str(orders_file),
            "--port",
            port,
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "C5ATTN_HOME": str(tmp_path / "home")},
        timeout=30,
    )
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"c5attn: error: --port must be from 0 to 65535, not {port}",
        "  hint: 0 picks a free port",
    ]
    assert not store.exists()


def test_serve_help_shows_the_state_map_brackets() -> None:
    """Typer renders help as Rich markup, which swallowed an unescaped ``[statuses]``."""
    result = CliRunner().invoke(app, ["sandbox", "serve", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "JSON {state: [statuses]} replacing the default map." in result.stdout


def run_serve(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``sandbox serve`` expected to refuse: a server that starts instead is killed by the timeout."""
    return subprocess.run(
        [*SERVE, *args],
        capture_output=True,
        text=True,
        env={**os.environ, "C5ATTN_HOME": str(tmp_path / "home")},
        timeout=30,
    )


@pytest.mark.parametrize("content", ["truncated", "empty", "empty array"])
def test_an_orders_file_that_cannot_be_loaded_leaves_the_store_as_it_was(
    tmp_path: Path, content: str
) -> None:
    """Truncated, or holding no orders at all (a download that failed): the store keeps its orders."""
    store = tmp_path / "store.db"
    load_orders(store, [make_order(i) for i in range(1, 4)])
    bad = tmp_path / "orders.json"
    text = {
        "truncated": json.dumps([make_order(i) for i in range(1, 6)])[:-40],
        "empty": "",
        "empty array": "[]",
    }
    bad.write_text(text[content], encoding="utf-8")

    result = run_serve(tmp_path, "--db", str(store), "--orders-file", str(bad))

    assert result.returncode == 2 and result.stdout == ""
    assert len(result.stderr.splitlines()) == 2 and f"cannot load orders from {bad}" in result.stderr
    if content != "truncated":
        assert "it holds no orders; the store keeps its 3" in result.stderr
    assert sorted(path.name for path in tmp_path.iterdir()) == ["orders.json", "store.db"]
    with sqlite3.connect(store) as db:
        assert db.execute("SELECT COUNT(*) FROM orders").fetchone() == (3,)


@pytest.mark.parametrize("orders_file", [False, True])
def test_a_db_that_is_not_a_sandbox_store_is_refused_and_left_alone(
    tmp_path: Path, orders_file: bool
) -> None:
    """Served, a text file answered every request with a 500 and a traceback; with --orders-file,
    another application's SQLite file was replaced by the sandbox's store."""
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE precious (value TEXT)")
        db.execute("INSERT INTO precious VALUES ('keep me')")
    text = tmp_path / "notdb.txt"
    text.write_text("not a database\n" * 100, encoding="utf-8")
    orders = tmp_path / "orders.json"
    orders.write_text(json.dumps([make_order(1)]), encoding="utf-8")
    loading = ["--orders-file", str(orders)] if orders_file else []

    for target, reason in ((other, "it has no orders table"), (text, "file is not a database")):
        before = target.read_bytes()
        result = run_serve(tmp_path, "--db", str(target), *loading)
        assert result.returncode == 2 and result.stdout == ""
        assert result.stderr.splitlines() == [
            f"c5attn: error: --db {target} is not a Magento sandbox store: {reason}",
            "  hint: give --db a store made by c5attn sandbox serve --orders-file, or a new path",
        ]
        assert target.read_bytes() == before
    assert sorted(path.name for path in tmp_path.iterdir()) == ["notdb.txt", "orders.json", "other.db"]


def test_a_store_that_cannot_be_written_is_said_to_be_read_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A world on a read-only mount was "not a Magento sandbox store" (its check opened it for
    writing). The mount is what ``os.access`` reports; root can write any file, so it stands in."""
    store = tmp_path / "store.db"
    load_orders(store, [make_order(1)])
    monkeypatch.setattr(os, "access", lambda path, mode: mode != os.W_OK)

    def served(self: MagentoSandbox) -> str:
        raise AssertionError("the read-only store was served")

    monkeypatch.setattr(MagentoSandbox, "start", served)
    result = CliRunner().invoke(app, ["sandbox", "serve", "--db", str(store)])
    assert result.exit_code == 1, result.output
    assert f"c5attn: error: {store} or its folder is read-only" in result.stderr
    assert "hint: make it writable, or copy it to a folder that is" in result.stderr


def test_an_address_it_cannot_listen_on_gets_the_hint_for_its_cause(tmp_path: Path) -> None:
    load_orders(tmp_path / "store.db", [make_order(1)])
    with serving(tmp_path) as (url, _):
        taken = run_serve(tmp_path, "--db", str(tmp_path / "store.db"), "--port", url.rsplit(":", 1)[1])
    assert taken.returncode == 2 and "Address already in use" in taken.stderr
    assert "hint: pick another --port" in taken.stderr
    nowhere = run_serve(tmp_path, "--db", str(tmp_path / "store.db"), "--host", "999.1.1.1")
    assert nowhere.returncode == 2 and "cannot listen on 999.1.1.1" in nowhere.stderr
    assert "hint: give --host an address of this machine" in nowhere.stderr
