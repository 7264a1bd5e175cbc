"""`scorebench probe RUN_DIR` end to end: the real stand-in, its sink, and the CLI in a subprocess."""

from __future__ import annotations

import json
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from datetime import UTC, datetime

import pytest
import requests

from scorebench.core.records import ExceptionRow, Sample, TelemetryRow, read_csv, read_samples, utc_from_epoch
from scorebench.core.rundir import read_json_object, write_json_atomic
from scorebench.core.runrecords import read_run
from scorebench.loadtests.samples import SampleWriter
from scorebench.payloads.loader import DEFAULT_PAYLOADS, load_payloads
from tests.conftest import TEST_KEY, cli_env, run_cli
from tests.probes.envelopes import exception_envelope, request_envelope, write_store
from tests.probes.loganalytics_sqlite import EXCEPTION_COLUMNS, SqliteTables, soak_rows, write_soak_run
from tests.probes.loganalytics_standin import LogAnalyticsStandIn, aml_request

REQUESTS = 400


def send_one(url: str, body: bytes) -> Sample:
    """One scoring request with a fresh client request id, as a load engine would record it."""
    client_id = uuid.uuid4().hex
    headers = {"Authorization": f"Bearer {TEST_KEY}", "Content-Type": "application/json",
               "x-ms-client-request-id": client_id}  # fmt: skip
    started_s = time.time()
    begin = time.perf_counter()
    answer = requests.post(url, data=body, headers=headers, timeout=30)
    latency_ms = (time.perf_counter() - begin) * 1000.0
    failed = answer.headers.get("x-ms-run-function-failed") == "True"
    outcome = "ok" if answer.status_code == 200 else "run_function_failed" if failed else "http_5xx"
    fn_ms = answer.headers.get("x-ms-run-fn-exec-ms")
    return Sample(client_id, utc_from_epoch(started_s), latency_ms, answer.status_code, outcome,
                  float(fn_ms) if fn_ms else None, len(body), len(answer.content), "data.json", "t")  # fmt: skip


def write_run(run_dir, telemetry: str, samples: list[Sample], started_at: str, ended_at: str) -> None:
    run_dir.mkdir(parents=True, exist_ok=True)
    writer = SampleWriter(run_dir / "samples.csv")
    for sample in samples:
        writer.write(sample)
    writer.close()
    write_json_atomic(run_dir / "run.json", {"telemetry": telemetry, "started_at": started_at, "ended_at": ended_at})


@pytest.mark.slow
def test_probe_matches_every_request_of_a_real_stand_in_run(standin_factory, tmp_path):
    standin = standin_factory(key=TEST_KEY, latency_ms=40, error_rate=0.1, workers=2)
    body = load_payloads(DEFAULT_PAYLOADS)[0].body
    started_at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    with ThreadPoolExecutor(max_workers=4) as pool:
        samples = list(pool.map(lambda _: send_one(standin.score_url, body), range(REQUESTS)))
    ended_at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    run_dir = tmp_path / "run"
    write_run(run_dir, standin.telemetry_spec, samples, started_at, ended_at)

    done = run_cli("probe", str(run_dir), "--telemetry-wait", "90s", timeout=150)

    assert done.returncode == 0, done.stderr
    assert TEST_KEY not in done.stdout + done.stderr
    rows = list(read_csv(run_dir / "telemetry.csv", TelemetryRow))
    by_id = {row.client_request_id: row for row in rows}
    client = read_samples(run_dir)
    assert len(client) == REQUESTS
    assert all(s.client_request_id in by_id for s in client)
    assert len(rows) == REQUESTS
    assert all(row.duration_ms >= 40.0 for row in rows)
    client_failures = {s.client_request_id for s in client if s.status == 500}
    server_failures = {row.client_request_id for row in rows if row.result_code == "500"}
    assert client_failures == server_failures
    assert client_failures  # error_rate 0.1 over 400 requests
    assert all(not by_id[i].success for i in server_failures)
    exceptions = list(read_csv(run_dir / "exceptions.csv", ExceptionRow))
    assert {e.client_request_id for e in exceptions} == client_failures
    probe = asdict(read_run(run_dir).probe)
    assert (probe["rows"], probe["missing_client_requests"], probe["unmatched_server_rows"], probe["error"]) == (
        REQUESTS, 0, 0, None)  # fmt: skip
    assert probe["stopped_because"] == "all_seen"
    assert done.stdout.startswith(f"probe: {REQUESTS} server requests")
    print(done.stdout.strip())


