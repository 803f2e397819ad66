"""A piped ``scan --json``, as a script or cron job runs it: a real process, real pipes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

# Runs the CLI, then says on its last stderr line whether Rich was loaded.
_RUN_AND_REPORT = (
    "import runpy, sys\n"
    "code = 0\n"
    "sys.argv = ['c5attn', *sys.argv[1:]]\n"
    "try:\n    runpy.run_module('c5attn', run_name='__main__')\n"
    "except SystemExit as exit:\n    code = exit.code or 0\n"
    "print(f'rich loaded: {\"rich\" in sys.modules}; exit {code}', file=sys.stderr)\n"
)


def test_piped_scan_json_writes_plain_text_and_never_loads_rich(tmp_path: Path) -> None:
    """Rich is for terminals: piped, the rows and the counts are written as they are (and the
    scan saves the ~15 ms of loading Rich)."""
    env = {
        **os.environ,
        "C5ATTN_HOME": str(tmp_path),
        "C5ATTN_OPERATOR": "tester",
        "C5ATTN_CONFIG": str(tmp_path / "no-such-config.toml"),
    }
    env.pop("FORCE_COLOR", None)
    result = subprocess.run(
        [sys.executable, "-c", _RUN_AND_REPORT, "--sandbox", "scan", "--all", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    *messages, report = result.stderr.strip().splitlines()
    assert report == "rich loaded: False; exit 0", result.stderr
    rows = json.loads(result.stdout)
    assert rows and all(row["site"] == "sandbox" for row in rows)
    assert messages[0].startswith("building the sandbox world")  # a fresh home: built first
    assert any(line.startswith("site sandbox: ") and "orders scanned" in line for line in messages)
