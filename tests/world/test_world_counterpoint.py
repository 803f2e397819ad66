"""counterpoint.db: one order document per imported web order, and every link leads somewhere."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from world_facts import norm
from world_kit import NOW, World


def _imported(order: dict[str, object]) -> bool:
    histories = order["status_histories"]
    assert isinstance(histories, list)
    return any(str(h["comment"]).startswith("Order imported into Counterpoint") for h in histories)


def test_every_imported_order_has_exactly_one_web_order_document(world: World) -> None:
    open_orders = Counter(
        tkt
        for tkt, typ, store in world.db.execute("SELECT TKT_NO, DOC_TYP, STR_ID FROM PS_DOC_HDR")
        if norm(typ) == "O" and norm(store) == "WEB"
    )
    posted = Counter(
        tkt
        for tkt, store in world.db.execute("SELECT TKT_NO, STR_ID FROM PS_ORD_HIST")
        if norm(store) == "WEB"
    )

    for order in world.orders:
        number = order["increment_id"]
        expected = 1 if _imported(order) else 0
        assert open_orders[number] + posted[number] == expected, number
    assert sum(posted.values()) > 100


def test_every_linked_document_and_row_has_its_parent(world: World) -> None:
    db = world.db
    docs = {doc_id: norm(typ) for doc_id, typ in db.execute("SELECT DOC_ID, DOC_TYP FROM PS_DOC_HDR")}
    assert not db.execute(
        "SELECT DOC_ID FROM PS_DOC_HDR_ORIG_DOC WHERE DOC_ID NOT IN (SELECT DOC_ID FROM "
        "PS_DOC_HDR) OR ORIG_DOC_ID NOT IN (SELECT DOC_ID FROM PS_DOC_HDR)"
    ).fetchall()
    for table in ("PS_DOC_LIN", "PS_DOC_PMT", "PS_DOC_HDR_TOT", "PS_DOC_AUDIT_LOG"):
        assert not db.execute(
            f"SELECT 1 FROM {table} WHERE DOC_ID NOT IN (SELECT DOC_ID FROM PS_DOC_HDR)"
        ).fetchall(), table
    for table in ("PS_TKT_HIST_LIN", "PS_TKT_HIST_PMT", "PS_TKT_HIST_ORIG_DOC"):
        assert not db.execute(
            f"SELECT 1 FROM {table} WHERE DOC_ID NOT IN (SELECT DOC_ID FROM PS_TKT_HIST)"
        ).fetchall(), table
    assert not db.execute(
        "SELECT 1 FROM PS_ORD_HIST_AUDIT_LOG WHERE DOC_ID NOT IN (SELECT DOC_ID FROM PS_ORD_HIST)"
    ).fetchall()
    links = dict(db.execute("SELECT DOC_ID, ORIG_DOC_ID FROM PS_DOC_HDR_ORIG_DOC").fetchall())
    releases = [
        doc_id for doc_id, rel in db.execute("SELECT DOC_ID, IS_REL_TKT FROM PS_DOC_HDR") if norm(rel) == "Y"
    ]
    assert releases
    for release in releases:
        assert docs[release] == "T" and docs[links[release]] == "O", release


def test_every_posted_ticket_points_at_an_order_by_its_ticket_number(world: World) -> None:
    db = world.db
    orders = {(tkt, doc_id) for doc_id, tkt in db.execute("SELECT DOC_ID, TKT_NO FROM PS_ORD_HIST")}
    orders |= {
        (tkt, doc_id)
        for doc_id, tkt, typ in db.execute("SELECT DOC_ID, TKT_NO, DOC_TYP FROM PS_DOC_HDR")
        if norm(typ) == "O"
    }
    posted = db.execute(
        "SELECT o.ORIG_TKT_NO, o.ORIG_DOC_ID, h.IS_REL_TKT FROM PS_TKT_HIST_ORIG_DOC o "
        "JOIN PS_TKT_HIST h ON h.DOC_ID = o.DOC_ID"
    ).fetchall()

    assert sum(1 for *_, rel in posted if norm(rel) == "Y") > 100
    assert sum(1 for *_, rel in posted if norm(rel) != "Y") > 10  # posted deposit tickets
    for tkt_no, orig_doc_id, _ in posted:
        assert (tkt_no, orig_doc_id) in orders


def test_posted_release_lines_link_to_the_open_order_lines(world: World) -> None:
    order_lines = {guid for (guid,) in world.db.execute("SELECT LIN_GUID FROM PS_DOC_LIN")}
    rows = world.db.execute(
        "SELECT l.LINK_LIN_GUID FROM PS_TKT_HIST_LIN l JOIN PS_TKT_HIST_ORIG_DOC o ON o.DOC_ID = l.DOC_ID "
        "WHERE o.ORIG_DOC_ID IN (SELECT DOC_ID FROM PS_DOC_HDR) AND l.LINK_LIN_GUID IS NOT NULL"
    ).fetchall()

    assert rows and all(guid in order_lines for (guid,) in rows)


def test_ticket_times_are_store_local_with_utc_beside_on_most(world: World) -> None:
    zone = ZoneInfo(world.site.timezone)
    rows = world.db.execute(
        "SELECT TKT_DT, RS_UTC_DT FROM PS_DOC_HDR WHERE DOC_TYP IN ('T', 't ')"
    ).fetchall()
    with_utc = [(local, utc) for local, utc in rows if utc]
    local_only = [local for local, utc in rows if not utc]

    assert len(with_utc) > 4 * len(local_only) > 0
    for local, utc in with_utc:
        moment = datetime.fromisoformat(utc).replace(tzinfo=UTC)
        assert moment.astimezone(zone).replace(tzinfo=None) == datetime.fromisoformat(local)
    for local in local_only:  # aged even under a timezone misconfigured by 14 hours
        assert datetime.fromisoformat(local).replace(tzinfo=zone) < NOW - timedelta(hours=24)
    for (local,) in world.db.execute("SELECT TKT_DT FROM PS_TKT_HIST"):
        assert datetime.fromisoformat(local).replace(tzinfo=zone) < NOW - timedelta(hours=24)


def test_cancellations_audit_rows_and_order_errors_of_every_kind(world: World) -> None:
    activ = Counter(
        norm(a)
        for (a,) in world.db.execute(
            "SELECT ACTIV FROM PS_DOC_AUDIT_LOG UNION ALL SELECT ACTIV FROM PS_ORD_HIST_AUDIT_LOG"
        )
    )
    errors = world.db.execute("SELECT ERR_TYP, IS_DISMISSED, STR_ID FROM USER_C5_ORD_ERR").fetchall()

    assert {"N", "E", "C", "I"} <= set(activ)
    assert {typ for typ, *_ in errors} == {"import", "invoice", "capture", "shipment", "cancel", "attention"}
    assert {dismissed for _, dismissed, _ in errors} == {"N", None, "Y", "y"}
    assert {store for *_, store in errors} == {"WEB", "MAIN"}


def test_deposits_final_payments_and_both_kinds_of_pay_code(world: World) -> None:
    rows = world.db.execute("SELECT PAY_COD, AMT, FINAL_PMT FROM PS_DOC_PMT").fetchall()
    deposit_codes = {norm(pay) for pay, _, final in rows if norm(final) == "N"}

    assert {"WEB", "PAYPAL"} <= deposit_codes and deposit_codes - {"WEB", "PAYPAL"}
    assert any(amount < 0 for _, amount, final in rows if norm(final) == "N")  # refunds
    assert any(norm(final) == "Y" for *_, final in rows)
