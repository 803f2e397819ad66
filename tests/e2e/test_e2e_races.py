"""Between a plan and its write (the operator reading it), someone else settles the order."""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from c5attn.audit import AuditLog
from c5attn.config import SiteConfig
from c5attn.counterpoint.store import CounterpointStore
from c5attn.errors import AuditIncomplete, AuditUnwritable, OrderChanged, PartialFailure, StatusUnverified
from c5attn.magento.client import MagentoClient, RetryPolicy
from c5attn.markers import resolve_comment
from c5attn.models import MagentoOrder
from c5attn.sandbox.embedded import init_world
from c5attn.sandbox.magento_server import MagentoSandbox
from c5attn.workflow import (
    SiteSession,
    dismiss_order_errors,
    execute_resolve,
    flag_findings,
    plan_resolve,
    scan_site,
    settle_earlier_write,
    settle_interrupted_flags,
    view_order,
)

TOKEN = "race-token"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[MagentoSandbox]:
    init_world(tmp_path / "world", orders=300, seed=9, now=datetime.now(UTC))
    with MagentoSandbox(tmp_path / "world" / "magento.db", token=TOKEN) as sandbox:
        yield sandbox


@pytest.fixture
def session(tmp_path: Path, server: MagentoSandbox) -> Iterator[SiteSession]:
    with _session(tmp_path, server) as opened:
        yield opened


@contextmanager
def _session(tmp_path: Path, server: MagentoSandbox, **client: Any) -> Iterator[SiteSession]:
    site = SiteConfig(
        name="race",
        magento_url=server.url,
        magento_token=TOKEN,
        counterpoint_dsn=f"sqlite:///{tmp_path / 'world' / 'counterpoint.db'}",
        web_pay_codes=["WEB", "PAYPAL"],
    )
    with MagentoClient(site, **client) as magento, CounterpointStore(site) as counterpoint:
        yield SiteSession(site, magento, counterpoint, "op", AuditLog(tmp_path / "state"), datetime.now(UTC))


def _read_backs_failing(server: MagentoSandbox) -> dict[str, Any]:
    """Client options under which the read right after each POST fails, with no retry."""

    def after_the_post_reads_fail(line: str) -> None:
        if line.startswith("POST"):
            server.fail_next("500", method="GET")

    return {"trace": after_the_post_reads_fail, "retry": RetryPolicy(max_attempts=1)}


def _reported_orders(session: SiteSession, *, flagged: bool | None = None) -> Iterator[MagentoOrder]:
    """The orders a scan lists (those at Needs Attention, or not, with ``flagged``), as Magento has them."""
    for item in scan_site(session, since=None).reported:
        if flagged is None or item.record["flagged"] == flagged:
            yield session.magento.get_order(item.record["magento_id"])


def test_an_order_resolved_after_the_scan_is_not_flagged(session: SiteSession) -> None:
    magento = session.magento
    settled, untouched = scan_site(session, since=None, for_apply=True).to_flag[:2]
    fingerprint = settled.fingerprint
    magento.add_comment(settled.entity_id, resolve_comment(fingerprint, "colleague", "done"))
    outcomes = list(flag_findings(session, [settled, untouched]))
    assert outcomes[0].skipped and "already resolved" in outcomes[0].message
    assert magento.get_order(settled.entity_id).status == settled.status
    assert outcomes[1].ok and not outcomes[1].skipped
    assert magento.get_order(untouched.entity_id).status == session.site.needs_attention_status


def test_an_order_a_colleague_flagged_in_other_letters_meanwhile_is_not_flagged_again(
    session: SiteSession, server: MagentoSandbox
) -> None:
    """Its status read back as " Needs_Attention " is Needs Attention, as scan's verdicts read it."""
    target = scan_site(session, since=None, for_apply=True).to_flag[0]
    _change_meanwhile(server, target.entity_id, "status", " Needs_Attention ")
    [outcome] = flag_findings(session, [target])
    assert outcome.skipped and "already flagged" in outcome.message


def _change_meanwhile(server: MagentoSandbox, entity_id: int, column: str, value: str) -> None:
    """Set the order's ``column`` (state or status) in the sandbox store, as someone else would
    between the scan and the flag."""
    with sqlite3.connect(server.store.db_path) as db:
        db.execute(f"UPDATE orders SET {column} = ? WHERE entity_id = ?", (value, entity_id))
        (body,) = db.execute("SELECT body FROM order_json WHERE entity_id = ?", (entity_id,)).fetchone()
        db.execute(
            f"UPDATE order_json SET body = json_set(?, '$.{column}', ?) WHERE entity_id = ?",
            (body, value, entity_id),
        )


