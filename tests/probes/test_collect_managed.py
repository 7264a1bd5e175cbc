"""probe_run on a managed endpoint's run: the traffic log filtered to the deployment, App Insights off
said in one line, a missing table costing only its rows (scorebench/probes/collect.py)."""

from __future__ import annotations

from scorebench.core.records import Sample
from scorebench.core.rundir import read_json_object, write_json_atomic
from scorebench.probes.collect import ProbeOptions, probe_run
from scorebench.probes.spec import LocalTelemetry
from scorebench.probes.store import connect, write_traffic
from tests.probes.envelopes import request_envelope, write_store
from tests.probes.test_probe_cli import write_run

START, END = "2026-11-22T20:00:00.000000Z", "2026-11-22T20:00:10.000000Z"


def traffic(cid: str, deployment: str, code: int, model: int | None) -> dict[str, object]:
    return {"TimeGenerated": "2026-11-22T20:00:01.000000Z", "EndpointName": "ep", "DeploymentName": deployment,
            "Path": "/score", "ResponseCode": code, "ModelStatusCode": model, "TotalDurationMs": 1002,
            "RequestDurationMs": 1, "ResponseDurationMs": 0, "XRequestId": "x-" + cid,
            "XMSClientRequestId": cid}  # fmt: skip


def managed_run(tmp_path, service: dict[str, str]):
    run_dir, data = tmp_path / "run", tmp_path / "store"
    samples = [Sample(c, START, 70.0, 200, "ok", None, 10, 10, "p", "w") for c in ("g1", "g2")]
    write_run(run_dir, f"local:{data}", samples, START, END)
    write_json_atomic(run_dir / "run.json", dict(read_json_object(run_dir / "run.json"), service=service))
    return run_dir, data


def test_app_insights_off_uses_the_traffic_log_of_the_deployment_and_says_so(tmp_path):
    run_dir, data = managed_run(
        tmp_path, {"endpoint_name": "ep", "deployment": "green", "app_insights_enabled": "false"}
    )
    connection = connect(data)
    write_traffic(connection, [traffic("g1", "green", 408, None), traffic("g2", "green", 424, 500),
                               traffic("b1", "blue", 200, 200)])  # fmt: skip
    connection.close()
    entry = probe_run(run_dir, LocalTelemetry(data), ProbeOptions(wait_s=0, progress=False))
    assert entry.notes["app insights"].startswith("off for ep/green (app_insights_enabled: false)")
    assert (entry.main_table, entry.traffic_log_rows, entry.stopped_because) == ("traffic_log", 2, "all_seen")
    assert entry.other_traffic == {"traffic_log:ep/blue": 1}
    logged = (run_dir / "traffic_log.csv").read_text().splitlines()
    assert logged[0].split(",")[4:6] == ["response_code", "model_status_code"]
    assert [line.split(",")[4:6] for line in logged[1:]] == [["408", ""], ["424", "500"]]


def test_a_missing_traffic_log_costs_only_its_rows(tmp_path):
    run_dir, data = managed_run(tmp_path, {"endpoint_name": "ep", "deployment": "green"})
    write_store(data, [request_envelope("2026-11-22T20:00:01Z", "g1"), request_envelope("2026-11-22T20:00:02Z", "g2")])
    entry = probe_run(run_dir, LocalTelemetry(data), ProbeOptions(wait_s=0, progress=False))
    assert entry.error is None
    assert (entry.rows, entry.main_table) == (2, "requests")  # App Insights' rows kept
    assert "no traffic log" in entry.table_errors["traffic_log"]
    assert "traffic_log not read" in entry.notes
