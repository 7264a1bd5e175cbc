"""The deployments users really have, through the real CLI (`scorebench serve`, `run`, `probe`).

- an inference server older than 0.7.5 logs none of the run's client request ids: the probe says so
  in its first polls and joins by the server's own request id (probes/joins.py);
- a run directory whose samples hold no server request id (written before the column existed) is
  reported as unjoined totals, early, never as lost requests;
- a managed endpoint whose deployments all log one service name: only the target deployment's
  rows reach telemetry.csv (probes/target.py, by the run's ids);
- run() failing is one outcome whether the server answers itself (v1: 500 with
  x-ms-run-function-failed) or behind a managed front (v2: 424 naming the model's 500); an AKS-style
  503 without Retry-After is throttling (loadtests/outcomes.py).
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path

import pytest
import requests

from scorebench.core.records import TELEMETRY_FILE, TelemetryRow, read_csv, read_samples
from scorebench.core.runrecords import read_run
from scorebench.local.model import EXAMPLE_RECORD
from tests.conftest import TEST_KEY, cli_env, free_port, run_cli

pytestmark = pytest.mark.slow


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[object]:
    """Start `scorebench serve ARGS` (key TEST_KEY); returns (score URL, data dir); stopped after the test."""
    started: list[subprocess.Popen[str]] = []

    def start(*args: str) -> tuple[str, Path]:
        data_dir = tmp_path / f"serve-{len(started)}"
        port = free_port()
        process = subprocess.Popen(
            [sys.executable, "-m", "scorebench", "serve", "--port", str(port), "--data-dir", str(data_dir), *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=cli_env(SCOREBENCH_KEY=TEST_KEY),
        )  # fmt: skip
        started.append(process)
        first = process.stdout.readline().strip() if process.stdout else ""
        assert first == f"endpoint: http://127.0.0.1:{port}/score", process.stderr.read() if process.stderr else ""
        return first.split(" ", 1)[1], data_dir

    yield start
    for process in started:
        process.terminate()
        process.communicate(timeout=60)


def run(url: str, data_dir: Path, out: Path, *extra: str, requests_: int = 30) -> subprocess.CompletedProcess[str]:
    return run_cli(
        "run", "--endpoint", url, "--telemetry", f"local:{data_dir}", "--requests", str(requests_),
        "--concurrency", "2", "--no-progress", "--telemetry-poll", "0.5s", "--telemetry-wait", "120s",
        "--out", str(out), *extra,
        timeout=300, env=cli_env(SCOREBENCH_KEY=TEST_KEY),
    )  # fmt: skip


@pytest.mark.parametrize(
    ("version", "why"),
    [("0.6.1", "logs no client request id"), ("0.7.4", "logs x-client-request-id")],
)
def test_a_server_that_logs_no_client_ids_is_joined_by_its_own_request_id(serve, tmp_path, version, why):
    url, data_dir = serve("--server-version", version)
    done = run(url, data_dir, tmp_path / "runs")
    assert done.returncode in (0, 3), done.stderr
    assert "the warm-up's answer says the server" in done.stderr  # before the first poll
    assert why in done.stderr
    assert "joining them by the server's own request id" in done.stderr
    (run_dir,) = (tmp_path / "runs").iterdir()
    info, probe = read_run(run_dir).info, asdict(read_run(run_dir).probe)
    assert info.preflight is not None
    assert info.preflight.client_id_header in ("none", "x-client-request-id")
    samples = read_samples(run_dir)
    assert all(s.server_request_id for s in samples)  # every answer named the server's own id
    assert probe["join_key"] == "server_request_id"
    assert probe["stopped_because"] == "all_seen"  # not the deadline
    assert probe["missing_client_requests"] == 0
    assert probe["unmatched_server_rows"] == 0
    rows = list(read_csv(run_dir / TELEMETRY_FILE, TelemetryRow))
    by_server = {r.server_request_id: r.client_request_id for r in rows}
    assert all(by_server[s.server_request_id] == s.client_request_id for s in samples)
    assert "joined by the server's own request id" in probe["notes"]["join"]


def test_old_samples_without_server_ids_are_reported_unjoined_early(serve, tmp_path):
    url, data_dir = serve("--server-version", "0.6.1")
    assert run(url, data_dir, tmp_path / "runs").returncode in (0, 3)
    (run_dir,) = (tmp_path / "runs").iterdir()
    for part in run_dir.glob("samples*.csv"):  # as written before the column existed: still readable
        lines = part.read_text().splitlines()
        part.write_text("".join(line.rsplit(",", 1)[0] + "\n" for line in lines))
    info = json.loads((run_dir / "run.json").read_text())
    info["preflight"]["server_request_id"] = info["preflight"]["client_id_header"] = None  # an old run.json
    (run_dir / "run.json").write_text(json.dumps(info))
    done = run_cli("probe", str(run_dir), "--telemetry-poll", "0.5s", "--telemetry-wait", "120s", timeout=300)
    assert done.returncode == 0, done.stderr
    assert "the samples hold no server request id to join by: the server side is reported as unjoined" in done.stderr
    probe = asdict(read_run(run_dir).probe)
    assert probe["join_key"] == "none"
    assert probe["stopped_because"] == "stable"  # the count stopped growing: no wait for ids never logged
    assert probe["missing_client_requests"] is None  # nothing is called lost
    assert probe["rows"] >= 30  # the load (and the warm-up), as totals
    assert probe["notes"]["server vs client"].startswith("unjoined (the server logs no client request ids)")


def post(url: str, deployment: str) -> None:
    headers = {"Authorization": f"Bearer {TEST_KEY}", "azureml-model-deployment": deployment}
    requests.post(url, data=json.dumps({"data": [EXAMPLE_RECORD]}), headers=headers, timeout=30)


def test_a_shared_service_name_does_not_mix_deployments(serve, tmp_path):
    url, data_dir = serve(
        "--managed", "--service-name", "default", "--deployment", "blue=traffic:100,app_insights:1",
        "--deployment", "green=app_insights:1",
    )  # fmt: skip
    stop = threading.Event()

    def blue_traffic() -> None:
        while not stop.wait(0.2):
            post(url, "blue")

    blue = threading.Thread(target=blue_traffic)
    blue.start()  # the endpoint's other deployment serves its own users meanwhile, under the same name
    try:
        done = run(url, data_dir, tmp_path / "runs", "--deployment", "green")
    finally:
        stop.set()
        blue.join(timeout=60)
    assert done.returncode in (0, 3), done.stderr
    (run_dir,) = (tmp_path / "runs").iterdir()
    probe = asdict(read_run(run_dir).probe)
    load = {s.client_request_id for s in read_samples(run_dir)}
    rows = list(read_csv(run_dir / TELEMETRY_FILE, TelemetryRow))
    # App Insights' requests, or the traffic log when its rows were all in first (the two are ingested apart)
    assert probe["main_table"] in ("requests", "traffic_log")
    found = {r.client_request_id for r in rows} - {read_run(run_dir).info.warmup_request_id}
    assert found == load, (found ^ load, probe)  # green's 30 (and the warm-up, unless still in flight), no blue
    # blue's requests are other traffic: its App Insights rows under the shared name, or its traffic-log rows
    # (which of them is ingested by the time the run's own ids are all in is the sink's timing, not ours)
    assert (
        probe["other_traffic"].get("requests:default", 0)
        + probe["other_traffic"].get("traffic_log:scorebench-endpoint/blue", 0)
        > 0
    )
    assert probe["unmatched_server_rows"] == 0


def outcomes_of(out: Path) -> dict[tuple[int, str], int]:
    (run_dir,) = out.iterdir()
    found: dict[tuple[int, str], int] = {}
    for sample in read_samples(run_dir):
        found[(sample.status, sample.outcome)] = found.get((sample.status, sample.outcome), 0) + 1
    return found


def test_run_failing_reads_alike_on_v1_and_v2(serve, tmp_path):
    v1_url, v1_dir = serve("--error-rate", "1")
    v2_url, v2_dir = serve("--managed", "--deployment", "blue=error_rate:1,traffic:100", "--deployment", "green=")
    for url, data_dir, out, extra in (
        (v1_url, v1_dir, tmp_path / "v1", ()),
        (v2_url, v2_dir, tmp_path / "v2", ("--deployment", "blue")),
    ):
        done = run(url, data_dir, out, "--telemetry-wait", "0s", *extra, requests_=6)
        assert done.returncode == 1, done.stderr  # every request failed
    assert outcomes_of(tmp_path / "v1") == {(500, "run_function_failed"): 6}
    assert outcomes_of(tmp_path / "v2") == {(424, "run_function_failed"): 6}  # ms-azureml-model-error-statuscode: 500


def test_an_aks_503_without_retry_after_is_throttling(serve, tmp_path):
    url, data_dir = serve("--throttle-rate", "0.5", "--throttle-status", "503", "--throttle-retry-after", "0")
    done = run(url, data_dir, tmp_path / "runs", "--telemetry-wait", "0s", requests_=10)
    assert done.returncode in (0, 1, 3), done.stderr
    found = outcomes_of(tmp_path / "runs")
    assert found.get((503, "throttled"), 0) >= 4  # half the calls (the warm-up took one), none http_5xx
    assert not any(outcome == "http_5xx" for _, outcome in found)
