"""docs/commands.md must document every command and every option the CLI really has, and
docs/exit-codes.md must name only options the commands really have."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import typer

from c5attn.cli.app import app

DOCS = Path(__file__).resolve().parents[2] / "docs"
DOC = (DOCS / "commands.md").read_text(encoding="utf-8")


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


def test_exit_codes_name_only_options_the_commands_have() -> None:
    """docs/exit-codes.md says which commands' options give a code ("`scan` with `--fail-if-found`")."""
    text = (DOCS / "exit-codes.md").read_text(encoding="utf-8")
    commands = dict(_commands())
    claims = [
        (name, option)
        for names, option in re.findall(r"((?:`[a-z-]+`(?: / )?)+) with `(--[a-z-]+)`", text)
        for name in re.findall(r"`([a-z-]+)`", names)
    ]
    assert claims, "the exit codes no longer name a command's option: update this test"
    for name, option in claims:
        assert option in {opt for param in commands[name].params for opt in param.opts}, (
            f"{name} has no {option}"
        )
