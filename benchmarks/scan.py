"""Benchmark ``c5attn scan`` against its floor and a naive scan, at several sizes (issue 6).

For each size: build a sandbox world, serve its Magento API in a separate process with a fixed
latency per request, then measure, side by side,

1. ``c5attn --config F --site bench scan --all --json`` in a subprocess (wall time and peak RSS
   of that process alone, via benchmarks/measure.py; requests and statements from a ``-v`` run);
2. the floor: the same requests with the same concurrency plus the same SQL statements, nothing
   else, in a process of its own (benchmarks/floor.py records, benchmarks/replay.py replays);
3. the naive scan (benchmarks/naive.py) at the ``--naive-sizes``; larger sizes are extrapolated
   linearly from the largest one measured, and marked so.

Also the start-up time of ``c5attn --help`` and ``c5attn scenarios``. Prints a table, checks the
targets, and writes the table into docs/performance.md (between the ``bench`` markers; the rest
of the file is kept) and the plot into docs/performance.png.

Usage (from the repository root, ``pip install -e '.[bench]'`` first):
    python benchmarks/scan.py                       # 1,000 / 10,000 / 100,000 orders, 20 ms
    python benchmarks/scan.py --sizes 1000 --naive-sizes 1000 --no-write   # a quick look
"""

from __future__ import annotations

import argparse
import json
import math
import os
import pickle
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import floor

from c5attn.config import SiteConfig
from c5attn.counterpoint.queries import BATCH_SIZE, STATEMENTS_PER_BATCH
from c5attn.sandbox.magento_store import load_orders, read_orders_file
from c5attn.sandbox.world import COUNTERPOINT_DB, MAGENTO_ORDERS, build_world

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
TOKEN = "bench-token"
TOKEN_VARIABLE = "C5BENCH_MAGENTO_TOKEN"
SITE = "bench"
WORKERS = 4  # MagentoClient's default max_workers: the scan's concurrency
MARK_START = "<!-- bench:start (written by benchmarks/scan.py) -->"
MARK_END = "<!-- bench:end -->"

# The targets of issue 6.
FLOOR_RATIO_MAX = 1.3
NAIVE_SPEEDUP_MIN = 20
RSS_MAX_MB = 200
RSS_GROWTH_MAX = 1.5
STARTUP_MAX_S = 0.3


@dataclass
class RunPair:
    """One scan and the floor run after it (seconds): wall time, each process's own CPU time, and
    the server's CPU seconds during each.

    The pairs show what the best-of figures hide: how the ratio moves between runs, and with it the
    server's own speed (its CPU time for the same requests varies by half between runs on a shared
    machine); and the CPU each side needs, which bounds the scan where it shares the CPUs with the
    server. The server's CPU is None where ``/proc`` is missing.
    """

    scan_wall: float
    floor_wall: float
    scan_cpu: float
    floor_cpu: float
    scan_server_cpu: float | None
    floor_server_cpu: float | None

    @property
    def ratio(self) -> float:
        return self.scan_wall / self.floor_wall


@dataclass
class SizeResult:
    """One size's measurements (seconds, MB); ``naive_extrapolated``: ``naive_wall`` computed, not run.

    ``floor_wall`` is the replay process end to end, start-up included like the scan's;
    ``replay_wall`` the replay alone, as timed inside that process.
    """

    orders: int
    scanned: int
    page_size: int
    scan_wall: float
    peak_rss_mb: float
    requests: int
    statements: int
    floor_wall: float
    replay_wall: float
    naive_wall: float | None = None
    naive_extrapolated: bool = False
    runs: list[RunPair] = field(default_factory=list)

    @property
    def request_limit(self) -> int:
        return math.ceil(self.scanned / self.page_size) + 5

    @property
    def statement_limit(self) -> int:
        return STATEMENTS_PER_BATCH * math.ceil(self.scanned / BATCH_SIZE) + 5

    @property
    def floor_ratio(self) -> float:
        return self.scan_wall / self.floor_wall

    @property
    def naive_speedup(self) -> float | None:
        return None if self.naive_wall is None else self.naive_wall / self.scan_wall


