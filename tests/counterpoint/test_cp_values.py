"""Driver values (Decimal, float, str, naive datetime) become Decimal, int and aware UTC in one place."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from c5attn.counterpoint.values import to_decimal, to_int, to_local, to_text, to_utc
from c5attn.errors import CounterpointError

CHICAGO = ZoneInfo("America/Chicago")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, Decimal(0)),
        (Decimal("1.2500"), Decimal("1.2500")),
        (3, Decimal(3)),
        (0, Decimal(0)),  # whole numbers 0..1000 come from a table made once: both ends
        (1000, Decimal(1000)),
        (1001, Decimal(1001)),
        (-1, Decimal(-1)),
        (10**20, Decimal(10**20)),
        (12.3, Decimal("12.3")),  # not 12.300000000000000710542735760100185871124267578125
        (0.1 + 0.2, Decimal("0.30000000000000004")),
        ("19.99", Decimal("19.99")),
        (" -25.00 ", Decimal("-25.00")),
        (b"7.5", Decimal("7.5")),
        ("", Decimal(0)),
    ],
)
def test_cp_to_decimal(value, expected):
    assert to_decimal(value) == expected
    assert str(to_decimal(value)) == str(expected)


@pytest.mark.parametrize(
    "value",
    ["abc", object(), True, float("inf"), float("nan"), "NaN", "-Infinity", b"\xff\x00", b"sNaN"],
    ids=["text", "object", "bool", "inf", "nan", "nan-text", "infinity-text", "not-utf8", "snan-bytes"],
)
def test_cp_to_decimal_refuses_non_numbers(value):
    with pytest.raises(CounterpointError, match="where a number was expected"):
        to_decimal(value)


def test_cp_to_int():
    assert (to_int(5), to_int("5"), to_int(5.0), to_int(Decimal("5.000"))) == (5, 5, 5, 5)
    with pytest.raises(CounterpointError, match="whole number"):
        to_int("5.5")
    with pytest.raises(CounterpointError, match="whole number"):
        to_int(None)
    with pytest.raises(CounterpointError, match="where a number was expected"):
        to_int(float("inf"))  # was an OverflowError from int(Decimal('Infinity'))


def test_cp_to_text_strips_char_padding():
    assert (to_text("WEB       "), to_text(None), to_text(42)) == ("WEB", "", "42")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("", None),
        ("2024-01-15 09:00:00", datetime(2024, 1, 15, 15, tzinfo=UTC)),  # CST, UTC-6
        ("2024-07-01T09:00:00.250", datetime(2024, 7, 1, 14, 0, 0, 250000, tzinfo=UTC)),  # CDT, UTC-5
        (datetime(2024, 7, 1, 9), datetime(2024, 7, 1, 14, tzinfo=UTC)),
        (date(2024, 7, 1), datetime(2024, 7, 1, 5, tzinfo=UTC)),
        ("2024-07-01 09:00:00+02:00", datetime(2024, 7, 1, 7, tzinfo=UTC)),  # an offset is trusted
        (datetime(2024, 7, 1, 9, tzinfo=timezone(timedelta(hours=-7))), datetime(2024, 7, 1, 16, tzinfo=UTC)),
    ],
)
def test_cp_to_utc_reads_naive_times_in_the_zone(value, expected):
    assert to_utc(value, CHICAGO) == expected


@pytest.mark.parametrize("day", [date(2024, 3, 10), date(2024, 11, 3)])  # Chicago's DST changes
def test_cp_to_utc_reads_database_text_as_it_reads_a_naive_datetime(day: date) -> None:
    """SQLite's ``YYYY-MM-DD HH:MM:SS`` takes a faster path; minute by minute through the gap and
    the repeated hour of a DST change it gives what the naive-datetime path gives, and outside
    them what Python's own conversion gives."""
    start = datetime(day.year, day.month, day.day)
    for minute in range(0, 6 * 60, 7):
        naive = start + timedelta(minutes=minute)
        moment = to_utc(naive.isoformat(sep=" "), CHICAGO)
        assert moment == to_utc(naive, CHICAGO)
        assert moment is not None and moment.utcoffset() == timedelta(0)
        if not 1 <= naive.hour < 3:
            assert moment == naive.replace(tzinfo=CHICAGO).astimezone(UTC)


@pytest.mark.parametrize(
    ("local", "utc"),
    [
        ("2024-11-03 01:30:00", datetime(2024, 11, 3, 7, 30, tzinfo=UTC)),  # repeated: the CST one
        ("2024-03-10 02:30:00", datetime(2024, 3, 10, 8, 30, tzinfo=UTC)),  # skipped: read as CST
        ("2024-11-03 00:30:00", datetime(2024, 11, 3, 5, 30, tzinfo=UTC)),  # plain CDT
    ],
)
def test_cp_an_ambiguous_local_time_is_the_later_instant(local: str, utc: datetime) -> None:
    """A release must never look an hour older than it is (capture-failed an hour early)."""
    assert to_utc(local, CHICAGO) == utc
    assert to_utc(datetime.fromisoformat(local), CHICAGO) == utc


def test_cp_to_utc_refuses_garbage():
    with pytest.raises(CounterpointError, match="date and time"):
        to_utc("yesterday", CHICAGO)
    with pytest.raises(CounterpointError, match="date and time"):
        to_utc("2024-13-45 09:00:00", CHICAGO)  # the shape of a time, not a time
    with pytest.raises(CounterpointError, match="date and time"):
        to_utc(12345, CHICAGO)


@pytest.mark.parametrize(
    ("value", "zone"),
    [
        ("9999-12-31 23:59:59", CHICAGO),  # SQL Server's last datetime, as SQLite text (the fast path)
        (datetime(9999, 12, 31, 23, 59, 59, 997000), CHICAGO),  # as pyodbc gives it
        ("0001-01-01 00:00:00", ZoneInfo("Asia/Tokyo")),  # datetime2's first, east of UTC
        ("9999-12-31T23:59:59-05:00", UTC),  # an offset that takes it past the end
    ],
)
def test_cp_to_utc_refuses_a_time_utc_cannot_hold(value, zone):
    """It was an OverflowError, a traceback that ended the scan."""
    with pytest.raises(CounterpointError, match="date and time within the years 1 to 9999 in UTC"):
        to_utc(value, zone)


def test_cp_to_local_is_naive_local_whole_seconds():
    assert to_local(datetime(2024, 1, 15, 15, 0, 0, 999999, tzinfo=UTC), CHICAGO) == datetime(2024, 1, 15, 9)
    with pytest.raises(ValueError, match="timezone-aware"):
        to_local(datetime(2024, 1, 15), CHICAGO)
