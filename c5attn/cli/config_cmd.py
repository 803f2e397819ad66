"""``c5attn config show`` and ``c5attn config init``: see the effective configuration, start a new one."""

from __future__ import annotations

import os
import shlex
from pathlib import Path
from typing import Annotated

import typer

from c5attn.cli.context import get_env
from c5attn.errors import C5Error, UsageError

SANDBOX_PORT = "PORT"

app = typer.Typer(help="Show the effective configuration, or write a commented template.",
                  no_args_is_help=True)


@app.command("show")
def show(
    ctx: typer.Context,
    json_output: Annotated[
        bool, typer.Option("--json", help='Print a JSON array of {"site", "key", "value", "origin"}.')
    ] = False,
) -> None:
    """Show every effective setting and where it came from (default, file, env, flag); secrets hidden."""
    from c5attn.cli.render import print_json, print_table
    from c5attn.config import describe, plaintext_secrets

    env = get_env(ctx)
    if env.sandbox:  # what --sandbox commands run with; nothing is built or served to show it
        from c5attn.cli.sessions import sandbox_site
        from c5attn.sandbox.embedded import sandbox_config, sandbox_dir

        sandbox_site(env)
        config = sandbox_config(sandbox_dir(env.state_dir()), f"http://127.0.0.1:{SANDBOX_PORT}", env.env)
        env.say(f"the embedded sandbox's configuration; {SANDBOX_PORT}: a free port, chosen at each run")
    else:
        config = env.config
    rows = describe(config)
    for key in plaintext_secrets(config):
        env.stderr.print(f"warning: {key} is stored in plain text in {config.source}; use env:NAME, "
                         "file:PATH or keyring:SERVICE/USER instead", style="yellow", markup=False)
    if json_output:
        print_json(env.stdout_file, [{"site": site, "key": key, "value": value, "origin": origin}
                                     for site, key, value, origin in rows], readable=env.stdout_is_tty)
    elif env.stdout_is_tty:
        # Values whole, folded where too long (a cut URL or DSN is what an operator came to check);
        # the file's path once, as config_file's value, not again on every row it gave.
        shown = [(site, key, value, "file" if origin == config.file_origin else origin)
                 for site, key, value, origin in rows]
        print_table(env.stdout_file, ["site", "key", "value", "origin"], shown, console=env.stdout,
                    ruled_rows=True)
    else:
        print_table(env.stdout_file, ["site", "key", "value", "origin"], rows, console=None)


@app.command("init")
def init(
    ctx: typer.Context,
    path: Annotated[
        str | None,
        typer.Option("--path", metavar="FILE", help="Where (default: --config, C5ATTN_CONFIG, c5attn.toml)."),
    ] = None,
) -> None:
    """Write a commented configuration template, readable by you only; never over an existing file."""
    from c5attn.config import CONFIG_FILE_NAME, config_template

    env = get_env(ctx)
    if path is not None and not path.strip():
        raise UsageError("--path is empty", f"name the file to write, e.g. --path {CONFIG_FILE_NAME}")
    # The file later commands read first: C5ATTN_CONFIG names it in that environment.
    named = path or env.config_path or env.env.get("C5ATTN_CONFIG") or CONFIG_FILE_NAME
    target = env.cwd / Path(named).expanduser()
    _create_private_file(target, config_template())
    # The check reads the file just written: a --path file is not what plain commands read, and
    # --sandbox reads no file at all.
    reader = (
        f"c5attn --config {shlex.quote(str(target))}" if path else "c5attn" if env.sandbox else env.command()
    )
    env.say(f"Wrote {target}. Edit it, then check it with: {reader} config show")


def _create_private_file(target: Path, text: str) -> None:
    """Create ``target`` with mode 0600 and ``text``; refuse if it exists (O_EXCL, no race)."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:  # a file where a folder should be ("/etc/passwd/x.toml"), no permission
        raise C5Error(f"cannot create {target}: {target.parent} cannot be a folder ({err.strerror})",
                      "Choose a folder you can write in: c5attn config init --path FILE") from None
    try:
        descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        if target.is_dir():
            raise UsageError(f"{target} is a folder", f"name the file: --path {target / 'c5attn.toml'}",
                             ) from None
        raise UsageError(f"{target} already exists; not overwriting it",
                         "Edit that file, or write the template elsewhere: c5attn config init --path FILE",
                         ) from None
    except OSError as err:
        raise C5Error(f"cannot create {target}: {err.strerror}",
                      "Choose a folder you can write in: c5attn config init --path FILE") from None
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
