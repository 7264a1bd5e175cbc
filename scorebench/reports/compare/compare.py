"""reports/compare/compare.py: the candidate against the current deployment — the relative checks.

Pure statistics over two sides' frames (reports/common/frames.py). Rules (docs/compare.md):
- a relative limit reads like a baseline threshold (`p95:+10%`, `error_rate:+0.5pp`, `rps:-10%`):
  the candidate may be worse than the current by at most that much; each check's 95 % interval of
  the change comes from a bootstrap of each side (fixed seed, BOOTSTRAP_RESAMPLES resamples of at
  most BOOTSTRAP_MAX_SAMPLES latencies; rates from their Jeffreys posterior, as baseline checks)
  and decides three ways (reports/common/checks.py `decide`): PASS when the whole interval is within the
  limit, FAIL when it is wholly beyond, INCONCLUSIVE otherwise, with how much longer to run; a
  percentile a side's sample cannot resolve (p99 from under 100 requests) never passes;
- latency and throughput are of answers only (outcome ok): a failure is fast or slow for reasons
  of its own and is judged by the error rates, which count every request;
- throughput's interval resamples whole seconds of load; fewer than MIN_SECONDS cannot judge it.
Metrics (names, aliases, estimators, bootstraps) are the rows of reports/common/metrics.py; answer
agreement is reports/compare/agreement.py.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from scorebench.core.errors import HarnessError
from scorebench.reports.common import hints, intervals, metrics, sequential
from scorebench.reports.common.checks import (
    FAIL,
    INCONCLUSIVE,
    PASS,
    THRESHOLD,
    Check,
    ThresholdCheck,
    check_change,
    decide,
    floor_of,
    overall,
    resolve_overrides,
)
from scorebench.reports.common.metrics import DEFAULT_LIMITS as DEFAULT_LIMITS
from scorebench.reports.common.metrics import RPS, Observed
from scorebench.reports.common.sequential import ALPHA
from scorebench.reports.compare import paired

BOOTSTRAP_SEED = 20261130
MIN_SAMPLES = 30
MIN_SECONDS = 5
METRICS = metrics.names(metrics.CANDIDATE)
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
    payload_id: np.ndarray | None = None
    """Every request's payload (None: not known, no per-payload pairing)."""
    all_latency_ms: np.ndarray | None = None
    """Every request's latency, in the order of `outcome` (for the per-payload pairs)."""

    @classmethod
    def from_frame(cls, samples: pd.DataFrame, summary: dict[str, Any]) -> Side:
        outcome = samples["outcome"].astype("string").fillna("ok").to_numpy(dtype=object)
        every = samples["latency_ms"].to_numpy(dtype="float64")
        payload = samples["payload_id"].astype("string").fillna("").to_numpy(dtype=object) \
            if "payload_id" in samples else None  # fmt: skip
        return cls(every[outcome == "ok"], outcome, samples["started_s"].to_numpy(dtype="float64"), summary,
                   payload, every)  # fmt: skip

    def observed(self) -> Observed:
        """The side as the metrics table reads it (errors: every outcome but ok; throughput: answers/s)."""
        return Observed(
            latency_ms=self.latency_ms, requests=len(self.outcome),
            errors=float(np.count_nonzero(self.outcome != "ok")),
            model_errors=float(np.count_nonzero(self.outcome == "model_error")),
            per_second=_per_second(self), answers_per_s=answers_per_second(self.summary),
        )  # fmt: skip


def parse_limit(text: str) -> Limit:
    """`p95:+10%` → Limit; bad text is a one-line HarnessError naming the flag."""
    match = THRESHOLD.match(text.strip().lower())
    if not match:
        raise HarnessError(f"--threshold {text!r}: expected METRIC:+N%, METRIC:-N% or METRIC:+Npp (e.g. p95:+10%)")
    metric = metrics.find(match["metric"], metrics.CANDIDATE)
    if metric is None:
        raise HarnessError(f"--threshold {text!r}: unknown metric (metrics: {', '.join(METRICS)})")
    check_change(text, match["sign"], float(match["amount"]), match["unit"], "--threshold")
    return Limit(
        metric.name, match["sign"], float(match["amount"]), match["unit"], floor_of(f"--threshold {text}", match)
    )


