"""End-to-end fixtures: the real CLI against the embedded sandbox (real HTTP, real SQL)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from e2e_sandbox import Sandbox, invoker


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    """One sandbox world per test module; the first command creates it."""
    home = tmp_path_factory.mktemp("c5home")
    yield Sandbox(home, invoker(home))
