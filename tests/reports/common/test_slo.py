"""reports/common/slo.py: SLO parsing (one line naming the source) and the three-way decision on tiny data."""

from __future__ import annotations

import numpy as np
import pytest

from scorebench.core.errors import HarnessError
from scorebench.reports.common import slo


@pytest.mark.parametrize(
    ("text", "metric", "op", "limit"),
    [
        ("p95<300ms", "p95", "<", 300.0),
        ("P99.9 <= 2s", "p99_9", "<=", 2000.0),
        ("max<1.5s", "max", "<", 1500.0),
        ("mean<=40ms", "mean", "<=", 40.0),
        ("error_rate<1%", "error_rate", "<", 0.01),
        ("model_error_rate<0.5%", "model_error_rate", "<", 0.005),
        ("rps>=50", "rps", ">=", 50.0),
        ("rps > 5", "rps", ">", 5.0),
    ],
)
def test_parse_slo(text: str, metric: str, op: str, limit: float) -> None:
    parsed = slo.parse_slo(text)
    assert (parsed.metric, parsed.op) == (metric, op)
    assert parsed.limit == pytest.approx(limit)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("p95", "--slo: 'p95' is not an SLO (examples: " + slo.EXAMPLE + ")"),
        ("p42<3ms", "--slo: 'p42<3ms': unknown metric 'p42' (metrics: p50, p75, p90, p95, p99, p99_9, max, mean, "
         "error_rate, model_error_rate, rps)"),
        ("p95<300", "--slo: 'p95<300': expected p95 <|<= N ms|s"),
        ("error_rate<1ms", "--slo: 'error_rate<1ms': expected error_rate <|<= N%"),
        ("rps<5", "--slo: 'rps<5': expected rps >|>= N"),
    ],
)  # fmt: skip
def test_bad_slo_is_one_line(text: str, message: str) -> None:
    with pytest.raises(HarnessError) as caught:
        slo.parse_slo(text)
    assert str(caught.value) == message


def test_defaults_add_error_rate_unless_given() -> None:
    assert [s.text for s in slo.default_slos([slo.parse_slo("p95<1s")])] == ["p95<1s", "error_rate<1%"]
    assert [s.text for s in slo.default_slos([slo.parse_slo("error_rate<5%")])] == ["error_rate<5%"]


def _evidence(latency: list[float], errors: int = 0, model_errors: int = 0) -> slo.SloEvidence:
    return slo.SloEvidence(np.array(latency, dtype=float), len(latency), errors, model_errors, np.array([10.0, 10.0]))


def test_percentile_slo_three_ways() -> None:
    latency = [float(v) for v in range(1, 101)]  # p50 of 1..100: order statistics 40..61 bound it
    assert slo.judge_slo(slo.parse_slo("p50<70ms"), _evidence(latency)).status == "PASS"
    assert slo.judge_slo(slo.parse_slo("p50<30ms"), _evidence(latency)).status == "FAIL"
    straddled = slo.judge_slo(slo.parse_slo("p50<50ms"), _evidence(latency))
    assert straddled.status == "INCONCLUSIVE"
    assert "would likely decide it" in straddled.line


def test_p99_from_43_requests_never_passes() -> None:
    check = slo.judge_slo(slo.parse_slo("p99<1s"), _evidence([10.0] * 43))
    assert check.status == "INCONCLUSIVE"
    assert check.line.endswith("too few samples to resolve p99 (43, need 100)")


def test_error_rate_interval_is_exact_binomial() -> None:
    none_of_20 = slo.judge_slo(slo.parse_slo("error_rate<1%"), _evidence([5.0] * 20))
    assert none_of_20.status == "INCONCLUSIVE"  # 0 of 20: the rate may still be up to 16.8 %
    assert none_of_20.high == pytest.approx(16.843, abs=0.01)
    all_failed = slo.judge_slo(slo.parse_slo("error_rate<1%"), _evidence([5.0] * 20, errors=20))
    assert all_failed.status == "FAIL"


def test_nothing_succeeded_always_fails() -> None:
    checks = slo.judge_all([slo.parse_slo("error_rate<=100%")], _evidence([5.0] * 20, errors=20), ok=0)
    assert [c.status for c in checks] == ["PASS", "FAIL"]
    assert checks[-1].line == "FAIL slo requests: none of 20 requests was answered with a prediction"


def test_an_unbounded_interval_says_how_many_requests_bound_it() -> None:
    check = slo.judge_slo(slo.parse_slo("p95<280ms"), _evidence(list(np.linspace(100, 300, 40))))
    assert check.status == "INCONCLUSIVE"
    assert check.high is None  # unbounded: JSON null
    assert check.line.endswith("40 requests cannot bound p95 from above: a run of at least 72 can")


def test_a_latency_slo_with_no_successful_answer_has_nothing_to_measure() -> None:
    nothing = slo.SloEvidence(np.zeros(0), 20, 20, 0, np.zeros(3))  # 20 requests, none ok
    for text in ("p95<300ms", "max<1s", "mean<100ms"):
        check = slo.judge_slo(slo.parse_slo(text), nothing)
        assert (check.status, check.value) == ("INCONCLUSIVE", None)
        assert check.line == f"INCONCLUSIVE slo {text}: nothing to measure (no successful answer among 20 requests)"
