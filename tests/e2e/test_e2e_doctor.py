"""``c5attn doctor`` against a real Magento sandbox and a real SQLite Counterpoint database."""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from c5attn.cli.app import app
from c5attn.sandbox.embedded import init_world
from c5attn.sandbox.magento_server import MagentoSandbox

TOKEN = "doctor-token"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    directory = tmp_path_factory.mktemp("doctor") / "world"
    init_world(directory, orders=60, seed=3, now=datetime.now(UTC))
    with MagentoSandbox(directory / "magento.db", token=TOKEN) as server:
        yield directory, server.url


def _config(tmp_path: Path, url: str, database: Path, extra: str = "") -> Path:
    path = tmp_path / "c5attn.toml"
    path.write_text(
        f'[sites.shop]\nmagento_url = "{url}"\nmagento_token = "env:DOCTOR_TOKEN"\n'
        f'counterpoint_dsn = "sqlite:///{database}"\n{extra}',
        encoding="utf-8",
    )
    return path


def _altered(tmp_path: Path, world_dir: Path, name: str, *statements: str) -> Path:
    """A copy of the world's Counterpoint database with ``statements`` run on it."""
    database = tmp_path / name
    shutil.copy(world_dir / "counterpoint.db", database)
    with sqlite3.connect(database) as db:
        for statement in statements:
            db.execute(statement)
    return database


def _doctor(tmp_path: Path, config: Path, token: str, *options: str) -> tuple[int, str, str]:
    """Run ``doctor --json`` on a configured site (not the embedded sandbox)."""
    result = CliRunner().invoke(
        app,
        ["--config", str(config), *options, "doctor", "--json"],
        env={"C5ATTN_HOME": str(tmp_path), "DOCTOR_TOKEN": token, "NO_COLOR": "1"},
    )
    return result.exit_code, result.stdout, result.stderr


def test_all_checks_pass_on_a_healthy_site(world: tuple[Path, str], tmp_path: Path) -> None:
    directory, url = world
    code, out, _ = _doctor(tmp_path, _config(tmp_path, url, directory / "counterpoint.db"), TOKEN)
    checks = json.loads(out)
    assert code == 0
    assert {c["name"] for c in checks if c["ok"] is True} >= {
        "Magento reachable",
        "Magento credentials",
        "Counterpoint database",
        "Counterpoint schema",
    }
    assert not [c for c in checks if c["ok"] is False]
    assert any(c["ok"] is None and "order statuses" in c["name"] for c in checks)


def test_a_wrong_token_fails_the_credentials_check(world: tuple[Path, str], tmp_path: Path) -> None:
    directory, url = world
    code, out, _ = _doctor(tmp_path, _config(tmp_path, url, directory / "counterpoint.db"), "wrong-token")
    failed = {c["name"]: c["detail"] for c in json.loads(out) if c["ok"] is False}
    assert code == 1
    assert list(failed) == ["Magento credentials"]
    assert "wrong-token" not in out


def test_a_missing_column_is_named(world: tuple[Path, str], tmp_path: Path) -> None:
    directory, url = world
    drop = "ALTER TABLE USER_C5_ORD_ERR DROP COLUMN DISMISSED_BY"
    broken = _altered(tmp_path, directory, "broken.db", drop)
    code, out, _ = _doctor(tmp_path, _config(tmp_path, url, broken), TOKEN)
    failed = [c["detail"] for c in json.loads(out) if c["ok"] is False]
    assert code == 1
    assert any("DISMISSED_BY" in detail and "missing" in detail for detail in failed)


def test_an_unreachable_magento_is_one_failed_check(world: tuple[Path, str], tmp_path: Path) -> None:
    directory, _ = world
    code, out, err = _doctor(
        tmp_path, _config(tmp_path, "http://127.0.0.1:9", directory / "counterpoint.db"), TOKEN
    )
    failed = [c["name"] for c in json.loads(out) if c["ok"] is False]
    assert code == 1 and failed == ["Magento reachable"]
    assert "Traceback" not in err


def test_verbose_traces_the_checks_requests_and_statements(world: tuple[Path, str], tmp_path: Path) -> None:
    directory, url = world
    code, _, err = _doctor(tmp_path, _config(tmp_path, url, directory / "counterpoint.db"), TOKEN, "-v")
    assert code == 0, err
    assert "GET " in err and "/magento_version" in err  # the HTTP requests
    assert "SELECT" in err and "PS_DOC_HDR" in err  # the SQL statements


