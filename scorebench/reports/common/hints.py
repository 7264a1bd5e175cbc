"""reports/common/hints.py: the interval of a change, and how many requests would likely decide a check.

- `box_change`: a change's interval from the two sides' intervals (anytime checks: each side at
  alpha/2, so the box covers both true values with probability at least 1 - alpha, Bonferroni);
- `quadrature_change`: the fixed-length (bootstrap) change's interval as projected at a larger n:
  each side's distance added in quadrature, as the bootstrap of two independent sides spreads;
- `ChangeCase.projected`: the change's interval after n requests of a run shaped like this one
  (the baseline fixed, or both sides growing in a compare), from each metric's own projection
  (reports/common/projection.py);
- `hint`: the INCONCLUSIVE suffix, "a run of about N requests (k x this one) would likely decide it".
Rules: pure; a fixed-length change of latencies never narrows past BOOTSTRAP_MAX_SAMPLES latencies a
side (the bootstrap's cap), and the hint says so rather than promise a length that cannot decide.
"""

from __future__ import annotations

import dataclasses
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


@dataclasses.dataclass(frozen=True)
class ChangeCase:
    """A change check as the hint and the sizing project it: the metric, the change (what is
    judged), the two sides (now, then) and their points, the interval family, and whether the
    `then` side grows too (compare) or stays as it is (a baseline)."""

    metric: Metric
    change: Change
    sides: tuple[Observed, Observed]
    points: tuple[float, float]
    anytime: bool
    then_grows: bool

    def projected(self) -> projection.Projected:
        """requests → the change's interval after that many requests (per side) shaped like the
        sides: the baseline keeps its own (fixed-n) interval unless `then_grows`. Anytime: the box
        of the sides' intervals at alpha/2; fixed: the bootstrap's, in quadrature, whose latencies
        stop at BOOTSTRAP_MAX_SAMPLES a side."""
        metric, (now, then), anytime = self.metric, self.sides, self.anytime
        alpha = ALPHA / 2 if anytime else ALPHA
        then_fixed = metric.bounds(then, alpha, False)
        answers_cap = math.inf if anytime or not metric.over_answers else BOOTSTRAP_MAX_SAMPLES

        def side(observed: Observed, requests: int) -> tuple[float, float]:
            counted = min(requests * metric.per_request(observed), answers_cap)
            return metric.projected(observed, counted, alpha, anytime)

        def at(requests: int) -> tuple[float, float]:
            then_interval = side(then, requests) if self.then_grows else then_fixed
            if anytime:
                return box_change(self.change, side(now, requests), then_interval)
            return quadrature_change(self.change, self.points, side(now, requests), then_interval)

        return at

    @property
    def point(self) -> float:
        """The change at the two points."""
        return _at(self.change, *self.points)


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


def change_hint(case: ChangeCase, bound: float, count: int) -> str:
    """The hint of a change check (a baseline threshold, a compare limit) after `count` requests."""
    point = case.point
    cap = bootstrap_cap(case.metric, case.sides[0], case.anytime)
    needed = projection.requests_for_limit(case.projected(), point, bound, count)
    if needed is not None and needed > cap:
        return (
            f"; fixed-length runs judge a change on at most {BOOTSTRAP_MAX_SAMPLES:,} latencies a side, which "
            f"cannot decide it: judge it with confidence sequences (--until-decided)"
        )
    if needed is None and not case.then_grows and math.isfinite(point) and abs(point - bound) > 1e-12:
        return "; the baseline's own interval is too wide to decide it: save a longer baseline"
    return hint(needed, count)
