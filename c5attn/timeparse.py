"""Parsing of the ages and windows operators type: ``30d``, ``12h``, ``90m``, ``2w`` or ``YYYY-MM-DD``."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from c5attn.errors import UsageError

_AGE = re.compile(r"^\s*(\d+)\s*([mhdw])\s*$", re.IGNORECASE)
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_age(text: str) -> timedelta:
    """``30d`` → 30 days; refuses anything else with a message showing the accepted forms."""
    match = _AGE.match(text)
    if not match:
        raise UsageError(f"cannot read the age {text!r}", "write it like 30d, 12h, 90m or 2w")
    return timedelta(**{_UNITS[match.group(2).lower()]: int(match.group(1))})


def parse_since(text: str, now: datetime) -> datetime:
    """A window start: an age before ``now`` or an ISO date (midnight UTC)."""
    if _AGE.match(text):
        return now - parse_age(text)
    try:
        day = datetime.strptime(text.strip(), "%Y-%m-%d")
    except ValueError:
        raise UsageError(
            f"cannot read the time {text!r}", "write an age like 30d or 12h, or a date like 2026-01-31"
        ) from None
    return day.replace(tzinfo=UTC)


def magento_time(moment: datetime) -> str:
    """Magento's stored form: ``YYYY-MM-DD HH:MM:SS`` in UTC."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
