"""Run one command as the only child of a fresh process and write its wall time, peak RSS and CPU.

``RUSAGE_CHILDREN`` reports the largest resident set of the children waited for, and the CPU time
they used, so a process with exactly one child measures that child alone (not the benchmark, not
the sandbox server). The CPU time is user plus system, all of the child's threads.

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
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = {
        "wall": wall,
        "peak_rss_mb": usage.ru_maxrss / 1024,  # KiB on Linux
        "cpu": usage.ru_utime + usage.ru_stime,
        "returncode": returncode,
    }
    with open(result_path, "w", encoding="utf-8") as handle:
        json.dump(result, handle)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
