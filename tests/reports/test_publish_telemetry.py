"""summary.md carries the probe's reading of the telemetry (reports/common/publish.py, reports/run/build.py)."""

from __future__ import annotations

from scorebench.reports.common.publish import render_summary_md

DOCUMENT = {
    "verdict": {"status": "PASS", "exit_code": 0},
    "checks": [],
    "count": 289,
    "outcomes": {"ok": 289},
    "error_rate": 0.0,
    "latency_ms": {"p50": 60.0, "p95": 120.0, "p99": 200.0, "max": 337.0},
    "throughput_rps": 14.4,
}


def test_summary_md_shows_why_the_wait_ended_and_the_other_traffic():
    text = render_summary_md(
        {**DOCUMENT, "telemetry": {"wait": "stopped because the server's count stopped growing (35 polls, 106 s)",
                                   "other traffic": "neighbour-service 812"}},
        "run-1",
    )  # fmt: skip
    assert "- telemetry wait: stopped because the server's count stopped growing (35 polls, 106 s)\n" in text
    assert "- telemetry other traffic: neighbour-service 812\n" in text


def test_no_probe_reading_no_telemetry_lines():
    assert "telemetry" not in render_summary_md(DOCUMENT, "run-1")


def test_summary_md_headline_is_the_successful_answers_and_the_failures_have_their_own_line():
    document = {**DOCUMENT, "count": 8, "errors": 4, "outcomes": {"ok": 4, "http_5xx": 4}, "error_rate": 0.5,
                "latency_ms": {"p50": 201.5, "p95": 202.85, "p99": 202.97, "max": 203.0},
                "failed_latency_ms": {"p50": 1.0, "p95": 1.0, "max": 1.0}, "throughput_rps": 2.0,
                "requests_rps": 4.0}  # fmt: skip
    text = render_summary_md(document, "run-1")
    assert "- latency of successful answers: p50 201.5 ms, p95 202.8 ms, p99 203 ms, max 203 ms\n" in text
    assert "- failed requests: 4, their own latency: p50 1 ms, p95 1 ms, max 1 ms\n" in text
    assert "- throughput: 2 successful answers/s (4 requests/s)\n" in text
    assert "failed requests" not in render_summary_md(DOCUMENT, "run-1")
