"""reports/trend/trend.py: a label's runs over time, and the drift check (pure: entries in, dicts out).

`trend_rows` turns the runs of an out folder (reports/common/extras.RunEntry) into one row per run:
p50/p95/p99 (ms), error rate, model errors, throughput and the run's verdict. `drift_check`
(→ a reports.checks `Check` of kind `drift`: value, low and high are the change in %, reference
the median in ms) compares the newest run with the median of the previous N *accepted* runs
(verdict PASS on a whole run: a partial run is marked in its row and never a reference), so a
p95 that creeps +8 % per release fails a +15 % drift limit after a few releases even though each
release passed its own +10 % check against the one before.
Rules:
- only runs comparable with the newest count (`comparable_runs`: one label, the same load profile
  and payload set); the others are named with why they were left out;
- latency is that of the successful (`ok`) answers (summary.json `latency_ms`; the newest run's
  samples filtered by outcome), throughput the successful answers per second: a run whose fast
  failures rose does not look faster;
- the reference is the median of the accepted earlier runs' figures, taken as fixed (it is the
  level the team accepted); the newest run's uncertainty is the 95 % distribution-free
  order-statistic interval of its percentile (reports/common/intervals.percentile_interval) from
  its samples;
- three-way, as every check: PASS when the whole interval of the change is within the limit,
  FAIL when wholly beyond it, else INCONCLUSIVE (also with fewer than MIN_REFERENCE_RUNS
  accepted earlier runs, without the newest run's samples, or when the newest run is partial);
- exit codes: PASS 0, FAIL 1, INCONCLUSIVE 3 (reports.checks `EXIT_BY_STATUS`).
"""

from __future__ import annotations

import dataclasses
import math
import re
import statistics
from typing import Any

import numpy as np

from scorebench.core.errors import HarnessError
from scorebench.reports.common.checks import EXIT_BY_STATUS, INCONCLUSIVE, PASS, Check, decide, profile_difference
from scorebench.reports.common.extras import RunEntry
from scorebench.reports.common.intervals import percentile_interval

__all__ = ["EXIT_BY_STATUS", "DriftLimit", "accepted", "comparable_runs", "drift_check", "parse_drift", "trend_rows"]
DEFAULT_DRIFT = "p95:+15%"
DEFAULT_REFERENCE_RUNS = 5
MIN_REFERENCE_RUNS = 2
DRIFT_METRICS = {"p50": 50.0, "p90": 90.0, "p95": 95.0, "p99": 99.0}
_DRIFT = re.compile(r"^(?P<metric>p\d+):\+(?P<amount>\d+(?:\.\d+)?)%$")


@dataclasses.dataclass(frozen=True)
class DriftLimit:
    """`metric` of the newest run may exceed the reference by at most `amount_pct` percent."""

    metric: str
    amount_pct: float

    @property
    def text(self) -> str:
        return f"{self.metric}:+{self.amount_pct:g}%"


def parse_drift(text: str) -> DriftLimit:
    """`p95:+15%` → DriftLimit; anything else is a one-line HarnessError naming --drift."""
    match = _DRIFT.match(text.strip().lower())
    if not match or match["metric"] not in DRIFT_METRICS:
        raise HarnessError(f"--drift {text!r}: expected PERCENTILE:+N% with a percentile of {', '.join(DRIFT_METRICS)}")
    return DriftLimit(match["metric"], float(match["amount"]))


def accepted(entry: RunEntry) -> bool:
    """A run the team accepted: its own verdict passed, on a whole run (not partial)."""
    return entry.verdict.get("status") == PASS and entry.partial is None


def comparable_runs(entries: list[RunEntry]) -> tuple[list[RunEntry], list[tuple[RunEntry, str]]]:
    """The runs comparable with the newest (same label, load profile and payload set: checks.profile_difference),
    oldest first, and the others with why each was left out. A trend across a change of load says nothing."""
    if not entries:
        return [], []
    newest = entries[-1]
    kept, skipped = [], []
    for entry in entries:
        why = f"label {entry.label!r}, not {newest.label!r}" if entry.label != newest.label else None
        why = why or profile_difference(entry.profile, newest.profile)
        if why:
            skipped.append((entry, why))
        else:
            kept.append(entry)
    return kept, skipped


