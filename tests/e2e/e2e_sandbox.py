"""The e2e tests' handle on the embedded sandbox: run the real CLI, read both sides' stores."""

from __future__ import annotations

import io
import json
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from c5attn.cli.app import app
from c5attn.cli.context import CliEnv


@dataclass
class Run:
    exit_code: int
    stdout: str
    stderr: str

    def json(self) -> object:
        return json.loads(self.stdout)


@dataclass
class Sandbox:
    home: Path
    invoke: Callable[..., Run]

    @property
    def directory(self) -> Path:
        return self.home / "sandbox"

    def labels(self) -> dict[str, dict[str, object]]:
        data: dict[str, dict[str, object]] = json.loads((self.directory / "labels.json").read_text())
        return data

    def magento_orders(self) -> list[dict[str, object]]:
        """The sandbox Magento store's current orders (as the server would answer them)."""
        with sqlite3.connect(self.directory / "magento.db") as db:
            return [json.loads(row[0]) for row in db.execute("SELECT body FROM order_json")]

    def counterpoint(self) -> sqlite3.Connection:
        return sqlite3.connect(self.directory / "counterpoint.db")

    @contextmanager
    def counterpoint_trigger(self, name: str, when: str, body: str) -> Iterator[None]:
        """A trigger on the Commerce5 error table for the length of the block (a Counterpoint that
        refuses or undoes a write)."""
        with self.counterpoint() as db:
            db.execute(f"CREATE TRIGGER {name} {when} ON USER_C5_ORD_ERR BEGIN {body}; END")
        try:
            yield
        finally:
            with self.counterpoint() as db:
                db.execute(f"DROP TRIGGER {name}")


def invoker(home: Path) -> Callable[..., Run]:
    def invoke(*args: str, env: dict[str, str] | None = None) -> Run:
        runner = CliRunner()
        full_env = {
            "C5ATTN_HOME": str(home),
            "C5ATTN_OPERATOR": "tester",
            "C5ATTN_CONFIG": str(home / "no-such-config.toml"),
            "NO_COLOR": "1",
            **(env or {}),
        }
        result = runner.invoke(app, ["--sandbox", *args], env=full_env, catch_exceptions=False)
        return Run(result.exit_code, result.stdout, result.stderr)

    return invoke


def terminal_env(cwd: Path, env: dict[str, str] | None = None) -> tuple[CliEnv, io.StringIO]:
    """A CliEnv whose stderr is a terminal (progress bars are drawn), and what it receives."""
    stderr = io.StringIO()
    cli_env = CliEnv(
        stdout_file=io.StringIO(),
        stderr_file=stderr,
        stdin_is_tty=False,
        stdout_is_tty=False,
        stderr_is_tty=True,
        env={"NO_COLOR": "1", **(env or {})},
        cwd=cwd,
    )
    return cli_env, stderr


def fill_the_temporary_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every temporary file from now on is on a full disk: its writes fail with ENOSPC."""

    def on_a_full_disk(**options: Any) -> Any:
        return open("/dev/full", "w+b", **options)

    monkeypatch.setattr("tempfile.TemporaryFile", on_a_full_disk)
