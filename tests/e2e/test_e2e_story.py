"""The operator's story, step by step, through the real CLI against the embedded sandbox.

The tests in this module share one sandbox world and run in file order: each step builds on the
writes of the previous ones, exactly as an operator's day would.
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from e2e_sandbox import Sandbox, fill_the_temporary_folder, invoker, terminal_env
from typer.testing import CliRunner

from c5attn.cli.app import app
from c5attn.counterpoint.store import CounterpointStore
from c5attn.magento.client import MagentoClient
from c5attn.scenarios import SCENARIOS

CODES = {scenario.code for scenario in SCENARIOS}
JSON_KEYS = {
    "order",
    "site",
    "magento_id",
    "magento_state",
    "magento_status",
    "flagged",
    "stale",
    "resolved",
    "scenario",
    "scenarios",
    "money_at_risk",
    "fingerprint",
    "steps",
    "evidence",
}


def intended(sandbox: Sandbox) -> dict[str, list[str]]:
    """The generator's own labels (its recipe, not c5attn's engine) for the orders with findings."""
    return {
        number: list(label["scenarios"])
        for number, label in site_labels(sandbox).items()  # type: ignore[call-overload]
        if label["scenarios"]
    }


def site_labels(sandbox: Sandbox) -> dict[str, dict[str, object]]:
    """Labels of the sandbox site's own orders (the world also has another site's orders)."""
    return {n: label for n, label in sandbox.labels().items() if label["kind"] != "other-site"}


def comments_with(sandbox: Sandbox, text: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for order in sandbox.magento_orders():
        found = sum(text in str(h.get("comment", "")) for h in order.get("status_histories", []))  # type: ignore[union-attr]
        if found:
            counts[str(order["increment_id"])] = found
    return counts


def test_scan_reports_exactly_the_intended_findings_and_writes_nothing(sandbox: Sandbox) -> None:
    run = sandbox.invoke("scan", "--all", "--json")
    assert run.exit_code == 0, run.stderr
    rows = run.json()
    assert isinstance(rows, list)
    assert all(set(row) >= JSON_KEYS for row in rows)
    found = {row["order"]: row["scenarios"] for row in rows if row["scenarios"]}
    labels = intended(sandbox)
    assert len(labels) >= 50
    assert found == labels
    assert {row["scenario"] for row in rows if row["scenario"]} == CODES
    assert "findings" in run.stderr
    unflagged = sum(1 for row in rows if row["scenarios"] and not row["flagged"])
    assert f"{unflagged} findings are not flagged Needs Attention yet" in run.stderr
    assert "c5attn --sandbox scan --apply --all" in run.stderr
    assert not (sandbox.home / "audit.jsonl").exists()
    assert comments_with(sandbox, "[c5attn:") == {}


def test_stale_flags_are_reported_apart(sandbox: Sandbox) -> None:
    rows = sandbox.invoke("scan", "--all", "--json").json()
    stale = {row["order"] for row in rows if row["stale"]}  # type: ignore[union-attr]
    expected = {n for n, label in site_labels(sandbox).items() if label["flagged"] and not label["scenarios"]}
    assert stale == expected and stale


def test_window_excludes_old_orders(sandbox: Sandbox) -> None:
    recent = {row["order"] for row in sandbox.invoke("scan", "--json").json()}  # type: ignore[union-attr]
    everything = {row["order"] for row in sandbox.invoke("scan", "--all", "--json").json()}  # type: ignore[union-attr]
    old = {n for n, label in sandbox.labels().items() if str(label["kind"]).startswith("old-")}
    assert recent < everything
    assert everything - recent <= old


def test_csv_has_a_header_and_one_row_per_order(sandbox: Sandbox) -> None:
    run = sandbox.invoke("scan", "--all", "--csv")
    rows = list(csv.DictReader(io.StringIO(run.stdout)))
    assert rows and {"order", "scenario", "money_at_risk", "next_step", "unclassified"} <= set(rows[0])
    records = sandbox.invoke("scan", "--all", "--json").json()
    assert len(rows) == len(records)  # type: ignore[arg-type]
    by_order = {record["order"]: record for record in records}  # type: ignore[union-attr,index]
    for row in rows:  # flags as the JSON writes them
        record = by_order[row["order"]]
        assert [row[k] for k in ("flagged", "stale", "unclassified", "resolved")] == [
            json.dumps(record[k]) for k in ("flagged", "stale", "unclassified", "resolved")
        ]
        assert row["scenario"] == (record["scenario"] or "")  # null: an empty cell


def test_fail_if_found_exits_6(sandbox: Sandbox) -> None:
    assert sandbox.invoke("scan", "--all", "--fail-if-found", "--json").exit_code == 6


def test_apply_without_terminal_or_yes_refuses_and_writes_nothing(sandbox: Sandbox) -> None:
    run = sandbox.invoke("scan", "--all", "--apply")
    assert run.exit_code == 2
    assert "--yes" in run.stderr
    assert comments_with(sandbox, "[c5attn:flag") == {}


def test_dry_run_writes_nothing(sandbox: Sandbox) -> None:
    run = sandbox.invoke("scan", "--all", "--apply", "--dry-run")
    assert run.exit_code == 0
    assert "would flag" in run.stderr and "will flag" not in run.stderr
    assert "nothing was written" in run.stderr
    assert "all in the scan's output, not flagged yet" in run.stderr  # where the ones not listed are
    assert comments_with(sandbox, "[c5attn:flag") == {}


def test_apply_flags_each_new_finding_once(sandbox: Sandbox) -> None:
    before = {row["order"]: row for row in sandbox.invoke("scan", "--all", "--json").json()}  # type: ignore[union-attr]
    to_flag = {n for n, row in before.items() if row["scenarios"] and not row["flagged"]}
    run = sandbox.invoke("scan", "--all", "--apply", "--yes", "--json")
    assert run.exit_code == 0, run.stderr
    flags = comments_with(sandbox, "[c5attn:flag")
    assert set(flags) == to_flag
    assert set(flags.values()) == {1}
    # the comment asks to dismiss Counterpoint's errors only of an order that has some
    open_errors = (
        "SELECT ORD_NO FROM USER_C5_ORD_ERR WHERE UPPER(TRIM(STR_ID)) = 'WEB' "
        "AND (IS_DISMISSED IS NULL OR UPPER(TRIM(IS_DISMISSED)) <> 'Y')"
    )
    with sandbox.counterpoint() as db:
        erring = {row[0] for row in db.execute(open_errors)}
    dismissal = set(comments_with(sandbox, "c5attn dismiss-error")) & to_flag
    assert dismissal == to_flag & erring and dismissal != to_flag
    statuses = {str(o["increment_id"]): o["status"] for o in sandbox.magento_orders()}
    assert all(statuses[number] == "needs_attention" for number in to_flag)
    notified = [
        h
        for o in sandbox.magento_orders()
        for h in o.get("status_histories", [])  # type: ignore[union-attr]
        if "[c5attn:" in str(h.get("comment")) and h.get("is_customer_notified")
    ]
    assert notified == []


def test_second_apply_writes_nothing(sandbox: Sandbox) -> None:
    audit_before = (sandbox.home / "audit.jsonl").read_text()
    run = sandbox.invoke("scan", "--all", "--apply", "--yes")
    assert run.exit_code == 0
    assert "nothing to flag" in run.stderr
    assert "not flagged Needs Attention yet" not in sandbox.invoke("scan", "--all").stderr
    assert set(comments_with(sandbox, "[c5attn:flag").values()) == {1}
    assert (sandbox.home / "audit.jsonl").read_text() == audit_before


def test_list_shows_exactly_the_flagged_orders(sandbox: Sandbox) -> None:
    rows = sandbox.invoke("list", "--json").json()
    flagged = {
        str(o["increment_id"])
        for o in sandbox.magento_orders()
        if o["status"] == "needs_attention" and o.get("store_id") == 1
    }
    assert {row["order"] for row in rows} == flagged  # type: ignore[index]
    labels = intended(sandbox)
    for row in rows:  # type: ignore[union-attr]
        assert row["scenarios"] == labels.get(row["order"], [])
    risks = [row["money_at_risk"] for row in rows]  # type: ignore[index]
    assert risks == sorted(risks, reverse=True)


def test_list_filters_the_flags_no_scenario_explains(sandbox: Sandbox) -> None:
    everything = sandbox.invoke("list", "--json").json()
    stale = sandbox.invoke("list", "--scenario", "stale", "--json").json()
    unclassified = sandbox.invoke("list", "--scenario", " Unclassified ", "--json").json()
    assert [row for row in everything if row["stale"]] == stale  # type: ignore[union-attr,index]
    assert [row for row in stale if row["unclassified"]] == unclassified  # type: ignore[union-attr,index]
    assert unclassified  # the world has flags Commerce5 set that no rule explains


def test_list_filters_by_scenario_number_and_code(sandbox: Sandbox) -> None:
    by_number = sandbox.invoke("list", "--scenario", "5", "--json").json()
    by_code = sandbox.invoke("list", "--scenario", "deposit-but-canceled", "--json").json()
    assert by_number == by_code and by_number
    assert all("deposit-but-canceled" in row["scenarios"] for row in by_number)  # type: ignore[union-attr]
    assert sandbox.invoke("list", "--scenario", "nope").exit_code == 2
    limited = sandbox.invoke("list", "--limit", "3", "--json").json()
    assert len(limited) == 3  # type: ignore[arg-type]
    # the line under the table: how many there are, and how many --limit shows
    everything = len(sandbox.invoke("list", "--json").json())  # type: ignore[arg-type]
    assert sandbox.invoke("list").stderr.strip().endswith(f"{everything} orders at Needs Attention")
    matching = sandbox.invoke("list", "--scenario", "5").stderr.strip().splitlines()[-1]
    assert matching == f"{len(by_number)} orders at Needs Attention match"  # type: ignore[arg-type]
    first = sandbox.invoke("list", "--limit", "3").stderr.strip().splitlines()[-1]
    assert first == f"{everything} orders at Needs Attention; the first 3 shown (--limit)"
    # filtered by a scenario, the table leads with it, also where the order's first is another
    captures = sandbox.invoke("list", "--scenario", "2").stdout.splitlines()[2:]
    labels = [re.split(r"\s{2,}", line)[2] for line in captures]
    assert labels and all(label.startswith("capture-failed") for label in labels)
    assert any(label == "capture-failed (+1)" for label in labels)


def test_list_with_a_full_temporary_folder_says_so_in_one_line(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`list` spools its queue to a temporary file: a full /tmp was an OSError traceback."""
    sandbox.invoke("list", "--limit", "1")  # the world is built before the folder fills up
    fill_the_temporary_folder(monkeypatch)
    run = sandbox.invoke("list", "--json")  # an uncaught OSError would fail here
    assert run.exit_code == 1
    assert "cannot keep the listed orders in a temporary file: No space left on device" in run.stderr
    assert "set TMPDIR" in run.stderr


