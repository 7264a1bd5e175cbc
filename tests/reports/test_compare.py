"""reports/compare.py on tiny hand-checked data: agreement, limits, three-way relative checks."""

from __future__ import annotations

import numpy as np
import pytest

from scorebench.core.errors import HarnessError
from scorebench.core.records import Answer
from scorebench.reports import compare


def _answers(rows: list[tuple[str, str, str]]) -> list[Answer]:
    return [Answer(side, payload, digest, f"answer {digest}") for side, payload, digest in rows]


def test_agreement_counts_payloads_answered_alike_by_both_sides() -> None:
    answers = _answers([
        ("current", "a", "1"), ("candidate", "a", "1"),  # alike
        ("current", "b", "2"), ("candidate", "b", "3"),  # differ
        ("current", "c", "4"),                           # the candidate never answered c
        ("current", "d", "5"), ("candidate", "d", "5"),  # alike
        ("current", "e", "6"), ("current", "e", "7"), ("candidate", "e", "6"),  # current unstable: differ
    ])  # fmt: skip
    found = compare.agreement(answers, ["a", "b", "c", "d", "e", "a"])
    assert (found.payloads, found.compared, found.agreeing) == (5, 4, 2)
    assert found.share == 0.5
    assert found.disagreements == [
        {"payload_id": "b", "current": "answer 2", "candidate": "answer 3"},
        {"payload_id": "e", "current": "answer 6", "candidate": "answer 6"},
    ]
    assert (found.unanswered, found.unanswered_count) == (["c"], 1)


def test_agreement_check_is_exact_over_the_payload_set() -> None:
    found = compare.agreement(_answers([("current", "a", "1"), ("candidate", "a", "1")]), ["a"])
    assert compare.agreement_check(found, 0.99).status == "PASS"
    half = compare.agreement(_answers([("current", "a", "1"), ("candidate", "a", "1"),
                                       ("current", "b", "1"), ("candidate", "b", "2")]), ["a", "b"])  # fmt: skip
    check = compare.agreement_check(half, 0.99)
    assert (check.status, check.value, check.kind) == ("FAIL", 50.0, "agreement")
    assert compare.agreement_check(compare.agreement([], ["a"]), 0.99).status == "INCONCLUSIVE"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("99%", 0.99), ("0.95", 0.95), ("100%", 1.0)],
)
def test_parse_share(text: str, expected: float) -> None:
    assert compare.parse_share(text) == pytest.approx(expected)


@pytest.mark.parametrize("text", ["ninety", "101%", "-1"])
def test_parse_share_refuses_nonsense(text: str) -> None:
    with pytest.raises(HarnessError, match="--min-agreement"):
        compare.parse_share(text)


def test_limits_default_and_override_by_metric() -> None:
    limits = {limit.metric: limit.text for limit in compare.resolve_limits(["p95:+20%", "rps:off"])}
    assert limits == {"p50": "p50:+10%", "p95": "p95:+20%", "p99": "p99:+15%", "error_rate": "error_rate:+0.5pp",
                      "model_error_rate": "model_error_rate:+0.5pp"}  # fmt: skip
    with pytest.raises(HarnessError, match="unknown metric"):
        compare.parse_limit("p42:+1%")


def _side(latency_ms: np.ndarray, errors: int = 0, seconds: float = 10.0) -> compare.Side:
    n = len(latency_ms)
    outcome = np.array(["http_5xx"] * errors + ["ok"] * (n - errors), dtype=object)
    started = np.linspace(0.0, seconds, n)
    return compare.Side(latency_ms, outcome, started, {"throughput_rps": n / seconds})


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
    assert (worse.status, worse.value) == ("FAIL", 30.0)


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
                "outcomes": {"model_error": errors}, "throughput_rps": rps}  # fmt: skip

    rows = {row["metric"]: row for row in compare.delta_rows(summary(100.0, 0, 10.0), summary(150.0, 2, 8.0))}
    assert rows["latency p50 (ms)"]["change"] == "+50.0%"
    assert rows["model error rate (%)"]["change"] == "+2.00pp"
    assert rows["throughput (req/s)"]["change"] == "-20.0%"
