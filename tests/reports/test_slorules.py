"""SLO parsing and the three-way decision of one SLO on one step (scorebench/reports/slorules.py)."""

from __future__ import annotations

import numpy as np
import pytest

from scorebench.core.errors import HarnessError
from scorebench.reports.slorules import judge_slo, parse_slo, percentile_interval, rate_interval


@pytest.mark.parametrize(
    ("text", "metric", "quantile", "limit", "unit"),
    [
        ("p95<300ms", "p95", 95.0, 300.0, "ms"),
        ("p99 < 2s", "p99", 99.0, 2000.0, "ms"),
        ("p99.9<1.5s", "p99.9", 99.9, 1500.0, "ms"),
        ("max<60s", "max", 100.0, 60000.0, "ms"),
        ("error_rate<1%", "error_rate", None, 0.01, "%"),
        ("error_rate<0.5%", "error_rate", None, 0.005, "%"),
    ],
)
def test_parse_slo(text, metric, quantile, limit, unit):
    slo = parse_slo(text)
    assert (slo.metric, slo.quantile, slo.limit, slo.unit) == (metric, quantile, limit, unit)


@pytest.mark.parametrize("text", ["p95>300ms", "p95<300", "error_rate<1ms", "p150<1s", "rps<3", "error_rate<100%", ""])
def test_bad_slo_is_one_line_naming_the_flag(text):
    with pytest.raises(HarnessError, match=r"^--slo: "):
        parse_slo(text)


def test_percentile_interval_is_distribution_free():
    # 1..100: p95 is 95.05; binomial(100, 0.95) puts the 2.5 % / 97.5 % ranks at 90 and 100
    assert percentile_interval(np.arange(1, 101, dtype=float), 95.0) == (90.0, 100.0)
    # 20 values cannot bound a p95 from above: the top rank lies beyond the sample
    assert percentile_interval(np.arange(1, 21, dtype=float), 95.0)[1] == float("inf")


def test_rate_interval_is_clopper_pearson():
    low, high = rate_interval(0, 20)
    assert low == 0.0
    assert high == pytest.approx(1 - 0.025 ** (1 / 20))  # 16.8 %: no errors in 20 is not 0 %


@pytest.mark.parametrize(("slo", "status"), [("p95<200ms", "PASS"), ("p95<50ms", "FAIL"), ("p95<95ms", "INCONCLUSIVE")])
def test_three_way_decision_of_a_latency_slo(slo, status):
    check = judge_slo(parse_slo(slo), np.arange(1, 101, dtype=float), errors=0, requests=100)
    assert check.status == status
    assert check.line.startswith(f"{status} {slo}: 95 ms (95% interval 90 ms..100 ms)")


@pytest.mark.parametrize(
    ("errors", "requests", "status"), [(0, 1000, "PASS"), (0, 20, "INCONCLUSIVE"), (10, 20, "FAIL")]
)
def test_three_way_decision_of_an_error_rate_slo(errors, requests, status):
    # 0 of 1000: 0 %..0.37 % < 1 %; 0 of 20: up to 16.8 %; 10 of 20: 27 %..73 %
    check = judge_slo(parse_slo("error_rate<1%"), np.zeros(0), errors=errors, requests=requests)
    assert check.status == status
