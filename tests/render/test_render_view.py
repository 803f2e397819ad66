"""Rendering prints order data literally: comments and reasons may contain [brackets] that Rich
would otherwise take for markup and swallow (c5attn's own markers look exactly like that); and a
narrow terminal never splits the numbers an operator copies."""

from __future__ import annotations

import dataclasses
import io
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from rich.console import Console

from c5attn.audit import AuditLog
from c5attn.cli.context import CliEnv
from c5attn.cli.render import print_csv, print_order_view, print_verdict_table
from c5attn.config import SiteConfig
from c5attn.models import (
    CounterpointOrder,
    Deposit,
    MagentoItem,
    MagentoOrder,
    OrderError,
    ReleaseTicket,
    StatusHistoryEntry,
    TicketLine,
)
from c5attn.verdict import assess
from c5attn.workflow import OrderView, SiteSession

NOW = datetime(2026, 11, 26, 12, tzinfo=UTC)
MARKER = "[c5attn:flag fp=0123456789abcdef scenarios=manual-invoice-or-ship]"


def _view(releases: tuple[ReleaseTicket, ...] = (), deposits: tuple[Deposit, ...] = ()) -> OrderView:
    one = Decimal(1)
    shipped = MagentoItem(item_id=1, sku="[B]SKU", qty_ordered=one, qty_shipped=one, price=Decimal(5))
    text = f"Flagged [bold]by[/bold] x {MARKER}"
    flag = StatusHistoryEntry(comment=text, status="needs_attention", created_at=NOW)
    order = _processing(7, "needs_attention", shipped, histories=(flag,))
    cp = CounterpointOrder(
        order_no="000000007", doc_id=1, tkt_no="000000007", posted=False, releases=releases, deposits=deposits
    )
    return _order_view(order, cp)


def _processing(
    number: int, status: str, *items: MagentoItem, histories: tuple[StatusHistoryEntry, ...] = ()
) -> MagentoOrder:
    """A processing order in USD, placed at NOW, its number the entity id padded to nine digits."""
    return MagentoOrder(
        entity_id=number,
        increment_id=f"{number:09d}",
        state="processing",
        status=status,
        created_at=NOW,
        order_currency_code="USD",
        items=items,
        status_histories=histories,
    )


def _order_view(order: MagentoOrder, cp: CounterpointOrder) -> OrderView:
    """What ``show`` prints for these two sides, on a site "web" (grace 60 minutes) at NOW."""
    verdict = assess(order, cp, needs_attention_status="needs_attention", now=NOW, capture_grace_minutes=60)
    site = SiteConfig(name="web", magento_url="http://x", counterpoint_dsn="sqlite:///x", magento_token="t")
    return OrderView(site, "c5attn --site web", verdict, list(order.status_histories), list(cp.open_errors))


@pytest.mark.parametrize("plain", [False, True], ids=["rich", "plain"])
def test_show_prints_brackets_literally(plain: bool) -> None:
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=not plain, color_system=None, width=400, soft_wrap=True)
    print_order_view(console, _view(), NOW, plain=plain)
    text = buffer.getvalue()
    assert MARKER in text
    assert "[bold]by[/bold]" in text
    assert "[B]SKU" in text
    assert "c5attn --site web resolve 000000007" in text


def test_every_column_of_the_order_view_has_a_name() -> None:
    """The open/posted column of the tickets and deposits is named, in a table and in plain text."""
    view = _view(
        releases=(ReleaseTicket(doc_id=45, tkt_no="000000007-01", posted=True, time=NOW),),
        deposits=(Deposit(doc_id=1, pmt_seq_no=1, pay_cod="CASH", amount=Decimal(5), kind="manual"),),
    )
    buffer = io.StringIO()
    print_order_view(Console(file=buffer, width=200, color_system=None), view, NOW, plain=True)
    lines = buffer.getvalue().splitlines()
    headers = [line.split() for line in lines if line.lstrip().startswith(("release ticket", "doc id"))]
    assert headers == [
        ["release", "ticket", "doc", "id", "state", "time", "(UTC)", "lines"],
        ["doc", "id", "seq", "pay", "code", "kind", "amount", "state"],
    ]


def test_queue_table_prints_brackets_literally() -> None:
    view = _view()
    row = view.verdict.to_json("web", now=NOW)
    row["steps"] = ["Check [red]this[/red] first"]
    buffer = io.StringIO()
    print_verdict_table(
        Console(file=buffer, force_terminal=True, color_system=None, width=300), [row], plain=False, title="t"
    )
    assert "Check [red]this[/red] first" in buffer.getvalue()


