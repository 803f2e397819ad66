"""The CLI skeleton: global options, scenarios, config show/init, error reporting and exit codes."""

from __future__ import annotations

import io
import json
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

import c5attn.config
from c5attn import __version__
from c5attn.cli.app import app, main, report_error
from c5attn.cli.context import CliEnv
from c5attn.cli.render import print_table
from c5attn.cli.sessions import tracer
from c5attn.config import config_template
from c5attn.errors import (
    C5Error,
    ConfigError,
    ExitCode,
    LockHeld,
    MagentoAuthError,
    PartialFailure,
    UsageError,
)

FIVE_CODES = [
    "manual-invoice-or-ship",
    "capture-failed",
    "released-but-canceled",
    "completed-but-canceled",
    "deposit-but-canceled",
]
SITE = """
[sites.web]
magento_url = "https://shop.example.com"
magento_token = "env:MAGENTO_TOKEN"
counterpoint_dsn = "DRIVER={FreeTDS};SERVER=db;UID=c5;PWD=pw-SECRET-2"
"""


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# --- global options ----------------------------------------------------------------------------


def test_cli_version_prints_the_package_version(runner: CliRunner) -> None:
    result = runner.invoke(app, ["--version"])
    assert (result.exit_code, result.stdout) == (0, f"c5attn {__version__}\n")


@pytest.mark.parametrize("value", ["", "  "])
def test_cli_an_empty_site_is_refused_not_every_site(runner: CliRunner, value: str) -> None:
    """``c5attn --site "$SITE" resolve …`` with $SITE unset must not act on whichever site has it."""
    result = runner.invoke(app, ["--site", value, "config", "show"], env={"C5ATTN_SITE": "beta"})
    assert result.exit_code == 2
    assert "c5attn: error: --site is empty" in result.stderr


def test_cli_help_lists_only_working_commands(runner: CliRunner) -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for word in ("scenarios", "config", "--site", "--config", "--no-color", "--verbose", "--sandbox"):
        assert word in result.stdout


def test_cli_help_shows_verbose_as_a_repeatable_flag(runner: CliRunner) -> None:
    """A counter: "<int> [default: 0]" made operators type ``--verbose 1`` ("No such command '1'")."""
    result = runner.invoke(app, ["--help"], env={"COLUMNS": "120"})
    assert result.exit_code == 0
    line = next(line for line in result.stdout.splitlines() if "--verbose" in line)
    assert "<int>" not in line and "default" not in line and "INTEGER" not in line, line
    assert "-v " in line and "-vv" in line and "no value" in line, line


