"""build_report reads a run directory into statistics (reports/build.py)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from reports.build import build_report
from scorebench.records import TelemetryRow, read_csv, write_csv
from tests.conftest import REPO_ROOT

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