def test_a_queue_row_stays_one_line_whatever_the_comment_it_quotes() -> None:
    """An unclassified order's step quotes Commerce5's comment: tabs and new lines in it, and an
    order without a currency (null in the record), must not break the plain row."""
    row = _view().verdict.to_json("web", now=NOW)
    row["steps"] = ["Commerce5's latest comment says: a\tb\nsecond line"]
    row["currency"] = None
    buffer = io.StringIO()
    print_verdict_table(Console(file=buffer, width=300), [row], plain=True, title="t")
    lines = buffer.getvalue().splitlines()
    assert len(lines) == 2 and "\t" not in lines[1]  # the headers, the one row
    assert lines[1].endswith("Commerce5's latest comment says: a b second line") and "None" not in lines[1]


@pytest.mark.parametrize(
    "rows", [[], [{"a": 1, "b": [1, 2]}], [{"a": 1.5}, {"b": {"c": "x\ny", "d": None}}]], ids=["0", "1", "2"]
)
def test_streamed_json_array_is_the_same_text_as_one_dump(rows: list[dict[str, object]]) -> None:
    import json

    from c5attn.cli.render import print_json_array

    buffer = io.StringIO()
    print_json_array(buffer, iter(rows))
    assert buffer.getvalue() == json.dumps(rows, indent=2) + "\n"
    compact = io.StringIO()
    print_json_array(compact, iter(rows), pretty=False)
    lines = compact.getvalue().splitlines()
    assert json.loads(compact.getvalue()) == rows
    assert len(lines) == len(rows) + 2 or (not rows and lines == ["[]"])


def narrow_terminal(out: io.StringIO, columns: int = 40) -> CliEnv:
    """A stdout that is a narrow terminal, its width given as the shell gives it (COLUMNS)."""
    env = {"COLUMNS": str(columns), "NO_COLOR": "1"}
    return CliEnv(out, io.StringIO(), False, True, False, env, Path.cwd())


def test_a_narrow_terminal_never_splits_an_order_number() -> None:
    out = io.StringIO()
    row = _view().verdict.to_json("web", now=NOW)
    print_verdict_table(narrow_terminal(out).stdout, [row], plain=False, title="Needs Attention")
    lines = out.getvalue().splitlines()
    assert max(len(line) for line in lines) <= 40
    assert any(line.startswith("000000007 ") for line in lines)


def _queue(columns: int, rows: int = 3) -> str:
    """The queue of ``rows`` copies of the test order (a reason of several words) on a terminal."""
    out = io.StringIO()
    row = _view().verdict.to_json("web", now=NOW)
    row["scenarios"] = [*row["scenarios"], "capture-failed"]  # "manual-invoice-or-ship (+1)"
    print_verdict_table(
        narrow_terminal(out, columns).stdout, [row] * rows, plain=False, title="Needs Attention"
    )
    return out.getvalue()


@pytest.mark.parametrize("columns", [80, 100])
def test_a_terminal_too_narrow_for_the_next_step_as_a_column_gives_it_lines_of_its_own(columns: int) -> None:
    """A next step squeezed into the last column of 80 read a word a line; each order now takes one
    line of facts and its next step below, in full words, no line wider than the terminal."""
    text = _queue(columns)
    lines = text.splitlines()
    step = _view().verdict.steps[0]
    assert "┃" not in text and "│" not in text
    assert lines[1].split() == ["order", "site", "scenario", "age", "at", "risk", "flagged"]
    facts = [index for index, line in enumerate(lines) if line.startswith("000000007 ")]
    assert len(facts) == 3
    assert lines[facts[0]].split() == [
        "000000007",
        "web",
        "manual-invoice-or-ship",
        "(+1)",
        "0d",
        "5.00",
        "USD",
        "yes",
    ]
    below = lines[facts[0] + 1 : facts[1]]
    assert all(line.startswith("    ") for line in below)
    assert " ".join(" ".join(below).split()) == step  # every word whole, in order
    assert max(len(line) for line in lines) <= columns
    assert not any(line.endswith(" ") for line in lines)


def test_a_wide_terminal_keeps_the_next_step_as_a_column_and_the_scenario_whole() -> None:
    text = _queue(140)
    assert "┃ next step" in text
    assert "manual-invoice-or-ship" in text  # a narrow scenario column wraps at its space, not in the code
    assert max(len(line) for line in text.splitlines()) <= 140


def test_at_120_columns_the_next_step_gets_lines_of_its_own() -> None:
    """Boxed at 120, the next step would be a column of ~35 characters, each row 2 to 7 lines."""
    text = _queue(120)
    assert "┃" not in text  # records, not a boxed table
    steps = [line for line in text.splitlines() if line.startswith("    Compare the Counterpoint")]
    assert len(steps) == 3 and all(line.endswith("c5attn show 000000007") for line in steps)  # one line each
    assert max(len(line) for line in text.splitlines()) <= 120


def test_a_narrow_terminal_never_splits_a_release_ticket_its_document_id_or_a_sku() -> None:
    out = io.StringIO()
    view = _view(releases=(ReleaseTicket(doc_id=10000004506, tkt_no="000000007-01", posted=True, time=NOW),))
    print_order_view(narrow_terminal(out, 60).stdout, view, NOW, plain=False)
    lines = out.getvalue().splitlines()
    assert any(line.startswith("000000007-01    10000004506  posted") for line in lines)  # a record, whole
    assert any(line.startswith("[B]SKU  1") for line in lines)
    assert "    price: 5.00" in lines  # a column past the edge: a line of its own, the amount whole
    assert max(map(len, lines)) <= 60


