"""reports/common/projection.py: intervals at a larger n, and a hint that a run of its length decides.

The hint's promise is tested as a user meets it: draw a short run from a fixed distribution, read
the hint of its INCONCLUSIVE check, draw a fresh run of the hinted length from the same
distribution and judge it. HINT_DECIDES (docs/reports.md) is the share of trials it must decide.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from scorebench.reports.common import hints, intervals, projection, sequential
from scorebench.reports.common.slo import SloEvidence, judge_slo, parse_slo

HINT_DECIDES = 0.75
SEED = 20261207


def test_first_deciding_finds_the_smallest_count_to_about_one_percent() -> None:
    assert projection.first_deciding(lambda n: n >= 12_345, 100) == pytest.approx(12_345, rel=0.01)
    assert projection.first_deciding(lambda n: n >= 12_345, 100) >= 12_345
    assert projection.first_deciding(lambda n: False, 100, cap=10_000) is None


def test_percentile_at_reads_the_ranks_off_the_empirical_quantiles() -> None:
    sample = np.arange(1.0, 1001.0)
    assert projection.percentile_at(sample, 95, 1000, 0.05, False) == intervals.percentile_interval(sample, 95)
    low, high = projection.percentile_at(sample, 95, 1_000_000, 0.05, False)
    assert 949.0 < low < 950.05 < high < 951.0  # a thousand times more values: close around the sample's p95
    assert projection.percentile_at(sample, 99, 300, 0.05, True)[1] == math.inf  # the sequence needs 358


def test_rate_and_mean_at_keep_the_observed_figures() -> None:
    assert projection.rate_at(0.02, 500, 0.05, False) == intervals.rate_interval(10, 500)
    assert projection.rate_at(0.02, 500, 0.05, True) == sequential.rate_bounds(10, 500)
    values = np.random.default_rng(SEED).gamma(2.0, 5.0, 400)
    low, high = projection.mean_at(values, 1600, 0.05, False)
    fixed_low, fixed_high = intervals.mean_interval(values)
    assert high - low == pytest.approx((fixed_high - fixed_low) / 2)  # four times the values: half as wide


def test_hint_names_requests_and_factor() -> None:
    assert hints.hint(2212, 200) == "; a run of about 2,212 requests (11.1x this one) would likely decide it"
    assert hints.hint(None, 200) == hints.SITS


def test_a_short_error_free_run_gets_a_hint_longer_than_itself() -> None:
    """The issue's case: 227 requests, no error, `error_rate<1%`: not "1.0x as long"."""
    check = judge_slo(parse_slo("error_rate<1%"), SloEvidence(np.ones(227), 227, 0, 0, np.ones(5)))
    assert check.status == "INCONCLUSIVE"
    assert check.line.endswith("; a run of about 1,106 requests (4.9x this one) would likely decide it")
    longer = judge_slo(parse_slo("error_rate<1%"), SloEvidence(np.ones(1106), 1106, 0, 0, np.ones(5)))
    assert longer.status == "PASS"


def _hinted(line: str) -> int | None:
    if "a run of about " not in line:
        return None
    return int(line.split("a run of about ")[1].split(" ")[0].replace(",", ""))


@pytest.mark.parametrize("anytime", [False, True])
def test_a_run_of_the_hinted_length_decides_in_most_trials(anytime: bool) -> None:
    """p95 of lognormal(3, 0.5) latencies 8 % under its SLO, and 0.3 % errors against error_rate<1%:
    a short run (300 / 200 requests), its hint, a fresh run of that length: decided in >= 75 %."""
    rng = np.random.default_rng(SEED + anytime)
    p95 = math.exp(3.0 + 0.5 * 1.6448536269514722)
    latency_slo, error_slo = parse_slo(f"p95<{p95 * 1.08:.1f}ms"), parse_slo("error_rate<1%")

    def latency_run(n: int) -> SloEvidence:
        return SloEvidence(rng.lognormal(3.0, 0.5, n), n, 0, 0, np.ones(5))

    def error_run(n: int) -> SloEvidence:
        errors = int(rng.binomial(n, 0.003))
        return SloEvidence(np.ones(n - errors), n, errors, 0, np.ones(5))

    for slo, run, short, trials in ((latency_slo, latency_run, 300, 40), (error_slo, error_run, 200, 100)):
        decided = hinted = 0
        for _ in range(trials):
            needed = _hinted(judge_slo(slo, run(short), anytime).line)
            if needed is None:
                continue  # decided already (or no hint): nothing promised
            hinted += 1
            decided += judge_slo(slo, run(needed), anytime).status != "INCONCLUSIVE"
        assert hinted >= trials // 2
        assert decided / hinted >= HINT_DECIDES, (slo.text, anytime, decided, hinted)
