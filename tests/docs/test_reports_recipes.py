"""docs/reports.md's baseline recipe, `report` transcript, `[check]` thresholds and `write_report`
snippet, and docs/probes.md's Python API, replayed on one staged folder.

The folder is a fresh git repository holding two real runs at the docs' paths: a baseline run
(`runs/20261122T210000Z-demo`) of a fast stand-in and a run (`runs/20261130T120707Z-run`) of a
slower one that fails some of its calls, each probed from its stand-in's own telemetry store
(kept in the folder: the probes snippet reads it again). The baseline recipe runs first on it
(saving `demo-v1` into `reports/baselines/`, as its comment says); each other test works on a copy.
"""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from scorebench.local.standin import StandIn
from tests.conftest import TEST_KEY
from tests.docs.blocks import (
    BIN,
    claim,
    command_lines,
    fill,
    replay,
    replay_env,
    transcript,
    transcript_problems,
)

pytestmark = pytest.mark.slow

BASELINE_BLOCK = claim(
    "docs/reports.md", "scorebench baseline save runs/20261122T210000Z-demo --name demo-v1", "replayed"
)
REPORT_TRANSCRIPT = claim(
    "docs/reports.md", "$ scorebench report runs/20261130T120707Z-run --baseline demo-v1", "transcript"
)
CHECK_TOML = claim("docs/reports.md", "[check]", "replayed")
WRITE_REPORT = claim("docs/reports.md", "from scorebench.reports.build import write_report", "code")
PROBE_API = claim("docs/probes.md", "from scorebench.probes.base import make_probe", "code")

BASELINE_RUN, RUN = "runs/20261122T210000Z-demo", "runs/20261130T120707Z-run"
RUN_LENGTH = "3s"


@dataclass(frozen=True)
class Staged:
    folder: Path
    store: Path
    """The slower stand-in's telemetry store (its data dir): what `local:DIR` of the probe snippet reads."""
    baseline_recipe: subprocess.CompletedProcess[str]


