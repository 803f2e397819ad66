"""Rendering of verdicts and order views: Rich on a terminal, plain tabulate text when piped,
and the stable JSON/CSV contracts (docs/output.md) for scripts."""

from __future__ import annotations

import csv
import io
import json
import re
import textwrap
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from itertools import islice
from typing import IO, TYPE_CHECKING, Any, Generic, NamedTuple, TextIO, TypeVar

from c5attn.controls import UNSHOWABLE, printable
from c5attn.scenarios import SCENARIOS
from c5attn.wording import counted, money

if TYPE_CHECKING:
    from rich.console import Console, ConsoleOptions, RenderResult
    from rich.measure import Measurement
    from rich.table import Table
    from rich.text import Text

    from c5attn.workflow import OrderView, ScanResult

T = TypeVar("T")
COLOURS = {scenario.code: scenario.colour for scenario in SCENARIOS}
RIGHT_ALIGNED_COLUMNS = frozenset({"at risk"})
CSV_COLUMNS = (
    "order",
    "site",
    "magento_id",
    "magento_state",
    "magento_status",
    "flagged",
    "stale",
    "resolved",
    "scenario",
    "scenarios",
    "money_at_risk",
    "currency",
    "age_days",
    "fingerprint",
    "next_step",
    "unclassified",  # added last: scripts that read columns by position keep working
)


def print_json(out: TextIO, data: object, *, readable: bool = False) -> None:
    """Indented JSON; ``readable`` (a terminal): non-ASCII text as it is (``_readable_json``)."""
    out.write((_readable_json(data) if readable else json.dumps(data, indent=2)) + "\n")


def _readable_json(data: object) -> str:
    """``json.dumps(data, indent=2)`` for a person at a terminal: "Zoë", "決済" as they are, not
    "Zo\\u00eb"; the characters that would act on the terminal (controls.py) still escaped, as
    every other view of order data has them. The same JSON value: piped output stays ASCII."""
    text = json.dumps(data, indent=2, ensure_ascii=False)
    return UNSHOWABLE.sub(lambda match: f"\\u{ord(match.group()):04x}", text)


def print_json_array(out: TextIO, rows: Iterable[dict[str, Any]], *, pretty: bool = True) -> None:
    """A JSON array written row by row, so a large scan's output never exists as one string.
    ``pretty`` (a terminal): indented, text as it is (``_readable_json``)."""
    if pretty:
        pieces = (_indented(_readable_json(row)) for row in rows)
    else:
        pieces = (json.dumps(row, separators=(",", ":")) for row in rows)
    _write_array(out, pieces)


def print_json_texts(out: TextIO, texts: Iterable[str], *, pretty: bool) -> None:
    """A JSON array of rows already encoded compactly: indented for a person at a terminal (the
    value of ``json.dumps(rows, indent=2)``, its text as it is: ``_readable_json``), else one row per
    line as they are (a script reads it faster than Python's pure-Python indenting encoder writes it)."""
    _write_array(out, (_indented(_readable_json(json.loads(text))) for text in texts) if pretty else texts)


def _indented(element: str) -> str:
    """An array element laid out as ``json.dumps(array, indent=2)`` lays it out."""
    return textwrap.indent(element, "  ")


def _write_array(out: TextIO, elements: Iterable[str]) -> None:
    write = out.write
    separator = "[\n"
    for element in elements:
        write(separator + element)
        separator = ",\n"
    write("[]\n" if separator == "[\n" else "\n]\n")


def print_csv(out: TextIO, rows: Iterable[dict[str, Any]]) -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        # true/false as in the JSON (csv would write Python's True/False), null as empty
        flat = {key: (str(value).lower() if isinstance(value, bool) else value) for key, value in row.items()}
        flat["scenarios"] = ";".join(row.get("scenarios") or [])
        flat["next_step"] = (row.get("steps") or [""])[0]  # it may quote a Magento comment
        # Plain lines, often read on a terminal: order data's control characters as escapes.
        writer.writerow({key: printable(v) if isinstance(v, str) else v for key, v in flat.items()})
    out.write(buffer.getvalue())


def at_risk(amount: Decimal, currency: str) -> str:
    """" (at risk 12.00 USD)" after a reason, or nothing when nothing is at risk (an order error
    alone fires capture-failed with no amount)."""
    return f" (at risk {money(amount, currency)})" if amount else ""


def _age(days: object) -> str:
    return "" if days is None else f"{int(float(str(days)))}d"


def _label(row: dict[str, Any]) -> str:
    if row.get("scenario"):
        label = str(row["scenario"])
        extra = len(row.get("scenarios") or []) - 1
        return label + (f" (+{extra})" if extra > 0 else "")
    if row.get("unclassified"):
        return "unclassified"
    return "stale flag" if row.get("stale") else ""


