"""reports/compare/comparereport.py: a compare run directory → summary.json, summary.md, JUnit; `scorebench report`."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import run_cli
from tests.reports.compare_run import write_compare_run


def test_report_rejudges_a_compare_run(tmp_path: Path) -> None:
    run_dir = write_compare_run(tmp_path / "run", candidate_scale=1.3)
    done = run_cli("report", str(run_dir), "--junit", str(tmp_path / "j.xml"), "--threshold", "p99:off")
    assert done.returncode == 1, done.stderr
    assert "FAIL candidate p50:" in done.stdout
    assert "verdict: FAIL (exit 1)" in done.stdout
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["kind"] == "compare"
    assert summary["agreement"]["share"] == 0.666667
    assert [c["name"] for c in summary["checks"] if c["kind"] == "candidate"][:2] == [
        "candidate p50:+10%",
        "candidate p95:+10%",
    ]
    assert (run_dir / "summary.md").read_text().startswith("# scorebench compare: FAIL (exit 1)")
    assert "<failure" in (tmp_path / "j.xml").read_text()


def test_twins_too_short_to_decide_are_inconclusive_with_how_much_longer(tmp_path: Path) -> None:
    run_dir = write_compare_run(tmp_path / "run", candidate_scale=1.0)  # 300 equal requests per side
    done = run_cli("report", str(run_dir), "--threshold", "error_rate:off", "--threshold", "model_error_rate:off",
                   "--slo", "error_rate<5%")  # fmt: skip
    assert done.returncode == 3, done.stdout + done.stderr
    assert "INCONCLUSIVE candidate p95: 77.4 ms vs current 77.4 ms (+0.0%" in done.stdout
    assert "would likely decide it" in done.stdout
    assert "verdict: INCONCLUSIVE (exit 3)" in done.stdout


def test_anytime_judges_every_check_on_confidence_sequences(tmp_path: Path) -> None:
    from scorebench.reports.compare.comparereport import build_compare

    run_dir = write_compare_run(tmp_path / "run", candidate_scale=2.0)
    fixed, anytime = build_compare(run_dir), build_compare(run_dir, anytime=True)
    assert (fixed.document["intervals"]["family"], anytime.document["intervals"]["family"]) == ("fixed", "anytime")
    methods = {c.name: c.method for c in anytime.checks}
    assert methods["candidate p95:+10%"] == "confidence sequence (Howard-Ramdas) of each side, alpha split"
    assert methods["candidate error_rate<1%"] == "confidence sequence (beta-binomial mixture)"
    assert methods["candidate timeout"] == "observed"
    assert {c.name: c.method for c in fixed.checks}["candidate p95:+10%"] == "bootstrap"
    assert {c.name: c.status for c in anytime.checks}["candidate p50:+10%"] == "FAIL"
    assert "| method |" in anytime.markdown


def test_judge_compare_is_build_compare_checks(tmp_path: Path) -> None:
    from scorebench.core.records import Answer
    from scorebench.reports.compare.comparereport import build_compare, judge_compare

    run_dir = write_compare_run(tmp_path / "run", candidate_scale=1.0)
    assert judge_compare(run_dir) == build_compare(run_dir, anytime=True).checks
    alike = [Answer(side, f"p{i}", "same", "x") for side in ("current", "candidate") for i in range(3)]
    found = {c.name: c for c in judge_compare(run_dir, answers=alike)}
    assert found["agreement"].line.startswith("INCONCLUSIVE agreement: 100.00% of 3 distinct payloads")
