"""The ages operators type (``scan --since``, ``list --older-than``): read up to a century, refused
beyond it with a usage error rather than a date overflow."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import unquote_plus
from zoneinfo import ZoneInfo

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
        parse_since(text, datetime(2026, 11, 26, tzinfo=UTC), UTC)


def test_a_date_window_starts_at_the_operators_midnight() -> None:
    """An operator in Chicago typing today's date means their day, not six hours before it."""
    chicago = timezone(timedelta(hours=-6))
    now = datetime(2026, 11, 26, 20, tzinfo=UTC)
    assert parse_since("2026-11-26", now, chicago) == datetime(2026, 11, 26, 6, tzinfo=UTC)
    assert parse_since("2026-11-26", now, UTC) == datetime(2026, 11, 26, tzinfo=UTC)
    assert parse_since("12h", now, chicago) == datetime(2026, 11, 26, 8, tzinfo=UTC)  # ages: zone-free


NEW_YORK = "America/New_York"


@pytest.fixture
def machine_in_new_york(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """This process's local time zone set to New York (the C library reads TZ at ``tzset``)."""
    monkeypatch.setenv("TZ", NEW_YORK)
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.parametrize(
    ("day", "midnight_utc"),
    [
        ("2026-01-15", datetime(2026, 1, 15, 5, tzinfo=UTC)),
        ("2026-07-01", datetime(2026, 7, 1, 4, tzinfo=UTC)),
    ],
    ids=["winter", "summer"],
)
def test_a_date_starts_at_midnight_under_that_dates_daylight_saving(
    day: str, midnight_utc: datetime, machine_in_new_york: None
) -> None:
    """Typed in November (EST, UTC-5), a July date still starts at its own midnight (EDT, UTC-4)."""
    now = datetime(2026, 11, 26, 20, tzinfo=UTC)
    assert parse_since(day, now, ZoneInfo(NEW_YORK)) == midnight_utc
    assert parse_since(day, now, None) == midnight_utc  # the machine's own zone


def test_scan_since_a_summer_date_asks_magento_from_that_midnight(tmp_path: Path) -> None:
    """Through the CLI, as a process whose machine is in New York: the filter Magento receives."""
    env = {**os.environ, "TZ": NEW_YORK, "C5ATTN_HOME": str(tmp_path / "home")}
    run = subprocess.run(
        [sys.executable, "-m", "c5attn", "-v", "--sandbox", "scan", "--since", "2026-07-01", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    requests = [
        unquote_plus(line) for line in run.stderr.splitlines() if "GET " in line and "updated_at" in line
    ]
    assert requests, run.stderr
    assert all("=2026-07-01 04:00:00&" in line for line in requests), requests


@pytest.mark.parametrize("text", ["3x", "abc", "", "30 days", "-5d"])
def test_an_age_that_is_not_one_is_refused(text: str) -> None:
    with pytest.raises(UsageError, match="cannot read the age"):
        parse_age(text)


@pytest.mark.parametrize("text", ["3x", "2026-13-01", "2026-02-30", "yesterday", "26-11-2026"])
def test_a_window_that_is_neither_an_age_nor_a_date_is_refused(text: str) -> None:
    with pytest.raises(UsageError, match="cannot read the time"):
        parse_since(text, datetime(2026, 11, 26, tzinfo=UTC), UTC)


@pytest.mark.parametrize("zone", [ZoneInfo("Asia/Tokyo"), None], ids=["tokyo", "machine"])
def test_a_date_before_1971_is_refused_with_the_way_to_scan_everything(zone: ZoneInfo | None) -> None:
    """Year 1's midnight in Tokyo is in year 0 in UTC: an overflow, once a traceback."""
    with pytest.raises(UsageError, match="the date 0001-01-01 is before 1971") as caught:
        parse_since("0001-01-01", datetime(2026, 11, 26, tzinfo=UTC), zone)
    assert "--all" in (caught.value.hint or "")


def test_a_date_after_2999_is_refused() -> None:
    """Windows converts local times up to the year 3000 only: refused alike everywhere."""
    with pytest.raises(UsageError, match="the date 3001-01-01 is after 2999"):
        parse_since("3001-01-01", datetime(2026, 11, 26, tzinfo=UTC), None)
    assert parse_since("2999-12-31", datetime(2999, 12, 31, 1, tzinfo=UTC), UTC) == datetime(
        2999, 12, 31, tzinfo=UTC
    )


def test_m_in_capitals_is_refused_as_minutes_or_months() -> None:
    """``1M`` read as one minute gave a cron job meaning a month a clean, empty scan."""
    with pytest.raises(UsageError, match="M could mean minutes or months") as caught:
        parse_age("1M")
    assert "30d" in (caught.value.hint or "")
    assert parse_age("12H") == timedelta(hours=12) and parse_age("2W") == parse_age("14d")
    assert parse_age("0d") == timedelta(0)  # list --older-than 0d: every order


@pytest.mark.parametrize(
    ("text", "message"),
    [("0d", "is zero"), ("0m", "is zero"), ("2026-11-27", "is in the future")],
)
def test_a_window_that_starts_now_or_later_is_refused(text: str, message: str) -> None:
    """It can hold no order: a scan of it would say "0 orders" and exit 0 under --fail-if-found."""
    with pytest.raises(UsageError, match=message):
        parse_since(text, datetime(2026, 11, 26, 20, tzinfo=UTC), UTC)