def _one(sandbox: Sandbox, code: str, *, errors: bool = False) -> str:
    rows = sandbox.invoke("list", "--scenario", code, "--json").json()
    for row in rows:  # type: ignore[union-attr]
        if not errors:
            return str(row["order"])
        shown = sandbox.invoke("show", str(row["order"]), "--json").json()
        if shown["open_errors"]:  # type: ignore[index]
            return str(row["order"])
    raise AssertionError(f"no flagged order of {code}" + (" with open errors" if errors else ""))


def test_show_explains_one_order(sandbox: Sandbox) -> None:
    number = _one(sandbox, "capture-failed")
    run = sandbox.invoke("show", number)
    assert run.exit_code == 0
    assert number in run.stdout and "capture-failed" in run.stdout
    assert "Why" in run.stdout and "Follow-up" in run.stdout and f"resolve {number}" in run.stdout
    data = sandbox.invoke("show", number, "--json").json()
    assert data["order"] == number and "capture-failed" in data["scenarios"]  # type: ignore[index]
    times = [comment["created_at"] for comment in data["comments"]]  # type: ignore[index]
    assert len(times) >= 2 and times == sorted(times)  # Commerce5's, then c5attn's flag: oldest first


def test_a_site_the_sandbox_does_not_have_is_refused(sandbox: Sandbox) -> None:
    run = sandbox.invoke("--site", "outlet", "scan")
    assert run.exit_code == 2 and "no site 'outlet'" in run.stderr
    assert sandbox.invoke("--site", "sandbox", "scan").exit_code == 0


