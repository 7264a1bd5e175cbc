"""reports/common/intervals.py: 95 % intervals of a run's statistics, and how much longer a run would decide.

Pure functions (docs/architecture.md, "Checks"): every check is decided three ways from one of
these intervals. Rules:
- a percentile's interval is distribution-free: the order statistics whose ranks a binomial
  (n, p) puts 2.5 % and 97.5 % around n·p (exact ranks: the binomial quantiles, `binom_ppf`); a rank
  outside the sample is unbounded (-inf / +inf), so a percentile the sample cannot resolve (p99 from
  fewer than 100 requests) has no finite upper end and can never pass;
- a rate's interval is Clopper-Pearson (exact binomial), so 0 errors in 20 requests is
  0 %..16.8 %, not 0 %;
- a mean's interval is the normal one, mean ± 1.96·s/√n.
How much longer a run would decide a check: reports/common/projection.py (each interval at a larger n).
"""

from __future__ import annotations

import math

import numpy as np
from scipy import special
from scipy.special import _ufuncs

Z95 = 1.959963984540054
CONFIDENCE = 0.95


def percentile_interval(
    latency_ms: np.ndarray, q: float, clip: bool = False, confidence: float = CONFIDENCE
) -> tuple[float, float]:
    """95 % (`confidence`) distribution-free interval of the q-th percentile (0..100) of exact values.

    `clip` bounds an unbounded side by the sample's extreme (a rank test between two samples)."""
    ordered = np.sort(np.asarray(latency_ms, dtype="float64"))
    n = len(ordered)
    if n == 0:
        return (-math.inf, math.inf)
    if q >= 100.0:
        return (float(ordered[-1]), math.inf)
    p = q / 100.0
    tail = (1.0 - confidence) / 2.0
    low_rank = binom_ppf(tail, n, p)  # ranks 1..n: P(Bin <= low_rank - 1) <= 2.5 %
    high_rank = binom_ppf(1.0 - tail, n, p) + 1
    low = float(ordered[low_rank - 1]) if low_rank >= 1 else -math.inf
    high = float(ordered[high_rank - 1]) if high_rank <= n else math.inf
    if clip:
        return (max(low, float(ordered[0])), min(high, float(ordered[-1])))
    return (low, high)


def resolvable(n: int, q: float) -> bool:
    """Whether n values can resolve the q-th percentile at all: at least one value beyond it
    (p99 needs 100, p99.9 needs 1000)."""
    if q >= 100.0 or q <= 0.0:
        return n > 0
    return n * (1.0 - q / 100.0) >= 1.0 - 1e-9


def resolving_count(q: float) -> int:
    """The fewest values that resolve the q-th percentile (`resolvable`): p95 20, p99 100, p99.9 1000."""
    return math.ceil(round(100 / (100 - q), 6))


def rate_interval(events: float, trials: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Clopper-Pearson 95 % (`confidence`) interval of a proportion (0..1)."""
    if trials <= 0:
        return (0.0, 1.0)
    tail = (1.0 - confidence) / 2.0
    low = 0.0 if events <= 0 else float(special.betaincinv(events, trials - events + 1, tail))
    high = 1.0 if events >= trials else float(special.betaincinv(events + 1, trials - events, 1.0 - tail))
    return (low, high)


def mean_interval(values: np.ndarray, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """mean ± 1.96·s/√n (z of `confidence`; unbounded below two values)."""
    values = np.asarray(values, dtype="float64")
    if len(values) < 2:
        return (-math.inf, math.inf)
    z = Z95 if confidence == CONFIDENCE else float(special.ndtri(1.0 - (1.0 - confidence) / 2.0))
    mean, half = float(values.mean()), z * float(values.std(ddof=1)) / math.sqrt(len(values))
    return (mean - half, mean + half)


def bounding_count(q: float) -> int:
    """The fewest values whose 95 % interval of the q-th percentile has a finite upper end:
    P(all n values below the percentile) = p^n must fall under 2.5 % (p95: 72, p99: 368)."""
    p = q / 100.0
    if p <= 0.0 or p >= 1.0:
        return 1
    return math.ceil(math.log((1.0 - CONFIDENCE) / 2.0) / math.log(p))


def binom_ppf(q: float, n: int, p: float) -> int:
    """The smallest k with P(Bin(n, p) <= k) >= q: scipy.stats.binom.ppf, by the very function it
    calls (boost's binomial quantile in scipy.special), without importing scipy.stats (tens of MB
    a report does not need). Ends as scipy: q <= 0 gives -1, q >= 1 gives n."""
    if q <= 0.0 or q >= 1.0:
        return -1 if q <= 0.0 else n
    if p <= 0.0 or p >= 1.0:
        return 0 if p <= 0.0 else n
    return int(_ufuncs._binom_ppf(q, n, p))
