"""The report half end to end against the stand-in: real requests → samples.csv (the shared
SampleWriter), the real local probe → telemetry.csv, then `scorebench baseline save`, `check` and
`report` through the entry point. A rerun of the same service passes; a doubled latency fails.

The load loop here is a deliberately tiny sequential client (bounded count): the engines are
tested in their own folders; this test is about what reports/ makes of real files.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

from scorebench.core.records import Sample, utc_from_epoch
from scorebench.core.rundir import write_json_atomic
from scorebench.loadtests.samples import SampleWriter
from scorebench.payloads.loader import DEFAULT_PAYLOADS, load_payloads, payload_set_hash
from tests.conftest import TEST_KEY, run_cli

REQUESTS = 80
PROFILE = {"concurrency": 1, "requests": REQUESTS, "duration_s": None, "timeout_s": 60.0}

pytestmark = pytest.mark.slow


def sequential_run(url: str, run_dir: Path, telemetry: str) -> Path:
    """REQUESTS sequential scoring calls, written as samples; run.json like `scorebench run` writes it."""
    run_dir.mkdir(parents=True)
    payloads = load_payloads(DEFAULT_PAYLOADS)
    writer = SampleWriter(run_dir / "samples.csv")
    started_at = time.time()
    for i in range(REQUESTS):
        payload = payloads[i % len(payloads)]
        crid = uuid.uuid4().hex
        headers = {
            "Content-Type": "application/json",
            "Authorization": f"Bearer {TEST_KEY}",
            "x-ms-client-request-id": crid,
        }
        start = time.time()
        t0 = time.perf_counter()
        try:
            with urllib.request.urlopen(urllib.request.Request(url, payload.body, headers), timeout=60) as answer:
                body, status = answer.read(), answer.status
        except urllib.error.HTTPError as exc:
            body, status = exc.read(), exc.code
        latency_ms = (time.perf_counter() - t0) * 1000
        outcome = "ok" if status == 200 else "http_4xx" if status < 500 else "http_5xx"
        writer.write(
            Sample(
                crid,
                utc_from_epoch(start),
                latency_ms,
                status,
                outcome,
                None,
                len(payload.body),
                len(body),
                payload.payload_id,
                "t0",
            )
        )
    writer.close()
    write_json_atomic(run_dir / "run.json", {
        "label": run_dir.name, "endpoint": url, "engine": "test-sequential", "load_profile": PROFILE, "timeout_s": 60.0,
        "payloads": {"path": str(DEFAULT_PAYLOADS), "count": len(payloads)}, "payload_set_hash": payload_set_hash(payloads),  # noqa: E501
        "telemetry": telemetry, "started_at": utc_from_epoch(started_at), "ended_at": utc_from_epoch(time.time()),
    })  # fmt: skip
    return run_dir


@pytest.mark.alone  # three runs timed apart must see the same machine (tests/parallel.py)
def test_rerun_passes_doubled_latency_fails(standin_factory, tmp_path: Path) -> None:
    fast = standin_factory(key=TEST_KEY, latency_ms=30)
    first = sequential_run(fast.score_url, tmp_path / "first", fast.telemetry_spec)
    from scorebench.probes.collect import ProbeOptions, probe_run
    from scorebench.probes.spec import parse_telemetry

    entry = probe_run(first, parse_telemetry(fast.telemetry_spec, "stand-in"), ProbeOptions(wait_s=30))
    assert entry.error is None
    store = str(tmp_path / "baselines")
    saved = run_cli("baseline", "save", str(first), "--name", "standin-v1", "--baselines-dir", store)
    assert saved.returncode == 0, saved.stderr

    again = sequential_run(fast.score_url, tmp_path / "again", "none")
    # 80 requests resolve neither p95 within +10 % nor p99 at all: judged within what they can show
    resolvable = ("--threshold", "rps:off", "--threshold", "p95:+100%", "--threshold", "p99:off",
                  "--threshold", "error_rate:+10pp", "--slo", "error_rate<10%")  # fmt: skip
    rerun = run_cli("check", str(again), "--baseline", "standin-v1", "--baselines-dir", store, *resolvable)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    strict = run_cli("check", str(again), "--baseline", "standin-v1", "--baselines-dir", store)
    assert strict.returncode == 3, strict.stdout + strict.stderr  # the default limits: inconclusive, never PASS

    slow = standin_factory(key=TEST_KEY, latency_ms=90)  # ~2x the whole response time (overhead included)
    doubled = sequential_run(slow.score_url, tmp_path / "doubled", "none")
    gate = run_cli("check", str(doubled), "--baseline", "standin-v1", "--baselines-dir", store)
    assert gate.returncode == 1, gate.stdout + gate.stderr
    # closed loop: a doubled latency shows as higher percentiles and as lower throughput
    assert any(line.startswith(("FAIL p95:", "FAIL p99:", "FAIL rps:")) for line in gate.stdout.splitlines())

    report = run_cli("report", str(first), "--slo", "error_rate<10%")
    assert report.returncode == 0, report.stderr
    summary = json.loads((first / "summary.json").read_text())
    server = summary["server"]
    assert server["matched"] == REQUESTS  # every request joined to its server row by x-ms-client-request-id
    assert server["client_not_seen_by_server"] == 0
    assert 0 < server["duration_ms"]["p50"] < summary["latency_ms"]["p50"]
    assert server["rest_ms"]["min"] >= 0 - 1.0  # clock granularity: the rest is never meaningfully negative
