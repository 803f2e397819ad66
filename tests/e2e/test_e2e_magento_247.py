"""Magento 2.4.7 GA ignores a status sent with a comment: flags land as comments only."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

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
