"""reports/checks.py: thresholds against a baseline, the timeout judgement, and the verdict.

A threshold is parsed once from text like `p95:+10%`, `p99:+15%`, `error_rate:+0.5pp`,
`rps:-10%` into a `ThresholdCheck`; `judge(current, baseline)` gives a one-line `Verdict`, and
`fails(current, baseline)` the line when it fails, else None.
Rules:
- a change that noise could explain does not fail: each check bootstraps a 95 % confidence
  interval of the change (fixed seed, BOOTSTRAP_RESAMPLES resamples of at most
  BOOTSTRAP_MAX_SAMPLES latencies per side) and fails only when the whole interval is beyond
  the limit;
- `+N%` limits an increase, `-N%` a decrease, relative to the baseline; `pp` is an absolute
  change in percentage points (for rates);
- exit codes: 1 when any check fails, else 2 when any could not be judged, else 0.
"""

from __future__ import annotations

import dataclasses
import os
import re
import tomllib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from scorebench.core.errors import HarnessError

DEFAULT_THRESHOLDS = ("p95:+10%", "p99:+15%", "error_rate:+0.5pp", "rps:-10%")
BOOTSTRAP_RESAMPLES = 1000
BOOTSTRAP_MAX_SAMPLES = 4000
BOOTSTRAP_SEED = 20261122
MIN_SAMPLES = 30
PASS, FAIL, UNJUDGED, INCONCLUSIVE = "PASS", "FAIL", "CANNOT JUDGE", "INCONCLUSIVE"
EXIT_BY_STATUS = {PASS: 0, FAIL: 1, UNJUDGED: 2, INCONCLUSIVE: 3}

LATENCY_METRICS = {"p50": 50.0, "p90": 90.0, "p95": 95.0, "p99": 99.0, "p99_9": 99.9, "max": 100.0}
METRIC_ALIASES = {"p99.9": "p99_9", "median": "p50", "throughput": "rps", "errors": "error_rate"}
METRICS = (*LATENCY_METRICS, "mean", "error_rate", "rps")
_THRESHOLD = re.compile(r"^(?P<metric>[a-z0-9_.]+):(?P<sign>[+-])(?P<amount>\d+(?:\.\d+)?)(?P<unit>%|pp)$")


@dataclasses.dataclass(frozen=True)
class Evidence:
    """What one side of a comparison offers: its summary dict, a latency sample, per-second counts."""

    summary: dict[str, Any]
    latency_sample_ms: np.ndarray
    requests_per_second: np.ndarray


@dataclasses.dataclass(frozen=True)
class Verdict:
    """One check's outcome: status PASS / FAIL / CANNOT JUDGE and its one-line message."""

    name: str
    status: str
    line: str
    current: float | None = None
    baseline: float | None = None
    change: float | None = None
    """Relative change (0.1 = +10 %) or, for pp checks, the difference in percentage points."""


@dataclasses.dataclass(frozen=True)
class ThresholdCheck:
    """`metric` may move by at most `amount` (`unit` % relative or pp absolute) in `sign` direction."""

    metric: str
    sign: str
    amount: float
    unit: str

    @property
    def text(self) -> str:
        return f"{self.metric}:{self.sign}{self.amount:g}{self.unit}"

    def judge(self, current: Evidence, baseline: Evidence) -> Verdict:
        """Compare current with baseline; a bootstrap interval decides whether noise explains it."""
        now, then = POINT[self.metric](current), POINT[self.metric](baseline)
        if now is None or then is None:
            return Verdict(self.metric, UNJUDGED, f"{UNJUDGED} {self.metric}: no value to compare")
        change = self._change(np.array([now]), np.array([then]))[0]
        boot_now, boot_then = _resample(self.metric, current, 1), _resample(self.metric, baseline, 2)
        low, high = np.percentile(self._change(boot_now, boot_then), [2.5, 97.5])
        status, why = self._decide(change, low, high)
        if status == FAIL and not self._ranks_apart(current, baseline):
            status, why = PASS, ": beyond the limit, but within noise"
        line = (
            f"{status} {self.metric}: {_fmt(self.metric, now)} vs baseline {_fmt(self.metric, then)} "
            f"({self._show(change)}, limit {self.sign}{self.amount:g}{self.unit}, "
            f"95% CI {self._show(low)}..{self._show(high)}){why}"
        )
        return Verdict(self.metric, status, line, now, then, round(float(change), 6))

    def fails(self, current: Evidence, baseline: Evidence) -> str | None:
        """The one-line message when this check fails, else None."""
        verdict = self.judge(current, baseline)
        return verdict.line if verdict.status == FAIL else None

    def _change(self, now: np.ndarray, then: np.ndarray) -> Any:
        if self.unit == "pp":
            return (now - then) * 100.0
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(then != 0, now / then - 1.0, np.where(now == then, 0.0, np.inf))

    def _decide(self, change: float, low: float, high: float) -> tuple[str, str]:
        limit = self.amount / 100.0 if self.unit == "%" else self.amount
        direction = 1.0 if self.sign == "+" else -1.0
        beyond_point = direction * change > limit
        beyond_all = direction * (low if direction > 0 else high) > limit
        if beyond_all:
            return FAIL, ""
        if beyond_point:
            return PASS, ": beyond the limit, but within noise"
        return PASS, ""

    def _ranks_apart(self, current: Evidence, baseline: Evidence) -> bool:
        """For a latency percentile, a second, distribution-free test of noise (the bootstrap is known
        to understate the spread of tail percentiles when few samples lie beyond them): the 95 %
        order-statistic intervals of the two percentiles must still be apart by more than the limit."""
        q = LATENCY_METRICS.get(self.metric)
        if q is None or self.unit != "%" or q == 100.0:
            return True
        now_low, now_high = rank_interval(current.latency_sample_ms, q)
        then_low, then_high = rank_interval(baseline.latency_sample_ms, q)
        if self.sign == "+":
            return bool(now_low > then_high * (1 + self.amount / 100.0))
        return bool(now_high < then_low * (1 - self.amount / 100.0))

    def _show(self, change: float) -> str:
        if self.unit == "pp":
            return f"{change:+.2f}pp"
        return "+inf%" if np.isinf(change) else f"{change * 100:+.1f}%"


