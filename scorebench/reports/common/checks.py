"""reports/common/checks.py: checks as data — the baseline thresholds, the timeout, and the verdict.

A check is one frozen `Check` record (summary.json `checks`, JUnit testcases, summary.md rows). Its
status is decided three ways from a 95 % interval (docs/architecture.md, "Checks"):
- PASS only when the whole interval is within the limit;
- FAIL when the whole interval is beyond it;
- INCONCLUSIVE otherwise, saying how much longer a run would likely decide it (interval width
  shrinks as 1/√n); a percentile the sample cannot resolve (p99 from fewer than 100 requests)
  is marked as such and never passes.
A baseline threshold is parsed once from text like `p95:+10%`, `error_rate:+0.5pp`, `rps:-10%`
into a `ThresholdCheck`; `judge(current, baseline)` bootstraps the interval of the change (fixed
seed, BOOTSTRAP_RESAMPLES resamples of at most BOOTSTRAP_MAX_SAMPLES latencies per side); for a
latency percentile, a FAIL must also hold between the two order-statistic intervals. Latency
(percentiles, mean) is that of the successful (`ok`) answers on both sides (summary `latency_ms`,
the stored `latency_sample_ms`), and `rps` counts successful answers per second: failures are
judged by `error_rate` only. Each metric's point value, bootstrap and formatting are its row in
reports/common/metrics.py; this module branches on no metric's name.
Exit codes: EXIT_BY_STATUS, decided once in `overall` (any FAIL → 1, else any INCONCLUSIVE → 3).
Thresholds are configured in scorebench/config.py; this module reads no environment and no file.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

import numpy as np

from scorebench.core.errors import EXIT_FAILED, EXIT_INCONCLUSIVE, EXIT_PASSED, HarnessError
from scorebench.core.runinfo import load_shape
from scorebench.reports.common import figures, hints, intervals, metrics
from scorebench.reports.common.metrics import DEFAULT_THRESHOLDS as DEFAULT_THRESHOLDS
from scorebench.reports.common.metrics import OBSERVED, Metric, Observed
from scorebench.reports.common.sequential import ALPHA

BOOTSTRAP_SEED = 20261122
ORDER_STATISTICS_TEST = "order-statistic test"
"""A latency percentile's FAIL must also hold between the two fixed-n order-statistic intervals."""
MIN_SAMPLES = 30
PASS, FAIL, INCONCLUSIVE = "PASS", "FAIL", "INCONCLUSIVE"
STATUSES = (PASS, FAIL, INCONCLUSIVE)
EXIT_BY_STATUS = {PASS: EXIT_PASSED, FAIL: EXIT_FAILED, INCONCLUSIVE: EXIT_INCONCLUSIVE}
KINDS = ("slo", "timeout", "baseline", "agreement", "drift", "candidate")

LATENCY_METRICS = metrics.latency_quantiles()
METRICS = metrics.names(metrics.BASELINE)
THRESHOLD = re.compile(
    r"^(?P<metric>[a-z0-9_.]+):(?P<sign>[+-])(?P<amount>\d+(?:\.\d+)?)(?P<unit>%|pp)"
    r"(?:,\s*(?P<floor>\d+(?:\.\d+)?)(?P<floor_unit>ms|s))?$"
)
"""`p95:+10%`, `error_rate:+0.5pp`, `rps:-10%`; a latency limit may add an absolute floor: `p99:+15%,5ms`
fails only when worse by more than 15 % AND by more than 5 ms (`ThresholdCheck.floor_ms`)."""


