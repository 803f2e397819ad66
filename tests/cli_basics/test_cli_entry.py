"""The console script's entry point: Ctrl-C after the command has ended cannot change its exit."""

from __future__ import annotations

import signal
from typing import Any

import pytest

from c5attn.cli import app, entry


def test_sigint_is_ignored_once_the_command_has_ended(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[Any, Any]] = []
    monkeypatch.setattr(signal, "signal", lambda signum, handler: calls.append((signum, handler)))

    def finished(argv: object = None) -> None:
        raise SystemExit(6)

    monkeypatch.setattr(app, "main", finished)
    with pytest.raises(SystemExit) as ended:
        entry.main()
    assert ended.value.code == 6
    assert calls == [(signal.SIGINT, signal.SIG_IGN)]
