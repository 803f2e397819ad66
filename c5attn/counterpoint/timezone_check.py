"""Is ``counterpoint_timezone`` the store's? (used by ``doctor``)

A release ticket's time is its RS_UTC_DT (UTC) where set, else its TKT_DT, the store's wall clock, read
in ``counterpoint_timezone`` (domain.md §3). A wrong zone passes every other check and shifts those
times by hours: releases look aged too early (capture-failed before ``capture_grace_minutes`` have
passed) or too late. Tickets that carry both times show the store's UTC offset, each at its own date
(daylight saving included); without RS_UTC_DT only a ticket stamped in the future gives a zone away,
one too far west. The verdict is pure: the store reads the sample, ``doctor`` shows the verdict.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

from c5attn.counterpoint.values import later_offset
from c5attn.wording import counted

RECENT = timedelta(days=7)
"""How far back (by TKT_DT) the sample reaches: a few days of one store's releases."""

AGREEMENT = timedelta(minutes=2)
"""How far apart a ticket's two times may be and still agree: both are stamped as the ticket is
saved, but not necessarily in the same second."""

FUTURE_MARGIN = timedelta(minutes=15)
"""How far past now a ticket may read before it gives the zone away: station clocks drift."""

WRONG_SHARE = 0.25
"""The share of tickets off by whole quarter hours that fails the zone: a station clock or an edited
ticket now and then is no wrong zone."""

LARGEST_SHIFT = timedelta(hours=26)
"""UTC-12:00 to UTC+14:00: a ticket further off than this is a wrong clock or date, not a zone."""

_QUARTER_HOUR = timedelta(minutes=15)  # every zone's offset is a multiple of it

LIKELY_ZONES = (
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Anchorage",
    "Pacific/Honolulu",
    "America/Halifax",
    "America/St_Johns",
    "America/Puerto_Rico",
    "Europe/London",
    "UTC",
)
"""Where Counterpoint's stores mostly are: the names a failed check suggests, each only where it fits
every sampled ticket."""

TicketTimes = tuple[datetime, datetime | None]
"""A release ticket's TKT_DT as stored (naive, the store's clock) and its RS_UTC_DT (aware) or None."""


@dataclass(frozen=True)
class ZoneVerdict:
    """What ``doctor`` reports: ``ok`` True/False, or None for a note, and why."""

    ok: bool | None
    detail: str


def zone_verdict(
    zone_name: str,
    sample: Sequence[TicketTimes],
    now: datetime,
    *,
    grace_minutes: int,
    rs_utc_dt_column: bool = True,
) -> ZoneVerdict:
    """Whether the recent release tickets ``sample`` bear out ``zone_name`` at ``now`` (aware)."""
    zone = ZoneInfo(zone_name)
    if not sample:
        return ZoneVerdict(
            None,
            f"no release tickets of the last {RECENT.days} days to check it against: ticket times are read "
            f"in {zone_name}",
        )
    both = [(tkt_dt, rs_utc_dt) for tkt_dt, rs_utc_dt in sample if rs_utc_dt is not None]
    if both:
        return _against_utc(zone_name, zone, both, grace_minutes)
    why = "no recent release ticket has RS_UTC_DT set" if rs_utc_dt_column else "RS_UTC_DT is absent"
    return _against_now(zone_name, zone, [tkt_dt for tkt_dt, _ in sample], now, grace_minutes, why)


def _against_utc(
    zone_name: str, zone: tzinfo, sample: list[tuple[datetime, datetime]], grace_minutes: int
) -> ZoneVerdict:
    """TKT_DT read in the zone against RS_UTC_DT, ticket by ticket. More than ``WRONG_SHARE`` of them
    off by whole quarter hours is a wrong zone (fail), even where the rest agree: a zone that keeps
    no daylight saving agrees half the year with a store's clock that does. Else most agree (ok), or
    they differ by no offset at all (a note: RS_UTC_DT stamped at another moment)."""
    clocks = [_clock(tkt_dt, rs_utc_dt) for tkt_dt, rs_utc_dt in sample]
    shifts = [clock - _offset(zone, tkt_dt) for clock, (tkt_dt, _) in zip(clocks, sample, strict=True)]
    total, agreeing = len(sample), sum(abs(shift) <= AGREEMENT for shift in shifts)
    offs = Counter(whole for shift in shifts if (whole := _whole_quarters(shift, LARGEST_SHIFT)))
    tickets = f"{total} recent release tickets (last {RECENT.days} days)"
    if sum(offs.values()) > WRONG_SHARE * total:
        amounts = " and ".join(f"by {_duration(shift)} on {count}" for shift, count in offs.most_common())
        return ZoneVerdict(
            False,
            f"TKT_DT read in {zone_name} is off RS_UTC_DT {amounts} of {tickets}: "
            f"{_consequence(list(offs), grace_minutes, 'tickets without RS_UTC_DT read')}; "
            f"{_store_zone_hint(sample, clocks)}",
        )
    if 2 * agreeing >= total:
        detail = f"TKT_DT read in {zone_name} agrees with RS_UTC_DT on {agreeing} of {tickets}"
        return ZoneVerdict(True, detail)
    return ZoneVerdict(
        None,
        f"TKT_DT read in {zone_name} agrees with RS_UTC_DT on only {agreeing} of {tickets}, and the others "
        "are off by no whole offset: the zone cannot be confirmed from the data",
    )


