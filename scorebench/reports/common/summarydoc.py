"""reports/common/summarydoc.py: a stored summary (summary.json, a baseline's `summary`) of any version → today's shape.

In: the plain dict a summary.json or a baseline holds. Out: the same dict as stats.SUMMARY_VERSION
writes it. Rules: pure; upgrades happen here only, on read (baselines through
reports/run/baseline.normalize_baseline, earlier runs through reports/common/extras.read_run).
Version 1 → 2 (the latency of successful answers became *the* latency):
- `latency_ms` was over every request and `ok_latency_ms` over the `ok` ones: `latency_ms` becomes
  `ok_latency_ms` when the document has it (else it stays: it was all there was);
- `failed_latency_ms` is unknown in a version 1 document: {} (no figure, not "no failures");
- `throughput_rps` counted every request: it moves to `requests_rps`, and `throughput_rps`
  becomes the successful answers' rate over the same window (* ok / count).
"""

from __future__ import annotations

from typing import Any

from scorebench.reports.common.stats import SUMMARY_VERSION


def normalize_summary(summary: dict[str, Any]) -> dict[str, Any]:
    """A copy of `summary` in the current shape (a current one is returned as a copy, unchanged)."""
    upgraded = dict(summary)
    if _version(upgraded) >= 2:
        return upgraded
    ok_latency = upgraded.pop("ok_latency_ms", None)
    if isinstance(ok_latency, dict):
        upgraded["latency_ms"] = ok_latency
    upgraded.setdefault("failed_latency_ms", {})
    rate = upgraded.get("throughput_rps")
    if isinstance(rate, int | float) and not isinstance(rate, bool) and "requests_rps" not in upgraded:
        upgraded["requests_rps"] = rate
        upgraded["throughput_rps"] = _ok_rate(float(rate), upgraded.get("ok"), upgraded.get("count"))
    upgraded["version"] = SUMMARY_VERSION
    return upgraded


def _ok_rate(requests_rps: float, ok: Any, count: Any) -> float:
    """The ok answers' rate from every request's rate (same window): requests_rps * ok / count."""
    if not (_is_number(ok) and _is_number(count)) or not count:
        return requests_rps
    return round(requests_rps * float(ok) / float(count), 3)


def _version(summary: dict[str, Any]) -> int:
    version = summary.get("version", 1)
    return version if isinstance(version, int) and not isinstance(version, bool) else 1


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
