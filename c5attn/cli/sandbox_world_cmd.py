"""``c5attn sandbox init`` and ``sandbox reset``: build the sandbox world on both sides."""

from __future__ import annotations

from typing import Annotated

import typer

from c5attn.cli.context import get_env
from c5attn.cli.sessions import building_note
from c5attn.errors import UsageError
from c5attn.wording import counted

MAX_ORDERS = 1_000_000  # ten times the benchmark's largest world (~7 GB on disk): no typo runs for hours


def init(
    ctx: typer.Context,
    orders: Annotated[
        int,
        typer.Option(
            min=1, max=MAX_ORDERS, metavar="N", help="How many Magento orders to generate (1 to 1,000,000)."
        ),
    ] = 2000,
    seed: Annotated[
        int, typer.Option(metavar="N", help="The generator's seed: the same seed gives the same world.")
    ] = 1,
    directory: Annotated[
        str | None,  # not Path: Typer makes "" the current folder, and the world then landed there
        typer.Option("--dir", metavar="DIR", help="Where to write it (default: the data dir's sandbox/)."),
    ] = None,
) -> None:
    """Build a sandbox world: a Counterpoint SQLite database and matching Magento orders.

    It replaces the world in DIR. Example: c5attn sandbox init --orders 10000 --seed 7
    """
    from c5attn.sandbox.embedded import init_world, sandbox_dir

    env = get_env(ctx)
    if directory is not None and not directory.strip():
        raise UsageError("--dir is empty", "name the folder to build the world in, or leave out --dir")
    target = env.cwd / directory if directory else sandbox_dir(env.writable_state_dir())  # ~: the shell's
    if env.stderr_is_tty:  # 100,000 orders take ~30 s; piped, stderr stays for errors alone
        env.say(building_note(orders, target))
    summary = init_world(target, orders=orders, seed=seed, now=env.now())
    built = summary.get("orders", orders)
    env.say(f"sandbox world of {counted(int(str(built)), 'order')} (seed {seed}) in {target}", result=True)


def reset(ctx: typer.Context) -> None:
    """Start the embedded sandbox world afresh (the default world, dated from now)."""
    from c5attn.sandbox.embedded import DEFAULT_ORDERS, DEFAULT_SEED, init_world, sandbox_dir

    env = get_env(ctx)
    target = sandbox_dir(env.writable_state_dir())
    if env.stderr_is_tty:
        env.say(building_note(DEFAULT_ORDERS, target))
    init_world(target, orders=DEFAULT_ORDERS, seed=DEFAULT_SEED, now=env.now())
    env.say(f"sandbox world reset in {target}", result=True)


def register(sandbox_app: typer.Typer) -> None:
    """Add ``init`` and ``reset`` to the ``sandbox`` group (``serve`` lives in sandbox_cmd)."""
    sandbox_app.command("init")(init)
    sandbox_app.command("reset")(reset)
