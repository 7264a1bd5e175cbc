"""reports/compare.py: the candidate against the current deployment — the relative checks.

Pure statistics over two sides' frames (reports/frames.py). Rules (docs/compare.md):
- a relative limit reads like a baseline threshold (`p95:+10%`, `error_rate:+0.5pp`, `rps:-10%`):
  the candidate may be worse than the current by at most that much; each check's 95 % interval of
  the change comes from a bootstrap of each side (fixed seed, BOOTSTRAP_RESAMPLES resamples of at
  most BOOTSTRAP_MAX_SAMPLES latencies; rates from their Jeffreys posterior, as baseline checks)
  and decides three ways (reports/checks.py `decide`): PASS when the whole interval is within the
  limit, FAIL when it is wholly beyond, INCONCLUSIVE otherwise, with how much longer to run; a
  percentile a side's sample cannot resolve (p99 from under 100 requests) never passes;
- latency and throughput are of answers only (outcome ok): a failure is fast or slow for reasons
  of its own and is judged by the error rates, which count every request;
- throughput's interval resamples whole seconds of load; fewer than MIN_SECONDS cannot judge it.
Answer agreement is reports/agreement.py.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from scorebench.core.errors import HarnessError
from scorebench.reports import intervals
from scorebench.reports.checks import (
    FAIL,
    INCONCLUSIVE,
    PASS,
    THRESHOLD,
    Check,
    ThresholdCheck,
    decide,
    overall,
    resolve_hint,
    resolve_overrides,
)

DEFAULT_LIMITS = ("p50:+10%", "p95:+10%", "p99:+15%", "error_rate:+0.5pp", "model_error_rate:+0.5pp", "rps:-10%")
"""What `compare` checks unless --threshold replaces a metric's limit (or drops it: `METRIC:off`)."""
BOOTSTRAP_RESAMPLES = 1000
BOOTSTRAP_MAX_SAMPLES = 4000
BOOTSTRAP_SEED = 20261130
MIN_SAMPLES = 30
MIN_SECONDS = 5
LATENCY_QS = {"p50": 50.0, "p90": 90.0, "p95": 95.0, "p99": 99.0, "mean": -1.0}
ERROR_OUTCOMES: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "error_rate": lambda outcome: outcome != "ok",
    "model_error_rate": lambda outcome: outcome == "model_error",
}
METRICS = (*LATENCY_QS, *ERROR_OUTCOMES, "rps")
Limit = ThresholdCheck
"""`metric` of the candidate may be worse than the current's by at most `amount` (% relative, pp
absolute): the baseline thresholds' record, judged here by `relative_check` on paired runs."""


@dataclasses.dataclass(frozen=True)
class Side:
    """What one side offers a comparison: its answers' latencies, every request's outcome and start
    time, and its summary dict (stats.Summary: `ok` and `window_s` give the answers per second)."""

    latency_ms: np.ndarray
    """Requests answered with a prediction (outcome ok) only."""
    outcome: np.ndarray
    started_s: np.ndarray
    summary: dict[str, Any]

    @classmethod
    def from_frame(cls, samples: pd.DataFrame, summary: dict[str, Any]) -> Side:
        outcome = samples["outcome"].astype("string").fillna("ok").to_numpy(dtype=object)
        latency = samples["latency_ms"].to_numpy(dtype="float64")[outcome == "ok"]
        return cls(latency, outcome, samples["started_s"].to_numpy(dtype="float64"), summary)


def parse_limit(text: str) -> Limit:
    """`p95:+10%` → Limit; bad text is a one-line HarnessError naming the flag."""
    match = THRESHOLD.match(text.strip().lower())
    if not match:
        raise HarnessError(f"--threshold {text!r}: expected METRIC:+N%, METRIC:-N% or METRIC:+Npp (e.g. p95:+10%)")
    if match["metric"] not in METRICS:
        raise HarnessError(f"--threshold {text!r}: unknown metric (metrics: {', '.join(METRICS)})")
    return Limit(match["metric"], match["sign"], float(match["amount"]), match["unit"])


def resolve_limits(overrides: Sequence[str] | None) -> list[Limit]:
    """DEFAULT_LIMITS, each replaced by an override of the same metric (`METRIC:off` drops it)."""
    return resolve_overrides(DEFAULT_LIMITS, overrides, parse_limit)


def relative_checks(current: Side, candidate: Side, limits: Sequence[Limit]) -> list[Check]:
    """Each limit judged on candidate vs current."""
    return [relative_check(current, candidate, limit) for limit in limits]