def test_a_down_magento_is_asked_twice_not_six_times(world: tuple[Path, str], tmp_path: Path) -> None:
    """A check reports: one retry absorbs a blip, a dead server fails at once (a scan insists)."""
    directory, _ = world
    config = _config(tmp_path, "http://127.0.0.1:9", directory / "counterpoint.db")
    code, _, err = _doctor(tmp_path, config, TOKEN, "-v")
    attempts = [line for line in err.splitlines() if "/magento_version failed" in line]
    assert code == 1 and len(attempts) == 2, err


def test_an_unresolvable_secret_is_one_failed_check_and_the_rest_is_checked(
    world: tuple[Path, str], tmp_path: Path
) -> None:
    """It made doctor exit 2 with nothing on stdout, and no other check or site was looked at."""
    directory, url = world
    config = _config(tmp_path, url, directory / "counterpoint.db")
    config.write_text(
        config.read_text(encoding="utf-8").replace("env:DOCTOR_TOKEN", "env:DOCTOR_UNSET")
        + f'[sites.outlet]\nmagento_url = "{url}"\nmagento_token = "env:DOCTOR_TOKEN"\n'
        f'counterpoint_dsn = "sqlite:///{directory / "counterpoint.db"}"\n',
        encoding="utf-8",
    )
    code, out, _ = _doctor(tmp_path, config, TOKEN)
    checks = {(c["site"], c["name"]): c for c in json.loads(out)}
    assert code == 1
    missing = checks[("shop", "configuration")]
    assert missing["ok"] is False and "DOCTOR_UNSET is not set" in missing["detail"]
    assert ("shop", "Magento reachable") not in checks  # its side is not checked without its token
    assert checks[("shop", "Counterpoint schema")]["ok"] is True  # the other side is
    assert checks[("outlet", "Magento credentials")]["ok"] is True  # and so is the other site


def test_the_configured_store_and_web_pay_codes_are_checked_against_the_data(
    world: tuple[Path, str], tmp_path: Path
) -> None:
    """domain.md §3: where real data may differ, the value is configuration, checked by doctor. A
    wrong store code or pay code passes every name check, then reads every web order as not
    imported (every payment as a manual deposit)."""
    directory, url = world
    database = directory / "counterpoint.db"
    code, out, _ = _doctor(tmp_path, _config(tmp_path, url, database), TOKEN)
    checks = {c["name"]: c for c in json.loads(out)}
    assert code == 0 and checks["counterpoint_store"]["ok"] is True and checks["web_pay_codes"]["ok"] is True

    wrong = 'counterpoint_store = "SHOP"\nweb_pay_codes = ["NOPE", "nope2"]\n'
    code, out, _ = _doctor(tmp_path, _config(tmp_path, url, database, wrong), TOKEN)
    checks = {c["name"]: c for c in json.loads(out)}
    assert code == 1
    assert checks["counterpoint_store"]["ok"] is False
    assert "has STR_ID 'SHOP': check counterpoint_store" in checks["counterpoint_store"]["detail"]
    assert checks["web_pay_codes"]["ok"] is None
    assert "no Counterpoint payment uses NOPE, nope2" in checks["web_pay_codes"]["detail"]

    # a new shop: the schema, no orders yet
    empty = _altered(tmp_path, directory, "empty.db", "DELETE FROM PS_DOC_HDR", "DELETE FROM PS_ORD_HIST")
    code, out, _ = _doctor(tmp_path, _config(tmp_path, url, empty, wrong), TOKEN)
    checks = {c["name"]: c for c in json.loads(out)}
    assert code == 0 and checks["counterpoint_store"]["ok"] is None
    assert "no orders in Counterpoint yet" in checks["counterpoint_store"]["detail"]


def test_the_store_check_names_the_sites_own_order_tables(world: tuple[Path, str], tmp_path: Path) -> None:
    directory, url = world
    renamed = _altered(tmp_path, directory, "renamed.db", "ALTER TABLE PS_ORD_HIST RENAME TO ORDERS_POSTED")
    extra = 'counterpoint_store = "SHOP"\n[sites.shop.rename]\n"PS_ORD_HIST" = "ORDERS_POSTED"\n'
    code, out, _ = _doctor(tmp_path, _config(tmp_path, url, renamed, extra), TOKEN)
    checks = {c["name"]: c for c in json.loads(out)}
    assert code == 1
    assert "no order document in PS_DOC_HDR or ORDERS_POSTED has STR_ID 'SHOP'" in checks[
        "counterpoint_store"
    ]["detail"]