def c5attn_command() -> list[str]:
    """The console script installed beside this Python (what staff run), else ``python -m c5attn``.

    Not the first ``c5attn`` on PATH: that may be a version manager's shim (pyenv's costs ~50 ms
    a start), whose time is not c5attn's and which the floor, run by ``sys.executable``, skips.
    """
    script = Path(sysconfig.get_path("scripts")) / "c5attn"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "c5attn"]


def build(directory: Path, orders: int, seed: int) -> None:
    """A world of ``orders`` orders, and the Magento sandbox store loaded from it."""
    started = time.perf_counter()
    build_world(directory, orders=orders, seed=seed, now=datetime.now(UTC))
    load_orders(directory / "magento.db", read_orders_file(directory / MAGENTO_ORDERS))
    print(f"  world of {orders:,} orders built in {time.perf_counter() - started:.1f}s", flush=True)


class Server:
    """``c5attn sandbox serve`` as a separate process, stopped with SIGTERM."""

    def __init__(self, db: Path, latency_ms: float, cpus: frozenset[int] | None = None) -> None:
        command = [*c5attn_command(), "sandbox", "serve", "--db", str(db), "--port", "0"]
        command += ["--latency-ms", str(latency_ms), "--token", TOKEN]
        self.process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, preexec_fn=pinned(cpus)
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline().strip()
        if not line.startswith("listening on "):
            self.stop()
            raise RuntimeError(f"the sandbox server did not start: {line!r}")
        self.url = line.removeprefix("listening on ")

    def cpu_seconds(self) -> float | None:
        """The server process's CPU time so far (user + system), from Linux's ``/proc``; else None."""
        try:
            stat = Path(f"/proc/{self.process.pid}/stat").read_text(encoding="ascii")
        except OSError:
            return None
        fields = stat.rsplit(")", 1)[1].split()  # after the command name, which may hold spaces
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)


def cpu_split() -> tuple[frozenset[int], frozenset[int]]:
    """(the server's CPU, the measured commands' CPUs) for ``--separate-cpus``: one, and the rest."""
    if not hasattr(os, "sched_setaffinity"):
        raise SystemExit("--separate-cpus needs os.sched_setaffinity (Linux)")
    available = sorted(os.sched_getaffinity(0))
    if len(available) < 2:
        raise SystemExit(f"--separate-cpus needs 2 CPUs or more; this process may use {len(available)}")
    return frozenset(available[:1]), frozenset(available[1:])


def pinned(cpus: frozenset[int] | None) -> Callable[[], None] | None:
    """A ``preexec_fn`` confining a child (and everything it starts) to ``cpus``; None: anywhere."""
    if cpus is None:
        return None
    return lambda: os.sched_setaffinity(0, cpus)


def site_config(url: str, directory: Path) -> SiteConfig:
    return SiteConfig(
        name=SITE,
        magento_url=url,
        counterpoint_dsn=f"sqlite:///{directory / COUNTERPOINT_DB}",
        magento_token=TOKEN,
        magento_store_ids=(1,),
        counterpoint_store="WEB",
        counterpoint_timezone="America/New_York",
        web_pay_codes=("WEB", "PAYPAL"),
    )


def write_config(path: Path, site: SiteConfig) -> None:
    path.write_text(
        f"[sites.{SITE}]\n"
        f'magento_url = "{site.magento_url}"\n'
        f'magento_token = "env:{TOKEN_VARIABLE}"\n'
        f'counterpoint_dsn = "{site.counterpoint_dsn}"\n'
        "magento_store_ids = [1]\n"
        'counterpoint_store = "WEB"\n'
        'counterpoint_timezone = "America/New_York"\n'
        'web_pay_codes = ["WEB", "PAYPAL"]\n',
        encoding="utf-8",
    )


def child_env(directory: Path) -> dict[str, str]:
    """The environment of the measured commands: the token, and c5attn state kept in ``directory``.

    Without ``PYTHONDONTWRITEBYTECODE``: an installed c5attn has its bytecode compiled, so the
    warm-up run writes it for an editable checkout too, rather than every timed run compiling
    c5attn's source again (~30 ms a start).
    """
    skipped = ("C5ATTN_", "PYTHONDONTWRITEBYTECODE")
    env = {k: v for k, v in os.environ.items() if not k.startswith(skipped)}
    env[TOKEN_VARIABLE] = TOKEN
    env["XDG_STATE_HOME"] = env["XDG_DATA_HOME"] = str(directory / "state")
    return env