def relative_check(current: Side, candidate: Side, limit: Limit) -> Check:
    """One limit, decided three ways (reports/checks.py `decide`) from a bootstrap interval of the change."""
    judged = {
        name: _judged_count(limit.metric, side) for name, side in (("current", current), ("candidate", candidate))
    }
    if min(judged.values()) < MIN_SAMPLES:
        what = "answered requests" if limit.metric in LATENCY_QS else "requests"
        counts = f"{judged['current']} current, {judged['candidate']} candidate; need {MIN_SAMPLES}"
        return _unjudged(limit, f"too few {what} ({counts})")
    if limit.metric == "rps" and min(_whole_seconds(current), _whole_seconds(candidate)) < MIN_SECONDS:
        return _unjudged(limit, f"under {MIN_SECONDS} whole seconds of load: run longer to judge throughput")
    now, then = _point(limit.metric, candidate), _point(limit.metric, current)
    change = float(_change(limit, np.array([now]), np.array([then]))[0])
    boots = _change(limit, _resample(limit.metric, candidate, 1), _resample(limit.metric, current, 2))
    low, high = (float(v) for v in np.percentile(boots, [2.5, 97.5]))
    bound = (limit.amount / 100.0 if limit.unit == "%" else limit.amount) * (1 if limit.sign == "+" else -1)
    status = decide(low, high, bound, limit.sign == "+", inclusive=True)
    why = ""
    unresolved = _unresolved(limit.metric, current, candidate)
    if status == PASS and unresolved:
        status, why = INCONCLUSIVE, f"; {unresolved}"
    elif status == INCONCLUSIVE:
        why = resolve_hint(change, low, high, bound, judged["candidate"])
    line = (
        f"{status} candidate {limit.metric}: {_fmt(limit.metric, now)} vs current {_fmt(limit.metric, then)} "
        f"({_show(limit, change)}, limit {_signed(limit)}, 95% CI {_show(limit, low)}..{_show(limit, high)}){why}"
    )
    scale = 1.0 if limit.unit == "pp" else 100.0
    shown = [round(v * scale, 4) if math.isfinite(v) else None for v in (change, low, high)]
    unit = "pp" if limit.unit == "pp" else "%"
    return Check(f"candidate {limit.text}", "candidate", limit.metric, round(bound * scale, 6), shown[0], then,
                 shown[1], shown[2], unit, status, line)  # fmt: skip


def delta_rows(
    current: dict[str, Any], candidate: dict[str, Any], checked: Sequence[Check] = ()
) -> list[dict[str, Any]]:
    """The side-by-side table: metric, current, candidate, change (relative %, or pp for rates), and
    the 95 % interval of the change and its status where a candidate check judged that metric.
    Latency and throughput are of answered requests (outcome ok), as the checks judge them."""
    judged = {c.metric: c for c in checked if c.kind == "candidate"}
    rows = []
    for key in ("p50", "p90", "p95", "p99", "mean", "max"):
        now, then = _answered_latency(candidate).get(key), _answered_latency(current).get(key)
        rows.append(_row(f"latency {key} (ms)", then, now, _rel(now, then), judged.get(key)))
    for key, label in (("error_rate", "error rate"), ("model_error_rate", "model error rate")):
        now, then = _rate(candidate, key), _rate(current, key)
        rows.append(_row(f"{label} (%)", then * 100, now * 100, f"{(now - then) * 100:+.2f}pp", judged.get(key)))
    now, then = answers_per_second(candidate), answers_per_second(current)
    rows.append(_row("throughput (answers/s)", then, now, _rel(now, then), judged.get("rps")))
    rows.append(_row("requests", current["count"], candidate["count"], "", None))
    return rows


def _answered_latency(summary: dict[str, Any]) -> dict[str, Any]:
    """The latency statistics of answered requests (stats.Summary `ok_latency_ms`)."""
    found: dict[str, Any] = summary.get("ok_latency_ms") or summary["latency_ms"]
    return found


def _row(metric: str, then: float | None, now: float | None, change: str, check: Check | None) -> dict[str, Any]:
    interval, status = "", ""
    if check is not None and check.low is not None and check.high is not None:
        interval = f"{check.low:+.1f} .. {check.high:+.1f} {check.unit}"
    if check is not None:
        status = check.status
    return {"metric": metric, "current": then, "candidate": now, "change": change, "interval": interval,
            "status": status}  # fmt: skip


def _signed(limit: Limit) -> str:
    return f"{limit.sign}{limit.amount:g}{limit.unit}"


def _unjudged(limit: Limit, why: str) -> Check:
    unit = "pp" if limit.unit == "pp" else "%"
    line = f"{INCONCLUSIVE} candidate {limit.metric}: {why} (limit {_signed(limit)})"
    signed = limit.amount if limit.sign == "+" else -limit.amount
    name = f"candidate {limit.text}"
    return Check(name, "candidate", limit.metric, signed, None, None, None, None, unit, INCONCLUSIVE, line)