def _next_step(row: dict[str, Any]) -> str:
    if not row.get("resolved"):  # one line: an unclassified order's step quotes Commerce5's comment
        return " ".join(str((row.get("steps") or [""])[0]).split())
    if row.get("flagged"):  # resolved, and at Needs Attention again (Commerce5 re-flagged it)
        again = f"c5attn resolve {row['order']}"
        return f"resolved earlier with this evidence; flagged again: {again} to clear it"
    return "resolved: no action"


class Row(NamedTuple):
    """A row of a table and its colour (a Rich style, "" for none): of its ``coloured_column`` cell,
    or of the whole row. A table takes plain rows too, uncoloured."""

    values: Sequence[object]
    colour: str = ""


class Reread(Generic[T]):
    """Rows read afresh each time they are iterated. A table reads its rows more than once, to
    measure its columns and then to print them, so that a large one (a scan's ~15,000 reported
    orders, read back from their spool) is never held whole."""

    def __init__(self, read: Callable[[], Iterable[T]]) -> None:
        self._read = read

    def __iter__(self) -> Iterator[T]:
        return iter(self._read())


def _rereadable(rows: Iterable[object]) -> None:
    """Refuse rows that can be read only once: a table would find none left to print."""
    if isinstance(rows, Iterator):
        raise TypeError("a table reads its rows more than once: give it a list or a Reread, not an iterator")


def _styled(rows: Iterable[Sequence[object]]) -> Iterator[tuple[list[str], str]]:
    """Each row's cells as text (``_cell``), and its colour."""
    _rereadable(rows)
    for row in rows:
        values, colour = row if isinstance(row, Row) else (row, "")
        yield [_cell(value) for value in values], colour


def print_verdict_table(
    console: Console,
    rows: Iterable[dict[str, Any]],
    *,
    plain: bool,
    title: str,
    commands: Mapping[str, str] | None = None,
) -> None:
    """The colour-coded queue: order, scenario, age, money at risk, flagged?, next step.

    ``rows``: read more than once, as a table reads them (a list, or a ``Reread`` of spooled records).
    ``commands``: per site, the command that reaches it (``c5attn --sandbox``), for the commands
    the next steps name."""
    _rereadable(rows)
    headers = ["order", "site", "scenario", "age", "at risk", "flagged", "next step"]
    table = Reread(lambda: (_queue_row(row, commands or {}) for row in rows))
    if plain:
        print_table(console.file, headers, table, console=None, title=title)
        return
    sizes = _Sizes.of(headers, table)
    if _step_column_too_narrow(console, headers, sizes):
        print_records(
            console, headers, table, details=["next step"], title=title, coloured_column="scenario",
            sizes=sizes,
        )
        return
    print_table(
        console.file, headers, table, console=console, title=title, coloured_column="scenario", sizes=sizes
    )


def _queue_row(row: dict[str, Any], commands: Mapping[str, str]) -> Row:
    return Row(
        [
            row["order"],
            row["site"],
            _label(row),
            _age(row.get("age_days")),
            money(row.get("money_at_risk"), row.get("currency") or ""),
            "yes" if row.get("flagged") else "no",
            _reaching(_next_step(row), commands.get(row["site"], "c5attn")),
        ],
        COLOURS.get(row.get("scenario") or "", "grey62" if row.get("stale") else ""),
    )


# Narrower than this, a queue's next step is read a word or two a line: it gets lines of its own.
NEXT_STEP_MIN_WIDTH = 50
TEXT_COLUMNS = frozenset({"comment", "message", "lines", "next step", "value", "title", "steps"})  # prose
TEXT_COLUMN_MIN = 16  # the narrowest a prose column of a table gets; narrower, the table becomes records
RECORD_INDENT = 4  # a record's long values, under its line of facts (``print_records``)
RICH_ROWS_AT_ONCE = 200  # ``_print_in_parts``


def _step_column_too_narrow(console: Console, headers: Sequence[str], sizes: _Sizes) -> bool:
    """Whether the queue's table would leave its last column, the next step, too narrow to read:
    every other column as wide as its widest value (the scenario as its longest word), borders
    included (80 columns, say, leave it ~10)."""
    widths = [
        max(len(header), _or_one(sizes.word[i] if header == "scenario" else sizes.widest[i]))
        for i, header in enumerate(headers[:-1])
    ]
    return 1 + sum(3 + width for width in widths) + 3 + NEXT_STEP_MIN_WIDTH > console.width