def test_config_show_shows_the_configuration_sandbox_commands_run_with(sandbox: Sandbox) -> None:
    """Not the configured sites (C5ATTN_CONFIG names a file that does not exist here), and no
    plain-text warning for the sandbox's own token."""
    run = sandbox.invoke("config", "show", "--json")
    assert run.exit_code == 0, run.stderr
    rows = {(row["site"], row["key"]): row for row in run.json()}  # type: ignore[union-attr]
    assert rows[("", "config_file")]["origin"] == "sandbox"
    operator = rows[("", "operator")]
    assert (operator["value"], operator["origin"]) == ("tester", "env C5ATTN_OPERATOR")
    assert rows[("sandbox", "magento_url")]["value"] == "http://127.0.0.1:PORT"
    assert rows[("sandbox", "web_pay_codes")]["origin"] == "sandbox"
    assert rows[("sandbox", "counterpoint_timezone")]["value"] == "America/New_York"
    assert rows[("sandbox", "magento_token")]["value"] == "***"
    assert rows[("sandbox", "magento_page_size")]["origin"] == "default"
    assert "plain text" not in run.stderr and "PORT: a free port, chosen at each run" in run.stderr


def test_config_show_builds_and_serves_nothing(tmp_path: Path) -> None:
    run = invoker(tmp_path / "home")("config", "show")
    assert run.exit_code == 0, run.stderr
    assert "sqlite:///" in run.stdout and not (tmp_path / "home").exists()


def test_unknown_order_is_one_clear_line(sandbox: Sandbox) -> None:
    run = sandbox.invoke("show", "NO-SUCH-ORDER")
    assert run.exit_code == 1
    assert "not found" in run.stderr and "Traceback" not in run.stderr
    assert "--site" not in run.stderr  # the sandbox has one site: no other to look in