def test_probe_of_a_stored_run_counts_missing_and_unmatched(tmp_path):
    sink = tmp_path / "sink"
    write_store(sink, [request_envelope("2026-11-22T20:00:01.000000Z", "a", 200, "00:00:00.050"),
                       request_envelope("2026-11-22T20:00:02.000000Z", "b", 500, "00:00:00.060"),
                       request_envelope("2026-11-22T20:00:03.000000Z", "stranger"),
                       exception_envelope("2026-11-22T20:00:02.000000Z", "b")])  # fmt: skip
    samples = [Sample(cid, "2026-11-22T20:00:00.000000Z", 70.0, code, "ok", None, 10, 10, "p", "w")
               for cid, code in (("a", 200), ("b", 500), ("lost", 200))]  # fmt: skip
    run_dir = tmp_path / "run"
    write_run(run_dir, "none", samples, "2026-11-22T20:00:00.000000Z", "2026-11-22T20:00:10.000000Z")

    done = run_cli("probe", str(run_dir), "--telemetry", f"local:{sink}", "--telemetry-wait", "0s")

    assert done.returncode == 0, done.stderr
    probe = json.loads((run_dir / "probe.json").read_text())
    assert (probe["rows"], probe["missing_client_requests"], probe["unmatched_server_rows"], probe["exceptions"]) == (
        3, 1, 1, 1)  # fmt: skip
    assert probe["source"] == f"local:{sink}"
    assert [r.client_request_id for r in read_csv(run_dir / "exceptions.csv", ExceptionRow)] == ["b"]
    assert "1 of 3 client requests not seen" in done.stdout


def test_a_gone_local_store_is_exit_2_and_changes_nothing(tmp_path):
    """A demo run's temporary store goes with its stand-in: re-probing says so and leaves the run as it was."""
    run_dir = tmp_path / "run"
    write_run(run_dir, f"local:{tmp_path / 'nowhere'}", [], "2026-11-22T20:00:00Z", "2026-11-22T20:00:10Z")
    (run_dir / "telemetry.csv").write_text("stale\n")
    write_json_atomic(run_dir / "probe.json", {"source": "local:earlier", "rows": 7})
    before = {p.name: p.read_bytes() for p in run_dir.iterdir()}

    for argv in ((), ("--telemetry-required",)):
        done = run_cli("probe", str(run_dir), *argv)
        assert done.returncode == 2, done.stdout + done.stderr
        (line,) = done.stderr.strip().splitlines()
        assert "no telemetry store" in line
        assert "untouched" in line
        assert "Traceback" not in line
        assert {p.name: p.read_bytes() for p in run_dir.iterdir()} == before


def test_bad_input_is_one_line_exit_2(tmp_path):
    not_a_run = run_cli("probe", str(tmp_path))
    assert (not_a_run.returncode, "no run.json" in not_a_run.stderr) == (2, True)
    run_dir = tmp_path / "run"
    write_run(run_dir, "none", [], "", "")
    no_window = run_cli("probe", str(run_dir))
    assert (no_window.returncode, "started_at and ended_at" in no_window.stderr) == (2, True)
    bad_wait = run_cli("probe", str(run_dir), "--telemetry-wait", "soon")
    assert (bad_wait.returncode, "--telemetry-wait" in bad_wait.stderr) == (2, True)


def test_scorebench_probe_reads_app_insights_with_the_logs_settings_of_the_environment(tmp_path):
    """run.json says appinsights + workspace; SCOREBENCH_LOGS_ENDPOINT / _TOKEN (read by config.py) reach the probe."""
    samples = [Sample(cid, "2026-11-22T20:00:00.000000Z", 70.0, 200, "ok", None, 10, 10, "p", "w") for cid in "ab"]
    run_dir = tmp_path / "run"
    write_run(run_dir, "appinsights", samples, "2026-11-22T20:00:00.000000Z", "2026-11-22T20:00:10.000000Z")
    write_json_atomic(run_dir / "run.json", dict(read_json_object(run_dir / "run.json"), workspace_id="ws1"))
    with LogAnalyticsStandIn() as la:
        la.tables["AppRequests"] = [aml_request(1, "a", items=2), aml_request(2, "b", items=2)]
        la.tables["AppExceptions"] = []
        env = cli_env(SCOREBENCH_LOGS_ENDPOINT=la.endpoint, SCOREBENCH_LOGS_TOKEN="t0ken-never-shown")
        done = run_cli("probe", str(run_dir), "--telemetry-wait", "0s", env=env)
    assert done.returncode == 0, done.stderr
    entry = read_run(run_dir).probe
    assert entry is not None
    assert entry.source == "appinsights:workspace:ws1"
    assert (entry.rows, entry.item_count_sum, entry.missing_client_requests, entry.error) == (2, 4, 0, None)
    assert {r["headers"]["has_bearer"] for r in la.requests} == {"True"}
    assert (
        "t0ken"
        not in done.stdout + done.stderr + (run_dir / "run.json").read_text() + (run_dir / "probe.json").read_text()
    )


