"""``c5attn scenarios``: the five Needs Attention scenarios and the follow-up steps of each."""

from __future__ import annotations

from typing import Annotated

import typer

from c5attn.cli.context import get_env


def scenarios(
    ctx: typer.Context,
    json_output: Annotated[
        bool,
        typer.Option("--json", help='Print a JSON array of {"code", "number", "title", "colour", "steps"}.'),
    ] = False,
) -> None:
    """List the five Needs Attention scenarios and what to do about each."""
    from c5attn.cli.render import Row, print_json, print_table
    from c5attn.scenarios import SCENARIOS

    env = get_env(ctx)
    if json_output:
        print_json(env.stdout_file, [
            {"code": s.code, "number": s.number, "title": s.title, "colour": s.colour, "steps": list(s.steps)}
            for s in SCENARIOS
        ], readable=env.stdout_is_tty)
        return
    if env.stdout_is_tty:
        coloured = [
            Row([str(s.number), s.code, s.title, "\n".join(_numbered(s.steps))], s.colour) for s in SCENARIOS
        ]
        print_table(env.stdout_file, ["#", "code", "title", "steps"], coloured, console=env.stdout,
                    ruled_rows=True)
    else:  # piped: one line per step, so grep and cut see whole records
        rows = [[str(s.number), s.code, s.title, step] for s in SCENARIOS for step in _numbered(s.steps)]
        print_table(env.stdout_file, ["#", "code", "title", "step"], rows, console=None)


def _numbered(steps: tuple[str, ...]) -> list[str]:
    return [f"{index}. {step}" for index, step in enumerate(steps, 1)]