def test_an_order_moved_to_a_state_without_needs_attention_after_the_scan_is_refused_its_flag(
    session: SiteSession, server: MagentoSandbox
) -> None:
    """The scan planned the flag in a state that allows it; Magento moved the order on to payment_review
    (its status and comments as they were): the re-check before the write refuses it, as Magento would."""
    target = scan_site(session, since=None, for_apply=True).to_flag[0]
    _change_meanwhile(server, target.entity_id, "state", "payment_review")
    [outcome] = flag_findings(session, [target])
    refusal = (
        "status 'needs_attention' is not assigned to state 'payment_review' "
        "(state_statuses lists no statuses for it)"
    )
    assert not outcome.ok and outcome.message == refusal
    assert session.magento.get_order(target.entity_id).status == target.status
    [entry] = session.audit.entries(order=target.increment_id)
    assert (entry["result"], entry["message"]) == ("refused", refusal)


def test_a_resolve_whose_order_changed_after_the_plan_writes_nothing(session: SiteSession) -> None:
    magento = session.magento
    order = next(_reported_orders(session, flagged=True))
    view = view_order(session, order)
    plan = plan_resolve(
        session.site, view.verdict, operator="op", status=None, note=None, dismiss=False, open_errors=[]
    )
    magento.add_comment(order.entity_id, resolve_comment(None, "colleague", "handled by phone"))
    with pytest.raises(OrderChanged, match="nothing was written"):
        execute_resolve(session, plan)
    after = magento.get_order(order.entity_id)
    assert after.status == order.status
    assert [entry.comment for entry in after.status_histories].count(plan.comment) == 0
    assert list(session.audit.entries()) == []  # not even a "started": no write was attempted
    fresh = view_order(session, after)  # seen afresh, the same resolve goes through
    replanned = plan_resolve(
        session.site, fresh.verdict, operator="op", status=None, note=None, dismiss=False, open_errors=[]
    )
    assert execute_resolve(session, replanned).status_change.applied


def test_a_resolve_whose_read_back_fails_is_logged_as_unknown_not_failed(
    tmp_path: Path, server: MagentoSandbox
) -> None:
    """The comment landed and the status likely moved: "failed" with the old status would mislead."""

    with _session(tmp_path, server, **_read_backs_failing(server)) as session:
        order = next(_reported_orders(session, flagged=True))
        view = view_order(session, order)
        plan = plan_resolve(
            session.site, view.verdict, operator="op", status=None, note=None, dismiss=False, open_errors=[]
        )
        with pytest.raises(StatusUnverified) as caught:
            execute_resolve(session, plan)
        assert caught.value.exit_code == 3
        assert [e["result"] for e in session.audit.entries()] == ["started", "unknown"]


def test_an_error_that_arrives_after_the_errors_were_shown_is_left_open(
    tmp_path: Path, session: SiteSession
) -> None:
    """The operator confirmed the errors they saw; one Commerce5 raised meanwhile is theirs to see."""
    order = next(
        o for o in _reported_orders(session, flagged=True) if session.counterpoint.open_errors(o.increment_id)
    )
    number = order.increment_id
    view = view_order(session, order)
    errors = view.open_errors
    plan = plan_resolve(
        session.site, view.verdict, operator="op", status=None, note=None, dismiss=True, open_errors=errors
    )
    with sqlite3.connect(tmp_path / "world" / "counterpoint.db") as db:
        db.execute(
            "INSERT INTO USER_C5_ORD_ERR (ERR_ID, ORD_NO, STR_ID, ERR_TYP, ERR_MSG, ERR_DT, IS_DISMISSED,"
            " EMAIL_CNT) VALUES (990001, ?, 'WEB', 'capture', 'declined', '2026-01-01 00:00:00', 'N', 0)",
            (number,),
        )
    with pytest.raises(PartialFailure, match="#990001 arrived after the errors were shown: left open"):
        execute_resolve(session, plan)
    assert [error.err_id for error in session.counterpoint.open_errors(number)] == [990001]
    last = list(session.audit.entries())[-1]
    assert (last["action"], last["result"]) == ("dismiss-error", "partial")
    assert last["after"] == {"open_errors": [990001]}


def test_an_errors_dismissal_is_dated_when_it_is_written_not_when_the_command_started(
    tmp_path: Path, session: SiteSession
) -> None:
    """DISMISSED_DT took the session's start: a confirmation prompt left open for 15 minutes put
    it 15 minutes before the write and its audit entry."""
    order = next(o for o in _reported_orders(session) if session.counterpoint.open_errors(o.increment_id))
    number = order.increment_id
    errors = session.counterpoint.open_errors(number)
    started_long_ago = dataclasses.replace(session, now=session.now - timedelta(minutes=15))
    before = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    assert dismiss_order_errors(started_long_ago, order, errors) == len(errors)
    with sqlite3.connect(tmp_path / "world" / "counterpoint.db") as db:
        dated = {
            datetime.fromisoformat(str(row[0]))
            for row in db.execute("SELECT DISMISSED_DT FROM USER_C5_ORD_ERR WHERE ORD_NO = ?", (number,))
        }
    assert dated and all(moment >= before for moment in dated), (dated, before)  # the site's zone is UTC


