"""The command line: overview, unknown commands, one-line errors (scorebench/cli.py)."""

from __future__ import annotations

from tests.conftest import run_cli


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
