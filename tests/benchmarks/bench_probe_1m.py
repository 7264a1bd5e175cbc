"""Benchmark: `scorebench probe` of a one-hour soak — 1,000,000 requests — against the Log Analytics replica.

    python tests/benchmarks/bench_probe_1m.py [--requests N] [--rps R] [--dir DIR]

The replica is tests/probes/loganalytics_standin.py (the documented wire format: tables/columns/rows
JSON, PartialError at 500,000 rows / ~100 MiB) answering from SQLite (tests/probes/loganalytics_sqlite.py),
reached by the real LogsQueryClient of a real `scorebench probe` subprocess
(SCOREBENCH_LOGS_ENDPOINT / SCOREBENCH_LOGS_TOKEN). Not collected by pytest (a script); the suite
runs the same path with 20,000 rows (tests/probes/test_probe_cli.py).
Prints: rows held, queries made and bytes read (probe.json and the replica's own count), the
closing note, the probe's wall time and its peak RSS. Before probes/census.py the same probe sent
at least one query per 500,000 rows per table per poll (more after every cut), and re-read every row each poll.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.probes.loganalytics_sqlite import EXCEPTION_COLUMNS, SqliteTables, soak_rows, write_soak_run  # noqa: E402
from tests.probes.loganalytics_standin import LogAnalyticsStandIn  # noqa: E402


def build(folder: Path, requests: int, rps: float) -> Path:
    """The replica's SQLite file and the run directory (kept in --dir for the next time)."""
    db, run_dir = folder / "la.sqlite3", folder / "run"
    if db.is_file() and (run_dir / "run.json").is_file():
        return db
    tables = SqliteTables(db)
    tables.create("AppRequests")
    tables.create("AppExceptions", EXCEPTION_COLUMNS)
    last = ["", ""]

    def rows() -> object:
        for cid, row in soak_rows(requests, rps):
            last[:] = [cid, row["TimeGenerated"]]
            yield row

    tables.insert("AppRequests", rows())  # type: ignore[arg-type]
    pairs = ((cid, row["TimeGenerated"]) for cid, row in soak_rows(requests, rps))
    write_soak_run(run_dir, "ws-soak", pairs, last[1])
    return db


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1_000_000)
    parser.add_argument("--rps", type=float, default=278.0, help="a one-hour soak at 278 req/s is 1,000,000")
    parser.add_argument("--dir", type=Path, default=None)
    args = parser.parse_args()
    folder = args.dir or Path(tempfile.mkdtemp(prefix="bench-probe-"))
    folder.mkdir(parents=True, exist_ok=True)
    began = time.perf_counter()
    db = build(folder, args.requests, args.rps)
    size_mb, built_s = db.stat().st_size / 1e6, time.perf_counter() - began
    print(f"replica: {args.requests:,} rows in {db} ({size_mb:,.0f} MB, {built_s:.0f} s)", flush=True)
    run_dir = folder / "run"
    with LogAnalyticsStandIn(engine=SqliteTables(db)) as la:
        env = dict(os.environ, SCOREBENCH_LOGS_ENDPOINT=la.endpoint, SCOREBENCH_LOGS_TOKEN="bench")
        command = [sys.executable, "-m", "scorebench", "probe", str(run_dir), "--telemetry-wait", "10m",
                   "--telemetry-poll", "1s"]  # fmt: skip
        began = time.perf_counter()
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        elapsed = time.perf_counter() - began
        served, sent = len(la.requests), la.bytes_sent
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    probe = json.loads((run_dir / "probe.json").read_text())
    print(done.stdout.strip())
    if done.returncode:
        print(done.stderr.strip()[-2000:])
        return 1
    print(
        f"rows {probe['rows']:,}, missing {probe['missing_client_requests']}, stopped {probe['stopped_because']}"
        f" after {probe['polls']} polls; queries {probe['queries']} (replica served {served}),"
        f" bytes read {probe['bytes_read'] / 1e6:,.1f} MB (replica sent {sent / 1e6:,.1f} MB);"
        f" probe {elapsed:.0f} s, peak RSS {peak_mb:,.0f} MB"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