def test_cli_global_options_reach_an_injected_env(
    runner: CliRunner, make_env: Callable[..., CliEnv], isolated_home: Path
) -> None:
    write(isolated_home / "other.toml", SITE)
    env = make_env(env={"MAGENTO_TOKEN": "tok-SECRET-1"})
    result = runner.invoke(
        app, ["--config", "other.toml", "--site", "web", "config", "show", "--json"], obj=env
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(env.stdout_file.getvalue())  # type: ignore[attr-defined]
    assert {"site": "", "key": "site", "value": "web", "origin": "flag"} in rows
    assert {
        "site": "",
        "key": "config_file",
        "value": str(isolated_home / "other.toml"),
        "origin": "flag",
    } in rows
    assert result.stdout == ""  # everything went to the injected streams


# --- scenarios ---------------------------------------------------------------------------------


def test_cli_scenarios_json_shape(runner: CliRunner) -> None:
    result = runner.invoke(app, ["scenarios", "--json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert [item["code"] for item in data] == FIVE_CODES
    assert [item["number"] for item in data] == [1, 2, 3, 4, 5]
    for item in data:
        assert list(item) == ["code", "number", "title", "colour", "steps"]
        assert isinstance(item["title"], str) and isinstance(item["colour"], str)
        assert item["steps"] and all(isinstance(step, str) and step for step in item["steps"])


def test_cli_scenarios_piped_prints_one_line_per_step_without_colour(runner: CliRunner) -> None:
    from c5attn.scenarios import SCENARIOS

    result = runner.invoke(app, ["scenarios"])
    lines = result.stdout.splitlines()
    assert len(lines) == 1 + sum(len(s.steps) for s in SCENARIOS)
    assert all(code in result.stdout for code in FIVE_CODES)
    assert "\x1b[" not in result.stdout


def test_cli_scenarios_on_a_terminal_is_coloured_unless_no_color(
    runner: CliRunner, make_env: Callable[..., CliEnv]
) -> None:
    coloured = make_env(stdout_is_tty=True, env={"TERM": "xterm-256color"})
    runner.invoke(app, ["scenarios"], obj=coloured)
    assert "\x1b[" in coloured.stdout_file.getvalue()  # type: ignore[attr-defined]
    plain = make_env(stdout_is_tty=True, env={"TERM": "xterm-256color"})
    runner.invoke(app, ["--no-color", "scenarios"], obj=plain)
    text = plain.stdout_file.getvalue()  # type: ignore[attr-defined]
    assert "\x1b[" not in text and "capture-failed" in text


def test_cli_scenarios_on_a_narrow_terminal_keeps_every_code_and_word(
    runner: CliRunner, make_env: Callable[..., CliEnv]
) -> None:
    """The codes are what ``list --scenario`` takes: never cut to "manual-invoice…"; a long word of
    a step is folded, not cut either."""
    from c5attn.scenarios import SCENARIOS

    env = make_env(stdout_is_tty=True, env={"NO_COLOR": "1", "COLUMNS": "60"})
    runner.invoke(app, ["scenarios"], obj=env)
    text = env.stdout_file.getvalue()  # type: ignore[attr-defined]
    lines = text.splitlines()
    assert all(f"{number}  {code}" in lines for number, code in enumerate(FIVE_CODES, 1))  # records
    assert text.count("…") == sum(step.count("…") for s in SCENARIOS for step in s.steps)  # the steps' own
    assert max(map(len, lines)) <= 60


@pytest.mark.parametrize(
    ("no_color", "env", "is_tty", "expected"),
    [
        (False, {}, True, True),
        (False, {}, False, False),
        (True, {}, True, False),
        (False, {"NO_COLOR": "1"}, True, False),
        (False, {"TERM": "dumb"}, True, False),
        (False, {"FORCE_COLOR": "1"}, False, True),
        (True, {"FORCE_COLOR": "1"}, True, False),
    ],
)
def test_cli_env_colour_rules(
    make_env: Callable[..., CliEnv], no_color: bool, env: dict[str, str], is_tty: bool, expected: bool
) -> None:
    assert make_env(no_color=no_color, env=env).colour(is_tty) is expected


def test_cli_env_repr_hides_the_environment(make_env: Callable[..., CliEnv]) -> None:
    assert "SECRET" not in repr(make_env(env={"MAGENTO_TOKEN": "tok-SECRET"}))


# --- config show -------------------------------------------------------------------------------


def test_cli_config_show_redacts_secrets_and_warns_about_plain_text(
    runner: CliRunner, isolated_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(isolated_home / "c5attn.toml", SITE)
    monkeypatch.setenv("MAGENTO_TOKEN", "tok-SECRET-1")
    table = runner.invoke(app, ["config", "show"])
    as_json = runner.invoke(app, ["config", "show", "--json"])
    for result in (table, as_json):
        assert result.exit_code == 0, result.output
        assert "SECRET" not in result.stdout + result.stderr
        assert "warning: sites.web.counterpoint_dsn is stored in plain text" in result.stderr
    assert "env:MAGENTO_TOKEN (set)" in table.stdout
    rows = json.loads(as_json.stdout)
    assert {
        "site": "web",
        "key": "counterpoint_dsn",
        "value": "DRIVER={FreeTDS};SERVER=db;UID=c5;PWD=***",
        "origin": f"file {isolated_home / 'c5attn.toml'}",
    } in rows
    assert {"site": "web", "key": "magento_page_size", "value": "300", "origin": "default"} in rows


def test_cli_config_show_on_an_80_column_terminal_shows_every_value_whole(
    isolated_home: Path, make_env: Callable[..., CliEnv]
) -> None:
    """A long URL or path is folded, never cut with "…": it is what the operator came to check.
    The file's path is the config_file row's value; the rows it gave say "file"."""
    url = "https://shop.example.com/a/very/long/path/to/the/store/view/that/goes/on/and/on/end-of-url"
    write(isolated_home / "c5attn.toml", SITE.replace("https://shop.example.com", url.removesuffix("/")))
    env = make_env(stdout_is_tty=True, env={"NO_COLOR": "1", "MAGENTO_TOKEN": "t", "COLUMNS": "80"})
    result = CliRunner().invoke(app, ["config", "show"], obj=env)
    assert result.exit_code == 0, result.output
    shown = env.stdout_file.getvalue()  # type: ignore[attr-defined]
    assert "…" not in shown and max(map(len, shown.splitlines())) <= 80
    values = "".join(line.split("│")[3].strip() for line in shown.splitlines() if line.count("│") == 5)
    assert url in values and str(isolated_home / "c5attn.toml") in values  # folded, every character kept
    assert "│ file    │" in shown and f"file {isolated_home}" not in shown


@pytest.mark.parametrize("terminal", [False, True], ids=["piped", "terminal"])
def test_cli_config_show_prints_control_characters_as_escapes(
    isolated_home: Path, make_env: Callable[..., CliEnv], terminal: bool
) -> None:
    write(isolated_home / "c5attn.toml", SITE + 'counterpoint_store = "WEB\\u001b]0;owned\\u0007"\n')
    env = make_env(stdout_is_tty=terminal, env={"NO_COLOR": "1", "MAGENTO_TOKEN": "t"})
    result = CliRunner().invoke(app, ["config", "show"], obj=env)
    assert result.exit_code == 0, result.output
    shown = env.stdout_file.getvalue()  # type: ignore[attr-defined]
    assert "WEB\\x1b]0;owned\\x07" in shown and "\x1b" not in shown and "\x07" not in shown


@pytest.mark.parametrize(
    ("text", "args", "expected"),
    [
        (
            SITE + "magento_page_size = 500\n",
            [],
            "c5attn.toml: sites.web.magento_page_size must be an integer from 1 to 300",
        ),
        (SITE + "magento_tokn = 1\n", [], "unknown key sites.web.magento_tokn (did you mean magento_token?)"),
        ("[sites.web\n", [], "not valid TOML"),
        (SITE, ["--site", "outlet"], "unknown site 'outlet' (from --site); the configured sites are: web"),
        (SITE, ["--config", "nope.toml"], "nope.toml (from --config) does not exist"),
    ],
)
def test_cli_bad_config_is_one_error_line_exit_2_no_traceback(
    runner: CliRunner, isolated_home: Path, text: str, args: list[str], expected: str
) -> None:
    write(isolated_home / "c5attn.toml", text)
    result = runner.invoke(app, [*args, "config", "show"])
    assert result.exit_code == ExitCode.USAGE
    assert isinstance(result.exception, SystemExit)
    lines = result.stderr.splitlines()
    assert lines[0].startswith("c5attn: error: ") and expected in lines[0]
    assert len(lines) == 2 and lines[1].startswith("  hint: ")
    assert "Traceback" not in result.output and result.stdout == ""


# --- config init -------------------------------------------------------------------------------


def test_cli_config_init_writes_a_private_template_and_never_overwrites(
    runner: CliRunner, isolated_home: Path
) -> None:
    target = isolated_home / "c5attn.toml"
    first = runner.invoke(app, ["config", "init"])
    assert first.exit_code == 0, first.output
    assert target.read_text(encoding="utf-8") == config_template()
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    write(target, "# mine\n")
    second = runner.invoke(app, ["config", "init"])
    assert second.exit_code == ExitCode.USAGE
    assert f"c5attn: error: {target} already exists; not overwriting it" in second.stderr
    assert target.read_text(encoding="utf-8") == "# mine\n"


@pytest.mark.parametrize(
    ("args", "variable", "where"),
    [
        (["config", "init", "--path", "sub/dir/a.toml"], "c.toml", "sub/dir/a.toml"),
        (["--config", "b.toml", "config", "init"], "c.toml", "b.toml"),
        (["config", "init"], "c.toml", "c.toml"),  # the file later commands will read
    ],
)
def test_cli_config_init_target_is_path_then_config_then_the_variable(
    runner: CliRunner, isolated_home: Path, args: list[str], variable: str, where: str
) -> None:
    result = runner.invoke(app, args, env={"C5ATTN_CONFIG": variable})
    assert result.exit_code == 0, result.output
    assert (isolated_home / where).read_text(encoding="utf-8") == config_template()
    assert not (isolated_home / "c5attn.toml").exists()


def test_cli_config_naming_a_folder_says_so(runner: CliRunner, isolated_home: Path) -> None:
    result = runner.invoke(app, ["--config", str(isolated_home), "config", "show"])
    assert result.exit_code == ExitCode.USAGE
    assert "is a folder" in result.stderr and "does not exist" not in result.stderr


# --- main(): exit codes ------------------------------------------------------------------------


def failing_with(monkeypatch: pytest.MonkeyPatch, error: BaseException) -> None:
    """Make every configuration load (as `config show` does) raise ``error``."""

    def fail(*args: object, **kwargs: object) -> None:
        raise error

    monkeypatch.setattr(c5attn.config, "load_config", fail)


@pytest.mark.parametrize(
    "code", [code for code in ExitCode if code not in (ExitCode.OK, ExitCode.INTERRUPTED)]
)
def test_cli_main_exits_with_each_errors_code(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], code: ExitCode
) -> None:
    error_class = type(f"Error{code.name}", (C5Error,), {"exit_code": code})
    failing_with(monkeypatch, error_class("it broke", hint="do this"))
    with pytest.raises(SystemExit) as caught:
        main(["config", "show"])
    assert caught.value.code == code
    assert capsys.readouterr().err == "c5attn: error: it broke\n  hint: do this\n"


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (C5Error("x"), ExitCode.ERROR),
        (ConfigError("x"), ExitCode.USAGE),
        (UsageError("x"), ExitCode.USAGE),
        (PartialFailure("x"), ExitCode.PARTIAL),
        (MagentoAuthError("x", status=401), ExitCode.AUTH),
        (LockHeld("x"), ExitCode.LOCKED),
    ],
)
def test_cli_main_maps_the_error_classes(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], error: C5Error, code: ExitCode
) -> None:
    failing_with(monkeypatch, error)
    with pytest.raises(SystemExit) as caught:
        main(["config", "show"])
    assert caught.value.code == code
    assert capsys.readouterr().err == "c5attn: error: x\n"  # no hint line when there is no hint