def _judged_count(metric: str, side: Side) -> int:
    """What a metric is judged on: answered requests for latency, every request for the rates and throughput."""
    return len(side.latency_ms) if metric in LATENCY_QS else len(side.outcome)


def _unresolved(metric: str, current: Side, candidate: Side) -> str:
    """Why a side's sample cannot resolve a latency percentile ("" when both can)."""
    q = LATENCY_QS.get(metric, -1.0)
    for name, side in (("current", current), ("candidate", candidate)):
        n = len(side.latency_ms)
        if q > 0 and not intervals.resolvable(n, q):
            return f"too few samples to resolve {metric} ({n} {name}, need {math.ceil(100 / (100 - q))})"
    return ""


def _point(metric: str, side: Side) -> float:
    if metric in ERROR_OUTCOMES:
        return float(np.mean(ERROR_OUTCOMES[metric](side.outcome)))
    if metric == "rps":
        return answers_per_second(side.summary)
    if metric == "mean":
        return float(np.mean(side.latency_ms))
    return float(np.percentile(side.latency_ms, LATENCY_QS[metric]))


def _resample(metric: str, side: Side, stream: int) -> np.ndarray:
    """BOOTSTRAP_RESAMPLES values of the metric over resamples of one side (fixed seed per side)."""
    rng = np.random.default_rng([BOOTSTRAP_SEED, stream])
    if metric in ERROR_OUTCOMES:  # Jeffreys posterior, as baseline checks: 0 errors in n is not a known 0
        count = len(side.outcome)
        events = float(np.count_nonzero(ERROR_OUTCOMES[metric](side.outcome)))
        result: np.ndarray = rng.beta(events + 0.5, count - events + 0.5, BOOTSTRAP_RESAMPLES)
        return result
    if metric == "rps":
        per_second = _per_second(side)
        means = rng.choice(per_second, (BOOTSTRAP_RESAMPLES, len(per_second))).mean(axis=1)
        scaled: np.ndarray = means * (_point("rps", side) / max(per_second.mean(), 1e-12))
        return scaled
    sample = side.latency_ms
    if len(sample) > BOOTSTRAP_MAX_SAMPLES:
        sample = rng.choice(sample, BOOTSTRAP_MAX_SAMPLES, replace=False)
    drawn = rng.choice(sample, (BOOTSTRAP_RESAMPLES, len(sample)))
    if metric == "mean":
        mean: np.ndarray = drawn.mean(axis=1)
        return mean
    percentiles: np.ndarray = np.percentile(drawn, LATENCY_QS[metric], axis=1)
    return percentiles


def answers_per_second(summary: dict[str, Any]) -> float:
    """Throughput of answers: requests answered with a prediction (outcome ok) per second of the load."""
    window_s = float(summary.get("window_s") or 0.0)
    return int(summary["ok"]) / window_s if window_s > 0 else 0.0


def _per_second(side: Side) -> np.ndarray:
    """Answered requests started in each whole second of the side's load (the partial last second left out)."""
    known = ~np.isnan(side.started_s)
    started, ok = side.started_s[known], side.outcome[known] == "ok"
    seconds = int(_whole_seconds(side))
    counts = np.bincount((started[ok] - started.min()).astype(np.int64), minlength=seconds + 1)
    return counts[:seconds].astype("float64")


def _whole_seconds(side: Side) -> float:
    started = side.started_s[~np.isnan(side.started_s)]
    return math.floor(float(started.max() - started.min())) if len(started) else 0.0


def _change(limit: Limit, now: np.ndarray, then: np.ndarray) -> np.ndarray:
    if limit.unit == "pp":
        diff: np.ndarray = (now - then) * 100.0
        return diff
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio: np.ndarray = np.where(then != 0, now / then - 1.0, np.where(now == then, 0.0, np.inf))
    return ratio


def _rate(summary: dict[str, Any], key: str) -> float:
    if key == "error_rate":
        return float(summary["error_rate"])
    count = max(int(summary["count"]), 1)
    return int(summary["outcomes"].get("model_error", 0)) / count


def _rel(now: float | None, then: float | None) -> str:
    if now is None or then is None or then == 0:
        return ""
    return f"{(now / then - 1) * 100:+.1f}%"


def _show(limit: Limit, change: float) -> str:
    if limit.unit == "pp":
        return f"{change:+.2f}pp"
    return "+inf%" if math.isinf(change) else f"{change * 100:+.1f}%"


def _fmt(metric: str, value: float) -> str:
    if metric in ERROR_OUTCOMES:
        return f"{value * 100:.2f}%"
    if metric == "rps":
        return f"{value:.2f} rps"
    return f"{value:.1f} ms"


__all__ = ["FAIL", "INCONCLUSIVE", "PASS", "Check", "Limit", "Side", "overall"]
