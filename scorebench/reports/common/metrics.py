"""reports/common/metrics.py: the one table of metrics every check is built from (docs/architecture.md, "Checks").

Each metric is declared once, as a frozen `Metric` row of `TABLE`: its name and aliases, unit,
direction, the checks that take it, how to read its point value from a summary, its estimator
over one side's observations (`Observed`), its 95 % interval (reports/common/intervals.py) and its
bootstrap (for the change against a baseline or a current deployment, `change_interval`).
SLOs (reports/common/slo.py), baseline thresholds (reports/common/checks.py), compare limits
(reports/compare/compare.py) and agreement (reports/compare/agreement.py) look metrics up here; none of them
branches on a metric's name. The default checks are declared here too (DEFAULT_*).
Rules: latency metrics (unit ms) are over the successful (`ok`) answers only, and `rps` is
successful answers per second: failures are judged by the rates, which count every request.
Adding a metric is one row (a family constructor below) and its test (tests/reports/common/test_metrics.py).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from scorebench.reports.common import intervals, projection, sequential
from scorebench.reports.common.sequential import ALPHA

SLO, BASELINE, CANDIDATE, AGREEMENT_KIND = "slo", "baseline", "candidate", "agreement"
"""The checks a metric can be named in (Check.kind)."""
BOOTSTRAP_RESAMPLES = 1000
BOOTSTRAP_MAX_SAMPLES = 4000
"""A bootstrap draws BOOTSTRAP_RESAMPLES resamples of at most this many latencies per side."""
ORDER_STATISTICS, CLOPPER_PEARSON, NORMAL, OBSERVED = "order statistics", "Clopper-Pearson", "normal", "observed"
HOWARD_RAMDAS = "confidence sequence (Howard-Ramdas)"
BETA_BINOMIAL = "confidence sequence (beta-binomial mixture)"
ASYMPTOTIC_CS = "asymptotic confidence sequence (Waudby-Smith et al.)"


@dataclasses.dataclass(frozen=True)
class Unit:
    """How a metric's values are written: stored in `name` units (ms, a fraction, rps), shown scaled."""

    name: str
    """Check.unit: ms, %, rps."""
    display_scale: float
    """Shown value = stored value times this (a fraction 0.01 is shown as 1 %)."""
    digits: int
    suffix: str
    """What follows the shown number: ` ms`, `%`, ` rps`."""
    slo_suffixes: Mapping[str | None, float]
    """The SLO grammar's amount suffixes and what each multiplies the amount by (`2s` → 2000 ms)."""
    slo_hint: str
    """The amount's form in an SLO error message (`p95 <|<= N ms|s`)."""

    def format(self, value: float) -> str:
        """`109.0 ms`, `1.00%`, `10.01 rps`."""
        return f"{value * self.display_scale:.{self.digits}f}{self.suffix}"


MS = Unit("ms", 1.0, 1, " ms", {"ms": 1.0, "s": 1000.0}, " ms|s")
PERCENT = Unit("%", 100.0, 2, "%", {"%": 0.01}, "%")
RPS = Unit("rps", 1.0, 2, " rps", {"rps": 1.0, None: 1.0}, "")


@dataclasses.dataclass(frozen=True)
class Observed:
    """One side's observations, whatever produced them (a run's samples, a baseline, a capacity step)."""

    latency_ms: np.ndarray = dataclasses.field(default_factory=lambda: np.zeros(0))
    """The successful (`ok`) answers' latencies only (a baseline: its stored sample of them)."""
    requests: int = 0
    """Every request, failures included: the rates' denominator (agreement: distinct payloads compared)."""
    errors: float = 0.0
    """Requests whose outcome is not `ok`."""
    model_errors: float = 0.0
    """Requests whose outcome is `model_error`."""
    agreeing: float = 0.0
    """Distinct payloads both sides answered alike (agreement only)."""
    per_second: np.ndarray = dataclasses.field(default_factory=lambda: np.zeros(0))
    """Successful answers in each second of the load."""
    answers_per_s: float = math.nan
    """The throughput's point value: successful answers per second (NaN: not measured)."""