def test_resolve_takes_the_order_out_and_scan_does_not_flag_it_again(sandbox: Sandbox) -> None:
    number = _one(sandbox, "released-but-canceled")
    run = sandbox.invoke("resolve", number, "--comment", "return done in Counterpoint", "--yes")
    assert run.exit_code == 0, run.stderr
    assert number not in {row["order"] for row in sandbox.invoke("list", "--json").json()}  # type: ignore[index]
    scan = sandbox.invoke("scan", "--all", "--apply", "--yes", "--json")
    assert "nothing to flag" in scan.stderr
    row = (
        next(r for r in scan.json() if r["order"] == number)
        if any(  # type: ignore[union-attr]
            r["order"] == number for r in scan.json()
        )
        else None
    )  # type: ignore[union-attr]
    assert row is None or row["resolved"]
    assert "1 resolved" in scan.stderr or " resolved" in scan.stderr
    assert comments_with(sandbox, "[c5attn:flag").get(number, 0) <= 1


def test_resolve_without_dismiss_reminds_of_the_open_errors(sandbox: Sandbox) -> None:
    number = _one(sandbox, "capture-failed", errors=True)
    run = sandbox.invoke("resolve", number, "--yes")
    assert run.exit_code == 0, run.stderr
    assert f"c5attn --sandbox dismiss-error {number}" in run.stderr and "still open" in run.stderr


def test_resolving_again_or_a_healthy_order_writes_nothing(sandbox: Sandbox) -> None:
    """resolve must not overwrite the status of an order that is neither flagged nor in a finding
    (Commerce5's In CPSQL, say), nor add a second resolution to a finding resolved already."""
    resolved = next(
        entry["order"]
        for entry in reversed(sandbox.invoke("log", "--json").json())  # type: ignore[arg-type]
        if entry["action"] == "resolve" and entry["result"] == "ok"
    )
    healthy = next(
        number
        for number, label in site_labels(sandbox).items()
        if label["kind"] == "imported" and not label["scenarios"] and not label["flagged"]
    )
    before = {str(order["increment_id"]): order for order in sandbox.magento_orders()}
    again = sandbox.invoke("resolve", resolved, "--yes")
    assert again.exit_code == 0, again.stderr
    assert "resolved earlier with the same evidence; nothing to resolve" in again.stdout
    fine = sandbox.invoke("resolve", healthy, "--yes", "--dismiss-error")
    assert fine.exit_code == 0, fine.stderr
    assert "finds no discrepancy on it; nothing to resolve" in fine.stdout
    after = {str(order["increment_id"]): order for order in sandbox.magento_orders()}
    assert after[resolved] == before[resolved] and after[healthy] == before[healthy]
    shown = sandbox.invoke("show", healthy)
    assert "resolve" not in shown.stdout.split("Why:")[1]  # no "next command" to resolve it


def test_dismiss_error_asked_of_an_order_with_nothing_to_resolve_is_still_done(sandbox: Sandbox) -> None:
    number = _one(sandbox, "capture-failed", errors=True)
    assert sandbox.invoke("resolve", number, "--yes").exit_code == 0  # resolved, errors left open
    run = sandbox.invoke("resolve", number, "--dismiss-error", "--yes")
    assert run.exit_code == 0, run.stderr
    assert "nothing to resolve" in run.stdout and "dismissed" in run.stdout
    assert "no open order errors" in sandbox.invoke("dismiss-error", number, "--yes").stdout


def test_resolve_refuses_a_status_of_another_state(sandbox: Sandbox) -> None:
    number = _one(sandbox, "completed-but-canceled")
    run = sandbox.invoke("resolve", number, "--status", "pending", "--yes")
    assert run.exit_code == 2
    assert "not assigned" in run.stderr and "complete" in run.stderr


def test_resolve_without_yes_and_terminal_refuses(sandbox: Sandbox) -> None:
    number = _one(sandbox, "manual-invoice-or-ship")
    run = sandbox.invoke("resolve", number)
    assert run.exit_code == 2 and "--yes" in run.stderr
    assert number in {row["order"] for row in sandbox.invoke("list", "--json").json()}  # type: ignore[index]


def test_brackets_in_commerce5_messages_are_printed_as_they_are(sandbox: Sandbox) -> None:
    """Rich read "[/]" in an order error as markup and failed with a traceback; "[b]" vanished."""
    number = _one(sandbox, "capture-failed", errors=True)
    message = "card [/] declined [b]twice[/b] [c5attn:flag]"
    with sandbox.counterpoint() as db:
        saved = db.execute(
            "SELECT ERR_ID, ERR_MSG FROM USER_C5_ORD_ERR WHERE ORD_NO = ?", (number,)
        ).fetchall()
        db.execute("UPDATE USER_C5_ORD_ERR SET ERR_MSG = ? WHERE ORD_NO = ?", (message, number))
    try:
        run = sandbox.invoke("dismiss-error", number, "--dry-run")
    finally:
        with sandbox.counterpoint() as db:
            restore = [(text, err_id) for err_id, text in saved]
            db.executemany("UPDATE USER_C5_ORD_ERR SET ERR_MSG = ? WHERE ERR_ID = ?", restore)
    assert run.exit_code == 0, run.stderr
    assert message in run.stderr and "dry run: nothing was written" in run.stderr


