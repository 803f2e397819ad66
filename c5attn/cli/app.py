"""The ``c5attn`` command line: global options, the commands, and how failures reach the operator.

Every command module is registered here with one import and one line. Command modules keep
heavy imports (requests, pyodbc, tabulate, rich.table) inside their functions, so that
``c5attn --help`` starts fast.
"""

from __future__ import annotations

import dataclasses
import shlex
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperGroup

from c5attn import __version__
from c5attn.cli import config_cmd, doctor_cmd, orders_cmd, sandbox_cmd, sandbox_world_cmd, scenarios_cmd
from c5attn.cli.context import CliEnv
from c5attn.controls import printable
from c5attn.errors import C5Error, ExitCode, Interrupted, UsageError
from c5attn.wording import one_line

try:
    from typer._click.exceptions import NoArgsIsHelpError, NoSuchOption
    from typer._click.exceptions import UsageError as ClickUsageError
except ImportError:  # a Typer that does not carry its own Click
    from click.exceptions import NoArgsIsHelpError, NoSuchOption  # type: ignore[no-redef,assignment,unused-ignore]
    from click.exceptions import UsageError as ClickUsageError  # type: ignore[no-redef,assignment,unused-ignore]

if TYPE_CHECKING:
    from typer._click import Context as ClickContext
    from typer._click import Parameter as ClickParameter


ERROR_LENGTH = 500  # a message quoting a 100 kB option value stays a line an operator can read


def report_error(err: C5Error) -> None:
    """The operator's view of a failure: one line on stderr, and a hint line when there is one.
    Control characters are escaped: a message may quote what Magento or the operator sent. On a
    terminal each is wrapped between words (a terminal would cut words); piped, lines stay whole."""
    what = "c5attn: interrupted" if isinstance(err, Interrupted) else "c5attn: error"
    lines = [(f"{what}: {printable(one_line(err.message, ERROR_LENGTH))}", "    ")]
    if err.hint:
        lines.append((f"  hint: {printable(one_line(err.hint, ERROR_LENGTH))}", "        "))
    width = _terminal_width(sys.stderr)
    text = "\n".join(_wrapped(line, indent, width) for line, indent in lines)
    typer.echo(("\n" if isinstance(err, Interrupted) else "") + text, err=True)  # after the ^C


def _terminal_width(stream: object) -> int | None:
    """The width of the terminal ``stream`` writes to (``COLUMNS`` first, as shells set it), or
    None when it is not one. Not stdout's: a redirected stdout (``scan --json > f``) has none."""
    isatty = getattr(stream, "isatty", None)
    if not callable(isatty) or not isatty():
        return None
    import os

    from c5attn.cli.context import terminal_columns

    width = terminal_columns(stream, os.environ)
    if width is None:
        return None
    return width if width >= MIN_WRAP_WIDTH else None  # a terminal of no size (a bare pty) says 0


MIN_WRAP_WIDTH = 20  # narrower, wrapping would help nothing: the terminal does its own


def _wrapped(line: str, indent: str, width: int | None) -> str:
    """``line`` broken between words to ``width`` with its continuation indented; whole if None.
    A command stays on one line (pasted, a broken one would run its first half), and no word is
    split, nor a scenario code at its hyphens (``render.line_breaks``)."""
    if width is None or len(line) <= width:
        return line
    from c5attn.cli.render import line_breaks

    breaks = line_breaks(line, width - len(indent))
    pieces = [line[start:end].rstrip() for start, end in zip([0, *breaks], [*breaks, len(line)], strict=True)]
    return ("\n" + indent).join(pieces)


def report_usage_error(err: ClickUsageError, ctx: ClickContext | None = None) -> None:
    """A command line the parser refused, in the same one-line form, its usage as the hint: that of
    the command it was refused for (``ctx`` when Click's error names none, as for a missing value)."""
    ctx = err.ctx or ctx
    if ctx is None:  # refused before any command was known: ``c5attn --site``
        hint = "more: c5attn -h"
    else:
        usage = ctx.get_usage().strip().removeprefix("Usage:").strip()
        hint = f"usage: {usage} (more: {ctx.command_path} -h)"
    report_error(UsageError(err.format_message(), hint))


def _report_interrupt() -> None:
    typer.echo("\nc5attn: interrupted", err=True)


_ARGV = "c5attn.argv"  # the root's command line, in the contexts' shared ``meta``