Estimator = Callable[[Observed], float]
Bounds = Callable[[Observed, float, bool], tuple[float, float]]
Projected = Callable[[Observed, float, float, bool], tuple[float, float]]
"""(observed, error alpha, anytime) → the (1-alpha) interval: fixed-n (anytime False) or the confidence
sequence (reports/common/sequential.py), valid however often the run is looked at."""
Resampler = Callable[[Observed, float, np.random.Generator], np.ndarray]
"""(observed, its point value, generator) → BOOTSTRAP_RESAMPLES values of the metric."""
SummaryReader = Callable[[Mapping[str, Any]], float | None]
"""A summary.json dict → the metric's value; KeyError when the summary predates the metric."""


@dataclasses.dataclass(frozen=True)
class Metric:
    """One row of the table."""

    name: str
    """As written in checks and summary.json (`p99_9`)."""
    unit: Unit
    lower_is_better: bool
    checks: frozenset[str]
    """Which checks take it: SLO, BASELINE, CANDIDATE, AGREEMENT_KIND."""
    from_summary: SummaryReader
    estimate: Estimator
    """Point value over observations; NaN when there is nothing to measure."""
    bounds: Bounds
    """The (1-alpha) interval of the estimate over one side's observations, fixed-n or anytime."""
    methods: tuple[str, str]
    """What `bounds` is, fixed-n and anytime (Check.method): `order statistics`, `Clopper-Pearson`, ..."""
    projected: Projected
    """(observed, n, alpha, anytime) → `bounds` after n of what it counts (answers, requests or seconds)
    shaped like the observations (reports/common/projection.py): the hint's and the sizing's interval."""
    per_request: Callable[[Observed], float]
    """What it counts per request: the share answered (latency), 1 (rates), seconds per request (rps)."""
    resample: Resampler
    aliases: tuple[str, ...] = ()
    quantile: float | None = None
    """0..100 for an order statistic of the latencies (max = 100), else None."""
    alt_criterion: str | None = None
    """Azure Load Testing failure criterion; `{limit}` is the SLO's limit as shown (ms, %, rps)."""

    def interval(self, observed: Observed, anytime: bool = False) -> tuple[float, float]:
        """The 95 % interval (anytime: the 95 % confidence sequence) over one side's observations."""
        return self.bounds(observed, ALPHA, anytime)

    def interval_after(self, observed: Observed, requests: int, alpha: float, anytime: bool) -> tuple[float, float]:
        """The interval after `requests` requests shaped like `observed` (projection.py)."""
        return self.projected(observed, requests * self.per_request(observed), alpha, anytime)

    def method(self, anytime: bool) -> str:
        """The interval's name, for Check.method."""
        return self.methods[1] if anytime else self.methods[0]

    @property
    def percentile_q(self) -> float | None:
        """q of a percentile proper (a sample may be too small to resolve it), None for max and the rest."""
        return self.quantile if self.quantile is not None and self.quantile < 100.0 else None

    @property
    def over_answers(self) -> bool:
        """Judged on the successful answers' latencies (else on every request, or per second)."""
        return self.unit is MS

    def point(self, summary: Mapping[str, Any], observed: Observed) -> float | None:
        """The summary's figure, or the estimate over `observed` when the summary predates the metric."""
        try:
            return self.from_summary(summary)
        except KeyError:
            value = self.estimate(observed)
            return None if math.isnan(value) else value


def _latency_key(name: str) -> SummaryReader:
    return lambda summary: summary["latency_ms"][name]


