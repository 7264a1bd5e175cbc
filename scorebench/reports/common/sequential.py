"""reports/common/sequential.py: anytime-valid 95 % confidence sequences, for runs looked at while they grow.

A confidence sequence (CS) covers the true value at every sample size at once: P(∃n: truth outside
C_n) ≤ alpha, so a run may be judged after every request and stopped as soon as a check is decided
without inflating its error rates (docs/architecture.md, "Checks"). Pure functions, vectorised
over numpy arrays (the simulation test runs thousands of runs at once). One per interval kind:
- rates (`rate_sequence`): the beta-binomial mixture martingale (Robbins; the anytime analogue of
  Clopper-Pearson): M_n(p) = B(a+S, b+n-S) / B(a, b) / (p^S (1-p)^(n-S)) with the Jeffreys prior
  Beta(½, ½) is a nonnegative martingale under p, so {p : M_n(p) < 1/alpha} is a (1-alpha) CS (Ville);
- percentiles (`rank_sequence`, `percentile_sequence`): Howard & Ramdas, "Sequential estimation of
  quantiles with applications to A/B-testing and best-arm identification" (Bernoulli 28(3), 2022),
  Theorem 1 with their beta-binomial boundary: the count of values at or below the true q-quantile
  is Binomial(n, q), its mixture CS (prior Beta(c·q, c·(1-q)), c = QUANTILE_PRIOR) bounds it for
  all n at once, and the bounds become order-statistic ranks exactly as the fixed-n interval's
  binomial quantiles do (continuous latencies assumed: µs resolution makes ties rare);
- means (`mean_sequence`, latency mean and successful answers per second): the asymptotic CS of
  Waudby-Smith, Arbour, Sinha, Kennedy & Ramdas, "Time-uniform central limit theory and asymptotic
  confidence sequences" (Annals of Statistics, 2024), Robbins' normal mixture with the running
  standard deviation, tuned to be tightest near MEAN_TUNED_AT observations. It is ASYMPTOTIC
  (valid as n grows, under finite 2+δ moments), not exact like the two above.
Rules: every function takes the error alpha (default ALPHA) so that a change (two sides) can split it;
bounds out of reach are -inf / +inf (a percentile the sample cannot bound never passes).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from scipy.special import betaln

ALPHA = 0.05
"""Every check's error: a 95 % confidence sequence."""
QUANTILE_PRIOR = 20.0
"""The beta-binomial mixture's prior for a quantile q is Beta(c·q, c·(1-q)), c = this (prior weight of
20 observations): tight from a few hundred to tens of thousands of values (docs/reports.md)."""
RATE_PRIOR = (0.5, 0.5)
"""The Jeffreys prior of the rate mixture (Krichevsky-Trofimov)."""
MEAN_TUNED_AT = 1000.0
"""The normal mixture is tightest near this many observations (requests; seconds for rps: RPS_TUNED_AT)."""
RPS_TUNED_AT = 60.0
_BISECTIONS = 64