def print_records(
    console: Console,
    headers: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    details: Sequence[str],
    title: str = "",
    coloured_column: str | None = None,
    sizes: _Sizes | None = None,
) -> None:
    """Rows as records, for a terminal too narrow to hold their long text as columns: the other
    columns of each row on one aligned line, each of its ``details`` columns on the lines below
    it, indented and wrapped between words. Columns of that line that would pass the terminal's
    edge join the details, as "heading: value". ``rows``, ``coloured_column`` and ``sizes`` as in
    ``print_table``."""
    from rich.cells import cell_len
    from rich.text import Text

    if sizes is None:
        sizes = _Sizes.of(headers, rows)
    # Widths in terminal cells: a wide character (CJK, most emoji) takes two.
    widths = {i: max(cell_len(header), sizes.widest[i] or 0) for i, header in enumerate(headers)}
    fact_columns: list[int] = []
    overflow: list[int] = []
    used = -2
    for i, header in enumerate(headers):
        if header in details:
            continue
        if fact_columns and used + 2 + widths[i] > console.width:
            overflow.append(i)
        else:
            fact_columns.append(i)
            used += 2 + widths[i]
    detail_columns = overflow + [headers.index(header) for header in details]

    def line(values: Sequence[str], style: str = "", colour: str | None = None) -> Text:
        text = Text(style=style)
        for n, i in enumerate(fact_columns):
            padding = " " * (widths[i] - cell_len(values[i]))
            right = headers[i] in RIGHT_ALIGNED_COLUMNS
            text.append(("  " if n else "") + (padding if right else ""))
            text.append(values[i], colour if coloured_column in (None, headers[i]) else None)
            text.append("" if right else padding)
        text.rstrip()
        return text

    if title:
        console.print(Text(title, style="italic"))
    console.print(line(headers, style="bold"))
    for row, colour in _styled(rows):
        console.print(line(row, colour=colour))
        for i in detail_columns:
            if not row[i]:  # nothing to say: no line at all
                continue
            detail = f"{headers[i]}: {row[i]}" if i in overflow else row[i]
            if i in overflow and RECORD_INDENT + cell_len(detail) > console.width:
                # the value on a line of its own rather than broken after its heading ("2026-11-13 / 13:35")
                _print_item(console, " " * RECORD_INDENT, Text(f"{headers[i]}:"))
                detail = row[i]
            _print_item(console, " " * RECORD_INDENT, Text(detail))


def print_wide_table(
    console: Console,
    headers: Sequence[str],
    rows: Sequence[Sequence[object]],
    *,
    plain: bool,
    details: Sequence[str],
    row_styles: Sequence[str] = (),
) -> None:
    """A table of long lines (tabulate's "simple"): as it is when piped or when it fits the
    terminal, else as records (``print_records``), rather than lines the terminal breaks anywhere.
    ``row_styles``: a Rich style per row, for a terminal ("" for none)."""
    from rich.cells import cell_len
    from rich.text import Text

    styled = [Row(row, style) for row, style in zip(rows, [*row_styles, *[""] * len(rows)], strict=False)]
    text = "\n".join(_plain_lines(headers, styled, "simple"))
    lines = text.splitlines()
    if plain:
        console.file.write(text + "\n")
    elif max(map(cell_len, lines), default=0) <= console.width:
        heading, body = lines[:2], lines[2:]  # "simple": the headings, their rule, a line a one-line row
        console.file.write("\n".join(heading) + "\n")
        for line, style in zip(body, [*row_styles, *[""] * len(body)], strict=False):
            console.print(Text(line, style=style), soft_wrap=True, highlight=False)
    else:
        print_records(console, headers, styled, details=details)


def _tabulated(headers: Sequence[str], cells: list[list[str]], tablefmt: str) -> str:
    """The cells as tabulate lines, each value as given: left to parse numbers, tabulate would
    print a SKU "12E4" as 120000 and a quantity "1.50" as 1.5. Money right-aligned, as on screen."""
    from tabulate import tabulate

    align = ["right" if header in RIGHT_ALIGNED_COLUMNS else "left" for header in headers]
    return tabulate(cells, headers=list(headers), tablefmt=tablefmt, disable_numparse=True, colalign=align)


