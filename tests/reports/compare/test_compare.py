"""reports/compare/compare.py on tiny hand-checked data: limits, three-way relative checks of answered requests."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scorebench.core.errors import HarnessError
from scorebench.reports.compare import compare


def test_limits_default_and_override_by_metric() -> None:
    limits = {limit.metric: limit.text for limit in compare.resolve_limits(["p95:+20%", "rps:off"])}
    assert limits == {"p50": "p50:+10%", "p95": "p95:+20%", "p99": "p99:+15%", "error_rate": "error_rate:+0.5pp",
                      "model_error_rate": "model_error_rate:+0.5pp"}  # fmt: skip
    with pytest.raises(HarnessError, match="unknown metric"):
        compare.parse_limit("p42:+1%")


def _side(latency_ms: np.ndarray, errors: int = 0, seconds: float = 10.0) -> compare.Side:
    """`latency_ms` answered (ok), plus `errors` failed requests, spread evenly over `seconds`."""
    n = len(latency_ms) + errors
    outcome = np.array(["http_5xx"] * errors + ["ok"] * len(latency_ms), dtype=object)
    started = np.linspace(0.0, seconds, n)
    return compare.Side(latency_ms, outcome, started, {"ok": len(latency_ms), "window_s": seconds})


def test_identical_sides_pass_a_latency_limit() -> None:
    latency = np.linspace(100.0, 200.0, 2000)
    check = compare.relative_check(_side(latency), _side(latency), compare.parse_limit("p50:+10%"))
    assert check.status == "PASS"
    assert (check.value, check.reference, check.kind) == (0.0, 150.0, "candidate")
    assert check.low is not None
    assert check.high is not None
    assert check.low <= 0.0 <= check.high < 10.0


def test_doubled_latency_fails_and_is_named() -> None:
    latency = np.linspace(100.0, 200.0, 400)
    check = compare.relative_check(_side(latency), _side(latency * 2), compare.parse_limit("p95:+10%"))
    assert check.status == "FAIL"
    assert check.name == "candidate p95:+10%"
    assert check.value == pytest.approx(100.0)
    assert check.line.startswith("FAIL candidate p95: 390.0 ms vs current 195.0 ms (+100.0%")


def test_a_p99_the_sample_cannot_resolve_never_passes() -> None:
    latency = np.linspace(100.0, 200.0, 60)
    check = compare.relative_check(_side(latency), _side(latency), compare.parse_limit("p99:+15%"))
    assert check.status == "INCONCLUSIVE"
    assert "too few samples to resolve p99" in check.line


def test_no_errors_in_a_few_requests_is_not_proof_of_no_regression() -> None:
    latency = np.linspace(100.0, 200.0, 100)
    check = compare.relative_check(_side(latency), _side(latency), compare.parse_limit("error_rate:+0.5pp"))
    assert check.status == "INCONCLUSIVE"
    worse = compare.relative_check(_side(latency), _side(latency, errors=30), compare.parse_limit("error_rate:+0.5pp"))
    assert (worse.status, worse.value) == ("FAIL", 23.0769)  # 30 failed of 130 requests


def test_throughput_needs_whole_seconds() -> None:
    latency = np.linspace(100.0, 200.0, 100)
    short = _side(latency, seconds=3)
    check = compare.relative_check(short, short, compare.parse_limit("rps:-10%"))
    assert check.status == "INCONCLUSIVE"
    assert "whole seconds" in check.line


def test_delta_rows_put_the_sides_side_by_side() -> None:
    def summary(p50: float, errors: int, rps: float) -> dict[str, object]:
        latency = dict.fromkeys(("p50", "p90", "p95", "p99", "mean", "max"), p50)
        return {"latency_ms": latency, "error_rate": errors / 100, "count": 100,
                "outcomes": {"model_error": errors}, "ok": int(rps * 10), "window_s": 10.0}  # fmt: skip

    rows = {row["metric"]: row for row in compare.delta_rows(summary(100.0, 0, 10.0), summary(150.0, 2, 8.0))}
    assert rows["latency p50 (ms)"]["change"] == "+50.0%"
    assert rows["model error rate (%)"]["change"] == "+2.00pp"
    assert rows["throughput (answers/s)"]["change"] == "-20.0%"


def test_side_from_frame_keeps_latency_of_answered_requests_only() -> None:
    samples = pd.DataFrame({
        "latency_ms": [10.0, 20.0, 5000.0, 1.0], "outcome": ["ok", "ok", "timeout", "http_5xx"],
        "started_s": [0.0, 1.0, 2.0, 3.0],
    })  # fmt: skip
    side = compare.Side.from_frame(samples, {"ok": 2, "window_s": 4.0})
    assert side.latency_ms.tolist() == [10.0, 20.0]
    assert side.outcome.tolist() == ["ok", "ok", "timeout", "http_5xx"]  # the error rates count every request
    assert compare.answers_per_second(side.summary) == 0.5


def test_fast_failures_do_not_make_the_candidate_faster_and_cost_it_throughput() -> None:
    latency = np.linspace(100.0, 200.0, 400)
    current = _side(latency)
    failing = compare.Side(  # the same answers, plus 400 instant failures in the same 10 s
        latency, np.array(["ok", "http_5xx"] * 400, dtype=object), np.linspace(0.0, 10.0, 800),
        {"ok": 400, "window_s": 10.0},
    )  # fmt: skip
    p50 = compare.relative_check(current, failing, compare.parse_limit("p50:+10%"))
    assert (p50.status, p50.value) == ("PASS", 0.0)  # p50 of the answers: 150 ms both; with failures it would be ~100
    rps = compare.relative_check(current, failing, compare.parse_limit("rps:-10%"))
    assert rps.value == 0.0  # 40 answers/s each, not 80 requests/s for the candidate
    nothing = compare.Side(np.array([]), np.array(["http_5xx"] * 400, dtype=object), np.linspace(0.0, 10.0, 400),
                           {"ok": 0, "window_s": 10.0})  # fmt: skip
    assert compare.relative_check(current, nothing, compare.parse_limit("p50:+10%")).status == "INCONCLUSIVE"
    errors = compare.relative_check(current, nothing, compare.parse_limit("error_rate:+0.5pp"))  # counts every request
    assert (errors.status, errors.value) == ("FAIL", 100.0)
    assert compare.relative_check(current, nothing, compare.parse_limit("rps:-10%")).status == "FAIL"  # 0 answers/s


def test_a_floor_spares_a_fast_candidate_a_tail_change_of_a_millisecond() -> None:
    rng = np.random.default_rng(3)
    current = _side(rng.lognormal(np.log(5.0), 0.3, 3000))
    candidate = _side(rng.lognormal(np.log(5.0 * 1.25), 0.3, 3000))  # +25 %: about +2 ms at p95
    plain, floored = compare.parse_limit("p95:+10%"), compare.parse_limit("p95:+10%,5ms")
    assert compare.relative_check(current, candidate, plain).status == "FAIL"
    for anytime in (False, True):
        check = compare.relative_check(current, candidate, floored, anytime)
        assert (check.status, check.unit, check.name) == ("PASS", "ms", "candidate p95:+10%,5ms")
    assert [limit.text for limit in compare.resolve_limits(None, anytime=True)] == [
        "p50:+10%", "error_rate:+0.5pp", "model_error_rate:+0.5pp", "rps:-10%",  # no tail limit by default
    ]  # fmt: skip
