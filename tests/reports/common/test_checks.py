"""reports/common/checks.py: threshold parsing, verdict lines (verbatim), noise, exit codes."""

from __future__ import annotations

import numpy as np
import pytest

from scorebench.core.errors import HarnessError
from scorebench.reports.common import checks, hints


def evidence(latency: np.ndarray, error_rate: float = 0.0, rps: float = 10.0) -> checks.Evidence:
    summary = {
        "count": len(latency),
        "error_rate": error_rate,
        "throughput_rps": rps,
        "latency_ms": {name: float(np.percentile(latency, q)) for name, q in checks.LATENCY_METRICS.items()}
        | {"mean": float(latency.mean())},
    }
    return checks.Evidence(summary, latency, np.full(30, rps))


BASE = evidence(np.linspace(90, 110, 200))
DOUBLED = evidence(np.linspace(180, 220, 200), error_rate=0.05, rps=5.0)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("p95:+10%", checks.ThresholdCheck("p95", "+", 10.0, "%")),
        ("P99:+15%", checks.ThresholdCheck("p99", "+", 15.0, "%")),
        ("error_rate:+0.5pp", checks.ThresholdCheck("error_rate", "+", 0.5, "pp")),
        ("rps:-10%", checks.ThresholdCheck("rps", "-", 10.0, "%")),
        ("p99.9:+20%", checks.ThresholdCheck("p99_9", "+", 20.0, "%")),
        ("median:+5%", checks.ThresholdCheck("p50", "+", 5.0, "%")),
    ],
)
def test_parse_threshold(text: str, expected: checks.ThresholdCheck) -> None:
    assert checks.parse_threshold(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("p95", "threshold 'p95': expected METRIC:+N% / METRIC:-N% / METRIC:+Npp (e.g. p95:+10%)"),
        ("p95:10%", "threshold 'p95:10%': expected METRIC:+N% / METRIC:-N% / METRIC:+Npp (e.g. p95:+10%)"),
        ("p42:+10%", "threshold 'p42:+10%': unknown metric 'p42' (metrics: p50, p75, p90, p95, p99, p99_9, max, mean, error_rate, rps)"),  # noqa: E501
    ],
)  # fmt: skip
def test_bad_threshold_is_one_line(text: str, message: str) -> None:
    with pytest.raises(HarnessError) as caught:
        checks.parse_threshold(text)
    assert str(caught.value) == message


def test_overrides_replace_defaults_by_metric() -> None:
    resolved = [c.text for c in checks.resolve_thresholds(["p95:+20%", "rps:off", "mean:+5%"])]
    assert resolved == ["p95:+20%", "p99:+15%", "error_rate:+0.5pp", "mean:+5%"]
    assert [c.text for c in checks.resolve_thresholds(None)] == list(checks.DEFAULT_THRESHOLDS)


@pytest.mark.parametrize(
    ("threshold", "same", "doubled"),
    [
        ("p95:+10%",
         "PASS p95: 109.0 ms vs baseline 109.0 ms (+0.0%, limit +10%, 95% CI -0.8%..+0.8%)",
         "FAIL p95: 218.0 ms vs baseline 109.0 ms (+100.0%, limit +10%, 95% CI +98.3%..+101.7%)"),
        ("p99:+15%",
         "PASS p99: 109.8 ms vs baseline 109.8 ms (+0.0%, limit +15%, 95% CI -0.5%..+0.5%)",
         "FAIL p99: 219.6 ms vs baseline 109.8 ms (+100.0%, limit +15%, 95% CI +99.1%..+100.9%)"),
        ("error_rate:+0.5pp",
         "INCONCLUSIVE error_rate: 0.00% vs baseline 0.00% (+0.00pp, limit +0.5pp, 95% CI -1.06pp..+1.20pp); "
         "a run of about 2,212 requests (11.1x this one) would likely decide it",
         "FAIL error_rate: 5.00% vs baseline 0.00% (+5.00pp, limit +0.5pp, 95% CI +2.23pp..+8.27pp)"),
        ("rps:-10%",
         "PASS rps: 10.00 rps vs baseline 10.00 rps (+0.0%, limit -10%, 95% CI +0.0%..+0.0%)",
         "FAIL rps: 5.00 rps vs baseline 10.00 rps (-50.0%, limit -10%, 95% CI -50.0%..-50.0%)"),
    ],
)  # fmt: skip
def test_verdict_lines_verbatim(threshold: str, same: str, doubled: str) -> None:
    check = checks.parse_threshold(threshold)
    assert check.judge(BASE, BASE).line == same  # 0 errors in 200 is not a rate known to be 0: inconclusive
    assert check.fails(BASE, BASE) is None
    assert check.judge(DOUBLED, BASE).line == doubled
    assert check.fails(DOUBLED, BASE) == doubled