def parse_threshold(text: str) -> ThresholdCheck:
    """`p95:+10%` → ThresholdCheck (argparse `type=`); bad text is a one-line HarnessError."""
    match = _THRESHOLD.match(text.strip().lower())
    if not match:
        raise HarnessError(f"threshold {text!r}: expected METRIC:+N% / METRIC:-N% / METRIC:+Npp (e.g. p95:+10%)")
    metric = METRIC_ALIASES.get(match["metric"], match["metric"])
    if metric not in METRICS:
        raise HarnessError(f"threshold {text!r}: unknown metric {metric!r} (metrics: {', '.join(METRICS)})")
    return ThresholdCheck(metric, match["sign"], float(match["amount"]), match["unit"])


def resolve_thresholds(overrides: Sequence[str] | None) -> list[ThresholdCheck]:
    """The default thresholds, each replaced by an override of the same metric (`METRIC:off` drops it)."""
    checks = {c.metric: c for c in map(parse_threshold, DEFAULT_THRESHOLDS)}
    for text in overrides or ():
        name, _, value = text.partition(":")
        if value.strip().lower() == "off":
            checks.pop(METRIC_ALIASES.get(name.strip().lower(), name.strip().lower()), None)
            continue
        check = parse_threshold(text)
        checks[check.metric] = check
    return list(checks.values())


def timeout_verdict(summary: dict[str, Any]) -> Verdict:
    """FAIL when any request reached the timeout (or timed out); PASS with the slowest's margin."""
    band, count = summary["timeout"], summary["count"]
    limit = f"{band['timeout_s']:g} s timeout"
    if band["beyond_count"]:
        reached = f"{band['beyond_count']} of {count} requests reached the {limit}"
        line = f"{FAIL} timeout: {reached} (slowest {band['slowest_ms']} ms)"
        return Verdict("timeout", FAIL, line)
    if not count:
        return Verdict("timeout", UNJUDGED, f"{UNJUDGED} timeout: no requests")
    slowest = f"slowest {band['slowest_ms']} ms, margin {band['slowest_margin_ms']} ms"
    line = f"{PASS} timeout: all {count} requests within the {limit} ({slowest})"
    return Verdict("timeout", PASS, line)


def comparable(current: dict[str, Any], baseline: dict[str, Any], name: str) -> Verdict | None:
    """CANNOT JUDGE when load profile, payload set or sample counts make the comparison meaningless."""
    for key, label in (("load_profile", "load profile"), ("payload_set_hash", "payload set")):
        if current.get(key) != baseline.get(key):
            detail = _differences(current.get(key), baseline.get(key))
            return Verdict("baseline", UNJUDGED, f"{UNJUDGED} baseline {name}: {label} differs ({detail})")
    counts = (current["summary"]["count"], baseline["summary"]["count"])
    if min(counts) < MIN_SAMPLES:
        detail = f"{counts[0]} now, {counts[1]} in the baseline; need {MIN_SAMPLES}"
        line = f"{UNJUDGED} baseline {name}: too few samples ({detail})"
        return Verdict("baseline", UNJUDGED, line)
    return None


