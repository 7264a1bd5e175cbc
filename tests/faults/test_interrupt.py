"""Ctrl-C and SIGTERM during the load keep every sample and still give a report marked partial (issue 8 §3)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from scorebench.core.records import read_samples
from tests.conftest import REPO_ROOT, TEST_KEY, cli_env
from tests.records_view import merged_records


def start_run(tmp_path: Path, standin) -> tuple[subprocess.Popen[str], Path]:
    out = tmp_path / "runs"
    process = subprocess.Popen(
        [sys.executable, "-m", "scorebench", "run", "--endpoint", standin.score_url, "--duration", "120s",
         "--telemetry", standin.telemetry_spec,
         "--concurrency", "2", "--out", str(out), "--no-progress", "--telemetry-wait", "10s"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO_ROOT,
        env=cli_env(SCOREBENCH_KEY=TEST_KEY),
    )  # fmt: skip
    return process, out


def wait_for_samples(out: Path, count: int, deadline_s: float = 60) -> Path:
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        for run_dir in out.glob("*"):
            parts = list(run_dir.glob("samples*.csv"))
            if parts and sum(len(p.read_text().splitlines()) - 1 for p in parts) >= count:
                return run_dir
        time.sleep(0.2)
    raise AssertionError(f"fewer than {count} samples within {deadline_s} s")


@pytest.mark.parametrize(("signum", "why"), [(signal.SIGINT, "SIGINT"), (signal.SIGTERM, "SIGTERM")])
def test_interrupted_run_is_partial_with_samples_probe_and_report(outputs, tmp_path, standin_factory, signum, why):
    standin = standin_factory(key=TEST_KEY, latency_ms=10)
    outputs.folders.append(standin.data_dir)
    process, out = start_run(tmp_path, standin)
    run_dir = wait_for_samples(out, 30)
    process.send_signal(signum)
    stdout, stderr = process.communicate(timeout=90)
    outputs.texts += [stdout, stderr]
    assert "Traceback" not in stderr
    samples = read_samples(run_dir)
    assert len(samples) >= 30
    assert len({s.client_request_id for s in samples}) == len(samples)
    import json

    info = merged_records(run_dir)
    assert info["partial"] is True
    assert why in info["partial_reason"] or "interrupt" in info["partial_reason"].lower()
    assert (run_dir / "telemetry.csv").exists()  # the probe still ran on what was sent
    report = (run_dir / "report.html").read_text()
    assert "partial" in report.lower()
    assert str(run_dir / "report.html") in stdout
    assert process.returncode == 130
    assert stdout.splitlines()[-1] == "verdict: INTERRUPTED (exit 130)"  # the printed verdict = the exit code
    assert json.loads((run_dir / "summary.json").read_text())["verdict"]["status"] == "INTERRUPTED"


def test_second_ctrl_c_exits_at_once_and_keeps_samples(outputs, tmp_path, standin_factory):
    standin = standin_factory(key=TEST_KEY, latency_ms=10)
    outputs.folders.append(standin.data_dir)
    process, out = start_run(tmp_path, standin)
    run_dir = wait_for_samples(out, 30)
    process.send_signal(signal.SIGINT)
    time.sleep(0.3)  # not synchronisation: the point is a second Ctrl-C arriving while the first is handled
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=15)
    outputs.texts += [stdout, stderr]
    assert process.returncode != 0
    assert "Traceback" not in stderr
    assert len(read_samples(run_dir)) >= 30