def test_a_change_noise_could_explain_is_inconclusive_never_pass() -> None:
    # 12 % higher p95 over only 40 widely spread samples: the interval holds the limit
    rng = np.random.default_rng(5)
    base = evidence(rng.lognormal(4, 0.6, 40))
    noisy = evidence(base.latency_sample_ms * 1.12)
    check = checks.parse_threshold("p95:+10%").judge(noisy, base)
    assert check.status == checks.INCONCLUSIVE
    assert check.line.endswith("; the baseline's own interval is too wide to decide it: save a longer baseline")
    assert check.kind == "baseline"
    assert check.low is not None
    assert check.low < 10.0 < check.high


def test_p99_from_too_few_samples_never_passes() -> None:
    base = evidence(np.linspace(90, 110, 50))
    check = checks.parse_threshold("p99:+15%").judge(base, base)
    assert check.status == checks.INCONCLUSIVE
    assert "too few samples to resolve p99 (50 in this run, need 100)" in check.line


@pytest.mark.parametrize(
    ("low", "high", "upper", "inclusive", "status"),
    [
        (1.0, 2.0, True, False, "PASS"), (1.0, 3.0, True, False, "INCONCLUSIVE"), (3.0, 4.0, True, False, "FAIL"),
        (2.5, 3.0, True, False, "FAIL"), (2.5, 3.0, True, True, "INCONCLUSIVE"), (1.0, 2.5, True, True, "PASS"),
        (3.0, 4.0, False, False, "PASS"), (2.0, 4.0, False, False, "INCONCLUSIVE"), (1.0, 2.0, False, False, "FAIL"),
    ],
)  # fmt: skip
def test_decide_three_ways(low: float, high: float, upper: bool, inclusive: bool, status: str) -> None:
    assert checks.decide(low, high, 2.5, upper, inclusive) == status


def test_timeout_checks() -> None:
    summary = {
        "count": 10,
        "timeout": {"timeout_s": 60.0, "beyond_count": 2, "slowest_ms": 60000.5, "slowest_margin_ms": -0.5},
    }
    failed = checks.timeout_check(summary)
    assert failed.line == "FAIL timeout: 2 of 10 requests reached the 60 s timeout (slowest 60,000 ms)"
    assert (failed.kind, failed.status, failed.limit, failed.value) == ("timeout", "FAIL", 60000.0, 60000.5)
    summary["timeout"] |= {"beyond_count": 0, "slowest_ms": 812.5, "slowest_margin_ms": 59187.5}
    assert checks.timeout_check(summary).line == (
        "PASS timeout: all 10 requests within the 60 s timeout (slowest 812.5 ms, margin 59,188 ms)"
    )  # fmt: skip


@pytest.mark.parametrize(
    ("current", "line"),
    [
        ({"load_profile": {"concurrency": 8}, "payload_set_hash": "h", "summary": {"count": 100}},
         "INCONCLUSIVE baseline b: not comparable: load profile differs (concurrency 8 vs 4)"),
        ({"load_profile": {"concurrency": 4}, "payload_set_hash": "other", "summary": {"count": 100}},
         "INCONCLUSIVE baseline b: not comparable: payload set differs ('other' vs 'h')"),
        ({"load_profile": {"concurrency": 4}, "payload_set_hash": "h", "summary": {"count": 12}},
         "INCONCLUSIVE baseline b: not comparable: too few samples (12 now, 100 in the baseline; need 30)"),
    ],
)  # fmt: skip
def test_not_comparable_is_inconclusive(current: dict, line: str) -> None:
    baseline = {"load_profile": {"concurrency": 4}, "payload_set_hash": "h", "summary": {"count": 100}}
    check = checks.comparable(current, baseline, "b")
    assert check is not None
    assert check.line == line


def _check(status: str) -> checks.Check:
    return checks.Check("x", "slo", "p95", 1.0, 1.0, None, None, None, "ms", status, status)


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [(["PASS", "PASS"], ("PASS", 0)), (["PASS", "FAIL", "INCONCLUSIVE"], ("FAIL", 1)),
     (["PASS", "INCONCLUSIVE"], ("INCONCLUSIVE", 3))],
)  # fmt: skip
def test_overall_exit_codes(statuses: list[str], expected: tuple[str, int]) -> None:
    assert checks.overall([_check(s) for s in statuses]) == expected