@dataclass
class Measured:
    """A command run as the only child of measure.py: seconds, MB, and what it wrote on stderr."""

    wall: float
    peak_rss_mb: float
    cpu: float
    stderr: str


def measured(command: list[str], directory: Path, name: str, cpus: frozenset[int] | None = None) -> Measured:
    """``command`` run as the only child of measure.py, measured."""
    result, out, err = (directory / f"{name}.{suffix}" for suffix in ("result.json", "out", "err"))
    subprocess.run(
        [sys.executable, str(HERE / "measure.py"), str(result), str(out), str(err), "--", *command],
        check=True,
        env=child_env(directory),
        cwd=directory,
        preexec_fn=pinned(cpus),
    )
    data = json.loads(result.read_text(encoding="utf-8"))
    stderr = err.read_text(encoding="utf-8", errors="replace")
    if data["returncode"] != 0:
        raise RuntimeError(f"{' '.join(command)} exited {data['returncode']}: {stderr[-400:]}")
    return Measured(data["wall"], data["peak_rss_mb"], data["cpu"], stderr)


def bench_size(orders: int, args: argparse.Namespace, workdir: Path) -> SizeResult:
    directory = workdir / f"world-{orders}"
    print(f"{orders:,} orders", flush=True)
    build(directory, orders, args.seed)
    server_cpus, client_cpus = args.cpus
    server = Server(directory / "magento.db", args.latency_ms, server_cpus)
    try:
        site = site_config(server.url, directory)
        config = directory / "c5attn.toml"
        write_config(config, site)
        scan = [*c5attn_command(), "--config", str(config), "--site", SITE, "scan", "--all", "--json"]
        verbose = [*scan[:-3], "-v", *scan[-3:]]
        trace_text = measured(verbose, directory, "scan-verbose", client_cpus).stderr  # also warms caches
        trace = floor.read_trace(trace_text)
        numbers = floor.order_numbers(trace.urls, TOKEN)
        statements = floor.record_statements(site, numbers)
        if len(statements) != trace.statements:
            raise RuntimeError(f"recorded {len(statements)} statements, the scan traced {trace.statements}")
        plan = directory / "floor-plan.pickle"
        plan.write_bytes(
            pickle.dumps(
                {
                    "urls": trace.urls,
                    "statements": statements,
                    "database": str(directory / COUNTERPOINT_DB),
                    "token": TOKEN,
                    "workers": WORKERS,
                }
            )
        )
        replay = [sys.executable, str(HERE / "replay.py"), str(plan)]
        runs, replay_walls, peaks = [], [], []
        for _ in range(args.repeat):
            cpu_before = server.cpu_seconds()
            scan_run = measured(scan, directory, "scan", client_cpus)
            cpu_between = server.cpu_seconds()
            floor_run = measured(replay, directory, "floor", client_cpus)
            cpu_after = server.cpu_seconds()
            peaks.append(scan_run.peak_rss_mb)
            replay_walls.append(float((directory / "floor.out").read_text(encoding="utf-8")))
            runs.append(
                RunPair(
                    scan_run.wall,
                    floor_run.wall,
                    scan_run.cpu,
                    floor_run.cpu,
                    cpu_spent(cpu_before, cpu_between),
                    cpu_spent(cpu_between, cpu_after),
                )
            )
        scan_walls = [run.scan_wall for run in runs]
        floor_walls = [run.floor_wall for run in runs]
        result = SizeResult(
            orders=orders,
            scanned=len(numbers),
            page_size=site.magento_page_size,
            scan_wall=min(scan_walls),
            peak_rss_mb=max(peaks),
            requests=len(trace.urls),
            statements=trace.statements,
            floor_wall=min(floor_walls),
            replay_wall=min(replay_walls),
            runs=runs,
        )
        if orders in args.naive_sizes:
            naive = [sys.executable, str(HERE / "naive.py"), server.url, site.counterpoint_dsn, TOKEN]
            result.naive_wall = measured(naive, directory, "naive", client_cpus).wall
    finally:
        server.stop()
    print(
        f"  scan {result.scan_wall:.2f}s (runs {', '.join(f'{w:.2f}' for w in scan_walls)}), "
        f"floor {result.floor_wall:.2f}s (runs {', '.join(f'{w:.2f}' for w in floor_walls)}; "
        f"replay alone {result.replay_wall:.2f}s), "
        f"peak RSS {result.peak_rss_mb:.0f} MB, {result.requests} requests, {result.statements} statements"
        + (f", naive {result.naive_wall:.1f}s" if result.naive_wall is not None else ""),
        flush=True,
    )
    if not args.keep:
        shutil.rmtree(directory)
    return result


