"""Generate the fixture run directories under tests/data/fixture_runs/ (deterministic: fixed seeds and clock).

    python tests/data/make_fixtures.py          # rewrite tests/data/fixture_runs/{small,slow,other-profile}

`small`: 300 requests over ~30 s at 4 connections, a few errors, one timeout-free tail, telemetry for
most requests (some missing, some server rows with no client sample, a few sampled rows with
item_count 2), two exception kinds, run.json and swagger.json. `slow`: the same run with every
latency doubled (a regression). `other-profile`: the same samples with another load profile.
Also importable: `make_run(run_dir, ...)` for tests and the 1M-sample benchmark.
"""

from __future__ import annotations

import json
import random
import shutil
import sys
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from scorebench.core.records import (  # noqa: E402
    ExceptionRow,
    Sample,
    TelemetryRow,
    utc_from_epoch,
    write_csv,
)

RUNS = Path(__file__).resolve().parent / "fixture_runs"
START_EPOCH_S = 1_795_000_000.0  # 2026-11-18T... UTC, fixed
PROFILE = {"concurrency": 4, "duration_s": 30.0, "requests": None, "rate_rps": None, "timeout_s": 60.0}
PAYLOAD_HASH = "sha256:4f1c0e0b9d2a7d3e"
SWAGGER = {
    "swagger": "2.0",
    "info": {
        "title": "bank-marketing",
        "description": "API specification for the Azure Machine Learning service",
        "version": "1.0",
    },
    "schemes": ["http"],
    "consumes": ["application/json"],
    "produces": ["application/json"],
    "paths": {
        "/": {"get": {"operationId": "ServiceHealthCheck", "summary": "Simple health check endpoint"}},
        "/score": {
            "post": {"operationId": "RunMLService", "summary": "Run web service's model and get the prediction output"}
        },
    },
    "definitions": {
        "ServiceInput": {
            "type": "object",
            "properties": {
                "data": {
                    "type": "array",
                    "items": {"type": "object", "properties": {"age": {"type": "integer"}, "job": {"type": "string"}}},
                }
            },
        },
        "ServiceOutput": {"type": "object", "properties": {"result": {"type": "array", "items": {"type": "string"}}}},
    },
}


def make_run(
    run_dir: Path,
    count: int = 300,
    seed: int = 7,
    latency_factor: float = 1.0,
    profile: dict | None = None,
    rps: float = 10.0,
    with_telemetry: bool = True,
    spread: float = 0.35,
    start_epoch_s: float = START_EPOCH_S,
    label: str | None = None,
    errors: bool = True,
) -> None:
    """Write a synthetic run directory: samples.csv, telemetry.csv, exceptions.csv, run.json, swagger.json.

    `spread` is the latency's lognormal sigma; `errors=False` makes every request ok."""
    rng = random.Random(seed)
    run_dir.mkdir(parents=True, exist_ok=True)
    samples, telemetry, exceptions = [], [], []
    for i in range(count):
        started = start_epoch_s + i / rps + rng.random() * 0.05
        server_ms = rng.lognormvariate(3.4, spread) * latency_factor  # ~30 ms
        latency = server_ms + rng.uniform(2.0, 8.0) * latency_factor
        outcome, status = _outcome(rng) if errors else ("ok", 200)
        crid = uuid.UUID(int=rng.getrandbits(128), version=4).hex
        samples.append(
            Sample(crid, utc_from_epoch(started), round(latency, 3), status, outcome,
                   round(server_ms, 3) if outcome == "ok" else None, 812, 18 if outcome == "ok" else 40, f"p{i % 2}", "w0")  # noqa: E501
        )  # fmt: skip
        if with_telemetry and rng.random() > 0.03:
            weight = 2 if rng.random() < 0.02 else 1
            telemetry.append(
                TelemetryRow(utc_from_epoch(started + 0.001), crid, uuid.UUID(int=rng.getrandbits(128)).hex, "POST /score",  # noqa: E501
                             str(status), outcome == "ok", round(server_ms, 3), weight)
            )  # fmt: skip
        if outcome == "run_function_failed":
            exceptions.append(ExceptionRow(utc_from_epoch(started), crid, "ValueError", "could not convert 'age'", 1))
    if with_telemetry:
        for k in range(3):  # server rows with no client sample (another client, or a retry)
            telemetry.append(
                TelemetryRow(utc_from_epoch(START_EPOCH_S + k), "", f"op{k}", "GET /", "200", True, 0.5, 1)
            )
        exceptions.append(ExceptionRow(utc_from_epoch(START_EPOCH_S + 5), "", "TimeoutError", "model load <slow>", 2))
    write_csv(run_dir / "samples.csv", samples, Sample)
    if with_telemetry:
        write_csv(run_dir / "telemetry.csv", telemetry, TelemetryRow)
        write_csv(run_dir / "exceptions.csv", exceptions, ExceptionRow)
    end = start_epoch_s + count / rps + 1
    info = {
        "label": label or run_dir.name,
        "endpoint": "http://127.0.0.1:5001/score",
        "engine": "ab",
        "load_profile": profile or PROFILE,
        "timeout_s": 60.0,
        "payloads": {"path": "payloads/bank_marketing", "count": 2},
        "payload_set_hash": PAYLOAD_HASH,
        "service": {"model": "bank-marketing:1", "deployment": "local-standin"},
        "telemetry": "local:/tmp/standin" if with_telemetry else "none",
        "probe": {"source": "local", "rows": len(telemetry), "error": None},
        "tool_versions": {"scorebench": "0.1.0", "python": "3.11"},
        "git_commit": "0123456789abcdef0123456789abcdef01234567",
        "started_at": utc_from_epoch(start_epoch_s),
        "ended_at": utc_from_epoch(end),
        "partial": False,
        "partial_reason": None,
    }
    (run_dir / "run.json").write_text(json.dumps(info, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    (run_dir / "swagger.json").write_text(json.dumps(SWAGGER, indent=2) + "\n", encoding="utf-8")


def _outcome(rng: random.Random) -> tuple[str, int]:
    roll = rng.random()
    if roll < 0.01:
        return "run_function_failed", 500
    if roll < 0.015:
        return "http_4xx", 429
    return "ok", 200


def main() -> None:
    for name in ("small", "slow", "other-profile"):
        shutil.rmtree(RUNS / name, ignore_errors=True)
    make_run(RUNS / "small")
    make_run(RUNS / "slow", seed=8, latency_factor=2.0)
    make_run(RUNS / "other-profile", seed=9, profile={**PROFILE, "concurrency": 8})
    print(f"wrote {RUNS}/small, slow, other-profile")


if __name__ == "__main__":
    main()
