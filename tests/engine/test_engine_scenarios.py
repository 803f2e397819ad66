"""The scenario table, its playbooks and the lookup staff type on the command line."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.color import Color

from c5attn.errors import ExitCode, UsageError
from c5attn.scenarios import (
    CAPTURE_FIRST_STEPS,
    CLOSING_STEPS,
    NO_LONGER_PROCESSED_PRE_INVOICED,
    SCENARIOS,
    STALE_STEPS,
    Scenario,
    scenario_for,
    steps_for_order,
    unclassified_steps,
)

CODES = [
    "manual-invoice-or-ship",
    "capture-failed",
    "released-but-canceled",
    "completed-but-canceled",
    "deposit-but-canceled",
]


def test_five_scenarios_in_order() -> None:
    assert [s.code for s in SCENARIOS] == CODES
    assert [s.number for s in SCENARIOS] == [1, 2, 3, 4, 5]


def test_colours_are_distinct_rich_colours() -> None:
    colours = [s.colour for s in SCENARIOS]
    assert len(set(colours)) == len(colours)
    for colour in colours:
        Color.parse(colour)  # raises for a name Rich does not know


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.code)
def test_every_playbook_has_own_steps_then_the_closing_steps(scenario: Scenario) -> None:
    assert scenario.steps[-len(CLOSING_STEPS) :] == CLOSING_STEPS
    assert len(scenario.steps) > len(CLOSING_STEPS)
    assert scenario.title


def test_closing_steps_name_resolve_dismiss_and_support() -> None:
    text = "\n".join(CLOSING_STEPS)
    assert "c5attn resolve ORDER" in text
    assert "c5attn dismiss-error ORDER" in text
    assert "If unsure, contact your Commerce 5 support partner" in text


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("capture-failed", "capture-failed"),
        ("2", "capture-failed"),
        (" Deposit-But-Canceled ", "deposit-but-canceled"),
        ("1", "manual-invoice-or-ship"),
        ("5", "deposit-but-canceled"),
    ],
)
def test_scenario_for_accepts_code_or_number(text: str, code: str) -> None:
    assert scenario_for(text).code == code


@pytest.mark.parametrize("text", ["6", "0", "capture", "", "capture failed"])
def test_scenario_for_rejects_anything_else_listing_valid_codes(text: str) -> None:
    with pytest.raises(UsageError) as raised:
        scenario_for(text)
    assert raised.value.exit_code == ExitCode.USAGE
    assert all(code in (raised.value.hint or "") for code in CODES)


def test_steps_for_order_fills_in_the_order_number_only() -> None:
    steps = steps_for_order(("Run c5attn resolve ORDER now.", "Check the ORDERS report."), "100\\1")
    assert steps == ("Run c5attn resolve 100\\1 now.", "Check the ORDERS report.")
    twice = ("ORDER: run c5attn show ORDER, then c5attn resolve ORDER",)
    assert steps_for_order(twice, "7") == ("7: run c5attn show 7, then c5attn resolve 7",)
    # the text is split once and filled anew for each order
    assert steps_for_order(twice, "8") == ("8: run c5attn show 8, then c5attn resolve 8",)


def test_stale_steps_suggest_resolve() -> None:
    assert any("c5attn resolve ORDER" in step for step in STALE_STEPS)
    assert "no discrepancy" in STALE_STEPS[0]


def test_unclassified_steps_quote_commerce5s_comment() -> None:
    with_hint = unclassified_steps("Capture failed: card declined", "000000123")
    assert '"Capture failed: card declined"' in with_hint[0]
    without = unclassified_steps(None, "000000123")
    assert "left no comment" in without[0]
    closing = steps_for_order(CLOSING_STEPS, "000000123")
    assert with_hint[-len(CLOSING_STEPS) :] == without[-len(CLOSING_STEPS) :] == closing
    assert "c5attn show 000000123" in with_hint[1]


def test_the_quoted_comment_keeps_its_own_word_order() -> None:
    """Only the steps' placeholders name the order; Commerce5's text is quoted as it wrote it."""
    steps = unclassified_steps("ORDER WAS CANCELED IN CPSQL - ORDER NEEDS ATTENTION", "000000123")
    assert '"ORDER WAS CANCELED IN CPSQL - ORDER NEEDS ATTENTION"' in steps[0]
    assert "ORDER" not in "\n".join(steps[1:])


def test_docs_list_every_playbook_step_as_the_code_has_it() -> None:
    docs = (Path(__file__).resolve().parents[2] / "docs" / "scenarios.md").read_text(encoding="utf-8")
    for scenario in SCENARIOS:
        assert f"`{scenario.code}`" in docs
        for step in scenario.steps:
            assert step in docs, f"{scenario.code}: step missing from docs/scenarios.md: {step}"
    for step in STALE_STEPS:
        assert step in docs
    fitted = (*CAPTURE_FIRST_STEPS.values(), NO_LONGER_PROCESSED_PRE_INVOICED)  # as needed_steps words them
    for step in fitted:
        assert step in docs, f"capture-failed: fitted step missing from docs/scenarios.md: {step}"
