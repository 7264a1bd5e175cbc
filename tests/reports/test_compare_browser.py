"""The compare report in a real browser: headless Chromium loads it offline and runs the charts.

A small compare run directory is written here (two sides' samples, answers that differ on one
payload); the page must log no console error and paint every chart canvas (the probe scripts of
tests/reports/test_browser.py). Keeps a screenshot in test-output/compare-report.png.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from scorebench.core.records import ANSWERS_FILE, Answer, Sample, utc_from_epoch, write_csv
from scorebench.core.rundir import write_run_json
from scorebench.reports.comparereport import build_compare
from tests.reports.test_browser import CHROMIUM, OUTPUT_DIR, chromium, instrumented

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium is not installed")
START_S = 1_795_000_000.0


def _samples(scale: float, count: int = 300) -> list[Sample]:
    rng = np.random.default_rng(int(scale * 10))
    return [
        Sample(f"{i:032x}", utc_from_epoch(START_S + i * 0.05), float(rng.gamma(4.0, 10.0 * scale)), 200, "ok",
               None, 300, 40, f"p{i % 3}", "pair", "d")
        for i in range(count)
    ]


@pytest.fixture(scope="module")
def compare_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    run_dir = tmp_path_factory.mktemp("compare-run")
    info = {"kind": "compare", "targets": {"current": "http://127.0.0.1:1/score", "candidate": "http://127.0.0.1:2/score"},
            "pairing": "same payload sequence, same start", "load_profile": {"requests": 300}, "timeout_s": 60.0,
            "payloads": {"path": "p.jsonl", "count": 3}, "payload_set_hash": "0" * 64,
            "started_at": utc_from_epoch(START_S), "ended_at": utc_from_epoch(START_S + 16)}  # fmt: skip
    write_run_json(run_dir, info)
    for side, scale in (("current", 1.0), ("candidate", 1.3)):
        (run_dir / side).mkdir()
        write_run_json(run_dir / side, {"timeout_s": 60.0})
        write_csv(run_dir / side / "samples.csv", _samples(scale), Sample)
    answers = [Answer(side, f"p{i}", "same", '{"result":["no"]}') for side in ("current", "candidate") for i in (0, 1)]
    answers += [Answer("current", "p2", "a", '{"result":["no"]}'), Answer("candidate", "p2", "b", '{"result":["yes"]}')]
    write_csv(run_dir / ANSWERS_FILE, answers, Answer)
    return run_dir


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
