"""Tests of reports/common/sequential.py: the confidence sequences, and by simulation their guarantee.

The simulations draw thousands of runs from known distributions (lognormal and gamma latencies,
Bernoulli errors), look at each at every step of the geometric schedule n = 20·1.1^k up to a
budget, and count the runs that were ever decided wrongly. With the true value ON the limit, a
PASS of `< limit` and a FAIL of `<= limit` are both wrong at any look, so the share of runs ever
decided either way bounds the false-PASS and the false-FAIL rate at once: it must stay at or
below ALPHA = 5 %. The same runs judged with the fixed-n intervals at every look exceed it (the
test can fail). Seeded and vectorised: a few seconds, no network.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from scorebench.reports.common import intervals, sequential
from scorebench.reports.common.checks import parse_threshold
from scorebench.reports.common.hints import box_change
from scorebench.reports.common.sequential import ALPHA

RUNS = 2000
SEED = 20261207


def looks(budget: int, start: int = 20, growth: float = 1.1) -> np.ndarray:
    """The geometric schedule of looks: n = ceil(start·growth^k) up to the budget, distinct."""
    steps = int(math.log(budget / start) / math.log(growth)) + 1
    return np.unique(np.minimum(np.ceil(start * growth ** np.arange(steps + 1)), budget).astype(np.int64))


def ever(decided: np.ndarray) -> float:
    """Share of runs (rows) decided at any look (columns)."""
    return float(decided.any(axis=1).mean())


# --- the sequences themselves -------------------------------------------------------------------------------------


def test_rate_sequence_contains_clopper_pearson_and_shrinks() -> None:
    for events, trials in ((0, 20), (5, 100), (50, 1000), (1000, 1000)):
        low, high = sequential.rate_bounds(events, trials)
        fixed_low, fixed_high = intervals.rate_interval(events, trials)
        assert low <= fixed_low + 1e-12
        assert high >= fixed_high - 1e-12
    widths = [np.subtract(*sequential.rate_bounds(n // 10, n)[::-1]) for n in (100, 1000, 10_000)]
    assert widths[0] > widths[1] > widths[2]


def test_rate_sequence_no_errors_decides_one_percent_within_680_requests() -> None:
    """The default SLO error_rate<1% with no error: 680 requests (Clopper-Pearson, one look: 368)."""
    assert sequential.rate_bounds(0, 680)[1] < 0.01 <= sequential.rate_bounds(0, 679)[1]


@pytest.mark.parametrize(("events", "trials"), [(0, 50), (3, 50), (27, 300), (300, 300), (40, 41)])
def test_rate_excludes_is_the_sequence_membership(events: int, trials: int) -> None:
    low, high = sequential.rate_bounds(events, trials)
    for value in (low - 1e-6, low + 1e-6, high - 1e-6, high + 1e-6):
        if 0.0 < value < 1.0:
            assert bool(sequential.rate_excludes(events, trials, value)) == (not low <= value <= high)


def test_rank_sequence_is_wider_than_the_fixed_ranks() -> None:
    sizes = np.array([100, 368, 1000, 5000, 20_000])
    for q in (0.5, 0.95, 0.99):
        low, high = sequential.rank_sequence(sizes, q)
        for n, lo, hi in zip(sizes, low, high, strict=True):
            assert lo <= intervals.binom_ppf(0.025, int(n), q)
            assert hi >= intervals.binom_ppf(0.975, int(n), q) + 1


def test_percentile_sequence_is_unbounded_until_the_sample_can_bound_it() -> None:
    values = np.arange(1.0, 401.0)
    assert sequential.bounding_count(99) == 358  # the fixed-n interval needs 368
    assert sequential.bounding_count(95) == 93
    assert sequential.percentile_sequence(values[:357], 99)[1] == math.inf
    low, high = sequential.percentile_sequence(values[:358], 99)
    assert math.isfinite(high)
    assert low <= 354.0 <= high


def test_mean_sequence_is_wider_than_the_normal_interval() -> None:
    values = np.random.default_rng(SEED).gamma(2.0, 5.0, 1000)
    low, high = sequential.mean_sequence(values)
    fixed_low, fixed_high = intervals.mean_interval(values)
    assert low < fixed_low < values.mean() < fixed_high < high
    assert sequential.mean_sequence(values[:1]) == (-math.inf, math.inf)


# --- the guarantee under repeated looks (simulation) ----------------------------------------------------------------


def test_percentile_decisions_under_repeated_looks_stay_within_alpha() -> None:
    """p95 and p99 of lognormal latencies, true percentile = the limit, looked at 54 times up to 10,000.

    A run's decision against a limit needs only the count of values below it (continuous
    latencies): PASS (upper end < limit) ⟺ count ≥ the upper rank; FAIL (lower end > limit) ⟺
    count < the lower rank. So each run is a Binomial walk of its lognormal draws below the limit."""
    rng = np.random.default_rng(SEED)
    schedule = looks(10_000)
    for q in (0.95, 0.99):
        limit = math.exp(3.0 + 0.5 * _norm_ppf(q))  # the true q-quantile of lognormal(3, 0.5)
        below = np.zeros((RUNS, len(schedule)), dtype=np.int64)
        counted, taken = np.zeros(RUNS, dtype=np.int64), 0
        for j, n in enumerate(schedule):
            fresh = rng.lognormal(3.0, 0.5, (RUNS, int(n) - taken))
            counted += (fresh < limit).sum(axis=1)
            below[:, j], taken = counted, int(n)
        low_rank, high_rank = sequential.rank_sequence(schedule, q)
        passed, failed = below >= high_rank, below < low_rank
        assert ever(passed) <= ALPHA, f"p{q * 100:g}: false PASS {ever(passed):.3f}"
        assert ever(failed) <= ALPHA, f"p{q * 100:g}: false FAIL {ever(failed):.3f}"
        assert ever(passed | failed) <= ALPHA
        fixed_low = np.array([intervals.binom_ppf(0.025, int(n), q) for n in schedule])
        fixed_high = np.array([intervals.binom_ppf(0.975, int(n), q) + 1 for n in schedule])
        assert ever((below >= fixed_high) | (below < fixed_low)) > 2 * ALPHA  # one look's interval, many looks


def test_percentile_sequence_decides_like_the_count_rule() -> None:
    """The count rule the simulation uses is what percentile_sequence decides on real values."""
    rng = np.random.default_rng(SEED + 1)
    limit = math.exp(3.0 + 0.5 * _norm_ppf(0.95))
    for n in (93, 500, 3000):
        for _ in range(5):
            values = rng.lognormal(3.0, 0.5 + rng.uniform(-0.1, 0.1), n)
            low, high = sequential.percentile_sequence(values, 95)
            low_rank, high_rank = sequential.rank_sequence(n, 0.95)
            below = int((values < limit).sum())
            assert (high < limit) == (below >= high_rank)
            assert (low > limit) == (below < low_rank)


def test_rate_decisions_under_repeated_looks_stay_within_alpha() -> None:
    """Bernoulli errors at exactly the limit (1 %, and agreement's 95 %), looked at up to 20,000 requests."""
    rng = np.random.default_rng(SEED + 2)
    schedule = looks(20_000)
    for rate in (0.01, 0.95):
        counts = np.cumsum(rng.binomial(np.diff(schedule, prepend=0), rate, (RUNS, len(schedule))), axis=1)
        outside = sequential.rate_excludes(counts, schedule, rate)
        passed, failed = outside & (counts < rate * schedule), outside & (counts > rate * schedule)
        assert ever(passed) <= ALPHA, (rate, ever(passed))
        assert ever(failed) <= ALPHA, (rate, ever(failed))
        fixed = np.array([[intervals.rate_interval(int(c), int(n)) for c, n in zip(row, schedule, strict=True)]
                          for row in counts[:300]])  # fmt: skip
        fixed_outside = (fixed[..., 0] > rate) | (fixed[..., 1] < rate)
        assert ever(fixed_outside) > 2 * ALPHA


def test_mean_decisions_under_repeated_looks_stay_within_alpha() -> None:
    """Gamma(2) latencies (skewed), true mean = the limit, looked at up to 5,000 requests: the
    asymptotic sequence stays within alpha here (it is asymptotic: the docs say so)."""
    rng = np.random.default_rng(SEED + 3)
    schedule = looks(5_000)
    shape, scale = 2.0, 5.0
    limit = shape * scale
    draws = rng.gamma(shape, scale, (RUNS, int(schedule[-1])))
    total, squares = np.cumsum(draws, axis=1)[:, schedule - 1], np.cumsum(draws**2, axis=1)[:, schedule - 1]
    mean = total / schedule
    sd = np.sqrt(np.maximum(squares - schedule * mean**2, 0.0) / (schedule - 1))
    radius = sequential.mean_radius(schedule, sd)
    assert ever(mean + radius < limit) <= ALPHA
    assert ever(mean - radius > limit) <= ALPHA
    assert ever(np.abs(mean - limit) > radius) <= ALPHA
    fixed_radius = intervals.Z95 * sd / np.sqrt(schedule)
    assert ever(np.abs(mean - limit) > fixed_radius) > 2 * ALPHA


def test_baseline_change_under_repeated_looks_stays_within_alpha() -> None:
    """A p95 change against a fixed baseline of 4,000 values (box of the run's sequence and the
    baseline's interval, alpha/2 each), the true change exactly +10 %: never wrongly decided more than alpha."""
    rng = np.random.default_rng(SEED + 4)
    limit = parse_threshold("p95:+10%")
    schedule, runs = looks(4_000, start=100, growth=1.25), 500
    then = np.sort(rng.lognormal(3.0, 0.5, (runs, 4000)), axis=1)
    fixed_low, fixed_high = (intervals.binom_ppf(t, 4000, 0.95) + k for t, k in ((ALPHA / 4, 0), (1 - ALPHA / 4, 1)))
    then_low, then_high = then[:, fixed_low - 1], then[:, fixed_high - 1]
    now = rng.lognormal(3.0 + math.log(1.1), 0.5, (runs, int(schedule[-1])))
    low_ranks, high_ranks = sequential.rank_sequence(schedule, 0.95, ALPHA / 2)
    wrong = np.zeros(runs, dtype=bool)
    for n, low_rank, high_rank in zip(schedule, low_ranks, high_ranks, strict=True):
        ordered = np.sort(now[:, :n], axis=1)
        now_low = ordered[:, low_rank - 1] if low_rank >= 1 else np.zeros(runs)
        now_high = ordered[:, high_rank - 1] if high_rank <= n else np.full(runs, np.inf)
        low, high = limit.change(now_low, then_high), limit.change(now_high, then_low)
        wrong |= (high < limit.bound) | (low > limit.bound)
    assert wrong.mean() <= ALPHA
    run = 0  # the vectorised box is hints.box_change's
    n = int(schedule[-1])
    assert box_change(limit.change, sequential.percentile_sequence(now[run, :n], 95, ALPHA / 2),
                      (float(then_low[run]), float(then_high[run]))) == pytest.approx(
        (float(low[run]), float(high[run])))  # fmt: skip


def _norm_ppf(p: float) -> float:
    from scipy.special import ndtri

    return float(ndtri(p))


def test_two_growing_sides_under_repeated_looks_stay_within_alpha() -> None:
    """compare: both sides grow. p50 of the candidate exactly +10 % over the current's (the box of
    the two Howard-Ramdas sequences at alpha/2), and a mean exactly +10 % judged on per-payload
    paired differences (one asymptotic sequence): wrongly decided in at most alpha of the runs."""
    rng = np.random.default_rng(SEED + 5)
    limit = parse_threshold("p50:+10%")
    schedule, runs = looks(3_000, start=50, growth=1.2), 500
    current = rng.lognormal(3.0, 0.5, (runs, int(schedule[-1])))
    candidate = rng.lognormal(3.0 + math.log(1.1), 0.5, (runs, int(schedule[-1])))
    low_ranks, high_ranks = sequential.rank_sequence(schedule, 0.5, ALPHA / 2)
    wrong = np.zeros(runs, dtype=bool)
    for n, low_rank, high_rank in zip(schedule, low_ranks, high_ranks, strict=True):
        now, then = np.sort(candidate[:, :n], axis=1), np.sort(current[:, :n], axis=1)
        low = limit.change(now[:, low_rank - 1], then[:, high_rank - 1])
        high = limit.change(now[:, high_rank - 1], then[:, low_rank - 1])
        wrong |= (high < limit.bound) | (low > limit.bound)
    assert wrong.mean() <= ALPHA
    payloads = np.arange(int(schedule[-1])) % 300  # request i carries payload i mod 300 on both sides
    cost = rng.lognormal(math.log(50.0), 0.8, (runs, 300))[:, payloads]  # a payload's own cost, both sides
    pairs_now = cost * rng.gamma(4.0, 0.25 * 1.1, (runs, int(schedule[-1])))
    pairs_then = cost * rng.gamma(4.0, 0.25, (runs, int(schedule[-1])))
    diffs = pairs_now - 1.1 * pairs_then  # mean exactly 0: the limit mean:+10% on the edge
    total, squares = np.cumsum(diffs, axis=1)[:, schedule - 1], np.cumsum(diffs**2, axis=1)[:, schedule - 1]
    mean = total / schedule
    sd = np.sqrt(np.maximum(squares - schedule * mean**2, 0.0) / (schedule - 1))
    assert ever(np.abs(mean) > sequential.mean_radius(schedule, sd)) <= ALPHA