def _log_mixture(successes: np.ndarray, n: np.ndarray, p: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """log M_n: the beta-binomial mixture against the Bernoulli(p) likelihood of `successes` in `n`."""
    with np.errstate(divide="ignore", invalid="ignore"):
        log_p = np.where(successes > 0, successes * np.log(p), 0.0)
        log_q = np.where(n - successes > 0, (n - successes) * np.log1p(-p), 0.0)
    result: np.ndarray = betaln(a + successes, b + n - successes) - betaln(a, b) - log_p - log_q
    return result


def _crossing(
    inside: np.ndarray, outside: np.ndarray, level: float, fn: Callable[[np.ndarray], np.ndarray]
) -> np.ndarray:
    """Bisect each element between a point inside the set (fn < level) and one outside: the crossing."""
    lo, hi = inside.astype("float64"), outside.astype("float64")
    for _ in range(_BISECTIONS):
        mid = (lo + hi) / 2.0
        within = fn(mid) < level
        lo, hi = np.where(within, mid, lo), np.where(within, hi, mid)
    return hi


def rate_sequence(
    events: np.ndarray | float, trials: np.ndarray | float, alpha: float = ALPHA
) -> tuple[np.ndarray, np.ndarray]:
    """(low, high) of a proportion's (1-alpha) confidence sequence after `events` in `trials` (arrays broadcast).

    {p : M_n(p) < 1/alpha}, an interval around S/n (log M is convex in p and ≤ 0 at S/n)."""
    s, n = np.broadcast_arrays(np.asarray(events, dtype="float64"), np.asarray(trials, dtype="float64"))
    a, b = (np.full(s.shape, v) for v in RATE_PRIOR)
    level = math.log(1.0 / alpha)
    safe_n = np.maximum(n, 1.0)
    point = np.clip(s / safe_n, 0.0, 1.0)

    def log_m(p: np.ndarray) -> np.ndarray:
        return _log_mixture(s, n, np.clip(p, 1e-300, 1.0 - 1e-16), a, b)

    low = _crossing(point, np.zeros_like(point), level, log_m)
    high = _crossing(point, np.ones_like(point), level, log_m)
    low = np.where((s <= 0) | (log_m(np.zeros_like(point) + 1e-300) < level), 0.0, low)
    high = np.where(s >= n, 1.0, high)
    empty = n <= 0
    return np.where(empty, 0.0, low), np.where(empty, 1.0, high)


def rate_bounds(events: float, trials: int, alpha: float = ALPHA) -> tuple[float, float]:
    """rate_sequence for one count, as floats (scalar arithmetic: a hint evaluates it often)."""
    if trials <= 0:
        return (0.0, 1.0)
    a, b = RATE_PRIOR
    level = math.log(1.0 / alpha)
    point = min(max(events / trials, 0.0), 1.0)

    def log_m(p: float) -> float:
        return _log_mixture_one(events, trials, min(max(p, 1e-300), 1.0 - 1e-16), a, b)

    low = 0.0 if events <= 0 or log_m(0.0) < level else _crossing_one(point, 0.0, level, log_m)
    high = 1.0 if events >= trials else _crossing_one(point, 1.0, level, log_m)
    return (low, high)


def _log_mixture_one(successes: float, n: float, p: float, a: float, b: float) -> float:
    """_log_mixture of one count, in scalar arithmetic."""
    log_p = successes * math.log(p) if successes > 0 else 0.0
    log_q = (n - successes) * math.log1p(-p) if n - successes > 0 else 0.0
    return _betaln(a + successes, b + n - successes) - _betaln(a, b) - log_p - log_q


def _betaln(a: float, b: float) -> float:
    return math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)


def _crossing_one(inside: float, outside: float, level: float, fn: Callable[[float], float]) -> float:
    """_crossing of one element."""
    lo, hi = inside, outside
    for _ in range(_BISECTIONS):
        mid = (lo + hi) / 2.0
        lo, hi = (mid, hi) if fn(mid) < level else (lo, mid)
    return hi


def rate_excludes(
    events: np.ndarray | float, trials: np.ndarray | float, value: float, alpha: float = ALPHA
) -> np.ndarray:
    """Whether `value` lies outside the rate's (1-alpha) confidence sequence (one evaluation of the
    mixture: what deciding a rate against its limit needs, vectorised over runs)."""
    s, n = np.broadcast_arrays(np.asarray(events, dtype="float64"), np.asarray(trials, dtype="float64"))
    a, b = (np.full(s.shape, v) for v in RATE_PRIOR)
    p = np.full(s.shape, min(max(value, 1e-300), 1.0 - 1e-16))
    outside: np.ndarray = (n > 0) & (_log_mixture(s, n, p, a, b) >= math.log(1.0 / alpha))
    return outside


def rank_sequence(n: np.ndarray | int, q: float, alpha: float = ALPHA) -> tuple[np.ndarray, np.ndarray]:
    """(low rank, high rank), 1-based, of the q-quantile's (1-alpha) confidence sequence after n values
    (Howard & Ramdas 2022, Theorem 1): the true quantile lies in [X_(low), X_(high)] at every n at
    once; low < 1 is unbounded below, high > n unbounded above. q is a fraction (0..1)."""
    if np.ndim(n) == 0:
        return _rank_one(int(n), q, alpha)
    size = np.asarray(n, dtype="float64")
    a, b = np.full(size.shape, QUANTILE_PRIOR * q), np.full(size.shape, QUANTILE_PRIOR * (1.0 - q))
    level = math.log(1.0 / alpha)
    p = np.full(size.shape, q)

    def log_m(s: np.ndarray) -> np.ndarray:
        return _log_mixture(s, size, p, a, b)

    centre = size * q  # log M <= 0 there: the likelihood's maximum
    below = _crossing(centre, np.zeros_like(size), level, log_m)
    above = _crossing(centre, size, level, log_m)
    low = np.where(log_m(np.zeros_like(size)) < level, 0.0, np.ceil(below))  # S >= low
    high = np.where(log_m(size) < level, size, np.floor(above))  # S <= high
    return low.astype(np.int64), high.astype(np.int64) + 1


