"""Fixtures for the configuration tests: an isolated home, so no test reads a real configuration."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point every place c5attn looks for configuration and state into tmp_path; cwd is ``work``."""
    for name in ("C5ATTN_CONFIG", "C5ATTN_SITE", "C5ATTN_OPERATOR", "MAGENTO_TOKEN", "CP_DSN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("C5ATTN_HOME", str(tmp_path / "home"))
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return work


MINIMAL_SITE = """
[sites.web]
magento_url = "https://shop.example.com"
magento_token = "env:MAGENTO_TOKEN"
counterpoint_dsn = "env:CP_DSN"
"""


@pytest.fixture
def write_config(isolated_home: Path) -> Callable[..., Path]:
    """Write TOML text to a file (default ./c5attn.toml in the working folder) and return its path."""

    def write(text: str = MINIMAL_SITE, name: str = "c5attn.toml", folder: Path | None = None) -> Path:
        path = (folder or isolated_home) / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.fixture
def secrets_env() -> dict[str, str]:
    """An environment that satisfies MINIMAL_SITE's references."""
    return {"MAGENTO_TOKEN": "tok-SECRET-1", "CP_DSN": "DRIVER={FreeTDS};PWD=pw-SECRET-2", "USER": "tester"}