def cpu_spent(before: float | None, after: float | None) -> float | None:
    return None if before is None or after is None else after - before


def extrapolate_naive(results: list[SizeResult]) -> None:
    """Fill the naive time of unmeasured sizes, per order from the largest measured size."""
    measured_sizes = [r for r in results if r.naive_wall is not None]
    if not measured_sizes:
        return
    basis = max(measured_sizes, key=lambda r: r.scanned)
    assert basis.naive_wall is not None
    per_order = basis.naive_wall / basis.scanned
    for result in results:
        if result.naive_wall is None:
            result.naive_wall = per_order * result.scanned
            result.naive_extrapolated = True


def startup_times(workdir: Path, runs: int = 7) -> dict[str, float]:
    """Median wall seconds of ``c5attn --help`` and ``c5attn scenarios`` (no configuration file)."""
    times: dict[str, float] = {}
    env = child_env(workdir)
    for label, extra in (("c5attn --help", ["--help"]), ("c5attn scenarios", ["scenarios"])):
        walls = []
        for _ in range(runs):
            started = time.perf_counter()
            subprocess.run([*c5attn_command(), *extra], check=True, env=env, cwd=workdir, capture_output=True)
            walls.append(time.perf_counter() - started)
        times[label] = statistics.median(walls)
    return times


# --- reporting -----------------------------------------------------------------------------------


def table(results: list[SizeResult]) -> str:
    header = (
        "| orders (scanned) | scan | floor (replay alone) | scan / floor | naive | naive / scan | peak RSS "
        "| Magento requests (limit) | SQL statements (limit) |\n"
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"
    )
    rows = []
    for r in results:
        naive = (
            "—" if r.naive_wall is None else f"{r.naive_wall:,.1f} s" + (" *" if r.naive_extrapolated else "")
        )
        speedup = "—" if r.naive_speedup is None else f"{r.naive_speedup:,.0f}×"
        rows.append(
            f"| {r.orders:,} ({r.scanned:,}) | {r.scan_wall:.2f} s | "
            f"{r.floor_wall:.2f} s ({r.replay_wall:.2f} s) | "
            f"{r.floor_ratio:.2f} | {naive} | {speedup} | {r.peak_rss_mb:.0f} MB | "
            f"{r.requests:,} ({r.request_limit:,}) | {r.statements:,} ({r.statement_limit:,}) |"
        )
    return header + "\n".join(rows) + "\n"


def run_lines(results: list[SizeResult]) -> list[str]:
    """Each size's runs in order: scan / floor = ratio, each side's CPU, the server's during each."""
    lines = []
    for r in results:
        runs = []
        for run in r.runs:
            text = f"{run.scan_wall:.2f} / {run.floor_wall:.2f} s = {run.ratio:.2f}"
            text += f" (CPU {run.scan_cpu:.2f} / {run.floor_cpu:.2f} s"
            if run.scan_server_cpu is not None and run.floor_server_cpu is not None:
                text += f", server CPU {run.scan_server_cpu:.2f} / {run.floor_server_cpu:.2f} s"
            runs.append(text + ")")
        lines.append(f"- {r.orders:,}: " + "; ".join(runs))
    return lines


