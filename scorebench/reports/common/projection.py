"""reports/common/projection.py: a check's interval at a larger n, and the n that would likely decide it.

The "how much longer" hint of an INCONCLUSIVE check and the sizing before load
(reports/common/sizing.py) both ask: on data shaped like these, how many requests until the
interval clears the limit? Each estimator's interval is evaluated at the larger n on the
empirical distribution, the same way it is computed (docs/reports.md, "How much longer"):
- a percentile: the order-statistic ranks at n (fixed-n binomial quantiles, or the confidence
  sequence's ranks) read off the sample's empirical quantile function;
- a rate: the interval of the same observed rate over n trials;
- a mean (and throughput over seconds): the same standard deviation, the radius at n.
Then `first_deciding` searches n (geometric steps of GROWTH, then bisection). The interval is
first widened by WIDEN around its point, a margin for the noise of the figures a short run gives:
a run of the hinted length then decides in most trials (the rate is measured in
tests/reports/common/test_projection.py and stated in docs/reports.md).
Rules: pure functions of numbers; nothing of the checks or the metrics table is imported here.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from scipy import special

from scorebench.reports.common import intervals, sequential

WIDEN = 1.5
"""The projected interval's distances to its point are multiplied by this before it must clear the limit."""
SHIFT_SE = 1.0
"""... and it is moved toward the limit by this many of the current run's standard errors."""
GROWTH = 2.0
MAX_REQUESTS = 10_000_000
"""No hint beyond this many requests: the estimate sits (practically) on the limit."""

Projected = Callable[[int], tuple[float, float]]
"""requests → the interval the check would have after that many requests."""


def percentile_at(sample: np.ndarray, q: float, n: float, alpha: float, anytime: bool) -> tuple[float, float]:
    """The q-th percentile's (0..100) interval after n values distributed as `sample`."""
    ordered = np.sort(np.asarray(sample, dtype="float64"))
    size = max(round(n), 1)
    if not len(ordered):
        return (-math.inf, math.inf)
    if q >= 100.0:
        return (float(ordered[-1]), float(ordered[-1]))
    p = q / 100.0
    if anytime:
        low_rank, high_rank = (int(r) for r in sequential.rank_sequence(size, p, alpha))
    else:
        low_rank = intervals.binom_ppf(alpha / 2.0, int(size), p)
        high_rank = intervals.binom_ppf(1.0 - alpha / 2.0, int(size), p) + 1

    def value(rank: int) -> float:
        if rank < 1:
            return -math.inf
        if rank > size:
            return math.inf
        return float(np.quantile(ordered, (rank - 1) / max(size - 1, 1)))

    return (value(low_rank), value(high_rank))


def rate_at(rate: float, n: float, alpha: float, anytime: bool) -> tuple[float, float]:
    """A rate's interval after n trials at the same observed rate."""
    if n <= 0:
        return (0.0, 1.0)
    if anytime:
        return sequential.rate_bounds(rate * n, round(n), alpha)
    return intervals.rate_interval(rate * n, round(n), confidence=1.0 - alpha)


def mean_at(
    values: np.ndarray, n: float, alpha: float, anytime: bool, tuned_at: float = sequential.MEAN_TUNED_AT
) -> tuple[float, float]:
    """A mean's interval after n values of the same mean and standard deviation."""
    values = np.asarray(values, dtype="float64")
    if len(values) < 2 or n < 2:
        return (-math.inf, math.inf)
    centre, sd = float(values.mean()), float(values.std(ddof=1))
    if anytime:
        half = float(sequential.mean_radius(n, sd, alpha, tuned_at))
    else:
        half = float(special.ndtri(1.0 - alpha / 2.0)) * sd / math.sqrt(n)
    return (centre - half, centre + half)


def widen(point: float, interval: tuple[float, float], factor: float = WIDEN) -> tuple[float, float]:
    """The interval with its distances to the point multiplied by `factor` (the hint's margin)."""
    low, high = interval
    return (point - factor * (point - low), point + factor * (high - point))


def clears(interval: tuple[float, float], limit: float) -> bool:
    """Whether the interval lies wholly on one side of the limit (decided, either way)."""
    return interval[1] < limit or interval[0] > limit


def first_deciding(decides: Callable[[int], bool], start: int, cap: int = MAX_REQUESTS) -> int | None:
    """The fewest requests above `start` for which `decides` holds, assuming it keeps holding once
    it does (intervals shrink with n): geometric steps, then bisection; None up to `cap`."""
    below = max(start, 1)
    above = below
    while True:
        above = min(max(math.ceil(above * GROWTH), above + 1), cap)
        if decides(above):
            break
        if above >= cap:
            return None
        below = above
    while above - below > max(1, below // 100):  # to about 1 %
        middle = (below + above) // 2
        below, above = (below, middle) if decides(middle) else (middle, above)
    return above


def requests_for_limit(
    projected: Projected,
    point: float,
    limit: float,
    start: int,
    cap: int = MAX_REQUESTS,
    known_at: int | None = None,
    shift_se: float = SHIFT_SE,
) -> int | None:
    """Requests until the check's interval clears the limit, with the hint's margin: the projected
    interval is widened by WIDEN around its point and moved toward the limit by SHIFT_SE of this
    run's standard errors (at most half the way): the point a short run gives is itself noisy.
    `known_at`: the requests the point was measured on (default `start`: this run's); `shift_se` 0
    when the point is taken as known (sizing before load assumes the reference's figures)."""
    distance = limit - point
    if not math.isfinite(point) or abs(distance) <= 1e-12 * max(abs(limit), 1.0):
        return None
    now = projected(max(known_at or start, 1))
    toward = now[1] - point if distance > 0 else point - now[0]
    standard_error = toward / intervals.Z95 if math.isfinite(toward) else math.inf
    shift = math.copysign(min(shift_se * standard_error, abs(distance) / 2.0), distance) if shift_se else 0.0

    def decides(n: int) -> bool:
        low, high = widen(point, projected(n))
        return clears((low + shift, high + shift), limit)

    return first_deciding(decides, start, cap)