@dataclasses.dataclass(frozen=True)
class Evidence:
    """What one side of a comparison offers: its summary dict, a sample of its successful answers'
    latencies, and its successful answers per second."""

    summary: dict[str, Any]
    latency_sample_ms: np.ndarray
    requests_per_second: np.ndarray

    def observed(self) -> Observed:
        """The side as the metrics table reads it (rates from the summary's rate times its count)."""
        requests = int(self.summary.get("count") or 0)
        per_second = self.requests_per_second
        return Observed(
            latency_ms=self.latency_sample_ms, requests=requests,
            errors=float(self.summary["error_rate"]) * max(requests, 1),
            model_errors=float((self.summary.get("outcomes") or {}).get("model_error", 0)),
            per_second=per_second if len(per_second) else np.array([self.summary["throughput_rps"]]),
            answers_per_s=self.summary["throughput_rps"],
        )  # fmt: skip


@dataclasses.dataclass(frozen=True)
class Check:
    """One check's result, as data (summary.json `checks[]`; field names are its JSON keys)."""

    name: str
    """What was checked, as the user wrote it: `p95<300ms`, `p95:+10%`, `timeout`."""
    kind: str
    """One of KINDS."""
    metric: str
    limit: float | None
    """The limit in `unit` (for a baseline check: the allowed change)."""
    value: float | None
    """This run's value (for a baseline check: the change)."""
    reference: float | None
    """The baseline's value (baseline checks), else None."""
    low: float | None
    """95 % interval of `value` (None: unbounded on that side, or not estimated)."""
    high: float | None
    unit: str
    status: str
    """One of STATUSES."""
    line: str
    """The one line printed for it."""
    method: str = ""
    """How its interval was made: `order statistics`, `Clopper-Pearson`, `confidence sequence
    (Howard-Ramdas)`, `bootstrap`, ... ("" when no interval: the timeout, a check not judged)."""

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def interval_label(anytime: bool) -> str:
    """How a line names its interval: `95% CI` (fixed-n), `95% CS` (confidence sequence, anytime)."""
    return "95% CS" if anytime else "95% CI"


def intervals_record(anytime: bool) -> dict[str, Any]:
    """summary.json `intervals`: the interval family the run was judged with."""
    if anytime:
        return {"family": "anytime", "confidence": 1.0 - ALPHA,
                "guarantee": "confidence sequences: valid at every look of a growing run (Howard & Ramdas 2022; "
                             "beta-binomial mixtures; Waudby-Smith et al. 2024 for means, asymptotic)"}  # fmt: skip
    return {
        "family": "fixed",
        "confidence": 1.0 - ALPHA,
        "guarantee": "fixed-n intervals: valid for one look at the end",
    }


def decide(low: float, high: float, limit: float, upper: bool, inclusive: bool) -> str:
    """Three-way decision of an interval against a limit (upper: the value must stay below it).

    `inclusive` (<=, >=) lets the value equal the limit. PASS: the whole interval within;
    FAIL: the whole interval beyond; else INCONCLUSIVE.
    """
    if not upper:  # mirror a lower limit into an upper one
        low, high, limit = -high, -low, -limit
    within = high <= limit if inclusive else high < limit
    beyond = low > limit if inclusive else low >= limit
    return PASS if within else FAIL if beyond else INCONCLUSIVE


def finite(value: float) -> float | None:
    """JSON-safe bound: None for an unbounded side."""
    return float(value) if math.isfinite(value) else None