def target_checks(results: list[SizeResult], startup: dict[str, float]) -> list[tuple[str, bool]]:
    """Each target of issue 6 that these results can judge, with whether it holds."""
    checks: list[tuple[str, bool]] = []
    for r in results:
        checks.append(
            (f"{r.orders:,}: {r.requests} requests ≤ {r.request_limit}", r.requests <= r.request_limit)
        )
        checks.append(
            (
                f"{r.orders:,}: {r.statements} statements ≤ {r.statement_limit}",
                r.statements <= r.statement_limit,
            )
        )
        if r.orders >= 10_000:
            checks.append(
                (
                    f"{r.orders:,}: scan/floor {r.floor_ratio:.2f} ≤ {FLOOR_RATIO_MAX}",
                    r.floor_ratio <= FLOOR_RATIO_MAX,
                )
            )
        if r.orders == 10_000 and r.naive_speedup is not None:
            checks.append(
                (
                    f"10,000: {r.naive_speedup:.0f}× faster than naive ≥ {NAIVE_SPEEDUP_MIN}×",
                    r.naive_speedup >= NAIVE_SPEEDUP_MIN,
                )
            )
    by_size = {r.orders: r for r in results}
    if 100_000 in by_size:
        big = by_size[100_000]
        checks.append(
            (f"100,000: peak RSS {big.peak_rss_mb:.0f} MB ≤ {RSS_MAX_MB} MB", big.peak_rss_mb <= RSS_MAX_MB)
        )
        if 10_000 in by_size:
            growth = big.peak_rss_mb / by_size[10_000].peak_rss_mb
            checks.append(
                (f"peak RSS 100,000 / 10,000 = {growth:.2f} ≤ {RSS_GROWTH_MAX}", growth <= RSS_GROWTH_MAX)
            )
    for label, seconds in startup.items():
        checks.append((f"{label} starts in {seconds:.3f} s < {STARTUP_MAX_S} s", seconds < STARTUP_MAX_S))
    return checks


def machine() -> str:
    cpu = platform.processor() or "unknown CPU"
    with open("/proc/cpuinfo", encoding="utf-8") as handle:
        cpu = next((line.split(":", 1)[1].strip() for line in handle if line.startswith("model name")), cpu)
    with open("/proc/meminfo", encoding="utf-8") as handle:
        kib = next(int(line.split()[1]) for line in handle if line.startswith("MemTotal"))
    return (
        f"{platform.system()} {platform.release()} ({platform.machine()}), {cpu}, "
        f"{os.cpu_count()} CPUs (nproc), {kib / 1024 / 1024:.1f} GiB RAM, "
        f"Python {platform.python_version()}, SQLite {__import__('sqlite3').sqlite_version}"
    )


def commit() -> str:
    """The checked-out commit, marked when c5attn or the benchmark has uncommitted changes."""

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True).stdout.strip()

    changed = git("status", "--porcelain", "--", "c5attn", "benchmarks")
    return (git("rev-parse", "--short", "HEAD") or "unknown") + (" with local changes" if changed else "")


def markdown(results: list[SizeResult], startup: dict[str, float], args: argparse.Namespace) -> str:
    checks = target_checks(results, startup)
    lines = [
        MARK_START,
        f"Measured at commit {commit()}, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, on {machine()}.",
        "",
        f"Magento sandbox latency {args.latency_ms:g} ms per request; page size 300; "
        f"{WORKERS} concurrent page requests; best of {args.repeat} runs for scan and floor"
        + (
            f"; the server on CPU {', '.join(map(str, sorted(args.cpus[0])))}, everything measured "
            f"on CPU {', '.join(map(str, sorted(args.cpus[1])))}."
            if args.separate_cpus
            else "; server and measured commands share the CPUs."
        ),
        "Reproduce with:",
        "",
        "```sh",
        "python benchmarks/scan.py " + " ".join(args.argv),
        "```",
        "",
        table(results),
    ]
    if any(r.naive_extrapolated for r in results):
        lines.append("\\* extrapolated linearly from the largest naive run, not measured.\n")
    lines += [
        "Each run, scan then floor (the CPU time of each process, then the server's during each):",
        "",
    ]
    lines += [*run_lines(results), ""]
    lines.append("| command | median start-up |\n|---|---:|")
    lines += [f"| `{label}` | {seconds:.3f} s |" for label, seconds in startup.items()]
    lines += ["", "Targets:", ""]
    lines += [f"- {'met' if ok else '**NOT met**'}: {label}" for label, ok in checks]
    lines += ["", MARK_END]
    return "\n".join(lines)


