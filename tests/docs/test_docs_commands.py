"""docs/commands.md must document every command and every option the CLI really has."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import typer

from c5attn.cli.app import app

DOC = (Path(__file__).resolve().parents[2] / "docs" / "commands.md").read_text(encoding="utf-8")


def _commands() -> list[tuple[str, Any]]:
    """(name, command) for the root, every command and every subcommand (Typer's own click)."""
    root = typer.main.get_command(app)
    found: list[tuple[str, Any]] = [("", root)]
    for name, command in getattr(root, "commands", {}).items():
        found.append((name, command))
        found.extend(
            (f"{name} {sub}", subcommand) for sub, subcommand in getattr(command, "commands", {}).items()
        )
    return found


@pytest.mark.parametrize(
    "name,command", _commands(), ids=lambda value: value if isinstance(value, str) else ""
)
def test_every_command_and_option_is_documented(name: str, command: Any) -> None:
    if name:
        assert f"c5attn {name}" in DOC or f"`{name.split()[-1]}" in DOC, f"command {name!r} missing"
    for param in command.params:
        if param.param_type_name == "option":
            for opt in param.opts:
                if opt in ("-h", "--help"):
                    continue
                assert f"`{opt}" in DOC or f" {opt} " in DOC or f"[{opt}" in DOC, f"{name} {opt} missing"
        assert command.help, f"command {name!r} has no help text"