def _plain_lines(headers: Sequence[str], rows: Iterable[Sequence[object]], tablefmt: str) -> Iterator[str]:
    """The lines ``_tabulated`` gives ("plain" or "simple"), a row at a time: a first reading of the
    rows measures the columns as tabulate does (wcwidth's width of each value stripped, of each
    heading and 2), the second lays each row out, so that a long table is never held whole. A
    table with a line break in a value (a comment, in ``show``) is tabulate's, whole: its layout
    of a row of several lines is its own."""
    from wcwidth import wcswidth

    assert tablefmt in ("plain", "simple")
    widths = [wcswidth(header) + 2 for header in headers]
    broken = any("\n" in header or "\r" in header for header in headers)
    empty = True
    for values, _ in _styled(rows):
        empty = False
        for i, value in enumerate(values):
            widths[i] = max(widths[i], wcswidth(value.strip()))
            broken = broken or "\n" in value or "\r" in value
    if broken:
        yield from _tabulated(headers, [values for values, _ in _styled(rows)], tablefmt).split("\n")
        return
    right = [header in RIGHT_ALIGNED_COLUMNS and not empty for header in headers]  # as tabulate does
    yield _plain_row(headers, widths, right)
    if tablefmt == "simple":
        yield "  ".join("-" * width for width in widths).rstrip()
    for values, _ in _styled(rows):
        yield _plain_row([value.strip() for value in values], widths, right)


def _plain_row(values: Sequence[str], widths: Sequence[int], right: Sequence[bool]) -> str:
    """A line of ``_plain_lines``: each value padded to its column's width, two spaces apart."""
    from wcwidth import wcswidth

    cells = []
    for value, width, flush_right in zip(values, widths, right, strict=True):
        padding = " " * (width - wcswidth(value))
        cells.append(padding + value if flush_right else value + padding)
    return "  ".join(cells).rstrip()


def print_table(
    out: IO[str],
    headers: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    console: Console | None,
    title: str = "",
    plain_title: bool = False,
    plain_format: str = "plain",
    ruled_rows: bool = False,
    light: bool = False,
    coloured_column: str | None = None,
    sizes: _Sizes | None = None,
) -> None:
    """Every table c5attn prints: a Rich table on ``console`` (``_layout`` fits it without splitting a
    value); records (``print_records``) on a terminal too narrow for that; plain tabulate lines on
    ``out`` when there is no console (piped). Cells are text either way: control characters
    escaped, [brackets] never taken for markup.

    ``rows``: read more than once, to measure the columns and then to print them, so never held
    whole (a list, or a ``Reread``); a ``Row`` gives its colour, for the ``coloured_column`` cell,
    or the whole row when it is None. ``sizes``: the rows as measured already (``_Sizes.of``).
    ``plain_title``: the title heads the plain lines too (a section of a longer view).
    ``plain_format``: tabulate's "plain" (one record a line, for grep and cut) or "simple" (ruled).
    ``ruled_rows``: a rule between Rich rows (for cells of several lines).
    ``light``: only a rule under the headings, even where a box fits (``boxed_fits``); not with
    ``ruled_rows``.
    """
    if console is None:
        out.write(f"\n{title}\n" if plain_title else "")
        for line in _plain_lines(headers, rows, plain_format):
            out.write(line + "\n")
        return
    if sizes is None:
        sizes = _Sizes.of(headers, rows)
    layout = _layout(console, headers, sizes, ruled_rows=ruled_rows, light=light)
    if layout is None:
        details = [header for header in headers if header in TEXT_COLUMNS]
        print_records(
            console, headers, rows, details=details, title=title, coloured_column=coloured_column, sizes=sizes
        )
        return
    _print_in_parts(
        console, headers, rows, layout, title=title, ruled_rows=ruled_rows, coloured_column=coloured_column
    )


def _print_in_parts(
    console: Console,
    headers: Sequence[str],
    rows: Iterable[Sequence[object]],
    layout: tuple[dict[str, Any], list[int | None] | None],
    *,
    title: str,
    ruled_rows: bool,
    coloured_column: str | None,
) -> None:
    """``print_table``'s Rich table, ``RICH_ROWS_AT_ONCE`` rows at a time (Rich holds a table and its
    rendering whole): each part a table of its own, its columns sized as the whole table's
    (``_SizedHeading``), printed without the edges and headings the whole has once (``_TablePart``).
    Ruled between its rows, a table is printed whole: a part would miss the rule after its last row."""
    from rich.markup import escape
    from rich.table import Table

    chrome, widths = layout
    coloured = headers.index(coloured_column) if coloured_column else None

    def marked(values: list[str], colour: str) -> list[str]:
        """A row's cells as the table's markup: order data may hold [brackets]."""
        safe = [escape(value) for value in values]
        if colour and coloured is not None:
            safe[coloured] = f"[{colour}]{safe[coloured]}[/]"
        return safe

    sized = [i for i in range(len(headers)) if not widths or widths[i] is None]
    measured = _rich_sizes(console, (marked(*row) for row in _styled(rows)), sized)

    def table(part: Sequence[tuple[list[str], str]], title: str = "") -> Table:
        table = Table(title=title or None, title_justify="left", show_lines=ruled_rows, **chrome)
        for index, header in enumerate(headers):
            table.add_column(
                _SizedHeading(header, measured[index]) if index in measured else header,
                justify="right" if header in RIGHT_ALIGNED_COLUMNS else "left",
                width=widths[index] if widths else None,
                overflow="fold",  # a word wider than its column (only prose's can be) is split, never cut
            )
        for values, colour in part:
            table.add_row(*marked(values, colour), style=(colour or None) if coloured is None else None)
        return table

    headings = table([])
    parts = _parts(_styled(rows), None if ruled_rows else RICH_ROWS_AT_ONCE)
    for number, (part, last) in enumerate(parts):
        shown = table(part, title if number == 0 else "")
        console.print(_TablePart(shown, headings, first=number == 0, last=last))


