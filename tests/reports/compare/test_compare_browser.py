"""The compare report in a real browser: headless Chromium loads it offline and runs the charts.

A small compare run directory is written here (two sides' samples, answers that differ on one
payload); the page must log no console error and paint every chart canvas (the probe scripts of
tests/reports/run/test_browser.py). Keeps a screenshot in test-output/compare-report.png.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from scorebench.reports.compare.comparereport import build_compare
from tests.reports.compare_run import write_compare_run
from tests.reports.run.test_browser import CHROMIUM, OUTPUT_DIR, chromium, instrumented

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium is not installed")


@pytest.fixture(scope="module")
def compare_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_compare_run(tmp_path_factory.mktemp("compare-run"))


def test_compare_report_renders_charts_without_console_errors(compare_run: Path, tmp_path: Path) -> None:
    built = build_compare(compare_run, generated_at="2026-11-30T12:00:00.000000Z")
    assert built.document["agreement"]["share"] == pytest.approx(2 / 3, abs=1e-6)
    page = tmp_path / "probe.html"
    page.write_text(instrumented(built.html), encoding="utf-8")
    done = chromium("--dump-dom", page.as_uri(), profile=tmp_path / "profile")
    match = re.search(r'<pre id="sb-probe">(.*?)</pre>', done.stdout, re.S)
    assert match, f"the page did not run its scripts: {done.stderr[-2000:]}"
    result = json.loads(match.group(1).replace("&quot;", '"').replace("&amp;", "&"))
    assert result["errors"] == []
    assert set(result["canvases"]) == {"chart-cdf", "chart-percentiles", "chart-p99", "chart-throughput"}
    for name, canvas in result["canvases"].items():
        assert canvas["painted"] > 0.02 * canvas["width"] * canvas["height"], f"{name} looks empty: {canvas}"
    assert re.search(r'<tr><td>p2</td><td class="a">[^<]*"no"[^<]*</td><td class="a">[^<]*"yes"', done.stdout)


def test_compare_report_screenshot_is_kept(compare_run: Path, tmp_path: Path) -> None:
    OUTPUT_DIR.mkdir(exist_ok=True)
    report = tmp_path / "report.html"
    report.write_text(build_compare(compare_run).html, encoding="utf-8")
    shot = OUTPUT_DIR / "compare-report.png"
    shot.unlink(missing_ok=True)
    done = chromium(f"--screenshot={shot}", "--window-size=1280,2400", report.as_uri(), profile=tmp_path / "p")
    assert shot.exists(), done.stderr[-2000:]
    assert shot.stat().st_size > 20_000
