"""The environment a command runs in, as one injectable object (the httpie ``Environment`` idea).

Commands read terminals, colour, environment variables, the clock and the configuration from
:class:`CliEnv` rather than from ``sys``/``os``, so tests can hand in their own. Data goes to
``stdout``; progress, warnings and errors go to ``stderr``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import typer

from c5attn.controls import printable

if TYPE_CHECKING:
    from rich.console import Console

    from c5attn.config import Config, SiteConfig


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _is_tty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # closed or not a real file
        return False


def terminal_columns(stream: object, env: Mapping[str, str]) -> int | None:
    """The width of the terminal ``stream`` writes to: ``COLUMNS`` first, as shells (and Emacs'
    shell) set it, else the terminal's own; None when neither says."""
    columns = env.get("COLUMNS", "")
    if columns.isdigit():
        return int(columns)
    try:
        return os.get_terminal_size(stream.fileno()).columns  # type: ignore[attr-defined]
    except (AttributeError, OSError, ValueError):
        return None


@dataclass
class CliEnv:
    """Streams, terminal facts, environment, clock and the global options of one invocation."""

    stdout_file: TextIO
    stderr_file: TextIO
    stdin_is_tty: bool
    stdout_is_tty: bool
    stderr_is_tty: bool
    env: Mapping[str, str] = field(repr=False)  # the process environment holds secrets
    cwd: Path
    clock: Callable[[], datetime] = _utc_now
    time_zone: tzinfo | None = None  # dates typed as options; None: this machine's, DST included
    config_path: str | None = None  # --config
    site: str | None = None  # --site
    no_color: bool = False  # --no-color
    verbose: int = 0  # -v, -vv
    sandbox: bool = False  # --sandbox
    _config: Config | None = field(default=None, repr=False)

    @classmethod
    def from_system(cls) -> CliEnv:
        """The real process: sys streams, os.environ, the current directory, default options."""
        return cls(
            stdout_file=sys.stdout,
            stderr_file=sys.stderr,
            stdin_is_tty=_is_tty(sys.stdin),
            stdout_is_tty=_is_tty(sys.stdout),
            stderr_is_tty=_is_tty(sys.stderr),
            env=os.environ,
            cwd=Path.cwd(),
        )

    def colour(self, is_tty: bool) -> bool:
        """Whether a stream gets colour: off for --no-color, NO_COLOR, TERM=dumb; FORCE_COLOR forces it."""
        if self.no_color or self.env.get("NO_COLOR") or self.env.get("TERM") == "dumb":
            return False
        return bool(self.env.get("FORCE_COLOR")) or is_tty

    def _console(self, file: TextIO, is_tty: bool) -> Console:
        from rich.console import Console

        colour = self.colour(is_tty)
        width = height = None  # Rich's own: COLUMNS, else the terminal's
        dumb = is_tty and self.env.get("TERM") == "dumb"  # no colour; Rich would also assume 80 columns
        if dumb and (columns := terminal_columns(file, self.env)):
            lines = self.env.get("LINES", "")
            width, height = columns, int(lines) if lines.isdigit() else 25  # Rich wants both, or 80 × 25
        return Console(
            file=file,
            width=width,
            height=height,
            force_terminal=is_tty or colour,
            color_system="auto" if colour else None,
            no_color=not colour,
            highlight=False,
            emoji=False,
            soft_wrap=not is_tty,  # piped output is never cut to a terminal width
            _environ=dict(self.env),
        )

    @cached_property
    def stdout(self) -> Console:
        """Data: tables, JSON."""
        return self._console(self.stdout_file, self.stdout_is_tty)

    @cached_property
    def stderr(self) -> Console:
        """Everything that is not data: progress, warnings, errors, confirmations."""
        return self._console(self.stderr_file, self.stderr_is_tty)

    def say(self, text: str, *, result: bool = False) -> None:
        """A line of plain text on stderr, or on stdout when it is the command's ``result``: through
        Rich on a terminal, wrapped at its width (``render.print_wrapped``); as it is when piped (a
        piped ``scan --json`` then never loads Rich, ~15 ms of its run). Never markup: such lines
        quote order data, Magento's and Commerce5's messages, in which "[...]" is text."""
        if result:
            file, is_tty = self.stdout_file, self.stdout_is_tty
        else:
            file, is_tty = self.stderr_file, self.stderr_is_tty
        text = printable(text)
        if is_tty:  # wrapped between words, a command it gives kept whole
            from c5attn.cli.render import print_wrapped

            print_wrapped(self.stdout if result else self.stderr, text)
        else:
            file.write(text + "\n")

    def now(self) -> datetime:
        """The current time (timezone-aware UTC); tests pin it with ``clock``."""
        return self.clock()

    @property
    def config(self) -> Config:
        """The configuration, read on first use from the global options and the environment."""
        if self._config is None:
            from c5attn.config import load_config

            self._config = load_config(self.config_path, self.env, self.cwd, site=self.site)
        return self._config

    @config.setter
    def config(self, value: Config) -> None:
        """Replace the configuration (the embedded sandbox supplies its own)."""
        self._config = value

    def command(self, site: str | None = None) -> str:
        """The command line that reaches ``site`` (or every site) again, for the hints c5attn prints:
        with ``--config`` as typed, so a printed command reads the same file."""
        if self.sandbox:
            return "c5attn --sandbox"
        import shlex

        words = ["c5attn"]
        if self.config_path:
            words += ["--config", shlex.quote(self.config_path)]
        if site:
            words += ["--site", shlex.quote(site)]
        return " ".join(words)

    def sites(self) -> list[SiteConfig]:
        """The sites this invocation works on (``--site``/``C5ATTN_SITE``, the only one, or all)."""
        from c5attn.config import select_sites

        return select_sites(self.config, self.config.site)

    def state_dir(self) -> Path:
        """Where the audit log, locks and sandbox data live (``C5ATTN_HOME`` or the user data dir)."""
        from c5attn.config import state_dir

        return state_dir(self.env)

    def writable_state_dir(self) -> Path:
        """The state folder for a command about to write there, created if missing; one that
        cannot be is a one-line error before the command writes anything."""
        from c5attn.config import create_state_dir

        return create_state_dir(self.env)


def get_env(ctx: typer.Context) -> CliEnv:
    """The invocation's CliEnv, set by the root callback (tests may pass their own as ``obj``)."""
    env = ctx.find_root().obj
    if not isinstance(env, CliEnv):
        raise RuntimeError("c5attn's root callback did not run: no CliEnv on the context")
    return env