def _parts(items: Iterator[T], size: int | None) -> Iterator[tuple[list[T], bool]]:
    """``items`` in lists of ``size`` (one list: None), each with whether it is the last; at least one."""
    part = list(islice(items, size))
    while True:
        following = list(islice(items, size))
        yield part, not following
        if not following:
            return
        part = following


class _SizedHeading:
    """A column's heading that Rich measures as the whole column (``_rich_sizes``): a table of some
    of the rows then sizes its columns as the table of all of them would. Shown as the heading."""

    def __init__(self, heading: str, column: Measurement) -> None:
        self.heading = heading
        self.column = column

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        from rich.measure import Measurement

        own = Measurement.get(console, options, self.heading)
        return Measurement(max(own.minimum, self.column.minimum), max(own.maximum, self.column.maximum))

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield from console.render(self.heading, options)


class _TablePart:
    """A part of a table printed in parts: the lines of ``table``, of some of its rows, less what
    the whole table has once, its top edge and headings (``headings``: a table of them alone) but
    in the first part, and its bottom edge but in the last."""

    def __init__(self, table: Table, headings: Table, *, first: bool, last: bool) -> None:
        self.table, self.headings, self.first, self.last = table, headings, first, last

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        from rich.segment import Segment

        def lines_of(table: Table) -> list[list[Segment]]:
            return list(Segment.split_lines(console.render(table, options)))

        edge = int(self.table.box is not None and self.table.show_edge)  # a line at the bottom
        start = 0 if self.first else len(lines_of(self.headings)) - edge
        lines = lines_of(self.table)
        for line in lines[start : len(lines) - (0 if self.last else edge)]:
            yield from line
            yield Segment.line()


CHECK_MARKS = {True: ("ok", "green"), False: ("FAIL", "red"), None: ("note", "yellow")}


def print_checks(console: Console, checks: Sequence[tuple[bool | None, str]], *, plain: bool) -> None:
    """``doctor``'s report: a mark (ok, FAIL, note) and a line per check. On a terminal a long line
    wraps under its own text, not under the marks. What a check quotes (a server's version, an
    error message) is escaped: it comes from the other side."""
    from rich.table import Table
    from rich.text import Text

    if plain:
        for ok, line in checks:
            label, colour = CHECK_MARKS[ok]
            console.print(Text(f"{label:>4}", style=colour), Text(printable(line)), sep="  ")
        return
    grid = Table.grid(padding=(0, 2))
    grid.add_column(justify="right", no_wrap=True)
    grid.add_column()
    for ok, line in checks:
        label, colour = CHECK_MARKS[ok]
        grid.add_row(Text(label, style=colour), Text(printable(line)))
    console.print(grid)


def scan_summary(results: Sequence[ScanResult], window: str) -> list[str]:
    """Counts by scenario, resolved and stale: a line per site; ``window`` says which orders
    ("updated since …", "of any age")."""
    lines = []
    for result in results:
        parts = [
            f"{code} {result.findings[code]:,}"
            for code in (s.code for s in SCENARIOS)
            if result.findings[code]
        ]
        lines.append(
            f"site {result.site}: {counted(result.scanned, 'order')} scanned ({window}), "
            f"{counted(result.finding_count, 'finding')}"
            + (f" ({', '.join(parts)})" if parts else "")
            + f", {result.resolved:,} resolved, {counted(result.stale, 'stale flag')}, "
            f"{result.not_imported:,} not imported into Counterpoint (no scenario applies to them)"
        )
    return lines


