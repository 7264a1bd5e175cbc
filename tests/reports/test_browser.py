"""report.html in a real browser: headless Chromium loads it offline, runs the charts, and the page
records console errors and how many pixels each chart canvas painted into the DOM (--dump-dom).

Fails on any console error / uncaught exception or an empty chart. Keeps a screenshot in
test-output/report.png (also reports/test-output when run from the repo root).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from scorebench.reports.build import build_report
from tests.conftest import REPO_ROOT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FIXTURE = REPO_ROOT / "tests" / "data" / "fixture_runs" / "small"
OUTPUT_DIR = REPO_ROOT / "test-output"
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
  var result = { errors: window.__sbErrors, canvases: {} };
  document.querySelectorAll("canvas").forEach(function (c) {
    var px = c.getContext("2d").getImageData(0, 0, c.width, c.height).data, painted = 0;
    for (var i = 3; i < px.length; i += 4) { if (px[i] !== 0) { painted++; } }
    result.canvases[c.id] = { width: c.width, height: c.height, painted: painted };
  });
  var out = document.createElement("pre");
  out.id = "sb-probe";
  out.textContent = JSON.stringify(result);
  document.body.appendChild(out);
})();
</script>"""

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium is not installed")


def instrumented(html: str) -> str:
    """The report with the probe scripts: first thing in <head>, last thing in <body>."""
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


@pytest.fixture(scope="module")
def report_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    html = build_report(FIXTURE, generated_at="2026-11-22T21:00:00.000000Z").html
    path = tmp_path_factory.mktemp("browser") / "report.html"
    path.write_text(html, encoding="utf-8")
    return path


def test_report_renders_charts_without_console_errors(report_file: Path, tmp_path: Path) -> None:
    probe_page = report_file.with_name("probe.html")
    probe_page.write_text(instrumented(report_file.read_text(encoding="utf-8")), encoding="utf-8")
    done = chromium("--dump-dom", probe_page.as_uri(), profile=tmp_path / "profile")
    match = re.search(r'<pre id="sb-probe">(.*?)</pre>', done.stdout, re.S)
    assert match, f"the page did not run its scripts: {done.stderr[-2000:]}"
    result = json.loads(match.group(1).replace("&quot;", '"').replace("&amp;", "&"))
    assert result["errors"] == []
    expected = {
        "chart-percentiles",
        "chart-throughput",
        "chart-histogram",
        "chart-curve",
        "chart-join",
        "chart-timeout",
    }
    assert set(result["canvases"]) == expected
    for name, canvas in result["canvases"].items():
        assert canvas["painted"] > 0.02 * canvas["width"] * canvas["height"], f"{name} looks empty: {canvas}"


def test_report_screenshot_is_kept(report_file: Path, tmp_path: Path) -> None:
    OUTPUT_DIR.mkdir(exist_ok=True)
    shot = OUTPUT_DIR / "report.png"
    shot.unlink(missing_ok=True)
    done = chromium(f"--screenshot={shot}", "--window-size=1280,3000", report_file.as_uri(), profile=tmp_path / "p")
    assert shot.exists(), done.stderr[-2000:]
    assert shot.stat().st_size > 20_000  # a blank page is a few KB
