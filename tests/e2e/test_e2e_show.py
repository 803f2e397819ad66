"""`show` of one order through the real CLI against the embedded sandbox: its table and its
`--json` must tell the same story."""

from __future__ import annotations

import json
import sqlite3

from e2e_sandbox import Sandbox


def _flag_by_hand(sandbox: Sandbox, number: str) -> None:
    """Put an order at Needs Attention as Commerce5 or a colleague would, without c5attn."""
    with sqlite3.connect(sandbox.directory / "magento.db") as db:
        db.execute("UPDATE orders SET status = 'needs_attention' WHERE increment_id = ?", (number,))
        (entity_id, body) = db.execute(
            "SELECT entity_id, body FROM order_json WHERE json_extract(body, '$.increment_id') = ?", (number,)
        ).fetchone()
        db.execute(
            "UPDATE order_json SET body = json_set(?, '$.status', 'needs_attention') WHERE entity_id = ?",
            (body, entity_id),
        )


def test_show_json_of_an_order_never_imported_leaves_out_the_dismiss_step_its_table_leaves_out(
    sandbox: Sandbox,
) -> None:
    """`show` reads the errors of an order never imported too: with none open, neither its table
    nor its JSON may tell staff to dismiss a Counterpoint order error (the JSON said so while its
    own `open_errors` was empty)."""
    sandbox.invoke("list")  # builds the world
    number = next(n for n, label in sandbox.labels().items() if label["kind"] == "not-imported")
    with sandbox.counterpoint() as db:
        assert not db.execute("SELECT 1 FROM USER_C5_ORD_ERR WHERE ORD_NO = ?", (number,)).fetchall()
    _flag_by_hand(sandbox, number)

    table = sandbox.invoke("show", number)
    data = json.loads(sandbox.invoke("show", number, "--json").stdout)

    assert table.exit_code == 0 and "dismiss-error" not in table.stdout
    assert data["imported"] is False and data["unclassified"] is True and data["open_errors"] == []
    assert not [step for step in data["steps"] if "dismiss-error" in step]
    assert any(f"resolve {number}" in step for step in data["steps"])