def _run(standin: StandIn, folder: Path, label: str) -> Path:
    done = subprocess.run(
        [BIN / "scorebench", "run", "--endpoint", standin.score_url, "--telemetry", standin.telemetry_spec,
         "--telemetry-poll", "0.5s", "--duration", RUN_LENGTH, "--concurrency", "4", "--label", label, "--out", "runs"],
        cwd=folder, env=replay_env(SCOREBENCH_KEY=TEST_KEY), capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert done.returncode in (0, 3), done.stdout + done.stderr  # PASS, or too few requests to decide error_rate<1%
    (run_dir,) = (folder / "runs").glob(f"*-{label}")
    return run_dir


@pytest.fixture(scope="module")
def staged(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Staged]:
    folder = tmp_path_factory.mktemp("reports-recipes")
    subprocess.run(["git", "init", "-q", "."], cwd=folder, check=True)
    with StandIn(key=TEST_KEY, data_dir=folder / "fast-store") as fast:
        _run(fast, folder, "demo").rename(folder / BASELINE_RUN)
    with StandIn(key=TEST_KEY, data_dir=folder / "slow-store", latency_ms=60, error_rate=0.04) as slow:
        _run(slow, folder, "run").rename(folder / RUN)
    lines = [line for line in command_lines(BASELINE_BLOCK.body)]
    recipe = replay(lines, folder, replay_env())
    return Staged(folder, folder / "slow-store", recipe)


def _copy(staged: Staged, tmp_path: Path) -> Path:
    folder = tmp_path / "copy"
    shutil.copytree(staged.folder, folder, symlinks=True)
    return folder


def test_the_baseline_recipe_saves_lists_and_shows_the_baseline(staged: Staged) -> None:
    done = staged.baseline_recipe
    assert done.returncode == 0, done.stdout + done.stderr
    saved = staged.folder / "reports" / "baselines" / "demo-v1.json"
    assert json.loads(saved.read_text())["version"] == 2
    assert "baseline demo-v1: reports/baselines/demo-v1.json" in done.stdout  # the comment's → path
    staged_files = subprocess.run(["git", "diff", "--cached", "--name-only"], cwd=staged.folder, capture_output=True,
                                  text=True, check=True).stdout.split()  # fmt: skip
    assert staged_files == ["reports/baselines/demo-v1.json"]
    # list: one line each — name, created, label, engine and load profile, p95, requests
    (listed,) = [line for line in done.stdout.splitlines() if line.startswith("demo-v1  ")]
    for part in ("label demo", "ab concurrency 4", "p95 ", " requests"):
        assert part in listed, listed
    # show: its run, load profile, payload set, figures and environment
    shown = done.stdout[done.stdout.index("baseline demo-v1: reports/baselines/demo-v1.json (version") :]
    for heading in ("run: label demo, ab engine", "load profile: concurrency 4", "payload set: ", "requests: ",
                    "environment: "):  # fmt: skip
        assert f"\n{heading}" in shown, shown
    assert TEST_KEY not in done.stdout + done.stderr + saved.read_text()


def test_the_report_transcript(staged: Staged, tmp_path: Path) -> None:
    folder = _copy(staged, tmp_path)
    command, shown = transcript(REPORT_TRANSCRIPT)
    done = replay([command], folder, replay_env())
    assert done.returncode == 1, done.stdout + done.stderr  # the slower service FAILs its p95 against demo-v1
    assert transcript_problems(shown, done.stdout) == [], done.stdout
    assert done.stdout.splitlines()[-1] == "verdict: FAIL (exit 1)"
    cases = ET.parse(folder / "checks.xml").getroot().iter("testcase")
    assert {case.get("name") for case in cases} >= {"timeout", "p95:+10%", "error_rate:+0.5pp", "rps:-10%"}
    assert (folder / RUN / "report.html").is_file()
    assert (folder / RUN / "summary.json").is_file()


def test_the_check_section_of_scorebench_toml_sets_the_thresholds(staged: Staged, tmp_path: Path) -> None:
    folder = _copy(staged, tmp_path)
    (folder / "scorebench.toml").write_text(CHECK_TOML.body, encoding="utf-8")
    done = replay([f"scorebench check {RUN} --baseline demo-v1"], folder, replay_env())
    assert done.returncode in (1, 3), done.stdout + done.stderr
    lines = done.stdout.splitlines()
    limits = {line.split()[1].rstrip(":"): line for line in lines if " vs baseline " in line}
    assert set(limits) == {"p95", "p99", "error_rate"}, lines  # rps:off: not judged
    assert "limit +20%," in limits["p95"]
    assert "limit +25%," in limits["p99"]
    assert "limit +1pp," in limits["error_rate"]
    (record,) = (folder / RUN).glob("check-*-demo-v1.json")
    assert json.loads(record.read_text())["thresholds"] == ["p95:+20%", "p99:+25%", "error_rate:+1pp", "rps:off"]


def test_the_write_report_snippet_runs(staged: Staged, tmp_path: Path) -> None:
    folder = _copy(staged, tmp_path)
    script = (
        f"from pathlib import Path\nrun_dir = Path({RUN!r})\n{WRITE_REPORT.body}"
        "print(json.dumps([outcome.exit_code, outcome.verdict_lines, str(outcome.report_path),"
        " str(outcome.summary_path)]))\n"
    ).replace("from pathlib import Path\n", "import json\nfrom pathlib import Path\n", 1)
    done = subprocess.run([sys.executable, "-c", script], cwd=folder, env=replay_env(), capture_output=True, text=True,
                          timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    exit_code, verdict_lines, report_path, summary_path = json.loads(done.stdout.splitlines()[-1])
    assert exit_code in (0, 1, 3, 130)
    assert verdict_lines[-1] == f"verdict: FAIL (exit {exit_code})"
    assert any(" slo p95<300ms: " in line for line in verdict_lines), verdict_lines  # the slos= given
    (p95,) = [line for line in verdict_lines if line.split(":")[0].endswith(" p95")]
    assert "vs baseline" in p95
    assert "limit +20%," in p95
    assert (report_path, summary_path) == (f"{RUN}/report.html", f"{RUN}/summary.json")
    assert (folder / report_path).is_file()


def test_the_probes_api_snippet_runs_on_a_real_run(staged: Staged, tmp_path: Path) -> None:
    """Its placeholders bound to the staged run: the window and ids from its samples, the store of its stand-in."""
    folder = _copy(staged, tmp_path)
    store = str(folder / "slow-store")
    body = fill(PROBE_API, PROBE_API.body, {"/tmp/standin": store})
    prelude = (
        "from datetime import timedelta\nfrom pathlib import Path\n"
        "from scorebench.core.records import parse_utc, read_samples\nfrom scorebench.core.runrecords import read_run\n"
        f"run_dir = Path({RUN!r})\nsamples = read_samples(run_dir)\n"
        "ids = [s.client_request_id for s in samples]\n"
        "failed_ids = [s.client_request_id for s in samples if s.outcome == 'run_function_failed']\n"
        "run = read_run(run_dir)\n"
        "start = parse_utc(run.info.started_at) - timedelta(seconds=60)\n"
        "end = parse_utc(run.ended_at) + timedelta(seconds=60)\n"
    )
    epilogue = (
        "import json\n"
        "print(json.dumps({'rows': len(rows), 'seen': len(observed.seen), 'tables': list(observed.tables),"
        " 'target_rows': len(waited.rows), 'stopped': waited.stopped_because, 'join_key': waited.join_key,"
        " 'entry': [entry.client_requests, entry.missing_client_requests, entry.stopped_because],"
        " 'ids': len(ids), 'failed': len(failed_ids)}))\n"
    )
    done = subprocess.run([sys.executable, "-c", prelude + body + epilogue], cwd=folder, env=replay_env(),
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout.splitlines()[-1])
    assert got["rows"] >= got["ids"] > 0  # every request of the window, the warm-up's too
    assert got["seen"] >= got["ids"]
    assert got["tables"] == ["requests", "exceptions"]
    assert got["target_rows"] >= got["ids"]
    assert got["stopped"] == "all_seen"
    assert got["join_key"] == "client_request_id"
    assert got["entry"] == [got["ids"], 0, "all_seen"]
    assert (folder / RUN / "telemetry.csv").is_file()
    assert (folder / RUN / "probe.json").is_file()


def test_the_probes_api_snippet_names_real_parameters() -> None:
    """Each call of an imported name passes keywords its signature has (the methods of the probe too)."""
    from tests.docs.test_api_blocks import call_problems

    assert call_problems(PROBE_API) == []
    assert "probe_run(" in PROBE_API.body
    assert ast.parse(PROBE_API.body)
