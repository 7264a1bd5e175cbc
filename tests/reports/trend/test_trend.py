"""reports/trend/trend.py (drift check on hand-checked data) and `scorebench trend` on five synthetic runs."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from scorebench.core.errors import HarnessError
from scorebench.reports.common.extras import RunEntry
from scorebench.reports.run import baseline as baselines
from scorebench.reports.run.build import make_baseline, write_report
from scorebench.reports.trend import trend
from tests.conftest import run_cli
from tests.data.make_fixtures import PROFILE, START_EPOCH_S, make_run
from tests.reports.runs import creep_run


def entry(p95: float, status: str = "PASS", name: str = "r") -> RunEntry:
    summary = {"count": 100, "latency_ms": {"p50": p95 / 2, "p95": p95, "p99": p95 * 1.2}, "error_rate": 0.0,
               "outcomes": {"ok": 100}, "throughput_rps": 10.0}  # fmt: skip
    return RunEntry(name, "demo", name, None, summary, {"status": status}, [])


@pytest.mark.parametrize(("text", "expected"), [("p95:+15%", ("p95", 15.0)), ("P99:+7.5%", ("p99", 7.5))])
def test_parse_drift(text: str, expected: tuple[str, float]) -> None:
    limit = trend.parse_drift(text)
    assert (limit.metric, limit.amount_pct) == expected


@pytest.mark.parametrize("text", ["p95:15%", "p95:-15%", "mean:+10%", "p95"])
def test_bad_drift_is_one_line_naming_the_flag(text: str) -> None:
    with pytest.raises(HarnessError, match=r"^--drift"):
        trend.parse_drift(text)


def test_newest_against_the_median_of_accepted_runs() -> None:
    # accepted p95s 100, 110, 300 (failed run, not accepted), 120 → median 110; newest exactly 140 ms.
    runs = [entry(100.0), entry(110.0), entry(300.0, "FAIL"), entry(120.0), entry(140.0)]
    check = trend.drift_check(runs, np.full(1000, 140.0), trend.parse_drift("p95:+15%"), reference_runs=5)
    assert check.reference == 110.0
    assert check.status == "FAIL"  # 140 / 110 = +27.3 %, the whole interval beyond +15 %
    assert check.low == pytest.approx((140 / 110 - 1) * 100, abs=1e-3)  # in %
    assert check.kind == "drift"
    assert "median of 3 accepted earlier runs" in check.line


def test_within_the_limit_passes_and_a_straddling_interval_is_inconclusive() -> None:
    runs = [entry(100.0), entry(100.0), entry(105.0)]
    limit = trend.parse_drift("p95:+15%")
    assert trend.drift_check(runs, np.full(500, 105.0), limit, 5).status == "PASS"
    spread = np.linspace(40.0, 125.0, 40)  # the p95 lies between ranks 35 and 40: 114.1 … 125 ms
    assert trend.drift_check(runs, spread, limit, 5).status == "INCONCLUSIVE"


def test_too_few_accepted_runs_is_inconclusive() -> None:
    check = trend.drift_check([entry(100.0, "FAIL"), entry(100.0), entry(200.0)], np.full(9, 200.0),
                              trend.parse_drift("p95:+15%"), 5)  # fmt: skip
    assert check.status == "INCONCLUSIVE"
    assert "need 2" in check.line


@pytest.fixture(scope="module")
def creep(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Five runs of label `creep`, p95 +8 % each, each reported against the run before (a baseline)."""
    root = tmp_path_factory.mktemp("creep")
    out, store = root / "runs", root / "baselines"
    previous = None
    for index in range(5):
        run_dir = creep_run(out, index, factor=1.08**index)
        name = f"creep-{index}"
        outcome = write_report(run_dir, baseline_name=previous, baselines_dir=store)
        assert outcome.exit_code == 0, outcome.verdict_lines  # +8 % against the run before: within p95:+10 %
        baselines.save_baseline(make_baseline(run_dir, name), store / f"{name}.json")
        previous = name
    return out, store


