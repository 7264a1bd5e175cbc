"""build_report reads a run directory into statistics (reports/run/build.py)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np

from scorebench.core.records import TelemetryRow, read_csv, write_csv
from scorebench.core.runinfo import RunInfo
from scorebench.reports.common import slo, stats, verdict
from scorebench.reports.run import build
from scorebench.reports.run.build import build_report, chart_data, judge
from tests.conftest import REPO_ROOT
from tests.reports.common.test_stats import frame

SMALL = REPO_ROOT / "tests" / "data" / "fixture_runs" / "small"


def test_the_warm_up_request_is_not_an_orphan_server_row(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    shutil.copytree(SMALL, run_dir)
    before = build_report(run_dir).summary.to_dict()["server"]
    rows = list(read_csv(run_dir / "telemetry.csv", TelemetryRow))
    warmup = TelemetryRow(rows[0].timestamp, "f" * 32, "op", "/score", "200", True, 5.0, 1)
    write_csv(run_dir / "telemetry.csv", [*rows, warmup], TelemetryRow)
    info = json.loads((run_dir / "run.json").read_text())
    info["preflight"] = {"warmup_request_id": "f" * 32}
    (run_dir / "run.json").write_text(json.dumps(info))
    after = build_report(run_dir).summary.to_dict()["server"]
    assert after["server_without_client_sample"] == before["server_without_client_sample"]
    assert after["requests"] == before["requests"]


def test_chart_buckets_start_at_the_first_request_not_its_rounded_time() -> None:
    # 100.2996 rounds to 100.300 in the summary; bucketing from that would put it in second -1.
    samples = frame([10.0, 20.0, 30.0], started_s=[100.2996, 100.9, 101.4])
    chart = chart_data(samples, None, stats.summarize(samples, None, timeout_s=60.0))
    assert chart["bucket_s"] == 0.05  # a 1.13 s run: sub-second buckets (charts.bucket_seconds)
    assert chart["series"]["t_s"] == [0.0, 0.6, 1.1]
    assert chart["series"]["requests"] == [20.0, 20.0, 20.0]  # one request per 0.05 s bucket


# 4 ok answers at 200..203 ms and 4 instant failures at 1 ms, one request every 0.5 s
HALF_FAILED = frame([200, 1, 201, 1, 202, 1, 203, 1], ["ok", "http_5xx"] * 4,
                    started_s=[0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5])  # fmt: skip


def test_slos_judge_the_successful_answers_latency_only() -> None:
    summary = stats.summarize(HALF_FAILED, None, timeout_s=60.0)
    slos = [slo.parse_slo(text) for text in ("p50<1000ms", "mean<150ms", "error_rate<=100%")]
    found = {c.name: c for c in judge(RunInfo(label="t"), HALF_FAILED, summary, None, [], slos)}
    assert found["p50<1000ms"].value == 201.5  # over every request it would be 100.5 ms
    assert found["p50<1000ms"].status == "INCONCLUSIVE"  # 4 answers cannot bound a p50 (order statistics)
    assert found["mean<150ms"].status == "FAIL"  # 201.5 ms; the failures' 1 ms would have pulled it to 101.25
    assert found["error_rate<=100%"].value == 50.0  # the failures are judged here, by the error checks


def test_rps_counts_successful_answers_per_second() -> None:
    assert verdict.requests_per_second(HALF_FAILED).tolist() == [1.0, 1.0, 1.0, 1.0]  # 2 requests a second, 1 ok
    trailing_failure = frame([5, 5, 5], ["ok", "ok", "timeout"], started_s=[0.0, 0.2, 2.1])
    assert verdict.requests_per_second(trailing_failure).tolist() == [2.0, 0.0, 0.0]


def test_a_baseline_stores_the_successful_answers_latencies() -> None:
    summary = stats.summarize(HALF_FAILED, None, timeout_s=60.0)
    evidence = build.current_evidence(HALF_FAILED, summary)
    assert evidence["latency_sample_ms"].tolist() == [200.0, 201.0, 202.0, 203.0]
    assert evidence["summary"]["latency_ms"]["p50"] == 201.5


def test_with_no_successful_answer_latency_slos_have_nothing_to_measure() -> None:
    failed = frame([1.0, 2.0, 3.0], ["http_5xx"] * 3)
    summary = stats.summarize(failed, None, timeout_s=60.0)
    found = judge(RunInfo(label="t"), failed, summary, None, [], [slo.parse_slo("p50<1000ms")])
    p50 = next(c for c in found if c.name == "p50<1000ms")
    assert (p50.status, p50.value) == ("INCONCLUSIVE", None)
    assert p50.line == "INCONCLUSIVE slo p50<1000ms: nothing to measure (no successful answer among 3 requests)"
    assert [c.status for c in found if c.name == "any_ok"] == ["FAIL"]


def test_write_report_anytime_says_how_each_check_was_judged(tmp_path: Path) -> None:
    from scorebench.reports.common import publish

    run_dir = tmp_path / "run"
    shutil.copytree(SMALL, run_dir)
    build.write_report(run_dir, slos=["p95<10s"], anytime=True)
    document = json.loads((run_dir / "summary.json").read_text())
    assert document["intervals"]["family"] == "anytime"
    methods = {c["name"]: c["method"] for c in document["checks"]}
    assert methods == {"timeout": "observed", "p95<10s": "confidence sequence (Howard-Ramdas)",
                       "error_rate<1%": "confidence sequence (beta-binomial mixture)"}  # fmt: skip
    assert "confidence sequence (Howard-Ramdas) |" in (run_dir / "summary.md").read_text()
    junit = publish.render_junit(document, "run")
    assert '<property name="method" value="confidence sequence (Howard-Ramdas)" />' in junit
    assert '<property name="intervals" value="anytime" />' in junit
    build.write_report(run_dir, slos=["p95<10s"])
    fixed = json.loads((run_dir / "summary.json").read_text())
    assert fixed["intervals"]["family"] == "fixed"
    assert {c["name"]: c["method"] for c in fixed["checks"]}["p95<10s"] == "order statistics"


def test_judge_run_is_the_reports_checks_without_the_report(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    shutil.copytree(SMALL, run_dir)
    assert build.judge_run(run_dir, slos=["p95<10s"]) == build_report(run_dir, slos=["p95<10s"], anytime=True).checks
    assert [c.method for c in build.judge_run(run_dir, anytime=False)] == ["observed", "Clopper-Pearson"]


def test_judge_run_judges_a_prefix_in_start_order() -> None:
    samples = build.frames.read_samples_frame(SMALL, build.SAMPLE_COLUMNS)
    cut = float(np.sort(samples["started_s"].to_numpy())[100])  # the 101st request's start
    timeout = build.judge_run(SMALL, started_before_s=cut)[0]
    assert timeout.line.startswith("PASS timeout: all 100 requests within")
    assert build.prefix(samples, None) is samples
