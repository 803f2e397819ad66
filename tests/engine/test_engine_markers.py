"""Markers in Magento comments: writing, reading back tolerantly, and the comment texts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from engine_builders import NOW, comment, cp, deposit, item, order, ticket

from c5attn.classify import classify
from c5attn.markers import (
    HINT_LENGTH,
    Markers,
    commerce5_hint,
    flag_comment,
    flag_marker,
    is_c5attn_comment,
    read_markers,
    resolve_comment,
    resolve_marker,
)
from c5attn.models import Classification
from c5attn.scenarios import scenario_for

FP = "0123456789abcdef"
OTHER = "fedcba9876543210"


def test_flag_marker_format() -> None:
    assert flag_marker(FP, ["capture-failed", "deposit-but-canceled"]) == (
        f"[c5attn:flag fp={FP} scenarios=capture-failed,deposit-but-canceled]"
    )
    assert resolve_marker(FP) == f"[c5attn:resolved fp={FP}]"
    assert resolve_marker(None) == "[c5attn:resolved]"


def test_round_trip() -> None:
    histories = (
        comment("Needs Attention (c5attn)\n" + flag_marker(FP, ["capture-failed"])),
        comment(resolve_comment(OTHER, "ana", "refunded")),
        comment("Order imported to CPSQL."),
    )
    assert read_markers(histories) == Markers(flagged=frozenset({FP}), resolved=frozenset({OTHER}))


@pytest.mark.parametrize(
    "text",
    [
        f"see below <br/>[c5attn:flag fp={FP} scenarios=capture-failed]<br/>thanks",
        f"&#91;c5attn:flag fp={FP} scenarios=capture-failed&#93;",
        f"&amp;#91;c5attn:flag fp={FP}&amp;#93;",
        f"[ C5ATTN:Flag  scenarios=capture-failed fp={FP.upper()} ]",
        f"<p>[c5attn:flag&nbsp;fp={FP}&nbsp;scenarios=capture-failed]</p>",
    ],
    ids=["html-around", "escaped-brackets", "double-escaped", "case-and-order", "nbsp"],
)
def test_flag_marker_read_tolerantly(text: str) -> None:
    assert read_markers([comment(text)]).flagged == frozenset({FP})


@pytest.mark.parametrize(
    "text",
    [f"c5attn:flag fp={FP}", f"[c5attn:flagged fp={FP}]", f"[other:flag fp={FP}]", "[c5attn:flag]"],
    ids=["no-brackets", "other-kind", "other-tool", "no-fingerprint"],
)
def test_non_markers_are_ignored(text: str) -> None:
    assert read_markers([comment(text)]) == Markers(flagged=frozenset(), resolved=frozenset())


def test_resolve_without_fingerprint_is_c5attns_but_records_nothing() -> None:
    text = resolve_comment(None, "ana", None)
    assert is_c5attn_comment(text)
    assert read_markers([comment(text)]).resolved == frozenset()


def test_commerce5_hint_is_latest_comment_not_by_c5attn() -> None:
    histories = (
        comment("Imported to CPSQL.", at=NOW - timedelta(days=3)),
        comment("Capture failed for release 100-1.", at=NOW - timedelta(days=2)),
        comment(resolve_comment(FP, "ana", None), at=NOW - timedelta(days=1)),
        comment("   ", at=NOW),
    )
    assert commerce5_hint(histories) == "Capture failed for release 100-1."
    assert commerce5_hint(histories[2:]) is None


def test_commerce5_hint_without_dates_uses_entity_id_then_list_order() -> None:
    assert commerce5_hint((comment("older", entity_id=1), comment("newer", entity_id=2))) == "newer"
    assert commerce5_hint((comment("first listed"), comment("second listed"))) == "first listed"


def _finding() -> Classification:
    return classify(
        order(item("A"), state="canceled"),
        cp(ticket("7-1", ("A", 1)), deposits=(deposit(20),)),
        now=NOW,
    )


def test_flag_comment_names_scenarios_evidence_steps_operator_then_marker() -> None:
    finding = _finding()
    steps = scenario_for("released-but-canceled").steps
    text = flag_comment(finding, steps, "ana")
    lines = text.splitlines()
    assert lines[0].startswith("Needs Attention (c5attn): 3. ") and "5. " in lines[0]
    assert "7-1" in lines[1] and "20" in lines[1]
    assert all(step in text for step in steps)
    assert lines[-2] == "Flagged by ana."
    assert finding.fingerprint is not None
    assert lines[-1] == flag_marker(finding.fingerprint, finding.scenarios)
    assert read_markers([comment(text)]).flagged == frozenset({finding.fingerprint})


def test_flag_comment_needs_a_finding() -> None:
    with pytest.raises(ValueError):
        flag_comment(classify(order(item("A")), None, now=NOW), (), "ana")


def test_resolve_comment_carries_operator_note_and_marker() -> None:
    text = resolve_comment(FP, "ana", "  refunded in CP  ")
    assert text.splitlines() == ["Resolved by ana (c5attn).", "Note: refunded in CP", resolve_marker(FP)]
    assert resolve_comment(FP, "ana", "").splitlines() == ["Resolved by ana (c5attn).", resolve_marker(FP)]


def test_commerce5_hint_of_a_huge_comment_is_cut_to_a_clue() -> None:
    """A queue shows the hint as its one-line next step; the whole comment stays in the history."""
    pasted = "Capture failed: " + "stack frame " * 20_000
    hint = commerce5_hint([comment(pasted)])
    assert hint is not None and len(hint) == HINT_LENGTH and hint.endswith("…")
    assert hint.startswith("Capture failed: stack frame")
    assert commerce5_hint([comment("x" * HINT_LENGTH)]) == "x" * HINT_LENGTH  # at the limit: whole
