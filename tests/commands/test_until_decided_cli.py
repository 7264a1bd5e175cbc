"""`scorebench run` until decided, end to end: the real CLI in a subprocess against the stand-in.

With no --duration and no --requests a run loads until every check is decided, stops early on a
FAIL (exit 1, the load stopped early), or ends with its budget (exit 3, saying which budget and what
was left undecided); load.json, summary.json, summary.md and JUnit say why the load ended.
The checks are chosen so that the stand-in decides them at the first looks (a test about the
looks, not about how long the defaults take; docs/run.md).
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from scorebench.core.records import LOOKS_FILE, Look, read_csv, read_samples
from scorebench.core.rundir import STOP_FILE
from tests.conftest import REPO_ROOT, TEST_KEY, cli_env, run_cli

QUICK = ("--no-progress", "--label", "t", "--telemetry", "none")


def until_decided(standin: Any, out: Path, *argv: str) -> tuple[subprocess.CompletedProcess[str], Path]:
    done = run_cli("run", "--endpoint", standin.score_url, "--out", str(out), *QUICK, *argv,
                   env=cli_env(SCOREBENCH_KEY=TEST_KEY), timeout=240)  # fmt: skip
    lines = done.stdout.splitlines()
    run_dir = Path(next(line for line in lines if line.startswith("run directory: ")).split(": ", 1)[1])
    return done, run_dir


def records(run_dir: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    load = json.loads((run_dir / "load.json").read_text(encoding="utf-8"))
    summary = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))
    return load, summary


def test_a_run_with_no_length_stops_by_itself_once_every_check_is_decided(standin: Any, tmp_path: Path) -> None:
    done, run_dir = until_decided(standin, tmp_path, "--slo", "error_rate<=100%", "--slo", "p50<30s")
    assert done.returncode == 0, done.stdout + done.stderr
    load, summary = records(run_dir)
    assert (load["ended_because"], load["partial"], load["interrupted"]) == ("decided", False, False)
    assert load["end_line"].startswith("all 3 checks decided after ")
    assert f"load ended: {load['end_line']}" in done.stdout.splitlines()
    assert done.stdout.splitlines()[-1] == "verdict: PASS (exit 0)"
    looks = list(read_csv(run_dir / LOOKS_FILE, Look))
    assert load["looks"] == max(look.look for look in looks) >= 1
    assert {look.check for look in looks} == {"timeout", "error_rate<=100%", "p50<30s"}
    assert (run_dir / STOP_FILE).read_text(encoding="utf-8").strip() == load["end_line"]
    assert json.loads((run_dir / "run.json").read_text())["load_profile"]["until_decided"] is True
    assert summary["stopping"] == {"because": "decided", "line": load["end_line"], "looks": load["looks"]}
    assert f"- load ended: {load['end_line']} (decided; {load['looks']} looks)" in (run_dir / "summary.md").read_text()
    assert "How the decision formed" in (run_dir / "report.html").read_text()
    assert load["requests"] == len(read_samples(run_dir))
    assert summary["intervals"]["family"] == "anytime"  # looked at repeatedly: judged on confidence sequences
    again = run_cli("report", str(run_dir), "--slo", "error_rate<=100%", "--slo", "p50<30s", timeout=120)
    assert again.returncode == 0, again.stdout + again.stderr
    assert json.loads((run_dir / "summary.json").read_text())["intervals"]["family"] == "anytime"  # as it ran


def test_a_clear_fail_stops_the_load_early_and_exits_1(standin: Any, tmp_path: Path) -> None:
    junit = tmp_path / "checks.xml"
    done, run_dir = until_decided(standin, tmp_path, "--slo", "p50<1ms", "--junit", str(junit))
    assert done.returncode == 1, done.stdout + done.stderr
    load, summary = records(run_dir)
    assert (load["ended_because"], load["partial"], load["interrupted"]) == ("failed", False, False)
    assert load["end_line"].startswith("p50<1ms FAIL decided after ")
    assert load["end_line"].endswith(": load stopped early")
    assert summary["stopping"]["because"] == "failed"
    assert done.stdout.splitlines()[-1] == "verdict: FAIL (exit 1)"
    assert "130" not in done.stdout.splitlines()[-1]  # a stop for a decision is not an interruption
    properties = {p.get("name"): p.get("value") for p in ET.parse(junit).getroot().iter("property")}
    assert (properties["stopped_because"], properties["stopping"]) == ("failed", load["end_line"])
    assert int(properties["looks"]) == load["looks"] >= 1


def test_a_budget_that_ends_first_leaves_the_run_inconclusive_and_says_why(standin: Any, tmp_path: Path) -> None:
    done, run_dir = until_decided(standin, tmp_path, "--max-requests", "300")  # error_rate<1% needs ~680
    assert done.returncode == 3, done.stdout + done.stderr
    load, summary = records(run_dir)
    assert (load["requests"], load["ended_because"], load["partial"]) == (300, "requests", False)
    assert load["end_line"] == "budget of 300 requests ended with error_rate<1% undecided"
    assert summary["stopping"]["because"] == "requests"
    assert done.stdout.splitlines()[-1] == "verdict: INCONCLUSIVE (exit 3)"


def test_a_fixed_length_run_keeps_its_length_and_takes_no_looks(standin: Any, tmp_path: Path) -> None:
    done, run_dir = until_decided(standin, tmp_path, "--requests", "25", "--slo", "p50<1ms")
    assert done.returncode == 1, done.stdout + done.stderr
    load, summary = records(run_dir)
    assert (load["requests"], load["ended_because"], load["looks"]) == (25, "fixed", 0)
    assert not (run_dir / LOOKS_FILE).exists()
    assert not (run_dir / STOP_FILE).exists()
    assert not any(line.startswith(("until decided", "load ended")) for line in done.stdout.splitlines())
    assert "load ended" not in (run_dir / "summary.md").read_text()
    assert summary["intervals"]["family"] == "fixed"  # judged once: fixed-n intervals, as before


def test_ctrl_c_before_a_decision_is_an_interruption_not_a_decision(standin: Any, tmp_path: Path) -> None:
    argv = ["run", "--endpoint", standin.score_url, "--out", str(tmp_path), *QUICK]  # error_rate<1% needs ~370
    process = subprocess.Popen(
        [sys.executable, "-m", "scorebench", *argv], cwd=REPO_ROOT, env=cli_env(SCOREBENCH_KEY=TEST_KEY),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert process.stdout is not None
    run_dir = Path(process.stdout.readline().split(": ", 1)[1].strip())  # "run directory: ..." once it starts
    assert process.stdout.readline().startswith("telemetry: ")
    assert process.stdout.readline().startswith("until decided: ")
    samples, deadline = run_dir / "samples.csv", time.monotonic() + 60
    while process.poll() is None and time.monotonic() < deadline and not _lines(samples) > 2:
        time.sleep(0.05)  # the load is under way (a condition waited for, bounded)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stdout + stderr
    load, _ = records(run_dir)
    assert (load["ended_because"], load["interrupted"], load["partial"]) == ("interrupted", True, True)
    assert load["end_line"] == "interrupted before every check was decided"
    assert not (run_dir / STOP_FILE).exists()  # nobody asked the engines to stop: the signal did


def _lines(path: Path) -> int:
    return path.read_text(encoding="utf-8").count("\n") if path.exists() else 0