def test_a_flag_whose_answer_and_read_back_are_lost_is_unknown_and_settled_by_the_next_scan(
    tmp_path: Path, server: MagentoSandbox
) -> None:
    """A proxy's 504 after Magento saved, then a failed read-back: the flag may have landed, so it
    is logged ``unknown`` (never ``failed``, which says nothing was written), and the next scan,
    finding the order flagged, records that it landed."""

    with _session(tmp_path, server, **_read_backs_failing(server)) as session:
        target = scan_site(session, since=None, for_apply=True).to_flag[0]
        server.fail_next("gateway", method="POST")
        (outcome,) = flag_findings(session, [target])
        assert not outcome.ok and "could not tell whether the comment was added" in outcome.message
        assert [e["result"] for e in session.audit.entries()] == ["started", "unknown"]
    with _session(tmp_path, server) as session:
        result = scan_site(session, since=None, for_apply=True)
        assert target.increment_id not in {t.increment_id for t in result.to_flag}
        assert settle_interrupted_flags(session, result) == 1
        last = list(session.audit.entries())[-1]
        assert (last["order"], last["action"], last["result"]) == (target.increment_id, "flag", "ok")


def test_an_unverified_resolve_with_dismiss_error_says_the_errors_are_still_open(
    tmp_path: Path, server: MagentoSandbox
) -> None:
    with _session(tmp_path, server, **_read_backs_failing(server)) as session:
        order = next(
            o
            for o in _reported_orders(session, flagged=True)
            if session.counterpoint.open_errors(o.increment_id)
        )
        number = order.increment_id
        view = view_order(session, order)
        plan = plan_resolve(
            session.site, view.verdict, operator="op", status=None, note=None, dismiss=True,
            open_errors=view.open_errors,
        )  # fmt: skip
        with pytest.raises(StatusUnverified) as caught:
            execute_resolve(session, plan)
        assert "the Counterpoint errors are still open" in caught.value.message
        assert f"dismiss-error {number}" in (caught.value.hint or "") and caught.value.exit_code == 3
        assert session.counterpoint.open_errors(number) != []


def test_an_outcome_the_audit_log_cannot_record_says_the_write_stands(
    session: SiteSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The log became unwritable after the "started" entry (a full disk, a chmod): the resolve was
    made, so "cannot write the audit log" alone, exit 1, would read as nothing written."""
    order = next(_reported_orders(session, flagged=True))
    number = order.increment_id
    view = view_order(session, order)
    plan = plan_resolve(
        session.site, view.verdict, operator="op", status=None, note=None, dismiss=False, open_errors=[]
    )
    append = AuditLog.append

    def full_after_started(log: AuditLog, entry: Any) -> None:
        if entry.result != "started":
            raise AuditUnwritable(f"cannot write the audit log {log.path}: No space left on device", None)
        append(log, entry)

    monkeypatch.setattr(AuditLog, "append", full_after_started)
    with pytest.raises(AuditIncomplete) as caught:
        execute_resolve(session, plan)
    assert caught.value.exit_code == 3
    assert caught.value.message.startswith(f"order {number}: resolve ok (status ")
    assert "but the audit log could not record it: cannot write the audit log" in caught.value.message
    assert f"show {number}" in (caught.value.hint or "")
    assert session.magento.get_order(order.entity_id).status == plan.target_status


def test_an_unsettled_resolve_is_settled_by_the_next_resolve_that_finds_it_done(
    tmp_path: Path, server: MagentoSandbox
) -> None:
    """The answer and the read-back of a resolve were lost (``unknown``); the status did move. The
    next ``resolve`` finds nothing to do, and records that the earlier one landed."""
    with _session(tmp_path, server, **_read_backs_failing(server)) as session:
        order = next(_reported_orders(session, flagged=True))
        view = view_order(session, order)
        plan = plan_resolve(
            session.site, view.verdict, operator="op", status=None, note=None, dismiss=False, open_errors=[]
        )
        with pytest.raises(StatusUnverified):
            execute_resolve(session, plan)
    with _session(tmp_path, server) as session:
        fresh = session.magento.get_order(order.entity_id)
        assert view_order(session, fresh).verdict.nothing_to_resolve is not None
        assert settle_earlier_write(session, fresh, "resolve", "found out of Needs Attention")
        last = list(session.audit.entries())[-1]
        assert (last["action"], last["result"]) == ("resolve", "ok") and "landed" in last["message"]
        assert not settle_earlier_write(session, fresh, "resolve", "again")  # settled once
        assert not settle_earlier_write(session, fresh, "dismiss-error", "none open")  # not that write
