"""Opening the sites a command works on: adapters, the embedded sandbox, confirmation, progress."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import typer

from c5attn.cli.context import CliEnv
from c5attn.errors import Interrupted, NotConfirmed, UsageError

if TYPE_CHECKING:
    from c5attn.config import SiteConfig
    from c5attn.magento.search import FilterGroup
    from c5attn.workflow import Progress, SiteSession

R = TypeVar("R")


@contextmanager
def open_sessions(
    env: CliEnv, *, prefetch: Callable[[SiteConfig], Sequence[FilterGroup]] | None = None
) -> Iterator[list[SiteSession]]:
    """Yield a ``SiteSession`` per chosen site; with ``--sandbox``, the embedded world's one site.

    ``prefetch`` gives the order search a command runs first on a site: its first page is
    requested as soon as the site's Magento client exists, and arrives while the scan engine and
    Counterpoint are being loaded (``MagentoClient.prefetch_orders``).
    """
    from c5attn.magento.client import MagentoClient

    trace = tracer(env)
    now = env.now()
    with ExitStack() as stack:
        if env.sandbox:
            use_sandbox(env, stack)
        sites = env.sites()
        clients = [stack.enter_context(MagentoClient(site, trace=trace)) for site in sites]
        if prefetch is not None:
            for site, client in zip(sites, clients, strict=True):
                client.prefetch_orders(prefetch(site))

        from c5attn.audit import AuditLog
        from c5attn.counterpoint.store import CounterpointStore
        from c5attn.workflow import SiteSession

        sessions = [
            SiteSession(
                site,
                magento,
                stack.enter_context(CounterpointStore(site, trace=trace)),
                env.config.operator,
                AuditLog(env.state_dir()),
                now,
                command=env.command(site.name),
            )
            for site, magento in zip(sites, clients, strict=True)
        ]
        yield sessions


def use_sandbox(env: CliEnv, stack: ExitStack) -> None:
    """Serve the embedded sandbox world until ``stack`` closes and make it the configuration."""
    from c5attn.sandbox.embedded import DEFAULT_ORDERS, running_sandbox, sandbox_dir, world_exists

    sandbox_site(env)
    state = env.writable_state_dir()
    directory = sandbox_dir(state)
    if not world_exists(directory):
        env.say(building_note(DEFAULT_ORDERS, directory))
    env.config = stack.enter_context(running_sandbox(state, env=env.env, now=env.now()))


def building_note(orders: int, directory: Path) -> str:
    """What a command says before it builds a sandbox world (seconds to half a minute)."""
    return f"building the sandbox world ({orders:,} orders) in {directory} …"


def sandbox_site(env: CliEnv) -> str:
    """The embedded sandbox's one site; naming another with ``--sandbox`` is a usage error."""
    from c5attn.sandbox.embedded import SANDBOX_SITE

    if env.site not in (None, SANDBOX_SITE):  # --site as typed; C5ATTN_SITE is for the real sites
        raise UsageError(
            f"--sandbox has one site, {SANDBOX_SITE!r}; there is no site {env.site!r} in it",
            "leave out --site, or leave out --sandbox to use the configured sites",
        )
    return SANDBOX_SITE


def tracer(env: CliEnv) -> Callable[[str], None] | None:
    """With ``--verbose``, where HTTP requests and SQL statements are traced (stderr); else None."""
    if not env.verbose:
        return None
    # Literal: a URL's searchCriteria[filter_groups][0] is no markup (Rich swallowed such parts).
    return lambda line: env.stderr.print(line, style="dim", markup=False, highlight=False, soft_wrap=True)


def confirm_write(env: CliEnv, question: str, *, yes: bool, dry_run: bool) -> bool:
    """True to write. ``--dry-run`` never writes; ``--yes`` always does; otherwise ask on a terminal."""
    if dry_run:
        env.say("dry run: nothing was written")
        return False
    if yes:
        return True
    if not env.stdin_is_tty:
        raise NotConfirmed(
            "this command writes, and there is no terminal to confirm it on",
            "add --yes to write, or --dry-run to only see what would be done",
        )
    try:
        answer = typer.confirm(question, default=False, err=True)
    except typer.Abort as abort:  # Click turns Ctrl-C and Ctrl-D at a prompt alike into "Aborted!", exit 1
        if isinstance(abort.__context__, KeyboardInterrupt):  # exit 130, as Ctrl-C anywhere else
            raise Interrupted("at the question: nothing was written", None) from None
        env.say("")  # end of input: no answer is not a yes; the prompt's line is left open
        answer = False
    if not answer:
        env.say("nothing was written")
    return answer


@contextmanager
def progress_reporters(env: CliEnv, labels: Sequence[str]) -> Iterator[list[Progress | None]]:
    """A progress bar per label on stderr when it is a terminal (one per site, updated from the
    sites' threads); nothing otherwise."""
    if not env.stderr_is_tty:
        yield [None] * len(labels)
        return
    from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
    from rich.progress import Progress as Bars

    with Bars(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=env.stderr,
        transient=True,
    ) as bars:

        def reporter(label: str) -> Progress:
            task = bars.add_task(label, total=None)

            def update(done: int, total: int) -> None:
                bars.update(task, completed=done, total=total)

            return update

        yield [reporter(label) for label in labels]


def on_every_site(
    env: CliEnv, sessions: list[SiteSession], activity: str, work: Callable[[SiteSession, Progress | None], R]
) -> list[R]:
    """``work`` on every site at once (``workflow.for_each_site``), with a progress bar per site
    ("scanning web") on a terminal; the results in site order."""
    from c5attn.workflow import for_each_site

    with progress_reporters(env, [f"{activity} {session.site.name}" for session in sessions]) as bars:
        return for_each_site(sessions, work, bars)
