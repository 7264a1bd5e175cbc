"""reports/compare/comparereport.py: a compare run directory → summary.json, summary.md, JUnit; `scorebench report`."""

from __future__ import annotations

import json
import re
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
    fixed = build_compare(run_dir)
    anytime = build_compare(run_dir, ["p95:+10%,5ms"], anytime=True)  # a tail limit is no until-decided default
    assert (fixed.document["intervals"]["family"], anytime.document["intervals"]["family"]) == ("fixed", "anytime")
    methods = {c.name: c.method for c in anytime.checks}
    assert methods["candidate p95:+10%,5ms"] == "confidence sequence (Howard-Ramdas) of each side, alpha split"
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


def test_the_compare_page_shows_figures_for_people_and_keeps_its_title(tmp_path: Path) -> None:
    run_dir = write_compare_run(tmp_path / "run", candidate_scale=1.3)
    info = json.loads((run_dir / "run.json").read_text())
    info["payloads"]["path"] = str(tmp_path / "payloads" / "p.jsonl")  # as `compare` records it: absolute
    (run_dir / "run.json").write_text(json.dumps(info))
    done = run_cli("report", str(run_dir), "--title", "Model v2 vs v1", "--note", "Before the rollout.")
    assert done.returncode == 1, done.stderr
    done = run_cli("report", str(run_dir))  # a later report without them keeps them
    html = (run_dir / "report.html").read_text()
    assert "<h1>Model v2 vs v1</h1>" in html
    assert "Before the rollout." in html
    assert (run_dir / "summary.md").read_text().startswith("# Model v2 vs v1: FAIL (exit 1)\n\n> Before the rollout.")
    assert "e+0" not in html  # the 60 s timeout was 6e+04 ms
    assert "≤ 60,000 ms" in html
    assert re.search(r"<td>requests</td><td class=\"n\">300</td><td class=\"n\">300</td>", html)  # not 300.00
    assert not re.search(r"\d{2}:\d{2}:\d{2}\.\d{4}", html.split("chart-specs")[0])  # times to the millisecond
    assert str(tmp_path) not in html
    assert "<td>../payloads/p.jsonl (3 bodies," in html  # relative to the run directory
