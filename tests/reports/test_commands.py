"""`scorebench report | baseline save | check` end to end through the real entry point."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT, run_cli

RUNS = REPO_ROOT / "tests" / "data" / "fixture_runs"


@pytest.fixture
def runs(tmp_path: Path) -> Path:
    for name in ("small", "slow", "other-profile"):
        shutil.copytree(RUNS / name, tmp_path / name)
    return tmp_path


def test_report_writes_summary_and_html(runs: Path) -> None:
    done = run_cli("report", str(runs / "small"))
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "verdict: PASS (exit 0)"
    summary = json.loads((runs / "small" / "summary.json").read_text())
    assert summary["count"] == 300
    assert summary["verdict"]["status"] == "PASS"
    assert (runs / "small" / "report.html").stat().st_size < 5 * 2**20


def test_baseline_then_check_passes_a_rerun_and_fails_a_doubled_latency(runs: Path) -> None:
    store = str(runs / "baselines")
    saved = run_cli("baseline", "save", str(runs / "small"), "--name", "small-v1", "--baselines-dir", store)
    assert saved.returncode == 0, saved.stderr
    assert saved.stdout.startswith(f"baseline small-v1: {store}/small-v1.json\n300 requests, p95 ")
    same = run_cli("check", str(runs / "small"), "--baseline", "small-v1", "--baselines-dir", store)
    assert same.returncode == 0, same.stdout + same.stderr
    slow = run_cli("check", str(runs / "slow"), "--baseline", "small-v1", "--baselines-dir", store)
    assert slow.returncode == 1
    assert "FAIL p95: 120.0 ms vs baseline 56.5 ms (+112.4%, limit +10%, 95% CI +80.9%..+140.4%)" in slow.stdout
    loose = run_cli("check", str(runs / "slow"), "--baseline", "small-v1", "--baselines-dir", store,
                    "--threshold", "p95:+200%", "--threshold", "p99:+200%")  # fmt: skip
    assert loose.returncode == 0, loose.stdout


def test_check_cannot_judge_another_load_profile(runs: Path) -> None:
    store = str(runs / "baselines")
    run_cli("baseline", "save", str(runs / "small"), "--name", "v1", "--baselines-dir", store)
    done = run_cli("check", str(runs / "other-profile"), "--baseline", "v1", "--baselines-dir", store)
    assert done.returncode == 2
    assert "CANNOT JUDGE baseline v1: load profile differs (concurrency 8 vs 4)" in done.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("check", "{runs}/small"), "scorebench check: the following arguments are required: --baseline"),
        (("check", "{runs}/small", "--baseline", "nope", "--baselines-dir", "{runs}/b"), "baseline 'nope' not found"),
        (("report", "{runs}/missing"), "run directory {runs}/missing does not exist"),
        (("report", "{runs}/small", "--threshold", "p95"), "threshold 'p95': expected METRIC"),
    ],
)
def test_bad_input_is_one_line_exit_2(runs: Path, args: tuple[str, ...], message: str) -> None:
    done = run_cli(*(a.format(runs=runs) for a in args))
    assert done.returncode == 2
    assert message.format(runs=runs) in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert "Traceback" not in done.stderr


def test_baseline_save_refuses_an_existing_name(runs: Path) -> None:
    store = str(runs / "baselines")
    assert run_cli("baseline", "save", str(runs / "small"), "--name", "v1", "--baselines-dir", store).returncode == 0
    again = run_cli("baseline", "save", str(runs / "slow"), "--name", "v1", "--baselines-dir", store)
    assert again.returncode == 2
    assert "baselines are never overwritten" in again.stderr
