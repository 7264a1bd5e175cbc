"""probe_run: a server clock behind the client's loses no request; what is known is said before the first poll
(scorebench/probes/collect.py)."""

from __future__ import annotations

from scorebench.core.records import TELEMETRY_FILE, Sample, TelemetryRow, read_csv
from scorebench.core.rundir import read_json_object, write_json_atomic
from scorebench.probes.base import NoProbe
from scorebench.probes.collect import ProbeOptions, probe_run
from scorebench.probes.spec import AppInsightsTelemetry, LocalTelemetry
from tests.probes.envelopes import request_envelope, write_store
from tests.probes.test_probe_cli import write_run

START, END = "2026-11-22T20:00:00.000000Z", "2026-11-22T20:00:10.000000Z"


def test_a_server_clock_behind_the_client_keeps_the_first_requests_and_drops_earlier_traffic(tmp_path):
    run_dir, data = tmp_path / "run", tmp_path / "store"
    samples = [Sample(c, START, 70.0, 200, "ok", None, 10, 10, "p", "w") for c in ("a", "b")]
    write_run(run_dir, f"local:{data}", samples, START, END)
    write_store(data, [
        request_envelope("2026-11-22T19:59:30Z", "a"),  # the run's first request, on a clock 30 s behind
        request_envelope("2026-11-22T20:00:02Z", "b"),
        request_envelope("2026-11-22T19:59:40Z", ""),  # earlier traffic without the run's ids: not the run's
        request_envelope("2026-11-22T20:00:03Z", ""),  # during the run: another client's, counted as unmatched
    ])  # fmt: skip
    entry = probe_run(run_dir, LocalTelemetry(data), ProbeOptions(wait_s=0, progress=False))
    rows = list(read_csv(run_dir / TELEMETRY_FILE, TelemetryRow))
    assert sorted(r.timestamp[:19] for r in rows) == [
        "2026-11-22T19:59:30",
        "2026-11-22T20:00:02",
        "2026-11-22T20:00:03",
    ]
    assert (entry.missing_client_requests, entry.unmatched_server_rows) == (0, 1)
    assert entry.window is not None
    assert entry.window[0].startswith("2026-11-22T19:59:00")


def test_a_traffic_log_out_of_reach_is_said_before_the_first_poll(tmp_path, capsys):
    """--app-insights-id cannot reach AmlOnlineEndpointTrafficLog (a workspace table): said at the start."""
    run_dir = tmp_path / "run"
    write_run(run_dir, "appinsights", [Sample("a", START, 70.0, 200, "ok", None, 10, 10, "p", "w")], START, END)
    info = dict(read_json_object(run_dir / "run.json"), service={"endpoint_name": "ep", "deployment": "green"})
    write_json_atomic(run_dir / "run.json", info)
    spec = AppInsightsTelemetry(app_insights_id="/subscriptions/s/resourceGroups/g/providers/x/components/ai")
    probe_run(run_dir, spec, ProbeOptions(wait_s=0), probe=NoProbe())
    first = capsys.readouterr().err.splitlines()[0]
    assert first.startswith("telemetry: AmlOnlineEndpointTrafficLog is not read")
    assert "pass --workspace-id" in first