def write_doc(path: Path, generated: str) -> None:
    """Replace the generated part of ``path`` (between the markers), keeping the hand-written rest."""
    text = (
        path.read_text(encoding="utf-8") if path.exists() else f"# Performance\n\n{MARK_START}\n{MARK_END}\n"
    )
    start, end = text.find(MARK_START), text.find(MARK_END)
    if start < 0 or end < start:
        text = text.rstrip("\n") + f"\n\n{MARK_START}\n{MARK_END}\n"
        start, end = text.find(MARK_START), text.find(MARK_END)
    path.write_text(text[:start] + generated + text[end + len(MARK_END) :], encoding="utf-8")


def plot(path: Path, results: list[SizeResult], latency_ms: float) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = [r.orders for r in results]
    figure, axes = plt.subplots(figsize=(7, 4.5), dpi=120)
    axes.plot(sizes, [r.scan_wall for r in results], "o-", label="c5attn scan")
    axes.plot(sizes, [r.floor_wall for r in results], "s--", label="floor (same requests + SQL only)")
    naive = [(r.orders, r.naive_wall, r.naive_extrapolated) for r in results if r.naive_wall is not None]
    ran = [(orders, wall) for orders, wall, guessed in naive if not guessed]
    guessed = [(orders, wall) for orders, wall, guessed in naive if guessed]
    if ran:
        axes.plot(*zip(*ran, strict=True), "^-", color="tab:red", label="naive (measured)")
    if ran and guessed:
        axes.plot(
            *zip(ran[-1], *guessed, strict=True),
            "^:",
            color="tab:red",
            alpha=0.6,
            label="naive (extrapolated)",
        )
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel("orders in the world")
    axes.set_ylabel("wall time (s)")
    axes.set_title(f"c5attn scan vs floor vs naive ({latency_ms:g} ms per Magento request)")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend()
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sizes = parser.add_argument_group("what to measure")
    sizes.add_argument("--sizes", default="1000,10000,100000", help="world sizes, comma-separated")
    sizes.add_argument("--naive-sizes", default="1000,10000", help="sizes at which the naive scan runs")
    sizes.add_argument("--latency-ms", type=float, default=20, help="sandbox latency per request")
    sizes.add_argument("--repeat", type=int, default=3, help="runs of scan and floor per size (best kept)")
    sizes.add_argument("--seed", type=int, default=1, help="the worlds' seed")
    sizes.add_argument(
        "--separate-cpus",
        action="store_true",
        help="run the server on one CPU and everything measured on the others, as on two machines",
    )
    output = parser.add_argument_group("where results go")
    output.add_argument("--doc", type=Path, default=ROOT / "docs" / "performance.md")
    output.add_argument("--plot", type=Path, default=ROOT / "docs" / "performance.png")
    output.add_argument("--no-write", action="store_true", help="print only; write neither file")
    output.add_argument("--workdir", type=Path, help="where worlds are built (default: a temporary folder)")
    output.add_argument("--keep", action="store_true", help="keep the worlds and logs afterwards")
    args = parser.parse_args(argv)
    args.argv = argv
    args.sizes = sorted(int(size) for size in args.sizes.split(","))
    args.naive_sizes = {int(size) for size in args.naive_sizes.split(",") if size}
    args.cpus = cpu_split() if args.separate_cpus else (None, None)  # (server's, measured commands')
    return args


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="c5attn-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    try:
        startup = startup_times(workdir)
        results = [bench_size(orders, args, workdir) for orders in args.sizes]
    finally:
        if not args.keep and args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    extrapolate_naive(results)
    generated = markdown(results, startup, args)
    print()
    print(generated)
    print(f"benchmark took {time.perf_counter() - started:.0f}s")
    if not args.no_write:
        write_doc(args.doc, generated)
        plot(args.plot, results, args.latency_ms)
        print(f"wrote {args.doc} and {args.plot}")
    return 0 if all(ok for _, ok in target_checks(results, startup)) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