def test_the_resolve_plan_shows_the_comment_as_it_will_be_written(sandbox: Sandbox) -> None:
    """The operator's note and c5attn's marker, brackets and all (Rich ate the marker before)."""
    number = _one(sandbox, "capture-failed")
    run = sandbox.invoke("resolve", number, "--comment", "[/] refund [b]done[/b]", "--dry-run")
    assert run.exit_code == 0, run.stderr
    assert "[/] refund [b]done[/b]" in run.stderr and "[c5attn:resolved fp=" in run.stderr


def test_the_resolve_plan_gives_money_at_risk_only_when_there_is_some(sandbox: Sandbox) -> None:
    """A capture failure known from an order error alone puts no amount at risk: "(at risk 0.00
    USD)" would be noise; one the data shows says how much."""
    rows = sandbox.invoke("list", "--json").json()
    zero = next(r for r in rows if r["scenarios"] and not r["money_at_risk"])  # type: ignore[union-attr]
    some = next(r for r in rows if r["scenarios"] and r["money_at_risk"])  # type: ignore[union-attr]
    for row, shown in ((zero, False), (some, True)):
        run = sandbox.invoke("resolve", str(row["order"]), "--dry-run")
        assert run.exit_code == 0, run.stderr
        assert "the data still shows" in run.stderr and ("(at risk " in run.stderr) is shown


def test_the_sandbox_reads_counterpoint_times_in_its_worlds_time_zone(sandbox: Sandbox) -> None:
    """Counterpoint stores local times; the built-in site must read them as the world wrote them."""
    number = _one(sandbox, "capture-failed", errors=True)
    zone = ZoneInfo(json.loads((sandbox.directory / "world.json").read_text())["site"]["timezone"])
    with sandbox.counterpoint() as db:
        local = dict(db.execute("SELECT ERR_ID, ERR_DT FROM USER_C5_ORD_ERR WHERE ORD_NO = ?", (number,)))
    shown = sandbox.invoke("show", number, "--json").json()["open_errors"]  # type: ignore[index]
    assert shown and zone.key != "UTC"
    for error in shown:
        written = datetime.fromisoformat(str(local[error["err_id"]])).replace(tzinfo=zone)
        assert datetime.fromisoformat(error["err_dt"]) == written


def test_the_resolve_plan_names_the_errors_it_will_dismiss(sandbox: Sandbox) -> None:
    number = _one(sandbox, "capture-failed", errors=True)
    shown = sandbox.invoke("show", number, "--json").json()
    run = sandbox.invoke("resolve", number, "--dismiss-error", "--dry-run")
    assert run.exit_code == 0, run.stderr
    for error in shown["open_errors"]:  # type: ignore[index]
        assert f"    #{error['err_id']} {error['err_typ']}: " in run.stderr


def test_dismiss_error_clears_open_errors_then_says_none(sandbox: Sandbox) -> None:
    number = _one(sandbox, "capture-failed", errors=True)
    run = sandbox.invoke("dismiss-error", number, "--yes")
    assert run.exit_code == 0, run.stderr
    assert "dismissed" in run.stdout
    with sandbox.counterpoint() as db:
        open_rows = db.execute(
            "SELECT COUNT(*) FROM USER_C5_ORD_ERR WHERE ORD_NO = ? AND COALESCE(IS_DISMISSED, 'N') <> 'Y'",
            (number,),
        ).fetchone()[0]
        who = db.execute(
            "SELECT DISTINCT DISMISSED_BY FROM USER_C5_ORD_ERR WHERE ORD_NO = ? AND IS_DISMISSED = 'Y'",
            (number,),
        ).fetchall()
    assert open_rows == 0 and who == [("tester",)]
    logged = [
        entry["result"]
        for entry in sandbox.invoke("log", number, "--json").json()  # type: ignore[union-attr]
        if entry["action"] == "dismiss-error"
    ]
    assert logged == ["started", "ok"]  # recorded before the write, as every write is
    again = sandbox.invoke("dismiss-error", number, "--yes")
    assert again.exit_code == 0 and "no open order errors" in again.stdout


