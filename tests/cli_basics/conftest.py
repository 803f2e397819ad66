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
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point every place c5attn looks for configuration and state into tmp_path; cwd is ``work``."""
    for name in (
        "C5ATTN_CONFIG",
        "C5ATTN_SITE",
        "C5ATTN_OPERATOR",
        "MAGENTO_TOKEN",
        "CP_DSN",
        "NO_COLOR",
        "FORCE_COLOR",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("C5ATTN_HOME", str(tmp_path / "home"))
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return work


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
