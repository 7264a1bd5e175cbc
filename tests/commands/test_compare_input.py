"""`scorebench compare` refuses bad input in one line (exit 2) before any load, and routes deployments by header."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import cli_env, free_port, run_cli
from tests.loadtests.ab.recording_server import RecordingServer

SECRET = "do-not-echo-0123456789"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--current", "http://127.0.0.1:1/score"], "compare needs --current and --candidate"),
        (["--current", "http://127.0.0.1:1/score", "--candidate", "http://127.0.0.1:1/score"], "the same target"),
        (["--current", "a", "--candidate", "b", "--engine", "locust"], "--engine locust"),
        (["--current", "a", "--candidate", "b", "--min-agreement", "lots"], "--min-agreement 'lots'"),
        (["--current", "a", "--candidate", "b", "--threshold", "p95+10"], "--threshold 'p95+10'"),
        (["--current", "a", "--candidate", "b", "--slo", "p95<fast"], "--slo"),
        (["--current", "ftp://x/score", "--candidate", "b"], "--current 'ftp://x/score'"),
        (["--current", "a", "--candidate", "b", "--expect-schema", "/no/such/schema.json"], "cannot be read"),
        (["--current", "a", "--candidate", "b", "--candidate-key", SECRET], "--candidate-key is refused"),
        (["--current", "a", "--candidate", "b", "--concurrency", "20001"], "--concurrency: at most 20,000"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args: list[str], expected: str, tmp_path: Path) -> None:
    done = run_cli("compare", *args, "--out", str(tmp_path), timeout=60)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert expected in lines[0]
    assert SECRET not in done.stderr
    assert not any(tmp_path.iterdir())  # nothing was started, nothing written


def test_unreachable_candidate_is_named(tmp_path: Path) -> None:
    with RecordingServer() as current:
        dead = f"http://127.0.0.1:{free_port()}/score"
        done = run_cli("compare", "--current", current.url(), "--candidate", dead, "--out", str(tmp_path), timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1].startswith(f"scorebench: error: candidate ({dead}): endpoint:")
    assert not any(tmp_path.iterdir())


def test_deployments_of_one_endpoint_are_routed_by_header(tmp_path: Path) -> None:
    with RecordingServer() as endpoint:
        done = run_cli(
            "compare", "--endpoint", endpoint.url(), "--current", "blue", "--candidate", "green",
            "--requests", "6", "--no-progress", "--out", str(tmp_path),
            env=cli_env(SCOREBENCH_KEY="shared-endpoint-key"), timeout=120,
        )  # fmt: skip
        posted = [headers for method, _, headers, _ in endpoint.received if method == "POST"]
    assert done.returncode in (0, 3), done.stderr  # 6 requests decide little; the routing is the point
    deployments = [headers.get("azureml-model-deployment") for headers in posted]
    assert deployments.count("blue") == deployments.count("green") == 7  # 6 each plus one warm-up
    assert {headers["Authorization"] for headers in posted} == {"Bearer shared-endpoint-key"}
    run_dir = next(tmp_path.iterdir())
    info = json.loads((run_dir / "run.json").read_text())
    assert info["compare"]["targets"] == {"current": f"{endpoint.url()} deployment blue",
                               "candidate": f"{endpoint.url()} deployment green"}  # fmt: skip
    assert json.loads((run_dir / "summary.json").read_text())["agreement"]["share"] == 1.0


def test_a_malformed_candidate_key_is_named_not_shown(tmp_path: Path) -> None:
    env = cli_env(SCOREBENCH_CANDIDATE_KEY=f"{SECRET}\u00e9")
    done = run_cli("compare", "--current", "http://127.0.0.1:1/score", "--candidate", "http://127.0.0.1:2/score",
                   "--out", str(tmp_path), env=env, timeout=60)  # fmt: skip
    assert done.returncode == 2
    assert "SCOREBENCH_CANDIDATE_KEY: the key holds a character that is not ASCII" in done.stderr
    assert SECRET not in done.stdout + done.stderr