def test_errors_left_open_by_the_dismiss_exit_3_naming_them(sandbox: Sandbox) -> None:
    """A trigger (or anything else in Counterpoint) keeps a row open: "0 dismissed", exit 0 hid it."""
    number = _one(sandbox, "capture-failed", errors=True)
    reopen = "UPDATE USER_C5_ORD_ERR SET IS_DISMISSED = 'N' WHERE ERR_ID = NEW.ERR_ID"
    with sandbox.counterpoint_trigger("reopen", "AFTER UPDATE OF IS_DISMISSED", reopen):
        run = sandbox.invoke("dismiss-error", number, "--yes")
    assert run.exit_code == 3, run.stderr
    assert "still open after it" in run.stderr and "#" in run.stderr
    last = sandbox.invoke("log", number, "--json").json()[-1]  # type: ignore[index]
    assert (last["action"], last["result"]) == ("dismiss-error", "partial")


def test_half_failed_resolve_says_what_was_done_and_how_to_finish(sandbox: Sandbox) -> None:
    number = _one(sandbox, "capture-failed", errors=True)
    refuse = "SELECT RAISE(ABORT, 'locked by test')"
    with sandbox.counterpoint_trigger("block_dismiss", "BEFORE UPDATE", refuse):
        run = sandbox.invoke("resolve", number, "--dismiss-error", "--yes")
    assert run.exit_code == 3
    assert (  # it said "status set to 'processing'", without the order, in words of its own
        f"c5attn: error: order {number}: status needs_attention → processing, resolution comment added, "
        "but dismissing the Counterpoint errors failed: " in run.stderr
    ), run.stderr
    assert f"hint: finish with: c5attn --sandbox dismiss-error {number} --yes" in run.stderr
    statuses = {str(o["increment_id"]): o["status"] for o in sandbox.magento_orders()}
    assert statuses[number] != "needs_attention"


def test_resolve_dismiss_error_without_open_errors_says_so_once(sandbox: Sandbox) -> None:
    """The plan says there is none to dismiss; the outcome added "0 Counterpoint order errors
    dismissed" as if something had been tried."""
    number = _one(sandbox, "deposit-but-canceled", errors=True)
    assert sandbox.invoke("dismiss-error", number, "--yes").exit_code == 0
    run = sandbox.invoke("resolve", number, "--dismiss-error", "--yes")
    assert run.exit_code == 0, run.stderr
    assert "no open Counterpoint order error to dismiss" in run.stderr
    assert "dismissed" not in run.stdout + run.stderr


def _open_error_count(sandbox: Sandbox, number: str) -> int:
    with sandbox.counterpoint() as db:
        row = db.execute(
            "SELECT COUNT(*) FROM USER_C5_ORD_ERR WHERE ORD_NO = ? AND COALESCE(IS_DISMISSED, 'N') <> 'Y'",
            (number,),
        ).fetchone()
    return int(row[0])


def _last_outcomes(sandbox: Sandbox, number: str) -> dict[str, str]:
    """Each action's last audit result for the order."""
    entries = sandbox.invoke("log", number, "--json").json()
    return {entry["action"]: entry["result"] for entry in entries}  # type: ignore[union-attr,index]