def _rank_one(n: int, q: float, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """rank_sequence of one n, in scalar arithmetic."""
    a, b, level = QUANTILE_PRIOR * q, QUANTILE_PRIOR * (1.0 - q), math.log(1.0 / alpha)

    def log_m(s: float) -> float:
        return _log_mixture_one(s, n, q, a, b)

    low = 0.0 if log_m(0.0) < level else math.ceil(_crossing_one(n * q, 0.0, level, log_m))
    high = float(n) if log_m(float(n)) < level else math.floor(_crossing_one(n * q, float(n), level, log_m))
    return np.asarray(low, dtype=np.int64), np.asarray(high, dtype=np.int64) + 1


def percentile_sequence(values: np.ndarray, q: float, alpha: float = ALPHA) -> tuple[float, float]:
    """The q-th percentile's (0..100) confidence sequence over exact values: order statistics at
    `rank_sequence`'s ranks (-inf / +inf beyond the sample)."""
    ordered = np.sort(np.asarray(values, dtype="float64"))
    n = len(ordered)
    if n == 0:
        return (-math.inf, math.inf)
    if q >= 100.0:
        return (float(ordered[-1]), math.inf)
    low_rank, high_rank = (int(r) for r in rank_sequence(n, q / 100.0, alpha))
    low = float(ordered[low_rank - 1]) if low_rank >= 1 else -math.inf
    high = float(ordered[high_rank - 1]) if high_rank <= n else math.inf
    return (low, high)


def mean_radius(n: np.ndarray | float, sd: np.ndarray | float, alpha: float = ALPHA, tuned_at: float = MEAN_TUNED_AT
                ) -> np.ndarray:  # fmt: skip
    """Half-width of the asymptotic (1-alpha) CS of a mean after n values of standard deviation sd
    (Waudby-Smith et al. 2024, the two-sided normal-mixture boundary):
    sd · √( 2(n·rho²+1) / (n²·rho²) · log(√(n·rho²+1) / alpha) ),
    rho² = (-2 log alpha + log(-2 log alpha + 1)) / tuned_at."""
    size = np.asarray(n, dtype="float64")
    log_alpha = math.log(alpha)
    rho2 = (-2.0 * log_alpha + math.log(-2.0 * log_alpha + 1.0)) / tuned_at
    with np.errstate(divide="ignore", invalid="ignore"):
        inner = 2.0 * (size * rho2 + 1.0) / (size**2 * rho2) * np.log(np.sqrt(size * rho2 + 1.0) / alpha)
    radius: np.ndarray = np.asarray(sd, dtype="float64") * np.sqrt(inner)
    return radius


def mean_sequence(values: np.ndarray, alpha: float = ALPHA, tuned_at: float = MEAN_TUNED_AT) -> tuple[float, float]:
    """The mean's asymptotic (1-alpha) CS: mean ± mean_radius (unbounded below two values)."""
    values = np.asarray(values, dtype="float64")
    if len(values) < 2:
        return (-math.inf, math.inf)
    centre = float(values.mean())
    half = float(mean_radius(len(values), float(values.std(ddof=1)), alpha, tuned_at))
    return (centre - half, centre + half)


def bounding_count(q: float, alpha: float = ALPHA) -> int:
    """The fewest values whose confidence sequence of the q-th percentile (0..100) has a finite upper
    end (p95: 93, p99: 358; the fixed-n interval needs 72 and 368)."""
    p = q / 100.0
    if p <= 0.0 or p >= 1.0:
        return 1
    start = 1
    while True:
        sizes = np.arange(start, start * 4 + 64)
        bounded = np.nonzero(rank_sequence(sizes, p, alpha)[1] <= sizes)[0]
        if len(bounded):
            return int(sizes[bounded[0]])
        start = int(sizes[-1]) + 1