class C5Group(TyperGroup):
    """Runs commands and turns a C5Error into its message and exit code, never a traceback."""

    def main(self, args: Sequence[str] | None = None, *rest: Any, **extra: Any) -> Any:
        """With ``--no-color`` among the global options, help comes without colour too: Typer
        prints it (an eager option) before the root callback has seen --no-color."""
        before, _, _ = self._split_at_command(list(sys.argv[1:] if args is None else args))
        if "--no-color" not in before:
            return super().main(args, *rest, **extra)
        import typer.rich_utils

        colours = typer.rich_utils.COLOR_SYSTEM
        typer.rich_utils.COLOR_SYSTEM = None  # Typer's knob for help without colour
        try:
            return super().main(args, *rest, **extra)
        finally:
            typer.rich_utils.COLOR_SYSTEM = colours

    def make_context(
        self, info_name: str | None, args: list[str], parent: ClickContext | None = None, **extra: Any
    ) -> ClickContext:
        try:
            return super().make_context(info_name, args, parent, **extra)
        except NoArgsIsHelpError:  # ``c5attn`` alone: the help is the answer
            raise
        except ClickUsageError as err:  # in the global options: ``c5attn --bogus``
            report_usage_error(err)
            raise typer.Exit(ExitCode.USAGE) from None

    def parse_args(self, ctx: ClickContext, args: list[str]) -> list[str]:
        ctx.meta[_ARGV] = list(args)
        return super().parse_args(ctx, args)

    def invoke(self, ctx: ClickContext) -> Any:
        try:
            try:
                return super().invoke(ctx)
            finally:  # what stdout still buffers: a failure to write it (a full disk) is the command's
                sys.stdout.flush()
        except C5Error as err:
            report_error(err)
            raise typer.Exit(err.exit_code) from None
        except KeyboardInterrupt:
            _report_interrupt()
            raise typer.Exit(ExitCode.INTERRUPTED) from None
        except NoArgsIsHelpError:  # ``c5attn config`` alone: its help is the answer
            raise
        except ClickUsageError as err:
            misplaced = (
                self.misplaced_global_option(ctx, err.option_name) if isinstance(err, NoSuchOption) else None
            )
            if misplaced is not None:
                report_error(misplaced)
            else:
                report_usage_error(err, self._command_context(ctx))
            raise typer.Exit(ExitCode.USAGE) from None

    def misplaced_global_option(self, ctx: ClickContext, option: str) -> UsageError | None:
        """A global option typed after the command (``c5attn list --site web``): where it goes, and
        the command line with every such option there. None for an option that is not a global one."""
        if self._global_param(option) is None:
            return None
        argv: list[str] = ctx.meta.get(_ARGV, [])
        before, command, after = self._split_at_command(argv)
        moved: list[str] = []
        kept: list[str] = []
        i = 0
        while i < len(after):
            token = after[i]
            param = self._global_param(token)
            if param is None:
                kept.append(token)
                i += 1
                continue
            width = _tokens_taken(param, token)
            if i + width > len(after):  # its value is missing: no command line to offer
                return UsageError(f"{option} is a global option: it goes before the command", None)
            if param.is_eager:  # --version ends the run before any command: alone, then
                return UsageError(
                    f"{option} is a global option: it goes before the command", "type: c5attn --version"
                )
            if not (getattr(param, "is_flag", False) and token in before):  # --sandbox twice: once
                moved += after[i : i + width]
            i += width
        hint = None
        if command is not None:
            hint = f"type: {shlex.join([ctx.info_name or 'c5attn', *before, *moved, command, *kept])}"
        return UsageError(f"{option} is a global option: it goes before the command", hint)

    def _global_param(self, token: str) -> ClickParameter | None:
        """The global option ``token`` names: ``--site``, ``--site=web``, ``-v``, ``-vv`` (not
        ``-h``/``--help``); None for anything else, a command or a value included."""
        if not token.startswith("-"):
            return None
        token = token.split("=", 1)[0]
        for param in self.params:
            for name in param.opts:
                if name in ("-h", "--help"):
                    continue
                if token == name or (
                    not name.startswith("--")
                    and len(token) > 2
                    and token == name + name[1] * (len(token) - 2)
                ):
                    return param
        return None

    def _command_context(self, ctx: ClickContext) -> ClickContext:
        """A context of the (sub)command the command line names, parsed no further: for its usage."""
        _, name, rest = self._split_at_command(ctx.meta.get(_ARGV, []))
        command: Any = self.commands.get(name) if name else None
        while command is not None:
            ctx = command.context_class(command, info_name=name, parent=ctx)
            name = rest[0] if rest else None
            rest = rest[1:]
            command = getattr(command, "commands", {}).get(name)
        return ctx

    def _split_at_command(self, argv: list[str]) -> tuple[list[str], str | None, list[str]]:
        """(the global options before the command, the command, what follows it)."""
        i = 0
        while i < len(argv):
            token = argv[i]
            if token in self.commands:
                return argv[:i], token, argv[i + 1 :]
            param = self._global_param(token)
            i += _tokens_taken(param, token) if param is not None else 1
        return argv, None, []


def _tokens_taken(param: ClickParameter, token: str) -> int:
    """2 for an option given its value as the next token (``--site web``), else 1."""
    takes_value = not (getattr(param, "is_flag", False) or getattr(param, "count", False))
    return 2 if takes_value and "=" not in token else 1


