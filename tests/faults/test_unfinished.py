"""Unfinished is visible: a run still being written is refused; one that died is partial everywhere.

A finished run directory (tests/data/fixture_runs/small) is given a writer: this test process holds
its running.json lock as a live `scorebench run` does (core/running.py), or leaves running.json
unlocked with no load as a SIGKILLed run does. Then `baseline save`, `check` and `trend` refuse or
leave out the run in progress, and judge the dead one partial: `report` and summary.json say so,
`check` cannot pass it (INCONCLUSIVE, exit 3), `trend` marks it and cannot judge drift on it, and
`baseline save` refuses it even with --force. Before: all of them took both runs as finished.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from scorebench.core.running import RUNNING_JSON, RunningMark
from scorebench.core.runrecords import DIED, IN_PROGRESS
from tests.conftest import REPO_ROOT, run_cli

SMALL_RUN = REPO_ROOT / "tests" / "data" / "fixture_runs" / "small"
PASSING = ("--threshold", "p95:+500%", "--threshold", "p99:+500%", "--threshold", "error_rate:+1000%",
           "--slo", "error_rate<10%")  # fmt: skip
"""Limits the fixture run passes against its own baseline (300 requests decide nothing tighter)."""


def _run_with_baseline(tmp_path: Path) -> tuple[Path, str]:
    """A finished run in tmp/runs, reported, saved as baseline v1; the baselines folder."""
    run_dir = tmp_path / "runs" / "20261118T000000Z-small"
    shutil.copytree(SMALL_RUN, run_dir)
    store = str(tmp_path / "baselines")
    assert run_cli("report", str(run_dir)).returncode in (0, 3)
    saved = run_cli("baseline", "save", str(run_dir), "--name", "v1", "--baselines-dir", store, "--force")
    assert saved.returncode == 0, saved.stderr
    return run_dir, store


def test_a_run_in_progress_is_refused_by_baseline_save_check_and_trend(tmp_path: Path) -> None:
    run_dir, store = _run_with_baseline(tmp_path)
    before = sorted(p.name for p in run_dir.iterdir())
    with RunningMark(run_dir):  # a live scorebench writes the run (here: past its load, in its report)
        saved = run_cli("baseline", "save", str(run_dir), "--name", "v2", "--baselines-dir", store, "--force")
        checked = run_cli("check", str(run_dir), "--baseline", "v1", "--baselines-dir", store, *PASSING)
        trend = run_cli("trend", "--out", str(tmp_path / "runs"))
        after = sorted(p.name for p in run_dir.iterdir())
    for refused, doing in ((saved, "save it as a baseline"), (checked, "check it")):
        assert refused.returncode == 2, refused.stdout
        (line,) = refused.stderr.strip().splitlines()
        assert line.startswith(f"scorebench: error: {run_dir}: {IN_PROGRESS} (scorebench pid "), line
        assert line.endswith(f"; {doing} once it has ended"), line
    assert not (Path(store) / "v2.json").exists()
    assert after == sorted([*before, RUNNING_JSON])  # no check-*.json written
    assert trend.returncode == 2, trend.stdout
    assert f"trend: {run_dir.name} left out: the run is still in progress" in trend.stderr
    assert not (run_dir / RUNNING_JSON).exists()  # the writer's end removes its mark


def test_a_run_that_died_before_its_load_ended_is_partial_everywhere(tmp_path: Path) -> None:
    run_dir, store = _run_with_baseline(tmp_path)
    assert run_cli("check", str(run_dir), "--baseline", "v1", "--baselines-dir", store, *PASSING).returncode == 0
    run_json = json.loads((run_dir / "run.json").read_text())
    (run_dir / "run.json").write_text(json.dumps({**run_json, "ended_at": None}))  # no record of the load's end
    (run_dir / RUNNING_JSON).write_text('{"pid": 4242, "host": "ci-7", "started_at": "2026-11-18T11:00:00Z"}\n')
    died = f"{DIED} (scorebench pid 4242 on ci-7, started 2026-11-18T11:00:00Z) before its load ended (no load.json)"

    report = run_cli("report", str(run_dir))
    assert report.returncode in (0, 3), report.stderr
    summary = json.loads((run_dir / "summary.json").read_text())
    assert (summary["partial"], summary["partial_reason"]) == (True, died)
    assert f"<strong>Partial run:</strong> {died}" in (run_dir / "report.html").read_text()

    checked = run_cli("check", str(run_dir), "--baseline", "v1", "--baselines-dir", store, *PASSING)
    assert checked.returncode == 3, checked.stdout + checked.stderr
    assert f"INCONCLUSIVE partial: {died}; an unfinished run passes no check" in checked.stdout
    assert checked.stdout.strip().splitlines()[-1] == "verdict: INCONCLUSIVE (exit 3)"

    trend = run_cli("trend", "--out", str(tmp_path / "runs"))
    assert trend.returncode == 3, trend.stdout + trend.stderr
    assert f"the newest run is partial: {died}" in trend.stdout
    rows = json.loads((tmp_path / "runs" / "trend.json").read_text())["runs"]
    assert [row["partial"] for row in rows] == [died]

    saved = run_cli("baseline", "save", str(run_dir), "--name", "v2", "--baselines-dir", store, "--force")
    assert saved.returncode == 2, saved.stdout
    assert saved.stderr.strip() == (
        f"scorebench: error: {run_dir}: {died}; not saved as a baseline (--force does not keep an unfinished run)"
    )
