"""Telemetry unavailable: the report is still built from client samples and says why (issue 8 §5)."""

from __future__ import annotations

import pytest

from tests.faults.conftest import run_scorebench
from tests.probes.loganalytics_standin import LogAnalyticsStandIn

FORBIDDEN = (
    403,
    {},
    {"error": {"code": "InsufficientAccessError", "message": "The provided credentials have insufficient access"}},
)
THROTTLED = (429, {}, {"error": {"code": "ThrottledError", "message": "Too many requests"}})
BROKEN = (500, {}, {"error": {"code": "InternalServerError", "message": "Something went wrong"}})


def assert_report_says_server_side_missing(result):
    assert result.code in (0, 1, 3), result.stderr  # judged (3: a short run cannot show error_rate<1%)
    probe = result.run_json["probe"]
    assert probe["error"]
    report = (result.run_dir / "report.html").read_text()
    assert "telemetry" in report.lower()
    assert probe["error"].split(":")[0] in report
    assert (result.run_dir / "summary.json").exists()


def test_sink_store_missing(outputs, tmp_path, standin):
    args = ("--endpoint", standin.score_url, "--requests", "5", "--telemetry", f"local:{tmp_path / 'no-sink'}")
    result = run_scorebench(outputs, tmp_path / "runs", *args)
    assert_report_says_server_side_missing(result)
    required = run_scorebench(outputs, tmp_path / "runs", *args, "--telemetry-required")
    assert required.code == 2
    assert "no-sink" in required.error_line()
    assert (required.run_dir / "samples.csv").exists()  # the samples are kept even so


@pytest.mark.parametrize(("answer", "word"), [(FORBIDDEN, "403"), (THROTTLED, "throttl"), (BROKEN, "500")])
def test_app_insights_refusing(outputs, tmp_path, standin, answer, word):
    with LogAnalyticsStandIn() as logs:
        logs.scripted = [answer] * 100
        result = run_scorebench(
            outputs, tmp_path / "runs", "--endpoint", standin.score_url, "--requests", "5",
            "--telemetry", "appinsights", "--workspace-id", "00000000-0000-0000-0000-000000000000",
            "--telemetry-wait", "5s", timeout=180,
            SCOREBENCH_LOGS_ENDPOINT=logs.endpoint, SCOREBENCH_LOGS_TOKEN="fake-logs-token",
        )  # fmt: skip
    assert_report_says_server_side_missing(result)
    assert word in result.run_json["probe"]["error"].lower()