@pytest.mark.parametrize("columns", [40, 60, 80, 100, 140])
def test_show_never_splits_a_number_or_a_date_nor_folds_a_heading(columns: int) -> None:
    """At 40 columns the per-SKU headings read a letter a line and a price split "5" / "2";
    tables now hold such columns whole, or become records."""
    out = io.StringIO()
    view = _view(releases=(ReleaseTicket(doc_id=10000004506, tkt_no="000000007-01", posted=True, time=NOW),))
    print_order_view(narrow_terminal(out, columns).stdout, view, NOW, plain=False)
    text = out.getvalue()
    assert max(map(len, text.splitlines())) <= columns
    assert "2026-11-26 12:00" in text and "10000004506" in text
    for heading in ("ordered", "invoiced", "released", "price", "time"):
        assert re.search(rf"(^|[ │]){heading}([ │:]|$)", text, re.MULTILINE), heading


@pytest.mark.parametrize("columns", [30, 24, 16])
def test_a_terminal_too_narrow_for_a_table_gets_records_with_every_identifier_whole(columns: int) -> None:
    """Rich would crop ("1000000…") once the identifiers alone do not fit; records never do."""
    out = io.StringIO()
    view = _view(releases=(ReleaseTicket(doc_id=10000004506, tkt_no="000000007-01", posted=True, time=NOW),))
    print_order_view(narrow_terminal(out, columns).stdout, view, NOW, plain=False)
    print_verdict_table(
        narrow_terminal(out, columns).stdout, [view.verdict.to_json("web", now=NOW)], plain=False, title="q"
    )
    text = out.getvalue()
    assert "…" not in text
    assert "000000007-01" in text and "10000004506" in text and text.count("000000007") >= 3


ESCAPES = "\x1b]0;pwned\x07\x1b[2J\x1b[31mRED\r\u202eevil"  # the last: text shown backwards


def test_control_characters_in_order_data_never_reach_the_terminal() -> None:
    """A comment or SKU could set the window title, clear the screen or overwrite a line."""
    view = _view()
    view.comments.append(StatusHistoryEntry(comment=f"note {ESCAPES}", created_at=NOW))
    row = view.verdict.to_json("web", now=NOW)
    row["steps"] = [f"The latest comment says: {ESCAPES}"]  # an unclassified order's step quotes Magento
    for plain, columns in ((False, 200), (False, 80), (True, 200)):  # a table, lines, plain lines
        out = io.StringIO()
        print_order_view(narrow_terminal(out, columns).stdout, view, NOW, plain=plain)
        print_verdict_table(narrow_terminal(out, columns).stdout, [row], plain=plain, title="q")
        text = out.getvalue()
        assert "\x1b" not in text and "\x07" not in text and "\r" not in text and "\u202e" not in text
        assert "\\x1b]0;pwned\\x07\\x1b[2J" in text
    csv_out = io.StringIO()
    print_csv(csv_out, [row])  # --csv: plain lines too, often read on a terminal
    assert "\x1b" not in csv_out.getvalue() and "\\x1b]0;pwned\\x07" in csv_out.getvalue()
    said = io.StringIO()
    env = narrow_terminal(io.StringIO())
    env.stderr_file = said
    env.say(f"#7 capture: {ESCAPES}")
    assert "\x1b" not in said.getvalue() and "\\x1b[31mRED\\x0dU+202Eevil" in said.getvalue()


def test_a_huge_comment_is_cut_in_the_table_and_says_where_it_is_whole() -> None:
    view = _view()
    view.comments.append(StatusHistoryEntry(comment="log line " * 1_000, created_at=NOW))
    out = io.StringIO()
    print_order_view(narrow_terminal(out, 200).stdout, view, NOW, plain=True)
    assert "(9,000 characters; show --json has it all)" in out.getvalue()
    assert out.getvalue().count("log line") < 300


@pytest.mark.parametrize(
    ("resolved", "flagged", "shown"),
    [
        (False, True, "Do the first step"),
        (True, False, "resolved: no action"),
        # Commerce5 re-flagged it: the command as every other step gives it, to copy as it is
        (True, True, "flagged again: c5attn --sandbox resolve 000000007 to clear it"),
    ],
)
def test_the_queues_next_step(resolved: bool, flagged: bool, shown: str) -> None:
    row = {"order": "000000007", "resolved": resolved, "flagged": flagged, "steps": ["Do the first step"]}
    out = io.StringIO()
    print_verdict_table(
        narrow_terminal(out, 200).stdout,
        [{**_view().verdict.to_json("web", now=NOW), **row}],
        plain=True,
        title="q",
        commands={"web": "c5attn --sandbox"},
    )
    assert shown in out.getvalue()


