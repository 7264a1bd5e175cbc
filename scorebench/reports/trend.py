"""reports/trend.py: a label's runs over time, and the drift check (pure: entries in, dicts out).

`trend_rows` turns the runs of an out folder (reports/extras.RunEntry) into one row per run:
p50/p95/p99 (ms), error rate, model errors, throughput and the run's verdict. `drift_check`
compares the newest run with the median of the previous N *accepted* runs (verdict PASS), so a
p95 that creeps +8 % per release fails a +15 % drift limit after a few releases even though each
release passed its own +10 % check against the one before.
Rules:
- the reference is the median of the accepted earlier runs' figures, taken as fixed (it is the
  level the team accepted); the newest run's uncertainty is the 95 % distribution-free
  order-statistic interval of its percentile (reports/checks.rank_interval) from its samples;
- three-way, as every check: PASS when the whole interval of the change is within the limit,
  FAIL when wholly beyond it, else INCONCLUSIVE (also with fewer than MIN_REFERENCE_RUNS
  accepted earlier runs, or without the newest run's samples);
- exit codes: PASS 0, FAIL 1, INCONCLUSIVE 3 (`EXIT_BY_STATUS`).
"""

from __future__ import annotations

import dataclasses
import re
import statistics
from typing import Any

import numpy as np

from scorebench.core.errors import EXIT_FAILED, EXIT_INCONCLUSIVE, EXIT_PASSED, HarnessError
from scorebench.reports.checks import rank_interval
from scorebench.reports.extras import RunEntry

PASS, FAIL, INCONCLUSIVE = "PASS", "FAIL", "INCONCLUSIVE"
EXIT_BY_STATUS = {PASS: EXIT_PASSED, FAIL: EXIT_FAILED, INCONCLUSIVE: EXIT_INCONCLUSIVE}
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


@dataclasses.dataclass(frozen=True)
class DriftCheck:
    """The drift check's result, with the field names of a reports.checks `Check` record."""

    name: str
    kind: str
    metric: str
    limit: str
    value: float | None
    """The newest run's figure (ms)."""
    reference: float | None
    """The median of the previous accepted runs' figures (ms)."""
    low: float | None
    """Lower end of the 95 % interval of the change (0.1 = +10 %)."""
    high: float | None
    unit: str
    status: str
    line: str

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def parse_drift(text: str) -> DriftLimit:
    """`p95:+15%` → DriftLimit; anything else is a one-line HarnessError naming --drift."""
    match = _DRIFT.match(text.strip().lower())
    if not match or match["metric"] not in DRIFT_METRICS:
        raise HarnessError(f"--drift {text!r}: expected PERCENTILE:+N% with a percentile of {', '.join(DRIFT_METRICS)}")
    return DriftLimit(match["metric"], float(match["amount"]))


def accepted(entry: RunEntry) -> bool:
    """A run the team accepted: its own verdict passed."""
    return entry.verdict.get("status") == PASS


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
            "verdict": e.verdict.get("status") or "–",
            "baseline": e.baseline,
        }
        for i, e in enumerate(entries, start=1)
    ]


def drift_check(
    entries: list[RunEntry], newest_latency_ms: np.ndarray | None, limit: DriftLimit, reference_runs: int
) -> DriftCheck:
    """The newest entry against the median of the `reference_runs` accepted runs before it."""
    newest, earlier = entries[-1], [e for e in entries[:-1] if accepted(e)][-reference_runs:]
    value = newest.summary["latency_ms"].get(limit.metric)
    figures = [e.summary["latency_ms"].get(limit.metric) for e in earlier]
    figures = [f for f in figures if isinstance(f, int | float)]
    if len(figures) < MIN_REFERENCE_RUNS or value is None:
        why = f"{len(figures)} accepted earlier run(s) of {newest.label}; need {MIN_REFERENCE_RUNS}"
        return _result(limit, value, None, None, None, INCONCLUSIVE, why)
    reference = float(statistics.median(figures))
    if newest_latency_ms is None or len(newest_latency_ms) == 0:
        return _result(limit, value, reference, None, None, INCONCLUSIVE, "the newest run has no samples to bound")
    low_ms, high_ms = rank_interval(np.sort(newest_latency_ms), DRIFT_METRICS[limit.metric])
    low, high = low_ms / reference - 1.0, high_ms / reference - 1.0
    bound = limit.amount_pct / 100.0
    status = PASS if high <= bound else FAIL if low > bound else INCONCLUSIVE
    return _result(limit, value, reference, low, high, status, f"median of {len(figures)} accepted earlier runs")


def _result(
    limit: DriftLimit,
    value: float | None,
    reference: float | None,
    low: float | None,
    high: float | None,
    status: str,
    why: str,
) -> DriftCheck:
    shown = f"{value:.1f} ms" if value is not None else "no value"
    if reference is None or low is None or high is None:
        line = f"{status} drift {limit.metric}: {shown} ({why}; limit +{limit.amount_pct:g}%)"
    else:
        change = value / reference - 1.0 if value is not None else 0.0
        line = (
            f"{status} drift {limit.metric}: {shown} vs {reference:.1f} ms, the {why} "
            f"({change * 100:+.1f}%, limit +{limit.amount_pct:g}%, 95% CI {low * 100:+.1f}%..{high * 100:+.1f}%)"
        )
    return DriftCheck(f"drift_{limit.metric}", "drift", limit.metric, f"+{limit.amount_pct:g}%", value, reference,
                      _round(low), _round(high), "ms", status, line)  # fmt: skip


def _round(value: float | None) -> float | None:
    return round(value, 6) if value is not None else None
