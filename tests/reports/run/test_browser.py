"""Pages in a real browser: headless Chromium loads each page offline, runs its charts, and a probe
script writes into the DOM (--dump-dom) the console errors, every canvas's painted pixels and every
chart's datasets and axis range. Covers a run against a baseline, a Locust ramp, a sub-second run
and the trend page; prints the report to PDF and checks its pages are not blank.

Fails on any console error / uncaught exception, an empty or failed chart. Screenshots are kept in
test-output/ (report-<page>.png).
"""

from __future__ import annotations

import html as htmllib
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from scorebench.reports.common.presentation import Presentation
from scorebench.reports.run import baseline as baselines
from scorebench.reports.run.build import build_report, make_baseline
from tests.conftest import REPO_ROOT
from tests.reports.runs import creep_run, make_ramp_run, make_short_run

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
PDFTOPPM = shutil.which("pdftoppm")
PDFTOTEXT = shutil.which("pdftotext")
AUTOML_SWAGGER = REPO_ROOT / "tests" / "data" / "swagger" / "automl-bankmarketing.json"
RUNS = REPO_ROOT / "tests" / "data" / "fixture_runs"
OUTPUT_DIR = REPO_ROOT / "test-output"
CLOCK = "2026-11-22T21:00:00.000000Z"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--hide-scrollbars",
    "--virtual-time-budget=5000",
]
PROBE_HEAD = """<script>
window.__sbErrors = [];
(function () {
  var original = console.error;
  console.error = function () {
    window.__sbErrors.push(Array.prototype.join.call(arguments, " "));
    original.apply(console, arguments);
  };
  window.addEventListener("error", function (e) { window.__sbErrors.push("uncaught: " + e.message); });
})();
</script>"""
PROBE_TAIL = """<script>
(function () {
  var result = { errors: window.__sbErrors, canvases: {}, boxes: {}, charts: {} };
  document.querySelectorAll("canvas").forEach(function (c) {
    var px = c.getContext("2d").getImageData(0, 0, c.width, c.height).data, painted = 0;
    for (var i = 3; i < px.length; i += 4) { if (px[i] !== 0) { painted++; } }
    result.canvases[c.id] = { width: c.width, height: c.height, painted: painted };
  });
  document.querySelectorAll("[data-chart]").forEach(function (b) {
    result.boxes[b.id] = b.getAttribute("data-chart");
  });
  Object.values(Chart.instances).forEach(function (ch) {
    result.charts[ch.canvas.id] = {
      datasets: ch.data.datasets.map(function (d) {
        return { label: d.label, axis: d.yAxisID, points: d.data.length };
      }),
      x: [ch.scales.x.min, ch.scales.x.max],
      ticks: { x: ch.scales.x.ticks.map(function (t) { return t.value; }),
               y2: ch.scales.y2 ? ch.scales.y2.ticks.map(function (t) { return t.value; }) : null },
      hover: null
    };
    if (ch.data.datasets.length && ch.data.datasets[0].data.length) {
      ch.tooltip.setActiveElements([{ datasetIndex: 0, index: 0 }], { x: 0, y: 0 });
      result.charts[ch.canvas.id].hover = ch.tooltip.title.join(" ");
    }
  });
  var out = document.createElement("pre");
  out.id = "sb-probe";
  out.textContent = JSON.stringify(result);
  document.body.appendChild(out);
})();
</script>"""

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium is not installed")


def instrumented(html: str) -> str:
    """The page with the probe scripts: first thing in <head>, last thing in <body>."""
    html = html.replace("<head>", "<head>\n" + PROBE_HEAD, 1)
    index = html.rindex("</body>")
    return html[:index] + PROBE_TAIL + html[index:]