def print_order_view(console: Console, view: OrderView, now: datetime, *, plain: bool) -> None:
    """Both systems side by side, why flagged, the checklist and the next commands."""
    from rich.text import Text

    from c5attn.classify import awaiting_invoice

    verdict = view.verdict
    order = verdict.order
    cls = verdict.classification
    cp = verdict.cp
    currency = order.order_currency_code
    row = verdict.to_json(view.site.name, now=now)
    sections: list[tuple[str, list[str], list[list[Any]]]] = []  # printed together, in one style

    def out(text: str, style: str = "") -> None:
        """A line of data: printed literally (comments and reasons may hold [brackets] and control
        characters); on a terminal wrapped between words, a command it gives kept whole."""
        print_wrapped(console, printable(text), style=style)

    out(f"Order {order.increment_id}  (site {view.site.name}, Magento id {order.entity_id})", style="bold")
    out(
        f"Magento: state {order.state}, status {order.status}; grand total "
        f"{money(order.grand_total, currency)}, invoiced "
        f"{money(order.total_invoiced, currency)}, paid "
        f"{money(order.total_paid, currency)}"
    )
    if cp is None:
        out("Counterpoint: not imported (no order with this number in the web store)")
    else:
        out(
            f"Counterpoint: order doc {cp.doc_id} ticket {cp.tkt_no} "
            f"({'posted' if cp.posted else 'open'}){', CANCELED' if cp.canceled else ''}; "
            f"import deposits {money(cls.import_deposits, currency)}, manual deposits "
            f"{money(cls.manual_deposits, currency)}"
            + (" (pre-invoiced)" if cls.pre_invoiced else "")
        )
    if cls.skus:
        headers = [
            "sku",
            "ordered",
            "invoiced",
            "shipped",
            "canceled",
            "released",
            "released (aged)",
            "price",
        ]
        cells = [
            [
                s.sku,
                s.ordered,
                s.invoiced,
                s.shipped,
                s.canceled,
                s.released,
                s.released_aged,
                money(s.price, ""),  # to the cent, as every amount; the lines above name the currency
            ]
            for s in cls.skus
        ]
        sections.append(("Per SKU: Magento vs Counterpoint", headers, cells))
    if cp is not None and cp.releases:
        cells = [
            [
                t.tkt_no,
                t.doc_id,
                "posted" if t.posted else "open",
                _minute(t.time) if t.time else "unknown",
                ", ".join(f"{line.item_no}×{line.qty_sold.normalize():f}" for line in t.lines),
            ]
            for t in cp.releases
        ]
        headers = ["release ticket", "doc id", "state", "time (UTC)", "lines"]
        sections.append(("Release tickets", headers, cells))
    if cp is not None and cp.deposits:
        cells = [
            [d.doc_id, d.pmt_seq_no, d.pay_cod, d.kind, money(d.amount, ""), "posted" if d.posted else "open"]
            for d in cp.deposits
        ]
        sections.append(("Deposits", ["doc id", "seq", "pay code", "kind", "amount", "state"], cells))
    if view.open_errors:
        cells = [
            [
                e.err_id,
                e.err_typ,
                _minute(e.err_dt) if e.err_dt else "",
                e.email_cnt,
                e.err_msg,
            ]
            for e in view.open_errors
        ]
        headers = ["error id", "type", "when (UTC)", "e-mails", "message"]
        sections.append(("Open Commerce5 order errors", headers, cells))
    if view.comments:
        cells = [
            [
                _minute(c.created_at) if c.created_at else "",
                c.status or "",
                _shortened(c.comment),
            ]
            for c in view.comments
        ]
        sections.append(("Magento comments", ["when (UTC)", "status", "comment"], cells))
    shown_on = None if plain else console
    light = shown_on is not None and not all(boxed_fits(shown_on, h, cells) for _, h, cells in sections)
    for title, headers, cells in sections:
        print_table(
            console.file, headers, cells, console=shown_on, title=title, plain_title=True,
            plain_format="simple", light=light,
        )
    out("")
    if cls.hits:
        why = "Why: " + ("resolved earlier with the same evidence; " if verdict.resolved else "")
        console.print(Text(why, style="bold") + Text(", ".join(hit.code for hit in cls.hits)))
        for hit in cls.hits:
            reason = Text(printable(f": {hit.reason}{at_risk(hit.money_at_risk, order.order_currency_code)}"))
            _print_item(console, "  - ", Text(hit.code, style=COLOURS.get(hit.code, "")) + reason)
    elif verdict.unclassified:
        out(
            "Why: flagged by Commerce5 (or by hand), and no rule matches the data (unclassified).",
            style="bold",
        )
    elif verdict.stale:
        out("Why: flagged by c5attn, but no rule matches the data any more (a stale flag).", style="bold")
    else:
        out("Why: no rule matches; nothing needs attention.", style="bold")
    if waiting := awaiting_invoice(
        order, cp, now=verdict.now, capture_grace_minutes=view.site.capture_grace_minutes
    ):
        out(
            f"Released within the last {view.site.capture_grace_minutes} min and not invoiced yet: "
            f"{', '.join(waiting.skus)}; capture-failed is reported from {_minute(waiting.due)} UTC "
            "unless Magento invoices it by then."
        )
    if row.get("hint") and not cls.hits:
        out(f"Commerce5's latest comment: {row['hint']}")
    if steps := _steps_that_apply(view):
        out("Follow-up:", style="bold")
        for number, step in enumerate(steps, 1):
            _print_item(console, f"  {number}. ", Text(printable(_reaching(step, view.command))))
    commands = [view.resolve_command] if view.resolve_command else []
    if view.open_errors:
        commands.append(f"dismiss-error {order.increment_id}")
    if commands:
        out("Next commands:", style="bold")
        for command in commands:
            out(f"  {view.command} {command}")