@dataclasses.dataclass(frozen=True)
class ThresholdCheck:
    """`metric` may move by at most `amount` (`unit` % relative or pp absolute) in `sign` direction."""

    metric: str
    sign: str
    amount: float
    unit: str
    floor_ms: float | None = None
    """An absolute floor beside a relative latency limit: the change is a regression only when it
    is more than `amount` % AND more than this many ms (judged on `judged`, the excess in ms)."""

    @property
    def text(self) -> str:
        floor = f",{self.floor_ms:g}ms" if self.floor_ms is not None else ""
        return f"{self.metric}:{self.sign}{self.amount:g}{self.unit}{floor}"

    @property
    def judged_bound(self) -> float:
        """The limit on `judged`: the change's bound, or 0 ms of excess with a floor."""
        return self.bound if self.floor_ms is None else 0.0

    def judged(self, now: np.ndarray, then: np.ndarray) -> np.ndarray:
        """What is decided: the change, or with a floor the excess (ms) of now over the larger of
        then·(1 + amount) and then + floor (increasing in now, decreasing in then, as the change)."""
        if self.floor_ms is None:
            return self.change(now, then)
        allowed = np.maximum(then * (1.0 + self.amount / 100.0), then + self.floor_ms)
        excess: np.ndarray = now - allowed
        return excess

    def limit_text(self) -> str:
        """`+10%`, or `+15% and +5 ms` with a floor."""
        floor = f" and +{self.floor_ms:g} ms" if self.floor_ms is not None else ""
        return f"{self.sign}{self.amount:g}{self.unit}{floor}"

    def show_judged(self, value: float) -> str:
        """`judged` as shown: the change (`show`), or `+3.1 ms` of excess."""
        return self.show(value) if self.floor_ms is None else f"{value:+.1f} ms"

    @property
    def measure(self) -> Metric:
        """The metric's row in the table (reports/common/metrics.py)."""
        return metrics.BY_NAME[self.metric]

    @property
    def bound(self) -> float:
        """The limit on the change, signed, as `change` returns it (a fraction, or pp)."""
        limit = self.amount / 100.0 if self.unit == "%" else self.amount
        return limit if self.sign == "+" else -limit

    def judge(self, current: Evidence, baseline: Evidence, anytime: bool = False) -> Check:
        """Compare current with baseline three ways on the interval of the change: a bootstrap
        (fixed-length runs), or with `anytime` the box of the current run's confidence sequence and
        the baseline's fixed-n interval, alpha split between them (`box_change`)."""
        metric, now_seen, then_seen = self.measure, current.observed(), baseline.observed()
        now, then = metric.point(current.summary, now_seen), metric.point(baseline.summary, then_seen)
        if now is None or then is None:
            return self._check(INCONCLUSIVE, f"{INCONCLUSIVE} {self.metric}: no value to compare", None, None)
        change = float(self.change(np.array([now]), np.array([then]))[0])
        judged = float(self.judged(np.array([now]), np.array([then]))[0])
        if anytime:
            low, high = hints.box_change(
                self.judged, metric.bounds(now_seen, ALPHA / 2, True), metric.bounds(then_seen, ALPHA / 2, False)
            )
        else:
            low, high = metrics.change_interval(metric, self.judged, (now_seen, now), (then_seen, then), BOOTSTRAP_SEED)
        status = decide(low, high, self.judged_bound, self.sign == "+", inclusive=True)
        why = ""
        unresolved = self._unresolved(current, baseline)
        if status == FAIL and not anytime and not self._ranks_apart(current, baseline):
            status = INCONCLUSIVE
        if status == PASS and unresolved:
            status, why = INCONCLUSIVE, f"; {unresolved}"
        if status == INCONCLUSIVE and not why:
            count = int(current.summary.get("count") or 0)
            case = hints.ChangeCase(metric, self.judged, (now_seen, then_seen), (now, then), anytime, False)
            why = hints.change_hint(case, self.judged_bound, count)
        line = f"{status} {self.metric}: {metric.unit.format(now)} vs baseline {metric.unit.format(then)} " + (
            self.describe(change, now - then, (low, high), anytime) + why
        )
        shown = (judged if self.floor_ms is not None else change, low, high)
        return dataclasses.replace(self._check(status, line, now, then, *shown), method=self.method(anytime))

    def describe(self, change: float, difference: float, interval: tuple[float, float], anytime: bool) -> str:
        """The line's bracket: the change, the limit and the interval of what is judged."""
        low, high = interval
        if self.floor_ms is None:
            return (
                f"({self.show(change)}, limit {self.limit_text()}, "
                f"{interval_label(anytime)} {self.show(low)}..{self.show(high)})"
            )
        return (
            f"({self.show(change)}, {difference:+.1f} ms; limit {self.limit_text()}; "
            f"{interval_label(anytime)} of the excess over it {self.show_judged(low)}..{self.show_judged(high)})"
        )

    def method(self, anytime: bool) -> str:
        """How the change's interval is made (Check.method)."""
        measure = self.measure
        if anytime:
            return f"{measure.method(True)} (this run) and {measure.method(False)} (baseline), alpha split"
        return (
            f"bootstrap and {ORDER_STATISTICS_TEST}"
            if measure.percentile_q is not None and self.unit == "%"
            else "bootstrap"
        )

    def fails(self, current: Evidence, baseline: Evidence) -> str | None:
        """The one-line message when this check fails, else None."""
        check = self.judge(current, baseline)
        return check.line if check.status == FAIL else None

    def _check(
        self,
        status: str,
        line: str,
        now: float | None,
        then: float | None,
        change: float | None = None,
        low: float | None = None,
        high: float | None = None,
    ) -> Check:
        scale = 1.0 if self.unit == "pp" or self.floor_ms is not None else 100.0
        limit = self.amount if self.sign == "+" else -self.amount
        shown = [None if v is None or not math.isfinite(v) else round(v * scale, 4) for v in (change, low, high)]
        return Check(self.text, "baseline", self.metric, limit if self.floor_ms is None else 0.0, shown[0], then,
                     shown[1], shown[2], self.judged_unit, status, line)  # fmt: skip

    @property
    def judged_unit(self) -> str:
        """Check.unit: `pp`, `%`, or `ms` (the excess over a limit with a floor)."""
        return "ms" if self.floor_ms is not None else "pp" if self.unit == "pp" else "%"

    def change(self, now: np.ndarray, then: np.ndarray) -> np.ndarray:
        """now against then: in pp (rates as fractions → points), else relative (0.1 = +10 %)."""
        if self.unit == "pp":
            diff: np.ndarray = (now - then) * 100.0
            return diff
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio: np.ndarray = np.where(then != 0, now / then - 1.0, np.where(now == then, 0.0, np.inf))
        return ratio

    def _unresolved(self, current: Evidence, baseline: Evidence) -> str:
        """Why a percentile cannot be resolved by either side's sample ("" when it can)."""
        q = self.measure.percentile_q
        if q is None:
            return ""
        for side, ev in (("this run", current), ("the baseline", baseline)):
            n = int(ev.summary.get("ok", ev.summary.get("count")) or len(ev.latency_sample_ms))
            if not intervals.resolvable(n, q):
                need = intervals.resolving_count(q)
                return f"too few samples to resolve {self.metric} ({n} in {side}, need {need})"
        return ""

    def _ranks_apart(self, current: Evidence, baseline: Evidence) -> bool:
        """For a latency percentile, a second, distribution-free test (the bootstrap understates the
        spread of tail percentiles when few samples lie beyond them): the 95 % order-statistic
        intervals of the two percentiles must still be apart by more than the limit."""
        q = self.measure.percentile_q
        if q is None or self.unit != "%":
            return True
        now_low, now_high = intervals.percentile_interval(current.latency_sample_ms, q, clip=True)
        then_low, then_high = intervals.percentile_interval(baseline.latency_sample_ms, q, clip=True)
        if self.sign == "+":
            return bool(self.judged(np.array([now_low]), np.array([then_high]))[0] > (self.judged_bound))
        return bool(now_high < then_low * (1 - self.amount / 100.0))

    def show(self, change: float) -> str:
        """`+2.00pp`, `+12.4%`, `+inf%`."""
        if self.unit == "pp":
            return f"{change:+.2f}pp"
        return "+inf%" if np.isinf(change) else f"{change * 100:+.1f}%"


