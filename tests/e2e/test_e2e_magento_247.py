"""Magento 2.4.7 GA ignores a status sent with a comment: flags land as comments only."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from c5attn.cli.app import app
from c5attn.sandbox.embedded import init_world
from c5attn.sandbox.magento_server import MagentoSandbox

TOKEN = "ga-token"


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("ga247")
    init_world(root / "world", orders=300, seed=7, now=datetime.now(UTC))
    with MagentoSandbox(root / "world" / "magento.db", token=TOKEN, magento_version="2.4.7") as server:
        path = root / "c5attn.toml"
        path.write_text(
            f'[sites.ga]\nmagento_url = "{server.url}"\nmagento_token = "env:GA_TOKEN"\n'
            f'counterpoint_dsn = "sqlite:///{root / "world" / "counterpoint.db"}"\n'
            'web_pay_codes = ["WEB", "PAYPAL"]\n',
            encoding="utf-8",
        )
        yield path


def _run(config: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        app,
        ["--config", str(config), *args],
        env={"C5ATTN_HOME": str(config.parent / "home"), "GA_TOKEN": TOKEN, "NO_COLOR": "1"},
    )
    return result.exit_code, result.stderr


def test_flags_magento_ignored_say_to_set_the_status_by_hand_and_stay_visible(config: Path) -> None:
    code, err = _run(config, "scan", "--all", "--apply", "--yes")
    assert code == 3, err
    assert "set it in the Magento admin" in err
    assert "run the same command again" not in err  # a re-run would leave them as they are
    code, err = _run(config, "scan", "--all")
    assert code == 0, err
    assert "carry c5attn's flag comment but are not at Needs Attention" in err


def test_a_resolve_magento_kept_at_needs_attention_is_not_offered_again(config: Path) -> None:
    env = {"C5ATTN_HOME": str(config.parent / "home"), "GA_TOKEN": TOKEN, "NO_COLOR": "1", "COLUMNS": "200"}

    def run(*args: str) -> Result:
        return CliRunner().invoke(app, ["--config", str(config), *args], env=env)

    queue = json.loads(run("list", "--json").stdout)
    number = next(
        r["order"] for r in queue if r["scenario"] and r["evidence"]["open_errors"] and not r["resolved"]
    )
    first = run("resolve", number, "--yes")
    assert first.exit_code == 3, first.stderr
    error = next(line for line in first.stderr.splitlines() if line.startswith("c5attn: error:"))
    assert error.count(f"order {number}") == 1  # named once, not twice
    shown = run("show", number).stdout
    assert "Magento kept it at Needs Attention" in shown
    assert f"resolve {number}" not in shown.split("Next commands:")[1]
    assert f"dismiss-error {number}" in shown.split("Next commands:")[1]
    again = run("resolve", number, "--yes")
    assert again.exit_code == 1
    assert "would only add the comment again" in again.stderr
    log = json.loads(run("log", number, "--json").stdout)
    assert [entry["result"] for entry in log if entry["action"] == "resolve"].count("started") == 1
    finish = run("resolve", number, "--dismiss-error", "--yes")
    assert finish.exit_code == 0, finish.stderr
    assert "dismissed" in finish.stdout + finish.stderr
    # Not "when its follow-up is done: resolve", which refuses (above): the admin is the way out.
    assert f"resolve {number}" not in finish.stderr
    assert "still at Needs Attention (Magento 2.4.7 GA ignores" in finish.stderr
    assert not run("show", number, "--json").stdout.count('"open_errors":[{')