def _steps_that_apply(view: OrderView) -> list[str]:
    """The order's follow-up as ``show`` gives it (``Verdict.steps_to_take``), with "(above)" for the
    ``c5attn show`` a step names: this is that view."""
    number = view.verdict.order.increment_id
    steps = view.verdict.steps_to_take(open_errors=bool(view.open_errors))
    return [step.replace(f": c5attn show {number}", " (above)") for step in steps]


def _minute(moment: datetime) -> str:
    """A time as ``show``'s tables give it, under a "(UTC)" heading: 2026-11-13 12:01."""
    from c5attn.classify import as_utc

    return as_utc(moment).astimezone(UTC).strftime("%Y-%m-%d %H:%M")


_STEP_COMMAND = re.compile(r"\bc5attn (?=(?:show|resolve|dismiss-error) )")


def _reaching(step: str, command: str) -> str:
    """A step's c5attn command as it reaches this order's site (``c5attn --sandbox resolve …``), so
    it can be copied as it is; the steps themselves (in JSON, in Magento comments) name no site."""
    return _STEP_COMMAND.sub(f"{command} ", step)


def _print_item(console: Console, bullet: str, body: Text, *, hanging: str | None = None) -> None:
    """A list item (a reason, a step, a record's detail) on a terminal: wrapped under its own text,
    not under its bullet (or under ``hanging``), a command it gives kept whole (``line_breaks``);
    piped, one line."""
    from rich.text import Text

    if console.soft_wrap:
        console.print(Text(bullet) + body)
        return
    under = " " * len(bullet) if hanging is None else hanging
    number = 0
    for part in body.split("\n", allow_blank=True):
        for line in part.divide(line_breaks(part.plain, max(console.width - len(under), 1))):
            line.rstrip()
            console.print(Text(bullet if number == 0 else under) + line, soft_wrap=True)
            number += 1


def print_wrapped(console: Console, text: str, *, style: str = "") -> None:
    """A line of plain text (a message on stderr, a line of ``show``) on a terminal: wrapped between
    words, each continuation two columns in from the line's own indent, and a command it gives
    kept whole; piped, as it is. Text with line breaks (a Commerce5 comment, a server's message)
    is wrapped line by line, each under its own indent."""
    from rich.text import Text

    for line in text.split("\n"):
        body = line.lstrip(" ")
        indent = line[: len(line) - len(body)]
        _print_item(console, indent, Text(body, style=style), hanging=indent + "  ")


# A command that a line gives ("to flag them: c5attn --sandbox scan --apply --since 2d"), up to the
# sentence around it: a line is never broken inside one, as pasted, its first half would run alone.
COMMAND = re.compile(r"\bc5attn [^;()]*")


def line_breaks(text: str, width: int) -> list[int]:
    """Where ``text`` breaks into lines of at most ``width`` terminal cells: between words, never
    inside a command (``COMMAND``). A word or command wider than that gets a line of its own."""
    from rich.cells import cell_len

    commands = [(m.start(), m.start() + len(m.group().rstrip())) for m in COMMAND.finditer(text)]
    units: list[list[int]] = []  # [start, end] of each word, a command's words as one
    for word in re.finditer(r"\S+", text):
        start, end = word.span()
        if units and any(units[-1][1] > first and first < start < last for first, last in commands):
            units[-1][1] = end
        else:
            units.append([start, end])
    breaks: list[int] = []
    line_start = units[0][0] if units else 0
    for start, end in units:
        if start > line_start and cell_len(text[line_start:end]) > width:
            breaks.append(start)
            line_start = start
    return breaks


def boxed_fits(console: Console, headers: Sequence[str], rows: Sequence[Sequence[object]]) -> bool:
    """Whether a table is boxed on ``console``, or shown as records: not held to the light style,
    which a view of several tables then takes for all of them (one style per screen)."""
    layout = _layout(console, headers, _Sizes.of(headers, rows), ruled_rows=False)
    return layout is None or not layout[0]


