"""``c5attn sandbox init --dir DIR``: a DIR that cannot hold a world is refused in one line, and the
folder given is built in, never deleted."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from typer.testing import CliRunner

from c5attn.cli.app import app
from c5attn.cli.context import CliEnv
from c5attn.errors import ExitCode


def test_a_dir_that_is_a_file_is_refused_and_left_alone(runner: CliRunner, tmp_path: Path) -> None:
    target = tmp_path / "passwd"
    target.write_text("root:x:0:0\n", encoding="utf-8")
    result = runner.invoke(app, ["sandbox", "init", "--orders", "5", "--dir", str(target)])
    assert result.exit_code == ExitCode.USAGE, result.output
    assert result.stderr.splitlines() == [
        f"c5attn: error: cannot build the sandbox world in {target}: it is a file, not a folder",
        "  hint: choose a folder: c5attn sandbox init --dir DIR",
    ]
    assert target.read_text(encoding="utf-8") == "root:x:0:0\n"


def test_a_dir_holding_other_files_keeps_them(runner: CliRunner, tmp_path: Path) -> None:
    target = tmp_path / "mine"
    target.mkdir()
    (target / "notes.txt").write_text("keep me\n", encoding="utf-8")
    for orders in ("5", "7"):  # the second replaces the first world
        result = runner.invoke(app, ["sandbox", "init", "--orders", orders, "--dir", str(target)])
        assert result.exit_code == 0, result.output
    assert (target / "notes.txt").read_text(encoding="utf-8") == "keep me\n"
    assert f"sandbox world of 7 orders (seed 1) in {target}" in result.stdout


def test_on_a_terminal_init_says_what_it_builds_before_the_wait(
    runner: CliRunner, tmp_path: Path, make_env: Callable[..., CliEnv]
) -> None:
    env = make_env(stderr_is_tty=True)
    target = tmp_path / "w"
    result = runner.invoke(app, ["sandbox", "init", "--orders", "3", "--dir", str(target)], obj=env)
    assert result.exit_code == 0, result.output
    said = " ".join(env.stderr_file.getvalue().split())  # the terminal's lines, joined again
    assert f"building the sandbox world (3 orders) in {target} …" in said


def test_an_absurd_number_of_orders_is_refused_before_building(runner: CliRunner, tmp_path: Path) -> None:
    """A typo of a few digits used to fill memory for minutes: 99,999,999,999 orders."""
    result = runner.invoke(app, ["sandbox", "init", "--orders", "99999999999", "--dir", str(tmp_path / "w")])
    assert result.exit_code == ExitCode.USAGE
    assert "1<=x<=1000000" in result.output and not (tmp_path / "w").exists()


def test_an_empty_dir_is_refused_not_the_current_folder(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["sandbox", "init", "--orders", "5", "--dir", ""])
    assert result.exit_code == ExitCode.USAGE and "--dir is empty" in result.stderr
    assert not (Path.cwd() / "world.json").exists()
