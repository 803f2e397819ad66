"""Parsing of the ages and windows operators type: ``30d``, ``12h``, ``90m``, ``2w`` or ``YYYY-MM-DD``."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, tzinfo

from c5attn.errors import UsageError

_AGE = re.compile(r"^\s*(\d+)\s*([mhdw])\s*$", re.IGNORECASE)
_UNIT_MINUTES = {"m": 1, "h": 60, "d": 24 * 60, "w": 7 * 24 * 60}
# A century reaches back past any order c5attn will see, and keeps ``now - age`` a valid datetime.
MAX_AGE_DAYS = 36500
_MAX_AGE_MINUTES = MAX_AGE_DAYS * _UNIT_MINUTES["d"]
_EARLIEST_DATE = datetime(1971, 1, 1)
_LATEST_DATE = datetime(2999, 12, 31)


def parse_age(text: str) -> timedelta:
    """``30d`` → 30 days; refuses anything else with a message showing the accepted forms, and
    ages over ``MAX_AGE_DAYS``, which would overflow the date arithmetic with a traceback."""
    match = _AGE.match(text)
    if not match:
        raise UsageError(f"cannot read the age {text!r}", "write it like 30d, 12h, 90m or 2w")
    if match.group(2) == "M":  # 1M: a month to many people, a minute as "m"; never guess which
        raise UsageError(
            f"cannot read the age {text.strip()!r}: M could mean minutes or months",
            "write minutes with a small m (90m); there is no month unit: write 30d",
        )
    digits, unit = match.group(1).lstrip("0") or "0", match.group(2).lower()
    # More digits than the limit has is too large in any unit, and is never read as an integer
    # (Python refuses to read one of over 4,300 digits).
    if len(digits) > len(str(_MAX_AGE_MINUTES)) or int(digits) * _UNIT_MINUTES[unit] > _MAX_AGE_MINUTES:
        raise UsageError(
            f"the age {text.strip()!r} is too large: at most {MAX_AGE_DAYS}d (100 years)",
            "write a smaller age, like 30d",
        )
    return timedelta(minutes=int(digits) * _UNIT_MINUTES[unit])


def parse_since(text: str, now: datetime, zone: tzinfo | None) -> datetime:
    """A window start: an age before ``now``, or an ISO date: its midnight in ``zone``, or with
    ``zone`` None in this machine's local time under the rules of that date (daylight saving),
    so "today" starts when the operator's day does, not at midnight UTC."""
    if _AGE.match(text):
        start = now - parse_age(text)
        if start >= now:
            raise UsageError(
                f"the age {text.strip()!r} is zero: no order can have been updated since now",
                "write an age like 30d, 12h or 90m",
            )
        return start
    try:
        day = datetime.strptime(text.strip(), "%Y-%m-%d")
    except ValueError:
        raise UsageError(
            f"cannot read the time {text!r}", "write an age like 30d or 12h, or a date like 2026-01-31"
        ) from None
    if day < _EARLIEST_DATE:  # older than any web order; and year 1 has no midnight in UTC+9
        raise UsageError(f"the date {text.strip()} is before 1971", "use --all to scan every order")
    if day > _LATEST_DATE:  # Windows' local-time conversion ends with year 3000
        raise UsageError(f"the date {text.strip()} is after 2999", "write a date from 1971 to 2999")
    start = day.replace(tzinfo=zone) if zone is not None else day.astimezone()
    if start > now:
        raise UsageError(
            f"the date {text.strip()} is in the future: no order can have been updated since",
            "write today's date or an earlier one",
        )
    return start


def magento_time(moment: datetime) -> str:
    """Magento's stored form: ``YYYY-MM-DD HH:MM:SS`` in UTC."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