def test_ctrl_c_between_the_two_writes_of_a_resolve_says_what_was_done(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C once Magento has the status, before the Counterpoint errors are dismissed."""
    number = _one(sandbox, "capture-failed", errors=True)
    set_status = MagentoClient.set_status
    written: list[str] = []

    def status_then_remember(self: MagentoClient, *args: Any, **kwargs: Any) -> Any:
        change = set_status(self, *args, **kwargs)
        written.append("status")
        return change

    def interrupted_once_written(self: CounterpointStore, order_no: str) -> Any:
        if written:
            raise KeyboardInterrupt
        return open_errors(self, order_no)

    open_errors = CounterpointStore.open_errors
    monkeypatch.setattr(MagentoClient, "set_status", status_then_remember)
    monkeypatch.setattr(CounterpointStore, "open_errors", interrupted_once_written)
    run = sandbox.invoke("resolve", number, "--yes", "--dismiss-error")
    monkeypatch.undo()
    assert run.exit_code == 130
    assert (
        f"c5attn: interrupted: order {number}: status needs_attention → processing, resolution comment "
        "added; its Counterpoint errors are still open" in run.stderr
    ), run.stderr
    assert f"hint: finish with: c5attn --sandbox dismiss-error {number}" in run.stderr
    assert _last_outcomes(sandbox, number) == {"resolve": "ok"}  # nothing of the dismissal was started
    assert _open_error_count(sandbox, number) > 0
    finish = sandbox.invoke("dismiss-error", number, "--yes")
    assert finish.exit_code == 0 and _open_error_count(sandbox, number) == 0, finish.stderr


def test_ctrl_c_with_the_status_write_in_flight_is_recorded_unknown(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The write landed, its answer was cut off by Ctrl-C: as a failed read-back, "unknown"."""
    number = _one(sandbox, "capture-failed", errors=True)
    set_status = MagentoClient.set_status

    def landed_then_interrupted(self: MagentoClient, *args: Any, **kwargs: Any) -> Any:
        set_status(self, *args, **kwargs)
        raise KeyboardInterrupt

    monkeypatch.setattr(MagentoClient, "set_status", landed_then_interrupted)
    run = sandbox.invoke("resolve", number, "--yes", "--dismiss-error")
    monkeypatch.undo()
    assert run.exit_code == 130
    assert (
        f"c5attn: interrupted: order {number}: interrupted while the status write was in flight" in run.stderr
    )
    assert "is unknown; its Counterpoint errors are still open" in run.stderr
    assert f"hint: see the order with: c5attn --sandbox show {number}" in run.stderr
    assert f"finish with: c5attn --sandbox dismiss-error {number}" in run.stderr
    assert _last_outcomes(sandbox, number) == {"resolve": "unknown"}
    assert _open_error_count(sandbox, number) > 0


def test_ctrl_c_with_the_dismissal_in_flight_is_recorded_unknown(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    number = _one(sandbox, "capture-failed", errors=True)

    def interrupted(self: CounterpointStore, *args: Any, **kwargs: Any) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(CounterpointStore, "dismiss_errors", interrupted)
    run = sandbox.invoke("resolve", number, "--yes", "--dismiss-error")
    monkeypatch.undo()
    assert run.exit_code == 130
    assert f"order {number}: status needs_attention → processing, resolution comment added" in run.stderr
    assert "interrupted while dismissing its Counterpoint errors" in run.stderr
    assert f"dismiss them, with: c5attn --sandbox dismiss-error {number}" in run.stderr
    assert _last_outcomes(sandbox, number) == {"resolve": "ok", "dismiss-error": "unknown"}


def test_log_shows_every_write(sandbox: Sandbox) -> None:
    entries = sandbox.invoke("log", "--json").json()
    actions = {(e["action"], e["result"]) for e in entries}  # type: ignore[union-attr]
    assert {
        ("flag", "ok"),
        ("resolve", "ok"),
        ("dismiss-error", "ok"),
        ("dismiss-error", "failed"),
    } <= actions
    assert all(e["operator"] == "tester" and e["site"] == "sandbox" for e in entries)  # type: ignore[union-attr]
    flagged = len(comments_with(sandbox, "[c5attn:flag"))
    assert sum(1 for e in entries if e["action"] == "flag" and e["result"] == "ok") == flagged  # type: ignore[union-attr]
    table = sandbox.invoke("log")
    assert "resolve" in table.stdout and "→" in table.stdout
    one = sandbox.invoke("log", json.loads(json.dumps(entries))[0]["order"], "--json").json()
    assert one and all(e["order"] == entries[0]["order"] for e in one)  # type: ignore[union-attr,index]


def test_resolving_a_stale_flag_records_what_it_resolves(sandbox: Sandbox) -> None:
    """A stale flag has no finding and so no fingerprint: its log entry says so, not "None"."""
    rows = sandbox.invoke("scan", "--all", "--json").json()
    number = next(row["order"] for row in rows if row["stale"])  # type: ignore[union-attr,index]
    run = sandbox.invoke("resolve", number, "--yes")
    assert run.exit_code == 0, run.stderr
    entries = sandbox.invoke("log", number, "--json").json()
    started = [e["message"] for e in entries if e["action"] == "resolve" and e["result"] == "started"]  # type: ignore[union-attr,index]
    assert started == ["a flag no rule explains (no fingerprint)"]


def test_resolving_a_finding_nobody_flagged_says_its_status_stays(tmp_path: Path) -> None:
    """Resolve records the follow-up of a finding still at its own status: the plan and the result
    say the status stays, rather than "complete → complete"."""
    fresh = invoker(tmp_path / "home")
    rows = fresh("scan", "--all", "--json").json()
    row = next(r for r in rows if r["scenario"] and not r["flagged"])  # type: ignore[union-attr,index]
    plan = fresh("resolve", row["order"], "--dry-run")  # type: ignore[index]
    assert plan.exit_code == 0, plan.stderr
    assert f"status stays {row['magento_status']}, with the comment:" in plan.stderr  # type: ignore[index]
    done = fresh("resolve", row["order"], "--yes")  # type: ignore[index]
    assert done.exit_code == 0, done.stderr
    assert f"status stays {row['magento_status']}; comment added" in done.stdout + done.stderr  # type: ignore[index]


def test_apply_on_a_terminal_shows_a_bar_while_it_flags(tmp_path: Path) -> None:
    """Hundreds of flags take seconds (minutes on a real Magento): a bar shows the writes' progress."""
    home = {"C5ATTN_HOME": str(tmp_path / "home"), "C5ATTN_OPERATOR": "tester"}
    env, terminal = terminal_env(tmp_path, home)
    result = CliRunner().invoke(app, ["--sandbox", "scan", "--apply", "--yes"], obj=env)
    assert result.exit_code == 0, terminal.getvalue()
    found = re.search(r"([\d,]+) orders? flagged Needs Attention", terminal.getvalue())
    flagged = int(found.group(1).replace(",", ""))  # type: ignore[union-attr]
    assert flagged > 0 and "flagging" in terminal.getvalue() and f"{flagged}/{flagged}" in terminal.getvalue()


def test_scan_scenario_lists_flags_and_fails_on_that_scenario_only(tmp_path: Path) -> None:
    """Capture failures across every order, flagged or not: what `list --scenario` cannot show."""
    fresh = invoker(tmp_path / "home")
    unfiltered = fresh("scan", "--all", "--json")
    everything = unfiltered.json()
    captures = fresh("scan", "--all", "--scenario", "2", "--json")
    rows = captures.json()
    expected = [r["order"] for r in everything if "capture-failed" in r["scenarios"]]  # type: ignore[union-attr,index]
    assert [r["order"] for r in rows] == expected and expected  # type: ignore[union-attr,index]
    assert f"listed: {len(expected)} orders that --scenario 2 keeps, whatever their first" in captures.stderr
    summary = [line for line in unfiltered.stderr.splitlines() if line.startswith("site sandbox:")]
    assert summary and summary[0] in captures.stderr.splitlines()  # the counts still cover every order
    plan = fresh("scan", "--all", "--scenario", "capture-failed", "--apply", "--dry-run")
    planned = [line for line in plan.stderr.splitlines() if line.startswith("would flag ")]
    assert planned and all("capture-failed" in line for line in planned)
    assert fresh("scan", "--all", "--scenario", "stale", "--fail-if-found").exit_code == 6  # asked for
    assert fresh("scan", "--all", "--scenario", "5", "--fail-if-found").exit_code == 6
    flagged = fresh("scan", "--all", "--scenario", "5", "--apply", "--yes")
    assert flagged.exit_code == 0, flagged.stderr
    again = fresh("scan", "--all", "--scenario", "5", "--apply", "--yes")
    assert "nothing to flag among the orders that --scenario 5 keeps" in again.stderr
    assert fresh("scan", "--scenario", "nope").exit_code == 2


def test_one_new_finding_is_counted_as_one_order(tmp_path: Path) -> None:
    """The counts of a scan --apply read as words: "1 order flagged", not "1 orders flagged" (and a
    thousand as "1,890", as the line after the counts already wrote them)."""
    sandbox = Sandbox(tmp_path / "home", invoker(tmp_path / "home"))
    assert sandbox.invoke("scan", "--all", "--apply", "--yes").exit_code == 0
    order = next(number for number, label in sandbox.labels().items() if label["kind"] == "imported")
    with sandbox.counterpoint() as db:  # a capture failure Commerce5 reported: one new finding
        db.execute(
            "INSERT INTO USER_C5_ORD_ERR (ERR_ID, STR_ID, ORD_NO, ERR_TYP, ERR_MSG, ERR_DT, EMAIL_CNT) "
            "VALUES (90001, 'WEB', ?, 'capture', 'Capture failed: declined.', '2026-01-01 10:00:00', 1)",
            (order,),
        )
    run = sandbox.invoke("scan", "--all", "--apply", "--yes")
    assert run.exit_code == 0, run.stderr
    assert "\n1 order flagged Needs Attention (customers not notified)" in run.stderr, run.stderr
    summary = next(line for line in run.stderr.splitlines() if line.startswith("site sandbox: "))
    scanned = re.search(r"([\d,]+) orders scanned", summary)
    assert scanned is not None and scanned.group(1) == f"{int(scanned.group(1).replace(',', '')):,}"


def test_the_flag_plan_says_what_each_flag_writes_before_asking(tmp_path: Path) -> None:
    """A flag is a status and a comment of several lines signed by the operator: the plan says so,
    and that no customer is told, before the question (resolve's plan shows its comment too), and
    how many orders it would flag in all when it lists only the first."""
    run = invoker(tmp_path / "home")("scan", "--all", "--apply", "--dry-run")
    assert run.exit_code == 0, run.stderr
    lines = run.stderr.splitlines()
    said = next(i for i, line in enumerate(lines) if line.startswith("each flag: "))
    assert said < lines.index("dry run: nothing was written")
    assert "a comment with its scenarios, why, the follow-up steps, " in lines[said]
    assert "signed tester, and a [c5attn:flag fp=…] marker; customers are not notified" in lines[said]
    more = next(line for line in lines if line.startswith("… and "))
    listed = sum(line.startswith("would flag ") for line in lines)
    total = listed + int(more.split()[2].replace(",", ""))
    assert f"more, {total:,} in all (" in more