def test_cli_main_keyboard_interrupt_exits_130(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    failing_with(monkeypatch, KeyboardInterrupt())
    with pytest.raises(SystemExit) as caught:
        main(["config", "show"])
    assert caught.value.code == 130
    err = capsys.readouterr().err
    assert "c5attn: interrupted" in err and "Traceback" not in err


@pytest.mark.parametrize("args", [["--bogus"], ["config", "show", "--nope"], ["no-such-command"], []])
def test_cli_main_usage_errors_exit_2(capsys: pytest.CaptureFixture[str], args: list[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(args)
    assert caught.value.code == ExitCode.USAGE


def usage_exit(capsys: pytest.CaptureFixture[str], args: list[str]) -> tuple[str, str]:
    """Run the console script on ``args``; it must exit 2 (usage). Its (stdout, stderr)."""
    with pytest.raises(SystemExit) as caught:
        main(args)
    assert caught.value.code == ExitCode.USAGE
    return capsys.readouterr()


@pytest.mark.parametrize(
    ("args", "message", "hint"),
    [
        (["scan", "--yes"], "--yes only works with --apply", "add --apply to flag the findings"),
        (["scan", "--dry-run"], "--dry-run only works with --apply", "or leave out --dry-run"),
        (["scan", "-y", "--dry-run"], "--yes and --dry-run only work with --apply", "add --apply"),
        (["scan", "--all", "--since", "7d"], "--all and --since cannot be used together", "leave out"),
        (["list", "--scenario", ""], "--scenario is empty", "leave out --scenario for every scenario"),
        (["scan", "--scenario", " "], "--scenario is empty", "or: stale, unclassified"),
        (["list", "--scenario", "9"], "unknown scenario '9'", "use a code or its number: 1 manual-invoice"),
        (["list", "--older-than", ""], "cannot read the age ''", "write it like 30d"),
    ],
)
def test_cli_options_that_would_mean_nothing_are_usage_errors(
    capsys: pytest.CaptureFixture[str], args: list[str], message: str, hint: str
) -> None:
    """A script must not believe ``scan --yes`` flagged anything, nor that --since narrowed --all,
    nor that an empty filter (a variable left unset) filtered: refused before any site is read."""
    _, err = usage_exit(capsys, ["--config", "no-such-file.toml", *args])
    first, second = err.splitlines()
    assert first.startswith("c5attn: error: ") and message in first, err
    assert second.startswith("  hint: ") and hint in second, err


MISPLACED = [
    (["list", "--site", "web"], "--site", "c5attn --site web list"),
    (["list", "--limit", "2", "--site=web"], "--site", "c5attn --site=web list --limit 2"),
    (
        ["--no-color", "config", "show", "--config", "my c5.toml"],
        "--config",
        "c5attn --no-color --config 'my c5.toml' config show",
    ),
    (["scan", "-v", "--sandbox"], "-v", "c5attn -v --sandbox scan"),  # every misplaced one moves
    (
        ["list", "--site", "web", "--limit", "3", "--config", "shop.toml"],
        "--site",
        "c5attn --site web --config shop.toml list --limit 3",
    ),
    (["scan", "--sandbox", "--all"], "--sandbox", "c5attn --sandbox scan --all"),
    (["--sandbox", "list", "--sandbox"], "--sandbox", "c5attn --sandbox list"),  # given twice: once
    (["show", "000012345", "--no-color"], "--no-color", "c5attn --no-color show 000012345"),
    (["scan", "-vv"], "-v", "c5attn -vv scan"),
    (["list", "--verbose"], "--verbose", "c5attn --verbose list"),
    (["list", "--version"], "--version", "c5attn --version"),
]


def test_cli_help_imports_no_heavy_module() -> None:
    """`c5attn --help` must start fast: no database driver, HTTP client or table library on its path."""
    code = (
        "import runpy, sys\n"
        "sys.argv = ['c5attn', '--help']\n"
        "try:\n    runpy.run_module('c5attn', run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        "print(sorted(m for m in ('pyodbc', 'requests', 'tabulate') if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_cli_env_from_system_reads_the_real_process(
    monkeypatch: pytest.MonkeyPatch, isolated_home: Path
) -> None:
    monkeypatch.setattr(sys, "stdout", io.StringIO())
    env = CliEnv.from_system()
    assert (env.stdout_file, env.stdout_is_tty, env.cwd) == (sys.stdout, False, isolated_home)
    assert env.now().tzinfo is not None


@pytest.mark.parametrize("terminal", [True, False])
@pytest.mark.parametrize("result", [True, False])
def test_plain_lines_keep_their_brackets(tmp_path: Path, terminal: bool, result: bool) -> None:
    """Lines quoting order data are never markup, on a terminal (Rich) or piped."""
    out, err = io.StringIO(), io.StringIO()
    env = CliEnv(out, err, False, terminal, terminal, {"NO_COLOR": "1"}, tmp_path)
    env.say("card [/] declined [b]twice[/b] [c5attn:flag fp=1]", result=result)
    written = (out if result else err).getvalue()
    assert written.strip() == "card [/] declined [b]twice[/b] [c5attn:flag fp=1]"
    assert (err if result else out).getvalue() == ""


def test_verbose_trace_lines_keep_their_brackets(tmp_path: Path) -> None:
    err = io.StringIO()
    env = CliEnv(io.StringIO(), err, False, False, True, {"NO_COLOR": "1"}, tmp_path, verbose=1)
    trace = tracer(env)
    assert trace is not None
    trace("POST /V1/orders/7/comments {'comment': 'flagged [c5attn:flag fp=ab]'} [/]")
    assert "flagged [c5attn:flag fp=ab]'} [/]" in err.getvalue()


def test_a_table_on_a_terminal_shows_brackets_as_text(tmp_path: Path) -> None:
    out = io.StringIO()
    env = CliEnv(out, io.StringIO(), False, True, False, {"NO_COLOR": "1"}, tmp_path)
    rows = [["magento_url", "http://[::1]:8080"], ["note", "[b]x[/b]"]]
    print_table(out, ["key", "value"], rows, console=env.stdout, ruled_rows=True)
    assert "http://[::1]:8080" in out.getvalue() and "[b]x[/b]" in out.getvalue()


def test_printed_commands_quote_the_config_path_and_site(make_env: Callable[..., CliEnv]) -> None:
    env = make_env(config_path="/srv/shop files/c5attn.toml")
    assert env.command("web") == "c5attn --config '/srv/shop files/c5attn.toml' --site web"
    assert env.command() == "c5attn --config '/srv/shop files/c5attn.toml'"
    assert make_env().command("web") == "c5attn --site web"
    assert make_env(sandbox=True, config_path="x.toml").command("sandbox") == "c5attn --sandbox"


def test_cli_config_init_says_how_to_check_the_file_it_wrote(runner: CliRunner, isolated_home: Path) -> None:
    result = runner.invoke(app, ["config", "init", "--path", "sub/a.toml"])
    assert f"check it with: c5attn --config {isolated_home / 'sub/a.toml'} config show" in result.stderr
    sandbox = runner.invoke(
        app, ["--sandbox", "config", "init"]
    )  # writes ./c5attn.toml, which --sandbox never reads
    assert "check it with: c5attn config show" in sandbox.stderr


def test_cli_config_and_sandbox_together_are_refused(runner: CliRunner, isolated_home: Path) -> None:
    result = runner.invoke(app, ["--config", "shop.toml", "--sandbox", "list"])  # the file would be ignored
    assert result.exit_code == ExitCode.USAGE
    assert "--config and --sandbox together" in result.stderr


def test_cli_config_init_under_a_file_is_not_called_existing(runner: CliRunner, isolated_home: Path) -> None:
    (isolated_home / "plain").write_text("x")
    result = runner.invoke(app, ["config", "init", "--path", "plain/a.toml"])
    assert result.exit_code == ExitCode.ERROR
    assert "cannot be a folder" in result.stderr and "already exists" not in result.stderr


def test_cli_config_init_into_a_folder_or_nowhere_says_so(runner: CliRunner, isolated_home: Path) -> None:
    (isolated_home / "conf").mkdir()
    into_folder = runner.invoke(app, ["config", "init", "--path", "conf"])
    assert into_folder.exit_code == ExitCode.USAGE and "conf is a folder" in into_folder.stderr
    assert f"--path {isolated_home / 'conf' / 'c5attn.toml'}" in into_folder.stderr
    empty = runner.invoke(app, ["config", "init", "--path", ""])
    assert empty.exit_code == ExitCode.USAGE and "--path is empty" in empty.stderr
    assert not (isolated_home / "c5attn.toml").exists()


@pytest.mark.parametrize("args", [["list", "--site"], ["scan", "--all", "--config"]])
def test_cli_a_misplaced_global_option_without_its_value_gets_no_command_line(
    capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    """``c5attn --site list`` would read "list" as the site: no corrected line is better than that."""
    assert (
        usage_exit(capsys, args)[1]
        == f"c5attn: error: {args[-1]} is a global option: it goes before the command\n"
    )


@pytest.mark.parametrize(
    ("args", "error", "hint"),
    [
        *(  # not Click's "No such option: --site (Possible options: --limit)"
            (args, f"{option} is a global option: it goes before the command", f"type: {typed}")
            for args, option, typed in MISPLACED
        ),
        (
            ["scan", "--bogus"],
            "No such option: --bogus",
            "usage: c5attn scan [OPTIONS] (more: c5attn scan -h)",
        ),
        (
            ["show"],
            "Missing argument 'ORDER'.",
            "usage: c5attn show [OPTIONS] {ORDER} (more: c5attn show -h)",
        ),
        (
            ["frobnicate"],
            "No such command 'frobnicate'.",
            "usage: c5attn [OPTIONS] COMMAND [ARGS]... (more: c5attn -h)",
        ),
        (
            ["sandbox", "serve", "--port", "x"],
            "Invalid value for '--port': 'x' is not a valid int.",
            "usage: c5attn sandbox serve [OPTIONS] (more: c5attn sandbox serve -h)",
        ),
        (["--site"], "Option '--site' requires an argument.", "more: c5attn -h"),
        (  # Click names no command for a missing value: the usage is still the command's own
            ["scan", "--since"],
            "Option '--since' requires an argument.",
            "usage: c5attn scan [OPTIONS] (more: c5attn scan -h)",
        ),
        (
            ["config", "init", "--path"],
            "Option '--path' requires an argument.",
            "usage: c5attn config init [OPTIONS] (more: c5attn config init -h)",
        ),
        (
            ["--sandbx", "scan"],
            "No such option: --sandbx (Possible options: --sandbox)",
            "usage: c5attn [OPTIONS] COMMAND [ARGS]... (more: c5attn -h)",
        ),
    ],
)
def test_cli_a_command_line_the_parser_refuses_is_one_line_with_its_usage_as_hint(
    capsys: pytest.CaptureFixture[str], args: list[str], error: str, hint: str
) -> None:
    """The same form as every other failure, not a box: a script's log gets one greppable line."""
    assert usage_exit(capsys, args)[1] == f"c5attn: error: {error}\n  hint: {hint}\n"


@pytest.mark.parametrize("args", [[], ["config"], ["sandbox"]])
def test_cli_a_group_alone_prints_its_help_not_an_empty_error(
    capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    out, err = usage_exit(capsys, args)
    assert "Usage" in out and "Commands" in out and err == ""


def test_an_error_quoting_control_characters_is_printed_escaped(capsys: pytest.CaptureFixture[str]) -> None:
    """A message may quote Magento's own error text or a value the operator pasted: an escape
    sequence in it must not retitle, clear or rewrite the operator's terminal."""
    from c5attn.cli.app import report_error
    from c5attn.errors import MagentoError

    report_error(MagentoError("Magento says: \x1b]0;pwned\x07\x1b[2Jdeclined", "retry \x1b[31mnow"))
    err = capsys.readouterr().err
    assert "\x1b" not in err and "\x07" not in err
    assert "Magento says: \\x1b]0;pwned\\x07\\x1b[2Jdeclined" in err and "hint: retry \\x1b[31mnow" in err


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _stderr(monkeypatch: pytest.MonkeyPatch, columns: int, *, terminal: bool = True) -> io.StringIO:
    """stderr captured, as a terminal of ``columns`` (or a pipe)."""
    stream = _Terminal() if terminal else io.StringIO()
    monkeypatch.setattr(sys, "stderr", stream)
    monkeypatch.setenv("COLUMNS", str(columns))
    return stream


@pytest.mark.parametrize("terminal", [True, False], ids=["terminal", "piped"])
def test_errors_are_wrapped_between_words_on_a_terminal_only(
    monkeypatch: pytest.MonkeyPatch, terminal: bool
) -> None:
    """A terminal would cut words ("sta" / "le"); scripts reading a pipe get one line each."""
    stream = _stderr(monkeypatch, 40, terminal=terminal)
    report_error(
        UsageError(
            "unknown scenario '9': use a code or its number: 1 manual-invoice-or-ship, 2 capture-failed",
            "type: c5attn --sandbox list --scenario capture-failed",
        )
    )
    lines = stream.getvalue().splitlines()
    if not terminal:
        assert len(lines) == 2
        return
    commands = [line for line in lines if line.strip().startswith("c5attn --sandbox")]
    assert commands == ["        c5attn --sandbox list --scenario capture-failed"]  # whole, if wider
    assert len(lines) > 2 and all(len(line) <= 40 for line in lines if line not in commands)
    assert "manual-invoice-or-ship," in stream.getvalue() and "capture-failed" in stream.getvalue()
    assert lines[1].startswith("    ") and any(line.startswith("  hint: ") for line in lines)
    assert " ".join(line.strip() for line in lines).startswith("c5attn: error: unknown scenario '9': use")


@pytest.mark.parametrize("args", [["--help"], ["scan", "--help"]], ids=["root", "command"])
def test_no_color_applies_to_help_too(runner: CliRunner, args: list[str]) -> None:
    """Help is an eager option, printed before the root has read --no-color: it must honour it anyway."""
    terminal = {"FORCE_COLOR": "1", "TERM": "xterm-256color", "NO_COLOR": None}
    assert "\x1b[" in runner.invoke(app, args, color=True, env=terminal).stdout  # coloured without it
    assert "\x1b[" not in runner.invoke(app, ["--no-color", *args], color=True, env=terminal).stdout


def test_a_wrapped_hint_never_breaks_the_command_it_gives(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pasted, a command broken over two lines would run its first half alone."""
    stream = _stderr(monkeypatch, 60)
    command = "c5attn --config /srv/shop/c5attn.toml list --scenario capture-failed --limit 20"
    report_error(UsageError("a message\nquoting\ttwo lines of an answer", f"type: {command}"))
    lines = stream.getvalue().splitlines()
    assert lines[0] == "c5attn: error: a message quoting two lines of an answer"  # one line, always
    assert any(line.strip() == command for line in lines)  # whole, on a line of its own


def test_a_wrapped_hint_keeps_a_quoted_command_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    """A command in backticks (the configuration errors' "`c5attn config init --path FILE` writes a
    template") is kept whole too, the backtick before it with it."""
    stream = _stderr(monkeypatch, 100)
    report_error(
        UsageError(
            "a message",
            "docs/configuration.md describes every key; `c5attn config init --path FILE` writes a template.",
        )
    )
    assert "`c5attn config init --path FILE`" in stream.getvalue()


def test_library_logs_under_verbose_hide_credentials_tracebacks_included() -> None:
    """-vv shows every library's debug lines: never an Authorization value, OAuth token or signature."""
    import logging

    from c5attn.cli.app import _log_to

    out = io.StringIO()
    undo = _log_to(out, debug=True)
    try:
        try:
            raise ValueError("Authorization: Bearer tok-123")
        except ValueError:
            logging.getLogger("urllib3").debug("sent oauth_token=abc&x=1", exc_info=True)
        logging.getLogger("requests_oauthlib").debug('Updated headers: OAuth oauth_token="t"')
    finally:
        undo()
    text = out.getvalue()
    assert "sent oauth_token=***" in text and "Bearer ***" in text and "tok-123" not in text
    assert "requests_oauthlib" not in text  # the OAuth library's own debug lines are left out
    assert all(getattr(handler, "stream", None) is not out for handler in logging.getLogger().handlers)


@pytest.mark.parametrize("columns", [60, 200])
def test_a_dumb_terminal_is_laid_out_at_its_own_width(
    make_env: Callable[..., CliEnv], columns: int
) -> None:
    """TERM=dumb (Emacs' shell, which sets COLUMNS to its window) means no colour, not 80 columns:
    Rich lays a dumb terminal out at 80 whatever COLUMNS says, so a 60-column window got lines its
    terminal broke mid-number, and a 200-column one the queue as records, while errors wrapped at
    COLUMNS."""
    env = make_env(stdout_is_tty=True, stderr_is_tty=True, env={"TERM": "dumb", "COLUMNS": str(columns)})
    assert (env.stdout.width, env.stderr.width) == (columns, columns)
    assert not env.colour(True)


@pytest.mark.parametrize("terminal", [True, False], ids=["terminal", "piped"])
def test_json_on_a_terminal_shows_order_data_as_written(
    runner: CliRunner, make_env: Callable[..., CliEnv], isolated_home: Path, terminal: bool
) -> None:
    """On a terminal, `show --json` (and every --json) printed "Zo\\u00eb", "\\u6c7a\\u6e08" for
    "Zoë", "決済": a support person reading a shopper's name or a Japanese error message saw
    escapes. A terminal now gets the text as it is; piped, the JSON stays ASCII (the contract
    scripts already read)."""
    write(isolated_home / "other.toml", SITE)
    name = "Zoë 店長 😀"
    env = make_env(stdout_is_tty=terminal, env={"MAGENTO_TOKEN": "t", "C5ATTN_OPERATOR": name})
    result = runner.invoke(app, ["--config", "other.toml", "config", "show", "--json"], obj=env)
    assert result.exit_code == 0, result.output
    text = env.stdout_file.getvalue()  # type: ignore[attr-defined]
    assert {"site": "", "key": "operator", "value": name, "origin": "env C5ATTN_OPERATOR"} in json.loads(text)
    assert (name in text) is terminal and text.isascii() is not terminal


def test_readable_json_still_escapes_what_would_act_on_a_terminal() -> None:
    """Order data shown as it is on a terminal keeps its control characters and bidirectional
    overrides escaped, as every other view of it does (controls.py); the JSON reads back the same."""
    from c5attn.cli.render import print_json, print_json_array, print_json_texts

    data = {"comment": "Zoë 決済 🙁 \u202e\x1b[2J\x85 end"}
    for write_json in (
        lambda out: print_json(out, data, readable=True),
        lambda out: print_json_array(out, [data], pretty=True),
        lambda out: print_json_texts(out, [json.dumps(data, separators=(",", ":"))], pretty=True),
    ):
        out = io.StringIO()
        write_json(out)
        text = out.getvalue()
        assert "Zoë 決済 🙁" in text and "\\u202e" in text and "\\u001b" in text and "\\u0085" in text
        assert not any(char in text for char in "\u202e\x1b\x85")
        assert json.loads(text) in (data, [data])
