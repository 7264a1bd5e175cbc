"""reports/common/slo.py: absolute service-level objectives, always on, with or without a baseline.

An SLO is parsed once from text (`parse_slo("p95<300ms")`) into a frozen `Slo`; `judge_slo`
decides it three ways (reports/common/checks.py `decide`) from a 95 % interval of this run's value
(reports/common/intervals.py): order statistics for percentiles, Clopper-Pearson for rates, the normal
interval for the mean and for requests per second: each the metric's row in reports/common/metrics.py,
which also gives the grammar's metrics, aliases and units. Grammar (spaces allowed, case-insensitive):

    latency (p50, p95, p99.9, max, mean, ...)  <|<=  N ms|s
    error_rate | model_error_rate               <|<=  N%
    rps                                         >|>=  N

(every metric that takes an SLO, and its aliases: the table in reports/common/metrics.py)

Rules: latency SLOs (and `mean`) are over the successful (`ok`) answers only, and `rps` counts
successful answers per second: fast failures would make a service look faster, so failures are
judged by the error SLOs only; with no successful answer a latency SLO has nothing to measure
(INCONCLUSIVE, never PASS). `default_slos` adds `error_rate<1%` unless an error_rate SLO is given
(the timeout is its own check, reports/common/checks.py `timeout_check`); a run in which no request
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
from scorebench.reports.common import hints, intervals, metrics, projection, sequential
from scorebench.reports.common.checks import (
    FAIL,
    INCONCLUSIVE,
    PASS,
    Check,
    decide,
    finite,
    interval_label,
)
from scorebench.reports.common.metrics import DEFAULT_SLOS as DEFAULT_SLOS
from scorebench.reports.common.metrics import PERCENT, Metric, Observed
from scorebench.reports.common.sequential import ALPHA

SLO_METRICS = metrics.names(metrics.SLO)
_SLO = re.compile(r"^(?P<metric>[a-z0-9_.]+)\s*(?P<op><=|>=|<|>)\s*(?P<amount>\d+(?:\.\d+)?)\s*(?P<unit>ms|s|%|rps)?$")
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
    def measure(self) -> Metric:
        """The metric's row in the table (reports/common/metrics.py)."""
        return metrics.BY_NAME[self.metric]

    @property
    def unit(self) -> str:
        return self.measure.unit.name

    @property
    def is_rate(self) -> bool:
        return self.measure.unit is PERCENT


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

    def observed(self) -> Observed:
        """The run as the metrics table reads it (throughput: the mean of its seconds)."""
        per_second = np.asarray(self.requests_per_second, dtype="float64")
        return Observed(
            latency_ms=np.asarray(self.latency_ms, dtype="float64"), requests=self.count, errors=self.errors,
            model_errors=self.model_errors, per_second=per_second,
            answers_per_s=float(per_second.mean()) if len(per_second) else math.nan,
        )  # fmt: skip


def parse_slo(text: str, where: str = "--slo") -> Slo:
    """`p95<300ms` → Slo; bad text is a one-line HarnessError naming where it came from."""
    cleaned = text.strip().lower()
    match = _SLO.match(cleaned)
    if not match:
        raise HarnessError(f"{where}: {text!r} is not an SLO (examples: {EXAMPLE})")
    metric = metrics.find(match["metric"], metrics.SLO)
    if metric is None:
        unknown = metrics.canonical(match["metric"])
        raise HarnessError(f"{where}: {text!r}: unknown metric {unknown!r} (metrics: {', '.join(SLO_METRICS)})")
    scale = metric.unit.slo_suffixes.get(match["unit"])
    if scale is None or metric.lower_is_better != match["op"].startswith("<"):
        direction = "<|<=" if metric.lower_is_better else ">|>="
        raise HarnessError(f"{where}: {text!r}: expected {metric.name} {direction} N{metric.unit.slo_hint}")
    limit = float(match["amount"]) * scale
    meaningless = _meaningless(metric, match["op"], limit)
    if meaningless:
        raise HarnessError(f"{where}: {text!r}: {meaningless}")
    return Slo(metric.name, match["op"], limit, cleaned.replace(" ", ""))


def _meaningless(metric: Metric, op: str, limit: float) -> str | None:
    """Why a limit means nothing (a rate above 100 % or below 0 %, a latency of 0), else None."""
    if metric.unit is PERCENT:
        if limit > 1.0:
            return "a rate is between 0% and 100%"
        if limit == 0 and op == "<":
            return "no rate is below 0% (use <=0% for none at all)"
        return None
    if limit <= 0 and metric.lower_is_better:
        return f"{metric.name} is more than 0: the limit must be too"
    if not math.isfinite(limit):
        return "the limit is not a finite number"
    return None


def default_slos(given: Sequence[Slo]) -> list[Slo]:
    """The given SLOs plus each default whose metric none of them sets."""
    metrics = {slo.metric for slo in given}
    return [*given, *(s for s in map(parse_slo, DEFAULT_SLOS) if s.metric not in metrics)]


