"""Several sites in one configuration: scan covers them all, order commands refuse ambiguity."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from c5attn.cli.app import app
from c5attn.sandbox.embedded import init_world
from c5attn.sandbox.magento_server import MagentoSandbox

TOKEN = "sites-token"


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Two sites, east and west, each with its own Magento holding the same generated orders."""
    root = tmp_path_factory.mktemp("sites")
    init_world(root / "east", orders=300, seed=5, now=datetime.now(UTC))
    shutil.copytree(root / "east", root / "west")
    with (
        MagentoSandbox(root / "east" / "magento.db", token=TOKEN) as east,
        MagentoSandbox(root / "west" / "magento.db", token=TOKEN) as west,
    ):
        text = "".join(
            f'[sites.{name}]\nmagento_url = "{server.url}"\nmagento_token = "env:SITES_TOKEN"\n'
            f'counterpoint_dsn = "sqlite:///{root / name / "counterpoint.db"}"\n'
            'web_pay_codes = ["WEB", "PAYPAL"]\n'
            for name, server in (("east", east), ("west", west))
        )
        path = root / "c5attn.toml"
        path.write_text(text, encoding="utf-8")
        yield path


def _run(config: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(
        app,
        ["--config", str(config), *args],
        env={
            "C5ATTN_HOME": str(config.parent / "home"),
            "SITES_TOKEN": TOKEN,
            "NO_COLOR": "1",
            "C5ATTN_SITE": None,
        },
    )
    return result.exit_code, result.stdout, result.stderr


def test_scan_covers_every_site_when_none_is_chosen(config: Path) -> None:
    code, out, err = _run(config, "scan", "--all", "--json")
    rows = json.loads(out)
    assert code == 0
    east = {r["order"]: r["scenarios"] for r in rows if r["site"] == "east"}
    west = {r["order"]: r["scenarios"] for r in rows if r["site"] == "west"}
    assert east and east == west
    assert "site east:" in err and "site west:" in err


def test_site_option_narrows_to_one_site(config: Path) -> None:
    code, out, _ = _run(config, "--site", "west", "scan", "--all", "--json")
    assert code == 0 and {r["site"] for r in json.loads(out)} == {"west"}
    code, _, err = _run(config, "--site", "north", "scan")
    assert code == 2 and "north" in err and "east" in err


def test_an_order_in_two_sites_is_refused_until_one_is_chosen(config: Path) -> None:
    _, out, _ = _run(config, "--site", "east", "scan", "--all", "--json")
    number = json.loads(out)[0]["order"]
    code, _, err = _run(config, "show", number)
    assert code == 2
    assert "east" in err and "west" in err and "--site" in err
    code, shown, _ = _run(config, "--site", "east", "show", number, "--json")
    assert code == 0 and json.loads(shown)["site"] == "east"
