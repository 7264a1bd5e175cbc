"""The cloud's telemetry conditions, end to end through the real probe (scorebench/local: sink, standin, managed).

Each condition is a stand-in knob; each test reads the result through `scorebench run` / the probe
code the cloud path uses. Delays are seconds, not minutes (docs/probes.md has the 40 s figures).
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, datetime, timedelta

import pytest

from scorebench.core.records import TELEMETRY_FILE, TelemetryRow, read_csv, read_samples
from scorebench.core.runrecords import read_run
from scorebench.loadtests.outcomes import classify_response
from scorebench.local.managed import ManagedStandIn, parse_deployment
from scorebench.local.model import EXAMPLE_RECORD
from scorebench.local.sink import Sink
from scorebench.probes.store import read_envelopes, read_traffic
from scorebench.probes.traffic import TRAFFIC_FILE
from tests.conftest import TEST_KEY, cli_env, run_cli

ENVELOPE = {"name": "x", "time": "2026-11-22T20:00:00Z", "data": {"baseType": "RequestData", "baseData": {}}}


def test_a_batch_is_visible_only_after_the_ingestion_lag(tmp_path):
    sink = Sink(tmp_path, delay_s=10.0, seed=1).start()
    try:
        before = datetime.now(UTC)
        sink.store([ENVELOPE])
        sink.store_traffic([{"TimeGenerated": "2026-11-22T20:00:00Z"}])
    finally:
        sink.stop()
    assert list(read_envelopes(tmp_path, visible_by=before + timedelta(seconds=6.9))) == []  # 10 s - 30 %
    assert list(read_envelopes(tmp_path, visible_by=before + timedelta(seconds=13.1))) == [ENVELOPE]  # + 30 %
    assert list(read_traffic(tmp_path, visible_by=before + timedelta(seconds=6.9))) == []
    assert len(list(read_traffic(tmp_path))) == 1  # no moment given: everything stored


def run(*args, **env):
    return run_cli(
        "run", "--requests", "60", "--concurrency", "2", "--no-progress", "--telemetry-poll", "0.5s",
        "--telemetry-wait", "90s", *args, timeout=300, env=cli_env(SCOREBENCH_KEY=TEST_KEY, **env),
    )  # fmt: skip


@pytest.mark.slow
def test_lagging_sampled_shared_telemetry_reads_true(standin_factory, tmp_path):
    standin = standin_factory(key=TEST_KEY, ingestion_delay_s=3.0, sampling_percentage=50, neighbour_rps=5)
    done = run("--endpoint", standin.score_url, "--telemetry", standin.telemetry_spec, "--out", str(tmp_path))
    assert done.returncode in (0, 3), done.stderr  # 60 requests may be too few to decide the default SLOs
    assert "telemetry: " in done.stderr  # the progress line
    (run_dir,) = tmp_path.iterdir()
    probe = asdict(read_run(run_dir).probe)
    assert probe["lag_s"] >= 2.1  # rows came in late (3 s - 30 %), measured by the wait
    assert probe["stopped_because"] == "stable"  # sampling hides ids: never all seen
    assert probe["sampling"]["percentages"] == [50.0]  # the exporter's sampleRate, as item_count 2
    assert probe["item_count_sum"] == 2 * probe["rows"]
    ids = {s.client_request_id for s in read_samples(run_dir)}
    seen = [r for r in read_csv(run_dir / TELEMETRY_FILE, TelemetryRow) if r.client_request_id in ids]
    assert len(seen) + probe["missing_client_requests"] == 60  # every id seen or sampled out: none late
    assert probe["sampling"]["lost_beyond_sampling"] == 0
    assert probe["services"] == ["scorebench-standin"]
    assert list(probe["other_traffic"]) == ["requests:neighbour-service"]  # never in the rows
    assert probe["unmatched_server_rows"] == 0
    assert probe["notes"]["wait"].startswith("stopped because the server's count stopped growing")
    report = (run_dir / "report.html").read_text()
    assert "no loss beyond sampling" in report
    assert "neighbour-service" in report


@pytest.fixture(scope="module")
def managed(tmp_path_factory):
    deployments = [
        parse_deployment("blue=latency_ms:10,traffic:100"),
        parse_deployment("green=latency_ms:10,slow_rate:0.25,slow_ms:1500,error_rate:0.25,app_insights:1"),
    ]
    data_dir = tmp_path_factory.mktemp("managed")
    with ManagedStandIn(deployments, key=TEST_KEY, data_dir=data_dir, request_timeout_ms=800) as front:
        yield front


def post(front, deployment=None, key=TEST_KEY):
    import requests

    headers = {"Authorization": f"Bearer {key}", "x-ms-client-request-id": "probe-" + str(deployment)}
    if deployment:
        headers["azureml-model-deployment"] = deployment
    return requests.post(front.score_url, data=json.dumps({"data": [EXAMPLE_RECORD]}), headers=headers, timeout=30)


@pytest.mark.slow
def test_managed_front_answers_as_the_platform(managed):
    assert post(managed, key="wrong").status_code == 401
    assert post(managed, "purple").status_code == 404
    blue = post(managed)  # no header: by traffic weight, all to blue
    assert (blue.status_code, blue.headers["azureml-model-deployment"]) == (200, "blue")
    assert len(blue.headers["x-request-id"]) == 36  # the platform's GUID
    answers = [post(managed, "green").status_code for _ in range(8)]
    # green's calls 1..8: slow on 4 and 8 (beyond 800 ms: 408), failing on 4 and 8 too — 408 wins
    assert answers.count(408) >= 2
    assert set(answers) <= {200, 408, 424}


@pytest.mark.slow
def test_over_twice_max_concurrent_requests_is_429(tmp_path):
    import concurrent.futures

    deployments = [parse_deployment("blue=latency_ms:600,traffic:1"), parse_deployment("green=")]
    front = ManagedStandIn(deployments, key=TEST_KEY, data_dir=tmp_path, request_timeout_ms=5000)
    with front, concurrent.futures.ThreadPoolExecutor(6) as pool:
        codes = list(pool.map(lambda _: post(front, "blue").status_code, range(6)))
    assert codes.count(429) >= 1
    assert codes.count(200) >= 2  # 2 x max_concurrent_requests (1) admitted
    logged = [r["ResponseCode"] for r in read_traffic(tmp_path)]
    assert sorted(logged) == sorted(codes)


@pytest.mark.slow
def test_run_on_one_deployment_reads_only_its_traffic_log(managed, tmp_path):
    import threading

    stop = threading.Event()

    def blue_traffic() -> None:  # the endpoint's other deployment serves its own users meanwhile
        while not stop.wait(0.3):
            post(managed)

    neighbour = threading.Thread(target=blue_traffic, daemon=True)
    neighbour.start()
    try:
        done = run("--endpoint", managed.score_url, "--deployment", "green", "--telemetry", managed.telemetry_spec,
                   "--out", str(tmp_path), "--requests", "12", "--concurrency", "1")  # fmt: skip
    finally:
        stop.set()
        neighbour.join(timeout=30)
    assert done.returncode in (0, 1, 3), done.stderr  # green's timeouts fail or leave the SLOs undecided
    (run_dir,) = tmp_path.iterdir()
    samples = read_samples(run_dir)
    timed_out = [s for s in samples if s.status == 408]
    assert timed_out
    # the one classifier decides (408 -> timeout with the verdict contract, scorebench/loadtests/outcomes.py)
    assert all(s.outcome == classify_response(408, None, b"{}") for s in timed_out)
    probe = asdict(read_run(run_dir).probe)
    assert probe["traffic_log_rows"] == 12 + 1  # and preflight's warm-up request
    assert probe["stopped_because"] == "all_seen"
    logged = (run_dir / TRAFFIC_FILE).read_text().splitlines()[1:]
    assert all(",green," in line for line in logged)  # blue's rows are other traffic
    assert {line.split(",")[4] for line in logged} >= {"408"}  # response_code; model status kept beside it
    assert any(key.startswith("traffic_log:scorebench-endpoint/blue") for key in probe["other_traffic"])
