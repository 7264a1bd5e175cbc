"""reports/common/extras.py: earlier runs' summary.json read in the current shape, whatever version wrote it."""

from __future__ import annotations

import json
from pathlib import Path

from scorebench.reports.common import extras


def test_an_old_summary_reads_with_the_successful_answers_latency(tmp_path: Path) -> None:
    run_dir = tmp_path / "20261118T000000Z-half"
    run_dir.mkdir()
    (run_dir / "run.json").write_text(json.dumps({"label": "half", "started_at": "2026-11-18T00:00:00.000000Z"}))
    old = {
        "count": 8,
        "ok": 4,
        "errors": 4,
        "throughput_rps": 8.0,
        "latency_ms": {"p50": 100.5},
        "ok_latency_ms": {"p50": 201.5},
        "verdict": {"status": "PASS"},
    }  # fmt: skip (version 1: no version key)
    (run_dir / "summary.json").write_text(json.dumps(old))
    entry = extras.read_run(run_dir)
    assert entry is not None
    assert entry.summary["latency_ms"] == {"p50": 201.5}
    assert (entry.summary["throughput_rps"], entry.summary["requests_rps"]) == (4.0, 8.0)
    assert entry.verdict == {"status": "PASS"}
