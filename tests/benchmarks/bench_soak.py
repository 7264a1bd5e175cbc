"""Soak benchmark (issue 8 §7): a long `scorebench run` at a few hundred requests per second.

Not part of the test suite (run it by hand or on a schedule):

    python tests/benchmarks/bench_soak.py --duration 10m --rate 250

It starts the stand-in (2 workers) and runs the real `scorebench run` against it with the ab
engine in open-model mode, sampling the run process's resident memory every few seconds. It
prints peak RSS in the first and the last minute (flat memory means they are close), and
samples == server rows (no sample lost: every client request id is in the telemetry).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT))

from scorebench.core.records import TELEMETRY_FILE, TelemetryRow, read_csv, read_samples  # noqa: E402
from scorebench.core.units import parse_duration_s  # noqa: E402
from scorebench.local.standin import StandIn  # noqa: E402
from tests.conftest import TEST_KEY, cli_env  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", default="10m")
    parser.add_argument("--rate", type=float, default=250.0)
    parser.add_argument("--workers", type=int, default=2, help="stand-in gunicorn workers")
    args = parser.parse_args()
    duration_s = parse_duration_s(args.duration)
    with (
        tempfile.TemporaryDirectory(prefix="soak-") as tmp,
        StandIn(key=TEST_KEY, data_dir=Path(tmp) / "standin", workers=args.workers) as standin,
    ):
        out = Path(tmp) / "runs"
        command = [sys.executable, "-m", "scorebench", "run", "--endpoint", standin.score_url, "--duration",
                   args.duration, "--rate", str(args.rate), "--concurrency", "64", "--out", str(out),
                   "--no-progress", "--telemetry", standin.telemetry_spec, "--telemetry-wait", "2m"]  # fmt: skip
        process = subprocess.Popen(command, env=cli_env(SCOREBENCH_KEY=TEST_KEY), cwd=REPO_ROOT, text=True)
        rss = watch_rss(process, duration_s)
        run_dir = next(out.glob("*"))
        samples = read_samples(run_dir)
        rows = list(read_csv(run_dir / TELEMETRY_FILE, TelemetryRow)) if (run_dir / TELEMETRY_FILE).exists() else []
    first = [mb for t, mb in rss if t <= 60]
    last = [mb for t, mb in rss if t >= duration_s - 60 and t <= duration_s]
    client_ids = {s.client_request_id for s in samples}
    server_ids = {r.client_request_id for r in rows}
    print(f"soak: {args.duration} at {args.rate:g} rps against the stand-in ({args.workers} workers)")
    peak_mb = max(mb for _, mb in rss)
    print(f"peak RSS first minute: {max(first):.1f} MB; last minute: {max(last):.1f} MB; overall {peak_mb:.1f} MB")
    missing = len(client_ids - server_ids)
    server_rows = sum(r.item_count for r in rows)
    print(f"samples: {len(samples)}; server rows: {server_rows}; client ids missing on the server: {missing}")
    print(f"exit code {process.returncode}")
    return 0


def watch_rss(process: subprocess.Popen[str], duration_s: float) -> list[tuple[float, float]]:
    """(seconds since start, RSS MB of the run process and its children) every 2 s until it exits."""
    started = time.monotonic()
    handle = psutil.Process(process.pid)
    points: list[tuple[float, float]] = []
    while process.poll() is None:
        try:
            members = [handle, *handle.children(recursive=True)]
            total = sum(p.memory_info().rss for p in members if "scorebench.local" not in " ".join(p.cmdline()))
            points.append((time.monotonic() - started, total / 1e6))
        except psutil.Error:
            pass
        time.sleep(2)
    return points


if __name__ == "__main__":
    raise SystemExit(main())