def parse_threshold(text: str) -> ThresholdCheck:
    """`p95:+10%` → ThresholdCheck (argparse `type=`); bad text is a one-line HarnessError."""
    match = THRESHOLD.match(text.strip().lower())
    if not match:
        raise HarnessError(f"threshold {text!r}: expected METRIC:+N% / METRIC:-N% / METRIC:+Npp (e.g. p95:+10%)")
    metric = metrics.find(match["metric"], metrics.BASELINE)
    if metric is None:
        unknown = metrics.canonical(match["metric"])
        raise HarnessError(f"threshold {text!r}: unknown metric {unknown!r} (metrics: {', '.join(METRICS)})")
    check_change(text, match["sign"], float(match["amount"]), match["unit"], "threshold")
    return ThresholdCheck(metric.name, match["sign"], float(match["amount"]), match["unit"], floor_of(text, match))


def check_change(text: str, sign: str, amount: float, unit: str, what: str) -> None:
    """A relative limit that means something: a rate moves at most 100 points, nothing falls by 100 % or more."""
    if unit == "pp" and amount > 100:
        raise HarnessError(f"{what} {text!r}: a rate moves at most 100 percentage points")
    if unit == "%" and sign == "-" and amount >= 100:
        raise HarnessError(f"{what} {text!r}: nothing falls by 100% or more (the limit would be 0 or less)")
    if not math.isfinite(amount):
        raise HarnessError(f"{what} {text!r}: the limit is not a finite number")


