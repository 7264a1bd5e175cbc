"""`scorebench report | baseline save | check` end to end through the real entry point."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from tests.conftest import REPO_ROOT, cli_env, run_cli

RUNS = REPO_ROOT / "tests" / "data" / "fixture_runs"


@pytest.fixture
def runs(tmp_path: Path) -> Path:
    for name in ("small", "slow", "other-profile"):
        shutil.copytree(RUNS / name, tmp_path / name)
    return tmp_path


def test_report_writes_summary_and_html(runs: Path) -> None:
    done = run_cli("report", str(runs / "small"), "--slo", "error_rate<5%")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "verdict: PASS (exit 0)"
    summary = json.loads((runs / "small" / "summary.json").read_text())
    assert summary["count"] == 300
    assert summary["verdict"]["status"] == "PASS"
    assert [c["name"] for c in summary["checks"]] == ["timeout", "error_rate<5%"]
    assert (runs / "small" / "report.html").stat().st_size < 5 * 2**20


@pytest.mark.parametrize(
    ("slo", "status", "code"),
    [("error_rate<5%", "PASS", 0), ("error_rate<1%", "INCONCLUSIVE", 3), ("p95<20ms", "FAIL", 1)],
)
def test_junit_summary_md_and_step_summary_agree_with_the_exit_code(
    runs: Path, tmp_path: Path, slo: str, status: str, code: int
) -> None:
    junit, step = tmp_path / "out" / "checks.xml", tmp_path / "step.md"
    done = run_cli(
        "report", str(runs / "small"), "--slo", slo, "--junit", str(junit), env=cli_env(GITHUB_STEP_SUMMARY=str(step))
    )
    assert done.returncode == code, done.stdout + done.stderr
    assert done.stdout.splitlines()[-1] == f"verdict: {status} (exit {code})"
    suite = ET.parse(junit).getroot()
    assert suite.find("properties/property[@name='exit_code']").get("value") == str(code)  # type: ignore[union-attr]
    assert int(suite.get("failures") or 0) == (1 if status == "FAIL" else 0)
    defaults = [] if slo.startswith("error_rate") else ["error_rate<1%"]  # the default SLO stays on
    assert [case.get("name") for case in suite.iter("testcase")] == ["timeout", slo, *defaults]
    markdown = (runs / "small" / "summary.md").read_text()
    assert markdown.splitlines()[0].endswith(f"{status} (exit {code})")
    assert step.read_text() == markdown


def test_threshold_without_baseline_is_refused(runs: Path) -> None:
    done = run_cli("report", str(runs / "small"), "--threshold", "p95:+10%")
    assert (done.returncode, done.stderr.count("\n")) == (2, 1)
    assert "--threshold compares with a baseline: give --baseline NAME, or use --slo" in done.stderr


def test_baseline_then_check_passes_a_rerun_and_fails_a_doubled_latency(runs: Path) -> None:
    store = str(runs / "baselines")
    saved = run_cli("baseline", "save", str(runs / "small"), "--name", "small-v1", "--baselines-dir", store)
    assert saved.returncode == 0, saved.stderr
    figures = "300 requests, p95 56.54 ms, p99 75.9 ms, errors 1.00%, 9.913 rps\n"  # as every page writes them
    assert saved.stdout == f"baseline small-v1: {store}/small-v1.json\n{figures}"
    wide = ("--slo", "error_rate<10%", "--threshold", "error_rate:+5pp")
    same = run_cli("check", str(runs / "small"), "--baseline", "small-v1", "--baselines-dir", store, *wide)
    assert same.returncode == 3, same.stdout + same.stderr  # 300 requests cannot show p95 within +10 %
    assert "INCONCLUSIVE p95: 56.5 ms vs baseline 56.5 ms (+0.0%, limit +10%, 95% CI -15.9%..+19.0%); " in same.stdout
    loose_same = run_cli("check", str(runs / "small"), "--baseline", "small-v1", "--baselines-dir", store, *wide,
                         "--threshold", "p95:+50%", "--threshold", "p99:+50%")  # fmt: skip
    assert loose_same.returncode == 0, loose_same.stdout
    slow = run_cli("check", str(runs / "slow"), "--baseline", "small-v1", "--baselines-dir", store, *wide)
    assert slow.returncode == 1
    assert "FAIL p95: 119.7 ms vs baseline 56.5 ms (+111.7%, limit +10%, 95% CI +80.7%..+139.2%)" in slow.stdout
    loose = run_cli("check", str(runs / "slow"), "--baseline", "small-v1", "--baselines-dir", store, *wide,
                    "--threshold", "p95:+200%", "--threshold", "p99:+200%")  # fmt: skip
    assert loose.returncode == 0, loose.stdout


def test_check_cannot_judge_another_load_profile(runs: Path) -> None:
    store = str(runs / "baselines")
    run_cli("baseline", "save", str(runs / "small"), "--name", "v1", "--baselines-dir", store)
    done = run_cli("check", str(runs / "other-profile"), "--baseline", "v1", "--baselines-dir", store)
    assert done.returncode == 3
    assert "INCONCLUSIVE baseline v1: not comparable: load profile differs (concurrency 8 vs 4)" in done.stdout


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


def test_a_baseline_name_given_with_its_suffix_names_the_same_file(runs: Path) -> None:
    store = runs / "baselines-suffix"
    saved = run_cli("baseline", "save", str(runs / "small"), "--name", "b1.json", "--baselines-dir", str(store))
    assert saved.returncode == 0, saved.stderr
    assert sorted(p.name for p in store.iterdir()) == ["b1.json"]  # not b1.json.json


def test_baseline_save_refuses_a_run_that_failed_its_slos(runs: Path) -> None:
    store = str(runs / "baselines")
    refused = run_cli("baseline", "save", str(runs / "slow"), "--name", "v2", "--baselines-dir", store)
    assert refused.returncode == 2
    assert "the run failed error_rate<1% (FAIL slo error_rate<1%: 3.00%" in refused.stderr
    assert refused.stderr.rstrip().endswith("not saved (--force keeps it)")
    forced = run_cli("baseline", "save", str(runs / "slow"), "--name", "v2", "--baselines-dir", store, "--force")
    assert forced.returncode == 0, forced.stderr


def test_baseline_list_and_show(runs: Path) -> None:
    store = runs / "baselines-listed"
    empty = run_cli("baseline", "list", "--baselines-dir", str(store))
    assert (empty.returncode, empty.stdout.strip()) == (
        0,
        f"no baselines in {store} (scorebench baseline save RUN --name NAME)",
    )
    for run, name in (("small", "small-v1"), ("other-profile", "heavy")):
        assert (
            run_cli("baseline", "save", str(runs / run), "--name", name, "--baselines-dir", str(store)).returncode == 0
        )
    (store / "notes.json").write_text("[]")
    listed = run_cli("baseline", "list", "--baselines-dir", str(store))
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert [line.split()[0] for line in lines] == ["heavy", "notes", "small-v1"]
    assert "label small  ab concurrency 4, duration_s 30, timeout_s 60  p95 56.54 ms  300 requests" in lines[2]
    assert "concurrency 8" in lines[0]
    assert lines[1].startswith("notes  (not readable: ")
    assert "not a scorebench baseline" in lines[1]
    shown = run_cli("baseline", "show", "small-v1", "--baselines-dir", str(store))
    assert shown.returncode == 0, shown.stderr
    text = shown.stdout.splitlines()
    assert text[0] == f"baseline small-v1: {store}/small-v1.json (version 2)"
    assert "load profile: concurrency 4, duration_s 30, timeout_s 60" in text
    assert "payload set: sha256:4f1c0e0b9d2a7d3e" in text
    assert any(line.startswith("requests: 300; latency of ok answers: p50 ") for line in text)
    assert "errors: 1.00%; throughput: 9.913 req/s" in text  # figures as every page writes them
    assert re.fullmatch(r"created: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", text[1])  # to the millisecond
    assert "latency_sample_ms" not in shown.stdout
    missing = run_cli("baseline", "show", "nope", "--baselines-dir", str(store))
    assert missing.returncode == 2
    assert "baseline 'nope' not found" in missing.stderr


def test_report_takes_a_folder_of_samples_only_and_bad_input_changes_nothing(tmp_path: Path) -> None:
    from scorebench.core.records import Sample, utc_from_epoch, write_csv
    from scorebench.core.runrecords import read_run

    folder = tmp_path / "gathered"
    folder.mkdir()
    samples = [Sample(f"id{i}", utc_from_epoch(1_790_000_000 + i / 10), 20.0 + i % 7, 200, "ok", None, 800, 20,
                      "data.jsonl:1", "hostb-1") for i in range(50)]  # fmt: skip
    write_csv(folder / "samples-hostb-1.csv", samples, Sample)
    refused = run_cli("report", str(folder), "--baseline", "nope", "--baselines-dir", str(tmp_path / "b"))
    assert refused.returncode == 2, refused.stderr
    assert sorted(p.name for p in folder.iterdir()) == ["samples-hostb-1.csv"]
    done = run_cli("report", str(folder))
    assert done.returncode in (0, 3), done.stdout + done.stderr  # 50 requests may not decide error_rate<1%
    assert "samples only (no run.json" in done.stderr
    records = read_run(folder)
    assert (records.info.label, records.info.engine, records.load.requests) == ("gathered", "locust", 50)
    assert records.load.load_ended_at == utc_from_epoch(1_790_000_000 + 4.9 + 0.020)  # the last answer: 49 at 4.9 s
    assert json.loads((folder / "summary.json").read_text())["count"] == 50


def test_title_and_note_are_recorded_and_summary_md_reads_like_a_report(runs: Path, tmp_path: Path) -> None:
    run_dir, step = runs / "small", tmp_path / "step.md"
    argv = ("report", str(run_dir), "--slo", "error_rate<5%")
    assert run_cli(*argv, "--title", "Bank model, release 7", "--note", "Same load as release 6.").returncode == 0
    done = run_cli(*argv, env=cli_env(GITHUB_STEP_SUMMARY=str(step)))  # no --title: the recorded one stays
    assert done.returncode == 0, done.stderr
    summary = json.loads((run_dir / "summary.json").read_text())
    assert (summary["title"], summary["note"]) == ("Bank model, release 7", "Same load as release 6.")
    html = (run_dir / "report.html").read_text()
    assert "<h1>Bank model, release 7</h1>" in html
    assert "Same load as release 6." in html
    markdown = step.read_text()
    assert markdown.startswith("## Bank model, release 7: ✅ PASS (exit 0)\n\nrun `small`\n\n> Same load as release 6.")
    (row,) = [line for line in markdown.splitlines() if line.startswith("| `error_rate<5%`")]
    percent = r"\d\.\d\d%"
    method = r"Clopper-Pearson"
    cells = rf"\| `error_rate<5%` \| slo \| PASS \| {percent} \| {percent} … {percent} \| < 5\.00% \| {method} \|"
    assert re.fullmatch(cells, row), row
    assert not re.search(r"\d\.\d{5,}", markdown)  # no 25.5891: four significant digits
    assert "- requests: 300 (" in markdown
    assert re.search(r"latency of successful answers: p50 [\d.]+ ms, p95 [\d.]+ ms", markdown)
    assert run_cli(*argv, "--title", "").returncode == 0  # an empty title removes it
    assert json.loads((run_dir / "summary.json").read_text())["title"] is None
    assert "<h1>scorebench report: small</h1>" in (run_dir / "report.html").read_text()


def test_a_ramp_runs_summary_md_says_its_headline_mixes_the_load_levels(tmp_path: Path) -> None:
    from tests.reports.runs import make_ramp_run

    run_dir = make_ramp_run(tmp_path / "20261118T000000Z-ramp")
    assert run_cli("report", str(run_dir)).returncode == 0
    lines = (run_dir / "summary.md").read_text().splitlines()
    (headline,) = [line for line in lines if line.startswith("- latency of successful answers:")]
    assert headline.endswith("(over all 2 load levels, 5 → 10 users: per stage below)")
    stages = [line for line in lines if line.startswith("  - ")]
    assert [line.split(" (")[0] for line in stages] == ["  - 5 users", "  - 10 users"]
    assert "900 requests, errors 0 (0.00%)" in stages[0]
    summary = json.loads((run_dir / "summary.json").read_text())
    assert [row["load"] for row in summary["stages"]["rows"]] == ["5 users", "10 users"]
