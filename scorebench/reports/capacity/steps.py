"""reports/capacity/steps.py: one capacity step's samples -> its statistics and its three-way judgement.

In: the step's samples (open model: `started_at` is each request's intended start, `latency_ms`
counts from it, so coordinated omission is already corrected by the engine) and the segments the
step ran (each segment: first intended start, planned length, offered rate). Out: `StepStats`
(-> step.json and the report's table and knee charts) and its status.
Rules (docs/capacity.md):
- the first `settle_s` of every segment is excluded: queues and connections settle first;
- requests that were due in the measured window but never sent (every connection slot busy) are
  counted as offered, with their latency's lower bound (window end - intended start);
- latency (the step's percentiles and its latency SLOs) is over the successful (`ok`) answers and
  those unsent requests: a fast failure is judged by the error SLOs, never as a fast answer;
- achieved throughput is the `ok` answers that *ended* in the measured window per second; the
  step is saturated when it falls short of the offered rate by more than SATURATION_SHORTFALL;
- any throttled answer (outcome `throttled`, or HTTP 429) means throttling has started;
- each SLO is decided three ways from a 95 % interval: PASS when the whole interval is within
  the limit, FAIL when wholly beyond, else INCONCLUSIVE (the search extends the step);
- the step's status: FAIL when saturated, throttled or any SLO FAILs; else INCONCLUSIVE when any
  user SLO is; else PASS. The always-on error guard (error_rate<1 %, when no error_rate SLO was
  given) only FAILs a step, it never holds one open: resolving 1 % takes ~370 requests.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence

import numpy as np

from scorebench.capacitysearch import FAIL, INCONCLUSIVE, PASS
from scorebench.reports.common.checks import Check
from scorebench.reports.common.slorules import StepSlo, judge_step

SATURATION_SHORTFALL = 0.05
"""Answers short of the offered count by more than this share (and SATURATION_SLACK requests) in the
measured window: throughput stopped following the offered rate. With constant arrivals a server
that keeps up answers what it is offered, give or take the requests in flight at the window's ends."""
SATURATION_SLACK = 2.0
THROTTLED_STATUS = 429
CHART_PERCENTILES = (("p50", 50.0), ("p90", 90.0), ("p95", 95.0), ("p99", 99.0))


@dataclasses.dataclass(frozen=True)
class Segment:
    """One load segment of a step (the first, then one per extension)."""

    t0_s: float
    """Epoch seconds of the segment's first intended start."""
    length_s: float
    """Planned length: requests / offered rate."""
    offered_rps: float


@dataclasses.dataclass(frozen=True)
class StepSamples:
    """A step's samples as arrays (one element per request)."""

    started_s: np.ndarray
    latency_ms: np.ndarray
    outcome: np.ndarray
    status: np.ndarray


@dataclasses.dataclass(frozen=True)
class StepStats:
    """A step, measured: step.json's `stats`, the report's table row and chart points."""

    offered_rps: float
    measured_s: float
    offered: int
    """Requests due in the measured window (sent or not)."""
    sent: int
    unsent: int
    ok: int
    errors: int
    throttled: int
    error_rate: float
    achieved_rps: float
    saturated: bool
    latency_ms: dict[str, float | None]
    """p50, p90, p95, p99 and max of the measured window's ok answers (and unsent requests, at their
    lower bound)."""
    status: str
    reasons: list[str]
    checks: list[Check]


