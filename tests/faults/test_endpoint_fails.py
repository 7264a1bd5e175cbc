"""The endpoint fails during the run: the run completes and the report tells the story (issue 8 §4)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections import Counter

from scorebench.core.records import parse_utc, read_samples
from tests.conftest import REPO_ROOT, TEST_KEY, cli_env
from tests.faults.conftest import run_scorebench
from tests.faults.test_interrupt import wait_for_samples


def outcomes(run_dir):
    return Counter(s.outcome for s in read_samples(run_dir))


def summary(run_dir):
    return json.loads((run_dir / "summary.json").read_text())


def completed(result):
    assert result.code in (0, 1, 3), result.stderr  # judged (pass, fail or inconclusive), not a harness failure
    assert "Traceback" not in result.stderr
    assert (result.run_dir / "report.html").exists()
    return result.run_dir


def test_killed_mid_run_shows_connection_errors_after_the_death(outputs, tmp_path, standin_factory):
    standin = standin_factory(key=TEST_KEY, latency_ms=10)
    outputs.folders.append(standin.data_dir)
    out = tmp_path / "runs"
    process = subprocess.Popen(
        [sys.executable, "-m", "scorebench", "run", "--endpoint", standin.score_url, "--duration", "6s",
         "--concurrency", "2", "--out", str(out), "--no-progress", "--telemetry-wait", "10s"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO_ROOT,
        env=cli_env(SCOREBENCH_KEY=TEST_KEY),
    )  # fmt: skip
    run_dir = wait_for_samples(out, 30)
    standin.kill()
    died_at = time.time()
    stdout, stderr = process.communicate(timeout=120)
    outputs.texts += [stdout, stderr]
    assert process.returncode in (0, 1), stderr
    samples = read_samples(run_dir)
    before = [s for s in samples if parse_utc(s.started_at).timestamp() < died_at - 1]
    after = [s for s in samples if parse_utc(s.started_at).timestamp() > died_at + 0.5]
    assert before
    assert {s.outcome for s in before} == {"ok"}
    assert after
    assert {s.outcome for s in after} <= {"connect_error", "read_error"}
    assert summary(run_dir)["outcomes"].get("connect_error", 0) > 0
    assert "connect_error" in (run_dir / "report.html").read_text()


def test_throttling_is_counted_and_the_run_goes_on(outputs, tmp_path, standin_factory):
    standin = standin_factory(key=TEST_KEY, throttle_rate=0.5, throttle_status=429)
    outputs.folders.append(standin.data_dir)
    run_dir = completed(run_scorebench(outputs, tmp_path / "runs", "--endpoint", standin.score_url, "--requests", "40"))
    counts = outcomes(run_dir)
    assert counts["throttled"] >= 15
    assert counts["ok"] >= 15
    assert {s.status for s in read_samples(run_dir) if s.outcome == "throttled"} == {429}


def test_calls_beyond_the_timeout_are_timeouts_and_the_run_goes_on(outputs, tmp_path, standin_factory):
    standin = standin_factory(key=TEST_KEY, slow_rate=0.25, slow_ms=2500, workers=2)
    outputs.folders.append(standin.data_dir)
    result = run_scorebench(
        outputs, tmp_path / "runs", "--endpoint", standin.score_url, "--requests", "12", "--concurrency", "2",
        "--timeout-s", "1",
    )  # fmt: skip
    run_dir = completed(result)
    counts = outcomes(run_dir)
    assert counts["timeout"] >= 1
    assert counts["ok"] >= 6
    assert sum(counts.values()) == 12
    assert result.code == 1  # a request beyond the timeout fails the verdict


def test_a_response_that_is_not_json_is_a_bad_response(outputs, tmp_path, standin_factory):
    standin = standin_factory(key=TEST_KEY, bad_response_rate=0.5)
    outputs.folders.append(standin.data_dir)
    run_dir = completed(run_scorebench(outputs, tmp_path / "runs", "--endpoint", standin.score_url, "--requests", "20"))
    counts = outcomes(run_dir)
    assert counts["bad_response"] >= 8
    assert counts["ok"] >= 8


def test_a_ten_megabyte_response(outputs, tmp_path, standin_factory):
    standin = standin_factory(key=TEST_KEY, response_bytes=10_000_000)
    outputs.folders.append(standin.data_dir)
    run_dir = completed(run_scorebench(outputs, tmp_path / "runs", "--endpoint", standin.score_url, "--requests", "4"))
    samples = read_samples(run_dir)
    assert [s.outcome for s in samples] == ["ok"] * 4
    assert min(s.bytes_received for s in samples) >= 10_000_000
