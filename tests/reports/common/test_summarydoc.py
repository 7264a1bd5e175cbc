"""reports/common/summarydoc.py: stored summaries of any version read in the current shape."""

from __future__ import annotations

from scorebench.reports.common import stats
from scorebench.reports.common.summarydoc import normalize_summary

VERSION_1 = {
    "count": 8,
    "ok": 4,
    "errors": 4,
    "throughput_rps": 8.0,
    "latency_ms": {"p50": 100.5, "max": 203.0},  # every request: 4 ok at 200..203 ms, 4 failures at 1 ms
    "ok_latency_ms": {"p50": 201.5, "max": 203.0},
}


def test_a_version_1_summary_takes_the_ok_latency_and_the_ok_rate() -> None:
    upgraded = normalize_summary(VERSION_1)
    assert upgraded["latency_ms"] == {"p50": 201.5, "max": 203.0}
    assert "ok_latency_ms" not in upgraded
    assert upgraded["failed_latency_ms"] == {}  # unknown, not "no failures"
    assert (upgraded["throughput_rps"], upgraded["requests_rps"]) == (4.0, 8.0)
    assert upgraded["version"] == stats.SUMMARY_VERSION
    assert VERSION_1["latency_ms"] == {"p50": 100.5, "max": 203.0}  # the caller's dict is left alone


def test_a_version_1_summary_without_ok_latency_keeps_its_latency() -> None:
    upgraded = normalize_summary({"count": 2, "ok": 2, "throughput_rps": 1.5, "latency_ms": {"p50": 7.0}})
    assert upgraded["latency_ms"] == {"p50": 7.0}
    assert (upgraded["throughput_rps"], upgraded["requests_rps"]) == (1.5, 1.5)


def test_a_current_summary_is_unchanged() -> None:
    current = {"version": stats.SUMMARY_VERSION, "latency_ms": {"p50": 1.0}, "throughput_rps": 3.0, "requests_rps": 6.0}
    assert normalize_summary(current) == current
