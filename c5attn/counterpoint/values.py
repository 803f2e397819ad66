"""Column values as the domain wants them, whatever the driver returned.

SQL Server through pyodbc gives ``Decimal`` and naive ``datetime``; stdlib sqlite3 gives ``int``,
``float`` and ISO strings; the SQLite ODBC driver gives decimals as strings. This is the one place
that turns all of them into ``Decimal``, ``int`` and timezone-aware UTC ``datetime``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, tzinfo
from decimal import Decimal, InvalidOperation

from c5attn.errors import CounterpointValueError
from c5attn.models import SMALL_DECIMAL_LIMIT, SMALL_DECIMALS, ZERO


def _unexpected(value: object, kind: str) -> CounterpointValueError:
    """The store adds where the value is (``CounterpointStore``): only the row it came from tells."""
    shown = repr(value[:40]) if isinstance(value, bytes) else repr(str(value)[:40])  # bytes as b'\xff'
    return CounterpointValueError(
        f"Counterpoint returned {shown} where {kind} was expected",
        hint="check the column types and the rename map",
        value=value,
    )


def to_decimal(value: object) -> Decimal:
    """A quantity or amount; NULL is 0. Floats go through ``repr`` so 12.3 stays 12.3."""
    kind = type(value)
    if kind is Decimal:  # the common cases first: this runs for every number of every row
        return value  # type: ignore[return-value]
    if type(value) is int:
        return SMALL_DECIMALS[value] if 0 <= value < SMALL_DECIMAL_LIMIT else Decimal(value)
    if value is None:
        return ZERO
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    if isinstance(value, float):
        return _finite(Decimal(repr(value)), value)
    if isinstance(value, (str, bytes)):
        try:
            text = value.decode() if isinstance(value, bytes) else value
            return _finite(Decimal(text.strip() or "0"), value)
        except (UnicodeDecodeError, InvalidOperation):
            raise _unexpected(value, "a number") from None
    raise _unexpected(value, "a number")


def _finite(number: Decimal, value: object) -> Decimal:
    """``number``, unless it is NaN or infinite (SQLite's REAL 1e400, the text 'NaN'): the scenario
    engine's sums and comparisons would fail on it with a traceback, far from the row it came from."""
    if not number.is_finite():
        raise _unexpected(value, "a number")
    return number


def to_int(value: object) -> int:
    """A key (``DOC_ID``, ``LOG_SEQ_NO``): integral whatever its driver type."""
    if type(value) is int:  # sqlite3's keys, nearly every call
        return value
    number = to_decimal(value)
    if value is None or number != number.to_integral_value():
        raise _unexpected(value, "a whole number")
    return int(number)


def to_text(value: object) -> str:
    """A code or number as text, without the padding of ``CHAR`` columns."""
    return "" if value is None else str(value).strip()


def to_utc(value: object, zone: tzinfo) -> datetime | None:
    """An aware UTC time; a naive value is read in ``zone``. NULL or empty text is ``None``.

    A time that UTC cannot hold (SQL Server's ``9999-12-31 23:59:59`` read west of UTC,
    ``0001-01-01`` east of it) is refused as any other value that is no time."""
    if value is None:
        return None
    try:
        if type(value) is str and len(value) == 19 and (moment := _utc_fast(value, zone)) is not None:
            return moment
        if isinstance(value, datetime):
            moment = value
        elif isinstance(value, date):
            moment = datetime(value.year, value.month, value.day)
        elif isinstance(value, str):
            if not value.strip():
                return None
            try:
                moment = datetime.fromisoformat(value.strip())
            except ValueError:
                raise _unexpected(value, "a date and time") from None
        else:
            raise _unexpected(value, "a date and time")
        if moment.tzinfo is None:
            offset = later_offset(zone, moment)
            return (moment if offset is None else moment - offset).replace(tzinfo=UTC)
        return moment.astimezone(UTC)
    except OverflowError:
        raise _unexpected(value, "a date and time within the years 1 to 9999 in UTC") from None


def to_wall_clock(value: object) -> datetime | None:
    """A time as the column holds it, naive (TKT_DT: the store's clock), whatever the driver returned;
    NULL or empty text is ``None``."""
    moment = to_utc(value, UTC)
    return None if moment is None else moment.replace(tzinfo=None)


def later_offset(zone: tzinfo, naive: datetime) -> timedelta | None:
    """The zone's offset for a naive local time, read as the later instant where it is ambiguous.

    In the hour repeated when DST ends (and the hour skipped when it starts) a local time names two
    instants. Counterpoint stores no offset, so c5attn takes the later one: a release then looks
    at most an hour younger than it is, and "released over N minutes ago without an invoice" is
    never claimed an hour early, once a year.
    """
    first, second = zone.utcoffset(naive), zone.utcoffset(naive.replace(fold=1))
    return first if first is None or second is None else min(first, second)


def _utc_fast(text: str, zone: tzinfo) -> datetime | None:
    """``YYYY-MM-DD HH:MM:SS`` in ``zone`` as UTC, or None to take the general path.

    A release ticket's time comes this way for nearly every order; ``.replace(tzinfo=zone)`` and
    ``.astimezone(UTC)`` take ~1 µs together on Python 3.11, subtracting the zone's offset ~0.4 µs.
    """
    try:
        offset = later_offset(zone, datetime.fromisoformat(text))
    except ValueError:
        return None
    return None if offset is None else datetime.fromisoformat(text + "+00:00") - offset


def to_local(moment: datetime, zone: tzinfo) -> datetime:
    """A naive time in ``zone``, to whole seconds: what a ``datetime`` column stores."""
    if moment.tzinfo is None:
        raise ValueError("a timezone-aware datetime is required")
    return moment.astimezone(zone).replace(tzinfo=None, microsecond=0)
