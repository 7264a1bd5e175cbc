"""reports/common/intervals.py: the quantile and Clopper-Pearson ends agree with scipy.stats, edges included."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sps

from scorebench.reports.common import intervals

SIZES = (1, 2, 7, 50, 368, 1000, 99_999)
PROPORTIONS = (0.0, 1e-12, 0.001, 0.025, 0.5, 0.95, 0.999, 1.0)
LEVELS = (0.0, 1e-9, 0.025, 0.5, 0.975, 1.0)


@pytest.mark.parametrize("n", SIZES)
def test_binom_ppf_is_scipy_stats(n: int) -> None:
    for p in PROPORTIONS:
        for q in LEVELS:
            assert intervals.binom_ppf(q, n, p) == sps.binom.ppf(q, n, p), (q, n, p)


@pytest.mark.parametrize(("events", "trials"), [(0, 20), (1, 20), (20, 20), (5, 1000), (999, 1000)])
def test_rate_interval_is_clopper_pearson(events: int, trials: int) -> None:
    low, high = intervals.rate_interval(events, trials)
    assert low == pytest.approx(0.0 if events == 0 else sps.beta.ppf(0.025, events, trials - events + 1), abs=1e-15)
    expected = 1.0 if events == trials else sps.beta.ppf(0.975, events + 1, trials - events)
    assert high == pytest.approx(expected, abs=1e-15)


def test_zero_errors_in_twenty_is_not_zero_percent() -> None:
    assert intervals.rate_interval(0, 20)[1] == pytest.approx(0.1684, abs=1e-4)


def test_percentile_interval_of_ten_values() -> None:
    # p50 of 1..10: ranks 2 and 9 hold 95 % (binomial(10, 0.5) quantiles 2 and 8)
    assert intervals.percentile_interval(np.arange(1.0, 11.0), 50.0) == (2.0, 9.0)
    assert intervals.percentile_interval(np.arange(1.0, 11.0), 99.0)[1] == math.inf
