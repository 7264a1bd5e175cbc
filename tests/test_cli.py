"""The command line: overview, unknown commands, one-line errors (scorebench/cli.py)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from scorebench.commands import COMMANDS
from tests.conftest import cli_env, run_cli


def test_overview_lists_commands():
    result = run_cli("--help")
    assert result.returncode == 0
    for name in ("serve", "run", "ab", "probe", "report", "baseline", "check", "endpoint"):
        assert f"  {name}" in result.stdout


def test_unknown_command_is_one_line_exit_2():
    result = run_cli("frobnicate")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "unknown command 'frobnicate'" in result.stderr


def test_bad_flag_is_one_line_exit_2():
    result = run_cli("serve", "--no-such-flag")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr


HEAVY = ("pandas", "numpy", "scipy", "jinja2", "azure", "azureml")
"""What `scorebench ab` must start without (the registry loads only the chosen command's module)."""


def imported_by(*args: str) -> set[str]:
    """The modules `python -m scorebench ARGS` imports (from -X importtime, the real entry point)."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "scorebench", *args],
        capture_output=True, text=True, timeout=120, env=cli_env(), check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    return {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")}


@pytest.mark.parametrize("name", [command.name for command in COMMANDS])
def test_every_command_shows_its_help(name: str) -> None:
    result = run_cli(name, "-h")
    assert result.returncode == 0, result.stderr
    assert "usage" in result.stdout.lower()
    assert result.stderr == ""


def test_ab_starts_without_the_heavy_libraries() -> None:
    modules = imported_by("ab", "-h")
    assert "scorebench.loadtests.ab.cli" in modules
    assert sorted(m for m in modules if m.split(".")[0] in HEAVY) == []
    assert sorted(m for m in modules if m.startswith("scorebench.commands.")) == []


def test_the_overview_loads_no_command() -> None:
    modules = imported_by("--help")
    assert "scorebench.commands" in modules
    assert sorted(m for m in modules if m.startswith(("scorebench.commands.", "scorebench.loadtests"))) == []


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (("run", "-h"), "replaces only that metric's default"),
        (("ab", "-h"), "--processes N"),
        (("serve", "-h"), "default 5001"),
    ],
)
def test_help_says_what_the_flag_does(argv: tuple[str, ...], says: str) -> None:
    result = run_cli(*argv)
    assert result.returncode == 0, result.stderr
    assert says in " ".join(result.stdout.split()), result.stdout
