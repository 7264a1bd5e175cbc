"""Benchmark: build summary + report.html from 1,000,000 samples (+ telemetry); target <= 15 s, <= 1.5 GB.

    /work/main/.venv/bin/python tests/benchmarks/bench_report_1m.py [--samples N]

Not collected by pytest (a script). Generates a synthetic run directory in a temp folder with
numpy/pandas (generation is not timed), then times `scorebench.reports.build.write_report` in a fresh child
process and prints seconds, peak RSS (ru_maxrss of that child) and the report's size.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from scorebench.core.records import ExceptionRow, Sample, TelemetryRow, header  # noqa: E402

START_NS = 1_795_000_000 * 10**9


def generate(run_dir: Path, count: int, rps: float = 1000.0, seed: int = 1) -> None:
    rng = np.random.default_rng(seed)
    started_ns = START_NS + (np.arange(count) / rps * 1e9).astype(np.int64)
    stamps = pd.to_datetime(started_ns, utc=True).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    server_ms = rng.lognormal(3.4, 0.4, count)
    latency_ms = server_ms + rng.uniform(2, 8, count)
    ids = [f"{i:032x}" for i in rng.integers(0, 2**62, count)]
    outcome = np.where(rng.random(count) < 0.005, "http_5xx", "ok")
    samples = pd.DataFrame(
        {
            "client_request_id": ids, "started_at": stamps, "latency_ms": latency_ms.round(3),
            "status": np.where(outcome == "ok", 200, 503), "outcome": outcome, "server_fn_ms": server_ms.round(3),
            "bytes_sent": 812, "bytes_received": 18, "payload_id": "p0", "worker": "w0",
        }
    )  # fmt: skip
    samples[header(Sample)].to_csv(run_dir / "samples.csv", index=False)
    keep = rng.random(count) > 0.01
    telemetry = pd.DataFrame(
        {
            "timestamp": stamps[keep], "client_request_id": np.asarray(ids)[keep], "operation_id": "op",
            "name": "POST /score", "result_code": np.where(outcome[keep] == "ok", "200", "503"),
            "success": np.where(outcome[keep] == "ok", 1, 0), "duration_ms": server_ms[keep].round(3), "item_count": 1,
        }
    )  # fmt: skip
    telemetry[header(TelemetryRow)].to_csv(run_dir / "telemetry.csv", index=False)
    pd.DataFrame(
        [["2026-11-18T00:00:00.000000Z", "", "ValueError", "bad input", 3]], columns=header(ExceptionRow)
    ).to_csv(run_dir / "exceptions.csv", index=False)
    info = {"label": "bench-1m", "engine": "ab", "timeout_s": 60.0, "load_profile": {"concurrency": 64}}
    (run_dir / "run.json").write_text(json.dumps(info), encoding="utf-8")


CHILD = """
import resource, sys, time
sys.path.insert(0, {root!r})
t0 = time.perf_counter()
from scorebench.reports.build import write_report
outcome = write_report({run_dir!r})
seconds = time.perf_counter() - t0
from scorebench.reports.baseline import save_baseline
from scorebench.reports.build import make_baseline
from pathlib import Path
save_baseline(make_baseline({run_dir!r}, "b"), Path({run_dir!r}) / "b.json")
t1 = time.perf_counter()
write_report({run_dir!r}, baseline_name=str(Path({run_dir!r}) / "b.json"))
checked = time.perf_counter() - t1
print(seconds, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, outcome.report_path.stat().st_size, checked)
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=1_000_000)
    count = parser.parse_args().samples
    with tempfile.TemporaryDirectory() as tmp:
        run_dir = Path(tmp)
        t0 = time.perf_counter()
        generate(run_dir, count)
        size_mb = sum(p.stat().st_size for p in run_dir.iterdir()) / 2**20
        print(f"generated {count:,} samples + telemetry ({size_mb:.0f} MB of CSV) in {time.perf_counter() - t0:.1f} s")
        code = CHILD.format(root=str(ROOT), run_dir=str(run_dir))
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        seconds, peak_mb, html_bytes, checked = (float(x) for x in done.stdout.split())
        print(f"build + render + write: {seconds:.2f} s (target <= 15 s, ratio {seconds / 15:.2f})")
        print(f"peak RSS: {peak_mb:.0f} MB (target <= 1536 MB, ratio {peak_mb / 1536:.2f})")
        print(f"report.html: {html_bytes / 2**20:.2f} MB (target < 5 MB)")
        print(f"again with a baseline (bootstrap checks): {checked:.2f} s (ratio {checked / 15:.2f})")


if __name__ == "__main__":
    main()