LOG_HEADERS = ["when (UTC)", "order", "action", "before → after", "result", "message"]
LOG_ROW = [
    "2026-11-27T04:51:45+00:00",
    "000000007",
    "flag",
    "status=processing → status=needs_attention " * 2,
    "ok",
    "m",
]


@pytest.mark.parametrize(("columns", "plain"), [(300, False), (80, True)])
def test_a_wide_table_is_one_line_a_row_where_it_fits_or_when_piped(columns: int, plain: bool) -> None:
    from c5attn.cli.render import print_wide_table

    out = io.StringIO()
    print_wide_table(
        narrow_terminal(out, columns).stdout, LOG_HEADERS, [LOG_ROW], plain=plain, details=["message"]
    )
    lines = out.getvalue().splitlines()
    assert lines[0].split()[:3] == ["when", "(UTC)", "order"] and len(lines) == 3  # headings, rule, the row
    assert lines[2].startswith("2026-11-27T04:51:45+00:00  000000007") and lines[2].endswith("ok        m")


def test_a_wide_table_on_a_colour_terminal_styles_the_rows_asked_for() -> None:
    """log's "unknown" (a write that may have landed) stands out; the text itself is unchanged."""
    from rich.console import Console

    from c5attn.cli.render import print_wide_table

    out = io.StringIO()
    console = Console(file=out, width=300, force_terminal=True, color_system="standard")
    rows = [LOG_ROW, [*LOG_ROW[:-2], "unknown", "m"]]
    print_wide_table(
        console, LOG_HEADERS, rows, plain=False, details=["message"], row_styles=["", "bold red"]
    )
    lines = out.getvalue().splitlines()
    assert "\x1b[" not in lines[2] and lines[3].startswith("\x1b[1;31m")  # only the unknown row is red
    assert re.sub(r"\x1b\[[0-9;]*m", "", lines[3]).endswith("unknown   m")


def test_a_wide_table_on_a_narrow_terminal_is_records_with_the_long_values_below() -> None:
    """`log` at 80 columns: its 250-character lines broke anywhere the terminal's edge fell."""
    from c5attn.cli.render import print_wide_table

    out = io.StringIO()
    details = ["before → after", "message"]
    print_wide_table(narrow_terminal(out, 80).stdout, LOG_HEADERS, [LOG_ROW], plain=False, details=details)
    lines = out.getvalue().splitlines()
    assert lines[0].split() == ["when", "(UTC)", "order", "action", "result"]
    assert lines[1].split() == ["2026-11-27T04:51:45+00:00", "000000007", "flag", "ok"]
    assert all(line.startswith("    ") for line in lines[2:]) and max(map(len, lines)) <= 80
    assert " ".join(" ".join(lines[2:-1]).split()) == " ".join(LOG_ROW[3].split())  # wrapped between words
    assert lines[-1].strip() == "m"


def test_doctors_report_wraps_under_its_text_and_escapes_what_a_server_sent() -> None:
    from c5attn.cli.render import print_checks

    checks = [
        (True, "web: Magento reachable: answers " + "Magento/2.4 " * 8),
        (None, f"web: version {ESCAPES}"),
    ]
    terminal, piped = io.StringIO(), io.StringIO()
    print_checks(narrow_terminal(terminal, 60).stdout, checks, plain=False)
    pipe = CliEnv(piped, io.StringIO(), False, False, False, {"COLUMNS": "60"}, Path.cwd())
    print_checks(pipe.stdout, checks, plain=True)
    lines = terminal.getvalue().splitlines()
    assert lines[0].startswith("  ok  web: Magento reachable") and lines[1].startswith("      Magento/2.4")
    assert max(map(len, lines)) <= 60
    assert piped.getvalue().splitlines()[0] == "  ok  " + checks[0][1]  # piped: one line a check
    for text in (terminal.getvalue(), piped.getvalue()):
        assert "\x1b" not in text and "\\x1b]0;pwned\\x07" in text


def test_records_align_values_holding_wide_characters() -> None:
    """A name in CJK or with an emoji takes two terminal cells a character: the columns after it
    still line up."""
    from c5attn.cli.render import print_records

    out = io.StringIO()
    rows = [["日本語のサイト", "000000007", "long text"], ["web", "000000008", "long text"]]
    print_records(narrow_terminal(out, 80).stdout, ["site", "order", "message"], rows, details=["message"])
    from rich.cells import cell_len

    lines = out.getvalue().splitlines()
    starts = {cell_len(line[: line.index("00000000")]) for line in lines if "00000000" in line}
    assert len(starts) == 1 and cell_len(lines[0][: lines[0].index("order")]) in starts


def test_records_print_no_line_for_an_empty_detail() -> None:
    from c5attn.cli.render import print_records

    out = io.StringIO()
    rows = [["1", "000000007", ""], ["2", "000000008", "a message"]]
    print_records(narrow_terminal(out, 80).stdout, ["n", "order", "message"], rows, details=["message"])
    assert out.getvalue().splitlines() == ["n  order", "1  000000007", "2  000000008", "    a message"]


