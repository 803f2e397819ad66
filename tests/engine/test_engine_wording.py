"""The shared wording of messages: one way to say a status write and to keep an error on one line."""

from __future__ import annotations

import pytest

from c5attn.wording import (
    counted,
    money,
    no_status_to_set,
    no_status_to_set_given,
    not_assigned,
    one_line,
    status_change,
)


@pytest.mark.parametrize(
    ("before", "after", "said"),
    [
        ("needs_attention", "processing", "status needs_attention → processing"),
        ("complete", "complete", "status stays complete"),
    ],
)
def test_status_change_says_a_kept_status_stays(before: str, after: str, said: str) -> None:
    assert status_change(before, after) == said


@pytest.mark.parametrize(
    ("text", "length", "line"),
    [
        ("short", 10, "short"),
        ("  a\nmulti-line\t\r\nanswer  ", 100, "a multi-line answer"),
        ("x" * 10, 10, "x" * 10),
        ("x" * 11, 10, "x" * 10 + "… (11 characters)"),
        ("ab " * 5000, 4, "ab a… (14,999 characters)"),
    ],
)
def test_one_line_flattens_and_says_how_long_a_cut_text_was(text: str, length: int, line: str) -> None:
    assert one_line(text, length) == line


def test_counted_groups_thousands_and_agrees_in_number() -> None:
    counts = [counted(n, "order") for n in (0, 1, 2, 2000)]
    assert counts == ["0 orders", "1 order", "2 orders", "2,000 orders"]


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("18.525", "18.53 USD"),  # 1.5 × 12.35: Magento shows that row as 18.53
        ("0.125", "0.13 USD"),
        ("2.675", "2.68 USD"),
        ("-0.125", "-0.13 USD"),  # a refund: away from zero, as PHP's round
        ("12.344", "12.34 USD"),
        ("1234567.5", "1,234,567.50 USD"),
        (18.525, "18.53 USD"),  # a float (scan's records) by its shortest text
        (None, "0.00 USD"),
    ],
)
def test_money_rounds_half_a_cent_away_from_zero_as_magento_does(value: object, shown: str) -> None:
    assert money(value, "USD") == shown


@pytest.mark.parametrize(
    ("listed", "said"),
    [
        ([], "state_statuses lists no statuses for state 'payment_review', so resolve has none to set"),
        (
            ["needs_attention"],
            "no status but Needs Attention is assigned to state 'payment_review' (state_statuses), so "
            "resolve has none to set",
        ),
    ],
)
def test_why_resolve_has_no_status_to_set_is_what_state_statuses_lists(listed: list[str], said: str) -> None:
    assert no_status_to_set_given("payment_review", listed) == said


def test_why_resolve_has_no_status_to_set_without_the_listing_is_true_either_way() -> None:
    """Called with the state alone (show's follow-up), it must not claim Needs Attention is assigned."""
    said = no_status_to_set("payment_review")
    assert said == "state_statuses lists no status for state 'payment_review' that resolve could set"


@pytest.mark.parametrize(
    ("listed", "said"),
    [
        ([], "(state_statuses lists no statuses for it)"),
        (["payment_review", "fraud"], "(state_statuses lists only payment_review, fraud for it)"),
    ],
)
def test_a_status_not_assigned_to_a_state_says_what_state_statuses_lists(
    listed: list[str], said: str
) -> None:
    assert not_assigned("needs_attention", "payment_review", listed) == (
        f"status 'needs_attention' is not assigned to state 'payment_review' {said}"
    )