ABOUT = 'Find, explain and resolve Commerce5 "Needs Attention" orders between NCR Counterpoint and Magento 2.'

app = typer.Typer(
    name="c5attn",
    cls=C5Group,
    help=ABOUT,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,  # locals can hold secrets
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _print_version(value: bool) -> None:
    if value:
        # Through sys.stdout, not typer.echo (Click may write to a stream of its own): a full disk is
        # then the one-line OutputFailed, not an exit 0 with nothing written.
        sys.stdout.write(f"c5attn {__version__}\n")
        sys.stdout.flush()
        raise typer.Exit()


SiteOpt = Annotated[
    str | None,
    typer.Option(
        "--site",
        metavar="NAME",
        help="Work on this site only (default: C5ATTN_SITE, else the only one, or all).",
    ),
]
ConfigOpt = Annotated[
    str | None,
    typer.Option(
        "--config",
        metavar="PATH",
        help="Read this file (default: C5ATTN_CONFIG, ./c5attn.toml, the user config dir).",
    ),
]
NoColorOpt = Annotated[bool, typer.Option("--no-color", help="No colour (also: NO_COLOR, TERM=dumb).")]
# A counter, not a number to type: no value placeholder ("<int>") and no "[default: 0]" in the help.
VerboseOpt = Annotated[
    int,
    typer.Option(
        "-v",
        "--verbose",
        count=True,
        metavar="",
        show_default=False,
        help="Trace HTTP requests and SQL on stderr; repeat for debug: -vv. A flag: it takes no value.",
    ),
]
SandboxOpt = Annotated[
    bool, typer.Option("--sandbox", help="Work on the built-in sandbox instead of the configured sites.")
]
VersionOpt = Annotated[
    bool, typer.Option("--version", callback=_print_version, is_eager=True, help="Print the version.")
]


@app.callback()
def root(
    ctx: typer.Context,
    site: SiteOpt = None,
    config: ConfigOpt = None,
    no_color: NoColorOpt = False,
    verbose: VerboseOpt = 0,
    sandbox: SandboxOpt = False,
    version: VersionOpt = False,
) -> None:
    """Find, explain and resolve Commerce5 "Needs Attention" orders between NCR Counterpoint and Magento 2."""
    if site is not None and not site.strip():  # a script's empty "$SITE" must not mean every site
        raise UsageError("--site is empty", "name a configured site, or leave out --site for every site")
    if sandbox and config is not None:  # it would be ignored without a word
        raise UsageError(
            "--config and --sandbox together: --sandbox works on its built-in world and reads no file",
            "leave out --sandbox to read the file, or --config to use the sandbox",
        )
    base = ctx.obj if isinstance(ctx.obj, CliEnv) else CliEnv.from_system()
    ctx.obj = dataclasses.replace(
        base,
        config_path=config,
        site=site,
        no_color=no_color or base.no_color,
        verbose=verbose,
        sandbox=sandbox,
    )
    if verbose:
        ctx.call_on_close(_log_to(ctx.obj.stderr_file, debug=verbose > 1))


def _log_to(stream: Any, *, debug: bool) -> Callable[[], None]:
    """Libraries' logs on stderr for -v/-vv, with credentials hidden: OAuth's own debug lines (its
    signing string, the Authorization header it built) are left out, and any Authorization value,
    OAuth token or signature another library logs is replaced by ***. Returns what undoes it."""
    import logging

    from c5attn.magento.auth import redact

    class Redacting(logging.Formatter):  # the whole line, a traceback attached to it included
        def format(self, record: logging.LogRecord) -> str:
            return redact(super().format(record), ())

    handler = logging.StreamHandler(stream)
    handler.setFormatter(Redacting("c5attn: %(levelname)s: %(name)s: %(message)s"))
    root, quiet = logging.getLogger(), [logging.getLogger(name) for name in ("oauthlib", "requests_oauthlib")]
    levels = [logger.level for logger in (root, *quiet)]
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if debug else logging.INFO)
    for logger in quiet:
        logger.setLevel(logging.WARNING)

    def undo() -> None:
        root.removeHandler(handler)
        for logger, level in zip((root, *quiet), levels, strict=True):
            logger.setLevel(level)

    return undo


app.command("scenarios")(scenarios_cmd.scenarios)
app.add_typer(config_cmd.app, name="config")
orders_cmd.register(app)
app.command("doctor")(doctor_cmd.doctor)
sandbox_world_cmd.register(sandbox_cmd.sandbox_app)
app.add_typer(sandbox_cmd.sandbox_app, name="sandbox")


def main(argv: Sequence[str] | None = None) -> None:
    """The console script: run the CLI; a failure outside any command still becomes one line."""
    try:
        app(args=argv, prog_name="c5attn")
    except C5Error as err:  # raised while parsing the global options, before any command runs
        report_error(err)
        sys.exit(err.exit_code)
    except KeyboardInterrupt:
        _report_interrupt()
        sys.exit(ExitCode.INTERRUPTED)
