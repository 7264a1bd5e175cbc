"""reports/slo.py: absolute service-level objectives, always on, with or without a baseline.

An SLO is parsed once from text (`parse_slo("p95<300ms")`) into a frozen `Slo`; `judge_slo`
decides it three ways (reports/checks.py `decide`) from a 95 % interval of this run's value
(reports/intervals.py): order statistics for percentiles, Clopper-Pearson for rates, the normal
interval for the mean and for requests per second. Grammar (spaces allowed, case-insensitive):

    p50|p90|p95|p99|p99.9|max|mean  <|<=  N ms|s
    error_rate | model_error_rate   <|<=  N%
    rps                             >|>=  N

Rules: latency SLOs (and `mean`) are over the successful (`ok`) answers only, and `rps` counts
successful answers per second: fast failures would make a service look faster, so failures are
judged by the error SLOs only; with no successful answer a latency SLO has nothing to measure
(INCONCLUSIVE, never PASS). `default_slos` adds `error_rate<1%` unless an error_rate SLO is given
(the timeout is its own check, reports/checks.py `timeout_check`); a run in which no request
succeeded fails whatever the SLOs say (`nothing_succeeded`). The parse is pure; configuration sources live in
scorebench/config.py.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Sequence

import numpy as np

from scorebench.core.errors import HarnessError
from scorebench.reports import intervals
from scorebench.reports.checks import FAIL, INCONCLUSIVE, LATENCY_METRICS, PASS, Check, decide, finite, resolve_hint

DEFAULT_SLOS = ("error_rate<1%",)
RATE_METRICS = ("error_rate", "model_error_rate")
SLO_METRICS = (*LATENCY_METRICS, "mean", *RATE_METRICS, "rps")
_ALIASES = {"p99.9": "p99_9", "median": "p50", "throughput": "rps", "errors": "error_rate"}
_SLO = re.compile(r"^(?P<metric>[a-z0-9_.]+)\s*(?P<op><=|>=|<|>)\s*(?P<amount>\d+(?:\.\d+)?)\s*(?P<unit>ms|s|%|rps)?$")
_UNIT_SCALE = {"ms": 1.0, "s": 1000.0, "%": 0.01, "rps": 1.0, None: 1.0}
EXAMPLE = "p95<300ms, p99.9<=2s, error_rate<1%, model_error_rate<0.5%, rps>=50"


@dataclasses.dataclass(frozen=True)
class Slo:
    """`metric op limit`: limit in ms (latency), as a fraction (rates) or in requests per second."""

    metric: str
    op: str
    limit: float
    text: str

    @property
    def upper(self) -> bool:
        return self.op.startswith("<")

    @property
    def unit(self) -> str:
        return "ms" if self.metric in LATENCY_METRICS or self.metric == "mean" else "%" if self.is_rate else "rps"

    @property
    def is_rate(self) -> bool:
        return self.metric in RATE_METRICS


@dataclasses.dataclass(frozen=True)
class SloEvidence:
    """What an SLO is judged on: the successful answers' exact latencies, outcome counts, per-second counts."""

    latency_ms: np.ndarray
    """The successful (`ok`) answers' latencies only."""
    count: int
    """Every request, failures included (the rates' denominator)."""
    errors: int
    model_errors: int
    requests_per_second: np.ndarray
    """Successful answers per second of the run."""


def parse_slo(text: str, where: str = "--slo") -> Slo:
    """`p95<300ms` → Slo; bad text is a one-line HarnessError naming where it came from."""
    cleaned = text.strip().lower()
    match = _SLO.match(cleaned)
    if not match:
        raise HarnessError(f"{where}: {text!r} is not an SLO (examples: {EXAMPLE})")
    metric = _ALIASES.get(match["metric"], match["metric"])
    unit = match["unit"]
    if metric not in SLO_METRICS:
        raise HarnessError(f"{where}: {text!r}: unknown metric {metric!r} (metrics: {', '.join(SLO_METRICS)})")
    wanted = (
        ("ms", "s")
        if metric in LATENCY_METRICS or metric == "mean"
        else ("%",)
        if metric in RATE_METRICS
        else ("rps", None)
    )
    if unit not in wanted or (metric == "rps") == match["op"].startswith("<"):
        how = {"rps": "rps >|>= N", "error_rate": "error_rate <|<= N%", "model_error_rate": "model_error_rate <|<= N%"}
        expected = how.get(metric, f"{metric} <|<= N ms|s")
        raise HarnessError(f"{where}: {text!r}: expected {expected}")
    return Slo(metric, match["op"], float(match["amount"]) * _UNIT_SCALE[unit], cleaned.replace(" ", ""))


def default_slos(given: Sequence[Slo]) -> list[Slo]:
    """The given SLOs plus each default whose metric none of them sets."""
    metrics = {slo.metric for slo in given}
    return [*given, *(s for s in map(parse_slo, DEFAULT_SLOS) if s.metric not in metrics)]


