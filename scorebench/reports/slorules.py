"""reports/slorules.py: the capacity search's SLOs — parse `p95<300ms` / `error_rate<1%`, decide one on a step.

Rules (docs/capacity.md, and the checks of docs/reports.md):
- an SLO is `METRIC<LIMIT`: METRIC a latency percentile (p50, p90, p95, p99, p99.9, or max)
  with LIMIT in ms or s, or `error_rate` with LIMIT in % (or a fraction);
- a latency percentile's 95 % interval is distribution-free: the order statistics at the
  binomial(n, q) 2.5 % / 97.5 % ranks; a rank beyond the sample is unbounded, so a percentile the
  step cannot resolve yet stays INCONCLUSIVE instead of passing;
- an error rate's 95 % interval is Clopper-Pearson (exact binomial);
- PASS when the whole interval is below the limit, FAIL when it is wholly at or above it, else
  INCONCLUSIVE.
"""

from __future__ import annotations

import dataclasses
import math
import re

import numpy as np
from scipy import stats as sps

from scorebench.core.errors import HarnessError

PASS, FAIL, INCONCLUSIVE = "PASS", "FAIL", "INCONCLUSIVE"
CONFIDENCE = 0.95
DEFAULT_ERROR_SLO = "error_rate<1%"
_SLO = re.compile(r"^(?P<metric>p\d+(?:\.\d+)?|max|error_rate)\s*<\s*(?P<amount>\d+(?:\.\d+)?)\s*(?P<unit>ms|s|%)?$")
_LATENCY_UNITS = {"ms": 1.0, "s": 1000.0}


@dataclasses.dataclass(frozen=True)
class Slo:
    """One parsed SLO: `metric` below `limit` (ms for latency, a fraction for error_rate)."""

    text: str
    metric: str
    quantile: float | None
    """0..100 for a latency percentile (max = 100), None for error_rate."""
    limit: float
    unit: str
    """"ms" or "%"."""
    holds_open: bool = True
    """False for the always-on error guard: it can FAIL a step but never keeps one INCONCLUSIVE."""


@dataclasses.dataclass(frozen=True)
class StepCheck:
    """One SLO decided on one step (the fields of the project's Check record)."""

    name: str
    kind: str
    metric: str
    limit: float
    value: float | None
    reference: float | None
    low: float | None
    high: float | None
    unit: str
    status: str
    line: str


def parse_slo(text: str, where: str = "--slo") -> Slo:
    """`p95<300ms`, `p99<2s`, `error_rate<1%` -> Slo; HarnessError naming `where` otherwise."""
    match = _SLO.match(text.strip().lower())
    if not match:
        raise HarnessError(f"{where}: {text!r} is not an SLO (use e.g. p95<300ms, p99<2s, error_rate<1%)")
    metric, amount, unit = match["metric"], float(match["amount"]), match["unit"]
    if metric == "error_rate":
        if unit not in (None, "%"):
            raise HarnessError(f"{where}: {text!r}: an error rate is a percentage (e.g. error_rate<1%)")
        limit = amount / 100.0 if unit == "%" else amount
        if not 0 < limit < 1:
            raise HarnessError(f"{where}: {text!r}: the error-rate limit must be between 0 and 100 %")
        return Slo(f"error_rate<{limit * 100:g}%", metric, None, limit, "%")
    if unit not in _LATENCY_UNITS:
        raise HarnessError(f"{where}: {text!r}: a latency limit needs ms or s (e.g. p95<300ms)")
    quantile = 100.0 if metric == "max" else float(metric[1:])
    if not 0 < quantile <= 100 or amount <= 0:
        raise HarnessError(f"{where}: {text!r}: percentile between p0 and p100, limit above 0")
    return Slo(f"{metric}<{amount:g}{unit}", metric, quantile, amount * _LATENCY_UNITS[unit], "ms")


def with_error_guard(slos: list[Slo]) -> list[Slo]:
    """The user's SLOs plus the always-on error_rate<1 % guard when no error_rate SLO was given."""
    if any(slo.metric == "error_rate" for slo in slos):
        return slos
    return [*slos, dataclasses.replace(parse_slo(DEFAULT_ERROR_SLO), holds_open=False)]


def judge_slo(slo: Slo, latency_ms: np.ndarray, errors: int, requests: int) -> StepCheck:
    """Decide `slo` on one step's latencies (ms) or its error count out of `requests`."""
    if slo.quantile is None:
        value = errors / requests if requests else None
        low, high = rate_interval(errors, requests)
    else:
        value = float(np.percentile(latency_ms, slo.quantile)) if len(latency_ms) else None
        low, high = percentile_interval(latency_ms, slo.quantile)
    status = PASS if high < slo.limit else FAIL if low >= slo.limit else INCONCLUSIVE
    line = f"{status} {slo.text}: {_show(slo, value)} (95% interval {_show(slo, low)}..{_show(slo, high)})"
    return StepCheck(
        name=slo.text, kind="slo", metric=slo.metric, limit=slo.limit, value=value, reference=None,
        low=_finite(low), high=_finite(high), unit=slo.unit, status=status, line=line,
    )  # fmt: skip


def percentile_interval(values: np.ndarray, q: float) -> tuple[float, float]:
    """95 % distribution-free interval of the q-th percentile (0..100); unbounded ends as +-inf."""
    ordered = np.sort(np.asarray(values, dtype="float64"))
    n = len(ordered)
    if n == 0:
        return (-math.inf, math.inf)
    if q >= 100.0:
        return (float(ordered[-1]), math.inf)
    tail = (1.0 - CONFIDENCE) / 2.0
    low_rank = int(sps.binom.ppf(tail, n, q / 100.0))
    high_rank = int(sps.binom.ppf(1.0 - tail, n, q / 100.0)) + 1
    low = float(ordered[low_rank - 1]) if low_rank >= 1 else -math.inf
    high = float(ordered[high_rank - 1]) if high_rank <= n else math.inf
    return (low, high)


def rate_interval(events: int, trials: int) -> tuple[float, float]:
    """Clopper-Pearson 95 % interval of a proportion (0..1)."""
    if trials <= 0:
        return (0.0, 1.0)
    tail = (1.0 - CONFIDENCE) / 2.0
    low = 0.0 if events == 0 else float(sps.beta.ppf(tail, events, trials - events + 1))
    high = 1.0 if events == trials else float(sps.beta.ppf(1.0 - tail, events + 1, trials - events))
    return (low, high)


def _show(slo: Slo, value: float | None) -> str:
    if value is None or math.isnan(value):
        return "-"
    if math.isinf(value):
        return "unbounded"
    return f"{value * 100:.2f}%" if slo.unit == "%" else f"{value:.0f} ms"


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None
