"""``c5attn doctor`` against a real Magento sandbox and a real SQLite Counterpoint database."""

from __future__ import annotations

import io
import json
import shutil
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from c5attn.cli.app import app
from c5attn.cli.context import CliEnv
from c5attn.sandbox.embedded import init_world
from c5attn.sandbox.magento_server import MagentoSandbox

TOKEN = "doctor-token"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    directory = tmp_path_factory.mktemp("doctor") / "world"
    init_world(directory, orders=60, seed=3, now=datetime.now(UTC))
    with MagentoSandbox(directory / "magento.db", token=TOKEN) as server:
        yield directory, server.url


def _config(
    tmp_path: Path, url: str, database: Path, extra: str = "", zone: str = "America/New_York"
) -> Path:
    """A site on the world's Magento and ``database``, reading TKT_DT in ``zone`` (the world's)."""
    path = tmp_path / "c5attn.toml"
    path.write_text(
        f'[sites.shop]\nmagento_url = "{url}"\nmagento_token = "env:DOCTOR_TOKEN"\n'
        f'counterpoint_dsn = "sqlite:///{database}"\ncounterpoint_timezone = "{zone}"\n{extra}',
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


def _doctor(
    tmp_path: Path, config: Path, token: str, *options: str, now: datetime | None = None
) -> tuple[int, str, str]:
    """Run ``doctor --json`` on a configured site (not the embedded sandbox); ``now`` pins its clock."""
    env = {"C5ATTN_HOME": str(tmp_path), "DOCTOR_TOKEN": token, "NO_COLOR": "1"}
    out, err = io.StringIO(), io.StringIO()
    cli_env = CliEnv(out, err, False, False, False, env, tmp_path, clock=lambda: now or datetime.now(UTC))
    arguments = ["--config", str(config), *options, "doctor", "--json"]
    result = CliRunner().invoke(app, arguments, env=env, obj=cli_env)
    return result.exit_code, out.getvalue(), err.getvalue() + result.stderr


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


# --- counterpoint_timezone against the tickets ------------------------------------------------------

WINTER = datetime(2025, 1, 20, 15, 0, tzinfo=UTC)
NEW_YORK = ZoneInfo("America/New_York")


def _release_tickets(
    tmp_path: Path, world_dir: Path, stamps: list[datetime], *, rs_utc_dt: bool = True, posted: bool = False
) -> Path:
    """A copy of the world's database whose only release tickets of store WEB were stamped at
    ``stamps`` by a New York clock: open ones with RS_UTC_DT (unless ``rs_utc_dt`` is False: the
    column dropped), or posted ones, which have none."""
    dropped = [] if rs_utc_dt else ["ALTER TABLE PS_DOC_HDR DROP COLUMN RS_UTC_DT"]
    clear = ["DELETE FROM PS_DOC_HDR WHERE UPPER(TRIM(DOC_TYP)) <> 'O'", "DELETE FROM PS_TKT_HIST", *dropped]
    database = _altered(tmp_path, world_dir, "tickets.db", *clear)
    with sqlite3.connect(database) as db:
        for number, stamp in enumerate(stamps, start=1):
            row: dict[str, object] = {
                "DOC_ID": 90_000_000 + number,
                "TKT_NO": f"Z{number}-1",
                "STR_ID": "WEB",
                "IS_REL_TKT": "Y",
                "TKT_DT": f"{stamp.astimezone(NEW_YORK):%Y-%m-%d %H:%M:%S}",
            }
            if posted:
                table = "PS_TKT_HIST"
            else:
                table = "PS_DOC_HDR"
                row.update(DOC_TYP="T", STA_ID="1")
                if rs_utc_dt:
                    row["RS_UTC_DT"] = f"{stamp.astimezone(UTC):%Y-%m-%d %H:%M:%S}"
            marks = ", ".join("?" * len(row))
            db.execute(f"INSERT INTO {table} ({', '.join(row)}) VALUES ({marks})", [*row.values()])
    return database


def _zone_check(
    tmp_path: Path, url: str, database: Path, zone: str, now: datetime
) -> tuple[int, dict[str, object]]:
    code, out, err = _doctor(tmp_path, _config(tmp_path, url, database, zone=zone), TOKEN, now=now)
    assert "Traceback" not in err
    return code, next(check for check in json.loads(out) if check["name"] == "Counterpoint time zone")


def test_the_time_zone_is_checked_against_rs_utc_dt(world: tuple[Path, str], tmp_path: Path) -> None:
    """A wrong zone passes every other check and shifts every ticket time without RS_UTC_DT by hours."""
    directory, url = world
    stamps = [WINTER - timedelta(hours=hours) for hours in (1, 5, 30, 100, 8 * 24)]  # the last: too old
    database = _release_tickets(tmp_path, directory, stamps)
    code, check = _zone_check(tmp_path, url, database, "America/New_York", WINTER)
    assert (code, check["ok"]) == (0, True)
    assert check["detail"] == (
        "TKT_DT read in America/New_York agrees with RS_UTC_DT on 4 of 4 recent release tickets (last 7 days)"
    )
    code, check = _zone_check(tmp_path, url, database, "UTC", WINTER)
    assert (code, check["ok"]) == (1, False)
    assert str(check["detail"]).startswith(
        "TKT_DT read in UTC is off RS_UTC_DT by 5 h on 4 of 4 recent release tickets (last 7 days): "
        "tickets without RS_UTC_DT read that much early"
    )
    assert str(check["detail"]).endswith(
        "the store's clock looks like UTC-05:00: set counterpoint_timezone to its IANA name "
        "(America/New_York fits every ticket)"
    )


def test_the_time_zone_check_reads_each_ticket_at_its_own_dates_offset(
    world: tuple[Path, str], tmp_path: Path
) -> None:
    """New York went to daylight saving on 10 March 2024: a zone that keeps none (Bogota, UTC-05:00
    all year) agrees with the ticket of the 9th, and is an hour off on the later ones."""
    directory, url = world
    now = datetime(2024, 3, 12, 12, 0, tzinfo=UTC)
    stamps = [datetime(2024, 3, day, 15, 0, tzinfo=UTC) for day in (9, 10, 11)]
    database = _release_tickets(tmp_path, directory, stamps)
    code, check = _zone_check(tmp_path, url, database, "America/New_York", now)
    assert (code, check["ok"]) == (0, True) and "on 3 of 3" in str(check["detail"])
    code, check = _zone_check(tmp_path, url, database, "America/Bogota", now)
    assert (code, check["ok"]) == (1, False)
    detail = str(check["detail"])
    assert "is off RS_UTC_DT by 1 h on 2 of 3" in detail and "read that much late" in detail
    assert "looks like UTC-05:00 and UTC-04:00" in detail and "(America/New_York fits every ticket)" in detail


def test_without_rs_utc_dt_the_time_zone_is_a_note(world: tuple[Path, str], tmp_path: Path) -> None:
    directory, url = world
    database = _release_tickets(tmp_path, directory, [WINTER - timedelta(hours=1)], rs_utc_dt=False)
    code, check = _zone_check(tmp_path, url, database, "America/New_York", WINTER)
    assert (code, check["ok"]) == (0, None)
    assert check["detail"] == (
        "RS_UTC_DT is absent, so the zone cannot be confirmed from the data: ticket times are read in "
        "America/New_York (none of 1 recent release ticket lies in the future there), and capture-failed "
        "waits capture_grace_minutes (60) from them"
    )


def test_a_ticket_in_the_future_shows_a_zone_too_far_west(world: tuple[Path, str], tmp_path: Path) -> None:
    """Posted tickets carry no RS_UTC_DT: an hour-old New York ticket read in Los Angeles lies 2 h ahead."""
    directory, url = world
    stamps = [WINTER - timedelta(hours=hours) for hours in (1, 26)]
    database = _release_tickets(tmp_path, directory, stamps, posted=True)
    code, check = _zone_check(tmp_path, url, database, "America/Los_Angeles", WINTER)
    assert (code, check["ok"]) == (1, False)
    assert str(check["detail"]).startswith(
        "a release ticket's TKT_DT read in America/Los_Angeles lies 2 h in the future (no recent release "
        "ticket has RS_UTC_DT set)"
    )
    assert "at least 2 h east of America/Los_Angeles" in str(check["detail"])
    code, check = _zone_check(tmp_path, url, database, "America/New_York", WINTER)
    assert (code, check["ok"]) == (0, None) and "none of 2 recent release tickets" in str(check["detail"])


def test_no_release_tickets_leave_the_time_zone_a_note(world: tuple[Path, str], tmp_path: Path) -> None:
    directory, url = world
    database = _release_tickets(tmp_path, directory, [])
    code, check = _zone_check(tmp_path, url, database, "UTC", WINTER)
    assert (code, check["ok"]) == (0, None)
    assert check["detail"] == (
        "no release tickets of the last 7 days to check it against: ticket times are read in UTC"
    )
