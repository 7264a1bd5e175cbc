"""Small synthetic run directories for the report, browser and trend tests (deterministic).

- `make_ramp_run`: a Locust ramp: 5 users for 10 s, then 10 users for 10 s; latency steps from
  ~55 ms to ~155 ms when the users double; Locust's stats history and HTML report beside it;
- `make_short_run`: 20 requests within 0.3 s (a sub-second run);
- `make_failed_run`: 10 requests, every one an instant HTTP 500 (nothing to measure a latency on);
- `make_creep_runs`: five runs of one label whose p95 creeps +8 % per run, each with a
  summary.json judged against the run before it.
"""

from __future__ import annotations

import json
import random
import uuid
from pathlib import Path

from scorebench.core.records import Sample, utc_from_epoch, write_csv
from tests.data.make_fixtures import PAYLOAD_HASH, START_EPOCH_S, make_run

HISTORY_HEADER = (
    "Timestamp,User Count,Type,Name,Requests/s,Failures/s,50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%,"
    "Total Request Count,Total Failure Count,Total Median Response Time,Total Average Response Time,"
    "Total Min Response Time,Total Max Response Time,Total Average Content Size"
)


def _write_samples(run_dir: Path, rows: list[tuple[float, float, str, int]], seed: int) -> None:
    rng = random.Random(seed)
    samples = [
        Sample(uuid.UUID(int=rng.getrandbits(128), version=4).hex, utc_from_epoch(start), round(latency, 3), status,
               outcome, None, 812, 18 if outcome == "ok" else 40, f"p{i % 2}", "w0")
        for i, (start, latency, outcome, status) in enumerate(rows)
    ]  # fmt: skip
    write_csv(run_dir / "samples.csv", samples, Sample)


def _write_info(run_dir: Path, label: str, engine: str, profile: dict, started: float, ended: float) -> None:
    info = {
        "label": label, "endpoint": "http://127.0.0.1:5001/score", "engine": engine, "load_profile": profile,
        "timeout_s": 60.0, "payloads": {"path": "payloads/bank_marketing", "count": 2},
        "payload_set_hash": PAYLOAD_HASH, "telemetry": "none", "started_at": utc_from_epoch(started),
        "ended_at": utc_from_epoch(ended), "partial": False, "partial_reason": None,
    }  # fmt: skip
    (run_dir / "run.json").write_text(json.dumps(info, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def make_ramp_run(run_dir: Path) -> Path:
    """5 users for 10 s then 10 users for 10 s; latency ~55 ms, then ~155 ms."""
    run_dir.mkdir(parents=True)
    rng = random.Random(11)
    rows = []
    for second in range(20):
        users, base_ms = (5, 55.0) if second < 10 else (10, 155.0)
        per_second = int(users * 1000 / base_ms)
        for k in range(per_second):
            start = START_EPOCH_S + second + k / per_second
            rows.append((start, base_ms * rng.uniform(0.95, 1.08), "ok", 200))
    rows.append((START_EPOCH_S + 15.5, 160.0, "http_5xx", 502))
    _write_samples(run_dir, rows, seed=12)
    profile = {"users": 10, "spawn_rate": 0.5, "duration_s": 20.0, "timeout_s": 60.0}
    _write_info(run_dir, "ramp", "locust", profile, START_EPOCH_S, START_EPOCH_S + 20.2)
    locust = run_dir / "locust"
    locust.mkdir()
    lines = [HISTORY_HEADER]
    for second in range(21):
        users = 5 if second < 10 else 10
        lines.append(f"{int(START_EPOCH_S) + second},{users},,Aggregated,{users * 18:.2f},0,55" + ",0" * 17)
    (locust / "locust_stats_history.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (locust / "locust_failures.csv").write_text(
        "Method,Name,Error,Occurrences\nPOST,/score,\"HTTPError('502 Server Error: Bad Gateway, "
        "Authorization: Bearer abcdefgh12345678')\",1\n",
        encoding="utf-8",
    )
    (locust / "report.html").write_text("<html><body>Locust</body></html>\n", encoding="utf-8")
    return run_dir


def make_short_run(run_dir: Path) -> Path:
    """20 requests started within 0.3 s."""
    run_dir.mkdir(parents=True)
    rows = [(START_EPOCH_S + i * 0.015, 20.0 + i, "ok", 200) for i in range(20)]
    _write_samples(run_dir, rows, seed=13)
    _write_info(run_dir, "short", "ab", {"concurrency": 1, "requests": 20}, START_EPOCH_S, START_EPOCH_S + 0.32)
    return run_dir


def make_failed_run(run_dir: Path) -> Path:
    """10 requests within 0.5 s, every one an HTTP 500 after 1..1.9 ms."""
    run_dir.mkdir(parents=True)
    rows = [(START_EPOCH_S + i * 0.05, 1.0 + i / 10, "http_5xx", 500) for i in range(10)]
    _write_samples(run_dir, rows, seed=17)
    _write_info(run_dir, "failed", "ab", {"concurrency": 1, "requests": 10}, START_EPOCH_S, START_EPOCH_S + 0.5)
    return run_dir


def creep_run(out_dir: Path, index: int, factor: float) -> Path:
    """Run `index` of label `creep`: 2,000 requests at 50 rps, latency ~30 ms times factor (narrow spread)."""
    stamp = utc_from_epoch(START_EPOCH_S + index * 86_400)
    run_dir = out_dir / f"{stamp[:19].replace('-', '').replace(':', '')}Z-creep"
    make_run(run_dir, count=2000, seed=100 + index, latency_factor=factor, rps=50.0, with_telemetry=False,
             spread=0.05, start_epoch_s=START_EPOCH_S + index * 86_400, label="creep", errors=False)  # fmt: skip
    return run_dir