def test_a_slow_creep_fails_the_drift_check_while_each_run_passes_its_own(creep: tuple[Path, Path]) -> None:
    out, _ = creep
    first, last = sorted(out.iterdir())[0], sorted(out.iterdir())[-1]
    assert 'id="chart-trend"' not in (first / "report.html").read_text()  # no earlier run of the label
    assert 'id="chart-trend"' in (last / "report.html").read_text()  # the small trend panel
    done = run_cli("trend", "--out", str(out), "--drift", "p95:+15%")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "FAIL drift p95:" in done.stdout
    assert "verdict: FAIL (exit 1)" in done.stdout
    document = json.loads((out / "trend-creep.json").read_text())
    assert [r["verdict"] for r in document["runs"]] == ["PASS"] * 5
    assert document["checks"][0]["status"] == "FAIL"
    html = (out / "trend-creep.html").read_text()
    assert 'id="trend-latency"' in html
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)  # self-contained
    assert "<link" not in html
    print(done.stdout)


def test_no_runs_is_a_harness_error(tmp_path: Path) -> None:
    done = run_cli("trend", "--out", str(tmp_path))
    assert done.returncode == 2
    assert "no runs of label (any) with a summary.json" in done.stderr


def test_trend_of_the_runs_judged_against_one_baseline(creep: tuple[Path, Path]) -> None:
    out, store = creep
    done = run_cli("trend", "--out", str(out), "--baseline", "creep-3", "--baselines-dir", str(store))
    assert done.returncode == 3, done.stdout + done.stderr  # one run: nothing earlier to drift from
    assert "INCONCLUSIVE drift p95: " in done.stdout
    document = json.loads((out / "trend-creep.json").read_text())
    assert [r["baseline"] for r in document["runs"]] == ["creep-3"]
    assert "baseline creep-3 p95" in (out / "trend-creep.html").read_text()


def test_runs_of_another_load_profile_are_skipped_and_labels_get_their_own_pages(
    creep: tuple[Path, Path], tmp_path: Path
) -> None:
    out = tmp_path / "runs"
    shutil.copytree(creep[0], out)
    for name in ("trend-creep.html", "trend-creep.json"):
        (out / name).unlink(missing_ok=True)
    day = 86_400
    make_run(out / "20261101T000000Z-creep", count=2000, seed=99, latency_factor=3.0, label="creep",
             profile={**PROFILE, "concurrency": 8}, start_epoch_s=START_EPOCH_S - day, errors=False)  # fmt: skip
    make_run(out / "20261201T000000Z-other", count=500, seed=98, label="other", errors=False,
             start_epoch_s=START_EPOCH_S + 10 * day)  # fmt: skip
    for name in ("20261101T000000Z-creep", "20261201T000000Z-other"):
        write_report(out / name)  # their summary.json, as `scorebench report` writes it
    done = run_cli("trend", "--out", str(out), "--label", "creep")
    assert done.returncode == 1, done.stdout + done.stderr  # the creep is still caught, the heavier run left out
    (skip,) = [line for line in done.stdout.splitlines() if line.startswith("trend: skipped")]
    assert skip.startswith("trend: skipped 20261101T000000Z-creep: load profile differs (concurrency 8 vs ")
    document = json.loads((out / "trend-creep.json").read_text())
    assert len(document["runs"]) == 5
    assert document["skipped"][0]["name"] == "20261101T000000Z-creep"
    page = (out / "trend-creep.html").read_bytes()

    other = run_cli("trend", "--out", str(out))  # the newest run's label: its own page, the other left alone
    assert other.returncode == 3, other.stdout + other.stderr  # one run: nothing earlier to drift from
    assert "trend: " + str(out / "trend-other.html") in other.stdout
    assert (out / "trend-creep.html").read_bytes() == page
    assert json.loads((out / "trend-other.json").read_text())["label"] == "other"
