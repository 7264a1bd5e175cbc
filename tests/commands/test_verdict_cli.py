"""The verdict through the real entry point against the stand-in: model errors, all-failing runs,
absolute SLOs, the three-way decision, and JUnit / summary.md agreeing with the exit code."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from scorebench.core.records import Sample, read_samples, utc_from_epoch
from scorebench.core.rundir import write_json_atomic
from scorebench.loadtests.samples import SampleWriter
from tests.conftest import TEST_KEY, cli_env, run_cli

REQUESTS = 50


@pytest.fixture(scope="module")
def flaky(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """AutoML-style scoring, 30 ms per call, every fifth call a caught model error (answered 200)."""
    from scorebench.local.standin import StandIn

    data_dir = tmp_path_factory.mktemp("flaky")
    with StandIn(key=TEST_KEY, data_dir=data_dir, latency_ms=30, model_error_rate=0.2) as running:
        yield running


def run(url: str, out: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], Path]:
    done = run_cli("run", "--endpoint", url, "--telemetry", "none", "--no-progress", "--out", str(out), *args,
                   env=cli_env(SCOREBENCH_KEY=TEST_KEY), timeout=240)  # fmt: skip
    lines = [line for line in done.stdout.splitlines() if line.startswith("run directory: ")]
    return done, Path(lines[0].split(": ", 1)[1]) if lines else out


@pytest.mark.parametrize("engine", ["ab", "locust"])
def test_caught_model_errors_are_counted_and_fail_the_run(flaky, tmp_path: Path, engine: str) -> None:
    junit = tmp_path / "checks.xml"
    done, run_dir = run(flaky.score_url, tmp_path, "--engine", engine, "--requests", str(REQUESTS),
                        "--slo", "p95<10ms", "--junit", str(junit))  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    outcomes = [s.outcome for s in read_samples(run_dir)]
    assert (outcomes.count("model_error"), outcomes.count("ok")) == (REQUESTS // 5, REQUESTS - REQUESTS // 5)
    lines = done.stdout.splitlines()
    assert any(line.startswith("FAIL slo error_rate<1%: 20.00% (95% CI ") for line in lines)
    (p95_line,) = [line for line in lines if " slo p95<10ms: " in line]
    # a 30 ms endpoint: FAIL; INCONCLUSIVE only when the machine starved the client (latency then holds queueing)
    assert p95_line.startswith("FAIL ") or ("saturated" in p95_line and p95_line.startswith("INCONCLUSIVE ")), p95_line
    assert lines[-1] == "verdict: FAIL (exit 1)"
    assert ET.parse(junit).getroot().find("properties/property[@name='exit_code']").get("value") == "1"  # type: ignore[union-attr]
    assert (run_dir / "summary.md").read_text().splitlines()[0].endswith("FAIL (exit 1)")
    if engine == "ab":  # the same run, judged against a limit at its own p95: the interval straddles it
        p95 = json.loads((run_dir / "summary.json").read_text())["latency_ms"]["p95"]
        straddled = run_cli("report", str(run_dir), "--slo", f"p95<{p95}ms", "--slo", "error_rate<=100%")
        assert straddled.returncode == 3, straddled.stdout
        assert f"INCONCLUSIVE slo p95<{p95}ms: " in straddled.stdout
        assert straddled.stdout.splitlines()[-1] == "verdict: INCONCLUSIVE (exit 3)"


def test_a_healthy_endpoint_passes(standin, tmp_path: Path) -> None:
    done, run_dir = run(standin.score_url, tmp_path, "--requests", "40", "--slo", "error_rate<10%")
    assert done.returncode == 0, done.stdout + done.stderr
    assert {s.outcome for s in read_samples(run_dir)} == {"ok"}
    assert done.stdout.splitlines()[-1] == "verdict: PASS (exit 0)"


def test_a_short_run_cannot_pass_an_unresolvable_percentile(standin, tmp_path: Path) -> None:
    done, _ = run(standin.score_url, tmp_path, "--requests", "30", "--slo", "error_rate<10%", "--slo", "p99.9<30s")
    assert done.returncode == 3, done.stdout + done.stderr
    assert "too few samples to resolve p99_9 (30, need 1000)" in done.stdout


def test_every_request_failing_exits_1_naming_the_slo(standin_factory, tmp_path: Path) -> None:
    broken = standin_factory(key=TEST_KEY, error_rate=1.0)
    done, _ = run(broken.score_url, tmp_path, "--requests", "20")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "FAIL slo error_rate<1%: 100.00% (95% CI 83.16%..100.00%, limit < 1.00%)" in done.stdout
    assert "FAIL slo requests: none of 20 requests was answered with a prediction" in done.stdout


@pytest.mark.parametrize(("status", "outcome"), [(401, "http_4xx"), (429, "throttled"), (500, "http_5xx")])
def test_a_run_whose_every_answer_failed_never_passes(tmp_path: Path, status: int, outcome: str) -> None:
    with SampleWriter(tmp_path / "samples.csv") as writer:
        for i in range(40):
            writer.write(Sample(f"{i:032x}", utc_from_epoch(1_800_000_000 + i / 10), 3.0, status, outcome, None,
                                100, 20, "data.json", "ab-0"))  # fmt: skip
    write_json_atomic(tmp_path / "run.json", {"label": "failed", "timeout_s": 60.0})
    done = run_cli("report", str(tmp_path), "--slo", "error_rate<=100%")  # even a limit that allows it all
    assert done.returncode == 1, done.stdout
    assert "FAIL slo requests: none of 40 requests was answered with a prediction" in done.stdout