def trend_rows(entries: list[RunEntry]) -> list[dict[str, Any]]:
    """One plain row per run, oldest first (index from 1)."""
    return [
        {
            "index": i,
            "name": e.name,
            "started_at": e.started_at,
            "count": e.summary.get("count"),
            "p50": e.summary["latency_ms"].get("p50"),
            "p95": e.summary["latency_ms"].get("p95"),
            "p99": e.summary["latency_ms"].get("p99"),
            "error_rate": e.summary.get("error_rate"),
            "model_errors": (e.summary.get("outcomes") or {}).get("model_error", 0),
            "throughput_rps": e.summary.get("throughput_rps"),
            "verdict": (e.verdict.get("status") or "–") + (" (partial)" if e.partial else ""),
            "partial": e.partial,
            "baseline": e.baseline,
        }
        for i, e in enumerate(entries, start=1)
    ]


def drift_check(
    entries: list[RunEntry], newest_latency_ms: np.ndarray | None, limit: DriftLimit, reference_runs: int
) -> Check:
    """The newest entry against the median of the `reference_runs` accepted runs before it
    (`newest_latency_ms`: the newest run's successful answers' latencies, stats.ok_latency)."""
    newest, earlier = entries[-1], [e for e in entries[:-1] if accepted(e)][-reference_runs:]
    value = newest.summary["latency_ms"].get(limit.metric)
    if newest.partial:
        return _result(limit, value, None, None, None, INCONCLUSIVE, f"the newest run is partial: {newest.partial}")
    figures = [e.summary["latency_ms"].get(limit.metric) for e in earlier]
    figures = [f for f in figures if isinstance(f, int | float)]
    if len(figures) < MIN_REFERENCE_RUNS or value is None:
        why = f"{len(figures)} accepted earlier run(s) of {newest.label}; need {MIN_REFERENCE_RUNS}"
        return _result(limit, value, None, None, None, INCONCLUSIVE, why)
    reference = float(statistics.median(figures))
    if newest_latency_ms is None or len(newest_latency_ms) == 0:
        return _result(limit, value, reference, None, None, INCONCLUSIVE, "the newest run has no samples to bound")
    low_ms, high_ms = percentile_interval(newest_latency_ms, DRIFT_METRICS[limit.metric])
    low, high = low_ms / reference - 1.0, high_ms / reference - 1.0
    bound = limit.amount_pct / 100.0
    status = decide(low, high, bound, upper=True, inclusive=True)
    return _result(limit, value, reference, low, high, status, f"median of {len(figures)} accepted earlier runs")


def _result(
    limit: DriftLimit,
    value: float | None,
    reference: float | None,
    low: float | None,
    high: float | None,
    status: str,
    why: str,
) -> Check:
    shown = f"{value:.1f} ms" if value is not None else "no value"
    if reference is None or low is None or high is None:
        line = f"{status} drift {limit.metric}: {shown} ({why}; limit +{limit.amount_pct:g}%)"
    else:
        change_now = value / reference - 1.0 if value is not None else 0.0
        line = (
            f"{status} drift {limit.metric}: {shown} vs {reference:.1f} ms, the {why} "
            f"({change_now * 100:+.1f}%, limit +{limit.amount_pct:g}%, 95% CI {_change(low)}..{_change(high)})"
        )
    change = value / reference - 1.0 if value is not None and reference else None
    return Check(f"drift {limit.text}", "drift", limit.metric, limit.amount_pct, _pct(change), reference,
                 _pct(low), _pct(high), "%", status, line, "order statistics")  # fmt: skip


def _change(fraction: float) -> str:
    """A bound of the change as printed: `+20.6%`, or `+∞` / `-∞` for an unbounded side (too few samples
    for the percentile's order-statistic bound), as the other check lines write it."""
    if not math.isfinite(fraction):
        return "+∞" if fraction > 0 else "-∞"
    return f"{fraction * 100:+.1f}%"


def _pct(fraction: float | None) -> float | None:
    """A change as a percentage (None when unknown or unbounded: JSON has no infinity)."""
    return round(fraction * 100.0, 4) if fraction is not None and math.isfinite(fraction) else None