def test_records_move_facts_past_the_terminals_edge_to_their_own_lines() -> None:
    """At 60 columns the queue's "flagged" would wrap alone onto a line of its own: it becomes a
    "flagged: yes" line under the order instead, and the facts before it stay aligned."""
    text = _queue(60, rows=1)
    lines = text.splitlines()
    assert lines[1].split() == ["order", "site", "scenario", "age", "at", "risk"]
    assert lines[2].split() == ["000000007", "web", "manual-invoice-or-ship", "(+1)", "0d", "5.00", "USD"]
    assert lines[3] == "    flagged: yes"
    assert max(map(len, lines)) <= 60


@pytest.mark.parametrize(("columns", "boxed"), [(80, False), (100, True)])
def test_the_per_sku_table_keeps_its_headings_whole(columns: int, boxed: bool) -> None:
    """Eight columns of full-word headings and their borders do not fit 80 columns: Rich folded
    "invoiced" into "invoice" and "d". There the table drops its box for a rule under the headings."""
    out = io.StringIO()
    print_order_view(narrow_terminal(out, columns).stdout, _view(), NOW, plain=False)
    text = out.getvalue()
    section = text[text.index("Per SKU") : text.index("Magento comments")]
    words = section.split()
    for heading in ("ordered", "invoiced", "shipped", "canceled", "released", "(aged)", "price"):
        assert heading in words, heading  # a word of its own, not folded
    assert ("┃" in section) is boxed
    assert "[B]SKU" in words and max(map(len, section.splitlines())) <= columns


@pytest.mark.parametrize(("columns", "boxed"), [(80, False), (100, True)])
def test_shows_tables_share_one_style(columns: int, boxed: bool) -> None:
    """At 80 columns the per-SKU table drops its box, and then so do the deposits, the errors and
    the comments, which would fit boxed: one screen, one style (they were boxed beside it)."""
    deposit = Deposit(doc_id=1, pmt_seq_no=1, pay_cod="CASH", amount=Decimal(5), kind="manual")
    view = _view(deposits=(deposit,))
    error = OrderError(err_id=3, err_typ="attention", err_msg="Needs Attention", email_cnt=1)
    view = dataclasses.replace(view, open_errors=[error])
    out = io.StringIO()
    print_order_view(narrow_terminal(out, columns).stdout, view, NOW, plain=False)
    text = out.getvalue()
    tables = text[text.index("Per SKU") : text.index("Why:")]
    for title in ("Deposits", "Open Commerce5 order errors", "Magento comments"):
        assert title in tables
    assert tables.count("┏") == (4 if boxed else 0)  # a box's top left corner, one a table
    rules = [line for line in tables.splitlines() if line.strip() and not line.strip().strip("─")]
    assert len(rules) == (0 if boxed else 4)  # else a rule under each table's headings


def test_shows_reasons_and_steps_wrap_under_their_own_text_on_a_terminal() -> None:
    """A reason printed after its coloured code ran 26 characters past an 80-column terminal (Rich
    wrapped it as if it began the line), and the steps wrapped back under their numbers."""
    out = io.StringIO()
    view = _view()
    print_order_view(narrow_terminal(out, 80).stdout, view, NOW, plain=False)
    lines = out.getvalue().splitlines()
    why = lines[lines.index("Why: manual-invoice-or-ship") :]
    assert max(map(len, why)) <= 80
    assert why[1].startswith("  - manual-invoice-or-ship: Magento") and why[2].startswith("    ")
    first = why.index("Follow-up:") + 1
    assert why[first].startswith("  1. Compare") and why[first + 1].startswith("     ")  # under "Compare"
    step = " ".join(line.strip() for line in why[first : first + 2])
    assert step == "1. " + view.verdict.steps[0].replace(": c5attn show 000000007", " (above)")


def test_shows_reasons_and_steps_are_one_line_each_when_piped() -> None:
    out = io.StringIO()
    view = _view()
    pipe = CliEnv(out, io.StringIO(), False, False, False, {"COLUMNS": "80"}, Path.cwd())
    print_order_view(pipe.stdout, view, NOW, plain=True)
    lines = out.getvalue().splitlines()
    assert "  1. " + view.verdict.steps[0].replace(": c5attn show 000000007", " (above)") in lines
    assert any(
        line.startswith("  - manual-invoice-or-ship: Magento") and line.endswith("USD)") for line in lines
    )


def test_a_wide_table_is_measured_in_terminal_cells() -> None:
    """Eighteen CJK characters are 18 characters but 36 cells: the table's 47-cell line does not fit 40."""
    from c5attn.cli.render import print_wide_table

    out = io.StringIO()
    message = "日本語" * 6
    print_wide_table(
        narrow_terminal(out, 40).stdout,
        ["order", "message"],
        [["000000007", message]],
        plain=False,
        details=["message"],
    )
    assert out.getvalue().splitlines() == ["order", "000000007", f"    {message}"]