def test_target_ids_come_from_run_json_unless_a_flag_names_one(tmp_path):
    run_dir = tmp_path / "run"
    write_run(run_dir, "appinsights", [], "2026-11-22T20:00:00Z", "2026-11-22T20:00:10Z")
    write_json_atomic(run_dir / "run.json", dict(read_json_object(run_dir / "run.json"), workspace_id="ws-from-run"))
    rid = "/subscriptions/s/resourceGroups/g/providers/microsoft.insights/components/c"
    with LogAnalyticsStandIn() as la:
        la.tables.update(AppRequests=[], AppExceptions=[], requests=[], exceptions=[])
        env = cli_env(SCOREBENCH_LOGS_ENDPOINT=la.endpoint, SCOREBENCH_LOGS_TOKEN="t")
        from_run = run_cli("probe", str(run_dir), "--telemetry-wait", "0s", env=env)
        from_flag = run_cli("probe", str(run_dir), "--telemetry-wait", "0s", "--app-insights-id", rid, env=env)
    assert (from_run.returncode, from_flag.returncode) == (0, 0), from_run.stderr + from_flag.stderr
    assert [r["path"] for r in la.requests] == [
        "/v1/workspaces/ws-from-run/query",
        "/v1/workspaces/ws-from-run/query",
        f"/v1{rid}/query",
        f"/v1{rid}/query",
    ]


@pytest.mark.slow
def test_a_soak_is_probed_with_a_bounded_number_of_queries(tmp_path):
    """20,000 requests in the SQLite-backed replica (tests/benchmarks/bench_probe_1m.py: a million):
    `scorebench probe` sees every one, and says what the queries cost (probes/census.py)."""
    count = 20_000
    tables = SqliteTables(tmp_path / "la.sqlite3")
    tables.create("AppRequests")
    tables.create("AppExceptions", EXCEPTION_COLUMNS)
    soak = list(soak_rows(count, rps=300.0))
    tables.insert("AppRequests", (row for _, row in soak))
    run_dir = tmp_path / "run"
    ended = soak[-1][1]["TimeGenerated"]
    write_soak_run(run_dir, "ws-soak", ((cid, row["TimeGenerated"]) for cid, row in soak), ended)
    with LogAnalyticsStandIn(engine=tables) as la:
        env = cli_env(SCOREBENCH_LOGS_ENDPOINT=la.endpoint, SCOREBENCH_LOGS_TOKEN="t")
        done = run_cli("probe", str(run_dir), "--telemetry-wait", "60s", "--telemetry-poll", "0.5s", env=env)
    assert done.returncode == 0, done.stderr
    entry = read_run(run_dir).probe
    assert entry is not None
    assert (entry.rows, entry.missing_client_requests, entry.stopped_because) == (count, 0, "all_seen")
    assert entry.queries == len(la.requests) == 3  # requests: census + one fetch; exceptions: census
    assert entry.bytes_read == la.bytes_sent
    assert entry.table_errors == {}
    assert f"queries: 3 Log Analytics queries, {la.bytes_sent / 1e6:,.1f} MB read" in done.stdout


@pytest.mark.slow
def test_probe_and_report_take_the_samples_of_scorebench_ab(standin_factory, tmp_path):
    """`scorebench ab --run-dir` leaves samples only: probe writes its run.json and load.json once, then probes."""
    standin = standin_factory(key=TEST_KEY)
    run_dir = tmp_path / "ab-run"
    ab = run_cli("ab", "-n", "40", "-c", "2", "-H", f"Authorization: Bearer {TEST_KEY}", "--run-dir", str(run_dir),
                 "--payloads", str(DEFAULT_PAYLOADS), standin.score_url)  # fmt: skip
    assert ab.returncode == 0, ab.stderr
    assert not (run_dir / "run.json").exists()
    done = run_cli("probe", str(run_dir), "--telemetry", standin.telemetry_spec, "--telemetry-wait", "30s")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "samples only (no run.json" in done.stderr
    assert "from its 40 samples (ab engine" in done.stderr
    records = read_run(run_dir)
    assert (records.info.engine, records.info.label, records.load.requests) == ("ab", "ab-run", 40)
    assert (records.probe.error, records.probe.missing_client_requests) == (None, 0)
    written = (run_dir / "run.json").read_bytes()
    report = run_cli("report", str(run_dir))
    assert report.returncode in (0, 3), report.stdout + report.stderr  # 40 requests may not decide error_rate<1%
    assert (run_dir / "report.html").is_file()
    assert (run_dir / "run.json").read_bytes() == written  # written once
    assert "samples only" not in report.stderr


def test_samples_that_hold_no_request_are_named_as_such(tmp_path) -> None:
    """Locust workers that never got a user write a header only: the probe says so, not "no samples*.csv"."""
    from scorebench.core.records import header

    folder = tmp_path / "run"
    folder.mkdir()
    (folder / "samples-hostb-41.csv").write_text(",".join(header(Sample)) + "\n")
    done = run_cli("probe", str(folder), "--telemetry", "none")
    assert (done.returncode, done.stdout) == (2, "")
    assert (
        done.stderr
        == f"scorebench: error: {folder}: its samples*.csv hold no request (no run.json): nothing to probe\n"
    )
    assert sorted(p.name for p in folder.iterdir()) == ["samples-hostb-41.csv"]  # nothing written
    empty = run_cli("probe", str(tmp_path / "elsewhere"), "--telemetry", "none")
    assert "not a run directory (no run.json, no samples*.csv)" in empty.stderr