def measure(samples: StepSamples, segments: Sequence[Segment], settle_s: float, slos: Sequence[StepSlo]) -> StepStats:
    """Measure and judge one step (see the module's rules)."""
    rate = segments[0].offered_rps
    keep, ended_in, offered, measured_s, lower_bounds = _windows(samples, segments, settle_s)
    outcome = samples.outcome[keep]
    latency = np.concatenate([samples.latency_ms[keep][outcome == "ok"], lower_bounds])
    sent = int(keep.sum())
    ok = int(np.count_nonzero(outcome == "ok"))
    throttled = int(np.count_nonzero((outcome == "throttled") | (samples.status[keep] == THROTTLED_STATUS)))
    achieved = int(np.count_nonzero(ended_in & (samples.outcome == "ok"))) / measured_s if measured_s > 0 else 0.0
    shortfall = (rate - achieved) * measured_s
    saturated = offered > 0 and shortfall > max(SATURATION_SHORTFALL * rate * measured_s, SATURATION_SLACK)
    model_errors = int(np.count_nonzero(outcome == "model_error"))
    checks = [judge_step(slo, latency, sent - ok, model_errors, sent) for slo in slos]
    status, reasons = _decide(checks, slos, saturated, throttled, achieved, rate)
    return StepStats(
        offered_rps=rate, measured_s=round(measured_s, 3), offered=offered, sent=sent, unsent=len(lower_bounds),
        ok=ok, errors=sent - ok, throttled=throttled, error_rate=(sent - ok) / sent if sent else 0.0,
        achieved_rps=round(achieved, 3), saturated=saturated, latency_ms=_percentiles(latency),
        status=status, reasons=reasons, checks=checks,
    )  # fmt: skip


def _windows(
    samples: StepSamples, segments: Sequence[Segment], settle_s: float
) -> tuple[np.ndarray, np.ndarray, int, float, np.ndarray]:
    """(requests intended in a measured window, requests that ended in one, offered count,
    measured seconds, latency lower bounds of the due-but-unsent requests)."""
    keep = np.zeros(len(samples.started_s), dtype=bool)
    ended_in = np.zeros(len(samples.started_s), dtype=bool)
    ends = samples.started_s + samples.latency_ms / 1000.0
    offered, measured_s = 0, 0.0
    bounds: list[float] = []
    for seg in segments:
        if seg.length_s <= settle_s:
            continue
        tolerance_s = 0.25 / seg.offered_rps  # a quarter interval: far above float jitter of epoch seconds
        offset = samples.started_s - seg.t0_s
        inside = (offset >= settle_s - tolerance_s) & (offset < seg.length_s - tolerance_s)
        keep |= inside
        start, stop = seg.t0_s + settle_s, seg.t0_s + seg.length_s
        ended_in |= (ends >= start) & (ends < stop)
        due = _intended_in(seg, settle_s)
        missing = max(0, len(due) - int(inside.sum()))
        bounds.extend((seg.length_s - due[len(due) - missing :]) * 1000.0)
        offered += len(due)
        measured_s += seg.length_s - settle_s
    return keep, ended_in, offered, measured_s, np.asarray(bounds, dtype="float64")


def _intended_in(seg: Segment, settle_s: float) -> np.ndarray:
    """Offsets from t0 (s) of the intended starts i/rate (i = 0, 1, ...) in [settle_s, length_s)."""
    first = math.ceil(settle_s * seg.offered_rps - 1e-6)
    last = math.ceil(seg.length_s * seg.offered_rps - 1e-6)
    offsets: np.ndarray = np.arange(max(first, 0), max(last, 0)) / seg.offered_rps
    return offsets


def _decide(
    checks: list[Check], slos: Sequence[StepSlo], saturated: bool, throttled: int, achieved: float, rate: float
) -> tuple[str, list[str]]:
    reasons = [check.line for check in checks if check.status == FAIL]
    if saturated:
        reasons.append(f"saturated: {achieved:.1f} req/s answered of {rate:g} offered")
    if throttled:
        reasons.append(f"throttled: {throttled} requests refused (429 / 503)")
    if reasons:
        return FAIL, reasons
    open_checks = [c.line for c, slo in zip(checks, slos, strict=True) if c.status == INCONCLUSIVE and slo.holds_open]
    if open_checks:
        return INCONCLUSIVE, open_checks
    return PASS, []


def _percentiles(latency_ms: np.ndarray) -> dict[str, float | None]:
    if len(latency_ms) == 0:
        return {name: None for name in (*(n for n, _ in CHART_PERCENTILES), "max")}
    values = np.percentile(latency_ms, [q for _, q in CHART_PERCENTILES])
    names = [name for name, _ in CHART_PERCENTILES]
    table: dict[str, float | None] = {name: round(float(v), 3) for name, v in zip(names, values, strict=True)}
    table["max"] = round(float(latency_ms.max()), 3)
    return table


__all__ = ["Segment", "StepSamples", "StepStats", "measure"]
