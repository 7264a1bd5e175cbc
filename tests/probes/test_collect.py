"""probe_run's window: a server clock behind the client's loses no request (scorebench/probes/collect.py)."""

from __future__ import annotations

from scorebench.core.records import TELEMETRY_FILE, Sample, TelemetryRow, read_csv
from scorebench.probes.collect import ProbeOptions, probe_run
from scorebench.probes.spec import LocalTelemetry
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
