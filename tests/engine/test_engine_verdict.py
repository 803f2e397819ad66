"""Flag state of a verdict and its public JSON record."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from engine_builders import GRACE, NOW, ORDER_NO, comment, cp, deposit, error, item, order, ticket
from hypothesis import given, settings
from hypothesis import strategies as st

from c5attn.markers import flag_marker, resolve_marker
from c5attn.models import (
    CounterpointOrder,
    Deposit,
    MagentoItem,
    MagentoOrder,
    OrderError,
    StatusHistoryEntry,
)
from c5attn.scenarios import CLOSING_STEPS, scenario_for, steps_for_order
from c5attn.verdict import Verdict, assess, record_text

NEEDS = "needs_attention"
# A release with no invoice: capture-failed.
UNBILLED_CP = cp(ticket("1-1", ("A", 1)))


def verdict(o: MagentoOrder, c: CounterpointOrder | None) -> Verdict:
    return assess(o, c, needs_attention_status=NEEDS, now=NOW, capture_grace_minutes=GRACE)


def fingerprint() -> str:
    value = verdict(order(item("A")), UNBILLED_CP).classification.fingerprint
    assert value is not None
    return value


def histories(*texts: str) -> tuple[StatusHistoryEntry, ...]:
    return tuple(comment(text) for text in texts)


# Why resolve has nothing to do (Verdict.nothing_to_resolve); None: it may go ahead.
NO_DISCREPANCY = "c5attn finds no discrepancy on it"
RESOLVED_BEFORE = "its finding was resolved earlier with the same evidence"

# (status, comments, counterpoint)
#   -> flagged, stale, resolved, already_flagged, needs_flag, unclassified, nothing_to_resolve
STATE_CASES = [
    pytest.param(
        "in_counterpoint", (), UNBILLED_CP, (False, False, False, False, True, False, None), id="new-finding"
    ),
    pytest.param(
        NEEDS, (), UNBILLED_CP, (True, False, False, False, False, False, None), id="flagged-by-commerce5"
    ),
    pytest.param(
        "in_counterpoint", (), cp(), (False, False, False, False, False, False, NO_DISCREPANCY), id="clean"
    ),
    pytest.param(
        NEEDS, (), cp(), (True, True, False, False, False, True, None), id="stale-never-flagged-by-c5attn"
    ),
    pytest.param(
        NEEDS, ("flag",), cp(), (True, True, False, False, False, False, None), id="stale-after-c5attn-flag"
    ),
    pytest.param(NEEDS, (), None, (True, True, False, False, False, True, None), id="stale-not-imported"),
    pytest.param(
        "processing",
        ("resolved",),
        UNBILLED_CP,
        (False, False, True, False, False, False, RESOLVED_BEFORE),
        id="resolved",
    ),
    pytest.param(
        NEEDS,
        ("resolved",),
        UNBILLED_CP,
        (True, False, True, False, False, False, None),
        id="flagged-and-resolved",
    ),
    pytest.param(
        "processing",
        ("flag",),
        UNBILLED_CP,
        (False, False, False, True, False, False, None),
        id="already-flagged",
    ),
    pytest.param(
        "processing",
        ("other-resolved",),
        UNBILLED_CP,
        (False, False, False, False, True, False, None),
        id="resolved-other-finding",
    ),
]


@pytest.mark.parametrize(("status", "marks", "counterpoint", "expected"), STATE_CASES)
def test_flag_state(
    status: str,
    marks: tuple[str, ...],
    counterpoint: CounterpointOrder | None,
    expected: tuple[bool | str | None, ...],
) -> None:
    texts = {
        "flag": flag_marker(fingerprint(), ["capture-failed"]),
        "resolved": resolve_marker(fingerprint()),
        "other-resolved": resolve_marker("ffffffffffffffff"),
    }
    o = order(item("A"), status=status, histories=histories(*(texts[m] for m in marks)))
    v = verdict(o, counterpoint)
    got = (v.flagged, v.stale, v.resolved, v.already_flagged, v.needs_flag, v.unclassified)
    assert (*got, v.nothing_to_resolve) == expected


def test_flagged_compares_the_status_code_trimmed_and_case_insensitively() -> None:
    assert verdict(order(item("A"), status=" Needs_Attention "), cp()).flagged


def test_steps_follow_the_primary_scenario_with_the_order_number() -> None:
    v = verdict(order(item("A"), status=NEEDS), UNBILLED_CP)
    assert v.steps[0] == scenario_for("capture-failed").steps[0]
    assert f"c5attn resolve {ORDER_NO}" in "\n".join(v.steps)
    assert "ORDER" not in "\n".join(v.steps)


@pytest.mark.parametrize(
    ("magento", "counterpoint", "scenarios"),
    [
        pytest.param(  # shipped by hand beyond the release, and the release not invoiced
            order(item("A", ordered=2, shipped=2), item("B")),
            cp(ticket("1-1", ("A", 1), ("B", 1))),
            ("manual-invoice-or-ship", "capture-failed"),
            id="1+2",
        ),
        pytest.param(  # canceled in Magento after a release and a manual deposit
            order(item("A"), state="canceled"),
            cp(ticket("1-1", ("A", 1)), deposits=(deposit(45, pay_cod="VISA"),)),
            ("released-but-canceled", "deposit-but-canceled"),
            id="3+5",
        ),
    ],
)
def test_steps_cover_every_scenario_of_the_order_then_close_once(
    magento: MagentoOrder, counterpoint: CounterpointOrder, scenarios: tuple[str, ...]
) -> None:
    v = verdict(magento, counterpoint)
    assert v.classification.scenarios == scenarios
    actions = [step for code in scenarios for step in scenario_for(code).actions]
    assert v.steps == steps_for_order((*actions, *CLOSING_STEPS), ORDER_NO)


def _assessed(o: MagentoOrder, c: CounterpointOrder, later: timedelta) -> Verdict:
    return assess(o, c, needs_attention_status=NEEDS, now=NOW + later, capture_grace_minutes=GRACE)


FRESH_RELEASE = ticket("9-1", ("B", 1), time=NOW - timedelta(minutes=10))
OPEN_ERROR = (error(9, "invoice"),)


@pytest.mark.parametrize(
    "others",
    [
        pytest.param((item("A", shipped=1),), id="with-a-manual-shipment"),
        pytest.param((), id="alone"),
    ],
)
@pytest.mark.parametrize(
    ("errors_later", "later"),
    [
        pytest.param((), timedelta(0), id="error-dismissed-release-still-fresh"),
        pytest.param((), timedelta(hours=2), id="error-dismissed-release-aged"),
        pytest.param(OPEN_ERROR, timedelta(hours=2), id="error-open-release-aged"),
    ],
)
def test_a_finding_resolved_on_an_invoice_error_beside_a_fresh_release_stays_resolved(
    others: tuple[MagentoItem, ...], errors_later: tuple[OrderError, ...], later: timedelta
) -> None:
    """Resolved while Commerce5's invoice error fired scenario 2 early: dismissing the error (the end
    of every follow-up) and the release ageing must not make the finding look new (docs/scenarios.md,
    "Fingerprint")."""
    items = (*others, item("B"))
    seen = _assessed(order(*items), cp(FRESH_RELEASE, errors=OPEN_ERROR), timedelta(0))
    assert "capture-failed" in seen.classification.scenarios
    resolved = histories(resolve_marker(seen.classification.fingerprint))
    now = _assessed(order(*items, histories=resolved), cp(FRESH_RELEASE, errors=errors_later), later)
    assert not now.needs_flag
    assert now.resolved or not now.classification.hits  # alone, fresh, no error: nothing fires yet


def test_resolved_beside_a_fresh_release_without_the_error_the_ageing_scenario_is_new() -> None:
    items = (item("A", shipped=1), item("B"))
    seen = _assessed(order(*items), cp(FRESH_RELEASE), timedelta(0))
    assert seen.classification.scenarios == ("manual-invoice-or-ship",)
    resolved = histories(resolve_marker(seen.classification.fingerprint))
    aged = _assessed(order(*items, histories=resolved), cp(FRESH_RELEASE), timedelta(hours=2))
    assert aged.classification.scenarios == ("manual-invoice-or-ship", "capture-failed")
    assert not aged.resolved and aged.needs_flag  # money the resolve never saw


DAY = timedelta(days=1)


@pytest.mark.parametrize(
    ("entries", "unclassified"),
    [
        pytest.param([("flag", 2 * DAY, NEEDS)], False, id="c5attn-flagged-it"),
        pytest.param(
            [
                ("flag", 2 * DAY, NEEDS),
                ("resolved", DAY, "processing"),
                ("Capture failed: declined", timedelta(hours=1), NEEDS),
            ],
            True,
            id="commerce5-flagged-it-again-after-a-resolve",
        ),
        pytest.param(
            [("flag", 2 * DAY, NEEDS), ("", DAY, "processing"), ("", timedelta(hours=1), NEEDS)],
            True,
            id="moved-out-by-hand-then-flagged-again-in-the-admin",
        ),
        pytest.param(
            [("Capture failed: declined", 2 * DAY, NEEDS), ("flag", DAY, NEEDS)],
            False,
            id="c5attn-flagged-last",
        ),
        pytest.param(
            [("flag", 2 * DAY, NEEDS), ("Order imported into Counterpoint.", DAY, "in_counterpoint")],
            False,
            id="a-later-comment-at-another-status",
        ),
        pytest.param(  # staff add a note to the order c5attn flagged: still c5attn's flag
            [("flag", 2 * DAY, NEEDS), ("Called the customer", DAY, NEEDS)], False, id="a-note-on-c5attn-flag"
        ),
        pytest.param(
            [
                ("flag", 3 * DAY, NEEDS),
                ("Called the customer", 2 * DAY, NEEDS),
                ("", DAY, "processing"),
                ("", 1 * DAY / 2, NEEDS),
            ],
            True,
            id="a-note-then-moved-out-then-flagged-again",
        ),
        pytest.param(  # the resolve's status did not land (Magento 2.4.7): still c5attn's flag
            [("flag", 2 * DAY, NEEDS), ("resolved", DAY, "processing")], False, id="resolve-comment-newest"
        ),
    ],
)
def test_unclassified_means_c5attn_did_not_set_the_current_flag(
    entries: list[tuple[str, timedelta, str]], unclassified: bool
) -> None:
    texts = {"flag": flag_marker("a" * 16, ["capture-failed"]), "resolved": resolve_marker("a" * 16)}
    history = tuple(
        comment(texts.get(text, text), at=NOW - ago, entity_id=number, status=status)
        for number, (text, ago, status) in enumerate(entries, start=1)
    )
    stale = verdict(order(item("A"), status=NEEDS, histories=tuple(reversed(history))), cp())
    assert stale.stale and stale.unclassified is unclassified
    if unclassified and stale.hint:
        assert stale.hint in stale.steps[0]  # Commerce5's comment leads the steps


def test_stale_and_unclassified_steps() -> None:
    hinted = order(item("A"), status=NEEDS, histories=histories("Invoice failed: gateway timeout"))
    unclassified = verdict(hinted, cp())
    assert unclassified.hint == "Invoice failed: gateway timeout"
    assert "Invoice failed: gateway timeout" in unclassified.steps[0]
    shouting = verdict(order(item("A"), status=NEEDS, histories=histories("ORDER NEEDS ATTENTION")), cp())
    assert '"ORDER NEEDS ATTENTION"' in shouting.steps[0]  # quoted as written, not filled in
    flagged_by_us = order(
        item("A"), status=NEEDS, histories=histories(flag_marker("0" * 16, ["capture-failed"]))
    )
    stale = verdict(flagged_by_us, cp())
    assert "no discrepancy" in stale.steps[0] and stale.hint is None
    assert verdict(order(item("A")), cp()).steps == ()


def test_to_json_contract() -> None:
    o = order(
        item("A"),
        status=NEEDS,
        created_at=NOW - timedelta(days=3, hours=1),
        histories=histories("Capture failed."),
    )
    v = verdict(o, cp(ticket("1-1", ("A", 1)), errors=(error(5, "capture"),)))
    record = v.to_json("main")
    assert list(record) == [
        "order", "site", "magento_id", "magento_state", "magento_status", "flagged", "stale", "unclassified",
        "resolved", "scenario", "scenarios", "money_at_risk", "fingerprint", "steps", "evidence", "imported",
        "currency", "age_days", "hint",
    ]  # fmt: skip
    assert json.loads(json.dumps(record)) == record
    assert record["order"] == ORDER_NO and record["site"] == "main" and record["magento_id"] == 42
    assert (record["magento_state"], record["magento_status"]) == ("processing", NEEDS)
    assert (record["flagged"], record["stale"], record["resolved"]) == (True, False, False)
    assert record["unclassified"] is False
    assert (record["scenario"], record["scenarios"]) == ("capture-failed", ["capture-failed"])
    assert record["money_at_risk"] == 10.0
    assert record["fingerprint"] == v.classification.fingerprint
    # Nothing unpaid to capture, and no released unit Magento canceled: step 1 invoices, no return step.
    assert record["steps"] == [INVOICE_RELEASES_WITH_CAPTURE, *(s for s in v.steps[1:] if s != CANCELED_STEP)]
    assert record["evidence"] == v.classification.evidence
    assert (record["imported"], record["currency"], record["age_days"], record["hint"]) == (
        True,
        "USD",
        3,
        "Capture failed.",
    )
    assert v.to_json("main", now=NOW + timedelta(days=10))["age_days"] == 13


def test_to_json_of_a_clean_not_imported_order() -> None:
    record = verdict(order(item("A"), created_at=None, currency=""), None).to_json("x")
    assert (record["scenario"], record["scenarios"], record["fingerprint"]) == (None, [], None)
    assert (record["money_at_risk"], record["imported"], record["age_days"], record["currency"]) == (
        0.0,
        False,
        None,
        None,
    )
    assert record["steps"] == [] and record["hint"] is None


def test_age_never_negative() -> None:
    assert verdict(order(item("A"), created_at=NOW + timedelta(hours=2)), cp()).age_days(NOW) == 0


_JSON_LEAVES = st.one_of(
    st.none(), st.booleans(), st.integers(), st.text(), st.sampled_from(["\x7f", "é", "\n", "plain"])
)
_RECORDS = st.fixed_dictionaries(
    {
        "order": st.text(),
        "money_at_risk": st.one_of(st.floats(), st.sampled_from([0.0, 1e-4, 12.5, 9999999999999998.0, 1e16])),
        "evidence": st.recursive(
            _JSON_LEAVES, lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner), max_leaves=12
        ),
    }
)


@settings(max_examples=500, deadline=None)
@given(_RECORDS)
def test_record_text_is_the_text_json_dumps_writes(record: dict[str, object]) -> None:
    """The fast path (orjson) never changes a record's bytes: DEL, non-ASCII, control characters,
    big integers, NaN and out-of-range amounts all come out as ``json.dumps`` writes them."""
    assert record_text(record) == json.dumps(record, separators=(",", ":"))


def test_record_text_writes_every_ascii_character_as_json_dumps_does() -> None:
    record = {"money_at_risk": 1.0, "text": "".join(map(chr, range(128)))}
    assert record_text(record) == json.dumps(record, separators=(",", ":"))


def test_record_text_of_a_real_record() -> None:
    record = verdict(order(item("A")), UNBILLED_CP).to_json("web")
    assert json.loads(record_text(record)) == record
    assert record_text(record) == json.dumps(record, separators=(",", ":"))


@pytest.mark.parametrize(
    ("resolved_fp", "kept"), [("this", True), ("other", False)], ids=["same", "new-finding"]
)
def test_a_kept_resolve_blocks_resolving_the_same_finding_only(resolved_fp: str, kept: bool) -> None:
    """After a resolve whose status Magento kept: resolving the same finding again would only comment
    again; a finding with new evidence gets its own resolve."""
    fp = fingerprint() if resolved_fp == "this" else "f" * 16
    history = (
        comment(flag_marker(fp, ["capture-failed"]), at=NOW - 2 * DAY, entity_id=1, status=NEEDS),
        comment(resolve_marker(fp), at=NOW - DAY, entity_id=2, status="processing"),
    )
    v = verdict(order(item("A"), status=NEEDS, histories=tuple(reversed(history))), UNBILLED_CP)
    assert v.resolve_kept_flagged is kept


def test_the_records_steps_leave_out_dismissing_errors_an_order_does_not_have() -> None:
    """As show and the flag comment do: dismiss-error would answer that there is nothing to dismiss."""
    without = verdict(order(item("A")), UNBILLED_CP).to_json("web")
    with_errors = verdict(
        order(item("A")), cp(ticket("1-1", ("A", 1)), errors=(error(3, "invoice"),))
    ).to_json("web")
    assert not any(" dismiss-error " in step for step in without["steps"])
    assert any(f" dismiss-error {ORDER_NO}" in step for step in with_errors["steps"])


# What the first capture-failed step must tell staff to do, for what the order has left: an unpaid
# invoice (Magento's total invoiced above its total paid) to capture, and released units Magento can
# still invoice (not invoiced, not canceled, and the order neither pre-invoiced, its releases making
# shipments, nor complete) to invoice with Capture Online. Neither left (a capture error on a paid
# order): check the payment provider's portal.
CAPTURE_AND_INVOICE = (
    "Capture the funds by hand in Magento: open each unpaid invoice of the order and Capture it, and "
    "invoice each release that has no invoice yet with Capture Online."
)
CAPTURE_ONLY = "Capture the funds by hand in Magento: open each unpaid invoice of the order and Capture it."
INVOICE_RELEASES_WITH_CAPTURE = (
    "Capture the funds by hand in Magento: invoice each release that has no invoice yet with Capture Online."
)
NOTHING_UNPAID = (
    "Magento shows no unpaid invoice on this order: check in the payment provider's portal whether its "
    "funds were captured, and capture them there if not; if that fails, contact the web developer or the "
    "payment provider (Authorize.net, PayPal…)."
)
CAPTURE_ELSEWHERE = ("If that fails, contact the web developer", "Or capture the funds in the payment")
CANCELED_STEP = (
    "Where Magento canceled units that Counterpoint released (the reason names them), no invoice or capture "
    "can settle them: find out whether they shipped, and if not, perform a return in Counterpoint to "
    "reverse their sale."
)
CAPTURE_ERROR = (error(5, "capture"),)
IMPORT_DEPOSIT = (deposit(10, kind="import", pay_cod="WEB"),)  # pre-invoiced


@pytest.mark.parametrize(
    ("magento", "counterpoint", "first_step"),
    [
        pytest.param(order(item("A")), cp(ticket("1-1", ("A", 1))), INVOICE_RELEASES_WITH_CAPTURE, id="2a"),
        pytest.param(
            order(item("A", invoiced=1), total_invoiced=10, total_paid=0),
            cp(ticket("1-1", ("A", 1))),
            CAPTURE_ONLY,
            id="2b-unpaid-invoice-every-release-invoiced",
        ),
        pytest.param(
            order(item("A", ordered=2, invoiced=1), total_invoiced=10, total_paid=0),
            cp(ticket("1-1", ("A", 2))),
            CAPTURE_AND_INVOICE,
            id="2a-and-2b",
        ),
        pytest.param(
            order(item("A", invoiced=1), total_invoiced=10, total_paid=0),
            cp(ticket("1-1", ("A", 1)), deposits=IMPORT_DEPOSIT, errors=CAPTURE_ERROR),
            CAPTURE_ONLY,
            id="2c-pre-invoiced-unpaid",
        ),
        pytest.param(
            order(item("A", invoiced=1), total_invoiced=10, total_paid=10),
            cp(ticket("1-1", ("A", 1)), deposits=IMPORT_DEPOSIT, errors=CAPTURE_ERROR),
            NOTHING_UNPAID,
            id="2c-pre-invoiced-paid",
        ),
        pytest.param(
            order(item("A", invoiced=1, shipped=1), state="complete", total_invoiced=10, total_paid=10),
            cp(ticket("1-1", ("A", 1)), errors=CAPTURE_ERROR),
            NOTHING_UNPAID,
            id="2c-complete-paid",
        ),
        pytest.param(
            order(item("A", invoiced=1, shipped=1), state="complete", total_invoiced=10, total_paid=4),
            cp(ticket("1-1", ("A", 1))),
            CAPTURE_ONLY,
            id="2b-complete-unpaid",
        ),
        pytest.param(
            order(item("A", invoiced=1), total_invoiced=10, total_paid=10),
            cp(ticket("1-1", ("A", 1)), errors=CAPTURE_ERROR),
            NOTHING_UNPAID,
            id="2c-paid-every-release-invoiced",
        ),
        pytest.param(  # released within the grace period: not 2(a) yet, but Commerce5 will not invoice it
            order(item("A"), total_invoiced=0, total_paid=0),
            cp(ticket("1-1", ("A", 1), time=NOW), errors=CAPTURE_ERROR),
            INVOICE_RELEASES_WITH_CAPTURE,
            id="2c-release-in-grace-not-invoiced",
        ),
    ],
)
def test_capture_failed_first_step_asks_for_what_the_order_has_left(
    magento: MagentoOrder, counterpoint: CounterpointOrder, first_step: str
) -> None:
    v = verdict(magento, counterpoint)
    assert v.classification.scenarios == ("capture-failed",)
    steps = v.steps_to_take()
    assert steps[0] == first_step
    # The steps after it follow a capture in Magento: there is none to fail where nothing is unpaid.
    elsewhere = [step for step in steps if step.startswith(CAPTURE_ELSEWHERE)]
    assert len(elsewhere) == (0 if first_step == NOTHING_UNPAID else 2)
    assert v.to_json("web")["steps"] == steps
    assert v.steps[0] == CAPTURE_AND_INVOICE  # the playbook as written, before it is fitted


# Released units Magento canceled (it cancels what is left of a partly invoiced order and keeps the state
# processing) can never be invoiced there: staff must not be told to invoice or capture them, nor to
# invoice later releases when Magento has nothing left to invoice, but to check whether they shipped
# and reverse their sale in Counterpoint.
@pytest.mark.parametrize(
    ("magento", "counterpoint", "first_step", "later_releases"),
    [
        pytest.param(  # 2 ordered, 1 invoiced and paid, 1 canceled; Counterpoint released both
            order(item("A", ordered=2, invoiced=1, canceled=1), total_invoiced=10, total_paid=10),
            cp(ticket("1-1", ("A", 2))),
            CANCELED_STEP,
            False,
            id="only-canceled-units-left",
        ),
        pytest.param(  # as above, with the invoice unpaid: capture it, then the canceled units
            order(item("A", ordered=2, invoiced=1, canceled=1), total_invoiced=10, total_paid=0),
            cp(ticket("1-1", ("A", 2))),
            CAPTURE_ONLY,
            False,
            id="unpaid-invoice-and-canceled-units",
        ),
        pytest.param(  # 3 ordered, 1 canceled, none invoiced, all 3 released: 2 to invoice, 1 canceled
            order(item("A", ordered=3, canceled=1), total_invoiced=0, total_paid=0),
            cp(ticket("1-1", ("A", 3))),
            INVOICE_RELEASES_WITH_CAPTURE,
            True,
            id="releases-to-invoice-and-canceled-units",
        ),
    ],
)
def test_capture_failed_steps_for_released_units_magento_canceled(
    magento: MagentoOrder, counterpoint: CounterpointOrder, first_step: str, later_releases: bool
) -> None:
    v = verdict(magento, counterpoint)
    assert v.classification.scenarios == ("capture-failed",)
    assert "of which Magento canceled 1" in v.classification.hits[0].reason
    steps = v.steps_to_take()
    assert steps[0] == first_step
    assert CANCELED_STEP in steps
    assert any("invoice every later Counterpoint release" in step for step in steps) is later_releases
    capture_steps = [step for step in steps if "payment provider" in step]
    assert bool(capture_steps) is (first_step != CANCELED_STEP)


# The resolve step goes where resolve would do nothing, and points to the Magento admin where it would
# refuse (the site assigns the order's state no status to set) or only comment again: alike in the
# record (scan --json, list --json, show --json), the flag comment and show's table.
def test_resolve_step_where_the_state_has_no_status_to_set() -> None:
    magento = order(item("A"), status=NEEDS)
    counterpoint = cp(ticket("1-1", ("A", 1)))
    resolve_step = steps_for_order(CLOSING_STEPS, ORDER_NO)[0]  # "...: c5attn resolve 000000123"
    fits = assess(
        magento, counterpoint, needs_attention_status=NEEDS, now=NOW, capture_grace_minutes=GRACE,
        resolvable_states={"processing"},
    )  # fmt: skip
    refuses = assess(
        magento, counterpoint, needs_attention_status=NEEDS, now=NOW, capture_grace_minutes=GRACE,
        resolvable_states={"complete"},
    )  # fmt: skip
    assert resolve_step in fits.steps_to_take() and resolve_step in fits.to_json("web")["steps"]
    unflagged = assess(
        order(item("A")), counterpoint, needs_attention_status=NEEDS, now=NOW, capture_grace_minutes=GRACE,
        resolvable_states={"complete"},
    )  # fmt: skip
    assert resolve_step in unflagged.steps_to_take()  # not at Needs Attention: resolve only comments
    admin = [step for step in refuses.to_json("web")["steps"] if "resolve" in step]
    assert admin == [
        "Set the Magento status that fits in the Magento admin: state_statuses lists no status for state "
        "'processing' that resolve could set."
    ]


# Scenario 5 asks staff to cancel the order's remaining items in Counterpoint: an order Counterpoint
# canceled already (audit 'C'), or posted to its order history, has none.
@pytest.mark.parametrize(
    ("canceled", "posted", "asked"),
    [
        pytest.param(False, False, True, id="counterpoint-open"),
        pytest.param(True, False, False, id="counterpoint-canceled"),
        pytest.param(False, True, False, id="counterpoint-posted"),
    ],
)
def test_deposit_step_cancel_remaining_only_while_counterpoint_has_not(
    canceled: bool, posted: bool, asked: bool
) -> None:
    magento = order(item("A", canceled=1), state="canceled")
    v = verdict(magento, cp(deposits=(deposit(25),), canceled=canceled, posted=posted))
    assert v.classification.scenarios == ("deposit-but-canceled",)
    steps = v.steps_to_take()
    assert ("Cancel the remaining items on the order in Counterpoint." in steps) is asked
    assert "Refund the deposit in Counterpoint." in steps



# A pre-invoiced order's releases make Magento shipments, not invoices (domain.md §3): scenario 1
# must not ask staff to invoice its releases by hand, only to ship them.
INVOICE_STEP = "In Magento, invoice by hand every Counterpoint release of this order that has no invoice yet."


@pytest.mark.parametrize(
    ("deposits", "asked"),
    [
        pytest.param((), True, id="not-pre-invoiced"),
        pytest.param((deposit(20, kind="import", pay_cod="WEB"),), False, id="pre-invoiced"),
    ],
)
def test_manual_ship_asks_to_invoice_releases_only_when_not_pre_invoiced(
    deposits: tuple[Deposit, ...], asked: bool
) -> None:
    magento = order(item("A", ordered=2, invoiced=2, shipped=2), total_invoiced=20, total_paid=20)
    v = verdict(magento, cp(ticket("1-1", ("A", 1)), deposits=deposits))
    assert v.classification.scenarios == ("manual-invoice-or-ship",)
    steps = v.steps_to_take()
    assert (INVOICE_STEP in steps) is asked
    assert any(step.startswith("In Magento, ship by hand") for step in steps)



# Capture-failed fires for a pre-invoiced order only on an invoice or capture error (2c): its later
# releases need shipments by hand, not invoices.
@pytest.mark.parametrize(
    ("deposits", "later_releases"),
    [
        pytest.param((), "invoice every later Counterpoint release", id="not-pre-invoiced"),
        pytest.param(
            (deposit(10, kind="import", pay_cod="WEB"),),
            "ship every later Counterpoint release",
            id="pre-invoiced",
        ),
    ],
)
def test_capture_failed_later_releases_step_fits_pre_invoicing(
    deposits: tuple[Deposit, ...], later_releases: str
) -> None:
    magento = order(item("A", ordered=2, invoiced=1), total_invoiced=10, total_paid=10)  # 1 left to release
    v = verdict(magento, cp(ticket("1-1", ("A", 1)), deposits=deposits, errors=(error(5, "capture"),)))
    assert v.classification.scenarios == ("capture-failed",)
    steps = v.steps_to_take()
    assert sum("no longer processes this order" in step for step in steps) == 1
    assert any(later_releases in step for step in steps)


# Any step that asks to invoice a release: a pre-invoiced order's releases make Magento shipments,
# not invoices (domain.md §3), so none of its steps, whichever scenarios fired, may ask for one.
INVOICES_A_RELEASE = ("invoice by hand every", "invoice each release", "invoice every later")


@pytest.mark.parametrize(
    ("magento", "counterpoint", "scenarios"),
    [
        pytest.param(
            order(item("A", invoiced=1), total_invoiced=10, total_paid=10),
            cp(ticket("1-1", ("A", 1)), deposits=IMPORT_DEPOSIT, errors=(error(5, "capture"),)),
            ("capture-failed",),
            id="capture-error",
        ),
        pytest.param(
            order(item("A", ordered=2, invoiced=2, shipped=2), total_invoiced=20, total_paid=10),
            cp(ticket("1-1", ("A", 1)), deposits=IMPORT_DEPOSIT, errors=(error(5, "invoice"),)),
            ("manual-invoice-or-ship", "capture-failed"),
            id="manual-ship-and-capture-error",
        ),
    ],
)
def test_no_step_of_a_pre_invoiced_order_asks_to_invoice_a_release(
    magento: MagentoOrder, counterpoint: CounterpointOrder, scenarios: tuple[str, ...]
) -> None:
    v = verdict(magento, counterpoint)
    assert v.classification.pre_invoiced and v.classification.scenarios == scenarios
    steps = v.steps_to_take()
    assert [step for step in steps if any(words in step for words in INVOICES_A_RELEASE)] == []
    assert (CAPTURE_ONLY in steps) is (magento.total_invoiced > magento.total_paid)


def test_changed_since_names_only_what_changed() -> None:
    """The refusal before a write quotes it: "1 comments instead of 1" beside a status change
    said a comment count changed that had not."""
    from c5attn.workflow import changed_since

    planned = order(histories=(comment("imported"),))
    seen = planned.status, len(planned.status_histories)
    assert changed_since(*seen, order(histories=(comment("imported"),))) is None
    held = order(status="holded", histories=(comment("imported"),))
    assert changed_since(*seen, held) == "status in_counterpoint → holded"
    commented = order(histories=(comment("on hold?"), comment("imported")))
    assert changed_since(*seen, commented) == "2 comments instead of 1"
    both = order(status="holded", histories=())
    assert changed_since(*seen, both) == "status in_counterpoint → holded, 0 comments instead of 1"


# Capture-failed's last step has staff invoice (or, pre-invoiced, ship) every later release by hand:
# an order Counterpoint canceled has no later release, and show says CANCELED above the steps.
@pytest.mark.parametrize("canceled", [False, True], ids=["counterpoint-open", "counterpoint-canceled"])
@pytest.mark.parametrize("deposits", [(), IMPORT_DEPOSIT], ids=["invoiced-from-releases", "pre-invoiced"])
def test_capture_step_for_later_releases_only_while_counterpoint_has_not_canceled(
    canceled: bool, deposits: tuple[Deposit, ...]
) -> None:
    magento = order(item("A", ordered=2, invoiced=1), total_invoiced=10, total_paid=10)  # 1 left to release
    errors = (error(5, "capture"),)
    counterpoint = cp(ticket("1-1", ("A", 1)), deposits=deposits, errors=errors, canceled=canceled)
    v = verdict(magento, counterpoint)
    assert v.classification.scenarios == ("capture-failed",)
    steps = v.steps_to_take()
    assert any("every later Counterpoint release" in step for step in steps) is not canceled
    assert steps[0] == NOTHING_UNPAID  # every release invoiced and paid


# The steps about releases still to come (scenario 1's "every future release", capture-failed's "every
# later release") fit only while both sides leave room for one: not once Counterpoint posted the
# order to its history (nothing left to release) nor once Magento completed it (everything invoiced
# and shipped there, so nothing left to invoice or ship by hand either, now or later).
FUTURE_STEP = "Do the same for every future release of this order, until the order is complete in Magento."
SHIP_STEP = "In Magento, ship by hand (with its tracking number) every release that has no shipment yet."
SHIPPED_BEYOND = item("A", ordered=2, invoiced=2, shipped=2)
UNPAID = {"total_invoiced": 20, "total_paid": 10}


@pytest.mark.parametrize(
    ("state", "posted", "scenarios", "wanted", "unwanted"),
    [
        pytest.param(
            "processing", False, ("manual-invoice-or-ship",), (INVOICE_STEP, SHIP_STEP, FUTURE_STEP), (),
            id="manual-open-on-both-sides",
        ),
        pytest.param(
            "processing", True, ("manual-invoice-or-ship",), (INVOICE_STEP, SHIP_STEP), (FUTURE_STEP,),
            id="manual-counterpoint-posted",
        ),
        pytest.param(
            "complete", False, ("manual-invoice-or-ship",), (), (INVOICE_STEP, SHIP_STEP, FUTURE_STEP),
            id="manual-magento-complete",
        ),
        pytest.param(  # the state as the rules read it (trimmed, any case), as scenario 4 does
            " Complete ", False, ("manual-invoice-or-ship",), (), (INVOICE_STEP, SHIP_STEP, FUTURE_STEP),
            id="manual-magento-complete-as-written",
        ),
        pytest.param(  # Magento invoiced every unit: nothing left to invoice, now or later
            "processing", False, ("manual-invoice-or-ship", "capture-failed"), (CAPTURE_ONLY,),
            ("invoice each release", "every later Counterpoint release"),
            id="capture-open-on-both-sides",
        ),
        pytest.param(
            "processing", True, ("manual-invoice-or-ship", "capture-failed"), (), ("every later",),
            id="capture-counterpoint-posted",
        ),
        pytest.param(
            "complete", False, ("manual-invoice-or-ship", "capture-failed"), (CAPTURE_ONLY,),
            ("every later", "invoice each release"),
            id="capture-magento-complete",
        ),
    ],
)
def test_steps_for_later_releases_only_while_both_sides_leave_room(
    state: str, posted: bool, scenarios: tuple[str, ...], wanted: tuple[str, ...], unwanted: tuple[str, ...]
) -> None:
    totals = UNPAID if "capture-failed" in scenarios else {"total_invoiced": 20, "total_paid": 20}
    v = verdict(order(SHIPPED_BEYOND, state=state, **totals), cp(ticket("1-1", ("A", 1)), posted=posted))
    assert v.classification.scenarios == scenarios
    steps = v.steps_to_take()
    assert steps[0].startswith(("Compare the Counterpoint release tickets", "Capture the funds"))
    for words in wanted:
        assert any(words in step for step in steps), words
    for words in unwanted:
        assert not any(words in step for step in steps), words
