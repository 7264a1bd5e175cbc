"""build_report reads a run directory into statistics (reports/build.py)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from scorebench.core.records import TelemetryRow, read_csv, write_csv
from scorebench.reports import stats
from scorebench.reports.build import build_report, chart_data
from tests.conftest import REPO_ROOT
from tests.reports.test_stats import frame

SMALL = REPO_ROOT / "tests" / "data" / "fixture_runs" / "small"


def test_the_warm_up_request_is_not_an_orphan_server_row(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    shutil.copytree(SMALL, run_dir)
    before = build_report(run_dir).summary.to_dict()["server"]
    rows = list(read_csv(run_dir / "telemetry.csv", TelemetryRow))
    warmup = TelemetryRow(rows[0].timestamp, "f" * 32, "op", "/score", "200", True, 5.0, 1)
    write_csv(run_dir / "telemetry.csv", [*rows, warmup], TelemetryRow)
    info = json.loads((run_dir / "run.json").read_text())
    info["preflight"] = {"warmup_request_id": "f" * 32}
    (run_dir / "run.json").write_text(json.dumps(info))
    after = build_report(run_dir).summary.to_dict()["server"]
    assert after["server_without_client_sample"] == before["server_without_client_sample"]
    assert after["requests"] == before["requests"]


def test_chart_buckets_start_at_the_first_request_not_its_rounded_time() -> None:
    # 100.2996 rounds to 100.300 in the summary; bucketing from that would put it in second -1.
    samples = frame([10.0, 20.0, 30.0], started_s=[100.2996, 100.9, 101.4])
    chart = chart_data(samples, None, stats.summarize(samples, None, timeout_s=60.0))
    assert chart["bucket_s"] == 0.05  # a 1.13 s run: sub-second buckets (charts.bucket_seconds)
    assert chart["series"]["t_s"] == [0.0, 0.6, 1.1]
    assert chart["series"]["requests"] == [20.0, 20.0, 20.0]  # one request per 0.05 s bucket
