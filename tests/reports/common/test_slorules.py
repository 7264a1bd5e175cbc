"""The capacity search's SLOs (scorebench/reports/common/slorules.py): user SLOs hold a step open, defaults guard."""

from __future__ import annotations

import numpy as np
import pytest

from scorebench.core.errors import HarnessError
from scorebench.reports.common.slorules import judge_step, step_slos

LATENCY = np.arange(1, 101, dtype=float)  # 1..100 ms: p95 95.05, its 95 % interval 90..100 ms


def test_user_slos_hold_steps_open_and_the_default_error_slo_is_a_guard():
    slos = step_slos(["p95<400ms"])
    assert [(s.text, s.holds_open) for s in slos] == [("p95<400ms", True), ("error_rate<1%", False)]
    assert slos[0].quantile == 95.0
    assert slos[1].quantile is None


def test_a_given_error_rate_slo_is_a_real_slo():
    slos = step_slos(["p95<400ms", "error_rate<1%"])
    assert [(s.text, s.holds_open) for s in slos] == [("p95<400ms", True), ("error_rate<1%", True)]


@pytest.mark.parametrize(
    ("text", "contains"),
    [("p95>300ms", "expected p95 <|<= N ms|s"), ("rps>=50", "the capacity search sets the rate itself")],
)
def test_bad_slo_is_one_line_naming_the_flag(text, contains):
    with pytest.raises(HarnessError, match=r"^--slo: ") as caught:
        step_slos([text])
    assert contains in str(caught.value)


@pytest.mark.parametrize(("slo", "status"), [("p95<200ms", "PASS"), ("p95<50ms", "FAIL"), ("p95<95ms", "INCONCLUSIVE")])
def test_three_way_decision_of_a_latency_slo_on_a_step(slo, status):
    check = judge_step(step_slos([slo])[0], LATENCY, errors=0, model_errors=0, requests=100)
    assert (check.status, check.low, check.high) == (status, 90.0, 100.0)


@pytest.mark.parametrize(
    ("errors", "requests", "status"), [(0, 1000, "PASS"), (0, 20, "INCONCLUSIVE"), (10, 20, "FAIL")]
)
def test_three_way_decision_of_the_error_rate_on_a_step(errors, requests, status):
    # Clopper-Pearson: 0 of 1000 is 0 %..0.37 % (< 1 %); 0 of 20 up to 16.8 %; 10 of 20 is 27 %..73 %
    check = judge_step(step_slos(["p95<1s"])[1], LATENCY, errors=errors, model_errors=0, requests=requests)
    assert check.status == status
