"""The key never leaks (issue 12 "The endpoint key leaks"): each case a user found, through the real CLI.

Each test gives a key the tool knows (SCOREBENCH_KEY, a key file, a secret -H header, URL
credentials) and then searches every byte the command produced — stdout, stderr, every file of the
run directory — for the key and its encodings (tests/faults/leaks.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import TEST_KEY, cli_env, run_cli
from tests.faults.leaks import leaks

KEY_A = "sbkA-4e9d1f0c2b7a4e9d1f0c2b7a"
KEY_B = "sbkB-8c3e5a7f9d1b8c3e5a7f9d1b"


def one_error_line(stderr: str) -> str:
    errors = [line for line in stderr.splitlines() if line.startswith("scorebench: error:")]
    assert "Traceback" not in stderr, stderr
    assert "internal error" not in stderr, stderr
    assert len(errors) == 1, stderr
    return errors[0]


def secret_file(folder: Path, data: bytes) -> Path:
    path = folder / "key"
    path.write_bytes(data)
    path.chmod(0o600)
    return path


def run_args(url: str, out: Path, *extra: str) -> list[str]:
    return [
        "run", "--endpoint", url, "--out", str(out), "--requests", "2", "--telemetry", "none", "--no-progress", *extra
    ]  # fmt: skip


@pytest.mark.parametrize("key", [f"{KEY_A}\n{KEY_B}", f"{KEY_A}\r{KEY_B}", f" {KEY_A}\t{KEY_B} "])
def test_key_with_inner_newline_or_control_is_refused_unseen(tmp_path, standin, key):
    done = run_cli(*run_args(standin.score_url, tmp_path / "runs"), env=cli_env(SCOREBENCH_KEY=key))
    assert done.returncode == 2
    line = one_error_line(done.stderr)
    assert "SCOREBENCH_KEY" in line
    assert leaks(key, [done.stdout, done.stderr], [tmp_path]) == []
    assert not (tmp_path / "runs").exists()


def test_key_file_with_two_lines_is_refused_and_neither_key_shown(tmp_path, tmp_path_factory, standin):
    key_file = secret_file(tmp_path_factory.mktemp("secret"), f"{KEY_A}\n{KEY_B}\n".encode())
    done = run_cli(*run_args(standin.score_url, tmp_path / "runs", "--key-file", str(key_file)))
    assert done.returncode == 2
    assert "2 lines" in one_error_line(done.stderr)
    assert leaks(KEY_A, [done.stdout, done.stderr], [tmp_path]) == []
    assert leaks(KEY_B, [done.stdout, done.stderr], [tmp_path]) == []


@pytest.mark.parametrize(
    ("data", "what"),
    [("sbk-\u00e9t\u00e9-4e9d1f0c2b7a".encode(), "not ASCII"), (bytes(range(256)), "")],
    ids=["non-ascii", "binary"],
)
def test_non_ascii_or_binary_key_file_is_one_line_exit_2(tmp_path, tmp_path_factory, standin, data, what):
    key_file = secret_file(tmp_path_factory.mktemp("secret"), data)
    done = run_cli(*run_args(standin.score_url, tmp_path / "runs", "--key-file", str(key_file)))
    assert done.returncode == 2
    line = one_error_line(done.stderr)
    assert str(key_file) in line
    assert what in line
    assert data[:12] not in (done.stdout + done.stderr).encode("utf-8", "surrogateescape")


def test_non_ascii_key_in_environment_is_one_line_exit_2(tmp_path, standin):
    key = "sbk-\u00e9t\u00e9-4e9d1f0c2b7a"
    done = run_cli(*run_args(standin.score_url, tmp_path / "runs"), env=cli_env(SCOREBENCH_KEY=key))
    assert done.returncode == 2
    assert "not ASCII" in one_error_line(done.stderr)
    assert leaks(key, [done.stdout, done.stderr], [tmp_path]) == []


@pytest.mark.parametrize("where", ["?k={key}", "?v=2&x={key}", "#{key}", "#t={key}"])
def test_known_key_in_url_query_or_fragment_stays_out_of_run_json_and_report(tmp_path, standin, where):
    url = standin.score_url + where.format(key=TEST_KEY)
    done = run_cli(*run_args(url, tmp_path / "runs"), env=cli_env(SCOREBENCH_KEY=TEST_KEY))
    assert done.returncode in (0, 1, 3), done.stderr  # the run went through to a verdict
    run_dir = next((tmp_path / "runs").iterdir())
    assert {"run.json", "report.html", "summary.json"} <= {p.name for p in run_dir.iterdir()}
    assert leaks(TEST_KEY, [done.stdout, done.stderr], [tmp_path]) == []


def test_ab_document_path_masks_a_code_parameter(standin):
    url = f"{standin.score_url}?code={KEY_A}"
    done = run_cli("ab", "-n", "1", "-H", f"Authorization: Bearer {TEST_KEY}", url, env=cli_env())
    assert done.returncode == 0, done.stderr
    assert "Document Path:" in done.stdout
    assert leaks(KEY_A, [done.stdout, done.stderr], []) == []


@pytest.mark.parametrize(
    "flags",
    [
        ("-H", f"X-Api-Key: {KEY_A}"),
        ("-H", f"Ocp-Apim-Subscription-Key: {KEY_A}"),
        ("-H", f"Cookie: session={KEY_A}"),
        ("-C", f"session={KEY_A}"),
        ("-H", f"Authorization: Bearer {KEY_A}"),
        ("-A", f"scorer:{KEY_A}"),
        ("-H", f"X-My-Token-Thing: {KEY_A}"),  # no known name, but a name that looks secret
    ],
    ids=["x-api-key", "apim", "cookie-header", "cookie-flag", "bearer", "basic", "secret-looking-name"],
)
def test_ab_verbose_dump_masks_secret_headers(standin, flags):
    done = run_cli("ab", "-n", "1", "-v", "4", *flags, standin.score_url, env=cli_env())
    assert done.returncode == 0, done.stderr
    assert "header == " in done.stdout  # the -v dump was printed
    assert leaks(KEY_A, [done.stdout, done.stderr], [], users=["scorer"]) == []


def test_ab_known_key_in_query_is_masked(standin):
    url = f"{standin.score_url}?k={TEST_KEY}"
    done = run_cli("ab", "-n", "1", "-v", "4", url, env=cli_env(SCOREBENCH_KEY=TEST_KEY))
    assert done.returncode == 0, done.stderr
    assert leaks(TEST_KEY, [done.stdout, done.stderr], []) == []


def test_ab_non_ascii_header_is_one_line_not_a_crash(standin):
    done = run_cli("ab", "-n", "1", "-H", "X-Api-Key: sbk-\u00e9t\u00e9-4e9d1f0c2b7a", standin.score_url)
    assert done.returncode == 1  # ab's exit code for a bad command line
    assert "not printable ASCII" in done.stderr
    assert "Traceback" not in done.stderr
    assert "\u00e9t\u00e9" not in done.stderr