def evidence_interval(slo: Slo, ev: SloEvidence) -> tuple[float, float, float]:
    """(value, low, high) of the SLO's metric on this run; NaN value when there is nothing to measure."""
    if slo.metric in RATE_METRICS:
        events = ev.errors if slo.metric == "error_rate" else ev.model_errors
        low, high = intervals.rate_interval(events, ev.count)
        return (events / ev.count if ev.count else math.nan, low, high)
    if slo.metric == "rps":
        per_second = np.asarray(ev.requests_per_second, dtype="float64")
        low, high = intervals.mean_interval(per_second)
        return (float(per_second.mean()) if len(per_second) else math.nan, low, high)
    latency = np.asarray(ev.latency_ms, dtype="float64")
    if len(latency) == 0:
        return (math.nan, -math.inf, math.inf)
    if slo.metric == "mean":
        return (float(latency.mean()), *intervals.mean_interval(latency))
    q = LATENCY_METRICS[slo.metric]
    if q == 100.0:  # the maximum is observed, not estimated
        return (float(latency.max()), float(latency.max()), float(latency.max()))
    low, high = intervals.percentile_interval(latency, q)
    return (float(np.percentile(latency, q)), low, high)


def judge_slo(slo: Slo, ev: SloEvidence) -> Check:
    """One SLO decided three ways; the line names the value, the interval and the limit."""
    value, low, high = evidence_interval(slo, ev)
    if math.isnan(value):
        among = f"no successful answer among {ev.count} requests" if slo.unit == "ms" else f"{ev.count} requests"
        line = f"{INCONCLUSIVE} slo {slo.text}: nothing to measure ({among})"
        return _check(slo, INCONCLUSIVE, line, None, None, None)
    status = decide(low, high, slo.limit, slo.upper, inclusive=slo.op in ("<=", ">="))
    why = ""
    q = LATENCY_METRICS.get(slo.metric, 100.0)
    if q < 100.0 and not intervals.resolvable(len(ev.latency_ms), q):
        need = math.ceil(round(100 / (100 - q), 6))
        why = f"; too few samples to resolve {slo.metric} ({len(ev.latency_ms)}, need {need})"
        status = FAIL if status == FAIL else INCONCLUSIVE
    elif status == INCONCLUSIVE and q < 100.0 and not math.isfinite(high):
        why = f"; {len(ev.latency_ms)} requests cannot bound {slo.metric} from above: a run of at least " \
              f"{intervals.bounding_count(q)} can"  # fmt: skip
    elif status == INCONCLUSIVE:
        why = resolve_hint(value, low, high, slo.limit, ev.count)
    line = (
        f"{status} slo {slo.text}: {_show(slo, value)} "
        f"(95% CI {_show(slo, low)}..{_show(slo, high)}, limit {slo.op} {_show(slo, slo.limit)}){why}"
    )
    return _check(slo, status, line, value, low, high)


def nothing_succeeded(count: int, ok: int) -> Check | None:
    """A FAIL check when not one request was answered with a prediction (never a pass)."""
    if ok > 0:
        return None
    line = f"{FAIL} slo requests: none of {count} requests was answered with a prediction"
    return Check("any_ok", "slo", "ok", 1.0, float(ok), None, None, None, "requests", FAIL, line)


def judge_all(slos: Sequence[Slo], ev: SloEvidence, ok: int) -> list[Check]:
    """Every SLO's check, then the no-success guard when it applies."""
    checks = [judge_slo(slo, ev) for slo in slos]
    guard = nothing_succeeded(ev.count, ok)
    return [*checks, guard] if guard else checks


ALT_AGGREGATES = {"p50": "p50", "p90": "p90", "p95": "p95", "p99": "p99", "p99_9": "p999", "max": "max", "mean": "avg"}


def alt_criteria(slos: Sequence[Slo], timeout_s: float) -> list[str]:
    """Azure Load Testing `failureCriteria.clientMetrics` lines for the same SLOs and timeout.

    Azure Load Testing fails a test when a criterion is true and knows only `>` and `<`, so `p95<300ms`
    becomes `p95(response_time_ms) > 300`; it judges the point value (no interval), and it cannot
    tell a model error from other failures (the scenario marks every non-ok answer failed), so
    model_error_rate is folded into `percentage(error)` by the error_rate criterion."""
    lines = []
    for slo in slos:
        if slo.metric in ALT_AGGREGATES:
            lines.append(f"{ALT_AGGREGATES[slo.metric]}(response_time_ms) > {slo.limit:g}")
        elif slo.metric == "error_rate":
            lines.append(f"percentage(error) > {slo.limit * 100:g}")
        elif slo.metric == "rps":
            lines.append(f"avg(requests_per_sec) < {slo.limit:g}")
    lines.append(f"max(response_time_ms) > {timeout_s * 1000:g}")
    return lines


def _check(slo: Slo, status: str, line: str, value: float | None, low: float | None, high: float | None) -> Check:
    scale = 100.0 if slo.is_rate else 1.0
    shown = [None if v is None or finite(v) is None else round(v * scale, 4) for v in (value, low, high)]
    return Check(slo.text, "slo", slo.metric, round(slo.limit * scale, 6), shown[0], None, shown[1], shown[2],
                 slo.unit, status, line)  # fmt: skip


def _show(slo: Slo, value: float) -> str:
    if not math.isfinite(value):
        return "∞" if value > 0 else "-∞"
    if slo.is_rate:
        return f"{value * 100:.2f}%"
    if slo.metric == "rps":
        return f"{value:.2f} rps"
    return f"{value:.1f} ms"


__all__ = ["FAIL", "INCONCLUSIVE", "PASS", "Slo", "SloEvidence", "default_slos", "judge_slo", "parse_slo"]
