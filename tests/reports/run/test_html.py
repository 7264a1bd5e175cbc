"""reports/common/html.py + reports/run/build.py: golden files (fixed clock, fixed seed), self-containment, size.

Regenerate the golden files only on purpose: SCOREBENCH_UPDATE_GOLDEN=1 pytest tests/reports/run/test_html.py
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from scorebench.core.runinfo import PayloadSetInfo, RunInfo
from scorebench.core.runrecords import RunRecords
from scorebench.reports.common.html import _chart_js, render_html
from scorebench.reports.run import baseline as baselines
from scorebench.reports.run.build import build_report, make_baseline
from scorebench.reports.run.reportdata import run_rows
from tests.conftest import REPO_ROOT

RUNS = REPO_ROOT / "tests" / "data" / "fixture_runs"
GOLDEN = Path(__file__).resolve().parents[1] / "golden"
CLOCK = "2026-11-22T21:00:00.000000Z"
UPDATE = os.environ.get("SCOREBENCH_UPDATE_GOLDEN") == "1"


def compare_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"{path} missing: run with SCOREBENCH_UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8"), f"{name} differs from the golden file"


def without_library(html: str) -> str:
    """The page with the vendored Chart.js build cut out (the golden file need not carry 200 KB of it)."""
    return html.replace(str(_chart_js()), "/* chart.umd.min.js */")


@pytest.fixture(scope="module")
def with_baseline() -> object:
    document = make_baseline(RUNS / "small", "small-v1", created_at=CLOCK)
    document["environment"] = {"python": "3.x"}  # the machine's, not part of the golden text
    return build_report(RUNS / "slow", baseline=baselines.normalize_baseline(document), generated_at=CLOCK)


def test_report_golden() -> None:
    result = build_report(RUNS / "small", generated_at=CLOCK)
    compare_golden("small.report.html", without_library(result.html))
    compare_golden("small.summary.json", json.dumps(result.summary.to_dict(), indent=2, sort_keys=True) + "\n")


def test_report_with_baseline_golden(with_baseline) -> None:
    compare_golden("slow-vs-small.report.html", without_library(with_baseline.html))
    assert with_baseline.status == "FAIL"
    assert with_baseline.exit_code == 1


def test_report_shows_the_comparison_side_by_side(with_baseline) -> None:
    html = with_baseline.html
    assert 'id="baseline"' in html
    assert "small-v1" in html
    assert re.search(
        r"<td>p95</td><td class=\"n\">5\d\.\d ms</td><td class=\"n\">1\d\d\.\d ms</td><td class=\"n\">\+\d+\.\d%</td>",
        html,
    )


def test_report_is_self_contained() -> None:
    html = build_report(RUNS / "small", generated_at=CLOCK).html
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    assert "<link" not in html
    assert "Chart.js v4" in html


def test_exception_text_is_escaped() -> None:
    html = build_report(RUNS / "small", generated_at=CLOCK).html
    assert "model load &lt;slow&gt;" in html
    assert "<slow>" not in html


def test_telemetry_missing_and_partial_are_said(tmp_path: Path) -> None:
    from tests.data.make_fixtures import make_run

    make_run(tmp_path, count=40, with_telemetry=False)
    info = json.loads((tmp_path / "run.json").read_text())
    info |= {"probe": {"source": "appinsights", "error": "workspace not found"}, "partial": True,
             "partial_reason": "interrupted by SIGINT"}  # fmt: skip
    (tmp_path / "run.json").write_text(json.dumps(info))
    html = build_report(tmp_path, generated_at=CLOCK).html
    assert "Server telemetry missing:</strong> workspace not found" in html
    assert "Partial run:</strong> interrupted by SIGINT" in html
    assert "No server telemetry joined to client requests." in html


def test_render_html_takes_plain_data_only() -> None:
    data = build_report(RUNS / "small", generated_at=CLOCK).data
    assert json.loads(json.dumps(data, default=list)) is not None  # plain data: dicts, lists, str, numbers
    assert render_html(data) == build_report(RUNS / "small", generated_at=CLOCK).html


@pytest.mark.parametrize(("count", "text"), [(1, "p (1 body)"), (2, "p (2 bodies)")])
def test_payload_row_counts_bodies(count: int, text: str) -> None:
    rows = dict(
        run_rows(
            RunRecords(RunInfo("x", payloads=PayloadSetInfo("p", count)), None, None),
            {"timeout": {"timeout_s": 60}},
            Path("runs/x"),
        )
    )
    assert rows["payloads"] == text


def test_the_verdict_and_each_check_come_first_with_interval_and_limit(with_baseline) -> None:
    html = with_baseline.html
    checks_at, cards_at = html.index('id="checks"'), html.index('class="cards"')
    assert html.index('id="verdict"') < checks_at < html.index('id="comparison"') < cards_at
    p95 = re.search(r"<tr title=\"[^\"]*p95:[^\"]*\"><td>baseline</td><td>p95</td>(.*?)</tr>", html)
    assert p95, "no p95 baseline row"
    cells = re.findall(r"<td[^>]*>(.*?)</td>", p95.group(1))
    baseline_ms, now_ms, change, interval, limit, status = cells
    assert baseline_ms.endswith(" ms")
    assert now_ms.endswith(" ms")
    assert change.startswith("+")
    assert re.fullmatch(r"\+[\d.]+% … \+[\d.]+%", interval)
    assert (limit, status) == ("+10%", "FAIL")


def test_percentiles_beyond_the_data_are_marked(tmp_path: Path) -> None:
    from tests.reports.runs import make_short_run

    data = build_report(make_short_run(tmp_path / "short"), generated_at=CLOCK).data
    rows = {row["stat"]: row["ok"] for row in data["latency_rows"]}
    assert rows["p95"] == "38.0"  # 20 requests: p95 has a value beyond it
    assert rows["p99"].endswith(" †")
    assert rows["p99.9"].endswith(" †")


def test_the_warm_up_request_is_explained_and_the_run_folder_shown_once(tmp_path: Path) -> None:
    import shutil

    run_dir = tmp_path / "20261118T000000Z-small"
    shutil.copytree(RUNS / "small", run_dir)
    info = json.loads((run_dir / "run.json").read_text())
    info["preflight"] = {"warmup_request_id": "f" * 32}
    info["probe"]["rows"] += 1  # the probe fetched the warm-up's row too
    (run_dir / "run.json").write_text(json.dumps(info))
    html = build_report(run_dir, generated_at=CLOCK).html
    assert f"{info['probe']['rows']} telemetry rows fetched, {info['probe']['rows'] - 1} used" in html
    assert "the preflight warm-up, x-ms-client-request-id " + "f" * 32 in html
    assert html.count(run_dir.name) == 1


def test_a_check_without_figures_shows_its_line_on_the_first_screen() -> None:
    document = make_baseline(RUNS / "small", "small-v1", created_at=CLOCK)
    baseline = baselines.normalize_baseline(document)
    html = build_report(RUNS / "other-profile", baseline=baseline, generated_at=CLOCK).html
    first = html[html.index('id="checks"') : html.index("</table>", html.index('id="checks"'))]
    assert re.search(r'<td colspan="5">INCONCLUSIVE baseline small-v1: not comparable: load profile differs', first)


def test_a_run_with_no_successful_answer_shows_no_latency_and_never_passes(tmp_path: Path) -> None:
    from tests.reports.runs import make_failed_run

    result = build_report(make_failed_run(tmp_path / "failed"), slos=["p95<300ms"], generated_at=CLOCK)
    assert result.status != "PASS"
    assert set(result.summary.latency_ms.values()) == {None}
    assert {row["ok"] for row in result.data["latency_rows"]} == {"–"}
    assert result.data["failed_latency"] == {"count": "10", "p50": "1.4", "p95": "1.9", "max": "1.9"}
    assert '<div class="v">—</div><div class="k">p95 latency of successful answers</div>' in result.html
    assert "failed requests, their own latency (not in the figures beside): p50 1.4, p95 1.9, max 1.9 ms" in result.html
