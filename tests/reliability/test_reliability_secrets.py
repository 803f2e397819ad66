"""Secrets never leak: every command, run with -vv, over sites using every kind of credential
(bearer token, admin password, OAuth 1.0a, an ODBC ``PWD=``), successes and failures alike;
stdout, stderr, exception text and every file written under C5ATTN_HOME are searched."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pyodbc
import pytest
from reliability_kit import TOKEN, Run, Shop, World, invoke

SECRETS = {
    "REL_ADMIN_PW": "adm-S3CRET-b2",
    "REL_CONSUMER_SECRET": "cs-S3CRET-c3",
    "REL_ACCESS_TOKEN": "at-S3CRET-d4",
    "REL_ACCESS_SECRET": "ats-S3CRET-e5",
}
ODBC_PASSWORD = "pwd-S3CRET-f6"
ALL_SECRETS = [TOKEN, *SECRETS.values(), ODBC_PASSWORD]


def sites_toml(shop: Shop) -> str:
    """Three sites on one sandbox: bearer token + ODBC with PWD=, admin login, OAuth."""
    url, db = shop.server.url, shop.counterpoint_db
    common = 'magento_store_ids = [1]\ncounterpoint_store = "WEB"\nweb_pay_codes = ["WEB", "PAYPAL"]\n'
    return (
        f'[sites.bearer]\nmagento_url = "{url}"\nmagento_token = "env:REL_MAGENTO_TOKEN"\n'
        f'counterpoint_dsn = "DRIVER={{SQLite3}};Database={db};UID=c5;PWD={ODBC_PASSWORD}"\n{common}'
        f'[sites.admin]\nmagento_url = "{url}"\nmagento_admin_user = "c5"\n'
        f'magento_admin_password = "env:REL_ADMIN_PW"\ncounterpoint_dsn = "sqlite:///{db}"\n{common}'
        f'[sites.oauth]\nmagento_url = "{url}"\ncounterpoint_dsn = "sqlite:///{db}"\n{common}'
        '[sites.oauth.magento_oauth]\nconsumer_key = "ck-public"\n'
        'consumer_secret = "env:REL_CONSUMER_SECRET"\naccess_token = "env:REL_ACCESS_TOKEN"\n'
        'access_token_secret = "env:REL_ACCESS_SECRET"\n'
    )


@pytest.fixture
def secret_shop(open_shop: Callable[..., Shop], small_world: World) -> Shop:
    if "SQLite3" not in pyodbc.drivers():
        pytest.fail("the SQLite3 ODBC driver (libsqliteodbc) is needed: the PWD= site runs through pyodbc")
    shop = open_shop(
        small_world,
        admin_users={"c5": SECRETS["REL_ADMIN_PW"]},
        oauth_consumers={"ck-public": SECRETS["REL_CONSUMER_SECRET"]},
        oauth_tokens={SECRETS["REL_ACCESS_TOKEN"]: SECRETS["REL_ACCESS_SECRET"]},
    )
    shop.config.write_text(sites_toml(shop), encoding="utf-8")
    return shop


def leaks(text: str) -> list[str]:
    return [secret for secret in ALL_SECRETS if secret in text]


def files_written(home: Path) -> dict[Path, str]:
    return {path: path.read_bytes().decode("utf-8", "replace") for path in home.rglob("*") if path.is_file()}


def test_no_command_prints_logs_or_stores_a_secret(
    secret_shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop = secret_shop
    working = shop.root / "working-folder"  # nothing may land where the operator happens to be
    working.mkdir()
    monkeypatch.chdir(working)
    runs: list[tuple[tuple[str, ...], Run]] = []

    def run(*args: str, env: dict[str, str] | None = None) -> Run:
        result = invoke(shop.home, shop.config, "-vv", *args, env={**SECRETS, **(env or {})})
        runs.append((args, result))
        return result

    for site in ("bearer", "admin", "oauth"):
        assert run("--site", site, "scan", "--all", "--json").exit_code == 0, runs[-1][1].stderr
    assert run("--site", "bearer", "scan", "--all", "--apply", "--yes").exit_code == 0, runs[-1][1].stderr
    queue = run("--site", "admin", "list", "--json").json()
    assert len(queue) >= 3
    first, second, third = (str(row["order"]) for row in queue[:3])
    for site in ("bearer", "admin", "oauth"):
        run("--site", site, "list")
        assert run("--site", site, "show", first).exit_code == 0
        run("--site", site, "doctor")
    run("--site", "oauth", "show", second, "--json")
    run("--site", "bearer", "dismiss-error", first, "--yes")
    run("--site", "admin", "resolve", second, "--yes", "--dismiss-error")
    run("--site", "oauth", "resolve", third, "--yes", "--comment", "checked by hand")
    run("log")
    run("log", "--json")
    run("config", "show")
    run("config", "show", "--json")
    # failures: refused credentials, unreachable database, an unknown site
    run("--site", "bearer", "scan", env={"REL_MAGENTO_TOKEN": "x" + TOKEN})
    run("--site", "admin", "scan", env={"REL_ADMIN_PW": SECRETS["REL_ADMIN_PW"] + "-old"})
    run("--site", "oauth", "scan", env={"REL_ACCESS_SECRET": SECRETS["REL_ACCESS_SECRET"] + "-old"})
    run("--site", "nope", "scan")

    writes = [args for args, result in runs if "--yes" in args and result.exit_code == 0]
    assert len(writes) >= 3, [(a, r.stderr) for a, r in runs if "--yes" in a]
    assert sum("c5attn: error:" in result.stderr for _, result in runs) >= 4
    assert any("GET " in result.stderr for _, result in runs)  # -vv really traced the requests
    for args, result in runs:
        assert result.exception is None, (args, result.exception)
        assert not leaks(result.stdout + result.stderr), (args, leaks(result.stdout + result.stderr))
    written = files_written(shop.home)
    assert shop.home / "audit.jsonl" in written
    for path, text in written.items():
        assert not leaks(text), (path, leaks(text))
    assert list(working.iterdir()) == []
    named = [path for path in shop.root.rglob("*") if leaks(str(path.relative_to(shop.root)))]
    assert named == []  # no secret in a file's name either (a lock file once took the DSN's)


def test_the_odbc_password_never_appears_in_a_counterpoint_failure(
    secret_shop: Shop, small_world: World
) -> None:
    """A database error message may quote the connection string: it must come out redacted."""
    shop = secret_shop
    broken = shop.root / "missing" / "cp.db"
    text = shop.config.read_text(encoding="utf-8").replace(str(shop.counterpoint_db), str(broken))
    shop.config.write_text(text, encoding="utf-8")
    number = str(small_world.orders[0]["increment_id"])
    for command in (["scan"], ["doctor"], ["show", number]):
        result = invoke(shop.home, shop.config, "-vv", "--site", "bearer", *command, env=SECRETS)
        assert result.exit_code != 0 and result.exception is None, (command, result.stderr)
        assert not leaks(result.stdout + result.stderr), (command, result.stderr)
