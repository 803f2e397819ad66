"""doctor's "Counterpoint time zone": the verdict on a sample of ticket times, and how the store reads it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from c5attn.counterpoint.timezone_check import TicketTimes, zone_verdict

NOW = datetime(2025, 1, 20, 15, 0, tzinfo=UTC)
SPRING = datetime(2024, 3, 12, 12, 0, tzinfo=UTC)  # New York went to daylight saving on 10 March


def _stamped(zone: str, *moments: datetime, rs_utc_dt: bool = True) -> list[TicketTimes]:
    """Tickets stamped at ``moments`` by a clock in ``zone``: TKT_DT its wall time, RS_UTC_DT the instant."""
    return [
        (moment.astimezone(ZoneInfo(zone)).replace(tzinfo=None), moment if rs_utc_dt else None)
        for moment in moments
    ]


def _ago(now: datetime, *hours: float) -> list[datetime]:
    return [now - timedelta(hours=h) for h in hours]


def _utc_later(sample: list[TicketTimes], *minutes: float) -> list[TicketTimes]:
    """``sample`` with each RS_UTC_DT stamped ``minutes`` after its TKT_DT, ticket by ticket."""
    return [
        (tkt_dt, rs_utc_dt + timedelta(minutes=later))
        for (tkt_dt, rs_utc_dt), later in zip(sample, minutes, strict=True)
        if rs_utc_dt is not None
    ]


WINTER_NY = _stamped("America/New_York", *_ago(NOW, 1, 5, 30, 100))
ACROSS_DST_NY = _stamped("America/New_York", *_ago(SPRING, 69, 45, 21))  # 9 (EST), 10 and 11 March (EDT)
WINTER_PHOENIX = _stamped("America/Phoenix", *_ago(NOW, 2, 26))

CASES = [
    # (case, configured zone, sample, now, ok, what the detail says)
    (
        "right zone",
        "America/New_York",
        WINTER_NY,
        NOW,
        True,
        [
            "TKT_DT read in America/New_York agrees with RS_UTC_DT on 4 of 4 recent release tickets "
            "(last 7 days)"
        ],
    ),
    (
        "UTC for a New York store: 5 h early",
        "UTC",
        WINTER_NY,
        NOW,
        False,
        [
            "TKT_DT read in UTC is off RS_UTC_DT by 5 h on 4 of 4 recent release tickets (last 7 days): ",
            "tickets without RS_UTC_DT read that much early, so releases look older than they are and "
            "capture-failed can fire before capture_grace_minutes (60) have passed; ",
            "the store's clock looks like UTC-05:00: set counterpoint_timezone to its IANA name "
            "(America/New_York fits every ticket)",
        ],
    ),
    (
        "a zone west of the store: late",
        "America/Chicago",
        WINTER_NY,
        NOW,
        False,
        ["off RS_UTC_DT by 1 h on 4 of 4", "read that much late, so releases look younger than they are and "
         "capture-failed waits that much longer than capture_grace_minutes (60)", "America/New_York fits"],
    ),
    (
        "across daylight saving, right zone",
        "America/New_York",
        ACROSS_DST_NY,
        SPRING,
        True,
        ["agrees with RS_UTC_DT on 3 of 3"],
    ),
    (
        "across daylight saving, UTC: each ticket off by its own date's offset",
        "UTC",
        ACROSS_DST_NY,
        SPRING,
        False,
        ["off RS_UTC_DT by 4 h on 2 and by 5 h on 1 of 3", "UTC-05:00 and UTC-04:00", "New_York fits"],
    ),
    (
        "across daylight saving, a zone that keeps none agrees in winter only",
        "America/Bogota",
        ACROSS_DST_NY,
        SPRING,
        False,
        ["off RS_UTC_DT by 1 h on 2 of 3", "read that much late", "(America/New_York fits every ticket)"],
    ),
    (
        "a half-hour zone no likely name fits",
        "UTC",
        _stamped("Asia/Kolkata", *_ago(NOW, 1, 3)),
        NOW,
        False,
        ["off RS_UTC_DT by 5 h 30 min on 2 of 2", "read that much late", "looks like UTC+05:30: set "
         "counterpoint_timezone to its IANA name"],
    ),
    (
        "two likely zones fit a winter sample",
        "UTC",
        WINTER_PHOENIX,
        NOW,
        False,
        ["by 7 h on 2 of 2", "UTC-07:00", "(America/Denver and America/Phoenix fit every ticket)"],
    ),
    (
        "one ticket in five off by an hour is no wrong zone",
        "America/New_York",
        WINTER_NY + _stamped("America/Chicago", NOW - timedelta(hours=3)),
        NOW,
        True,
        ["agrees with RS_UTC_DT on 4 of 5"],
    ),
    (
        "RS_UTC_DT stamped minutes later: no offset, no verdict",
        "America/New_York",
        _utc_later(WINTER_NY, 7, 23, 41, 52),
        NOW,
        None,
        ["agrees with RS_UTC_DT on only 0 of 4", "off by no whole offset: the zone cannot be confirmed"],
    ),
    (
        "within two minutes agrees",
        "America/New_York",
        _utc_later(WINTER_NY, 1.5, 1.5, 1.5, 1.5),
        NOW,
        True,
        ["on 4 of 4"],
    ),
    (
        "tickets without RS_UTC_DT are left out where others have it",
        "America/New_York",
        WINTER_NY + _stamped("Europe/London", NOW - timedelta(hours=1), rs_utc_dt=False),
        NOW,
        True,
        ["on 4 of 4"],
    ),
    (
        "no RS_UTC_DT set, none in the future",
        "America/New_York",
        _stamped("America/New_York", *_ago(NOW, 0.1, 5), rs_utc_dt=False),
        NOW,
        None,
        [
            "no recent release ticket has RS_UTC_DT set, so the zone cannot be confirmed from the data: "
            "ticket times are read in America/New_York (none of 2 recent release tickets lies in the future "
            "there), and capture-failed waits capture_grace_minutes (60) from them"
        ],
    ),
    (
        "a zone too far east reads tickets older: nothing shows it without RS_UTC_DT",
        "Europe/London",
        _stamped("America/New_York", *_ago(NOW, 0.1, 5), rs_utc_dt=False),
        NOW,
        None,
        ["ticket times are read in Europe/London"],
    ),
    (
        "a zone too far west reads a recent ticket in the future",
        "America/Los_Angeles",
        _stamped("America/New_York", *_ago(NOW, 1, 30), rs_utc_dt=False),
        NOW,
        False,
        [
            "a release ticket's TKT_DT read in America/Los_Angeles lies 2 h in the future (no recent release "
            "ticket has RS_UTC_DT set): ticket times read at least that much late, so releases look younger",
            "set counterpoint_timezone to the store's zone, at least 2 h east of America/Los_Angeles",
        ],
    ),
    (
        "ten minutes ahead is a station clock's drift",
        "America/New_York",
        [(datetime(2025, 1, 20, 10, 10), None)],
        NOW,
        None,
        ["none of 1 recent release ticket lies in the future"],
    ),
    (
        "days ahead is a wrong date, not a zone",
        "America/New_York",
        [(datetime(2025, 1, 23, 10, 0), None)],
        NOW,
        None,
        ["cannot be confirmed"],
    ),
    (
        "no tickets",
        "America/New_York",
        [],
        NOW,
        None,
        [
            "no release tickets of the last 7 days to check it against: ticket times are read in "
            "America/New_York"
        ],
    ),
]


@pytest.mark.parametrize(("case", "zone", "sample", "now", "ok", "says"), CASES, ids=[c[0] for c in CASES])
def test_cp_zone_verdict(case, zone, sample, now, ok, says):
    verdict = zone_verdict(zone, sample, now, grace_minutes=60)
    assert verdict.ok is ok, verdict.detail
    for text in says:
        assert text in verdict.detail


def test_cp_zone_verdict_names_an_absent_column_and_the_grace():
    sample = _stamped("America/New_York", *_ago(NOW, 1), rs_utc_dt=False)
    verdict = zone_verdict("America/New_York", sample, NOW, grace_minutes=90, rs_utc_dt_column=False)
    assert verdict.ok is None
    assert verdict.detail.startswith("RS_UTC_DT is absent, so the zone cannot be confirmed from the data")
    assert "capture_grace_minutes (90)" in verdict.detail


# --- the sample the store reads --------------------------------------------------------------------


def test_cp_ticket_times_are_the_stores_recent_release_tickets(cp_db, make_store):
    """Open and posted releases of the site's store stamped within the window (TKT_DT in the site's
    zone); older tickets, other stores' and documents that are no release are left out."""
    cp_db.order(1, "100")
    cp_db.release(2, 1, "100-1", {}, TKT_DT="2025-01-20 09:00:00", RS_UTC_DT="2025-01-20 14:00:00")
    cp_db.release(3, 1, "100-2", {}, TKT_DT="2025-01-13 10:30:00")  # 7 days before now, New York time
    cp_db.release(4, 1, "100-3", {}, TKT_DT="2025-01-13 09:30:00", RS_UTC_DT="2025-01-13 14:30:00")  # older
    cp_db.release(5, 1, "100-4", {}, TKT_DT="2025-01-20 09:00:00", STR_ID="MAIN")
    cp_db.order(6, "200", TKT_DT="2025-01-20 09:00:00")  # an order, no release
    cp_db.posted_ticket(30, "100", "100-5", TKT_DT="2025-01-19T08:00:00")
    cp_db.posted_ticket(31, "100", "S1", TKT_DT="2025-01-19 08:00:00", IS_REL_TKT="N")
    sample = make_store(counterpoint_timezone="America/New_York").ticket_times(NOW - timedelta(days=7))
    assert sorted(sample.pairs) == [
        (datetime(2025, 1, 13, 10, 30), None),
        (datetime(2025, 1, 19, 8, 0), None),
        (datetime(2025, 1, 20, 9, 0), datetime(2025, 1, 20, 14, 0, tzinfo=UTC)),
    ]
    assert sample.rs_utc_dt_column is True


def test_cp_ticket_times_without_the_rs_utc_dt_column(cp_db, make_store):
    cp_db.execute("ALTER TABLE PS_DOC_HDR DROP COLUMN RS_UTC_DT")
    cp_db.order(1, "100")
    cp_db.release(2, 1, "100-1", {}, TKT_DT="2025-01-20 09:00:00")
    sample = make_store().ticket_times(NOW - timedelta(days=7))
    assert (sample.pairs, sample.rs_utc_dt_column) == ([(datetime(2025, 1, 20, 9, 0), None)], False)
