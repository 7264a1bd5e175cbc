"""scorebench/core/runrecords.py (and legacyrun.py): a run directory is a set of immutable records.

run.json of each kind parses into RunInfo; a run killed with SIGKILL has no load.json and is
reported partial and refused as a baseline; `check` adds its own file and changes nothing else;
old run directories (everything merged into run.json) still read and report.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from scorebench.core.runinfo import CapacityInfo, CompareInfo, PayloadSetInfo, RunInfo
from scorebench.core.runrecords import DIED, UNFINISHED, LoadRecord, read_run, read_run_info, write_run_info
from tests.conftest import REPO_ROOT, TEST_KEY, cli_env, run_cli

FIXTURES = REPO_ROOT / "tests" / "data" / "fixture_runs"
QUICK = ("--no-progress", "--label", "t", "--engine", "ab", "--telemetry", "none", "--slo", "error_rate<=100%")


def _write(run_dir: Path, data: dict[str, Any]) -> Path:
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "run.json").write_text(json.dumps(data), encoding="utf-8")
    return run_dir


def _hashes(run_dir: Path) -> dict[str, str]:
    return {
        str(p.relative_to(run_dir)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(run_dir.rglob("*"))
        if p.is_file()
    }


# --- the records, by hand ----------------------------------------------------------------------


def test_a_run_info_written_once_reads_back_equal(tmp_path: Path) -> None:
    info = RunInfo(
        label="cap", started_at="2026-11-30T12:00:00.000000Z", kind="capacity", endpoint="http://h/score",
        payloads=PayloadSetInfo("p", 2), thresholds=["p95:+10%"],
        capacity=CapacityInfo(search={"start_rps": 5.0}, step={"step_s": 4.0}, max_duration_s=60.0, instances=2),
    )  # fmt: skip
    write_run_info(tmp_path, info)
    records = read_run(tmp_path)
    assert (records.info, records.load, records.probe) == (info, None, None)
    assert records.partial_reason == UNFINISHED


def test_the_old_layout_fixture_reads_into_the_records() -> None:
    records = read_run(FIXTURES / "small")
    assert (records.info.label, records.info.engine, records.info.timeout_s) == ("small", "ab", 60.0)
    assert records.info.payloads == PayloadSetInfo("payloads/bank_marketing", 2)
    assert records.load is not None
    assert records.load.load_ended_at == json.loads((FIXTURES / "small" / "run.json").read_text())["ended_at"]
    assert (records.load.partial, records.partial_reason) == (False, None)
    assert records.probe is not None
    assert (records.probe.source, records.probe.error) == ("local", None)


@pytest.mark.parametrize(
    ("old", "partial_reason"),
    [
        ({"started_at": "t0", "ended_at": None, "partial": False}, UNFINISHED),  # SIGKILLed in the old layout
        ({"started_at": "t0", "ended_at": "t1", "partial": True, "partial_reason": "interrupted by SIGINT"},
         "interrupted by SIGINT"),
        ({"started_at": "t0", "ended_at": "t1", "partial": False}, None),
    ],
)  # fmt: skip
def test_an_old_run_json_without_an_end_was_never_finished(
    tmp_path: Path, old: dict[str, Any], partial_reason: str | None
) -> None:
    assert read_run(_write(tmp_path, {"label": "x", **old})).partial_reason == partial_reason


def test_old_compare_and_capacity_keys_nest_as_today(tmp_path: Path) -> None:
    compare = _write(tmp_path / "c", {
        "kind": "compare", "label": "c", "targets": {"current": "a", "candidate": "b"}, "pairing": "same start",
        "min_agreement": 0.95, "ended_at": "t1", "requests": {"current": 3, "candidate": 4},
    })  # fmt: skip
    capacity = _write(tmp_path / "k", {
        "kind": "capacity", "label": "k", "search": {"start_rps": 5.0}, "step": {"step_s": 4.0},
        "max_duration_s": 60.0, "instances": 2, "target_rps": 100.0, "ended_at": None,
    })  # fmt: skip
    step = _write(tmp_path / "s", {"kind": "capacity-step", "rate_rps": 7.5, "started_at": "t0", "ended_at": "t1"})
    assert read_run_info(compare).compare == CompareInfo({"current": "a", "candidate": "b"}, "same start", 0.95)
    assert read_run(compare).load == LoadRecord(load_started_at=None, load_ended_at="t1", requests=7)
    assert read_run_info(capacity).capacity == CapacityInfo({"start_rps": 5.0}, {"step_s": 4.0}, 60.0, 2, 100.0)
    assert read_run_info(step).load_profile == {"rate_rps": 7.5}


def test_a_corrupt_load_json_is_named(tmp_path: Path) -> None:
    write_run_info(tmp_path, RunInfo(label="x", started_at="t0"))
    (tmp_path / "load.json").write_text("[1]", encoding="utf-8")
    with pytest.raises(Exception, match=r"load\.json: holds a JSON list"):
        read_run(tmp_path)


# --- the commands --------------------------------------------------------------------------------


def test_a_run_writes_run_json_once_and_load_json_at_the_end(tmp_path: Path, standin: Any) -> None:
    env = cli_env(SCOREBENCH_KEY=TEST_KEY)
    done = run_cli("run", "--endpoint", standin.score_url, "--requests", "6", *QUICK, "--out", str(tmp_path), env=env)
    assert done.returncode == 0, done.stderr
    (run_dir,) = tmp_path.iterdir()
    records = read_run(run_dir)
    assert (records.info.kind, records.info.label, records.info.engine) == ("run", "t", "ab")
    assert records.info.preflight is not None
    assert records.info.preflight.warmup_status == 200
    assert records.load is not None
    assert records.load.requests == 6
    assert records.partial_reason is None
    run_json = json.loads((run_dir / "run.json").read_text())
    assert not {"ended_at", "requests", "partial", "probe"} & set(run_json)  # later stages wrote their own files


def _start_long_run(out: Path, url: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "scorebench", "run", "--endpoint", url, "--duration", "300s", *QUICK, "--out", str(out)],
        cwd=REPO_ROOT, env=cli_env(SCOREBENCH_KEY=TEST_KEY), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        text=True,
    )  # fmt: skip


def _wait_for_samples(out: Path, process: subprocess.Popen[str]) -> Path:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and process.poll() is None:
        found = [p.parent for p in out.glob("*/samples*.csv") if p.read_text().count("\n") >= 2]
        if found:  # a header and at least one whole row
            return found[0]
        time.sleep(0.1)  # polling a condition (samples on disk), not synchronising on time
    raise AssertionError("no samples appeared")


def test_a_sigkilled_run_is_reported_partial_and_refused_as_a_baseline(tmp_path: Path, standin: Any) -> None:
    out = tmp_path / "runs"
    process = _start_long_run(out, standin.score_url)
    try:
        run_dir = _wait_for_samples(out, process)
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    assert not (run_dir / "load.json").exists()

    report = run_cli("report", str(run_dir))
    assert report.returncode in (0, 1, 3), report.stdout + report.stderr
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["partial"] is True
    assert summary["partial_reason"].startswith(f"{DIED} (scorebench pid {process.pid} ")  # running.json's pid
    assert summary["partial_reason"].endswith("before its load ended (no load.json)")
    html = (run_dir / "report.html").read_text()
    assert f"<strong>Partial run:</strong> {DIED} (scorebench pid {process.pid}" in html

    env = cli_env(SCOREBENCH_BASELINES_DIR=str(tmp_path / "baselines"))
    for force in ((), ("--force",)):  # --force keeps a failed or partial finished run, never an unfinished one
        saved = run_cli("baseline", "save", str(run_dir), "--name", "killed", *force, env=env)
        assert saved.returncode == 2, saved.stdout
        (line,) = saved.stderr.strip().splitlines()
        assert str(run_dir) in line
        assert f"{DIED} (scorebench pid {process.pid}" in line
        assert "(no load.json)" in line
    assert not (tmp_path / "baselines" / "killed.json").exists()


def test_check_writes_its_own_file_and_leaves_the_run_byte_identical(tmp_path: Path) -> None:
    run_dir = tmp_path / "small"
    shutil.copytree(FIXTURES / "small", run_dir)
    store = str(tmp_path / "baselines")
    assert run_cli("report", str(run_dir)).returncode in (0, 3)  # 300 requests: some checks undecided
    assert run_cli("baseline", "save", str(run_dir), "--name", "v1", "--baselines-dir", store).returncode == 0
    before = _hashes(run_dir)

    done = run_cli("check", str(run_dir), "--baseline", "v1", "--baselines-dir", store, "--threshold", "p95:+500%")
    after = _hashes(run_dir)
    (added,) = set(after) - set(before)
    assert added.startswith("check-")
    assert added.endswith("-v1.json")
    assert {k: v for k, v in after.items() if k != added} == before  # summary.json, report.html, run.json, ...
    document = json.loads((run_dir / added).read_text())
    assert document["baseline"] == {"name": "v1"}
    assert document["thresholds"] == ["p95:+500%"]
    assert document["verdict"]["exit_code"] == done.returncode
    assert f"check: {run_dir / added}" in done.stdout


def test_trend_reads_the_runs_own_verdict_after_a_check(tmp_path: Path) -> None:
    out = tmp_path / "runs"
    run_dir = out / "20261118T000000Z-small"
    shutil.copytree(FIXTURES / "small", run_dir)
    store = str(tmp_path / "baselines")
    assert run_cli("report", str(run_dir)).returncode in (0, 3)
    own = json.loads((run_dir / "summary.json").read_text())["verdict"]
    assert run_cli("baseline", "save", str(run_dir), "--name", "v1", "--baselines-dir", store).returncode == 0
    run_cli("check", str(run_dir), "--baseline", "v1", "--baselines-dir", store, "--threshold", "p95:-90%")
    assert json.loads((run_dir / "summary.json").read_text())["verdict"] == own


def test_an_old_layout_run_still_reports(tmp_path: Path) -> None:
    run_dir = tmp_path / "slow"
    shutil.copytree(FIXTURES / "slow", run_dir)
    done = run_cli("report", str(run_dir))
    assert done.returncode in (0, 1, 3), done.stderr
    summary = json.loads((run_dir / "summary.json").read_text())
    assert (summary["partial"], summary["partial_reason"], summary["count"]) == (False, None, 300)
    assert "Partial run" not in (run_dir / "report.html").read_text()
