"""Fixtures every test area may use."""

from __future__ import annotations

from pathlib import Path

import pytest

# Variables that would let a developer's own setup leak into a test.
C5ATTN_VARIABLES = (
    "C5ATTN_CONFIG",
    "C5ATTN_SITE",
    "C5ATTN_OPERATOR",
    "MAGENTO_TOKEN",
    "CP_DSN",
    "NO_COLOR",
    "FORCE_COLOR",
)


@pytest.fixture
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point every place c5attn looks for configuration and state into tmp_path; cwd is ``work``."""
    for name in C5ATTN_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("C5ATTN_HOME", str(tmp_path / "home"))
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return work
