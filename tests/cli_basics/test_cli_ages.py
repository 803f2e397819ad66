"""The ages operators type (``scan --since``, ``list --older-than``): read up to a century, refused
beyond it with a usage error rather than a date overflow."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from c5attn.errors import UsageError
from c5attn.timeparse import parse_age, parse_since


def test_the_largest_age_is_a_century_in_any_unit() -> None:
    assert parse_age("36500d") == parse_age("0036500d") == timedelta(days=36500)
    assert parse_age("876000h") == parse_age("52560000m") == timedelta(days=36500)
    for over in ("36501d", "5215w", "876001h", "52560001m"):
        with pytest.raises(UsageError, match=r"is too large: at most 36500d"):
            parse_age(over)


@pytest.mark.parametrize(
    "text", ["99999999d", "1000000000d", "9" * 5000 + "m"], ids=["8-digits", "10-digits", "5000-digits"]
)
def test_an_age_that_overflowed_the_date_arithmetic_is_a_usage_error(text: str) -> None:
    with pytest.raises(UsageError, match="is too large"):
        parse_since(text, datetime(2026, 11, 26, tzinfo=UTC))


def test_a_date_window_starts_at_the_operators_midnight() -> None:
    """An operator in Chicago typing today's date means their day, not six hours before it."""
    chicago = timezone(timedelta(hours=-6))
    now = datetime(2026, 11, 26, 20, tzinfo=UTC)
    assert parse_since("2026-11-26", now, chicago) == datetime(2026, 11, 26, 6, tzinfo=UTC)
    assert parse_since("2026-11-26", now) == datetime(2026, 11, 26, tzinfo=UTC)
    assert parse_since("12h", now, chicago) == datetime(2026, 11, 26, 8, tzinfo=UTC)  # ages: zone-free
