"""`scorebench capacity` end to end: the real command in a subprocess against the real stand-in.

Bad input is one line and exit 2 before any request. The physics test: a stand-in with W gunicorn
workers, each call taking S ms, serves at most W/S calls per second; the capacity the search finds
with a loose latency SLO must land within +-25 % of the saturation throughput measured directly,
in the same test, with closed load at a concurrency well above W (the ab engine at -c 16).
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from scorebench.core.runrecords import read_run
from scorebench.payloads.loader import DEFAULT_PAYLOADS, load_payloads
from tests.conftest import REPO_ROOT, TEST_KEY, cli_env, free_port, run_cli

WORKERS, LATENCY_MS = 2, 40
START_SHARE = 0.5
"""The search starts at 50 % of the closed-load saturation: it must grow and bisect to the knee itself."""
CAPACITY_LINE = re.compile(r"^capacity: (?P<rps>\d+(?:\.\d+)?) req/s holds p95<\d+ms \(next step ", re.MULTILINE)
LOOSE = 8
"""A loose SLO: p95 below 8 service times (400 ms on a quiet machine, where a call takes ~50 ms; more
when other jobs slow every call down, so the SLO stays loose and the knee is the saturation)."""
AB_RPS = re.compile(r"^Requests per second:\s+(?P<rps>\d+(?:\.\d+)?)", re.MULTILINE)


def one_line_error(done: subprocess.CompletedProcess[str], contains: str) -> None:
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    lines = [line for line in done.stderr.splitlines() if line.startswith("scorebench: error:")]
    assert len(lines) == 1, done.stderr
    assert contains in lines[0]
    assert TEST_KEY not in done.stdout + done.stderr


@pytest.mark.parametrize(
    ("argv", "contains"),
    [
        ([], "give at least one --slo"),
        (["--slo", "p95>300ms"], "--slo: 'p95>300ms': expected p95"),
        (["--slo", "p95<300ms", "--start-rps", "50", "--max-rps", "10"], "--start-rps 50 is above --max-rps 10"),
        (["--slo", "p95<300ms", "--growth", "1"], "--growth: must be more than 1"),
        (["--slo", "p95<300ms", "--resolution", "lots"], "--resolution: 'lots' is not a percentage"),
        (["--slo", "p95<300ms", "--max-duration", "forever"], "--max-duration: 'forever' is not a duration"),
        (["--slo", "p95<300ms", "--instances", "0"], "--instances: must be at least 1"),
        (["--slo", "p95<300ms", "--key", TEST_KEY], "the key is never a flag"),
        (["--slo", "p95<300ms", "--target-rps", "400"], "--target-rps 400: give --instances N too"),
    ],
)
def test_bad_input_exits_2_in_one_line(tmp_path: Path, argv: list[str], contains: str) -> None:
    done = run_cli("capacity", "--endpoint", "http://127.0.0.1:9/score", "--out", str(tmp_path), *argv)
    one_line_error(done, contains)
    assert list(tmp_path.iterdir()) == []


def test_unreachable_endpoint_exits_2_before_any_run_directory(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}/score"
    done = run_cli("capacity", "--slo", "p95<300ms", "--endpoint", url, "--out", str(tmp_path))
    one_line_error(done, "127.0.0.1")
    assert list(tmp_path.iterdir()) == []


def closed_saturation_rps(url: str, payload: Path, seconds: int = 4) -> float:
    """Requests per second of the ab engine at concurrency 16 (closed load well above the workers)."""
    done = run_cli("ab", "-q", "-c", "16", "-t", str(seconds), "-p", str(payload), "-T", "application/json", url)
    assert done.returncode == 0, done.stderr
    match = AB_RPS.search(done.stdout)
    assert match, done.stdout
    return float(match["rps"])


def service_time_ms(url: str, payload: Path) -> float:
    """Mean time per call at concurrency 1 (the injected latency plus the model's own time)."""
    done = run_cli("ab", "-q", "-n", "20", "-p", str(payload), "-T", "application/json", url)
    match = re.search(r"^Time per request:\s+(?P<ms>\d+(?:\.\d+)?) \[ms\] \(mean\)$", done.stdout, re.MULTILINE)
    assert match, done.stdout
    return float(match["ms"])


@pytest.mark.slow
@pytest.mark.alone  # its SLO and its reference throughput come from calls it times (tests/parallel.py)
@pytest.mark.timeout(240)
def test_capacity_lands_near_the_measured_saturation_throughput(standin_factory, tmp_path: Path) -> None:
    standin = standin_factory(workers=WORKERS, latency_ms=LATENCY_MS)
    payload = tmp_path / "payload.json"
    payload.write_bytes(load_payloads(DEFAULT_PAYLOADS)[0].body)
    service_ms = service_time_ms(standin.score_url, payload)
    bound_rps = WORKERS * 1000.0 / service_ms
    slo = f"p95<{max(400, round(LOOSE * service_ms, -1)):.0f}ms"
    before = closed_saturation_rps(standin.score_url, payload)
    start_rps = f"{max(2.0, round(before * START_SHARE)):g}"  # other jobs load this machine: start well below
    done = run_cli(
        "capacity", "--endpoint", standin.score_url, "--slo", slo, "--max-rps", "200", "--start-rps", start_rps,
        "--instances", "2", "--target-rps", "100", "--out", str(tmp_path / "runs"), timeout=200,
    )  # fmt: skip
    after = closed_saturation_rps(standin.score_url, payload)
    saturation = (before + after) / 2
    match = CAPACITY_LINE.search(done.stdout)
    print(f"\nS {service_ms:.0f} ms, W/S {bound_rps:.1f} req/s; {slo}; closed load {before:.1f} / {after:.1f} req/s")
    print(done.stdout)
    assert done.returncode == 0, done.stdout + done.stderr
    assert match, done.stdout
    capacity = float(match["rps"])
    print(f"capacity {capacity:g} req/s = {capacity / saturation:.2f} x the measured saturation {saturation:.1f} req/s")
    assert 0.75 * saturation <= capacity <= 1.25 * saturation
    (run_dir,) = (tmp_path / "runs").iterdir()
    document = json.loads((run_dir / "capacity.json").read_text())
    assert document["capacity_rps"] == capacity
    assert document["scaling"]["instances"] == 2
    assert all((step / "samples-1.csv").is_file() for step in (run_dir / "steps").iterdir())
    html = (run_dir / "report.html").read_text()
    for chart in ("chart-latency", "chart-throughput", "chart-errors"):
        assert f'id="{chart}"' in html


def wait_for_rows(samples: Path, process: subprocess.Popen[str], limit_s: float = 30.0) -> None:
    """Until the samples file holds a row (the step's load is running), bounded in time."""
    deadline = time.monotonic() + limit_s
    while not (samples.is_file() and samples.read_text().count("\n") > 1):
        assert process.poll() is None, "capacity ended early"
        assert time.monotonic() < deadline, f"no samples in {samples} after {limit_s:g} s"
        time.sleep(0.05)


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_ctrl_c_keeps_the_finished_steps_and_writes_a_partial_report(standin, tmp_path: Path) -> None:
    out = tmp_path / "runs"
    # p50 needs 6 requests to be decidable: steps of --step 4s; 2 req/s holds p50<5s on any machine
    argv = ["capacity", "--endpoint", standin.score_url, "--slo", "p50<5s", "--start-rps", "2", "--out", str(out)]
    process = subprocess.Popen(
        [sys.executable, "-m", "scorebench", *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=cli_env(SCOREBENCH_KEY=TEST_KEY), cwd=REPO_ROOT,
    )  # fmt: skip
    assert process.stdout is not None
    seen = []
    for line in process.stdout:  # the first finished step, then Ctrl-C once the second has answers
        seen.append(line)
        if line.startswith("step 2 req/s:"):
            break
    (run_dir,) = out.iterdir()
    wait_for_rows(run_dir / "steps" / "02-3rps" / "segment-1" / "samples.csv", process)
    process.send_signal(signal.SIGINT)
    rest, errors = process.communicate(timeout=60)
    output = "".join(seen) + rest
    assert process.returncode == 130, output + errors
    assert "step 3 req/s: interrupted" in output
    assert "capacity: at least 2 req/s holds p50<5s; not bracketed (interrupted)" in output
    document = json.loads((run_dir / "capacity.json").read_text())
    assert [s["offered_rps"] for s in document["steps"]] == [2]
    assert sorted(p.name for p in (run_dir / "steps").iterdir()) == ["01-2rps", "02-3rps"]
    assert (run_dir / "steps" / "02-3rps" / "samples-1.csv").stat().st_size > 0  # the cut step's samples kept
    assert "Partial search:" in (run_dir / "report.html").read_text()
    assert json.loads((run_dir / "load.json").read_text())["partial_reason"] == "interrupted"
    assert TEST_KEY not in output + errors + (run_dir / "run.json").read_text() + (run_dir / "load.json").read_text()


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_throttling_at_the_start_rate_means_no_capacity_exit_1(standin_factory, tmp_path: Path) -> None:
    throttling = standin_factory(key=TEST_KEY, throttle_rate=0.2)  # the front end refuses 1 call in 5 with 429
    done = run_cli(
        "capacity", "--endpoint", throttling.score_url, "--slo", "p50<5s", "--start-rps", "5", "--out", str(tmp_path),
        env=cli_env(SCOREBENCH_KEY=TEST_KEY),
    )  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    (line,) = [line for line in done.stdout.splitlines() if line.startswith("capacity:")]
    assert line.startswith("capacity: none: the start rate 5 req/s does not hold p50<5s (")
    assert "throttled: " in line  # with the 20 % errors it causes
    (run_dir,) = tmp_path.iterdir()
    assert json.loads((run_dir / "capacity.json").read_text())["ended"] == "start_broken"


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_local_standin_with_telemetry_per_step_and_max_rps_reached(tmp_path: Path) -> None:
    done = run_cli(
        "capacity", "--slo", "p50<2s", "--start-rps", "2", "--max-rps", "3", "--step", "2s", "--out", str(tmp_path),
        timeout=170,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "capacity: at least 3 req/s holds p50<2s (every step held up to --max-rps 3)" in done.stdout
    (run_dir,) = tmp_path.iterdir()
    assert done.stdout.count(f"run directory: {run_dir}") == 1, done.stdout  # once, when it was made
    (reading,) = [line for line in done.stdout.splitlines() if line.startswith("telemetry")]
    assert reading.startswith("telemetry: local:")
    assert "stand-in" in reading
    progress = [line for line in done.stderr.splitlines() if line.startswith("telemetry")]
    assert progress, done.stderr
    assert all(re.match(r"telemetry \(step 0[12]-[23]rps\): ", line) for line in progress), progress
    steps = sorted((run_dir / "steps").iterdir())
    assert [p.name for p in steps] == ["01-2rps", "02-3rps"]
    top = read_run(run_dir)  # run.json of the search and of each step: RunInfo records; load.json at their end
    assert (top.info.kind, top.info.capacity is not None, top.partial_reason) == ("capacity", True, None)
    assert [read_run(step).info.load_profile for step in steps] == [{"rate_rps": 2}, {"rate_rps": 3}]
    assert all(read_run(step).load is not None for step in steps)
    for step in steps:  # each step probed in its own window, only its own requests
        sent = json.loads((step / "step.json").read_text())["stats"]["sent"]
        probe = json.loads((step / "probe.json").read_text())
        assert probe["error"] is None
        assert (step / "telemetry.csv").is_file()
        assert probe["client_requests"] >= sent  # the settle period's requests too
        assert probe["missing_client_requests"] == 0  # the stand-in samples nothing: every request has its row
