"""reports/common/metrics.py: every row's point value, estimator and interval on tiny hand-checked data; aliases."""

from __future__ import annotations

import math

import numpy as np
import pytest

from scorebench.reports.common import checks, metrics, slo
from scorebench.reports.common.metrics import Observed
from scorebench.reports.compare import compare

FIVE = Observed(
    latency_ms=np.array([50.0, 10.0, 40.0, 20.0, 30.0]),  # unsorted on purpose
    requests=20, errors=5.0, model_errors=1.0, agreeing=19.0,
    per_second=np.array([9.0, 10.0, 11.0]), answers_per_s=10.0,
)  # fmt: skip
SUMMARY = {
    "count": 20, "error_rate": 0.25, "throughput_rps": 10.0, "outcomes": {"ok": 15, "model_error": 1},
    "latency_ms": {"min": 10.0, "mean": 30.0, "p50": 30.0, "p90": 46.0, "p95": 48.0, "p99": 49.6,
                   "p99_9": 49.96, "max": 50.0},
}  # fmt: skip
MEAN_HALF = 1.959963984540054 * math.sqrt(250.0) / math.sqrt(5)  # s of 10..50 step 10 is √250
RPS_HALF = 1.959963984540054 * 1.0 / math.sqrt(3)  # s of 9, 10, 11 is 1
ZERO_OF_20_HIGH = 1 - 0.025 ** (1 / 20)  # Clopper-Pearson, 0 events: 1 - 0.025^(1/n)

# name: (point from SUMMARY, estimate over FIVE, interval over FIVE or None when it is checked below)
CASES: dict[str, tuple[float | None, float, tuple[float, float] | None]] = {
    "p50": (30.0, 30.0, (-math.inf, math.inf)),  # 5 values cannot bound a median at 95 %
    # low end: the k-th value, k the least with P(Bin(5, q) <= k) >= 2.5 %; no 6th value bounds the top
    "p75": (40.0, 40.0, (20.0, math.inf)),  # not in SUMMARY: its point falls back to the sample; P(<= 2) = 10.4 %
    "p90": (46.0, 46.0, (30.0, math.inf)),  # linear: 40 + 0.6 * 10; P(Bin(5, .9) <= 2) = 0.9 %, <= 3: 8.1 %
    "p95": (48.0, 48.0, (40.0, math.inf)),  # P(Bin(5, .95) <= 3) = 2.3 %, <= 4: 22.6 %
    "p99": (49.6, 49.6, (40.0, math.inf)),  # P(Bin(5, .99) <= 3) = 0.1 %, <= 4: 4.9 %
    "p99_9": (49.96, 49.96, (50.0, math.inf)),  # P(Bin(5, .999) <= 4) = 0.5 %
    "max": (50.0, 50.0, (50.0, 50.0)),  # observed, not estimated
    "mean": (30.0, 30.0, (30.0 - MEAN_HALF, 30.0 + MEAN_HALF)),
    "error_rate": (0.25, 0.25, None),  # 5 of 20
    "model_error_rate": (1 / 20, 1 / 20, None),
    "rps": (10.0, 10.0, (10.0 - RPS_HALF, 10.0 + RPS_HALF)),
    "agreement": (None, 0.95, None),  # 19 of 20
}


def test_every_row_has_a_hand_checked_case() -> None:
    assert set(CASES) == set(metrics.BY_NAME)


@pytest.mark.parametrize("name", list(CASES))
def test_point_estimate_and_interval(name: str) -> None:
    metric = metrics.BY_NAME[name]
    point, estimate, interval = CASES[name]
    assert metric.point(SUMMARY, FIVE) == pytest.approx(point)
    assert metric.estimate(FIVE) == pytest.approx(estimate)
    if interval is not None:
        assert metric.interval(FIVE) == pytest.approx(interval)


def test_percentile_interval_is_the_order_statistics() -> None:
    hundred = Observed(latency_ms=np.arange(1.0, 101.0))  # p50 of 1..100: order statistics 40..61 bound it
    assert metrics.BY_NAME["p50"].interval(hundred) == (40.0, 61.0)
    assert metrics.BY_NAME["p50"].estimate(hundred) == 50.5


@pytest.mark.parametrize("name", ["error_rate", "model_error_rate", "agreement"])
def test_rates_are_clopper_pearson(name: str) -> None:
    metric = metrics.BY_NAME[name]
    none = Observed(requests=20)  # no error, no model error, no payload agreeing
    assert metric.estimate(none) == 0.0
    assert metric.interval(none) == pytest.approx((0.0, ZERO_OF_20_HIGH))
    every = Observed(requests=20, errors=20.0, model_errors=20.0, agreeing=20.0)
    assert metric.interval(every) == pytest.approx((0.025 ** (1 / 20), 1.0))


@pytest.mark.parametrize(
    ("name", "interval"),
    [("p95", (-math.inf, math.inf)), ("max", (-math.inf, math.inf)), ("mean", (-math.inf, math.inf)),
     ("rps", (-math.inf, math.inf)), ("error_rate", (0.0, 1.0))],  # a rate of no request: anything in 0..1
)  # fmt: skip
def test_nothing_to_measure_is_nan(name: str, interval: tuple[float, float]) -> None:
    metric = metrics.BY_NAME[name]
    assert math.isnan(metric.estimate(Observed()))
    assert metric.interval(Observed()) == interval


