"""docs/commands.md must document every command and every option the CLI really has, each option
in its own command's section, and docs/exit-codes.md must name only options the commands really have."""

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


def _named(text: str) -> list[str]:
    """The commands a heading or a table row names: `c5attn resolve ORDER` -> "resolve",
    `c5attn config show` -> "config show" (arguments in capitals and [options] dropped)."""
    return [
        " ".join(re.findall(r"[a-z][a-z-]*", words))
        for words in re.findall(r"`c5attn((?: [a-z][a-z-]*)+)", text)
    ]


def _sections(doc: str) -> dict[str, str]:
    """Each command's own part of the document: the root's is the text before the first heading
    below the title; a command's is from its `### \\`c5attn NAME\\`` heading to the next heading
    (a heading naming two commands gives both the same part); a subcommand listed as a table row
    (`| \\`c5attn sandbox serve [...]\\` | ... |`) gets that row only; a group's part is its
    subcommands' parts together."""
    sections: dict[str, str] = {}
    parts = re.split(r"(?m)^(?=#{2,} )", doc)
    sections[""] = parts[0]
    for part in parts[1:]:
        heading = part.splitlines()[0]
        if heading.startswith("### "):
            for name in _named(heading):
                assert name not in sections, f"two sections for {name!r}"
                sections[name] = part
        for row in re.findall(r"(?m)^\| `c5attn .*$", part):
            for name in _named(row.split("|")[1]):
                assert name not in sections, f"two sections for {name!r}"
                sections[name] = row
    for name in list(sections):
        if " " in name:
            group = name.split()[0]
            sections[group] = sections.get(group, "") + "\n" + sections[name]
    return sections


SECTIONS = _sections(DOC)


def _mentions(section: str, option: str) -> bool:
    """Whether the section names the option as a whole word inside code (`--json`, `[--path FILE]`,
    `--yes`/`-y`): `--dry-run` is not found in `--dry-run-only`, nor `-y` in `--yes`."""
    word = re.compile(rf"(?<![\w-]){re.escape(option)}(?![\w-])")
    return any(word.search(code) for code in re.findall(r"`([^`]+)`", section))


def _options(command: Any) -> set[str]:
    return {
        opt
        for param in command.params
        if param.param_type_name == "option"
        for opt in param.opts
        if opt not in ("-h", "--help")
    }


def test_the_sections_are_found() -> None:
    """The section parser itself: each real command got a section, and no section is left
    unclaimed, so a renamed heading fails here rather than quietly checking nothing."""
    names = {name for name, _ in _commands()}
    assert set(SECTIONS) == names, (sorted(names - set(SECTIONS)), sorted(set(SECTIONS) - names))
    assert "`--apply`" in SECTIONS["scan"] and "`--apply`" not in SECTIONS["list"]
    assert SECTIONS["config show"] is SECTIONS["config init"]
    assert SECTIONS["sandbox serve"].startswith("| `c5attn sandbox serve")


@pytest.mark.parametrize(
    "name,command", _commands(), ids=lambda value: value if isinstance(value, str) else ""
)
def test_every_command_and_option_is_documented(name: str, command: Any) -> None:
    """Every option of a command is named in that command's own section (not merely somewhere)."""
    assert name in SECTIONS, f"command {name!r} has no section in docs/commands.md"
    section = SECTIONS[name]
    for opt in sorted(_options(command)):
        assert _mentions(section, opt), f"{name or 'c5attn'} {opt} missing from its section"
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