def resolve_limits(overrides: Sequence[str] | None, anytime: bool = False) -> list[Limit]:
    """DEFAULT_LIMITS (anytime: UNTIL_DECIDED_LIMITS, with floors), each replaced by an override of
    the same metric (`METRIC:off` drops it)."""
    return resolve_overrides(metrics.UNTIL_DECIDED_LIMITS if anytime else DEFAULT_LIMITS, overrides, parse_limit)


def relative_checks(current: Side, candidate: Side, limits: Sequence[Limit], anytime: bool = False) -> list[Check]:
    """Each limit judged on candidate vs current (`anytime`: on confidence sequences, `relative_check`)."""
    return [relative_check(current, candidate, limit, anytime) for limit in limits]


def relative_check(current: Side, candidate: Side, limit: Limit, anytime: bool = False) -> Check:
    """One limit, decided three ways (reports/common/checks.py `decide`) from an interval of the change:
    a bootstrap of each side (fixed-length runs), or with `anytime` the box of both sides' 95 %
    confidence sequences at alpha/2 each (both sides grow: Bonferroni over the two sequences)."""
    judged = {name: _judged_count(limit, side) for name, side in (("current", current), ("candidate", candidate))}
    if min(judged.values()) < MIN_SAMPLES:
        what = "answered requests" if limit.measure.over_answers else "requests"
        counts = f"{judged['current']} current, {judged['candidate']} candidate; need {MIN_SAMPLES}"
        return _unjudged(limit, f"too few {what} ({counts})")
    if limit.measure.unit is RPS and min(_whole_seconds(current), _whole_seconds(candidate)) < MIN_SECONDS:
        return _unjudged(limit, f"under {MIN_SECONDS} whole seconds of load: run longer to judge throughput")
    pairs = _pairs(limit, current, candidate) if anytime else None
    if pairs is not None:
        return _paired_check(limit, candidate, *pairs)
    metric, now_seen, then_seen = limit.measure, candidate.observed(), current.observed()
    now, then = metric.estimate(now_seen), metric.estimate(then_seen)
    change = float(limit.change(np.array([now]), np.array([then]))[0])
    judged_point = float(limit.judged(np.array([now]), np.array([then]))[0])
    if anytime:
        low, high = hints.box_change(
            limit.judged, metric.bounds(now_seen, ALPHA / 2, True), metric.bounds(then_seen, ALPHA / 2, True)
        )
        method = f"{metric.method(True)} of each side, alpha split"
    else:
        low, high = metrics.change_interval(metric, limit.judged, (now_seen, now), (then_seen, then), BOOTSTRAP_SEED)
        method = "bootstrap"
    status = decide(low, high, limit.judged_bound, limit.sign == "+", inclusive=True)
    why = ""
    unresolved = _unresolved(limit, current, candidate)
    if status == PASS and unresolved:
        status, why = INCONCLUSIVE, f"; {unresolved}"
    elif status == INCONCLUSIVE:
        case = hints.ChangeCase(metric, limit.judged, (now_seen, then_seen), (now, then), anytime, True)
        why = hints.change_hint(case, limit.judged_bound, len(candidate.outcome))
    line = (
        f"{status} candidate {limit.metric}: {metric.unit.format(now)} vs current {metric.unit.format(then)} "
        f"{limit.describe(change, now - then, (low, high), anytime)}{why}"
    )
    scale = 1.0 if limit.judged_unit != "%" else 100.0
    value = judged_point if limit.floor_ms is not None else change
    shown = [round(v * scale, 4) if math.isfinite(v) else None for v in (value, low, high)]
    return Check(f"candidate {limit.text}", "candidate", limit.metric, round(limit.judged_bound * scale, 6), shown[0],
                 then, shown[1], shown[2], limit.judged_unit, status, line, method)  # fmt: skip