def _against_now(
    zone_name: str, zone: tzinfo, stamps: list[datetime], now: datetime, grace_minutes: int, why: str
) -> ZoneVerdict:
    """Without RS_UTC_DT: a ticket that reads in the future in the zone shows it too far west (the
    store's clock is ahead of it); one too far east makes tickets read older, which no data here shows."""
    utc_now = now.astimezone(UTC).replace(tzinfo=None)
    leads = [stamp - _offset(zone, stamp) - utc_now for stamp in stamps]
    telling = [lead for lead in leads if FUTURE_MARGIN < lead <= LARGEST_SHIFT]
    if telling:
        lead = _duration(max(telling))
        return ZoneVerdict(
            False,
            f"a release ticket's TKT_DT read in {zone_name} lies {lead} in the future ({why}): "
            f"{_consequence(telling, grace_minutes, 'ticket times read at least')}; set "
            f"counterpoint_timezone to the store's zone, at least {lead} east of {zone_name}",
        )
    return ZoneVerdict(
        None,
        f"{why}, so the zone cannot be confirmed from the data: ticket times are read in {zone_name} (none "
        f"of {counted(len(stamps), 'recent release ticket')} lies in the future there), and capture-failed "
        f"waits capture_grace_minutes ({grace_minutes}) from them",
    )


def _consequence(shifts: list[timedelta], grace_minutes: int, subject: str) -> str:
    """What shifts (how much later than the truth tickets read) do to the capture-failed rule."""
    grace = f"capture_grace_minutes ({grace_minutes})"
    if all(shift < timedelta(0) for shift in shifts):
        return (
            f"{subject} that much early, so releases look older than they are and capture-failed can fire "
            f"before {grace} have passed"
        )
    if all(shift > timedelta(0) for shift in shifts):
        return (
            f"{subject} that much late, so releases look younger than they are and capture-failed waits "
            f"that much longer than {grace}"
        )
    return f"{subject} that far off, so capture-failed fires early or late by as much"


def _store_zone_hint(sample: list[tuple[datetime, datetime]], clocks: list[timedelta]) -> str:
    """The store's UTC offsets as the tickets show them, and the likely zones that fit every ticket."""
    shown = [
        (tkt_dt, offset)
        for (tkt_dt, _), clock in zip(sample, clocks, strict=True)
        if (offset := _whole_quarters(clock, timedelta(hours=14))) is not None
    ]
    if not shown:
        return "set counterpoint_timezone to the store's zone"
    offsets = " and ".join(str(timezone(offset)) for offset in sorted({offset for _, offset in shown}))
    names = [
        name
        for name in LIKELY_ZONES
        if all(_offset(ZoneInfo(name), tkt_dt) == offset for tkt_dt, offset in shown)
    ]
    fits = f" ({' and '.join(names)} {'fits' if len(names) == 1 else 'fit'} every ticket)" if names else ""
    return f"the store's clock looks like {offsets}: set counterpoint_timezone to its IANA name{fits}"


def _clock(tkt_dt: datetime, rs_utc_dt: datetime) -> timedelta:
    """The store clock's UTC offset as one ticket shows it: its TKT_DT less its RS_UTC_DT."""
    return tkt_dt - rs_utc_dt.astimezone(UTC).replace(tzinfo=None)


def _offset(zone: tzinfo, tkt_dt: datetime) -> timedelta:
    """The zone's UTC offset at a ticket's own date, as the scan reads TKT_DT (``later_offset``)."""
    return later_offset(zone, tkt_dt) or timedelta(0)


def _whole_quarters(span: timedelta, largest: timedelta) -> timedelta | None:
    """``span`` as the whole quarter hours it is within ``AGREEMENT`` of, up to ``largest`` either
    way; None when it is no such offset."""
    whole = round(span / _QUARTER_HOUR) * _QUARTER_HOUR
    return whole if abs(span - whole) <= AGREEMENT and abs(whole) <= largest else None


def _duration(span: timedelta) -> str:
    """"5 h", "5 h 30 min", "45 min": a shift in words, whichever way it goes."""
    hours, minutes = divmod(round(abs(span).total_seconds() / 60), 60)
    if not minutes:
        return f"{hours} h"
    return f"{hours} h {minutes} min" if hours else f"{minutes} min"