def _bootstrap_latency(statistic: Callable[[np.ndarray], np.ndarray]) -> Resampler:
    """Resample the latencies (a random subset of at most BOOTSTRAP_MAX_SAMPLES: a sorted sample's head
    would be its fastest) and take `statistic` of each resample (rows)."""

    def resample(observed: Observed, point: float, rng: np.random.Generator) -> np.ndarray:
        sample = observed.latency_ms
        if len(sample) > BOOTSTRAP_MAX_SAMPLES:
            sample = rng.choice(sample, BOOTSTRAP_MAX_SAMPLES, replace=False)
        if len(sample) == 0:
            return np.full(BOOTSTRAP_RESAMPLES, point or 0.0)
        return statistic(rng.choice(sample, (BOOTSTRAP_RESAMPLES, len(sample))))

    return resample


def _answered_share(observed: Observed) -> float:
    """Successful answers per request (what latency metrics count)."""
    return 1.0 - observed.errors / observed.requests if observed.requests else 1.0


def _of_latency(statistic: Callable[[np.ndarray], float]) -> Estimator:
    return lambda ob: statistic(ob.latency_ms) if len(ob.latency_ms) else math.nan


def _percentile(name: str, q: float, *aliases: str, checks: Sequence[str], alt: str | None = None) -> Metric:
    """An order statistic of the latencies: exact order-statistic interval (distribution-free)."""
    return Metric(
        name, MS, True, frozenset(checks), _latency_key(name),
        estimate=_of_latency(lambda v: float(np.percentile(v, q))),
        bounds=lambda ob, alpha, anytime: (
            sequential.percentile_sequence(ob.latency_ms, q, alpha) if anytime
            else intervals.percentile_interval(ob.latency_ms, q, confidence=1.0 - alpha)
        ),
        methods=(ORDER_STATISTICS, HOWARD_RAMDAS),
        projected=lambda ob, n, alpha, anytime: projection.percentile_at(ob.latency_ms, q, n, alpha, anytime),
        per_request=_answered_share,
        resample=_bootstrap_latency(lambda drawn: np.percentile(drawn, q, axis=1)),
        aliases=aliases, quantile=q, alt_criterion=alt,
    )  # fmt: skip


def _maximum(checks: Sequence[str], alt: str) -> Metric:
    """The slowest answer: observed, not estimated (its interval is the point)."""
    return Metric(
        "max", MS, True, frozenset(checks), _latency_key("max"),
        estimate=_of_latency(lambda v: float(v.max())),
        bounds=lambda ob, alpha, anytime: (
            (float(ob.latency_ms.max()),) * 2 if len(ob.latency_ms) else (-math.inf, math.inf)
        ),
        methods=(OBSERVED, OBSERVED),
        projected=lambda ob, n, alpha, anytime: projection.percentile_at(ob.latency_ms, 100.0, n, alpha, anytime),
        per_request=_answered_share,
        resample=_bootstrap_latency(lambda drawn: drawn.max(axis=1)),
        quantile=100.0, alt_criterion=alt,
    )  # fmt: skip


def _mean_bounds(values: np.ndarray, alpha: float, anytime: bool, tuned_at: float) -> tuple[float, float]:
    if anytime:
        return sequential.mean_sequence(values, alpha, tuned_at)
    return intervals.mean_interval(values, confidence=1.0 - alpha)


def _mean(checks: Sequence[str], alt: str) -> Metric:
    """The mean latency: normal interval, mean ± 1.96·s/√n."""
    return Metric(
        "mean", MS, True, frozenset(checks), _latency_key("mean"),
        estimate=_of_latency(lambda v: float(v.mean())),
        bounds=lambda ob, alpha, anytime: _mean_bounds(ob.latency_ms, alpha, anytime, sequential.MEAN_TUNED_AT),
        methods=(NORMAL, ASYMPTOTIC_CS),
        projected=lambda ob, n, alpha, anytime: projection.mean_at(ob.latency_ms, n, alpha, anytime),
        per_request=_answered_share,
        resample=_bootstrap_latency(lambda drawn: drawn.mean(axis=1)),
        alt_criterion=alt,
    )  # fmt: skip