def test_check_is_data() -> None:
    assert list(_check("PASS").to_dict()) == [
        "name", "kind", "metric", "limit", "value", "reference", "low", "high", "unit", "status", "line", "method",
    ]  # fmt: skip


def test_a_percentile_is_resolved_by_the_successful_answers_not_every_request() -> None:
    # 300 requests of which 10 ok: a p95 of 10 answers is not resolvable, whatever the request count
    few_ok = evidence(np.linspace(90, 110, 10))
    few_ok.summary.update(count=300, ok=10)
    check = checks.parse_threshold("p95:+50%").judge(few_ok, BASE)
    assert check.status == "INCONCLUSIVE"
    assert check.line.endswith("too few samples to resolve p95 (10 in this run, need 20)")


def test_anytime_judges_on_the_box_of_the_run_sequence_and_the_baseline_interval() -> None:
    rng = np.random.default_rng(7)
    base, now = evidence(rng.lognormal(3, 0.3, 4000)), evidence(rng.lognormal(3, 0.3, 3000))
    limit = checks.parse_threshold("p95:+10%")
    fixed, anytime = limit.judge(now, base), limit.judge(now, base, anytime=True)
    assert fixed.method == "bootstrap and order-statistic test"
    method = "confidence sequence (Howard-Ramdas) (this run) and order statistics (baseline), alpha split"
    assert anytime.method == method
    assert anytime.low is not None
    assert fixed.low is not None
    assert anytime.high is not None
    assert fixed.high is not None
    assert anytime.low < fixed.low
    assert anytime.high > fixed.high
    assert "95% CS" in anytime.line
    assert "95% CI" in fixed.line
    assert anytime.status == "PASS"
    doubled = limit.judge(evidence(rng.lognormal(3 + np.log(2), 0.3, 500)), base, anytime=True)
    assert doubled.status == "FAIL"


def test_box_change_is_unbounded_where_a_side_is() -> None:
    limit = checks.parse_threshold("p99:+15%")
    assert hints.box_change(limit.change, (90.0, np.inf), (80.0, 100.0)) == (pytest.approx(-0.1), np.inf)
    assert hints.box_change(limit.change, (-np.inf, 110.0), (-np.inf, 100.0)) == (-1.0, np.inf)
    assert hints.box_change(checks.parse_threshold("error_rate:+0.5pp").change, (0.0, 0.01), (0.0, 0.002)) == (
        pytest.approx(-0.2), pytest.approx(1.0))  # fmt: skip


def test_intervals_record_names_the_family() -> None:
    assert checks.intervals_record(False)["family"] == "fixed"
    assert checks.intervals_record(True)["family"] == "anytime"


def test_a_floor_fails_only_beyond_both_the_relative_limit_and_the_floor() -> None:
    rng = np.random.default_rng(11)
    base = evidence(rng.lognormal(np.log(5.0), 0.3, 4000))  # a 5 ms service
    slower = evidence(rng.lognormal(np.log(5.0 * 1.3), 0.3, 4000))  # +30 %: about +2.4 ms at p95
    limit = checks.parse_threshold("p95:+10%,5ms")
    assert limit.text == "p95:+10%,5ms"
    assert checks.parse_threshold("p95:+10%").judge(slower, base).status == checks.FAIL
    for anytime in (False, True):
        check = limit.judge(slower, base, anytime)
        assert check.status == checks.PASS, check.line
        assert check.unit == "ms"
        assert "limit +10% and +5 ms;" in check.line
    much_slower = evidence(rng.lognormal(np.log(5.0 * 3), 0.3, 4000))  # +200 %: about +16 ms at p95
    assert limit.judge(much_slower, base, anytime=True).status == checks.FAIL
    assert limit.judge(much_slower, base).status == checks.FAIL


def test_a_floor_goes_with_a_latency_increase_only() -> None:
    with pytest.raises(HarnessError, match="a floor"):
        checks.parse_threshold("rps:-10%,5ms")
    assert checks.parse_threshold("p99:+15%,0.02s").floor_ms == 20.0
    assert [c.text for c in checks.resolve_thresholds(None, anytime=True)] == [
        "p95:+10%,5ms", "error_rate:+0.5pp", "rps:-10%",  # p99 is no until-decided default (metrics.py)
    ]  # fmt: skip
