"""The documentation keeps up with the code: every configuration key and every exit code is described."""

from __future__ import annotations

from pathlib import Path

import pytest

from c5attn.config import MAGENTO_STATES, OAUTH_KEYS, SITE_KEYS, TOP_LEVEL_KEYS, SiteConfig
from c5attn.errors import ExitCode

DOCS = Path(__file__).resolve().parents[2] / "docs"


@pytest.mark.parametrize("key", [*TOP_LEVEL_KEYS, *SITE_KEYS, *OAUTH_KEYS])
def test_config_docs_describe_every_key(key: str) -> None:
    assert f"`{key}`" in (DOCS / "configuration.md").read_text(encoding="utf-8")


def test_config_docs_give_every_table_default() -> None:
    text = (DOCS / "configuration.md").read_text(encoding="utf-8")
    site = SiteConfig(name="w", magento_url="u", counterpoint_dsn="d")
    for key, value in {**site.statuses, **site.resolve_status}.items():
        assert f'| `{key}` | `"{value}"` |' in text
    for state, statuses in site.state_statuses.items():
        assert f"| `{state}` | `{list(statuses)}`".replace("'", '"') in text
    assert all(f"`{state}`" in text for state in MAGENTO_STATES)


@pytest.mark.parametrize("code", list(ExitCode))
def test_config_docs_list_every_exit_code(code: ExitCode) -> None:
    assert f"| {int(code)} | `{code.name}` |" in (DOCS / "exit-codes.md").read_text(encoding="utf-8")