def _rate(
    name: str,
    events: Callable[[Observed], float],
    from_summary: SummaryReader,
    *aliases: str,
    checks: Sequence[str],
    lower_is_better: bool = True,
    alt: str | None = None,
) -> Metric:
    """A share of requests: Clopper-Pearson interval; bootstrap from the Jeffreys posterior
    (0 events in n is not a rate known to be 0)."""

    def resample(observed: Observed, point: float, rng: np.random.Generator) -> np.ndarray:
        count = max(observed.requests, 1)
        hits = events(observed)
        drawn: np.ndarray = rng.beta(hits + 0.5, count - hits + 0.5, BOOTSTRAP_RESAMPLES)
        return drawn

    return Metric(
        name, PERCENT, lower_is_better, frozenset(checks), from_summary,
        estimate=lambda ob: events(ob) / ob.requests if ob.requests else math.nan,
        bounds=lambda ob, alpha, anytime: (
            sequential.rate_bounds(events(ob), ob.requests, alpha) if anytime
            else intervals.rate_interval(int(events(ob)), ob.requests, confidence=1.0 - alpha)
        ),
        methods=(CLOPPER_PEARSON, BETA_BINOMIAL),
        projected=lambda ob, n, alpha, anytime: projection.rate_at(
            events(ob) / ob.requests if ob.requests else 0.0, n, alpha, anytime
        ),
        per_request=lambda ob: 1.0,
        resample=resample, aliases=aliases, alt_criterion=alt,
    )  # fmt: skip


def _resample_seconds(observed: Observed, point: float, rng: np.random.Generator) -> np.ndarray:
    """Resample whole seconds of load, scaled so that their mean is the point value."""
    per_second = observed.per_second
    means = rng.choice(per_second, (BOOTSTRAP_RESAMPLES, len(per_second))).mean(axis=1)
    scaled: np.ndarray = means * (point / max(per_second.mean(), 1e-12))
    return scaled


def _throughput(checks: Sequence[str], alt: str) -> Metric:
    """Successful answers per second: mean interval over the seconds of the run."""
    return Metric(
        "rps", RPS, False, frozenset(checks), lambda summary: summary["throughput_rps"],
        estimate=lambda ob: ob.answers_per_s,
        bounds=lambda ob, alpha, anytime: _mean_bounds(ob.per_second, alpha, anytime, sequential.RPS_TUNED_AT),
        methods=(f"{NORMAL} over seconds", f"{ASYMPTOTIC_CS} over seconds"),
        projected=lambda ob, n, alpha, anytime: projection.mean_at(
            ob.per_second, n, alpha, anytime, sequential.RPS_TUNED_AT
        ),
        per_request=lambda ob: _answered_share(ob) / ob.answers_per_s if ob.answers_per_s > 0 else 0.0,
        resample=_resample_seconds, aliases=("throughput",), alt_criterion=alt,
    )  # fmt: skip


def _model_error_rate(summary: Mapping[str, Any]) -> float:
    return int(summary["outcomes"].get("model_error", 0)) / max(int(summary["count"]), 1)


def _no_summary_figure(summary: Mapping[str, Any]) -> float | None:
    return None


ALL = (SLO, BASELINE, CANDIDATE)
ABSOLUTE = (SLO, BASELINE)
"""Not compared between two live deployments (max is one sample; p99.9 needs thousands per side)."""