def evidence_interval(slo: Slo, ev: SloEvidence, anytime: bool = False) -> tuple[float, float, float]:
    """(value, low, high) of the SLO's metric on this run; NaN value when there is nothing to measure.
    `anytime`: the 95 % confidence sequence (reports/common/sequential.py) instead of the fixed-n interval."""
    observed = ev.observed()
    return (slo.measure.estimate(observed), *slo.measure.interval(observed, anytime))


def judge_slo(slo: Slo, ev: SloEvidence, anytime: bool = False) -> Check:
    """One SLO decided three ways; the line names the value, the interval and the limit (`anytime`:
    judged on the confidence sequence, valid however often the growing run is judged)."""
    value, low, high = evidence_interval(slo, ev, anytime)
    if math.isnan(value):
        among = f"no successful answer among {ev.count} requests" if slo.unit == "ms" else f"{ev.count} requests"
        line = f"{INCONCLUSIVE} slo {slo.text}: nothing to measure ({among})"
        return _check(slo, INCONCLUSIVE, line, None, None, None)
    status = decide(low, high, slo.limit, slo.upper, inclusive=slo.op in ("<=", ">="))
    why = ""
    q = slo.measure.percentile_q
    if q is not None and not intervals.resolvable(len(ev.latency_ms), q):
        need = intervals.resolving_count(q)
        why = f"; too few samples to resolve {slo.metric} ({len(ev.latency_ms)}, need {need})"
        status = FAIL if status == FAIL else INCONCLUSIVE
    elif status == INCONCLUSIVE and q is not None and not math.isfinite(high):
        why = f"; {len(ev.latency_ms)} requests cannot bound {slo.metric} from above: a run of at least " \
              f"{sequential.bounding_count(q) if anytime else intervals.bounding_count(q)} can"  # fmt: skip
    elif status == INCONCLUSIVE:
        observed = ev.observed()
        needed = projection.requests_for_limit(
            lambda n: slo.measure.interval_after(observed, n, ALPHA, anytime), value, slo.limit, ev.count
        )
        why = hints.hint(needed, ev.count)
    line = (
        f"{status} slo {slo.text}: {_show(slo, value)} "
        f"({interval_label(anytime)} {_show(slo, low)}..{_show(slo, high)}, "
        f"limit {slo.op} {_show(slo, slo.limit)}){why}"
    )
    return dataclasses.replace(_check(slo, status, line, value, low, high), method=slo.measure.method(anytime))


def nothing_succeeded(count: int, ok: int) -> Check | None:
    """A FAIL check when not one request was answered with a prediction (never a pass)."""
    if ok > 0:
        return None
    line = f"{FAIL} slo requests: none of {count} requests was answered with a prediction"
    return Check("any_ok", "slo", "ok", 1.0, float(ok), None, None, None, "requests", FAIL, line, metrics.OBSERVED)


def judge_all(slos: Sequence[Slo], ev: SloEvidence, ok: int, anytime: bool = False) -> list[Check]:
    """Every SLO's check, then the no-success guard when it applies."""
    checks = [judge_slo(slo, ev, anytime) for slo in slos]
    guard = nothing_succeeded(ev.count, ok)
    return [*checks, guard] if guard else checks


def alt_criteria(slos: Sequence[Slo], timeout_s: float) -> list[str]:
    """Azure Load Testing `failureCriteria.clientMetrics` lines for the same SLOs and timeout.

    Azure Load Testing fails a test when a criterion is true and knows only `>` and `<`, so `p95<300ms`
    becomes `p95(response_time_ms) > 300` (the table's `alt_criterion`); it judges the point value (no
    interval), and it cannot tell a model error from other failures (the scenario marks every non-ok
    answer failed), so model_error_rate (no criterion) is folded into `percentage(error)` by the
    error_rate criterion."""
    lines = [
        slo.measure.alt_criterion.format(
            limit=_alt_limit(slo.measure.alt_criterion, slo.limit * slo.measure.unit.display_scale)
        )
        for slo in slos
        if slo.measure.alt_criterion is not None
    ]
    lines.append(f"max(response_time_ms) > {_alt_limit('response_time_ms', timeout_s * 1000)}")
    return lines


def _alt_limit(criterion: str, value: float) -> str:
    """A criterion's number: whole milliseconds for response times (floored: `p95 < 300.5ms` fails in
    Azure Load Testing at p95 > 300, never later than here), else as given (`%g`)."""
    return str(math.floor(value + 1e-9)) if "response_time_ms" in criterion else f"{value:g}"


def _check(slo: Slo, status: str, line: str, value: float | None, low: float | None, high: float | None) -> Check:
    scale = slo.measure.unit.display_scale
    shown = [None if v is None or finite(v) is None else round(v * scale, 4) for v in (value, low, high)]
    return Check(slo.text, "slo", slo.metric, round(slo.limit * scale, 6), shown[0], None, shown[1], shown[2],
                 slo.unit, status, line)  # fmt: skip


def _show(slo: Slo, value: float) -> str:
    if not math.isfinite(value):
        return "∞" if value > 0 else "-∞"
    return slo.measure.unit.format(value)


__all__ = ["FAIL", "INCONCLUSIVE", "PASS", "Slo", "SloEvidence", "default_slos", "judge_slo", "parse_slo"]