def test_show_does_not_offer_a_resolve_that_would_refuse(tmp_path: Path) -> None:
    """A state to which only Needs Attention is assigned: resolve has no status to set there. The
    site's session says so in the verdict, so the record's steps (show --json) agree with the table."""
    view = _view()
    statuses = {**view.site.state_statuses, "processing": ["needs_attention"]}
    site = dataclasses.replace(view.site, state_statuses=statuses)
    session = SiteSession(site, None, None, "op", AuditLog(tmp_path), NOW)  # type: ignore[arg-type]
    view = dataclasses.replace(view, site=site, verdict=session.assess(view.verdict.order, view.verdict.cp))
    out = io.StringIO()
    print_order_view(narrow_terminal(out, 200).stdout, view, NOW, plain=False)
    text = out.getvalue()
    why = "state_statuses lists no status for state 'processing' that resolve could set"
    assert why in text
    assert "resolve 000000007" not in text
    steps = view.verdict.to_json("web", open_errors=False)["steps"]
    assert any(why in step for step in steps)
    assert not any("resolve 000000007" in step for step in steps)


def test_the_queue_next_step_names_the_command_that_reaches_the_orders_site() -> None:
    row = _view().verdict.to_json("web", now=NOW)
    out = io.StringIO()
    print_verdict_table(
        narrow_terminal(out, 300).stdout, [row], plain=True, title="q", commands={"web": "c5attn --sandbox"}
    )
    assert "c5attn --sandbox show 000000007" in out.getvalue()


def test_a_record_keeps_a_value_whole_rather_than_break_it_after_its_heading() -> None:
    """At 30 columns "time (UTC): 2026-11-13 13:35" broke after the date."""
    out = io.StringIO()
    view = _view(releases=(ReleaseTicket(doc_id=10000004506, tkt_no="000000007-01", posted=True, time=NOW),))
    print_order_view(narrow_terminal(out, 30).stdout, view, NOW, plain=False)
    lines = out.getvalue().splitlines()
    assert "    2026-11-26 12:00" in lines and "    time (UTC):" in lines


def test_plain_tables_print_values_as_given_and_money_right_aligned() -> None:
    """Piped output is tabulate's: left to parse numbers, it prints a SKU "12E4" as 120000, a
    quantity "1.50" as 1.5 and "nan" as nan; the money column lines up on its right edge."""
    from c5attn.cli.render import print_table

    out = io.StringIO()
    rows = [["12E4", "1.50", "788.00 USD"], ["nan", "0012", "98.00 USD"]]
    print_table(out, ["sku", "ordered", "at risk"], rows, console=None)
    lines = out.getvalue().splitlines()
    assert lines[1].split() == ["12E4", "1.50", "788.00", "USD"]
    assert lines[2].split() == ["nan", "0012", "98.00", "USD"]
    assert len({len(line) for line in lines}) == 1  # every line ends where "at risk" does


def _released(minutes_ago: int, errors: tuple[OrderError, ...] = ()) -> OrderView:
    """A processing order whose only item Counterpoint released ``minutes_ago``; nothing invoiced."""
    unbilled = MagentoItem(item_id=1, sku="SKU-1", qty_ordered=Decimal(1), price=Decimal(5))
    order = _processing(8, "processing", unbilled)
    ticket = ReleaseTicket(
        doc_id=2,
        tkt_no="000000008-1",
        posted=False,
        time=NOW - timedelta(minutes=minutes_ago),
        lines=(TicketLine("SKU-1", "S", Decimal(1)),),
    )
    cp = CounterpointOrder(
        order_no="000000008", doc_id=1, tkt_no="T8", posted=False, releases=(ticket,), open_errors=errors
    )
    return _order_view(order, cp)


def _shown(view: OrderView) -> str:
    buffer = io.StringIO()
    print_order_view(Console(file=buffer, width=300, color_system=None), view, NOW, plain=True)
    return buffer.getvalue()


@pytest.mark.parametrize(("minutes_ago", "waiting"), [(10, True), (120, False)])
def test_show_says_when_a_release_is_too_recent_for_its_invoice(minutes_ago: int, waiting: bool) -> None:
    """Within the grace period nothing fires: show says what waits and until when, instead of only
    "nothing needs attention"."""
    view = _released(minutes_ago)
    note = (
        "Released within the last 60 min and not invoiced yet: SKU-1; capture-failed is reported "
        "from 2026-11-26 12:50 UTC unless Magento invoices it by then."
    )
    assert (note in _shown(view)) is waiting
    assert ("capture-failed" in view.verdict.classification.scenarios) is not waiting