TABLE: tuple[Metric, ...] = (
    _percentile("p50", 50.0, "median", checks=ALL, alt="p50(response_time_ms) > {limit}"),
    _percentile("p75", 75.0, checks=ALL, alt="p75(response_time_ms) > {limit}"),
    _percentile("p90", 90.0, checks=ALL, alt="p90(response_time_ms) > {limit}"),
    _percentile("p95", 95.0, checks=ALL, alt="p95(response_time_ms) > {limit}"),
    _percentile("p99", 99.0, checks=ALL, alt="p99(response_time_ms) > {limit}"),
    _percentile("p99_9", 99.9, "p99.9", checks=ABSOLUTE, alt="p999(response_time_ms) > {limit}"),
    _maximum(checks=ABSOLUTE, alt="max(response_time_ms) > {limit}"),
    _mean(checks=ALL, alt="avg(response_time_ms) > {limit}"),
    _rate("error_rate", lambda ob: ob.errors, lambda summary: summary["error_rate"], "errors", checks=ALL,
          alt="percentage(error) > {limit}"),
    _rate("model_error_rate", lambda ob: ob.model_errors, _model_error_rate, checks=(SLO, CANDIDATE)),
    _throughput(checks=ALL, alt="avg(requests_per_sec) < {limit}"),
    _rate("agreement", lambda ob: ob.agreeing, _no_summary_figure, checks=(AGREEMENT_KIND,), lower_is_better=False),
)  # fmt: skip
BY_NAME = {metric.name: metric for metric in TABLE}
_CANONICAL = {alias: metric.name for metric in TABLE for alias in metric.aliases}

DEFAULT_SLOS = ("error_rate<1%",)
"""Always judged unless an SLO on the same metric is given (reports/common/slo.py)."""
DEFAULT_THRESHOLDS = ("p95:+10%", "p99:+15%", "error_rate:+0.5pp", "rps:-10%")
"""A baseline check's limits unless --threshold replaces one (reports/common/checks.py)."""
DEFAULT_LIMITS = ("p50:+10%", "p95:+10%", "p99:+15%", "error_rate:+0.5pp", "model_error_rate:+0.5pp", "rps:-10%")
"""What `compare` checks unless --threshold replaces a metric's limit (reports/compare/compare.py)."""
UNTIL_DECIDED_THRESHOLDS = ("p95:+10%,5ms", "p99:+15%,10ms", "error_rate:+0.5pp", "rps:-10%")
"""The baseline limits of a run judged on confidence sequences (anytime): the tail limits carry an
absolute floor, so a fast service's tail is not held to a fraction of a millisecond (docs/reports.md,
"Defaults that can be decided"); a default the budget cannot decide is left out (sizing.py)."""
UNTIL_DECIDED_LIMITS = (
    "p50:+10%", "p95:+10%,5ms", "p99:+15%,10ms", "error_rate:+0.5pp", "model_error_rate:+0.5pp", "rps:-10%",
)  # fmt: skip
"""`compare`'s limits when judged on confidence sequences (anytime)."""
DEFAULT_MIN_AGREEMENT = 0.95
"""`compare`'s agreement limit unless --min-agreement gives another (reports/compare/agreement.py)."""


def canonical(name: str) -> str:
    """The metric's name for an alias (`p99.9` → `p99_9`, `median` → `p50`), else `name` as given."""
    return _CANONICAL.get(name, name)


def find(name: str, kind: str) -> Metric | None:
    """The metric `name` (or an alias of it) names, if checks of `kind` take it."""
    metric = BY_NAME.get(canonical(name))
    return metric if metric is not None and kind in metric.checks else None


def names(kind: str) -> tuple[str, ...]:
    """The metrics checks of `kind` take, in table order."""
    return tuple(metric.name for metric in TABLE if kind in metric.checks)


def latency_quantiles() -> dict[str, float]:
    """Each order statistic of the latencies and its q (0..100; max = 100)."""
    return {metric.name: metric.quantile for metric in TABLE if metric.quantile is not None}


def change_interval(
    metric: Metric,
    change: Callable[[np.ndarray, np.ndarray], np.ndarray],
    now: tuple[Observed, float],
    then: tuple[Observed, float],
    seed: int,
) -> tuple[float, float]:
    """95 % bootstrap interval of `change(now, then)`: each side (observations, point value) resampled
    with its own fixed stream (now 1, then 2) of `seed`."""
    boot_now = metric.resample(*now, np.random.default_rng([seed, 1]))
    boot_then = metric.resample(*then, np.random.default_rng([seed, 2]))
    low, high = (float(v) for v in np.percentile(change(boot_now, boot_then), [2.5, 97.5]))
    return low, high
