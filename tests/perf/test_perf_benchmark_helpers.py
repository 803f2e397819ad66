"""The benchmark's own parts: trace parsing, the peak-RSS wrapper, the targets, the docs section."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from c5attn.counterpoint.queries import STATEMENTS_PER_BATCH

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import floor  # noqa: E402
import scan  # noqa: E402

TRACE = """\
GET http://127.0.0.1:5/rest/default/V1/orders?searchCriteria%5BpageSize%5D=300&p=1 → 200 (0.04s, attempt 1)
SELECT 'main', m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p
SELECT 0 AS POSTED, o.DOC_ID FROM PS_DOC_HDR o WHERE o.TKT_NO IN (?, ?)
GET http://127.0.0.1:5/rest/default/V1/orders?searchCriteria%5BpageSize%5D=300&p=2 → 200 (0.05s, attempt 1)
site bench: 2 orders scanned, 0 findings
"""


def test_trace_gives_the_request_urls_in_order_and_counts_statements() -> None:
    trace = floor.read_trace(TRACE)
    assert [url.rsplit("=", 1)[1] for url in trace.urls] == ["1", "2"]
    assert trace.statements == 2


def test_a_write_in_a_scan_trace_is_refused() -> None:
    with pytest.raises(ValueError, match="should only read"):
        floor.read_trace("POST http://127.0.0.1:5/rest/default/V1/orders/1/comments → 200 (0.01s, attempt 1)")


def test_measure_reports_the_child_peak_rss_cpu_and_exit_code(tmp_path: Path) -> None:
    result = tmp_path / "r.json"
    command = [
        sys.executable,
        "-c",
        "import sys, time\nblock = bytearray(80 * 2**20)\nend = time.process_time() + 0.3\n"
        "while time.process_time() < end: pass\nsys.exit(3)",
    ]
    files = [str(result), str(tmp_path / "out"), str(tmp_path / "err")]
    subprocess.run([sys.executable, str(BENCHMARKS / "measure.py"), *files, "--", *command], check=True)
    data = json.loads(result.read_text(encoding="utf-8"))
    assert data["returncode"] == 3
    assert data["peak_rss_mb"] >= 80
    assert 0.3 <= data["cpu"] <= data["wall"] + 0.05  # one busy thread: its CPU time, not more
    assert data["wall"] > 0


def _result(orders: int, **changes: float | None) -> scan.SizeResult:
    values: dict[str, float | None] = dict(
        scan_wall=1.0, peak_rss_mb=100.0, floor_wall=1.0, replay_wall=0.9, naive_wall=50.0
    )
    values.update(changes)
    return scan.SizeResult(
        orders=orders,
        scanned=orders,
        page_size=300,
        requests=math.ceil(orders / 300),
        statements=STATEMENTS_PER_BATCH * math.ceil(orders / 500) + 1,
        **values,  # type: ignore[arg-type]
    )


def test_targets_pass_and_fail_on_the_issue_limits() -> None:
    good = [_result(10_000), _result(100_000, peak_rss_mb=140.0)]
    assert all(ok for _, ok in scan.target_checks(good, {"c5attn --help": 0.2}))
    slow = [_result(10_000, scan_wall=1.31), _result(100_000, peak_rss_mb=151.0)]
    failed = [label for label, ok in scan.target_checks(slow, {"c5attn --help": 0.31}) if not ok]
    assert len(failed) == 3  # scan/floor at 10,000, RSS growth over 1.5×, start-up
    assert any("scan/floor 1.31" in label for label in failed)


def test_naive_is_extrapolated_per_scanned_order_from_the_largest_run() -> None:
    results = [_result(1_000, naive_wall=30.0), _result(10_000, naive_wall=200.0), _result(100_000)]
    results[2].naive_wall = None
    scan.extrapolate_naive(results)
    assert results[2].naive_wall == pytest.approx(2_000.0)
    assert results[2].naive_extrapolated and not results[1].naive_extrapolated


def test_the_generated_section_replaces_only_what_is_between_the_markers(tmp_path: Path) -> None:
    doc = tmp_path / "performance.md"
    doc.write_text(
        f"# Perf\n\nintro\n\n{scan.MARK_START}\nold table\n{scan.MARK_END}\n\nfindings\n", encoding="utf-8"
    )
    scan.write_doc(doc, f"{scan.MARK_START}\nnew table\n{scan.MARK_END}")
    text = doc.read_text(encoding="utf-8")
    assert "new table" in text and "old table" not in text
    assert text.startswith("# Perf\n\nintro\n") and text.endswith("\n\nfindings\n")


@pytest.mark.parametrize("naive_sizes", [(), (1_000,), (1_000, 10_000)])
def test_the_plot_is_written_with_or_without_naive_runs(tmp_path: Path, naive_sizes: tuple[int, ...]) -> None:
    pytest.importorskip("matplotlib", reason="the bench extra draws the plot")
    results = [_result(size, naive_wall=None) for size in (1_000, 10_000, 100_000)]
    for result in results:
        if result.orders in naive_sizes:
            result.naive_wall = result.orders / 50
    scan.extrapolate_naive(results)
    scan.plot(tmp_path / "p.png", results, 20)
    assert (tmp_path / "p.png").read_bytes().startswith(b"\x89PNG")


def test_separate_cpus_give_the_server_one_cpu_and_the_measured_commands_the_rest(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(scan.os, "sched_getaffinity", lambda pid: {3, 1, 2})
    assert scan.cpu_split() == (frozenset({1}), frozenset({2, 3}))
    monkeypatch.setattr(scan.os, "sched_getaffinity", lambda pid: {0})
    with pytest.raises(SystemExit, match="needs 2 CPUs"):
        scan.cpu_split()


def test_a_pinned_child_runs_only_on_its_cpus() -> None:
    cpu = min(scan.os.sched_getaffinity(0))
    shown = subprocess.run(
        [sys.executable, "-c", "import os; print(sorted(os.sched_getaffinity(0)))"],
        preexec_fn=scan.pinned(frozenset({cpu})),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert shown.strip() == f"[{cpu}]"
    assert scan.pinned(None) is None


def test_each_run_is_listed_in_order_with_its_ratio_and_the_cpu_of_each_side() -> None:
    result = _result(10_000)
    result.runs = [
        scan.RunPair(0.8, 0.5, 0.66, 0.24, 0.41, 0.40),
        scan.RunPair(0.9, 0.75, 0.7, 0.25, None, None),
    ]
    assert scan.run_lines([result]) == [
        "- 10,000: 0.80 / 0.50 s = 1.60 (CPU 0.66 / 0.24 s, server CPU 0.41 / 0.40 s); "
        "0.90 / 0.75 s = 1.20 (CPU 0.70 / 0.25 s)"
    ]


def test_the_servers_cpu_time_is_read_from_proc_and_grows_as_it_works() -> None:
    busy = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\nend = time.process_time() + 0.3\n"
            "while time.process_time() < end: pass\nprint('done', flush=True)\nsys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    server = scan.Server.__new__(scan.Server)  # the reading alone, without starting a sandbox
    server.process = busy
    try:
        assert busy.stdout is not None and busy.stdout.readline() == "done\n"
        spent = server.cpu_seconds()
        assert spent is not None and 0.25 <= spent < 5
    finally:
        busy.communicate("")
    assert server.cpu_seconds() is None  # the process is gone
