"""Fixtures for the CLI tests: an isolated home, a runner, and an injectable CliEnv."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from c5attn.cli.context import CliEnv


@pytest.fixture(autouse=True)
def _isolated(isolated_home: Path) -> Path:
    """Every test here runs in an isolated home (tests/conftest.py)."""
    return isolated_home


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def make_env(isolated_home: Path) -> Callable[..., CliEnv]:
    """A CliEnv on StringIO streams with a fixed clock; keyword arguments override its fields."""

    def make(**overrides: object) -> CliEnv:
        fields: dict[str, object] = {
            "stdout_file": io.StringIO(),
            "stderr_file": io.StringIO(),
            "stdin_is_tty": False,
            "stdout_is_tty": False,
            "stderr_is_tty": False,
            "env": {},
            "cwd": isolated_home,
            "clock": lambda: datetime(2025, 3, 1, 12, 0, tzinfo=UTC),
        }
        fields.update(overrides)
        return CliEnv(**fields)  # type: ignore[arg-type]

    return make
