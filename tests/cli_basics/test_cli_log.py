"""``c5attn log``: which sites' entries it shows, and how it prints what others wrote."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from c5attn.audit import AuditEntry, AuditLog
from c5attn.cli.app import app
from c5attn.errors import ExitCode

SITES = """
[sites.web]
magento_url = "https://shop.example.com"
magento_token = "env:MAGENTO_TOKEN"
counterpoint_dsn = "env:CP_DSN"

[sites.outlet]
magento_url = "https://outlet.example.com"
magento_token = "env:MAGENTO_TOKEN"
counterpoint_dsn = "env:CP_DSN"
"""


@pytest.fixture
def audit_log(isolated_home: Path) -> AuditLog:
    """An audit log with one entry for each of the sites web, outlet and sandbox, and a config of
    the first two."""
    (isolated_home / "c5attn.toml").write_text(SITES, encoding="utf-8")
    log = AuditLog(isolated_home.parent / "home")
    for number, site in enumerate(("web", "outlet", "sandbox"), 1):
        log.append(AuditEntry(site, f"10000000{number}", "flag", {}, {}, "ok", "jane"))
    return log


def logged_sites(runner: CliRunner, *args: str) -> list[str]:
    result = runner.invoke(app, [*args, "log", "--json"])
    assert result.exit_code == 0, result.output
    return [entry["site"] for entry in json.loads(result.stdout)]


@pytest.mark.usefixtures("audit_log")
def test_log_shows_every_site_unless_one_is_chosen(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert logged_sites(runner) == ["web", "outlet", "sandbox"]
    assert logged_sites(runner, "--site", "web") == ["web"]
    assert logged_sites(runner, "--sandbox") == ["sandbox"]
    monkeypatch.setenv("C5ATTN_SITE", "outlet")
    assert logged_sites(runner) == ["outlet"]
    monkeypatch.setenv("C5ATTN_SITE", "")  # as every command: not every site
    assert runner.invoke(app, ["log"]).exit_code == ExitCode.USAGE


@pytest.mark.usefixtures("audit_log")
def test_log_json_piped_is_one_compact_entry_a_line_as_scans_is(runner: CliRunner) -> None:
    """A long audit log piped as JSON was indented, 19 lines an entry (359,000 for 19,000 entries)."""
    lines = runner.invoke(app, ["log", "--json"]).stdout.splitlines()
    assert lines[0] == "[" and lines[-1] == "]" and len(lines) == 3 + 2
    orders = [json.loads(line.rstrip(","))["order"] for line in lines[1:-1]]
    assert orders == ["100000001", "100000002", "100000003"]


def test_log_shows_an_entry_on_one_line_whatever_its_message(runner: CliRunner, audit_log: AuditLog) -> None:
    entry = AuditEntry("web", "100000009", "resolve", {}, {}, "unknown", "jane", message="first\nsecond")
    audit_log.append(entry)
    lines = runner.invoke(app, ["--site", "web", "log"]).stdout.splitlines()
    assert lines[-1].endswith("unknown   first second") and len(lines) == 4  # headings, rule, two writes


@pytest.mark.usefixtures("audit_log")
@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--site", "nope"], "unknown site 'nope' (from --site); the configured sites are: web, outlet"),
        (["--sandbox", "--site", "web"], "--sandbox has one site, 'sandbox'; there is no site 'web' in it"),
    ],
)
def test_log_refuses_a_site_it_does_not_know_as_other_commands_do(
    runner: CliRunner, args: list[str], expected: str
) -> None:
    result = runner.invoke(app, [*args, "log"])
    assert result.exit_code == ExitCode.USAGE and isinstance(result.exception, SystemExit)
    lines = result.stderr.splitlines()
    assert lines[0] == f"c5attn: error: {expected}" and lines[1].startswith("  hint: ")
    assert result.stdout == ""


def test_log_shows_control_characters_others_wrote_as_escapes(runner: CliRunner, audit_log: AuditLog) -> None:
    message = "card declined\x1b]0;owned\x07\x1b[2J"
    audit_log.append(AuditEntry("web", "100000009", "flag", {}, {}, "failed", "ja\x1bne", message))
    table = runner.invoke(app, ["log", "100000009"])
    assert table.exit_code == 0, table.output
    assert "\x1b" not in table.stdout and "\x07" not in table.stdout
    assert "card declined\\x1b]0;owned\\x07\\x1b[2J" in table.stdout and "ja\\x1bne" in table.stdout
    (entry,) = json.loads(runner.invoke(app, ["log", "100000009", "--json"]).stdout)
    assert (entry["operator"], entry["message"]) == ("ja\x1bne", message)  # JSON escapes them itself


def test_an_operator_name_with_a_control_character_is_one_usage_error(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("C5ATTN_OPERATOR", "jane\x1b[2J")
    result = runner.invoke(app, ["config", "show"])
    assert result.exit_code == ExitCode.USAGE and isinstance(result.exception, SystemExit)
    assert result.stderr.splitlines() == [
        "c5attn: error: operator (from env C5ATTN_OPERATOR) holds the control character \\x1b "
        "(it is written to Magento comments and the audit log)",
        "  hint: Use a name of printable characters only.",
    ]


def test_log_of_an_order_typed_as_the_admin_shows_it_suggests_its_number(
    runner: CliRunner, audit_log: AuditLog
) -> None:
    audit_log.append(AuditEntry("web", "000010081", "resolve", {}, {}, "ok", "jane"))
    for typed in ("10081", "#000010081"):
        result = runner.invoke(app, ["log", typed])
        assert result.exit_code == 0
        assert f"no entries for {typed}" in result.stderr and "did you mean 000010081?" in result.stderr


def test_log_shows_a_write_once_unless_asked_for_every_entry(runner: CliRunner, audit_log: AuditLog) -> None:
    """A write's 'started' entry is dropped where its outcome follows; one with none (a run killed
    mid-write) stays. --json keeps every entry; --limit keeps the last writes."""

    def write(order: str, result: str, run: str) -> None:
        audit_log.append(AuditEntry("web", order, "resolve", {}, {}, result, "jane", run_id=run))

    write("200000001", "started", "r1")
    write("200000001", "ok", "r1")
    write("200000002", "started", "r2")  # killed: no outcome
    results = [line.split()[-1] for line in runner.invoke(app, ["log"]).stdout.splitlines()[2:]]
    assert results == ["ok", "ok", "ok", "ok", "started"]  # the fixture's three flags, then these
    every = runner.invoke(app, ["log", "--all-entries"]).stdout.splitlines()[2:]
    assert [line.split()[-1] for line in every][-3:] == ["started", "ok", "started"]
    assert len(json.loads(runner.invoke(app, ["log", "--json"]).stdout)) == 6
    last = runner.invoke(app, ["log", "--limit", "2"]).stdout.splitlines()[2:]
    assert [line.split()[4] for line in last] == ["200000001", "200000002"]  # when takes two words
    as_json = json.loads(runner.invoke(app, ["log", "--limit", "2", "--json"]).stdout)  # the same 2 writes
    assert [(e["order"], e["result"]) for e in as_json] == [
        ("200000001", "started"), ("200000001", "ok"), ("200000002", "started")
    ]
    # --limit counts writes with --all-entries too: the last write, both of its entries
    last_every = runner.invoke(app, ["log", "--limit", "2", "--all-entries"]).stdout.splitlines()[2:]
    assert [(line.split()[4], line.split()[-1]) for line in last_every] == [
        ("200000001", "started"), ("200000001", "ok"), ("200000002", "started")
    ]
    only_last = runner.invoke(app, ["log", "--limit", "1", "--all-entries"]).stdout.splitlines()[2:]
    assert [line.split()[-1] for line in only_last] == ["started"]  # the killed write, alone
