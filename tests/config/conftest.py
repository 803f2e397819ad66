"""Fixtures for the configuration tests: an isolated home, so no test reads a real configuration."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _isolated(isolated_home: Path) -> Path:
    """Every test here runs in an isolated home (tests/conftest.py)."""
    return isolated_home


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