def floor_of(text: str, match: re.Match[str]) -> float | None:
    """The absolute floor (ms) of a threshold's text, if any: only beside a relative latency increase."""
    if match["floor"] is None:
        return None
    metric = metrics.BY_NAME[metrics.canonical(match["metric"])]
    if metric.unit is not metrics.MS or match["sign"] != "+" or match["unit"] != "%":
        raise HarnessError(f"threshold {text!r}: a floor (,Nms) goes with a latency increase only (e.g. p99:+15%,5ms)")
    return float(match["floor"]) * (1000.0 if match["floor_unit"] == "s" else 1.0)


def resolve_thresholds(overrides: Sequence[str] | None, anytime: bool = False) -> list[ThresholdCheck]:
    """The default thresholds (anytime: UNTIL_DECIDED_THRESHOLDS, with floors), each replaced by an
    override of the same metric (`METRIC:off` drops it)."""
    defaults = metrics.UNTIL_DECIDED_THRESHOLDS if anytime else DEFAULT_THRESHOLDS
    return resolve_overrides(defaults, overrides, parse_threshold)


def resolve_overrides(
    defaults: Sequence[str], overrides: Sequence[str] | None, parse: Callable[[str], ThresholdCheck]
) -> list[ThresholdCheck]:
    """`defaults` parsed, each replaced by an override naming the same metric; `METRIC:off` drops it."""
    limits = {limit.metric: limit for limit in map(parse, defaults)}
    for text in overrides or ():
        name, _, value = text.partition(":")
        if value.strip().lower() == "off":
            limits.pop(metrics.canonical(name.strip().lower()), None)
            continue
        limit = parse(text)
        limits[limit.metric] = limit
    return list(limits.values())


def timeout_check(summary: dict[str, Any]) -> Check:
    """FAIL when any request reached the timeout (or timed out); PASS with the slowest's margin."""
    band, count = summary["timeout"], summary["count"]
    limit_ms = float(band["timeout_s"]) * 1000.0
    limit = f"{band['timeout_s']:g} s timeout"
    slowest = band.get("slowest_ms")
    if band["beyond_count"]:
        reached = f"{figures.count(band['beyond_count'])} of {figures.count(count)} requests reached the {limit}"
        line = f"{FAIL} timeout: {reached} (slowest {figures.ms(slowest)})"
        return Check("timeout", "timeout", "max", limit_ms, slowest, None, None, None, "ms", FAIL, line, OBSERVED)
    if not count:
        line = f"{INCONCLUSIVE} timeout: no requests"
        return Check("timeout", "timeout", "max", limit_ms, None, None, None, None, "ms", INCONCLUSIVE, line)
    margin = f"slowest {figures.ms(slowest)}, margin {figures.ms(band['slowest_margin_ms'])}"
    line = f"{PASS} timeout: all {figures.count(count)} requests within the {limit} ({margin})"
    return Check("timeout", "timeout", "max", limit_ms, slowest, None, None, None, "ms", PASS, line, OBSERVED)


