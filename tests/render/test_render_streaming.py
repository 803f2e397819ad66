"""The queue's table is printed as its rows are read, never all of them held: measured in a first
reading, printed in a second (Rich's table a few hundred rows at a time), and the same text to the
byte as the table laid out whole, by Rich on a terminal and by tabulate when piped."""

from __future__ import annotations

import io
import json
import tracemalloc
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from c5attn.cli import render
from c5attn.cli.context import CliEnv
from c5attn.cli.orders_cmd import _print_reported
from c5attn.cli.render import Row, _cell, _layout, _plain_lines, _Sizes, _tabulated, print_table
from c5attn.workflow import RecordSpool, Reported


class _Sink(io.StringIO):
    """A stdout that keeps nothing of what it is given: only the table's own memory is measured."""

    def write(self, text: str) -> int:
        return len(text)


def _record(number: int) -> dict[str, Any]:
    """A reported order's record, as heavy as a real one (~20 KB once read back: its evidence)."""
    return {
        "order": f"{number:09d}",
        "site": "web",
        "scenario": "manual-invoice-or-ship",
        "scenarios": ["manual-invoice-or-ship"],
        "age_days": number % 30,
        "money_at_risk": number % 1000,
        "currency": "USD",
        "flagged": bool(number % 2),
        "steps": [f"Compare the release tickets with the invoices: c5attn show {number:09d}"],
        "evidence": {"skus": [{"sku": f"SKU-{i}", "ordered": "1", "released": "1"} for i in range(60)]},
    }


def _peak_kib(orders: int, columns: int | None) -> float:
    """The peak of memory allocated while ``_print_reported`` prints a queue of ``orders`` spooled
    records as a table: piped (``columns`` None) or on a terminal that wide."""
    spool = RecordSpool()
    reported = [Reported(f"{n:09d}", 0.0, spool, *spool.add(json.dumps(_record(n)))) for n in range(orders)]
    terminal = columns is not None
    env = CliEnv(_Sink(), io.StringIO(), False, terminal, False, {"COLUMNS": str(columns or 80)}, Path.cwd())
    sessions: Any = [SimpleNamespace(site=SimpleNamespace(name="web"))]
    tracemalloc.start()
    try:
        _print_reported(env, iter(reported), "table", "Needs Attention", None, sessions)
        return tracemalloc.get_traced_memory()[1] / 1024
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("columns", [None, 200, 100], ids=["piped", "table", "records"])
def test_the_queue_table_does_not_hold_its_records(columns: int | None) -> None:
    """Five times the orders, about the same memory: before, the table read every record into
    memory (~20 KB each here, 250-290 MB for a scan's 15,000) to lay out its columns."""
    _peak_kib(300, columns)  # Rich's and tabulate's caches filled, modules imported
    small, large = _peak_kib(200, columns), _peak_kib(1000, columns)
    assert large - small < 800 * 2, (small, large)  # under 2 KB an order more (~20 KB before)


def test_a_table_refuses_rows_it_could_read_only_once() -> None:
    with pytest.raises(TypeError, match="more than once"):
        print_table(io.StringIO(), ["a"], iter([["1"]]), console=None)


# Text a table has to lay out right: wide characters, a combining accent, zero-width and unusual
# spaces (tabulate strips them, Rich splits words at them), [markup], emoji codes, a line break.
_PIECES = ["a", "B", "7", " ", "  ", "決済", "\U0001f600", "e\u0301", "\u200b", "\u00a0", "\u3000", "-", "\n"]
_TEXT = st.lists(st.sampled_from([*_PIECES, "[b]", "[/]", "\\", ":smile:"]), max_size=12).map("".join)
_HEADERS = st.lists(st.sampled_from(["order", "at risk", "next step", "comment", "sku", "when (UTC)", "#"]),
                    min_size=1, max_size=5, unique=True)


@st.composite
def _tables(draw: st.DrawFn) -> tuple[list[str], list[Row]]:
    headers = draw(_HEADERS)
    rows = draw(st.lists(st.lists(_TEXT, min_size=len(headers), max_size=len(headers)), max_size=9))
    colours = draw(st.lists(st.sampled_from(["", "red", "grey62"]), min_size=len(rows), max_size=len(rows)))
    return headers, [Row(row, colour) for row, colour in zip(rows, colours, strict=True)]


@settings(max_examples=300, deadline=None)
@given(_tables(), st.sampled_from(["plain", "simple"]))
def test_plain_lines_are_the_lines_tabulate_gives(table: tuple[list[str], list[Row]], tablefmt: str) -> None:
    headers, rows = table
    cells = [[_cell(value) for value in row.values] for row in rows]
    assert "\n".join(_plain_lines(headers, rows, tablefmt)) == _tabulated(headers, cells, tablefmt)


def _whole(
    console: Console, headers: list[str], rows: list[Row], *, title: str, ruled_rows: bool, light: bool,
    coloured_column: str | None,
) -> None:
    """The table as c5attn printed it before, Rich laying out every row at once."""
    layout = _layout(console, headers, _Sizes.of(headers, rows), ruled_rows=ruled_rows, light=light)
    assert layout is not None
    chrome, widths = layout
    table = Table(title=title or None, title_justify="left", show_lines=ruled_rows, **chrome)
    for index, header in enumerate(headers):
        table.add_column(
            header,
            justify="right" if header in render.RIGHT_ALIGNED_COLUMNS else "left",
            width=widths[index] if widths else None,
            overflow="fold",
        )
    coloured = headers.index(coloured_column) if coloured_column else None
    for row in rows:
        safe = [escape(_cell(value)) for value in row.values]
        if row.colour and coloured is not None:
            safe[coloured] = f"[{row.colour}]{safe[coloured]}[/]"
        table.add_row(*safe, style=(row.colour or None) if coloured is None else None)
    console.print(table)


@settings(max_examples=300, deadline=None)
@given(_tables(), st.integers(min_value=12, max_value=160), st.booleans(), st.booleans(), st.data())
def test_a_rich_table_printed_in_parts_is_the_table_printed_whole(
    table: tuple[list[str], list[Row]], width: int, light: bool, emoji: bool, data: st.DataObject
) -> None:
    """Of any rows, at any width, boxed or ruled only under its headings (``light``), coloured,
    with emoji codes replaced or not, with or without soft wrapping; ruled between its rows too
    (a table then printed whole)."""
    headers, rows = table
    ruled = data.draw(st.booleans())
    assume(_layout(Console(width=width), headers, _Sizes.of(headers, rows), ruled_rows=ruled, light=light))
    coloured_column = data.draw(st.sampled_from([None, *headers]))
    title = data.draw(st.sampled_from(["", "Needs Attention", "A title long enough to wrap on a terminal"]))
    soft_wrap = data.draw(st.booleans())

    def console(out: io.StringIO) -> Console:
        return Console(
            file=out, width=width, force_terminal=True, color_system="truecolor", emoji=emoji,
            soft_wrap=soft_wrap,
        )

    whole, parts = io.StringIO(), io.StringIO()
    shape: dict[str, Any] = {
        "title": title, "ruled_rows": ruled, "light": light, "coloured_column": coloured_column
    }
    _whole(console(whole), headers, rows, **shape)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(render, "RICH_ROWS_AT_ONCE", 2)
        print_table(parts, headers, rows, console=console(parts), **shape)
    assert parts.getvalue() == whole.getvalue()
