"""Benchmark: build + render + write the report of 1,000,000 samples (+ telemetry) against a bare read.

    python tests/benchmarks/bench_report_1m.py [--samples N] [--rounds R] [--dir DIR]

Targets: <= 5 s on a quiet 2-core machine, <= 2x a bare read of the same samples.csv and
telemetry.csv in the same run, peak memory <= 0.5 GB. Not collected by pytest (a script).
Generates a synthetic run directory (not timed; `--dir` keeps it for the next run), then per round,
each in a fresh child process with its imports done before the clock starts: the bare read
(pyarrow's CSV reader, all columns, nothing else) and `scorebench.reports.run.build.write_report`.
Prints both times, their median ratio, peak RSS of the report child (VmHWM: ru_maxrss would count the
parent's own memory, which a child inherits across fork and exec) and the report's size.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
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
            "answer_digest": np.where(outcome == "ok", "5f0c6e1d2a3b4c5d", ""),
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


PEAK_MB = """
def peak_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
"""
BARE = (
    PEAK_MB
    + """
import sys, time
import pyarrow.csv as pacsv
t0 = time.perf_counter()
rows = sum(pacsv.read_csv(path).num_rows for path in ({samples!r}, {telemetry!r}))
print(time.perf_counter() - t0, peak_mb(), rows)
"""
)

CHILD = (
    PEAK_MB
    + """
import sys, time
sys.path.insert(0, {root!r})
from scorebench.core.memory import return_freed_memory
return_freed_memory()  # as the command line does first thing
from scorebench.reports.run.build import write_report
t0 = time.perf_counter()
outcome = write_report({run_dir!r})
seconds = time.perf_counter() - t0
peak = peak_mb()
from scorebench.reports.run.baseline import save_baseline
from scorebench.reports.run.build import make_baseline
from pathlib import Path
(Path({run_dir!r}) / "b.json").unlink(missing_ok=True)  # this benchmark's own file, from a previous round
save_baseline(make_baseline({run_dir!r}, "b"), Path({run_dir!r}) / "b.json")
t1 = time.perf_counter()
write_report({run_dir!r}, baseline_name=str(Path({run_dir!r}) / "b.json"))
checked = time.perf_counter() - t1
peak_all = peak_mb()
print(seconds, peak, outcome.report_path.stat().st_size, checked, peak_all)
"""
)


def child(code: str) -> list[float]:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return [float(x) for x in done.stdout.split()]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--dir", help="keep the generated run directory here (reused when it exists)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        run_dir = Path(args.dir or tmp)
        run_dir.mkdir(parents=True, exist_ok=True)
        if not (run_dir / "samples.csv").exists():
            t0 = time.perf_counter()
            generate(run_dir, args.samples)
            print(f"generated {args.samples:,} samples + telemetry in {time.perf_counter() - t0:.1f} s")
        size_mb = sum(p.stat().st_size for p in run_dir.glob("*.csv")) / 2**20
        print(f"run directory {run_dir}: {size_mb:.0f} MB of CSV; {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}")
        bare = BARE.format(samples=str(run_dir / "samples.csv"), telemetry=str(run_dir / "telemetry.csv"))
        code = CHILD.format(root=str(ROOT), run_dir=str(run_dir))
        reads, builds, ratios, peaks = [], [], [], []
        for _ in range(args.rounds):
            read_s, read_mb, _rows = child(bare)
            seconds, peak_mb, html_bytes, checked, peak_all_mb = child(code)
            reads.append(read_s)
            builds.append(seconds)
            ratios.append(seconds / read_s)
            peaks.append(peak_mb)
        print(f"bare read (pyarrow, samples + telemetry): {_fmt(reads)} s (peak {read_mb:.0f} MB)")
        print(f"build + render + write: {_fmt(builds)} s (target <= 5 s on a quiet machine)")
        print(f"ratio to the bare read: {_fmt(ratios)}, median {statistics.median(ratios):.2f} (target <= 2)")
        print(f"peak RSS: {max(peaks):.0f} MB (target <= 512 MB, ratio {max(peaks) / 512:.2f})")
        print(f"report.html: {html_bytes / 2**20:.2f} MB (target < 5 MB)")
        print(f"again with a baseline (bootstrap checks): {checked:.2f} s (peak RSS {peak_all_mb:.0f} MB)")


def _fmt(values: list[float]) -> str:
    return "[" + ", ".join(f"{v:.2f}" for v in values) + "]"


if __name__ == "__main__":
    main()