def _pairs(limit: Limit, current: Side, candidate: Side) -> tuple[np.ndarray, np.ndarray, float, str] | None:
    """The paired observations a relative limit of a mean is judged on (reports/compare/paired.py):
    (current, candidate, tuned_at, method), or None when the metric is not paired or too few pairs."""
    metric = limit.measure
    if limit.unit != "%" or limit.floor_ms is not None:
        return None
    if metric.unit is RPS:
        then, now = paired.second_pairs((current.started_s, current.outcome), (candidate.started_s, candidate.outcome))
        return (then, now, sequential.RPS_TUNED_AT, paired.PAIRED_SECOND) if len(now) >= MIN_SECONDS else None
    ids, latency = (current.payload_id, candidate.payload_id), (current.all_latency_ms, candidate.all_latency_ms)
    if not metric.over_answers or metric.quantile is not None:
        return None
    if ids[0] is None or ids[1] is None or latency[0] is None or latency[1] is None:
        return None
    then, now = paired.payload_pairs(
        (ids[0], current.started_s, latency[0], current.outcome),
        (ids[1], candidate.started_s, latency[1], candidate.outcome),
    )
    return (then, now, sequential.MEAN_TUNED_AT, paired.PAIRED_PAYLOAD) if len(now) >= paired.MIN_PAIRS else None


def _paired_check(limit: Limit, candidate: Side, then: np.ndarray, now: np.ndarray, tuned_at: float, method: str
                  ) -> Check:  # fmt: skip
    """A limit on a mean decided on the confidence sequence of its paired differences (one sequence,
    the full alpha): the change's interval is bound + the differences' interval / the current mean."""
    metric = limit.measure
    change, low, high, _ = paired.mean_change(then, now, limit.bound, tuned_at)
    status = decide(low, high, limit.bound, limit.sign == "+", inclusive=True)
    why = ""
    if status == INCONCLUSIVE:
        count = len(candidate.outcome)
        needed = paired.requests_to_decide(then, now, limit.bound, tuned_at, len(now) / max(count, 1), count)
        why = hints.hint(needed, count)
    line = (
        f"{status} candidate {limit.metric}: {metric.unit.format(float(now.mean()))} vs current "
        f"{metric.unit.format(float(then.mean()))} {limit.describe(change, 0.0, (low, high), True)}{why}"
    )
    shown = [round(v * 100.0, 4) if math.isfinite(v) else None for v in (change, low, high)]
    return Check(f"candidate {limit.text}", "candidate", limit.metric, round(limit.bound * 100.0, 6), shown[0],
                 float(then.mean()), shown[1], shown[2], "%", status, line, method)  # fmt: skip


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
        interval = f"{check.low:+.1f}{check.unit} … {check.high:+.1f}{check.unit}"  # the unit on both ends
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


def _judged_count(limit: Limit, side: Side) -> int:
    """What a metric is judged on: answered requests for latency, every request for the rates and throughput."""
    return len(side.latency_ms) if limit.measure.over_answers else len(side.outcome)


def _unresolved(limit: Limit, current: Side, candidate: Side) -> str:
    """Why a side's sample cannot resolve a latency percentile ("" when both can)."""
    q = limit.measure.percentile_q
    for name, side in (("current", current), ("candidate", candidate)):
        n = len(side.latency_ms)
        if q is not None and not intervals.resolvable(n, q):
            need = intervals.resolving_count(q)
            return f"too few samples to resolve {limit.metric} ({n} {name}, need {need})"
    return ""


def answers_per_second(summary: dict[str, Any]) -> float:
    """Throughput of answers: requests answered with a prediction (outcome ok) per second of the load."""
    window_s = float(summary.get("window_s") or 0.0)
    return int(summary["ok"]) / window_s if window_s > 0 else 0.0


def _per_second(side: Side) -> np.ndarray:
    """Answered requests started in each whole second of the side's load (the partial last second left out)."""
    known = ~np.isnan(side.started_s)
    started, ok = side.started_s[known], side.outcome[known] == "ok"
    if not len(started):
        return np.zeros(0)
    seconds = int(_whole_seconds(side))
    counts = np.bincount((started[ok] - started.min()).astype(np.int64), minlength=seconds + 1)
    return counts[:seconds].astype("float64")


def _whole_seconds(side: Side) -> float:
    started = side.started_s[~np.isnan(side.started_s)]
    return math.floor(float(started.max() - started.min())) if len(started) else 0.0


def _rate(summary: dict[str, Any], key: str) -> float:
    return float(metrics.BY_NAME[key].from_summary(summary) or 0.0)


def _rel(now: float | None, then: float | None) -> str:
    if now is None or then is None or then == 0:
        return ""
    return f"{(now / then - 1) * 100:+.1f}%"


__all__ = ["FAIL", "INCONCLUSIVE", "PASS", "Check", "Limit", "Side", "overall"]