def overall(verdicts: Sequence[Verdict]) -> tuple[str, int]:
    """(status, exit code) of a set of verdicts: any FAIL → 1, else any CANNOT JUDGE → 2, else any
    INCONCLUSIVE → 3 (reports/guard.py), else 0."""
    statuses = {v.status for v in verdicts}
    status = next((s for s in (FAIL, UNJUDGED, INCONCLUSIVE) if s in statuses), PASS)
    return status, EXIT_BY_STATUS[status]


def _latency_point(q: float) -> Callable[[Evidence], float | None]:
    key = "max" if q == 100.0 else next(name for name, value in LATENCY_METRICS.items() if value == q)
    return lambda ev: ev.summary["latency_ms"].get(key)


POINT: dict[str, Callable[[Evidence], float | None]] = {
    **{name: _latency_point(q) for name, q in LATENCY_METRICS.items()},
    "mean": lambda ev: ev.summary["latency_ms"].get("mean"),
    "error_rate": lambda ev: ev.summary["error_rate"],
    "rps": lambda ev: ev.summary["throughput_rps"],
}


def _resample(metric: str, ev: Evidence, stream: int) -> Any:
    """BOOTSTRAP_RESAMPLES values of the metric over resamples of ev (fixed seed per side)."""
    rng = np.random.default_rng([BOOTSTRAP_SEED, stream])
    if metric == "error_rate":
        count = max(int(ev.summary["count"]), 1)
        return rng.binomial(count, float(ev.summary["error_rate"]), BOOTSTRAP_RESAMPLES) / count
    if metric == "rps":
        per_second = ev.requests_per_second if len(ev.requests_per_second) else np.array([ev.summary["throughput_rps"]])
        means = rng.choice(per_second, (BOOTSTRAP_RESAMPLES, len(per_second))).mean(axis=1)
        return means * (ev.summary["throughput_rps"] / max(per_second.mean(), 1e-12))
    sample = ev.latency_sample_ms
    if len(sample) > BOOTSTRAP_MAX_SAMPLES:  # a random subset: a sorted sample's head would be its fastest
        sample = rng.choice(sample, BOOTSTRAP_MAX_SAMPLES, replace=False)
    if len(sample) == 0:
        return np.full(BOOTSTRAP_RESAMPLES, POINT[metric](ev) or 0.0)
    drawn = rng.choice(sample, (BOOTSTRAP_RESAMPLES, len(sample)))
    if metric == "mean":
        return drawn.mean(axis=1)
    return np.percentile(drawn, LATENCY_METRICS[metric], axis=1)


def rank_interval(sorted_ms: np.ndarray, q: float) -> tuple[float, float]:
    """Distribution-free 95 % interval of the q-th percentile: the order statistics at ranks
    n·p ± 1.96·sqrt(n·p·(1-p)) (normal approximation to the binomial), clipped to the sample."""
    sorted_ms = np.sort(sorted_ms)
    n = len(sorted_ms)
    if n == 0:
        return (-np.inf, np.inf)
    p = q / 100.0
    spread = 1.96 * np.sqrt(n * p * (1 - p))
    low, high = int(np.floor(n * p - spread)), int(np.ceil(n * p + spread))
    return (float(sorted_ms[max(low, 1) - 1]), float(sorted_ms[min(high, n) - 1]))


def _fmt(metric: str, value: float) -> str:
    if metric == "error_rate":
        return f"{value * 100:.2f}%"
    if metric == "rps":
        return f"{value:.2f} rps"
    return f"{value:.1f} ms"


def _differences(now: Any, then: Any) -> str:
    if isinstance(now, dict) and isinstance(then, dict):
        keys = sorted(k for k in set(now) | set(then) if now.get(k) != then.get(k))
        return ", ".join(f"{k} {now.get(k)!r} vs {then.get(k)!r}" for k in keys)
    return f"{now!r} vs {then!r}"


def configured_thresholds(flags: Sequence[str] | None, config: Path | None = None) -> list[str]:
    """Threshold overrides: --threshold flags, else $SCOREBENCH_THRESHOLDS (comma-separated),
    else scorebench.toml `[check] thresholds = [...]` ($SCOREBENCH_CONFIG or ./scorebench.toml)."""
    if flags:
        return list(flags)
    if os.environ.get("SCOREBENCH_THRESHOLDS"):
        return [t.strip() for t in os.environ["SCOREBENCH_THRESHOLDS"].split(",") if t.strip()]
    path = config or Path(os.environ.get("SCOREBENCH_CONFIG") or "scorebench.toml")
    if not path.is_file():
        return []
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8")).get("check", {})
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise HarnessError(f"{path}: not valid TOML ({exc})") from None
    values = table.get("thresholds", [])
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise HarnessError(f'{path}: [check] thresholds must be a list of strings like "p95:+10%"')
    return values
