"""Several sites in one configuration: scan covers them all, order commands refuse ambiguity."""

from __future__ import annotations

import io
import json
import re
import shutil
import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from e2e_sandbox import fill_the_temporary_folder, terminal_env
from typer.testing import CliRunner

from c5attn.cli.app import app
from c5attn.cli.context import CliEnv
from c5attn.cli.sessions import progress_reporters
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
            'web_pay_codes = ["WEB", "PAYPAL"]\ncounterpoint_timezone = "America/New_York"\n'
            for name, server in (("east", east), ("west", west))
        )
        path = root / "c5attn.toml"
        path.write_text(text, encoding="utf-8")
        yield path


def _run(config: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(
        app,
        ["--config", str(config), *args],
        env={
            "C5ATTN_HOME": str(config.parent / "home"),
            "SITES_TOKEN": TOKEN,
            "WRONG_TOKEN": "not-" + TOKEN,
            "NO_COLOR": "1",
            "C5ATTN_SITE": None,
            **(env or {}),
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


def test_list_merges_the_sites_queues_by_money_at_risk_then_order(config: Path) -> None:
    """Each site's queue is sorted on its own, then merged; `--limit` takes the merge's first N."""
    code, out, _ = _run(config, "list", "--json")
    rows = json.loads(out)
    keys = [(-row["money_at_risk"], row["order"]) for row in rows]
    assert code == 0 and rows and keys == sorted(keys)
    assert [row["site"] for row in rows] == ["east", "west"] * (len(rows) // 2)  # the same orders: site order
    _, limited, _ = _run(config, "list", "--limit", "3", "--json")
    assert [(row["site"], row["order"]) for row in json.loads(limited)] == [
        (row["site"], row["order"]) for row in rows[:3]
    ]


def test_an_order_in_two_sites_is_refused_until_one_is_chosen(config: Path) -> None:
    _, out, _ = _run(config, "--site", "east", "scan", "--all", "--json")
    number = json.loads(out)[0]["order"]
    code, _, err = _run(config, "show", number)
    assert code == 2
    assert "east" in err and "west" in err
    prefix = f"c5attn --config {config}"  # the commands to copy, not "choose one with --site NAME"
    assert f"choose one: {prefix} --site east show {number}, or {prefix} --site west show {number}" in err
    code, _, err = _run(config, "dismiss-error", number.lstrip("0"))  # the guess is in both too
    assert code == 1
    assert f"did you mean {number}?" in err and f"{prefix} --site west dismiss-error {number}" in err
    code, shown, _ = _run(config, "--site", "east", "show", number, "--json")
    assert code == 0 and json.loads(shown)["site"] == "east"


def test_an_order_lookup_with_one_site_down_says_what_the_others_hold(config: Path) -> None:
    """It stopped at the site that failed, in a scan's words ("the other sites stopped with it"),
    though the order was found, or not, in the others."""
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    east = config.read_text(encoding="utf-8").split("[sites.west]")[0]
    down = config.parent / "down.toml"
    down.write_text(
        f'{east}[sites.down]\nmagento_url = "http://127.0.0.1:{closed}"\n'
        'magento_token = "env:SITES_TOKEN"\ncounterpoint_dsn = "sqlite:///unused.db"\n',
        encoding="utf-8",
    )
    _, out, _ = _run(config, "--site", "east", "scan", "--all", "--json")
    number = json.loads(out)[0]["order"]
    code, _, err = _run(down, "show", number)
    assert code == 1 and "c5attn: error: site down: " in err and "stopped with it" not in err
    found = f"order {number} is in site east (c5attn --config {down} --site east show {number})"
    assert f"{found}, but down could not be searched" in err
    code, _, err = _run(down, "show", "999999999")
    assert code == 1 and "site down: " in err and "not in site east either" in err


def test_a_second_site_on_the_same_magento_without_its_own_store_ids_is_refused(config: Path) -> None:
    """Left at the default [1], the outlet read east's orders against its own Counterpoint store,
    and showed east's flagged findings as stale flags to resolve."""
    east = config.read_text(encoding="utf-8").split("[sites.west]")[0]
    url = re.search(r'magento_url = "(.*)"', east)[1]  # type: ignore[index]
    outlet = config.parent / "outlet.toml"
    outlet.write_text(
        f'{east}[sites.outlet]\nmagento_url = "{url}/"\nmagento_token = "env:SITES_TOKEN"\n'
        f'counterpoint_dsn = "sqlite:///{config.parent / "east" / "counterpoint.db"}"\n'
        'counterpoint_store = "OUTLET"\n',
        encoding="utf-8",
    )
    for command in (["scan", "--all"], ["list"], ["--site", "outlet", "show", "000010001"]):
        code, out, err = _run(outlet, *command)
        assert code == 2 and out == "", (command, err)
        assert f"sites.outlet.magento_store_ids covers store 1 of {url}, which sites.east links" in err


def test_one_shop_under_two_names_is_allowed_and_doctor_notes_it(config: Path) -> None:
    """One shop, two logins (docs/configuration.md): allowed, but a command on every site shows each
    order twice and the order commands ask for --site, so doctor says which sites read the same
    orders, whichever site it checks; not the sites reading stores of their own."""
    east = config.read_text(encoding="utf-8").split("[sites.west]")[0]
    url = re.search(r'magento_url = "(.*)"', east)[1]  # type: ignore[index]
    again = config.parent / "again.toml"
    again.write_text(
        f'{config.read_text(encoding="utf-8")}[sites.east-admin]\nmagento_url = "{url}/"\n'
        'magento_token = "env:SITES_TOKEN"\n'
        f'counterpoint_dsn = "sqlite:///{config.parent / "east" / "counterpoint.db"}"\n'
        'counterpoint_timezone = "America/New_York"\n',
        encoding="utf-8",
    )
    for chosen in ((), ("--site", "east-admin")):
        code, out, err = _run(again, *chosen, "doctor", "--json")
        assert code == 0, err
        notes = [check for check in json.loads(out) if check["name"] == "shared store"]
        assert [note["site"] for note in notes] == ["east"]
        assert notes[0]["ok"] is None and notes[0]["detail"].startswith(
            f"sites east, east-admin read the same orders (store 1 of {url}, Counterpoint store 'WEB')"
        )
    code, out, _ = _run(again, "--site", "west", "doctor", "--json")
    assert code == 0 and not [check for check in json.loads(out) if check["name"] == "shared store"]


def test_a_full_temporary_folder_names_no_site(config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every site shares this machine's temporary folder: "site east: …; run the command for the
    others alone with --site west" sent the operator to a run that fails the same way."""
    fill_the_temporary_folder(monkeypatch)
    for command in (["scan", "--all", "--json"], ["list"]):
        code, out, err = _run(config, *command)
        assert code == 1 and out == "", command
        assert err.startswith("c5attn: error: cannot keep the listed orders in a temporary file"), err
        assert "site " not in err and "--site" not in err and "set TMPDIR" in err


def test_an_order_not_found_names_the_sites_left_out_by_site(config: Path) -> None:
    code, _, err = _run(config, "--site", "east", "show", "999999999")
    assert code == 1 and "not found" in err and "look in site west: leave out --site to search every" in err
    code, _, err = _run(config, "show", "999999999", env={"C5ATTN_SITE": "west"})  # no --site typed
    assert code == 1 and "look in site east: unset C5ATTN_SITE to search every site" in err
    code, _, err = _run(config, "show", "999999999")  # every site searched: --site would not help
    assert code == 1 and "not found in Magento (sites east, west)" in err and "--site" not in err


class _SharedLog:
    """Both sandboxes' request logs as one list, in the order requests were answered."""

    def __init__(self, site: str, entries: list[tuple[str, str]]) -> None:
        self.site, self.entries = site, entries

    def append(self, request: tuple[str, str]) -> None:
        self.entries.append((self.site, request[1]))


@pytest.fixture(scope="module")
def slow_sites(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, list[tuple[str, str]]]]:
    """Two sites of 1,000 orders each, 10 pages of 100, each Magento answering after 50 ms."""
    root = tmp_path_factory.mktemp("slow-sites")
    init_world(root / "east", orders=1000, seed=7, now=datetime.now(UTC))
    shutil.copytree(root / "east", root / "west")
    answered: list[tuple[str, str]] = []
    with (
        MagentoSandbox(root / "east" / "magento.db", token=TOKEN, latency_ms=50) as east,
        MagentoSandbox(root / "west" / "magento.db", token=TOKEN, latency_ms=50) as west,
    ):
        east.log = _SharedLog("east", answered)  # type: ignore[assignment]
        west.log = _SharedLog("west", answered)  # type: ignore[assignment]
        for name, server in (("east", east), ("west", west)):
            (root / f"{name}.toml").write_text(
                "".join(
                    f'[sites.{site}]\nmagento_url = "{server.url}"\n'
                    f'magento_token = "env:{"WRONG_TOKEN" if site == name else "SITES_TOKEN"}"\n'
                    f'counterpoint_dsn = "sqlite:///{root / site / "counterpoint.db"}"\n'
                    'web_pay_codes = ["WEB", "PAYPAL"]\nmagento_page_size = 100\n'
                    for site, server in (("east", east), ("west", west))
                )
            )
        (root / "both.toml").write_text(
            "".join(
                f'[sites.{site}]\nmagento_url = "{server.url}"\nmagento_token = "env:SITES_TOKEN"\n'
                f'counterpoint_dsn = "sqlite:///{root / site / "counterpoint.db"}"\n'
                'web_pay_codes = ["WEB", "PAYPAL"]\nmagento_page_size = 100\n'
                for site, server in (("east", east), ("west", west))
            )
        )
        yield root, answered


def test_sites_are_scanned_at_once(slow_sites: tuple[Path, list[tuple[str, str]]]) -> None:
    """One site after the other, every east page would be answered before the first west page."""
    root, answered = slow_sites
    answered.clear()
    code, out, _ = _run(root / "both.toml", "scan", "--all", "--json")
    assert code == 0 and {row["site"] for row in json.loads(out)} == {"east", "west"}
    sites = [site for site, path in answered if path.endswith("/V1/orders")]
    assert sites.count("east") == sites.count("west") == 10
    assert sites.index("west") < len(sites) - 1 - sites[::-1].index("east")


@pytest.mark.parametrize("failing", ["east", "west"])
def test_a_site_that_fails_stops_the_other_and_its_error_is_shown(
    slow_sites: tuple[Path, list[tuple[str, str]]], failing: str
) -> None:
    root, answered = slow_sites
    answered.clear()
    config = root / f"{failing}.toml"
    code, out, err = _run(config, "scan", "--all", "--json")
    assert code == 4 and out == ""  # the token error's exit code; nothing half-printed
    assert f"error: site {failing}: " in err and "token" in err.lower() and "Traceback" not in err
    other = "west" if failing == "east" else "east"
    assert f"the other sites stopped with it: run the command for them alone with --site {other}" in err
    assert 1 <= sum(1 for site, path in answered if site == other and path.endswith("/V1/orders")) < 10


def test_on_a_terminal_each_site_has_its_own_progress_bar(tmp_path: Path) -> None:
    env, terminal = terminal_env(tmp_path)
    with progress_reporters(env, ["scanning east", "scanning west"]) as bars:
        bars[0](300, 600)
        bars[1](100, 900)
    shown = terminal.getvalue()
    assert "scanning east" in shown and "300/600" in shown
    assert "scanning west" in shown and "100/900" in shown


def test_piped_there_are_no_progress_bars(tmp_path: Path) -> None:
    piped = io.StringIO()
    env = CliEnv(io.StringIO(), piped, False, False, False, {}, tmp_path)
    with progress_reporters(env, ["scanning east", "scanning west"]) as bars:
        assert bars == [None, None]
    assert piped.getvalue() == ""


def test_printed_commands_keep_the_config_file_they_were_run_with(config: Path) -> None:
    """Run as printed, a hint must read the same file (not ./c5attn.toml or another shop's)."""
    _, _, err = _run(config, "--site", "east", "scan", "--all")
    assert f"to flag them: c5attn --config {config} --site east scan --apply --all" in err
    _, _, err = _run(config, "scan", "--all")
    assert f"to flag them: c5attn --config {config} scan --apply --all" in err


def test_show_across_sites_names_the_site_that_failed(
    slow_sites: tuple[Path, list[tuple[str, str]]],
) -> None:
    root, _ = slow_sites
    code, _, err = _run(root / "west.toml", "show", "000010001")
    assert code == 4 and err.startswith("c5attn: error: site west: ")  # its own exit code, a wrong token
    assert "--site east show 000010001), but west could not be searched" in err


def test_a_site_whose_magento_stops_answering_mid_apply_is_not_written_to_order_by_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After east's first flag its Magento drops every connection: east stops at its next order
    (each would fail only after its own retries, minutes in all), west is still flagged, and the
    run says how far it got, exit 3."""
    from c5attn.magento.client import RetryPolicy

    monkeypatch.setattr(RetryPolicy, "backoff", lambda self, attempt, rng: 0.0)
    init_world(tmp_path / "east", orders=300, seed=5, now=datetime.now(UTC))
    shutil.copytree(tmp_path / "east", tmp_path / "west")
    with (
        MagentoSandbox(tmp_path / "east" / "magento.db", token=TOKEN) as east,
        MagentoSandbox(tmp_path / "west" / "magento.db", token=TOKEN) as west,
    ):
        post = east._do_post_comment

        def then_down(*args: object) -> object:
            answer = post(*args)  # type: ignore[arg-type]
            east.fail_next(*["drop"] * 1000)
            return answer

        monkeypatch.setattr(east, "_do_post_comment", then_down)
        config = tmp_path / "c5attn.toml"
        config.write_text(
            "".join(
                f'[sites.{name}]\nmagento_url = "{server.url}"\nmagento_token = "env:SITES_TOKEN"\n'
                f'counterpoint_dsn = "sqlite:///{tmp_path / name / "counterpoint.db"}"\n'
                'web_pay_codes = ["WEB", "PAYPAL"]\n'
                for name, server in (("east", east), ("west", west))
            ),
            encoding="utf-8",
        )
        code, _, err = _run(config, "scan", "--all", "--apply", "--yes")
        posts = east.requests_to("POST", "/comments"), west.requests_to("POST", "/comments")
    assert code == 3, err
    error = next(line for line in err.splitlines() if line.startswith("c5attn: error:"))
    flagged_then = r"c5attn: error: \d+ of \d+ orders flagged, 1 failed \(1 unverified\); site east stopped"
    assert re.match(flagged_then, error)
    assert "its other orders were not attempted" in err and "STOPPED site east:" in err
    assert posts[0] == 1  # east's first comment landed, its read-back was dropped: UNVERIFIED
    assert posts[1] >= 20  # west was flagged all the same
    assert err.count("\nFAILED ") == 0  # no line for each of east's orders left
