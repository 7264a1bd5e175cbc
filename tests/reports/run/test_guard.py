"""Latency checks while the client was saturated (scorebench/reports/run/guard.py, build.py)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from scorebench.core.saturation import Period, Reading, part_document
from scorebench.reports.common import frames
from scorebench.reports.common.checks import FAIL, INCONCLUSIVE, PASS, Check
from scorebench.reports.run.build import build_report
from scorebench.reports.run.guard import guard_checks, guarded_status, overlapping
from tests.conftest import REPO_ROOT

SMALL = REPO_ROOT / "tests" / "data" / "fixture_runs" / "small"


def test_only_decided_latency_checks_become_inconclusive() -> None:
    assert guarded_status("p95", PASS, saturated=True) == INCONCLUSIVE
    assert guarded_status("p99", FAIL, saturated=True) == INCONCLUSIVE
    assert guarded_status("p95", INCONCLUSIVE, saturated=True) == INCONCLUSIVE
    assert guarded_status("error_rate", FAIL, saturated=True) == FAIL
    assert guarded_status("rps", PASS, saturated=True) == PASS
    assert guarded_status("p95", FAIL, saturated=False) == FAIL


def check(metric: str, kind: str, line: str) -> Check:
    return Check(metric, kind, metric, 300.0, 10.0, None, 9.0, 11.0, "ms", PASS, line)


def test_a_guarded_check_says_why() -> None:
    found = [check("p95", "slo", "PASS p95<300ms: 10 ms"), check("timeout", "timeout", "PASS timeout")]
    guarded = guard_checks(found, saturated=True)
    assert guarded[0].status == INCONCLUSIVE
    assert guarded[0].line.startswith("INCONCLUSIVE p95<300ms: 10 ms (the load generator was saturated")
    assert guarded[1] == found[1]  # a request that reached the timeout failed, whoever queued it


def test_periods_outside_the_run_do_not_count() -> None:
    inside, before = Period(10, 12, 95, 0), Period(1, 4, 95, 0)
    assert overlapping([inside, before], 5, 20) == [inside]


def test_a_saturated_run_has_a_note_and_inconclusive_latency_checks(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    shutil.copytree(SMALL, run_dir)
    calm = build_report(run_dir, slos=["p95<100s"])
    assert [c.status for c in calm.checks if c.metric == "p95"] == [PASS]
    started = frames.read_samples_frame(run_dir)["started_s"]
    t0 = float(started.min())
    busy = [Reading(t0 + 2 + i, t0 + 3 + i, 60.0, 39.0, 0.0) for i in range(3)]
    (run_dir / "saturation-ab-0.json").write_text(json.dumps(part_document("ab-0", busy)))
    result = build_report(run_dir, slos=["p95<100s"])
    assert result.saturation_note.startswith("the load generator was saturated from 2 s to 5 s")
    assert [c.status for c in result.checks if c.metric == "p95"] == [INCONCLUSIVE]
    assert result.exit_code == 3
    assert "Client saturated:" in result.html