def test_a_summary_without_the_figure_falls_back_to_the_sample() -> None:
    p95 = metrics.BY_NAME["p95"]
    assert p95.point({"latency_ms": {}}, FIVE) == 48.0
    assert p95.point({"latency_ms": {"p95": None}}, FIVE) is None  # the summary says: nothing measured
    assert p95.point({"latency_ms": {}}, Observed()) is None


def _rng() -> np.random.Generator:
    return np.random.default_rng(1)


def test_resamplers_on_constant_data() -> None:
    seven = Observed(latency_ms=np.full(5, 7.0), per_second=np.full(4, 10.0))
    for name in ("p50", "p99_9", "max", "mean"):
        assert np.all(metrics.BY_NAME[name].resample(seven, 7.0, _rng()) == 7.0)
    assert np.all(metrics.BY_NAME["p95"].resample(Observed(), 3.0, _rng()) == 3.0)  # no sample: the point
    scaled = metrics.BY_NAME["rps"].resample(seven, 5.0, _rng())  # seconds scaled so their mean is the point
    assert scaled.shape == (metrics.BOOTSTRAP_RESAMPLES,)
    assert np.allclose(scaled, 5.0)


def test_rate_resampler_is_the_jeffreys_posterior() -> None:
    drawn = metrics.BY_NAME["error_rate"].resample(Observed(requests=1000, errors=100.0), 0.1, _rng())
    assert float(drawn.mean()) == pytest.approx(100.5 / 1001, abs=0.002)  # (e + ½) / (n + 1)
    assert float(drawn.min()) > 0.0


def test_change_interval_of_identical_constant_sides_is_zero() -> None:
    seven = (Observed(latency_ms=np.full(40, 7.0)), 7.0)
    threshold = checks.parse_threshold("p95:+10%")
    assert metrics.change_interval(metrics.BY_NAME["p95"], threshold.change, seven, seven, 1) == (0.0, 0.0)


@pytest.mark.parametrize(
    ("unit", "value", "text"),
    [(metrics.MS, 109.04, "109.0 ms"), (metrics.PERCENT, 0.01, "1.00%"), (metrics.RPS, 10.006, "10.01 rps")],
)
def test_units_format(unit: metrics.Unit, value: float, text: str) -> None:
    assert unit.format(value) == text


@pytest.mark.parametrize(
    ("written", "name"),
    [("p99.9", "p99_9"), ("median", "p50"), ("throughput", "rps"), ("errors", "error_rate"), ("p95", "p95"),
     ("p42", "p42")],
)  # fmt: skip
def test_aliases(written: str, name: str) -> None:
    assert metrics.canonical(written) == name


def test_which_checks_take_a_metric() -> None:
    assert metrics.find("p99.9", metrics.SLO) is metrics.BY_NAME["p99_9"]
    assert metrics.find("p99.9", metrics.CANDIDATE) is None  # p99.9 of two live deployments: not compared
    assert metrics.find("median", metrics.CANDIDATE) is metrics.BY_NAME["p50"]
    assert metrics.find("agreement", metrics.SLO) is None
    assert "model_error_rate" not in metrics.names(metrics.BASELINE)


def test_aliases_never_shadow_a_name() -> None:
    aliases = [alias for metric in metrics.TABLE for alias in metric.aliases]
    assert len(set(aliases)) == len(aliases)
    assert not set(aliases) & set(metrics.BY_NAME)


def test_defaults_parse_with_the_table() -> None:
    assert [s.metric for s in map(slo.parse_slo, metrics.DEFAULT_SLOS)] == ["error_rate"]
    assert [t.text for t in map(checks.parse_threshold, metrics.DEFAULT_THRESHOLDS)] == list(metrics.DEFAULT_THRESHOLDS)
    assert [t.text for t in map(compare.parse_limit, metrics.DEFAULT_LIMITS)] == list(metrics.DEFAULT_LIMITS)
    assert 0.0 < metrics.DEFAULT_MIN_AGREEMENT <= 1.0


def test_p75_is_checked_by_every_kind() -> None:
    assert slo.parse_slo("p75<300ms").limit == 300.0
    assert slo.alt_criteria([slo.parse_slo("p75<0.3s")], 60.0)[0] == "p75(response_time_ms) > 300"
    assert checks.parse_threshold("p75:+10%").metric == compare.parse_limit("p75:+10%").metric == "p75"
    current = checks.Evidence({"count": 5, "error_rate": 0.0, "throughput_rps": 1.0, "latency_ms": {}},
                              FIVE.latency_ms, np.ones(5))  # fmt: skip
    check = checks.parse_threshold("p75:+10%").judge(current, current)  # a summary before p75: from the sample
    assert check.line.startswith("INCONCLUSIVE p75: 40.0 ms vs baseline 40.0 ms (+0.0%, limit +10%")
