"""Run one command as the only child of a fresh process and print its wall time and peak RSS.

``RUSAGE_CHILDREN`` reports the largest resident set of the children waited for, so a process
with exactly one child measures that child alone (not the benchmark, not the sandbox server).

Usage: python benchmarks/measure.py RESULT.json STDOUT_FILE STDERR_FILE -- COMMAND ...
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time


def main(argv: list[str]) -> int:
    result_path, stdout_path, stderr_path, separator, *command = argv
    if separator != "--" or not command:
        raise SystemExit(__doc__)
    with open(stdout_path, "wb") as stdout, open(stderr_path, "wb") as stderr:
        started = time.perf_counter()
        returncode = subprocess.call(command, stdout=stdout, stderr=stderr)
        wall = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB on Linux
    with open(result_path, "w", encoding="utf-8") as handle:
        json.dump({"wall": wall, "peak_rss_mb": peak_kib / 1024, "returncode": returncode}, handle)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