def test_a_finding_with_nothing_at_risk_shows_no_amount_and_one_full_stop() -> None:
    """Capture-failed fired by an order error alone puts nothing at risk: no "(at risk 0.00 USD)";
    and the error's own full stop does not double the reason's."""
    declined = OrderError(err_id=98, err_typ="INVOICE", err_msg="This transaction has been declined.")
    text = _shown(_released(10, errors=(declined,)))
    assert "open Commerce5 order error 98 (INVOICE: This transaction has been declined)." in text
    assert "at risk" not in text


@pytest.mark.parametrize(
    ("histories", "why", "admin_step"),
    [
        ((), "flagged by Commerce5 (or by hand), and no rule matches the data (unclassified)", False),
        (
            (StatusHistoryEntry(comment=MARKER, status="needs_attention", created_at=NOW),),
            "flagged by c5attn, but no rule matches the data any more (a stale flag)",
            False,
        ),
        (  # c5attn's resolve comment landed, Magento kept the status (2.4.7)
            (
                StatusHistoryEntry(
                    comment=MARKER, status="needs_attention", created_at=NOW - timedelta(days=1)
                ),
                StatusHistoryEntry(comment="[c5attn:resolved]", status="processing", created_at=NOW),
            ),
            "flagged by c5attn, but no rule matches the data any more (a stale flag)",
            True,
        ),
    ],
    ids=["unclassified", "stale", "resolve-kept-flagged"],
)
def test_show_says_who_flagged_an_order_no_rule_explains(
    histories: tuple[StatusHistoryEntry, ...], why: str, admin_step: bool
) -> None:
    order = _processing(8, "needs_attention", histories=histories)
    cp = CounterpointOrder(order_no="000000008", doc_id=1, tkt_no="000000008", posted=False)
    buffer = io.StringIO()
    print_order_view(
        Console(file=buffer, width=200, color_system=None), _order_view(order, cp), NOW, plain=True
    )
    text = buffer.getvalue()
    assert f"Why: {why}." in text
    assert ("Magento kept it at Needs Attention" in text) is admin_step
    assert ("resolve 000000008" in text.split("Next commands:")[-1]) is not admin_step


def test_a_wide_table_too_wide_for_the_terminal_keeps_its_row_colours_as_records() -> None:
    from rich.console import Console

    from c5attn.cli.render import print_wide_table

    out = io.StringIO()
    console = Console(file=out, width=80, force_terminal=True, color_system="standard")
    rows = [LOG_ROW, [*LOG_ROW[:-2], "unknown", "m"]]
    styles = ["", "bold red"]
    print_wide_table(console, LOG_HEADERS, rows, plain=False, details=["message"], row_styles=styles)
    red = [line for line in out.getvalue().splitlines() if "\x1b[1;31m" in line]
    assert len(red) == 1 and "unknown" in red[0]


def test_wrapped_lines_on_a_terminal_never_split_a_command_they_give() -> None:
    """A queue's next step, ``show``'s follow-up and the lines on stderr (the scan's "to flag them:
    c5attn … scan --apply …") wrap on a terminal, and a command broken over two lines, pasted,
    runs its first half alone (``c5attn --sandbox`` alone prints the help): it moves whole to the
    next line, as an error's hint does. Continuation lines are indented under their own line."""
    command = "c5attn --sandbox scan --apply --since 2d"
    line = f"66 findings are not flagged Needs Attention yet; to flag them: {command}"
    stderr = io.StringIO()
    env = CliEnv(io.StringIO(), stderr, False, False, True, {"COLUMNS": "80", "NO_COLOR": "1"}, Path.cwd())
    env.say(line)
    env.say(f"    #99 attention: {'a long Commerce5 message ' * 4}")
    lines = stderr.getvalue().splitlines()
    assert lines[:2] == [line[: -len(command) - 1].rstrip(), f"  {command}"]
    assert all(len(text) <= 80 for text in lines) and len(lines) == 4
    assert lines[2].startswith("    #99 ") and re.match(r"      \S", lines[3])

    out = io.StringIO()
    step = "Dismiss the order error, so Commerce5's e-mails stop, at last: c5attn --sandbox dismiss-error 7"
    from rich.text import Text

    from c5attn.cli.render import _print_item

    _print_item(narrow_terminal(out, 80).stdout, "  6. ", Text(step))
    assert out.getvalue().splitlines()[-1] == "     c5attn --sandbox dismiss-error 7"


def test_the_queue_as_records_keeps_the_command_of_a_next_step_whole() -> None:
    """At 60 columns the queue's next step ("…: c5attn --sandbox show 000010436") wrapped inside its
    command, leaving "c5attn --sandbox show" on one line and the order number on the next."""
    out = io.StringIO()
    row = _view().verdict.to_json("web", now=NOW)
    print_verdict_table(
        narrow_terminal(out, 60).stdout, [row], plain=False, title="", commands={"web": "c5attn --sandbox"}
    )
    command = "c5attn --sandbox show 000000007"
    assert any(line.strip() == command for line in out.getvalue().splitlines()), out.getvalue()


