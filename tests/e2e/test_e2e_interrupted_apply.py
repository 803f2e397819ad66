"""Ctrl-C in the middle of ``scan --apply``: what was flagged is told, the write in flight logged."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from e2e_sandbox import invoker

from c5attn.magento.client import MagentoClient


def test_ctrl_c_during_scan_apply_says_how_many_were_flagged_and_which_is_unknown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    invoke = invoker(tmp_path)
    set_status = MagentoClient.set_status
    flagged: list[str] = []

    def two_then_ctrl_c(self: MagentoClient, order: Any, *args: Any, **kwargs: Any) -> Any:
        if len(flagged) == 2:
            flagged.append(order.increment_id)
            raise KeyboardInterrupt
        change = set_status(self, order, *args, **kwargs)
        flagged.append(order.increment_id)
        return change

    monkeypatch.setattr(MagentoClient, "set_status", two_then_ctrl_c)
    run = invoke("scan", "--all", "--apply", "--yes")
    monkeypatch.undo()
    assert run.exit_code == 130, run.stderr
    in_flight = flagged[2]
    assert "c5attn: interrupted: 2 of " in run.stderr
    stopped = f"orders flagged before the run was stopped; the flag of order {in_flight} was in flight"
    assert stopped in run.stderr
    assert "hint: see each write with: c5attn --sandbox log; run the same scan --apply again" in run.stderr
    results = {entry["order"]: entry["result"] for entry in invoke("log", "--json").json()}  # type: ignore[union-attr]
    assert [results[number] for number in flagged] == ["ok", "ok", "unknown"]
    again = invoke("scan", "--all", "--apply", "--yes")  # the rest is flagged, the first two are not again
    assert again.exit_code == 0, again.stderr
    assert f"{flagged[0]}" not in again.stderr
    settled = [e for e in invoke("log", in_flight, "--json").json() if e["action"] == "flag"]  # type: ignore[union-attr]
    assert [e["result"] for e in settled][-2:] == ["started", "ok"]  # it had not landed: flagged now
