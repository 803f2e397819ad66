"""One malformed Counterpoint value, through the real CLI on the sandbox world: the scan stops (its
findings would rest on a row it could not read) with one line naming the table, column, document and
order, so the row can be found and corrected; no traceback."""

from __future__ import annotations

import pytest
from e2e_sandbox import Sandbox

# Orders whose Counterpoint side the scan reads as the site's (not another store's or a layaway's).
_AMBIGUOUS = ("other-site", "other-store-same-number", "layaway-same-number", "not-imported")

# table, column, the bad value, what was expected; and the row: (rowid, its DOC_ID, its order number)
CASES = {
    "quantity": (
        "PS_TKT_HIST_LIN",
        "QTY_SOLD",
        "x",
        "a number",
        """SELECT m.rowid, m.DOC_ID, y.ORIG_TKT_NO FROM PS_TKT_HIST_LIN m
           JOIN PS_TKT_HIST t ON t.DOC_ID = m.DOC_ID JOIN PS_TKT_HIST_ORIG_DOC y ON y.DOC_ID = t.DOC_ID
           WHERE t.IS_REL_TKT = 'Y' AND m.LIN_TYP = 'S'""",
    ),
    "ticket-time": (
        "PS_TKT_HIST",
        "TKT_DT",
        "yesterday",
        "a date and time",
        """SELECT t.rowid, t.DOC_ID, y.ORIG_TKT_NO FROM PS_TKT_HIST t
           JOIN PS_TKT_HIST_ORIG_DOC y ON y.DOC_ID = t.DOC_ID WHERE t.IS_REL_TKT = 'Y'""",
    ),
    "nan-deposit": (
        "PS_DOC_PMT",
        "AMT",
        "NaN",
        "a number",
        """SELECT p.rowid, p.DOC_ID, o.TKT_NO FROM PS_DOC_PMT p JOIN PS_DOC_HDR o ON o.DOC_ID = p.DOC_ID
           WHERE o.DOC_TYP = 'O' AND p.FINAL_PMT = 'N'""",
    ),
}


@pytest.mark.parametrize(("table", "column", "bad", "expected", "rows"), CASES.values(), ids=CASES)
def test_scan_stops_on_a_malformed_value_naming_its_row(
    sandbox: Sandbox, table: str, column: str, bad: str, expected: str, rows: str
) -> None:
    sandbox.invoke("list")  # builds the world
    plain = {number for number, label in sandbox.labels().items() if label["kind"] not in _AMBIGUOUS}
    with sandbox.counterpoint() as db:
        rowid, doc_id, order = next(row for row in db.execute(f"{rows} ORDER BY 1") if row[2] in plain)
        (good,) = db.execute(f"SELECT {column} FROM {table} WHERE rowid = ?", (rowid,)).fetchone()
        db.execute(f"UPDATE {table} SET {column} = ? WHERE rowid = ?", (bad, rowid))
    try:
        run = sandbox.invoke("scan", "--all")
    finally:
        with sandbox.counterpoint() as db:
            db.execute(f"UPDATE {table} SET {column} = ? WHERE rowid = ?", (good, rowid))

    assert (run.exit_code, run.stdout) == (1, "")
    assert run.stderr.splitlines() == [
        f"c5attn: error: Counterpoint returned '{bad}' where {expected} was expected, "
        f"in {table}.{column} of document {doc_id} (order {order})",
        "  hint: correct that row in Counterpoint; if every row reads this way, check the column's type "
        "and the site's rename map",
    ]
    assert sandbox.invoke("scan", "--all").exit_code == 0  # the row corrected, the scan reads it
