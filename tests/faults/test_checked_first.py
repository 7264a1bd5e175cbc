"""Everything `scorebench run` is told is checked before the first request (issue 12, docs/faults.md).

Each case points the run at a RecordingServer and asserts: exit 2, one error line naming the flag /
environment variable / file:key the value came from, no run directory, and not one request sent.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import cli_env, run_cli
from tests.faults.recording_server import RecordingServer
from tests.faults.test_key_leaks import one_error_line


@pytest.fixture(scope="module")
def server():
    with RecordingServer() as running:
        yield running


def refused(server, tmp_path: Path, *args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> str:
    before = len(server.seen)
    out = tmp_path / "runs"
    done = run_cli(
        "run", "--endpoint", server.score_url, "--requests", "2", "--telemetry", "none", "--no-progress",
        *(("--out", str(out)) if "--out" not in args else ()), *args,
        env=env or cli_env(), cwd=cwd or tmp_path,
    )  # fmt: skip
    assert done.returncode == 2, done.stdout + done.stderr
    assert len(server.seen) == before, "a request was sent before the error"
    assert not out.exists() or not any(out.iterdir())
    return one_error_line(done.stderr)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--engine", "ab", "--shape", "ramp"), "--shape: applies to --engine locust only"),
        (("--engine", "ab", "--users", "5"), "--users: applies to --engine locust only"),
        (("--engine", "ab", "--workers", "2"), "--workers: applies to --engine locust only"),
        (("--engine", "locust", "--concurrency", "4"), "--concurrency: applies to --engine ab only"),
        (("--engine", "locust", "--shape", "zigzag"), "--shape: unknown load shape 'zigzag'"),
    ],
)
def test_flag_for_the_other_engine_or_unknown_shape(server, tmp_path, args, expected):
    assert expected in refused(server, tmp_path, *args)


CORES = len(os.sched_getaffinity(0))


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--engine", "locust", "--workers", "999"),
         f"--workers: at most {4 * CORES} (4 per usable core, and this machine has {CORES}), got 999"),
        (("--engine", "ab", "--processes", "999", "--concurrency", "999"),
         f"--processes: at most {4 * CORES} (4 per usable core, and this machine has {CORES}), got 999"),
        (("--engine", "ab", "--concurrency", "20001"), "--concurrency: at most 20,000 (ab's own limit of connections)"),
        (("--engine", "locust", "--users", "1000000"), "--users: at most 20,000"),
    ],
)  # fmt: skip
def test_load_beyond_what_the_machine_can_run_is_refused(server, tmp_path, args, expected):
    assert expected in refused(server, tmp_path, *args)


def test_value_from_the_environment_is_named_as_such(server, tmp_path):
    line = refused(server, tmp_path, "--engine", "locust", env=cli_env(SCOREBENCH_SHAPE="zigzag"))
    assert "SCOREBENCH_SHAPE" in line
    assert "--shape" not in line


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("SCOREBENCH_CONCURRENCY", "0"),
        ("SCOREBENCH_DURATION", "5parsecs"),
        ("SCOREBENCH_TELEMETRY", "bogus"),
        ("SCOREBENCH_RATE", "-1"),
        ("SCOREBENCH_ENGINE", "jmeter"),
    ],
)
def test_bad_value_from_the_environment_is_not_blamed_on_the_flag(server, tmp_path, variable, value):
    args = ("--telemetry", "none") if variable != "SCOREBENCH_TELEMETRY" else ()
    before = len(server.seen)
    done = run_cli(
        "run", "--endpoint", server.score_url, "--requests", "2", "--no-progress", "--out", str(tmp_path / "runs"),
        *args, env=cli_env(**{variable: value}), cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 2
    line = one_error_line(done.stderr)
    assert line.startswith(f"scorebench: error: {variable}")
    assert len(server.seen) == before


def test_value_from_scorebench_toml_is_named_with_file_and_key(server, tmp_path):
    (tmp_path / "scorebench.toml").write_text('[run]\nengine = "locust"\nconcurrency = 8\n')
    line = refused(server, tmp_path)
    assert f"{tmp_path / 'scorebench.toml'}:concurrency" in line


@pytest.mark.parametrize("text", ["[run]\nconcurency = 3\n", "requets = 3\n", '[check]\nthreshholds = ["p95:+10%"]\n'])
def test_unknown_toml_key_names_key_and_file(server, tmp_path, text):
    (tmp_path / "scorebench.toml").write_text(text)
    line = refused(server, tmp_path)
    key = text.split("\n")[-2].split(" ")[0]
    assert f"{tmp_path / 'scorebench.toml'}:{key}" in line
    assert "unknown key" in line


def test_empty_endpoint_is_an_error_not_the_local_stand_in(tmp_path):
    done = run_cli("run", "--endpoint", "", "--requests", "1", "--out", str(tmp_path / "runs"), "--no-progress")
    assert done.returncode == 2
    assert "--endpoint: empty" in one_error_line(done.stderr)
    assert "stand-in" not in done.stderr.replace("local stand-in)", "")
    assert not (tmp_path / "runs").exists()


def test_out_pointing_at_a_file(server, tmp_path):
    (tmp_path / "afile").write_text("keep me\n")
    line = refused(server, tmp_path, "--out", str(tmp_path / "afile"))
    assert "--out" in line
    assert "not a directory" in line
    assert (tmp_path / "afile").read_text() == "keep me\n"


@pytest.mark.parametrize("place", ["/proc/scorebench-test/runs", "/sys/scorebench-test"])
def test_out_in_an_unwritable_place(server, tmp_path, place):
    line = refused(server, tmp_path, "--out", place)
    assert f"--out {place}" in line
    assert "cannot create run directories" in line


def test_credentials_in_the_endpoint_url_are_refused_up_front_not_blamed_on_the_key(server, tmp_path):
    url = server.score_url.replace("http://", "http://scorer:sbk-4e9d1f0c2b7a4e9d1f0c@")
    done = run_cli("run", "--endpoint", url, "--requests", "1", "--telemetry", "none", "--out", str(tmp_path / "o"))
    assert done.returncode == 2
    line = one_error_line(done.stderr)
    assert "credentials" in line
    assert "refused the key" not in line
    assert "sbk-4e9d1f0c2b7a4e9d1f0c" not in done.stdout + done.stderr
    assert not any(seen.method == "POST" for seen in server.seen)