def _layout(
    console: Console,
    headers: Sequence[str],
    sizes: _Sizes,
    *,
    ruled_rows: bool,
    light: bool = False,
) -> tuple[dict[str, Any], list[int | None] | None] | None:
    """How a table fits the terminal without splitting a number, a date or an identifier: its
    borders, and the width to hold each column to (None: as Rich likes); None when it cannot.

    Boxed as it comes where that fits. Else every column but prose held to its widest value while
    prose wraps, its heading whole if that fits, else wrapped between words: boxed, else only a
    rule under the headings and two spaces between columns (``show``'s per-SKU table at 80
    columns). Else, with prose needing ``TEXT_COLUMN_MIN`` (a longer word of it is folded), it does
    not fit: records (``print_records``). ``light``: the rule under the headings, never a box."""
    from rich import box
    from rich.cells import cell_len

    natural = [max(cell_len(header), _or_one(sizes.widest[i])) for i, header in enumerate(headers)]
    if not light and 1 + sum(3 + width for width in natural) <= console.width:
        return {}, None
    words = [_longest_word(header) for header in headers]
    prose = [min(_or_one(_most(words[i], sizes.word[i])), TEXT_COLUMN_MIN) for i in range(len(headers))]
    holds = [  # headings whole, then wrapped between their words
        [None if header in TEXT_COLUMNS else natural[i] for i, header in enumerate(headers)],
        [
            None if header in TEXT_COLUMNS else max(_or_one(words[i]), _or_one(sizes.widest[i]))
            for i, header in enumerate(headers)
        ],
    ]
    boxed: dict[str, Any] = {}
    simple: dict[str, Any] = {  # a rule under the headings, two spaces between columns
        "box": box.SIMPLE_HEAD, "show_edge": False, "pad_edge": False, "collapse_padding": True
    }
    columns = len(headers)
    borders = [] if light and not ruled_rows else [(boxed, 1 + 3 * columns)]
    if not ruled_rows:
        borders.append((simple, 2 * (columns - 1)))
    for chrome, border in borders:
        for held in holds:
            least = [prose[i] if width is None else width for i, width in enumerate(held)]
            if sum(least) + border <= console.width:
                return chrome, held
    return None


@dataclass
class _Sizes:
    """A table's columns measured in one reading of its rows, in terminal cells (a CJK character
    takes two): what its layout needs of them, so that the rows need not be held. Per column: its
    widest value and its longest word; None where there was nothing to measure (no row, no word)."""

    widest: list[int | None]
    word: list[int | None]

    @classmethod
    def of(cls, headers: Sequence[str], rows: Iterable[Sequence[object]]) -> _Sizes:
        from rich.cells import cell_len

        widest, word = [-1] * len(headers), [-1] * len(headers)
        for values, _ in _styled(rows):
            for i, value in enumerate(values):
                widest[i] = max(widest[i], cell_len(value))
                if (longest := _longest_word(value)) is not None:
                    word[i] = max(word[i], longest)
        return cls([None if w < 0 else w for w in widest], [None if w < 0 else w for w in word])


def _rich_sizes(
    console: Console, rows: Iterable[Sequence[str]], columns: Sequence[int]
) -> dict[int, Measurement]:
    """Rich's measure of the ``columns`` it sizes itself (``_SizedHeading``), from the table's
    markup of each row, in a reading of their own: only a table Rich lays out needs them, and only
    of its columns not held to a width. At the terminal's width: a table is narrower."""
    from rich.measure import Measurement

    if not columns:
        return {}
    least, most = dict.fromkeys(columns, 0), dict.fromkeys(columns, 0)
    get, options = Measurement.get, console.options
    for row in rows:
        for i in columns:
            measured = get(console, options, row[i])
            least[i], most[i] = max(least[i], measured.minimum), max(most[i], measured.maximum)
    return {i: Measurement(least[i], most[i]) for i in columns}


def _longest_word(text: str) -> int | None:
    from rich.cells import cell_len

    return max((cell_len(word) for word in text.split()), default=None)


def _most(*widths: int | None) -> int | None:
    """The largest of the widths measured, None for none."""
    return max((width for width in widths if width is not None), default=None)


def _or_one(width: int | None) -> int:
    """A width measured, or 1 for nothing measured (an empty column)."""
    return 1 if width is None else width


def _shortened(comment: str) -> str:
    """A comment as a table shows it: a long one (a pasted log, say) cut, whole in ``show --json``."""
    if len(comment) <= COMMENT_LENGTH:
        return comment
    return f"{comment[:COMMENT_LENGTH].rstrip()}… ({len(comment):,} characters; show --json has it all)"


COMMENT_LENGTH = 2000


def _cell(value: object) -> str:
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    return printable(str(value).expandtabs(1))  # a tab inside a cell would break the columns' alignment
