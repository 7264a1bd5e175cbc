"""reports/common/hints.py: the interval of a change, and how many requests would likely decide a check.

- `box_change`: a change's interval from the two sides' intervals (anytime checks: each side at
  alpha/2, so the box covers both true values with probability at least 1 - alpha, Bonferroni);
- `quadrature_change`: the fixed-length (bootstrap) change's interval as projected at a larger n:
  each side's distance added in quadrature, as the bootstrap of two independent sides spreads;
- `change_projection`: the change's interval after n requests of a run shaped like this one
  (the baseline fixed, or both sides growing in a compare), from each metric's own projection
  (reports/common/projection.py);
- `hint`: the INCONCLUSIVE suffix, "a run of about N requests (k x this one) would likely decide it".
Rules: pure; a fixed-length change of latencies never narrows past BOOTSTRAP_MAX_SAMPLES latencies a
side (the bootstrap's cap), and the hint says so rather than promise a length that cannot decide.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from scorebench.reports.common import projection
from scorebench.reports.common.metrics import BOOTSTRAP_MAX_SAMPLES, Metric, Observed
from scorebench.reports.common.sequential import ALPHA

Change = Callable[[np.ndarray, np.ndarray], np.ndarray]
"""(now, then) → the change as a check states it (relative, or in pp), increasing in now, decreasing in then."""
SITS = "; the estimate sits on the limit: no run length is likely to decide it"


def _at(change: Change, now: float, then: float) -> float:
    return float(change(np.array([now]), np.array([then]))[0])


def box_change(change: Change, now: tuple[float, float], then: tuple[float, float]) -> tuple[float, float]:
    """The interval of `change(now, then)` over the box of the two sides' intervals: its ends are two
    corners (values are nonnegative, so an unbounded lower end is 0)."""
    now_low, then_low = max(now[0], 0.0), max(then[0], 0.0)
    with np.errstate(invalid="ignore"):
        low, high = _at(change, now_low, then[1]), _at(change, now[1], then_low)
    return (-math.inf if math.isnan(low) else low, math.inf if math.isnan(high) else high)


def quadrature_change(
    change: Change, points: tuple[float, float], now: tuple[float, float], then: tuple[float, float]
) -> tuple[float, float]:
    """The change's interval from each side's interval, their distances to the point added in
    quadrature (two independent sides' spreads add as variances): how the bootstrap interval shrinks."""
    now_point, then_point = points
    centre = _at(change, now_point, then_point)
    with np.errstate(invalid="ignore"):
        below = math.hypot(centre - _at(change, max(now[0], 0.0), then_point), centre - _at(change, now_point, then[1]))
        above = math.hypot(_at(change, now[1], then_point) - centre, _at(change, now_point, max(then[0], 0.0)) - centre)
    return (centre - (math.inf if math.isnan(below) else below), centre + (math.inf if math.isnan(above) else above))


def change_projection(
    metric: Metric,
    change: Change,
    sides: tuple[Observed, Observed],
    points: tuple[float, float],
    anytime: bool,
    then_grows: bool,
) -> projection.Projected:
    """requests → the change's interval after that many requests (per side) shaped like `sides` (now,
    then): the baseline keeps its own (fixed-n) interval unless `then_grows` (compare). Anytime: the
    box of the sides' intervals at alpha/2; fixed: the bootstrap's, in quadrature, whose latencies
    stop at BOOTSTRAP_MAX_SAMPLES a side."""
    now, then = sides
    alpha = ALPHA / 2 if anytime else ALPHA
    then_fixed = metric.bounds(then, alpha, False)
    answers_cap = math.inf if anytime or not metric.over_answers else BOOTSTRAP_MAX_SAMPLES

    def at(requests: int) -> tuple[float, float]:
        def side(observed: Observed) -> tuple[float, float]:
            share = metric.per_request(observed)
            counted = min(requests * share, answers_cap)
            return metric.projected(observed, counted, alpha, anytime)

        then_interval = side(then) if then_grows else then_fixed
        if anytime:
            return box_change(change, side(now), then_interval)
        return quadrature_change(change, points, side(now), then_interval)

    return at


def bootstrap_cap(metric: Metric, observed: Observed, anytime: bool) -> int:
    """Requests past which a fixed-length change of this metric no longer narrows (MAX_REQUESTS: none)."""
    if anytime or not metric.over_answers:
        return projection.MAX_REQUESTS
    return math.ceil(BOOTSTRAP_MAX_SAMPLES / max(metric.per_request(observed), 1e-9))


def hint(needed: int | None, count: int) -> str:
    """The INCONCLUSIVE suffix for a count of requests that would likely decide the check."""
    if needed is None:
        return SITS
    return f"; a run of about {needed:,} requests ({needed / max(count, 1):.1f}x this one) would likely decide it"


def change_hint(
    metric: Metric,
    change: Change,
    bound: float,
    sides: tuple[Observed, Observed],
    points: tuple[float, float],
    anytime: bool,
    then_grows: bool,
    count: int,
) -> str:
    """The hint of a change check (a baseline threshold, a compare limit)."""
    projected = change_projection(metric, change, sides, points, anytime, then_grows)
    point = _at(change, *points)
    cap = bootstrap_cap(metric, sides[0], anytime)
    needed = projection.requests_for_limit(projected, point, bound, count)
    if needed is not None and needed > cap:
        return (
            f"; fixed-length runs judge a change on at most {BOOTSTRAP_MAX_SAMPLES:,} latencies a side, which "
            f"cannot decide it: judge it with confidence sequences (--until-decided)"
        )
    if needed is None and not then_grows and math.isfinite(point) and abs(point - bound) > 1e-12:
        return "; the baseline's own interval is too wide to decide it: save a longer baseline"
    return hint(needed, count)