def profile_difference(current: Mapping[str, Any], reference: Mapping[str, Any]) -> str | None:
    """Why two runs cannot be compared before any sample is counted: their `load_profile` or
    `payload_set_hash` differ (`load profile differs (concurrency 8 vs 4)`); None when they match.
    Shared by the baseline check, `run --baseline` before its load, and `trend`. A run's length
    (core/runinfo.LENGTH_FIELDS: duration, requests, until decided) is its precision, not its kind:
    it is left out (`load_shape`)."""
    for key, label in (("load_profile", "load profile"), ("payload_set_hash", "payload set")):
        now, then = current.get(key), reference.get(key)
        if key == "load_profile":
            now, then = load_shape(now), load_shape(then)
        if now != then:
            return f"{label} differs ({_differences(now, then)})"
    return None


def comparable(current: dict[str, Any], baseline: dict[str, Any], name: str) -> Check | None:
    """INCONCLUSIVE (not comparable) when load profile, payload set, endpoint or engine differ, or sample counts
    are too small. The endpoint is compared without its port on a loopback host (the stand-in and test servers
    take a free port each time); a baseline that does not record the endpoint or engine is not held to them."""
    why = profile_difference(current, baseline)
    if why:
        return _not_comparable(name, why)
    recorded = baseline.get("run")
    then_run: dict[str, Any] = recorded if isinstance(recorded, dict) else {}
    for key in ("endpoint", "engine"):
        now, then = current.get(key), then_run.get(key)
        if now is None or then is None:
            continue
        if key == "endpoint":
            now, then = endpoint_identity(str(now)), endpoint_identity(str(then))
        if now != then:
            return _not_comparable(name, f"{key} differs ({now!r} now, {then!r} in the baseline)")
    counts = (current["summary"]["count"], baseline["summary"]["count"])
    if min(counts) < MIN_SAMPLES:
        return _not_comparable(
            name, f"too few samples ({counts[0]} now, {counts[1]} in the baseline; need {MIN_SAMPLES})"
        )
    return None


def endpoint_identity(url: str) -> str:
    """What makes two runs' endpoints the same one: scheme, host and path (any port on a loopback host)."""
    try:
        parts = urlsplit(url)
        host, port = (parts.hostname or "").lower(), parts.port
    except ValueError:
        return url
    loopback = host in ("localhost", "::1") or host.startswith("127.")
    where = host if loopback or port is None else f"{host}:{port}"
    return f"{parts.scheme.lower()}://{where}{parts.path}"


def _not_comparable(name: str, why: str) -> Check:
    line = f"{INCONCLUSIVE} baseline {name}: not comparable: {why}"
    return Check(f"baseline {name}", "baseline", "comparable", None, None, None, None, None, "", INCONCLUSIVE, line)


def overall(checks: Sequence[Check]) -> tuple[str, int]:
    """(status, exit code) of a set of checks: any FAIL → 1, else any INCONCLUSIVE → 3, else 0."""
    statuses = {c.status for c in checks}
    status = FAIL if FAIL in statuses else INCONCLUSIVE if INCONCLUSIVE in statuses else PASS
    return status, EXIT_BY_STATUS[status]


def _differences(now: Any, then: Any) -> str:
    if isinstance(now, dict) and isinstance(then, dict):
        keys = sorted(k for k in set(now) | set(then) if now.get(k) != then.get(k))
        return ", ".join(f"{k} {now.get(k)!r} vs {then.get(k)!r}" for k in keys)
    return f"{now!r} vs {then!r}"