def chromium(*args: str, profile: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def probe(page: Path, tmp_path: Path) -> dict[str, Any]:
    """Load the instrumented page and return what the probe wrote; assert no error, no empty chart."""
    probe_page = page.with_name(page.stem + "-probe.html")
    probe_page.write_text(instrumented(page.read_text(encoding="utf-8")), encoding="utf-8")
    done = chromium("--dump-dom", probe_page.as_uri(), profile=tmp_path / "profile")
    match = re.search(r'<pre id="sb-probe">(.*?)</pre>', done.stdout, re.S)
    assert match, f"the page did not run its scripts: {done.stderr[-2000:]}"
    result: dict[str, Any] = json.loads(htmllib.unescape(match.group(1)))
    assert result["errors"] == []
    assert "error" not in result["boxes"].values(), result["boxes"]
    for name, canvas in result["canvases"].items():
        assert canvas["painted"] > 0.02 * canvas["width"] * canvas["height"], f"{name} looks empty: {canvas}"
    return result


def screenshot(page: Path, name: str, tmp_path: Path, height: int = 3000) -> Path:
    OUTPUT_DIR.mkdir(exist_ok=True)
    shot = OUTPUT_DIR / f"report-{name}.png"
    shot.unlink(missing_ok=True)
    done = chromium(f"--screenshot={shot}", f"--window-size=1280,{height}", page.as_uri(), profile=tmp_path / "shot")
    assert shot.exists(), done.stderr[-2000:]
    assert shot.stat().st_size > 20_000  # a blank page is a few KB
    return shot


def written(html: str, folder: Path, name: str = "report.html") -> Path:
    path = folder / name
    path.write_text(html, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def baseline_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    document = make_baseline(RUNS / "small", "small-v1", created_at=CLOCK)
    result = build_report(RUNS / "slow", baseline=baselines.normalize_baseline(document), generated_at=CLOCK)
    return written(result.html, tmp_path_factory.mktemp("baseline"))


def test_run_against_a_baseline_draws_every_chart_and_the_overlays(baseline_page: Path, tmp_path: Path) -> None:
    result = probe(baseline_page, tmp_path)
    expected = {"chart-percentiles", "chart-throughput", "chart-histogram", "chart-curve", "chart-join",
                "chart-timeout", "chart-cmp-cdf", "chart-cmp-time", "chart-cmp-errors"}  # fmt: skip
    assert set(result["canvases"]) == expected
    assert {d["label"] for d in result["charts"]["chart-cmp-cdf"]["datasets"]} == {"baseline", "this run"}
    assert {d["label"] for d in result["charts"]["chart-cmp-time"]["datasets"]} >= {"p95 baseline", "p95 this run"}
    screenshot(baseline_page, "baseline", tmp_path)
    first_screen = screenshot(baseline_page, "baseline-first-screen", tmp_path / "first", height=800)
    assert first_screen.exists()


def test_ramp_run_carries_the_user_count_on_the_latency_chart(tmp_path: Path) -> None:
    run_dir = make_ramp_run(tmp_path / "20261118T000000Z-ramp")
    page = written(build_report(run_dir, generated_at=CLOCK).html, run_dir)
    result = probe(page, tmp_path)
    latency = {d["label"]: d for d in result["charts"]["chart-percentiles"]["datasets"]}
    assert latency["Locust users"]["axis"] == "y2"
    assert latency["Locust users"]["points"] >= 20
    assert all(float(t).is_integer() for t in result["charts"]["chart-percentiles"]["ticks"]["y2"])  # whole users
    assert 'href="locust/report.html"' in page.read_text(encoding="utf-8")
    # hovering the first point names its wall-clock time (the run starts 2026-11-18T11:06:40Z)
    assert result["charts"]["chart-percentiles"]["hover"] == "0 s · 2026-11-18 11:06:40.000 UTC"
    screenshot(page, "ramp", tmp_path)


def test_sub_second_run_has_a_time_axis_from_zero_to_its_length(tmp_path: Path) -> None:
    run_dir = make_short_run(tmp_path / "20261118T000000Z-short")
    page = written(build_report(run_dir, generated_at=CLOCK).html, run_dir)
    result = probe(page, tmp_path)
    low, high = result["charts"]["chart-percentiles"]["x"]
    assert low == 0
    assert 0.2 < high < 1.0
    assert result["charts"]["chart-percentiles"]["datasets"][0]["points"] >= 10
    in_flight = result["charts"]["chart-percentiles"]["ticks"]["y2"]  # about one request in flight: no 0.1 steps
    assert in_flight
    assert all(float(t).is_integer() for t in in_flight)
    screenshot(page, "short", tmp_path)


def test_report_prints_to_pdf_with_pages_that_are_not_blank(baseline_page: Path, tmp_path: Path) -> None:
    pdf = tmp_path / "report.pdf"
    done = chromium(f"--print-to-pdf={pdf}", "--no-pdf-header-footer", baseline_page.as_uri(), profile=tmp_path / "p")
    assert pdf.exists(), done.stderr[-2000:]
    data = pdf.read_bytes()
    pages = len(re.findall(rb"/Type\s*/Page[^s]", data))
    assert pages >= 2
    if PDFTOPPM is None:
        assert len(re.findall(rb"/Contents", data)) >= pages
        return
    subprocess.run([PDFTOPPM, "-r", "20", "-gray", str(pdf), str(tmp_path / "page")], check=True, timeout=120)
    images = sorted(tmp_path.glob("page*.pgm"))
    assert len(images) == pages
    for image in images:
        pixels = pgm_pixels(image)
        inked = sum(1 for value in pixels if value < 230)
        assert inked > 100, f"{image.name} of {pdf.name} is blank ({inked} inked pixels)"
    OUTPUT_DIR.mkdir(exist_ok=True)
    shutil.copy(pdf, OUTPUT_DIR / "report.pdf")


def pgm_pixels(path: Path) -> bytes:
    """The pixel bytes of a binary PGM (P5) as pdftoppm -gray writes it."""
    data = path.read_bytes()
    fields = data.split(maxsplit=4)
    assert fields[0] == b"P5", path
    return fields[4]


def test_trend_page_draws_its_charts(tmp_path: Path) -> None:
    import numpy as np

    from scorebench.reports.common.html import render_page
    from scorebench.reports.trend import trend, trendpage
    from tests.reports.trend.test_trend import entry

    entries = [entry(50.0 * 1.08**i, name=f"2026111{i}T000000Z-demo") for i in range(5)]
    drift = trend.drift_check(entries, np.full(2000, 50.0 * 1.08**4), trend.parse_drift("p95:+15%"), 5)
    baseline = {"name": "demo-v1", "summary": {"latency_ms": {"p95": 50.0}}}
    data = trendpage.trend_data("demo", trend.trend_rows(entries), drift, baseline, CLOCK, "runs")
    page = written(render_page("trend.html.j2", data), tmp_path, "trend.html")
    result = probe(page, tmp_path)
    assert set(result["canvases"]) == {"trend-latency", "trend-errors", "trend-throughput"}
    assert "baseline demo-v1 p95" in {d["label"] for d in result["charts"]["trend-latency"]["datasets"]}
    assert result["charts"]["trend-latency"]["hover"] == "1: 20261110T000000Z-demo"  # the run, not its index
    assert all(float(t).is_integer() for t in result["charts"]["trend-latency"]["ticks"]["x"])  # run numbers
    screenshot(page, "trend", tmp_path, height=1400)


def test_the_trend_panel_numbers_its_runs_with_whole_ticks(tmp_path: Path) -> None:
    runs = [creep_run(tmp_path, index, factor=1.0) for index in range(3)]
    for run_dir in runs[:-1]:
        (run_dir / "summary.json").write_text(json.dumps(build_report(run_dir, generated_at=CLOCK).summary.to_dict()))
    page = written(build_report(runs[-1], generated_at=CLOCK).html, runs[-1])
    ticks = probe(page, tmp_path)["charts"]["chart-trend"]["ticks"]["x"]
    assert ticks == [1, 2, 3]


def print_pdf(page: Path, tmp_path: Path, query: str = "") -> Path:
    """The page printed by headless Chromium (`query`: e.g. ?appendix)."""
    pdf = tmp_path / f"report{query.strip('?')}.pdf"
    done = chromium(f"--print-to-pdf={pdf}", "--no-pdf-header-footer", page.as_uri() + query, profile=tmp_path / "p")
    assert pdf.exists(), done.stderr[-2000:]
    return pdf


def pdf_pages(pdf: Path) -> list[str]:
    """The text of each page in reading order (pdftotext; pages end with a form feed)."""
    assert PDFTOTEXT is not None
    text = subprocess.run([PDFTOTEXT, str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return text.split("\f")[:-1]


@pytest.mark.skipif(PDFTOTEXT is None, reason="pdftotext (poppler-utils) is not installed")
def test_a_ramp_runs_pdf_leads_with_the_per_stage_table_and_prints_no_raw_json(tmp_path: Path) -> None:
    run_dir = make_ramp_run(tmp_path / "20261118T000000Z-ramp")
    shutil.copy(AUTOML_SWAGGER, run_dir / "swagger.json")  # an endpoint's API: appendix only
    shown = Presentation("Bank model: 5 then 10 users", "For the release review: is 10 users still fast?")
    page = written(build_report(run_dir, generated_at=CLOCK, presentation=shown).html, run_dir)
    pages = pdf_pages(print_pdf(page, tmp_path))
    first = " ".join(pages[0].split())
    assert "Bank model: 5 then 10 users" in first
    assert "For the release review: is 10 users still fast?" in first
    assert "Per stage: 5 → 10 users" in first
    assert re.search(r"5 users 0 … 10 s 900 90 [\d.]+ ms [\d.]+ ms 0 \(0\.00%\)", first), first
    assert re.search(r"10 users 10 … 20\.2 s 641 [\d.]+ [\d.]+ ms [\d.]+ ms 1 \(0\.16%\)", first), first
    assert "over all 2 load levels (5 → 10 users)" in first  # beside the headline p95
    assert "locust/report.html in the run directory" in first  # no dead link in a forwarded PDF
    assert str(tmp_path) not in first
    whole = "\n".join(pages)
    assert "ServiceOutput" not in whole
    assert '"type"' not in whole
    assert "Appendix" not in whole
    assert not re.search(r"\d\d:\d\d:\d\d\.\d{4}", whole)  # times to the millisecond
    for heading, chart in (("Latency over time", "Latency percentiles of successful answers"),):
        (where,) = [i for i, text in enumerate(pages) if heading in text]
        assert chart in " ".join(pages[where].split()), f"{heading!r} printed apart from its chart"
    asked = "\n".join(pdf_pages(print_pdf(page, tmp_path, "?appendix")))
    assert "ServiceOutput" in asked
    assert "tool versions" not in whole
    OUTPUT_DIR.mkdir(exist_ok=True)
    shutil.copy(tmp_path / "report.pdf", OUTPUT_DIR / "report-ramp.pdf")