def test_the_scan_summary_counts_in_words() -> None:
    """"1 stale flag", not "1 stale flags"; "19,329 orders", as every other count c5attn prints."""
    from collections import Counter

    from c5attn.cli.render import scan_summary
    from c5attn.workflow import ScanResult

    result = ScanResult(
        site="web", findings=Counter({"capture-failed": 1234, "deposit-but-canceled": 1}), scanned=19329,
        resolved=1, stale=1, not_imported=1,
    )
    assert scan_summary([result], "of any age") == [
        "site web: 19,329 orders scanned (of any age), 1,235 findings (capture-failed 1,234, "
        "deposit-but-canceled 1), 1 resolved, 1 stale flag, 1 not imported into Counterpoint (no "
        "scenario applies to them)"
    ]
    single = ScanResult(site="web", findings=Counter({"capture-failed": 1}), scanned=1)
    one = "site web: 1 order scanned (of any age), 1 finding ("
    assert scan_summary([single], "of any age")[0].startswith(one)


def test_piped_tables_align_columns_after_wide_characters() -> None:
    """Piped tables (``log``'s operator, ``show``'s SKUs and messages) are laid out by tabulate, which
    counts a CJK character or an emoji as one column unless wcwidth is installed: the columns after
    "店長 Zoë 😀" were shifted by three. The package asks for it (tabulate's ``widechars`` extra)."""
    import tomllib

    from rich.cells import cell_len

    from c5attn.cli.render import print_table

    pyproject = tomllib.loads((Path(__file__).resolve().parents[2] / "pyproject.toml").read_text())
    assert any(
        dependency.replace(" ", "").startswith("tabulate[widechars]")
        for dependency in pyproject["project"]["dependencies"]
    )
    out = io.StringIO()
    rows = [["店長 Zoë 😀", "000010709"], ["root", "000010710"]]
    print_table(out, ["operator", "order"], rows, console=None)
    lines = out.getvalue().splitlines()
    assert len({cell_len(line[: line.index("0000107")]) for line in lines[1:]}) == 1, lines


def test_show_never_splits_a_next_command_on_a_narrow_terminal() -> None:
    """"Next commands" are there to be copied: at 44 columns "c5attn --sandbox resolve 000010709
    --dismiss-error" broke before "--dismiss-error", and pasting the first line resolved without
    dismissing; with --config and --site a command passes 80 columns. Each stays on one line."""
    error = OrderError(err_id=98, err_typ="invoice", err_msg="Capture failed: declined.", err_dt=NOW)
    view = dataclasses.replace(_view(), command="c5attn --config /srv/shop/c5attn.toml --site web")
    view.open_errors.append(error)
    out = io.StringIO()
    print_order_view(narrow_terminal(out, 60).stdout, view, NOW, plain=False)
    lines = [line.strip() for line in out.getvalue().splitlines()]
    prefix = "c5attn --config /srv/shop/c5attn.toml --site web"
    assert f"{prefix} resolve 000000007 --dismiss-error" in lines, out.getvalue()
    assert f"{prefix} dismiss-error 000000007" in lines


def test_wrapped_text_with_line_breaks_indents_each_lines_continuation_under_that_line() -> None:
    """A message or comment holding line breaks: each line keeps its own indent, and its
    continuation sits two columns in from it, never left of the line it continues."""
    stderr = io.StringIO()
    env = CliEnv(io.StringIO(), stderr, False, False, True, {"COLUMNS": "30", "NO_COLOR": "1"}, Path.cwd())
    env.say("first line\n    then a second line long enough to wrap twice here")
    assert stderr.getvalue().splitlines() == [
        "first line",
        "    then a second line long",
        "      enough to wrap twice",
        "      here",
    ]


@pytest.mark.parametrize("plain", [False, True], ids=["rich", "plain"])
def test_show_gives_prices_and_deposits_to_the_cent(plain: bool) -> None:
    """As every amount c5attn shows: a Counterpoint amount read as 25.5 or -10.0000 and a Magento
    price of 12.345 read 25.50, -10.00 and 12.35 (half a cent away from zero, as Magento rounds)."""
    item = MagentoItem(item_id=1, sku="SKU-1", qty_ordered=Decimal(1), price=Decimal("12.345"))
    order = _processing(7, "needs_attention", item)
    deposits = (
        Deposit(doc_id=1, pmt_seq_no=1, pay_cod="CASH", amount=Decimal("25.5"), kind="manual"),
        Deposit(doc_id=1, pmt_seq_no=2, pay_cod="CASH", amount=Decimal("-10.0000"), kind="manual"),
    )
    cp = CounterpointOrder(
        order_no="000000007", doc_id=1, tkt_no="000000007", posted=False, deposits=deposits
    )
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=not plain, color_system=None, width=200)
    print_order_view(console, _order_view(order, cp), NOW, plain=plain)
    text = buffer.getvalue()
    assert re.search(r"\b12\.35\b", text) and "12.345" not in text
    assert re.search(r"\b25\.50\b", text) and re.search(r"-10\.00\b", text) and "10.0000" not in text
